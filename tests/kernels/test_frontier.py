"""Tests for the efficient frontier and the optimal portfolios of kernels/mean_variance (the critical line,
the path, the constraints).

Oracles: the published Bailey & Lopez de Prado (2013) turning points; cvxpy with Clarabel at tight
tolerances, one point at a time (tests/naive.py); properties of the frontier.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from kernels import (
    InfeasibleError,
    InputError,
    LinearConstraints,
    efficient_frontier,
    efficient_portfolio,
    group_constraints,
    max_sharpe,
    min_variance,
)
from kernels.mean_variance.cla import _critical_line
from kernels.mean_variance.constraints import _problem, _standard_form
from kernels.mean_variance.status import Status
from tests.naive import (
    cvxpy_max_return,
    cvxpy_max_sharpe,
    cvxpy_min_variance,
    linear_constraints,
    random_problem,
    solve_quietly,
    violation,
)
from tests.tolerances import ATOL_FEASIBLE, ATOL_PUBLISHED, RTOL_ORACLE

# ----------------------------------------------------------------------------- published case

# Bailey & Lopez de Prado (2013), "An Open-Source Implementation of the Critical-Line Algorithm for
# Portfolio Optimization", Algorithms 6(1), section 5: 10 assets, long-only, bounds [0, 1].
BLP_MEAN = np.array([1.175, 1.19, 0.396, 1.12, 0.346, 0.679, 0.089, 0.73, 0.481, 1.08])
BLP_COV = np.array([
    [0.40755159, 0.03175842, 0.05183923, 0.05663904, 0.0330226, 0.00827775, 0.02165938, 0.01332419, 0.0343476, 0.02249903],
    [0.03175842, 0.9063047, 0.03136385, 0.02687256, 0.01917172, 0.00934384, 0.02495043, 0.00761036, 0.02874874, 0.01336866],
    [0.05183923, 0.03136385, 0.19490901, 0.04408485, 0.03006772, 0.01322738, 0.03525971, 0.0115493, 0.0427563, 0.02057303],
    [0.05663904, 0.02687256, 0.04408485, 0.19528471, 0.02777345, 0.00526665, 0.01375808, 0.00780878, 0.02914176, 0.01640377],
    [0.0330226, 0.01917172, 0.03006772, 0.02777345, 0.34059105, 0.00777055, 0.02067844, 0.00736409, 0.02542657, 0.01284075],
    [0.00827775, 0.00934384, 0.01322738, 0.00526665, 0.00777055, 0.15983874, 0.02105575, 0.00518686, 0.01723737, 0.00723779],
    [0.02165938, 0.02495043, 0.03525971, 0.01375808, 0.02067844, 0.02105575, 0.68056711, 0.01377882, 0.04627027, 0.01926088],
    [0.01332419, 0.00761036, 0.0115493, 0.00780878, 0.00736409, 0.00518686, 0.01377882, 0.95526918, 0.0106553, 0.00760955],
    [0.0343476, 0.02874874, 0.0427563, 0.02914176, 0.02542657, 0.01723737, 0.04627027, 0.0106553, 0.31681584, 0.01854318],
    [0.02249903, 0.01336866, 0.02057303, 0.01640377, 0.01284075, 0.00723779, 0.01926088, 0.00760955, 0.01854318, 0.11079287],
])
# Turning points as printed (max return first), with lambdas, returns and risks of the paper's Table 2.
BLP_WEIGHTS = np.array([
    [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [0.6493694070931811, 0.3506305929068189, 0, 0, 0, 0, 0, 0, 0, 0],
    [0.4339841341086239, 0.23124750065448754, 0, 0.334768365236889, 0, 0, 0, 0, 0, 0],
    [0.12688785385570883, 0.07234334721032556, 0, 0.28125374926334057, 0, 0, 0, 0, 0, 0.5195150496706249],
    [0.12320100405906734, 0.07044407130753655, 0, 0.2789935668090118, 0, 0, 0, 0.006435564362887149, 0,
     0.5209257934614971],
    [0.0869215492990579, 0.050451042268558385, 0, 0.22359401742288823, 0, 0.17383161507156486, 0,
     0.03017301555135618, 0, 0.4350287603865743],
    [0.0846709411996219, 0.049253858741118525, 0, 0.21963390336360733, 0, 0.18003923464176064, 0,
     0.03102980185535347, 0.006485702415438152, 0.42888655778310003],
    [0.07378925302280315, 0.043828660769718863, 0, 0.19897560805881487, 0.026158159857441972, 0.19815187227970524,
     0, 0.03341958639919798, 0.027902966026643668, 0.3977738935856743],
    [0.06834400480527462, 0.041387026820649334, 0.015215259551836627, 0.18813443107045838, 0.03416248599274816,
     0.20231943214747125, 0, 0.0339293235595669, 0.03363264959172938, 0.38287538646026537],
    [0.03696858147921504, 0.02690083780081047, 0.0949424305647986, 0.1257759521946726, 0.0767460810325476,
     0.21935567131616898, 0.029987096882220312, 0.035963284621386274, 0.06134983772972688, 0.29201022637845325],
])
BLP_LAMBDAS = np.array([58.30308533333371, 4.1742728458857385, 1.9455661414558894, 0.16458117494477595,
                        0.1473887508934171, 0.056172204002751545, 0.05204819067458028, 0.03652161374727064,
                        0.030971168861678777, 0.0])
BLP_RETURNS = np.array([1.18999999999995, 1.1802594588936, 1.16005645242179, 1.11126226427996, 1.10836023837479,
                        1.02248388944319, 1.01530592052246, 0.972720434034985, 0.949936815755027,
                        0.803215359876534])
BLP_RISKS = np.array([0.952000367646947, 0.545656874268239, 0.41725565037332, 0.266719614211323,
                      0.265016995301471, 0.229680073596095, 0.22798274842085, 0.219554880082679,
                      0.216024571686891, 0.205237619813865])


def test_bailey_lopez_de_prado_turning_points():
    tp = efficient_frontier(BLP_MEAN, BLP_COV, n_points=5).turning_points
    np.testing.assert_allclose(tp.weights[::-1], BLP_WEIGHTS, atol=ATOL_PUBLISHED)
    np.testing.assert_allclose(tp.risk_tolerances[::-1], BLP_LAMBDAS, rtol=1e-9, atol=ATOL_PUBLISHED)
    np.testing.assert_allclose(tp.returns[::-1], BLP_RETURNS, atol=1e-12)
    np.testing.assert_allclose(tp.volatilities[::-1], BLP_RISKS, atol=1e-12)


def test_bailey_lopez_de_prado_max_sharpe_and_min_variance():
    # the paper's maximum-Sharpe portfolio (found there by a golden-section search, 4 decimals)
    ms = max_sharpe(BLP_MEAN, BLP_COV)
    expected = [0.0840, 0.0489, 0.0000, 0.2183, 0.0017, 0.1812, 0.0000, 0.0312, 0.0079, 0.4269]
    np.testing.assert_allclose(ms.weights, expected, atol=6e-5)
    assert ms.volatility == pytest.approx(0.2274, abs=1e-4)
    mv = min_variance(BLP_COV)
    np.testing.assert_allclose(mv.weights, BLP_WEIGHTS[-1], atol=ATOL_PUBLISHED)


# ----------------------------------------------------------------------------- cvxpy oracle

CASES = [
    # (seed, n_assets, groups, long_short, duplicate asset)
    (0, 2, False, False, False), (1, 3, True, False, False), (2, 5, False, True, False),
    (3, 8, True, False, True), (4, 12, False, False, False), (5, 15, True, True, False),
    (6, 20, False, False, True), (7, 25, True, False, False), (8, 30, False, True, False),
    (9, 40, True, False, False), (10, 50, False, False, False), (11, 60, True, False, True),
    (12, 4, True, True, True), (13, 33, False, False, False), (14, 45, True, True, False),
    (15, 60, False, True, False),
]


@pytest.mark.slow
@pytest.mark.parametrize("seed,n,groups,long_short,dup", CASES)
def test_frontier_points_match_cvxpy(seed, n, groups, long_short, dup):
    p = random_problem(seed, n, groups=groups, long_short=long_short, singular=dup)
    f = efficient_frontier(p.mu, p.cov, 5, p.lower, p.upper, constraints=linear_constraints(p))
    for r, w, vol in zip(f.returns, f.weights, f.volatilities):
        assert violation(p, w) <= ATOL_FEASIBLE
        oracle, w_oracle = cvxpy_min_variance(p, float(r))
        ours = float(w @ p.cov @ w)
        assert vol**2 == pytest.approx(ours, rel=1e-12, abs=1e-15)
        # never worse than the solver; equal unless the solver's own answer is infeasible (it then
        # reports a smaller, unattainable value at degenerate targets such as the maximum return)
        assert ours <= oracle * (1 + RTOL_ORACLE) + 1e-15
        if violation(p, w_oracle) <= 1e-9 and abs(p.mu @ w_oracle - r) <= 1e-9:
            assert ours >= oracle * (1 - RTOL_ORACLE) - 1e-15


@pytest.mark.parametrize("seed,n,groups,long_short,dup", CASES[::3])
def test_min_variance_matches_cvxpy(seed, n, groups, long_short, dup):
    p = random_problem(seed, n, groups=groups, long_short=long_short, singular=dup)
    res = min_variance(p.cov, p.lower, p.upper, constraints=linear_constraints(p))
    oracle, _ = cvxpy_min_variance(p, None)
    assert violation(p, res.weights) <= ATOL_FEASIBLE
    assert res.volatility**2 == pytest.approx(oracle, rel=RTOL_ORACLE, abs=1e-15)
    assert np.isnan(res.expected_return)


@pytest.mark.parametrize("seed,n,groups,long_short,dup", CASES[1::3])
def test_max_sharpe_matches_cvxpy(seed, n, groups, long_short, dup):
    p = random_problem(seed, n, groups=groups, long_short=long_short, singular=dup)
    rf = float(np.min(p.mu))
    res = max_sharpe(p.mu, p.cov, rf, p.lower, p.upper, constraints=linear_constraints(p))
    assert violation(p, res.weights) <= ATOL_FEASIBLE
    assert res.sharpe_ratio == pytest.approx((res.weights @ p.mu - rf) / np.sqrt(res.weights @ p.cov @ res.weights))
    assert res.sharpe_ratio == pytest.approx(cvxpy_max_sharpe(p, rf), rel=RTOL_ORACLE)


@pytest.mark.parametrize("seed,n,groups,long_short,dup", CASES[2::4])
def test_target_risk_matches_cvxpy(seed, n, groups, long_short, dup):
    p = random_problem(seed, n, groups=groups, long_short=long_short, singular=dup)
    f = efficient_frontier(p.mu, p.cov, 2, p.lower, p.upper, constraints=linear_constraints(p))
    cap = float(0.3 * f.volatilities[0] + 0.7 * f.volatilities[-1])
    res = efficient_portfolio(p.mu, p.cov, target_risk=cap, lower=p.lower, upper=p.upper,
                              constraints=linear_constraints(p))
    assert res.volatility == pytest.approx(cap, rel=1e-10)
    assert res.expected_return == pytest.approx(cvxpy_max_return(p, cap), rel=1e-7)


# ----------------------------------------------------------------------------- properties


@pytest.mark.parametrize("seed", range(6))
def test_frontier_properties(seed):
    p = random_problem(100 + seed, 10 + 8 * seed, groups=bool(seed % 2), long_short=seed == 4)
    cons = linear_constraints(p)
    f = efficient_frontier(p.mu, p.cov, 25, p.lower, p.upper, constraints=cons)
    assert np.all(np.diff(f.returns) > 0) and np.all(np.diff(f.volatilities) > 0)
    # concave in (risk, return): slopes of successive chords do not increase
    slopes = np.diff(f.returns) / np.diff(f.volatilities)
    assert np.all(np.diff(slopes) <= 1e-9 * np.abs(slopes[1:]))
    tp = f.turning_points
    assert np.all(np.diff(tp.returns) >= 0) and np.all(np.diff(tp.risk_tolerances) > 0)
    assert tp.risk_tolerances[0] == 0.0
    np.testing.assert_allclose(f.weights[[0, -1]], tp.weights[[0, -1]], atol=1e-14)
    mv = min_variance(p.cov, p.lower, p.upper, constraints=cons, expected_returns=p.mu)
    np.testing.assert_allclose(mv.weights, f.weights[0], atol=1e-12)
    rf = float(np.quantile(p.mu, 0.2))
    ms = max_sharpe(p.mu, p.cov, rf, p.lower, p.upper, constraints=cons)
    assert np.all(ms.sharpe_ratio >= (f.returns - rf) / f.volatilities - 1e-12)
    # the target-return portfolio is the sampled point at that return
    mid = efficient_portfolio(p.mu, p.cov, target_return=f.returns[7], lower=p.lower, upper=p.upper, constraints=cons)
    np.testing.assert_allclose(mid.weights, f.weights[7], atol=1e-12)


def test_kernel_matches_py_func():
    p = random_problem(7, 9, groups=True)
    prob = _problem(p.cov, 9, p.lower, p.upper, linear_constraints(p), None, None, None)
    mu_s, E, b, lo, hi = _standard_form(p.mu, prob)
    for stop_rf in (np.nan, 0.0):
        jit_out = _critical_line(prob.cov, mu_s, E, b, lo, hi, 9, 1000, stop_rf)
        py_out = _critical_line.py_func(prob.cov, mu_s, E, b, lo, hi, 9, 1000, stop_rf)
        assert jit_out.status == py_out.status == Status.OK
        np.testing.assert_allclose(jit_out.weights, py_out.weights, atol=1e-13)
        np.testing.assert_allclose(jit_out.lambdas, py_out.lambdas, rtol=1e-11)


@pytest.mark.slow
def test_max_sharpe_early_stop_matches_full_path():
    """Stopping the path past the tangency portfolio gives the same answer as the whole frontier."""
    for seed in range(8):
        p = random_problem(300 + seed, 30, groups=seed % 2 == 1, long_short=seed == 3)
        rf = float(np.quantile(p.mu, 0.3))
        res = max_sharpe(p.mu, p.cov, rf, p.lower, p.upper, constraints=linear_constraints(p))
        f = efficient_frontier(p.mu, p.cov, 400, p.lower, p.upper, constraints=linear_constraints(p))
        tp = f.turning_points
        sharpe = (np.concatenate([f.returns, tp.returns]) - rf) / np.concatenate([f.volatilities, tp.volatilities])
        assert res.sharpe_ratio >= sharpe.max() - 1e-12
        assert res.sharpe_ratio <= sharpe.max() + 1e-4 * abs(sharpe.max())  # a 400-point grid is close


# ----------------------------------------------------------------------------- hard cases


def _cov(n, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, n)) * rng.uniform(0.005, 0.02, n) + rng.normal(size=(200, 1)) * 0.01
    return np.cov(X, rowvar=False) * 252


def test_equal_expected_returns_give_min_variance():
    C = _cov(6)
    f = efficient_frontier(np.full(6, 0.05), C, 4)
    mv = min_variance(C)
    assert f.turning_points.weights.shape == (1, 6)
    np.testing.assert_allclose(f.weights, np.tile(mv.weights, (4, 1)), atol=1e-12)
    np.testing.assert_allclose(f.returns, 0.05)


def test_tied_top_returns_pick_least_risky_top_portfolio():
    C = _cov(6)
    mu = np.array([0.1, 0.1, 0.05, 0.1, 0.02, 0.03])
    top = efficient_frontier(mu, C, 2).turning_points.weights[-1]
    # the least variance among portfolios of assets 1, 2, 4 (all returning 0.1): a cvxpy oracle
    w = cp.Variable(6)
    solve_quietly(cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(C))), [cp.sum(w) == 1, w >= 0, w[[2, 4, 5]] == 0]))
    np.testing.assert_allclose(top, w.value, atol=1e-7)


def test_duplicate_asset_gives_the_same_frontier():
    C = _cov(5)
    mu = np.array([0.08, 0.05, 0.03, 0.06, 0.04])
    C2 = np.zeros((6, 6))
    C2[:5, :5] = C
    C2[5, :5] = C2[:5, 5] = C[0]
    C2[5, 5] = C[0, 0]
    f1 = efficient_frontier(mu, C, 9)
    f2 = efficient_frontier(np.append(mu, mu[0]), C2, 9)
    np.testing.assert_allclose(f2.volatilities, f1.volatilities, rtol=1e-12)
    np.testing.assert_allclose(f2.weights[:, 0] + f2.weights[:, 5], f1.weights[:, 0], atol=1e-12)


def test_one_asset():
    f = efficient_frontier([0.05], [[0.04]], 3)
    np.testing.assert_allclose(f.weights, 1.0)
    np.testing.assert_allclose(f.volatilities, 0.2)
    assert max_sharpe([0.05], [[0.04]]).sharpe_ratio == pytest.approx(0.25)


def test_long_short_with_negative_lower_bounds():
    C = _cov(4)
    mu = np.array([0.10, 0.02, 0.06, 0.01])
    f = efficient_frontier(mu, C, 5, lower=-0.5, upper=1.5)
    assert f.weights.min() < -0.1
    np.testing.assert_allclose(f.weights.sum(axis=1), 1.0, atol=1e-14)
    assert f.weights.min() >= -0.5 - 1e-14


def test_groups_by_label_and_matrix_agree():
    C = _cov(5)
    mu = np.array([0.08, 0.05, 0.03, 0.06, 0.04])
    labels = ["stock", "bond", "bond", "stock", "cash"]
    f1 = efficient_frontier(mu, C, 6, groups=labels, group_lower={"bond": 0.3}, group_upper={"bond": 0.5})
    member = [[1, 0, 0, 1, 0], [0, 1, 1, 0, 0]]
    f2 = efficient_frontier(mu, C, 6, groups=member, group_lower=[-np.inf, 0.3], group_upper=[np.inf, 0.5])
    np.testing.assert_allclose(f1.weights, f2.weights, atol=1e-13)
    bonds = f1.weights[:, 1] + f1.weights[:, 2]
    assert np.all(bonds >= 0.3 - 1e-12) and np.all(bonds <= 0.5 + 1e-12)
    assert np.any(np.isclose(bonds, 0.3)) or np.any(np.isclose(bonds, 0.5))


def test_yield_frontier_and_volatility_cap_for_reuse():
    """The pieces the income feature needs: a yield 'return' vector, a floor row, a volatility cap."""
    C = _cov(5)
    mu = np.array([0.08, 0.05, 0.03, 0.06, 0.04])
    yields = np.array([0.01, 0.04, 0.05, 0.02, 0.03])
    floor = LinearConstraints([mu], [0.05], [np.inf])
    mv = min_variance(C, constraints=floor, expected_returns=mu)
    assert mv.expected_return >= 0.05 - 1e-12
    inc = efficient_frontier(yields, C, 5, constraints=floor)
    np.testing.assert_allclose(inc.weights @ yields, inc.returns, atol=1e-14)
    assert np.all(inc.weights @ mu >= 0.05 - 1e-12)
    capped = efficient_portfolio(yields, C, target_risk=float(inc.volatilities[2]), constraints=floor)
    np.testing.assert_allclose(capped.weights, inc.weights[2], atol=1e-9)


# ----------------------------------------------------------------------------- messages

MU3 = np.array([0.08, 0.05, 0.03])
C3 = _cov(3)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: max_sharpe(MU3, C3, risk_free=0.1), InfeasibleError,
     r"^risk_free: every attainable expected return \(at most 0\.08\) is <= risk_free 0\.1; max Sharpe is "
     r"undefined, use min_variance\.$"),
    (lambda: efficient_portfolio(MU3, C3, target_return=0.2), InfeasibleError,
     r"^target_return: 0\.2 is above the highest attainable return 0\.08; choose a target from [0-9.]+ to 0\.08\.$"),
    (lambda: efficient_portfolio(MU3, C3, target_risk=1e-4), InfeasibleError,
     r"^target_risk: 0\.0001 is below the lowest attainable volatility [0-9.]+; choose a volatility from"),
    (lambda: efficient_portfolio(MU3, C3), InputError, r"^target_return: give either target_return or target_risk"),
    (lambda: efficient_frontier(MU3, C3, lower=0.4), InfeasibleError,
     r"^lower: minimum weights sum to 1\.2 > 1; lower them so they total at most 1\.$"),
    (lambda: efficient_frontier(MU3, C3, upper=0.3), InfeasibleError,
     r"^upper: maximum weights sum to 0\.9 < 1; raise them so they total at least 1\.$"),
    (lambda: efficient_frontier(MU3, C3, lower=[0, 0.5, 0], upper=[1, 0.2, 1]), InputError,
     r"^lower: 0\.5 for asset 2 is above its upper limit 0\.2; make lower <= upper\.$"),
    (lambda: efficient_frontier([0.08, np.nan, 0.03], C3), InputError,
     r"^expected_returns: missing or non-finite value at position 2; fill in a number\.$"),
    (lambda: efficient_frontier(MU3, np.where(np.eye(3) > 0, np.nan, C3)), InputError,
     r"^cov: missing or non-finite value at row 1, column 1; fill in a number\.$"),
    (lambda: efficient_frontier(MU3, C3, upper=[1, np.nan, 1]), InputError,
     r"^upper: missing or non-finite value at position 2; fill in a number\.$"),
    (lambda: efficient_frontier(MU3, C3[:2, :2]), InputError, r"^cov: is 2 x 2 but there are 3 assets"),
    (lambda: efficient_frontier(MU3, C3, n_points=0), InputError, r"^n_points: must be >= 1, got 0\.$"),
    (lambda: efficient_frontier(MU3, C3, groups=["a", "b", "a"], group_lower={"a": 0.9}, group_upper={"a": 0.2}),
     InputError, r"^group_lower: 0\.9 for group 1 is above its upper limit 0\.2; make lower <= upper\.$"),
    (lambda: efficient_frontier(MU3, C3, groups=["a", "b", "a"], group_lower={"z": 0.1}), InputError,
     r"^group_lower: unknown group 'z'; groups are a, b\.$"),
    (lambda: efficient_frontier(MU3, C3, groups=["a", "b"]), InputError,
     r"^groups: expected 3 labels \(one per asset\), got 2\.$"),
    (lambda: efficient_frontier(MU3, C3, group_lower=[0.1]), InputError,
     r"^groups: group_lower/group_upper given without groups"),
    (lambda: efficient_frontier(MU3, C3, groups=["a", "b", "a"], group_lower={"a": 0.95}, upper=[0.4, 1, 0.4]),
     InfeasibleError, r"^constraints: row 1 needs A @ w in \[0\.95, 0\.8\], impossible within the asset bounds"),
    (lambda: efficient_frontier(MU3, C3, constraints=LinearConstraints([[1, -1, 0], [0, 1, 1]], [0.5, 0.6], [1, 1]),
                                upper=[0.6, 1, 1]),
     InfeasibleError, r"^constraints: no portfolio meets the bounds and linear/group limits together"),
    (lambda: efficient_frontier(MU3, C3, constraints=LinearConstraints([[1, 0]], [0], [1])), InputError,
     r"^constraints\.A: expected 3 columns \(one per asset\), got 2\.$"),
    (lambda: efficient_frontier(MU3, C3, constraints=([[1, 0, 0], [0, 1, 1]], [0, 0.9], [1, 0.5])), InputError,
     r"^constraints\.lower: 0\.9 for row 2 is above its upper limit 0\.5; make lower <= upper\.$"),
    (lambda: efficient_frontier(MU3, C3, constraints=([[1, 0, 0]], [np.nan], [1])), InputError,
     r"^constraints\.lower: missing value at row 1; fill in a number\.$"),
    (lambda: efficient_frontier(MU3, [[0.04, 0.05, 0], [0.05, 0.04, 0], [0, 0, 0.04]]), InputError,
     r"^cov: not positive semi-definite"),
])
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and len(message) <= 130


def test_singular_covariance_with_arbitrage_is_reported():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(4, 8)) * 0.01  # 4 observations, 8 assets: rank 3
    C = np.cov(X, rowvar=False) * 252
    mu = rng.normal(0.05, 0.03, size=8)
    with pytest.raises(InputError, match=r"^cov: singular along a mix of assets with another return"):
        efficient_frontier(mu, C, 5)


def test_group_constraints_builds_rows():
    c = group_constraints(["x", "y", "x", "z"], {"x": 0.2}, {"y": 0.3}, n_assets=4)
    np.testing.assert_array_equal(c.A, [[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(c.lower, [0.2, -np.inf, -np.inf])
    np.testing.assert_array_equal(c.upper, [np.inf, 0.3, np.inf])


def test_huge_bounds_and_too_many_points_are_refused_with_a_message():
    """Issue 19: bounds of -1e16 made the path lose feasibility ("please report the inputs"), and
    n_points = 1e300 was an internal error (1e6 ran for 27 s)."""
    with pytest.raises(InputError, match=r"^lower: -1e\+16 for asset 1 is beyond the largest supported weight bound"):
        max_sharpe(MU3, C3, lower=-1e16)
    with pytest.raises(InputError, match=r"^upper: 1e\+07 for asset 2 is beyond"):
        efficient_frontier(MU3, C3, upper=[1.0, 1e7, 1.0])
    assert min_variance(C3, lower=-1e6, upper=1e6).weights.sum() == pytest.approx(1.0)
    with pytest.raises(InputError, match=r"^n_points: 1e\+300 is above the cap of 10,000 points; choose 1 to 10,000\.$"):
        efficient_frontier(MU3, C3, 1e300)
    assert efficient_frontier(MU3, C3, 10_000).weights.shape == (10_000, 3)
