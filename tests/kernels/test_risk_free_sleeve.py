"""Cash as the risk-free asset (issue 16): ``risk_free_asset`` / ``cash_weight`` in the optimisers,
:func:`capital_market_line` and :func:`risk_parity_with_cash`, against cvxpy/Clarabel, closed forms and
the same problems written out by hand (the cash row deleted)."""

from __future__ import annotations

import numpy as np
import pytest

from kernels import (
    InfeasibleError,
    InputError,
    capital_market_line,
    efficient_portfolio,
    max_sharpe,
    min_variance,
    risk_parity,
    risk_parity_with_cash,
)
from tests.naive import (
    RandomProblem,
    cvxpy_feasible,
    cvxpy_options,
    linear_constraints,
    random_problem,
)
from tests.tolerances import (
    ATOL_FEASIBLE,
    ATOL_ORACLE_WEIGHTS,
    RTOL_BUDGET,
    RTOL_CLOSED_FORM,
)

RF = 0.02


def with_cash(p: RandomProblem, k: int, cash_upper: float = 1.0) -> RandomProblem:
    """``p`` with a cash asset inserted at position ``k``: return RF, variance 0, bounds [0, cash_upper],
    and (for the rows) a noisy cash row and column in ``cov`` that the options must ignore."""
    n = p.mu.size + 1
    idx = np.delete(np.arange(n), k)
    cov = np.zeros((n, n))
    cov[np.ix_(idx, idx)] = p.cov
    mu = np.insert(p.mu, k, RF)
    A = np.insert(p.A, k, 0.0, axis=1) if p.A.shape[0] else np.zeros((0, n))
    return RandomProblem(mu, cov, np.insert(p.lower, k, 0.0), np.insert(p.upper, k, cash_upper), A, p.row_lower,
                         p.row_upper)


def _noisy(cov, k):
    """A cash row as estimated from T-bill history: tiny variance and covariances (ignored by the options)."""
    C = cov.copy()
    C[k, k] = 1e-6
    return C


def _kw(p):
    return {"lower": p.lower, "upper": p.upper, "constraints": linear_constraints(p)}


SEEDS = [(seed, groups, k) for seed in range(5) for groups in (False, True) for k in (0, 3)]


