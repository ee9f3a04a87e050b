"""The cash options of :func:`efficient_frontier` (issue 16): the capital market line then the risky frontier
with a riskless cash asset, the risky sleeve's frontier with cash held fixed; against cvxpy/Clarabel and the
closed form of the capital market line (volatility linear in the expected return)."""

from __future__ import annotations

import numpy as np
import pytest

from kernels import InfeasibleError, InputError, efficient_frontier, efficient_portfolio
from tests.naive import (
    RandomProblem,
    cvxpy_long_only_max_sharpe,
    cvxpy_min_variance,
    linear_constraints,
    random_problem,
)
from tests.tolerances import (
    ATOL_FEASIBLE,
    ATOL_ORACLE_WEIGHTS,
    RTOL_CLOSED_FORM,
    RTOL_ORACLE,
)

RF = 0.02


def cash_problem(seed: int, n: int, k: int, *, groups=False, cash_lower=0.0) -> RandomProblem:
    """A random problem with a cash asset at ``k``: return RF, a noisy T-bill row in ``cov`` the options ignore."""
    p = random_problem(seed, n, groups=groups)
    m = n + 1
    idx = np.delete(np.arange(m), k)
    cov = np.full((m, m), 1e-7)
    cov[np.ix_(idx, idx)] = p.cov
    cov[k, k] = 1e-6
    A = np.insert(p.A, k, 0.0, axis=1) if p.A.shape[0] else np.zeros((0, m))
    return RandomProblem(np.insert(p.mu, k, RF), cov, np.insert(p.lower, k, cash_lower), np.insert(p.upper, k, 1.0),
                         A, p.row_lower, p.row_upper)


def riskless(p: RandomProblem, k: int) -> RandomProblem:
    C = p.cov.copy()
    C[k, :] = 0.0
    C[:, k] = 0.0
    return p._replace(cov=C)


def kw(p: RandomProblem) -> dict:
    return {"lower": p.lower, "upper": p.upper, "constraints": linear_constraints(p)}


@pytest.mark.parametrize("seed", range(6))
def test_riskless_cash_points_are_the_least_variance_at_their_return(seed):
    k = seed % 3
    p = cash_problem(seed, 6, k, groups=seed % 2 == 1)
    f = efficient_frontier(p.mu, p.cov, 9, risk_free_asset=k, **kw(p))
    q = riskless(p, k)
    for w, r, v in zip(f.weights, f.returns, f.volatilities):
        best, _ = cvxpy_min_variance(q, float(r))
        assert v**2 == pytest.approx(best, rel=RTOL_ORACLE, abs=1e-14)
        assert float(w @ q.cov @ w) == pytest.approx(v**2, rel=RTOL_CLOSED_FORM, abs=1e-16)
        assert w.sum() == pytest.approx(1.0, abs=ATOL_FEASIBLE)
    assert f.cash_weight == 0.0
    assert f.weights[0, k] >= f.weights[-1, k]  # cash carries the low end


@pytest.mark.parametrize("seed", range(6))
def test_long_only_frontier_is_the_capital_market_line_then_the_risky_frontier(seed):
    """No borrowing, no caps: cash + tangency up to the tangency return (linear volatility), then no cash."""
    rng = np.random.default_rng(100 + seed)
    n = 6
    B = rng.normal(size=(n, 2)) * 0.15
    C = B @ B.T + np.diag(rng.uniform(0.05, 0.3, n) ** 2)
    mu = rng.uniform(0.04, 0.12, n)
    k = 0
    cov = np.zeros((n + 1, n + 1))
    cov[1:, 1:] = C
    mu_all = np.insert(mu, k, RF)
    f = efficient_frontier(mu_all, cov, 41, risk_free_asset=k)
    t = cvxpy_long_only_max_sharpe(C, mu, RF)
    r_t, v_t = float(t @ mu), float(np.sqrt(t @ C @ t))
    assert f.returns[0] == pytest.approx(RF, rel=RTOL_CLOSED_FORM)
    assert f.volatilities[0] == pytest.approx(0.0, abs=1e-15)
    on_line = f.returns <= r_t - 1e-6
    assert on_line.sum() >= 3
    np.testing.assert_allclose(f.volatilities[on_line], (f.returns[on_line] - RF) * v_t / (r_t - RF), rtol=1e-7, atol=1e-15)
    # on the line the risky part is the tangency portfolio, scaled
    risky = f.weights[on_line][1:, 1:]
    np.testing.assert_allclose(risky / risky.sum(axis=1, keepdims=True), np.tile(t, (len(risky), 1)),
                               atol=ATOL_ORACLE_WEIGHTS)
    above = f.returns >= r_t + 1e-6
    assert np.all(f.weights[above, k] == 0.0)
    for r, v in zip(f.returns[above], f.volatilities[above]):
        assert v == pytest.approx(efficient_portfolio(mu, C, target_return=float(r)).volatility, rel=RTOL_CLOSED_FORM)


