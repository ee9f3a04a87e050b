"""The risk tolerance (``lam``) reported between turning points is the one of the weights (issue 21).

A corner can stay optimal over an interval of ``lam`` (its free variables pinned by the equality rows, e.g. one
asset free under the budget), so the critical line records it twice; the path keeps one copy, and the segment above
the corner starts at the top of that interval. These seeds of ``random_problem`` had the interpolated ``lam`` wrong
just below the top of the frontier (stationarity off by up to 6% of its scale) while the weights were right.

Oracle: the KKT conditions, not our own path: ``C w - lam mu`` is equal on every asset strictly inside its bounds.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import efficient_frontier, efficient_portfolio, max_sharpe
from kernels.mean_variance.portfolios import CRITICAL_LINE
from tests.naive import random_problem
from tests.tolerances import RTOL_KKT

#: (seed, n_assets, long_short) of random problems whose frontier has a corner optimal over an interval of lam.
PINNED_CORNERS = [(25, 5, False), (146, 7, True), (9, 21, False), (264, 3, False), (29, 13, False),
                  (52, 11, True), (247, 17, False)]


def _exact(p):
    """Keyword arguments that send a problem to the critical line without changing its optimum."""
    return {"lower": p.lower, "upper": p.upper, "groups": np.zeros(p.mu.size, dtype=np.int64), "group_lower": [0.0],
            "group_upper": [1.0]}


def stationarity_error(p, w, lam):
    """The spread of ``C w - lam mu`` over the assets strictly inside their bounds, relative to its scale
    (``None`` when fewer than two such assets with different returns: nothing to check)."""
    free = (w > p.lower + 1e-9) & (w < p.upper - 1e-9)
    if free.sum() < 2 or np.ptp(p.mu[free]) <= 1e-9:
        return None
    g = p.cov @ w - lam * p.mu
    return np.ptp(g[free]) / (np.max(np.diag(p.cov)) + lam * np.max(np.abs(p.mu)))


@pytest.mark.parametrize("seed,n,long_short", PINNED_CORNERS)
def test_frontier_lambdas_are_stationary(seed, n, long_short):
    p = random_problem(seed, n, long_short=long_short)
    f = efficient_frontier(p.mu, p.cov, 41, lower=p.lower, upper=p.upper)
    tp = f.turning_points
    assert (tp.weights[1:] != tp.weights[:-1]).any(axis=1).all()  # the corner pinned over an interval is stored once
    checked = 0
    for W, L in ((f.weights, f.risk_tolerances), (tp.weights, tp.risk_tolerances)):
        for w, lam in zip(W, L):
            err = stationarity_error(p, w, lam) if np.isfinite(lam) else None
            if err is not None:
                assert err <= RTOL_KKT
                checked += 1
    assert checked >= 5


@pytest.mark.parametrize("seed,n,long_short", PINNED_CORNERS)
def test_target_portfolios_on_the_last_stretch_are_stationary(seed, n, long_short):
    """Target return, target risk and max Sharpe on the exact path, on every segment including the one below the top."""
    p = random_problem(seed, n, long_short=long_short)
    tp = efficient_frontier(p.mu, p.cov, 2, lower=p.lower, upper=p.upper).turning_points
    r, v = tp.returns, tp.volatilities
    results = []
    for i in range(1, r.size):
        results.append(efficient_portfolio(p.mu, p.cov, target_return=r[i - 1] + 0.6 * (r[i] - r[i - 1]), **_exact(p)))
        results.append(efficient_portfolio(p.mu, p.cov, target_risk=v[i - 1] + 0.4 * (v[i] - v[i - 1]), **_exact(p)))
    if np.any(p.mu > 0.0):
        results.append(max_sharpe(p.mu, p.cov, 0.0, **_exact(p)))
    checked = 0
    for res in results:
        assert res.method == CRITICAL_LINE
        err = stationarity_error(p, res.weights, res.risk_tolerance) if np.isfinite(res.risk_tolerance) else None
        if err is not None:
            assert err <= RTOL_KKT
            checked += 1
    assert checked >= 2
