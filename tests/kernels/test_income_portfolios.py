"""Tests for kernels/mean_variance/income_targets.py: income-target portfolios against cvxpy (Clarabel)."""

from __future__ import annotations

import numpy as np
import pytest

from kernels import (
    IncomeFrontier,
    IncomePortfolio,
    InfeasibleError,
    InputError,
    income_frontier,
    max_attainable_yield,
    max_yield_for_volatility,
    min_volatility_for_income,
)
from tests.conftest import random_cov
from tests.naive import (
    class_matrix,
    cvxpy_max_yield,
    cvxpy_min_volatility_for_yield,
    linprog_max_yield,
    random_income_problem,
)
from tests.tolerances import (
    ATOL_EXACT,
    ATOL_FEASIBLE_INCOME,
    ATOL_WEIGHTS,
    RTOL_OBJECTIVE,
)

N_SEEDS = 12


def assert_feasible(p: IncomePortfolio, yields, kw, min_return=None):
    w = p.weights
    assert w.sum() == pytest.approx(1.0, abs=ATOL_FEASIBLE_INCOME)
    assert np.all(w >= np.asarray(kw.get("lower", 0.0)) - ATOL_FEASIBLE_INCOME)
    assert np.all(w <= np.asarray(kw.get("upper", 1.0)) + ATOL_FEASIBLE_INCOME)
    assert p.yield_ == pytest.approx(float(yields @ w), abs=1e-12)
    if min_return is not None:
        assert float(kw["expected_returns"] @ w) >= min_return - ATOL_FEASIBLE_INCOME
    if "classes" in kw:
        G, caps = class_matrix(kw["classes"], kw["class_caps"], len(w))
        assert np.all(G @ w <= caps + ATOL_FEASIBLE_INCOME)


# ---------------------------------------------------------------- hand-worked

def test_two_uncorrelated_assets_hand_worked():
    # a bond fund (5% yield, 5% vol) and a stock fund (2% yield, 20% vol), uncorrelated.
    # Unconstrained minimum variance: w_b = 0.04 / (0.04 + 0.0025) = 0.9412, yield 4.82%.
    cov = np.diag([0.05**2, 0.20**2])
    y = np.array([0.05, 0.02])
    p = min_volatility_for_income(cov, y, 0.03)
    w_b = 0.04 / 0.0425
    np.testing.assert_allclose(p.weights, [w_b, 1 - w_b], rtol=1e-12)
    assert p.binding == "min_variance"
    # a 4.9% target binds: 0.05 w + 0.02 (1 - w) = 0.049 -> w = 29/30
    p = min_volatility_for_income(cov, y, 0.049)
    np.testing.assert_allclose(p.weights, [29 / 30, 1 / 30], rtol=1e-12)
    assert p.binding == "yield_target"
    assert p.volatility == pytest.approx(np.sqrt((29 / 30 * 0.05) ** 2 + (1 / 30 * 0.2) ** 2), rel=1e-12)
    # the bond fund alone has 5% vol and the highest yield: a 5% cap allows it
    q = max_yield_for_volatility(cov, y, 0.05)
    np.testing.assert_allclose(q.weights, [1.0, 0.0], atol=1e-15)
    assert q.binding == "max_yield"
    # a 4.9% cap binds: (w 0.05)^2 + ((1 - w) 0.2)^2 = 0.049^2, the larger root w is the higher yield
    a, b, c = 0.0025 + 0.04, -0.08, 0.04 - 0.049**2
    w = (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)
    q = max_yield_for_volatility(cov, y, 0.049)
    np.testing.assert_allclose(q.weights, [w, 1 - w], rtol=1e-12)
    assert q.volatility == pytest.approx(0.049, rel=1e-12)
    assert q.binding == "volatility_cap"


# ---------------------------------------------------------------- against cvxpy

