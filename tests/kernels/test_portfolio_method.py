"""A result says which path found it, and why the slower path answered when the fast one was tried (issue 21)."""

from __future__ import annotations

import numpy as np

import kernels
from kernels.mean_variance import box_active_set
from kernels.mean_variance.portfolios import (
    BOX_ACTIVE_SET,
    CRITICAL_LINE,
    NOT_CERTIFIED_FALLBACK,
)


def _cov(n, condition, seed=0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eig = np.geomspace(1.0, 1.0 / condition, n) * 0.04
    return (q * eig) @ q.T


def test_box_bounds_on_a_well_conditioned_matrix_take_the_certified_box_active_set():
    C = _cov(30, 1e2)
    mu = np.linspace(0.02, 0.10, 30)
    assert kernels.min_variance(C).method == BOX_ACTIVE_SET
    assert kernels.max_sharpe(mu, C).method == BOX_ACTIVE_SET


def test_rows_beyond_the_box_take_the_critical_line():
    C = _cov(6, 1e2)
    groups = np.array([0, 0, 0, 1, 1, 1])
    res = kernels.min_variance(C, groups=groups, group_lower=[0.5, 0.0], group_upper=[1.0, 1.0])
    assert res.method == CRITICAL_LINE
    assert res.weights[:3].sum() >= 0.5 - 1e-12


def test_an_ill_conditioned_matrix_says_the_box_active_set_could_not_certify():
    C = _cov(40, box_active_set.MAX_CONDITION * 100)
    fallback = kernels.min_variance(C)
    assert fallback.method == NOT_CERTIFIED_FALLBACK
    # the same optimum as the path on the same problem with a row that does not bind
    groups = np.zeros(40, dtype=np.int64)
    exact = kernels.min_variance(C, groups=groups, group_lower=[0.0], group_upper=[1.0])
    assert exact.method == CRITICAL_LINE
    np.testing.assert_allclose(fallback.weights, exact.weights, atol=1e-9)


def test_target_portfolios_and_capped_max_sharpe_say_which_path_answered():
    """Issues 16 and 21: the targets, the risk aversion and capped max Sharpe take the box active set under
    box bounds; an ill-conditioned matrix sends them to the exact path, and the result says why."""
    n = 30
    C = _cov(n, 1e2)
    mu = np.linspace(0.02, 0.10, n)
    calls = [
        lambda C: kernels.efficient_portfolio(mu, C, target_return=0.06),
        lambda C: kernels.efficient_portfolio(mu, C, target_return=0.06, gamma=0.01),
        lambda C: kernels.efficient_portfolio(mu, C, target_risk=float(np.sqrt(np.mean(np.diag(C))))),
        lambda C: kernels.efficient_portfolio(mu, C, target_risk=float(np.sqrt(np.mean(np.diag(C)))), gamma=0.01),
        lambda C: kernels.efficient_portfolio(mu, C, risk_aversion=3.0),
        lambda C: kernels.max_sharpe(mu, C, 0.01, 0.0, 0.1),
    ]
    for call in calls:
        assert call(C).method == BOX_ACTIVE_SET
    bad = _cov(n, box_active_set.MAX_CONDITION * 100)
    for call in calls[:1] + calls[2:3] + calls[4:]:
        assert call(bad).method == NOT_CERTIFIED_FALLBACK
