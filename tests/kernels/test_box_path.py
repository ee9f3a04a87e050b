"""Target portfolios and capped max Sharpe by the box active set (issues 16, 21: ``box_path``, ``box_l2_risk``),
against the exact critical-line path on the same problems and against cvxpy/Clarabel.

The exact path is forced by a group row that cannot bind (every asset in one group, limits [0, 1]): the
same optimum, solved by the critical line.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import (
    InfeasibleError,
    efficient_frontier,
    efficient_portfolio,
    max_sharpe,
    min_variance,
)
from kernels._jit import PURE_PYTHON
from kernels.mean_variance.box_l2_risk import _l2_only
from kernels.mean_variance.portfolios import BOX_ACTIVE_SET, CRITICAL_LINE
from tests.naive import (
    cvxpy_max_sharpe,
    cvxpy_min_variance,
    cvxpy_options,
    random_problem,
    scale_problem,
)
from tests.tolerances import (
    ATOL_EXACT,
    ATOL_FEASIBLE,
    ATOL_ORACLE_WEIGHTS,
    ATOL_ORACLE_WEIGHTS_FLAT,
    RTOL_CLOSED_FORM,
    RTOL_KKT,
    RTOL_LAMBDA,
    RTOL_ORACLE,
    RTOL_QP,
)


def _exact(p):
    """Keyword arguments that send a problem to the critical line without changing its optimum."""
    n = p.mu.size
    return {"lower": p.lower, "upper": p.upper, "groups": np.zeros(n, dtype=np.int64), "group_lower": [0.0],
            "group_upper": [1.0]}


def _box(p):
    return {"lower": p.lower, "upper": p.upper}


def _ranges(p, gamma=0.0):
    """(lowest, highest) expected return and volatility of the (regularised) path."""
    f = efficient_frontier(p.mu, p.cov + gamma * np.eye(p.mu.size), 2, **_box(p)).turning_points
    r_lo = min_variance(p.cov, expected_returns=p.mu, gamma=gamma, **_box(p)).expected_return
    return r_lo, f.returns[-1], f.volatilities[0], f.volatilities[-1]


def _same(fast, exact, p, gamma=0.0):
    """The same weights as the exact path, and the risk tolerance reported is the one of the weights:
    ``(C + gamma I) w - lam mu`` equal on the assets strictly inside their bounds (the path's own lambda,
    interpolated between turning points, is not the oracle: on the last stretch below the top it can be off)."""
    assert fast.method == BOX_ACTIVE_SET and exact.method == CRITICAL_LINE
    np.testing.assert_allclose(fast.weights, exact.weights, atol=ATOL_EXACT)
    w, lam = fast.weights, fast.risk_tolerance
    free = (w > p.lower + 1e-9) & (w < p.upper - 1e-9)
    if free.sum() >= 2 and np.ptp(p.mu[free]) > 1e-9:
        g = p.cov @ w + gamma * w - lam * p.mu
        assert np.ptp(g[free]) <= RTOL_KKT * (np.max(np.diag(p.cov)) + lam * np.max(np.abs(p.mu)))


SEEDS = range(24)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("gamma", [0.0, 0.05])
@pytest.mark.parametrize("frac", [0.1, 0.5, 0.9])
def test_target_return_equals_the_exact_path(seed, gamma, frac):
    p = random_problem(seed, 3 + seed * 2, long_short=seed % 3 == 1)
    r_lo, r_hi, _, _ = _ranges(p, gamma)
    tr = r_lo + frac * (r_hi - r_lo)
    fast = efficient_portfolio(p.mu, p.cov, target_return=tr, gamma=gamma, **_box(p))
    _same(fast, efficient_portfolio(p.mu, p.cov, target_return=tr, gamma=gamma, **_exact(p)), p, gamma)
    assert fast.expected_return == pytest.approx(tr, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("frac", [0.1, 0.5, 0.9])
def test_target_risk_equals_the_exact_path(seed, frac):
    p = random_problem(seed, 3 + seed * 2, long_short=seed % 3 == 1)
    _, _, v_lo, v_hi = _ranges(p)
    ts = v_lo + frac * (v_hi - v_lo)
    fast = efficient_portfolio(p.mu, p.cov, target_risk=ts, **_box(p))
    _same(fast, efficient_portfolio(p.mu, p.cov, target_risk=ts, **_exact(p)), p)
    assert fast.volatility == pytest.approx(ts, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("delta", "gamma"), [(0.5, 0.0), (3.0, 0.0), (40.0, 0.0), (3.0, 0.05)])
def test_risk_aversion_equals_the_exact_path(seed, delta, gamma):
    p = random_problem(seed, 3 + seed * 2, long_short=seed % 3 == 1)
    fast = efficient_portfolio(p.mu, p.cov, risk_aversion=delta, gamma=gamma, **_box(p))
    exact = efficient_portfolio(p.mu, p.cov, risk_aversion=delta, gamma=gamma, **_exact(p))
    assert fast.method == BOX_ACTIVE_SET and exact.method == CRITICAL_LINE
    np.testing.assert_allclose(fast.weights, exact.weights, atol=ATOL_EXACT)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rf", [0.0, 0.03])
def test_capped_max_sharpe_equals_the_exact_path(seed, rf):
    p = random_problem(seed, 3 + seed * 2, long_short=seed % 3 == 1)
    if not np.any(p.mu > rf) or np.all(p.upper >= 1.0) and np.all(p.lower == 0.0):
        pytest.skip("no return above rf, or uncapped long-only (the other fast path)")
    try:
        exact = max_sharpe(p.mu, p.cov, rf, **_exact(p))
    except InfeasibleError:
        with pytest.raises(InfeasibleError):
            max_sharpe(p.mu, p.cov, rf, **_box(p))
        return
    _same(max_sharpe(p.mu, p.cov, rf, **_box(p)), exact, p)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("gamma", [0.01, 0.1, 1.0])
def test_target_risk_with_l2_equals_the_exact_root_search(seed, gamma):
    p = random_problem(seed, 3 + seed * 2, long_short=seed % 3 == 1)
    _, _, v_lo, v_hi = _ranges(p)
    ts = 0.5 * (v_lo + v_hi)
    fast = efficient_portfolio(p.mu, p.cov, target_risk=ts, gamma=gamma, **_box(p))
    exact = efficient_portfolio(p.mu, p.cov, target_risk=ts, gamma=gamma, **_exact(p))
    assert fast.method == BOX_ACTIVE_SET and exact.method == CRITICAL_LINE
    # both meet the volatility to 1e-10; the weights of a flat optimum agree to what that moves them
    np.testing.assert_allclose(fast.weights, exact.weights, atol=1e-8)
    u = lambda w: p.mu @ w - gamma * w @ w
    assert u(fast.weights) >= u(exact.weights) - 1e-12
    assert fast.volatility <= ts * (1.0 + 1e-9)


def test_l2_only_is_the_projection_pypfopt_solves():
    """With a volatility cap that does not bind: ``max mu'w - gamma w'w`` (against Clarabel)."""
    for seed in range(8):
        p = random_problem(seed, 12, long_short=seed % 2 == 1)
        w = _l2_only(p.mu, p.lower, p.upper, 0.05)
        want = cvxpy_options(p, "target_risk", gamma=0.05, target=10.0)
        np.testing.assert_allclose(w, want, atol=ATOL_ORACLE_WEIGHTS)
        r = efficient_portfolio(p.mu, p.cov, target_risk=10.0, gamma=0.05, **_box(p))
        assert r.method == BOX_ACTIVE_SET and r.risk_tolerance == np.inf
        np.testing.assert_allclose(r.weights, w, atol=RTOL_CLOSED_FORM)


def test_ends_of_the_path():
    p = random_problem(5, 15)
    r_lo, r_hi, v_lo, v_hi = _ranges(p)
    mv = min_variance(p.cov, expected_returns=p.mu, **_box(p))
    # a target return below the minimum-variance return: the minimum-variance portfolio
    below = efficient_portfolio(p.mu, p.cov, target_return=r_lo - 0.05, **_box(p))
    assert below.method == BOX_ACTIVE_SET
    np.testing.assert_allclose(below.weights, mv.weights, atol=ATOL_EXACT)
    # a volatility above the top's: the top of the path (the highest return)
    top = efficient_portfolio(p.mu, p.cov, target_risk=v_hi * 2.0, **_box(p))
    assert top.expected_return == pytest.approx(r_hi, rel=1e-12)
    # long-only with no caps the top is one asset (a vertex): its risk tolerance is where it starts
    q = random_problem(5, 15)._replace(lower=np.zeros(15), upper=np.ones(15))
    fast = efficient_portfolio(q.mu, q.cov, target_risk=1.0, **_box(q))
    exact = efficient_portfolio(q.mu, q.cov, target_risk=1.0, **_exact(q))
    assert fast.method == BOX_ACTIVE_SET and fast.weights.max() == 1.0
    np.testing.assert_allclose(fast.weights, exact.weights, atol=ATOL_EXACT)
    assert fast.risk_tolerance == pytest.approx(exact.risk_tolerance, rel=RTOL_LAMBDA)
    # out of reach: the exact path's messages
    with pytest.raises(InfeasibleError, match="target_return: .* is above the highest attainable return"):
        efficient_portfolio(p.mu, p.cov, target_return=r_hi + 0.01, **_box(p))
    with pytest.raises(InfeasibleError, match="target_risk: .* is below the lowest attainable volatility"):
        efficient_portfolio(p.mu, p.cov, target_risk=0.5 * v_lo, **_box(p))
    with pytest.raises(InfeasibleError, match="target_risk: .* is below the lowest attainable volatility"):
        efficient_portfolio(p.mu, p.cov, target_risk=0.5 * v_lo, gamma=0.1, **_box(p))
    with pytest.raises(InfeasibleError, match="risk_free: every attainable expected return"):
        max_sharpe(p.mu, p.cov, float(p.mu.max()) + 0.01, 0.0, 0.5)


def test_pinned_assets_and_caps():
    p = random_problem(7, 20)
    lower, upper = p.lower.copy(), np.full(20, 0.12)
    lower[[2, 9]] = upper[[2, 9]] = 0.05
    q = p._replace(lower=lower, upper=upper)
    r_lo, r_hi, v_lo, v_hi = _ranges(q)
    for kw in ({"target_return": 0.5 * (r_lo + r_hi)}, {"target_risk": 0.5 * (v_lo + v_hi)}, {"risk_aversion": 2.0}):
        _same(efficient_portfolio(q.mu, q.cov, **kw, **_box(q)), efficient_portfolio(q.mu, q.cov, **kw, **_exact(q)), q)
        w = efficient_portfolio(q.mu, q.cov, **kw, **_box(q)).weights
        assert w[2] == w[9] == 0.05 and np.all(w <= 0.12) and abs(w.sum() - 1.0) < ATOL_FEASIBLE


#: The box paths are NumPy and LAPACK in both modes: the plain-Python run leaves the largest size (a minute
#: of Clarabel) to the compiled run.
_NOT_TWICE = pytest.mark.skipif(PURE_PYTHON, reason="same NumPy/LAPACK code as the compiled run, which checks it")


@pytest.mark.parametrize("n", [20, 100, pytest.param(1000, marks=pytest.mark.slow),
                               pytest.param(2000, marks=[pytest.mark.slow, _NOT_TWICE])])
def test_against_clarabel_at_size(n):
    """The institutional problem of issue 21: capped max Sharpe and a target return against Clarabel."""
    pytest.importorskip("cvxpy")
    mu, C = scale_problem(n)
    cap = 10.0 / n if n > 20 else 0.2
    p = random_problem(0, n)._replace(mu=mu, cov=C, lower=np.zeros(n), upper=np.full(n, cap))
    ours = max_sharpe(mu, C, 0.0, 0.0, cap)
    assert ours.method == BOX_ACTIVE_SET
    theirs = cvxpy_max_sharpe(p, 0.0)
    assert ours.sharpe_ratio >= theirs * (1.0 - RTOL_QP)
    mv = min_variance(C, 0.0, cap, expected_returns=mu)
    tr = 0.5 * (mv.expected_return + ours.expected_return)
    res = efficient_portfolio(mu, C, target_return=tr, lower=0.0, upper=cap)
    assert res.method == BOX_ACTIVE_SET
    var, w = cvxpy_min_variance(p, tr)
    assert res.volatility**2 <= var * (1.0 + RTOL_ORACLE)
    np.testing.assert_allclose(res.weights, w, atol=ATOL_ORACLE_WEIGHTS * 10)  # Clarabel's own tolerances at size
    risk = efficient_portfolio(mu, C, target_risk=res.volatility, lower=0.0, upper=cap)
    assert risk.method == BOX_ACTIVE_SET
    np.testing.assert_allclose(risk.weights, res.weights, atol=ATOL_EXACT)


@pytest.mark.parametrize("seed", range(6))
def test_target_risk_with_l2_against_clarabel(seed):
    pytest.importorskip("cvxpy")
    p = random_problem(seed, 30, long_short=seed % 2 == 1)
    _, _, v_lo, v_hi = _ranges(p)
    ts = 0.4 * v_lo + 0.6 * v_hi
    r = efficient_portfolio(p.mu, p.cov, target_risk=ts, gamma=0.05, **_box(p))
    want = cvxpy_options(p, "target_risk", gamma=0.05, target=ts)
    theirs = p.mu @ want - 0.05 * want @ want
    assert p.mu @ r.weights - 0.05 * r.weights @ r.weights >= theirs - RTOL_QP * abs(theirs)
    np.testing.assert_allclose(r.weights, want, atol=ATOL_ORACLE_WEIGHTS_FLAT)