@pytest.mark.parametrize("seed", range(N_SEEDS))
@pytest.mark.parametrize("variant", ["plain", "caps", "classes_and_return"])
def test_min_volatility_for_income_matches_cvxpy(seed, variant):
    rng, cov, yields, kw = random_income_problem(
        seed, with_caps=variant != "plain", with_classes=variant == "classes_and_return",
        with_return=variant == "classes_and_return")
    min_return = None
    if "expected_returns" in kw:
        min_return = float(np.quantile(kw["expected_returns"], 0.3))
        kw["min_return"] = min_return
    kw_oracle = {k: v for k, v in kw.items() if k != "min_return"}
    top = linprog_max_yield(yields, kw_oracle, min_return)
    target = float(rng.uniform(0.2, 0.95)) * top
    p = min_volatility_for_income(cov, yields, target, **kw)
    assert_feasible(p, yields, kw_oracle, min_return)
    assert p.yield_ >= target - ATOL_FEASIBLE_INCOME
    w_ref, vol_ref = cvxpy_min_volatility_for_yield(cov, yields, target, kw_oracle, min_return)
    assert p.volatility == pytest.approx(vol_ref, rel=RTOL_OBJECTIVE)
    assert p.volatility <= vol_ref * (1 + 1e-9)  # exact solution: never worse than the interior-point one
    np.testing.assert_allclose(p.weights, w_ref, atol=ATOL_WEIGHTS)