@pytest.mark.parametrize(("seed", "groups", "k"), SEEDS)
def test_max_sharpe_leaves_cash_out_and_uses_its_yield(seed, groups, k):
    p = random_problem(seed, 6, groups=groups)
    q = with_cash(p, k)
    r = max_sharpe(q.mu, _noisy(q.cov, k), lower=q.lower, upper=q.upper, constraints=linear_constraints(q),
                   risk_free_asset=k)
    alone = max_sharpe(p.mu, p.cov, RF, **_kw(p))
    assert r.weights[k] == 0.0 and r.cash_weight == 0.0
    np.testing.assert_allclose(np.delete(r.weights, k), alone.weights, atol=1e-14)
    assert r.sharpe_ratio == pytest.approx(alone.sharpe_ratio, rel=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(np.delete(r.weights, k), cvxpy_options(p, "max_sharpe", rf=RF),
                               atol=ATOL_ORACLE_WEIGHTS)


@pytest.mark.parametrize(("seed", "groups", "k"), SEEDS)
@pytest.mark.parametrize("c", [0.0, 0.15, 0.6])
def test_fixed_cash_weight_is_the_optimum_with_cash_held_there(seed, groups, k, c):
    """Bounds and rows on the final weights; cvxpy solves the full problem with ``w[k] == c``."""
    p = random_problem(seed, 6, groups=groups)
    q = with_cash(p, k)
    C = _noisy(q.cov, k)
    kw = {"lower": q.lower, "upper": q.upper, "constraints": linear_constraints(q)}
    riskless = q._replace(cov=q.cov)
    try:
        mv = min_variance(C, expected_returns=q.mu, risk_free_asset=k, cash_weight=c, **kw)
    except InfeasibleError:  # bounds or rows cannot hold with that much cash: cvxpy must agree
        assert not cvxpy_feasible(q, fixed={k: c})
        return
    want = cvxpy_options(riskless, "min_variance", fixed={k: c})
    np.testing.assert_allclose(mv.weights, want, atol=ATOL_ORACLE_WEIGHTS)
    assert mv.cash_weight == c and mv.weights[k] == c
    assert mv.volatility == pytest.approx(np.sqrt(want @ q.cov @ want), rel=1e-7)
    assert mv.expected_return == pytest.approx(mv.weights @ q.mu, rel=RTOL_CLOSED_FORM)
    ms = max_sharpe(q.mu, C, risk_free_asset=k, cash_weight=c, **kw)
    np.testing.assert_allclose(ms.weights, cvxpy_options(riskless, "max_sharpe", rf=RF, fixed={k: c}),
                               atol=ATOL_ORACLE_WEIGHTS)
    for delta in (1.0, 8.0):
        u = efficient_portfolio(q.mu, C, risk_aversion=delta, gamma=0.01, risk_free_asset=k, cash_weight=c, **kw)
        np.testing.assert_allclose(u.weights, cvxpy_options(riskless, "utility", delta=delta, gamma=0.01,
                                                            fixed={k: c}), atol=ATOL_ORACLE_WEIGHTS)
    tr = 0.5 * (mv.expected_return + ms.expected_return)
    t = efficient_portfolio(q.mu, C, target_return=tr, risk_free_asset=k, cash_weight=c, **kw)
    want = cvxpy_options(riskless, "target_return", target=tr, fixed={k: c})
    assert t.volatility == pytest.approx(np.sqrt(want @ q.cov @ want), rel=1e-7)
    assert t.expected_return >= tr - ATOL_FEASIBLE


@pytest.mark.parametrize(("seed", "groups", "k"), SEEDS)
def test_free_cash_is_an_asset_with_no_risk(seed, groups, k):
    """Without cash_weight, efficient_portfolio and min_variance hold cash within its own bounds."""
    p = random_problem(seed, 6, groups=groups)
    q = with_cash(p, k, cash_upper=0.4)
    C = _noisy(q.cov, k)
    kw = {"lower": q.lower, "upper": q.upper, "constraints": linear_constraints(q)}
    mv = min_variance(C, expected_returns=q.mu, risk_free_asset=k, **kw)
    want = cvxpy_options(q, "min_variance")
    np.testing.assert_allclose(mv.weights, want, atol=ATOL_ORACLE_WEIGHTS)
    assert mv.cash_weight == mv.weights[k]
    if not groups:  # no row keeps the risky assets above 60%: cash at its cap
        assert mv.cash_weight == pytest.approx(0.4, abs=ATOL_FEASIBLE)
    ms = max_sharpe(q.mu, C, risk_free_asset=k, **kw)
    for tv in np.linspace(mv.volatility, ms.volatility, 5)[1:-1]:  # inside (Clarabel at tight tolerances failed once at the tangency end)
        t = efficient_portfolio(q.mu, C, target_risk=tv, risk_free_asset=k, **kw)
        want = cvxpy_options(q, "target_risk", target=tv)
        assert t.expected_return == pytest.approx(q.mu @ want, rel=1e-7)
        assert t.cash_weight == t.weights[k]


def test_capital_market_line_closed_form():
    """Long-short with bounds that do not bind: tangency = C^-1 (mu - rf) normalised (Tobin)."""
    p = random_problem(7, 8)
    mu = np.abs(p.mu) + 0.03
    x = np.linalg.solve(p.cov, mu - RF)
    tangency = x / x.sum()
    for target in (0.02, 0.05, 0.08):
        r = capital_market_line(mu, p.cov, RF, target_volatility=target, lower=-50.0, upper=50.0,
                                allow_borrowing=True)
        t = target / np.sqrt(tangency @ p.cov @ tangency)
        np.testing.assert_allclose(r.weights, t * tangency, atol=1e-10)
        assert r.cash_weight == pytest.approx(1.0 - t, rel=1e-10)
        assert r.volatility == pytest.approx(target, rel=RTOL_CLOSED_FORM)
        assert r.sharpe_ratio == pytest.approx((mu - RF) @ tangency / np.sqrt(tangency @ p.cov @ tangency), rel=1e-10)
        assert r.expected_return == pytest.approx(RF + r.sharpe_ratio * target, rel=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_capital_market_line_with_a_cash_row_matches_the_efficient_portfolio(seed):
    """Below the tangency portfolio, with bounds that the scaled tangency keeps, both routes agree."""
    p = random_problem(seed, 6)
    q = with_cash(p, 2)
    cml = capital_market_line(q.mu, q.cov, risk_free_asset=2, target_return=None)
    assert cml.cash_weight == 0.0 and cml.weights[2] == 0.0
    for share in (0.3, 0.7):
        target = RF + share * (cml.tangency.expected_return - RF)
        a = capital_market_line(q.mu, q.cov, risk_free_asset=2, target_return=target)
        b = efficient_portfolio(q.mu, q.cov, target_return=target, risk_free_asset=2)
        assert a.cash_weight == pytest.approx(1.0 - share, rel=1e-10)
        assert a.volatility == pytest.approx(b.volatility, rel=1e-8)
        np.testing.assert_allclose(a.weights, b.weights, atol=1e-8)


def test_capital_market_line_messages():
    p = random_problem(1, 4)
    top = max_sharpe(p.mu, p.cov, RF).volatility
    with pytest.raises(InfeasibleError, match=r"^target_volatility: .* needs borrowing .*allow_borrowing=True"):
        capital_market_line(p.mu, p.cov, RF, target_volatility=2 * top)
    with pytest.raises(InfeasibleError, match=r"^target_return: .* is below the risk-free rate"):
        capital_market_line(p.mu, p.cov, RF, target_return=RF - 0.01)
    with pytest.raises(InputError, match=r"^target_volatility: give target_volatility or target_return, not both"):
        capital_market_line(p.mu, p.cov, RF, target_volatility=0.1, target_return=0.05)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("c", [0.0, 0.25])
def test_risk_parity_with_cash(seed, c):
    p = random_problem(seed, 7)
    q = with_cash(p, 4)
    r = risk_parity_with_cash(_noisy(q.cov, 4), cash_weight=c, risk_free_asset=4)
    alone = risk_parity(p.cov)
    assert r.converged and r.weights[4] == c and r.cash_weight == c
    np.testing.assert_allclose(np.delete(r.weights, 4), (1 - c) * alone.weights, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(np.delete(r.relative_contributions, 4), 1 / 7, rtol=RTOL_BUDGET)
    w = r.weights
    assert r.volatility == pytest.approx(np.sqrt(w @ q.cov @ w), rel=RTOL_CLOSED_FORM)
    rc = w * (q.cov @ w) / r.volatility
    np.testing.assert_allclose(r.risk_contributions, rc, atol=1e-15)
    # a cap on the final weights holds after scaling
    cap = 0.8 * float(np.max(np.delete(r.weights, 4)))
    b = risk_parity_with_cash(q.cov, cash_weight=c, risk_free_asset=4, upper=cap)
    assert b.converged and np.max(np.delete(b.weights, 4)) <= cap + 1e-12


def test_cash_weight_without_a_cash_asset_names_the_sleeve():
    p = random_problem(2, 5)
    r = min_variance(p.cov, cash_weight=0.3)
    assert r.cash_weight == 0.3 and r.weights.sum() == pytest.approx(0.7, abs=1e-14)
    np.testing.assert_allclose(r.weights, 0.7 * min_variance(p.cov, upper=1 / 0.7).weights, atol=1e-14)


def test_messages():
    p = random_problem(0, 4)
    q = with_cash(p, 1)
    with pytest.raises(InputError, match=r"^cash_weight: "):
        min_variance(q.cov, risk_free_asset=1, cash_weight=1.0)
    with pytest.raises(InputError, match=r"^risk_free_asset: "):
        max_sharpe(q.mu, q.cov, risk_free_asset=5)
    with pytest.raises(InputError, match=r"^risk_free_asset: expected the position"):
        max_sharpe(q.mu, q.cov, risk_free_asset=True)
    with pytest.raises(InputError, match=r"^risk_free: 0.05 differs from the cash asset's expected return 0.02"):
        max_sharpe(q.mu, q.cov, 0.05, risk_free_asset=1)
    with pytest.raises(InfeasibleError, match=r"^target_return: .* is out of reach with cash_weight 0.9"):
        efficient_portfolio(q.mu, q.cov, target_return=0.5, risk_free_asset=1, cash_weight=0.9)


@pytest.mark.parametrize("call", [
    lambda C: max_sharpe([0.08, 0.06, RF], C, risk_free_asset=2),
    lambda C: min_variance(C, risk_free_asset=2, cash_weight=0.2),
    lambda C: efficient_portfolio([0.08, 0.06, RF], C, target_risk=0.1, risk_free_asset=2),
    lambda C: capital_market_line([0.08, 0.06, RF], C, risk_free_asset=2, target_volatility=0.05),
    lambda C: risk_parity_with_cash(C, cash_weight=0.2, risk_free_asset=2),
])
def test_a_risky_block_that_is_not_psd_is_refused(call):
    C = np.array([[0.04, 0.05, 0.0], [0.05, 0.04, 0.0], [0.0, 0.0, 0.0]])  # risky pair: eigenvalue -0.01
    with pytest.raises(InputError, match=r"^cov: not positive semi-definite \("):
        call(C)
