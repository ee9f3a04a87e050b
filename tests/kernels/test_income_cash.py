"""The cash options of the income-target portfolios (issue 16): ``risk_free_asset`` (cash riskless, its weight
free) and ``cash_weight`` (cash held fixed), against cvxpy/Clarabel and HiGHS with the cash weight written as
bounds on the whole problem."""

from __future__ import annotations

import numpy as np
import pytest

from kernels import (
    InfeasibleError,
    income_frontier,
    max_attainable_yield,
    max_yield_for_volatility,
    min_volatility_for_income,
)
from tests.naive import (
    cvxpy_min_volatility_for_yield,
    linprog_max_yield,
    random_income_problem,
)
from tests.tolerances import (
    ATOL_FEASIBLE_INCOME,
    ATOL_WEIGHTS,
    RTOL_CLOSED_FORM,
    RTOL_LP,
    RTOL_OBJECTIVE,
)

CASH_YIELD = 0.03
N_SEEDS = 8


def with_cash(seed, k=0, classes=False, min_return=False):
    """A random income problem with a cash asset at ``k`` (yield 3%, return 3%, a noisy T-bill row the options
    ignore), plus the same problem with cash riskless for the oracles."""
    _, cov, y, kw = random_income_problem(seed, n_max=8, with_return=True, with_classes=classes, with_caps=True)
    n = y.size + 1
    idx = np.delete(np.arange(n), k)
    C = np.full((n, n), 1e-7)
    C[np.ix_(idx, idx)] = cov
    C[k, k] = 1e-6
    kw = dict(kw)
    kw["upper"] = np.insert(kw["upper"], k, 1.0)
    kw["expected_returns"] = np.insert(kw["expected_returns"], k, CASH_YIELD)
    if classes:
        kw["classes"] = list(np.insert(np.array(kw["classes"], dtype=object), k, "bonds"))
    riskless = C.copy()
    riskless[k, :] = riskless[:, k] = 0.0
    return C, riskless, np.insert(y, k, CASH_YIELD), kw


def fixed(kw, k, c):
    """``kw`` with the cash weight written as bounds (the oracles' form of ``cash_weight``)."""
    out = dict(kw)
    lo = np.zeros(len(kw["upper"])) if "lower" not in kw else np.array(kw["lower"], dtype=float)
    hi = np.array(kw["upper"], dtype=float)
    lo[k] = hi[k] = c
    out.update(lower=lo, upper=hi)
    return out


def cvxpy_max_yield_psd(cov, yields, cap, kw):
    """Highest yield with ``w'Cw <= cap^2`` for a singular ``cov`` (cash riskless)."""
    import cvxpy as cp

    n = len(yields)
    w = cp.Variable(n)
    cons = [cp.sum(w) == 1, w >= kw.get("lower", 0.0), w <= kw["upper"], cp.quad_form(w, cp.psd_wrap(cov)) <= cap**2]
    prob = cp.Problem(cp.Maximize(yields @ w), cons)
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == cp.OPTIMAL
    return float(prob.value)


def feasible(p, y, kw):
    w = p.weights
    assert w.sum() == pytest.approx(1.0, abs=ATOL_FEASIBLE_INCOME)
    assert np.all(w >= np.asarray(kw.get("lower", 0.0)) - ATOL_FEASIBLE_INCOME)
    assert np.all(w <= np.asarray(kw["upper"]) + ATOL_FEASIBLE_INCOME)
    assert p.yield_ == pytest.approx(float(y @ w), abs=1e-12)