@pytest.mark.parametrize("seed", range(N_SEEDS))
@pytest.mark.parametrize("variant", ["plain", "classes_and_return"])
def test_max_yield_for_volatility_matches_cvxpy(seed, variant):
    rng, cov, yields, kw = random_income_problem(100 + seed, with_caps=True, with_classes=variant != "plain",
                                          with_return=variant != "plain")
    min_return = None
    if "expected_returns" in kw:
        min_return = float(np.quantile(kw["expected_returns"], 0.3))
        kw["min_return"] = min_return
    kw_oracle = {k: v for k, v in kw.items() if k != "min_return"}
    lo_vol = min_volatility_for_income(cov, yields, 0.0, **kw).volatility
    cap = lo_vol * float(rng.uniform(1.05, 1.6))
    p = max_yield_for_volatility(cov, yields, cap, **kw)
    assert_feasible(p, yields, kw_oracle, min_return)
    assert p.volatility <= cap * (1 + 1e-9)
    _, y_ref = cvxpy_max_yield(cov, yields, cap, kw_oracle, min_return)
    assert p.yield_ == pytest.approx(y_ref, rel=RTOL_OBJECTIVE)
    assert p.yield_ >= y_ref * (1 - 1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_income_frontier_is_monotone_convex_and_on_the_oracle(seed):
    rng, cov, yields, kw = random_income_problem(200 + seed, with_caps=True, with_classes=True, n_min=6)
    f = income_frontier(cov, yields, n_points=15, **kw)
    assert isinstance(f, IncomeFrontier)
    assert f.weights.shape == (15, len(yields))
    assert np.all(np.diff(f.yields) > 0)
    assert np.all(np.diff(f.volatilities) >= -1e-12)
    var = f.volatilities**2
    # variance is convex in the yield target along the frontier
    slopes = np.diff(var) / np.diff(f.yields)
    assert np.all(np.diff(slopes) >= -1e-8 * max(1.0, np.abs(slopes).max()))
    assert f.yields[-1] == pytest.approx(linprog_max_yield(yields, kw), rel=1e-9)
    for k in (0, 7, 14):
        _, vol_ref = cvxpy_min_volatility_for_yield(cov, yields, f.yields[k], kw)
        assert f.volatilities[k] == pytest.approx(vol_ref, rel=RTOL_OBJECTIVE)
        np.testing.assert_allclose(f.weights[k].sum(), 1.0, atol=ATOL_FEASIBLE_INCOME)
        np.testing.assert_allclose(f.weights[k] @ yields, f.yields[k], atol=1e-12)


def test_max_attainable_yield_matches_linprog():
    _, cov, yields, kw = random_income_problem(7, with_caps=True, with_classes=True, with_return=True)
    kw["min_return"] = float(np.median(kw["expected_returns"]))
    kw_oracle = {k: v for k, v in kw.items() if k != "min_return"}
    assert max_attainable_yield(yields, **kw) == pytest.approx(
        linprog_max_yield(yields, kw_oracle, kw["min_return"]), rel=1e-12)


# ---------------------------------------------------------------- unattainable targets and bad inputs

def test_unattainable_target_reports_the_highest_attainable_yield():
    cov = np.diag([0.05**2, 0.20**2, 0.15**2])
    y = np.array([0.05, 0.02, 0.07])
    kw = dict(classes=["bonds", "stocks", "reits"], class_caps={"reits": 0.2})
    # best: 20% REITs, 80% bonds: 0.014 + 0.04 = 0.054
    assert max_attainable_yield(y, **kw) == pytest.approx(0.054, rel=1e-12)
    with pytest.raises(InfeasibleError, match=r"^target_yield: 0\.06 is out of reach; the highest yield these "
                                              r"limits allow is 0\.054 \(5\.40%\); lower it or relax caps\.$"):
        min_volatility_for_income(cov, y, 0.06, **kw)


def test_volatility_cap_below_the_least_risky_portfolio():
    cov = np.diag([0.05**2, 0.20**2])
    with pytest.raises(InfeasibleError, match=r"^max_volatility: 0\.01 is below the least volatility possible "
                                              r"here \(0\.04851\); raise the cap or relax the limits\.$"):
        max_yield_for_volatility(cov, [0.05, 0.02], 0.01)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04, 0.05], 0.03), InputError,
         r"^yields: expected 2 values \(one per asset, n_assets=2\), got 3\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 4.0], 0.03), InputError,
         r"^yields: 4 at position 2 is outside 0\.\.1; enter yields as decimal fractions \(0\.03 for 3%\)\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 3.0), InputError,
         r"^target_yield: 3 is outside 0\.\.1; enter yields as decimal fractions"),
        (lambda: max_yield_for_volatility(np.eye(2) * 0.01, [0.03, 0.04], -0.1), InputError,
         r"^max_volatility: must be > 0, got -0\.1\.$"),
        (lambda: min_volatility_for_income([[0.01, 0.02], [0.02, 0.01]], [0.03, 0.04], 0.03), InputError,
         r"^cov: not positive semi-definite"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, min_return=0.05), InputError,
         r"^min_return: needs expected_returns \(one per asset\); enter them or leave min_return empty\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, class_caps={"a": 0.5}), InputError,
         r"^class_caps: needs classes \(one label per asset\); enter them or leave class_caps empty\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, classes=["a"], class_caps={"a": 0.5}),
         InputError, r"^classes: expected 2 labels \(one per asset\), got 1\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, classes=["a", "b"],
                                           class_caps={"c": 0.5}), InputError,
         r"^class_caps: class 'c' is not in classes \(a, b\); check the spelling\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, classes=["a", "b"],
                                           class_caps={"a": 1.5}), InputError,
         r"^class_caps: 1\.5 for class 'a' is outside 0\.\.1; enter caps as decimal fractions"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, upper=[0.4, 0.4]), InfeasibleError,
         r"^upper: the caps add up to 0\.8, below 1; raise them so the weights can sum to 1\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, lower=[0.6, 0.6]), InfeasibleError,
         r"^lower: the floors add up to 1\.2, above 1; lower them so the weights can sum to 1\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, lower=[0.5, 0.0],
                                           upper=[0.4, 1.0]), InputError,
         r"^lower: 0\.5 for asset 1 is above its upper limit 0\.4; make lower <= upper\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, upper=[1.2, 1.0]), InputError,
         r"^upper: 1\.2 at position 1 is outside 0\.\.1; enter weights as decimal fractions"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.0, expected_returns=[0.05, 0.06],
                                           min_return=0.09), InfeasibleError,
         r"^min_return: 0\.09 is out of reach; the highest expected return these limits allow is 0\.06; "
         r"lower it or relax caps\.$"),
        (lambda: income_frontier(np.eye(2) * 0.01, [0.03, 0.04], n_points=1), InputError,
         r"^n_points: must be >= 2, got 1\.$"),
        (lambda: min_volatility_for_income(np.eye(3) * 0.01, [0.03, 0.04, 0.05], 0.03, classes=["a", "a", "b"],
                                           class_caps={"a": 0.6}, lower=[0.5, 0.5, 0.0]), InfeasibleError,
         r"^class_caps: no portfolio meets the class caps with these asset floors; raise a class cap\.$"),
        (lambda: max_yield_for_volatility(np.eye(2) * 0.01, [0.03, 0.04], 0.2, classes=["a", "b"],
                                          class_caps={"a": 0.4, "b": 0.4}), InfeasibleError,
         r"^class_caps: no portfolio meets the class caps"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, classes="bonds",
                                           class_caps={"bonds": 0.5}), InputError,
         r"^classes: expected one label per asset \(2\), got str\.$"),
        (lambda: min_volatility_for_income(np.eye(2) * 0.01, [0.03, 0.04], 0.03, classes=["a", "b"],
                                           class_caps=[0.5]), InputError,
         r"^class_caps: expected a table of class -> cap, e\.g\. \{'REIT': 0\.25\}\.$"),
    ],
)
def test_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- kernels and layout