def test_borrowing_extends_the_line():
    """A negative cash floor (borrowing up to 50%) keeps volatility linear beyond the tangency return."""
    rng = np.random.default_rng(7)
    n = 5
    B = rng.normal(size=(n, 2)) * 0.15
    C = B @ B.T + np.diag(rng.uniform(0.05, 0.3, n) ** 2)
    mu = rng.uniform(0.04, 0.12, n)
    cov = np.zeros((n + 1, n + 1))
    cov[1:, 1:] = C
    p = RandomProblem(np.insert(mu, 0, RF), cov, np.r_[-0.5, np.zeros(n)], np.ones(n + 1), np.zeros((0, n + 1)),
                      np.zeros(0), np.zeros(0))
    f = efficient_frontier(p.mu, p.cov, 21, risk_free_asset=0, **kw(p))
    t = cvxpy_long_only_max_sharpe(C, mu, RF)
    r_t, v_t = float(t @ mu), float(np.sqrt(t @ C @ t))
    levered = (f.returns > r_t + 1e-6) & (f.weights[:, 0] < -1e-9) & (f.weights[:, 0] > -0.5 + 1e-9)
    assert levered.any() and f.weights[:, 0].min() == pytest.approx(-0.5, abs=ATOL_FEASIBLE)
    np.testing.assert_allclose(f.volatilities[levered], (f.returns[levered] - RF) * v_t / (r_t - RF), rtol=1e-7, atol=1e-15)
    for r, v in zip(f.returns, f.volatilities):
        best, _ = cvxpy_min_variance(p, float(r))
        assert v**2 == pytest.approx(best, rel=RTOL_ORACLE, abs=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 3, 4, 5, 7])  # seeds 2, 6: their group floors leave no room for cash
@pytest.mark.parametrize("with_asset", [True, False])
def test_fixed_cash_is_the_risky_frontier_scaled(seed, with_asset):
    k = seed % 3
    c = 0.05 + 0.03 * seed
    p = cash_problem(seed, 6, k, groups=seed % 2 == 0)
    if not with_asset:  # no cash asset in the inputs: the weights sum to 1 - c, cash earns nothing
        keep = np.delete(np.arange(p.mu.size), k)
        p = RandomProblem(p.mu[keep], p.cov[np.ix_(keep, keep)], p.lower[keep], p.upper[keep], p.A[:, keep],
                          p.row_lower, p.row_upper)
    f = efficient_frontier(p.mu, p.cov, 7, cash_weight=c, risk_free_asset=k if with_asset else None, **kw(p))
    assert f.cash_weight == c
    for w, r, v in zip(f.weights, f.returns, f.volatilities):
        one = efficient_portfolio(p.mu, p.cov, target_return=float(r), cash_weight=c,
                                  risk_free_asset=k if with_asset else None, **kw(p))
        np.testing.assert_allclose(w, one.weights, atol=1e-9)
        assert v == pytest.approx(one.volatility, rel=1e-9)
        assert r == pytest.approx(float(w @ p.mu), rel=RTOL_CLOSED_FORM)
        assert w.sum() == pytest.approx(1.0 if with_asset else 1.0 - c, abs=ATOL_FEASIBLE)
        if with_asset:
            assert w[k] == c
        assert np.all(w <= p.upper + ATOL_FEASIBLE) and np.all(w >= p.lower - ATOL_FEASIBLE)
    # cvxpy with the cash weight as an equality: the same least variance at the same returns
    if with_asset:
        lower, upper = p.lower.copy(), p.upper.copy()
        lower[k] = upper[k] = c
        q = riskless(p, k)._replace(lower=lower, upper=upper)
        for r, v in zip(f.returns[::3], f.volatilities[::3]):
            best, _ = cvxpy_min_variance(q, float(r))
            assert v**2 == pytest.approx(best, rel=RTOL_ORACLE, abs=1e-14)
    tp = f.turning_points
    np.testing.assert_allclose(tp.returns, tp.weights @ p.mu, rtol=RTOL_CLOSED_FORM)


def test_bad_cash_options_are_named():
    mu, C = np.array([0.02, 0.06, 0.1]), np.diag([0.0, 0.02, 0.05])
    with pytest.raises(InputError, match="^risk_free_asset: "):
        efficient_frontier(mu, C, 5, risk_free_asset=3)
    with pytest.raises(InputError, match="^cash_weight: "):
        efficient_frontier(mu, C, 5, risk_free_asset=0, cash_weight=1.0)
    with pytest.raises(InputError, match="^n_points: "):
        efficient_frontier(mu, C, 0, risk_free_asset=0)
    with pytest.raises(InfeasibleError, match="^lower: "):  # the floors on the final weights exceed 1 - cash_weight
        efficient_frontier(mu, C, 5, [0.0, 0.5, 0.4], risk_free_asset=0, cash_weight=0.3)