@pytest.mark.parametrize("seed", range(N_SEEDS))
def test_riskless_cash_with_a_free_weight(seed):
    C, R, y, kw = with_cash(seed, k=seed % 3)
    top = linprog_max_yield(y, kw)
    target = 0.5 * (CASH_YIELD + top) if top > CASH_YIELD else 0.5 * top
    p = min_volatility_for_income(C, y, target, risk_free_asset=seed % 3, **kw)
    feasible(p, y, kw)
    _, vol_ref = cvxpy_min_volatility_for_yield(R, y, target, kw)
    assert p.volatility == pytest.approx(vol_ref, rel=RTOL_OBJECTIVE, abs=1e-7)
    assert p.volatility == pytest.approx(float(np.sqrt(p.weights @ R @ p.weights)), rel=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("seed", range(N_SEEDS))
@pytest.mark.parametrize("c", [0.1, 0.3])
def test_fixed_cash_min_volatility(seed, c):
    k = seed % 3
    C, R, y, kw = with_cash(seed, k=k, classes=seed % 2 == 0)
    oracle_kw = fixed(kw, k, c)
    top = linprog_max_yield(y, oracle_kw)
    assert max_attainable_yield(y, risk_free_asset=k, cash_weight=c, **kw) == pytest.approx(top, rel=RTOL_LP)
    target = c * CASH_YIELD + 0.6 * (top - c * CASH_YIELD)
    p = min_volatility_for_income(C, y, target, risk_free_asset=k, cash_weight=c, **kw)
    feasible(p, y, oracle_kw)
    assert p.weights[k] == c
    w_ref, vol_ref = cvxpy_min_volatility_for_yield(R, y, target, oracle_kw)
    assert p.volatility == pytest.approx(vol_ref, rel=RTOL_OBJECTIVE, abs=1e-7)
    np.testing.assert_allclose(p.weights, w_ref, atol=ATOL_WEIGHTS)
    assert p.expected_return == pytest.approx(float(kw["expected_returns"] @ p.weights), rel=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("seed", range(N_SEEDS))
def test_fixed_cash_min_return_floor(seed):
    k, c = 1, 0.2
    C, R, y, kw = with_cash(seed, k=k)
    mu = kw["expected_returns"]
    oracle_kw = fixed(kw, k, c)
    floor = c * CASH_YIELD + (1 - c) * float(np.median(mu))
    target = c * CASH_YIELD + 0.3 * (linprog_max_yield(y, oracle_kw, floor) - c * CASH_YIELD)
    p = min_volatility_for_income(C, y, target, risk_free_asset=k, cash_weight=c, min_return=floor, **kw)
    assert float(mu @ p.weights) >= floor - ATOL_FEASIBLE_INCOME
    _, vol_ref = cvxpy_min_volatility_for_yield(R, y, target, oracle_kw, floor)
    assert p.volatility == pytest.approx(vol_ref, rel=RTOL_OBJECTIVE, abs=1e-7)


@pytest.mark.parametrize("seed", range(N_SEEDS))
@pytest.mark.parametrize("c", [None, 0.25])
def test_cash_max_yield_for_volatility(seed, c):
    k = seed % 3
    C, R, y, kw = with_cash(seed, k=k)
    oracle_kw = kw if c is None else fixed(kw, k, c)
    least = min_volatility_for_income(C, y, 0.0, risk_free_asset=k, cash_weight=c, **kw).volatility
    cap = least + 0.05
    p = max_yield_for_volatility(C, y, cap, risk_free_asset=k, cash_weight=c, **kw)
    feasible(p, y, oracle_kw)
    assert p.volatility <= cap * (1 + 1e-10)
    assert p.yield_ == pytest.approx(cvxpy_max_yield_psd(R, y, cap, oracle_kw), rel=RTOL_OBJECTIVE)


@pytest.mark.parametrize("seed", range(4))
def test_cash_income_frontier_points_are_the_targets(seed):
    k, c = 0, 0.15
    C, R, y, kw = with_cash(seed, k=k)
    f = income_frontier(C, y, 6, risk_free_asset=k, cash_weight=c, **kw)
    assert np.all(f.weights[:, k] == c)
    np.testing.assert_allclose(f.turning_weights @ y, f.turning_yields, rtol=RTOL_CLOSED_FORM)
    for w, yy, v in zip(f.weights, f.yields, f.volatilities):
        p = min_volatility_for_income(C, y, float(yy), risk_free_asset=k, cash_weight=c, **kw)
        assert v == pytest.approx(p.volatility, rel=1e-9, abs=1e-12)
        assert v == pytest.approx(float(np.sqrt(w @ R @ w)), rel=1e-12, abs=1e-15)
    g = income_frontier(C, y, 6, risk_free_asset=k, **kw)
    assert g.volatilities[0] == pytest.approx(0.0, abs=1e-12)  # all cash: riskless


def test_cash_alone_pays_the_target():
    C, _, y, kw = with_cash(3, k=0)
    p = min_volatility_for_income(C, y, 0.2 * CASH_YIELD, risk_free_asset=0, cash_weight=0.2, **kw)
    q = min_volatility_for_income(C, y, 0.0, risk_free_asset=0, cash_weight=0.2, **kw)
    assert p.binding == "min_variance"
    np.testing.assert_array_equal(p.weights, q.weights)


def test_no_cash_asset_weights_sum_to_the_risky_share():
    _, cov, y, kw = random_income_problem(5, n_max=6, with_caps=True)
    c = 0.2
    p = min_volatility_for_income(cov, y, 0.8 * float(np.median(y)), cash_weight=c, **kw)
    assert p.weights.sum() == pytest.approx(1 - c, abs=ATOL_FEASIBLE_INCOME)
    assert p.yield_ == pytest.approx(float(y @ p.weights), rel=RTOL_CLOSED_FORM)


def test_messages_name_the_cash_option():
    C, _, y, kw = with_cash(1, k=0)
    with pytest.raises(InfeasibleError, match=r"^target_yield: 0\.5 is out of reach; the highest yield these limits "
                                              r"allow with cash_weight 0\.3 is "):
        min_volatility_for_income(C, y, 0.5, risk_free_asset=0, cash_weight=0.3, **kw)
    with pytest.raises(InfeasibleError, match=r"^max_volatility: 1e-06 is below the least volatility possible with "
                                              r"cash_weight 0\.3; "):
        max_yield_for_volatility(C, y, 1e-6, risk_free_asset=0, cash_weight=0.3, **kw)
    with pytest.raises(InfeasibleError, match=r"^class_caps: class 'bonds' is capped at 0\.1 but holds cash_weight "
                                              r"0\.3 of cash; "):
        min_volatility_for_income(C, y, 0.02, risk_free_asset=0, cash_weight=0.3, classes=["bonds"] * y.size,
                                  class_caps={"bonds": 0.1}, upper=kw["upper"])
    with pytest.raises(InfeasibleError, match=r"^cash_weight: 0\.9 leaves 0\.1 to the risky assets, below their "):
        min_volatility_for_income(C, y, 0.02, risk_free_asset=0, cash_weight=0.9, lower=np.r_[0.0, [0.05] * (y.size - 1)])