def test_income_frontier_ends_and_caps_on_the_turning_points():
    rng = np.random.default_rng(5)
    cov = random_cov(rng, 6)
    yields = rng.uniform(0, 0.08, 6)
    f = income_frontier(cov, yields, n_points=4, upper=0.4)
    np.testing.assert_allclose(f.weights[0], f.turning_weights[0], atol=1e-15)  # least risky end
    np.testing.assert_allclose(f.weights[-1], f.turning_weights[-1], atol=1e-15)  # highest-yield end
    vols = np.sqrt(np.einsum("ki,ij,kj->k", f.turning_weights, cov, f.turning_weights))
    # a volatility cap at a turning point gives that turning point (the path is exact between them);
    # not at the least risky end, where volatility is flat and the weights move as the square root of the cap
    for k in range(1, vols.size):
        p = max_yield_for_volatility(cov, yields, float(vols[k]), upper=0.4)
        np.testing.assert_allclose(p.weights, f.turning_weights[k], rtol=0, atol=ATOL_EXACT)
        assert p.binding == ("max_yield" if k == vols.size - 1 else "volatility_cap")


def test_frontier_orders_turning_points_and_reports_returns():
    rng = np.random.default_rng(11)
    cov = random_cov(rng, 5)
    y = rng.uniform(0, 0.06, 5)
    mu = rng.uniform(0.03, 0.09, 5)
    f = income_frontier(cov, y, n_points=6, expected_returns=mu)
    assert np.all(np.diff(f.turning_yields) > -1e-15)
    np.testing.assert_allclose(f.expected_returns, f.weights @ mu, rtol=1e-12)
    np.testing.assert_allclose(f.turning_weights @ y, f.turning_yields, rtol=1e-12)
    assert f.yields[0] == pytest.approx(min_volatility_for_income(cov, y, 0.0).yield_, rel=1e-12)
    p = min_volatility_for_income(cov, y, 0.0, expected_returns=mu)
    assert p.expected_return == pytest.approx(float(p.weights @ mu), rel=1e-12)
    assert np.isnan(min_volatility_for_income(cov, y, 0.0).expected_return)


def test_classes_as_pandas_series_and_caps_respected():
    import pandas as pd

    cov = np.diag([0.05, 0.06, 0.2, 0.15]) ** 2
    y = np.array([0.045, 0.05, 0.02, 0.08])
    classes = pd.Series(["bond", "bond", "stock", "REIT"])
    p = max_yield_for_volatility(cov, y, 0.2, classes=classes, class_caps={"REIT": 0.1, "bond": 0.6})
    assert p.weights[3] == pytest.approx(0.1, abs=1e-12)
    assert p.weights[:2].sum() <= 0.6 + 1e-12
    # the remaining 30% must go to stocks: the REIT and bond caps bind
    assert p.weights[2] == pytest.approx(0.3, abs=1e-12)


def test_min_return_guard_binds_hand_worked():
    # bond fund: yield 5%, return 4%, vol 5%; stock fund: yield 2%, return 8%, vol 20%; uncorrelated.
    # The least risky 3%-yield portfolio (94% bonds) expects 4.24%; asking 6% needs half in stocks.
    cov = np.diag([0.05**2, 0.20**2])
    p = min_volatility_for_income(cov, [0.05, 0.02], 0.03, expected_returns=[0.04, 0.08], min_return=0.06)
    np.testing.assert_allclose(p.weights, [0.5, 0.5], atol=1e-12)
    assert p.binding == "min_return"
    assert p.expected_return == pytest.approx(0.06, rel=1e-12)
    assert p.yield_ == pytest.approx(0.035, rel=1e-12)
    # with both guards binding: 4% yield and 6% return cannot both hold (0.5/0.5 yields 3.5%)
    with pytest.raises(InfeasibleError, match=r"^target_yield: 0\.04 is out of reach; the highest yield these "
                                              r"limits allow is 0\.035 \(3\.50%\);"):
        min_volatility_for_income(cov, [0.05, 0.02], 0.04, expected_returns=[0.04, 0.08], min_return=0.06)


@pytest.mark.parametrize("seed", range(3))
def test_singular_covariance_asset_listed_twice(seed):
    # the same fund twice: the covariance is singular; volatility and yield are still unique
    rng = np.random.default_rng(300 + seed)
    base = random_cov(rng, 5)
    J = np.vstack([np.eye(5), np.eye(5)[:1]])
    cov = J @ base @ J.T
    yields = np.append(y5 := rng.uniform(0, 0.07, 5), y5[0])
    target = float(np.quantile(yields, 0.6))
    p = min_volatility_for_income(cov, yields, target, upper=0.35)
    _, vol_ref = cvxpy_min_volatility_for_yield(cov + 1e-14 * np.eye(6), yields, target, {"upper": 0.35})
    assert p.volatility == pytest.approx(vol_ref, rel=RTOL_OBJECTIVE)
    assert p.yield_ >= target - ATOL_FEASIBLE_INCOME
    assert_feasible(p, yields, {"upper": 0.35})


def test_equal_yields_give_a_one_point_frontier():
    rng = np.random.default_rng(17)
    cov = random_cov(rng, 4)
    y = np.full(4, 0.03)
    w_ref, vol_ref = cvxpy_min_volatility_for_yield(cov, y, 0.0, {})
    p = min_volatility_for_income(cov, y, 0.03)
    assert p.binding == "min_variance"
    assert p.volatility == pytest.approx(vol_ref, rel=RTOL_OBJECTIVE)
    q = max_yield_for_volatility(cov, y, 10.0)
    np.testing.assert_allclose(q.weights, p.weights, atol=1e-12)
    f = income_frontier(cov, y, n_points=3)
    np.testing.assert_allclose(f.weights, np.tile(p.weights, (3, 1)), atol=1e-12)
    with pytest.raises(InfeasibleError, match=r"^target_yield: 0\.031 is out of reach; the highest yield these "
                                              r"limits allow is 0\.03 \(3\.00%\)"):
        min_volatility_for_income(cov, y, 0.031)
