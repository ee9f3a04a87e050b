"""Risk parity / risk budgeting: published examples, a cvxpy oracle, properties, kernels, bad input."""

import importlib
import re

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kernels import InfeasibleError, InputError, inverse_volatility, risk_parity
from kernels._validate import SYMMETRY_RTOL
from tests.conftest import random_cov
from tests.tolerances import ATOL_CVXPY, ATOL_PRINTED, RTOL_BUDGET, RTOL_BUDGET_ILL

rp_module = importlib.import_module("kernels.risk_parity")

#: Our own stopping rule: contributions match budgets to this relative error.
#: Clarabel (gap tolerances 1e-10) gives the weights to a few 1e-6; the objective comparison is the sharp check.
#: On condition numbers 1e4..1e8 the rounding error of C w alone is up to ~1e-8 relative: budgets to 1e-7 there.
#: The published tables print weights in percent with one decimal.


def _cov(vols, corr):
    vols = np.asarray(vols, dtype=float)
    return np.outer(vols, vols) * np.asarray(corr, dtype=float)


def _relative(w, cov):
    rc = w * (cov @ w)
    return rc / rc.sum()


# ----------------------------------------------------------------------------- published values

# Equal risk contribution examples with printed weights (%), risk contributions (%) and volatility (%):
# T. Roncalli, "Risk-Based Indexation" (slides; Examples 1 and 2, ERC columns), co-author of
# Maillard, Roncalli & Teiletche (2010); the paper's own table could not be retrieved here.
# https://www.sambuz.com/doc/risk-based-indexation-ppt-presentation-949645
def _example_1():
    corr = np.eye(4)
    corr[0, 1] = corr[1, 0] = 0.8
    corr[2, 3] = corr[3, 2] = -0.5
    return _cov([0.10, 0.20, 0.30, 0.40], corr), [38.4, 19.2, 24.3, 18.2], 2.6, 10.3


def _example_2():
    corr = np.full((6, 6), 0.6)
    np.fill_diagonal(corr, 1.0)
    corr[4, 5] = corr[5, 4] = 0.2
    return _cov([0.25, 0.22, 0.14, 0.30, 0.40, 0.30], corr), [15.7, 17.8, 28.0, 13.1, 10.9, 14.5], 3.3, 19.5


@pytest.mark.parametrize("example", [_example_1, _example_2])
def test_published_erc_examples(example):
    cov, weights_pct, rc_pct, vol_pct = example()
    res = risk_parity(cov)
    assert res.converged and res.status == "converged"
    np.testing.assert_allclose(res.weights * 100, weights_pct, atol=ATOL_PRINTED)
    np.testing.assert_allclose(res.risk_contributions * 100, rc_pct, atol=ATOL_PRINTED)
    assert abs(res.volatility * 100 - vol_pct) <= ATOL_PRINTED


def test_two_assets_closed_form():
    # two assets: equal contributions <=> w1 sigma1 = w2 sigma2 whatever the correlation
    # tol=1e-15: the default (1e-12 on the budget error) allows weights off by about 5e-13
    res = risk_parity([[0.09, -0.02], [-0.02, 0.01]], tol=1e-15)
    np.testing.assert_allclose(res.weights, [0.25, 0.75], rtol=1e-14)
    np.testing.assert_allclose(risk_parity([[0.09, -0.02], [-0.02, 0.01]]).weights, [0.25, 0.75], rtol=1e-12)


def test_equal_correlations_give_inverse_volatility():
    # with one common correlation the ERC portfolio is the inverse-volatility one (Maillard et al. 2010)
    vols = np.array([0.05, 0.1, 0.15, 0.2, 0.3])
    corr = np.full((5, 5), 0.35)
    np.fill_diagonal(corr, 1.0)
    cov = _cov(vols, corr)
    expected = (1 / vols) / np.sum(1 / vols)
    np.testing.assert_allclose(inverse_volatility(cov), expected, rtol=1e-15)
    np.testing.assert_allclose(risk_parity(cov).weights, expected, rtol=1e-12)


# ----------------------------------------------------------------------------- cvxpy oracle


def _ill_conditioned_cov(rng, n, cond):
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.exp(rng.uniform(0.0, np.log(cond), n))
    lam[0], lam[-1] = 1.0, cond
    vols = rng.uniform(0.05, 0.4, n)
    corr = (q * lam) @ q.T
    d = np.sqrt(np.diag(corr))
    return _cov(vols, corr / np.outer(d, d))


def _cvxpy_barrier(cov, beta, lower=None, upper=None):
    """argmin 1/2 x'Cx - sum beta log x (subject to a box): Spinu's convex problem, solved by Clarabel."""
    lam, vec = np.linalg.eigh(cov)
    root = vec * np.sqrt(np.clip(lam, 0.0, None))  # cov = root @ root.T
    x = cp.Variable(cov.shape[0])
    constraints = []
    if lower is not None:
        constraints = [x >= lower, x <= upper]
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(root.T @ x) - beta @ cp.log(x)), constraints)
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert problem.status == cp.OPTIMAL
    return x.value


def _spinu(x, cov, b):
    return 0.5 * x @ cov @ x - b @ np.log(x)


def _oracle_cases():
    rng = np.random.default_rng(7)
    cases = []
    for k in range(240):
        n = int(rng.integers(2, 13))
        kind = k % 3
        if kind == 0:
            cov = random_cov(rng, n)  # factor model, sample covariance
        elif kind == 1:
            cov = _ill_conditioned_cov(rng, n, 10.0 ** rng.uniform(4, 8))
        else:
            # near-duplicate assets: correlations up to 0.999
            base = rng.normal(size=(n, 2))
            corr = base @ base.T + np.diag(rng.uniform(1e-3, 1e-2, n) * n)
            d = np.sqrt(np.diag(corr))
            cov = _cov(rng.uniform(0.05, 0.4, n), corr / np.outer(d, d))
        budgets = rng.uniform(0.2, 1.0, n) if k % 2 else None
        cases.append((cov, budgets, RTOL_BUDGET_ILL if kind == 1 else RTOL_BUDGET))
    return cases


def test_matches_cvxpy_log_barrier_over_many_random_covariances():
    for cov, budgets, rtol in _oracle_cases():
        res = risk_parity(cov, budgets)
        assert res.converged, res.status
        assert res.max_error <= rtol
        b = res.budgets
        x = _cvxpy_barrier(cov, b)
        np.testing.assert_allclose(res.weights, x / x.sum(), atol=ATOL_CVXPY)
        np.testing.assert_allclose(_relative(res.weights, cov), b, rtol=rtol)
        # our point, scaled optimally along its ray, is at least as good as Clarabel's for Spinu's f
        ours = res.weights * np.sqrt(b.sum() / (res.weights @ cov @ res.weights))
        # (up to the rounding error of evaluating f, large when cov is near singular and x'Cx cancels)
        rounding = 64 * np.finfo(float).eps * (np.abs(ours) @ np.abs(cov) @ np.abs(ours) + np.abs(b @ np.log(ours)))
        assert _spinu(ours, cov, b) <= _spinu(x, cov, b) + rounding


def test_bounded_solution_solves_the_documented_box_problem():
    # with bounds we solve min 1/2 w'Cw - lam sum b log w over the box, lam chosen so that sum(w) = 1;
    # the lam implied by the free assets is passed to cvxpy, which must return our weights
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(40):
        n = int(rng.integers(3, 10))
        cov = random_cov(rng, n)
        b = rng.uniform(0.2, 1.0, n)
        b /= b.sum()
        free_w = risk_parity(cov, b).weights
        upper = np.full(n, 1.0)
        lower = np.zeros(n)
        upper[np.argmax(free_w)] = 0.9 * free_w.max()
        lower[np.argmin(free_w)] = 1.2 * free_w.min()
        res = risk_parity(cov, b, lower=lower, upper=upper)
        assert res.converged, res.status
        assert res.binding[np.argmax(free_w)] == 1
        free = res.binding == 0
        cw = cov @ res.weights
        lam = np.sum(res.weights[free] * cw[free]) / np.sum(b[free])
        x = _cvxpy_barrier(cov, lam * b, lower, upper)
        np.testing.assert_allclose(res.weights, x, atol=ATOL_CVXPY)
        checked += 1
    assert checked == 40


# ----------------------------------------------------------------------------- properties


_NO_BOUND_TEXT = (
    "upper: even the least-risk weights in the bounds sum to over 1 (hedges held at upper bounds); lower those bounds"
)


def _assert_box_kkt(res, cov, lower, upper):
    w, b = res.weights, res.budgets
    assert abs(w.sum() - 1.0) <= 1e-14
    assert np.all(w >= lower) and np.all(w <= upper)
    rel = _relative(w, cov)
    np.testing.assert_allclose(rel, res.relative_contributions, rtol=1e-12)
    free = res.binding == 0
    share = rel[free].sum() / b[free].sum()
    np.testing.assert_allclose(rel[free] / b[free], share, rtol=RTOL_BUDGET)
    # an asset at its upper bound wants more weight (contributes at most its share), at its lower bound less
    assert np.all(rel[res.binding == 1] / b[res.binding == 1] <= share * (1 + 1e-10))
    assert np.all(rel[res.binding == -1] / b[res.binding == -1] >= share * (1 - 1e-10))
    np.testing.assert_array_equal(res.binding == 1, w == upper)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 40), equal=st.booleans())
def test_contributions_equal_budgets(seed, n, equal):
    rng = np.random.default_rng(seed)
    cov = random_cov(rng, n)
    budgets = None if equal else rng.uniform(0.01, 1.0, n)
    res = risk_parity(cov, budgets)
    assert res.converged, res.status
    assert np.all(res.weights > 0) and abs(res.weights.sum() - 1.0) <= 1e-14
    np.testing.assert_allclose(_relative(res.weights, cov), res.budgets, rtol=RTOL_BUDGET)
    np.testing.assert_allclose(res.risk_contributions.sum(), res.volatility, rtol=1e-13)
    np.testing.assert_allclose(res.volatility, np.sqrt(res.weights @ cov @ res.weights), rtol=1e-13)
    assert res.max_error <= RTOL_BUDGET
    np.testing.assert_array_equal(res.binding, 0)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 30), cap=st.floats(0.3, 0.95), floor=st.floats(1.05, 2.0))
@example(seed=681, n=20, cap=0.5, floor=2.0)  # no bounded solution, with budgets normalised (status has a note)
def test_bounds_properties(seed, n, cap, floor):
    rng = np.random.default_rng(seed)
    cov = random_cov(rng, n)
    budgets = rng.uniform(0.1, 1.0, n)
    free_w = risk_parity(cov, budgets).weights
    upper = np.full(n, max(cap * free_w.max(), 1.0 / n + 1e-3))
    lower = np.minimum(floor * free_w.min(), 0.9 / n)
    res = risk_parity(cov, budgets, lower=lower, upper=upper)
    if res.status.startswith(_NO_BOUND_TEXT):  # followed by the note on normalised budgets
        _assert_least_risk_box_portfolio_sums_above_one(cov, lower, upper)
        return
    assert res.converged, res.status
    _assert_box_kkt(res, cov, lower, upper)


def _assert_least_risk_box_portfolio_sums_above_one(cov, lower, upper):
    # the reported reason checked with scipy: min w'Cw over the box alone already holds more than 100%
    from scipy.optimize import minimize

    n = cov.shape[0]
    lower = np.broadcast_to(lower, n)
    upper = np.broadcast_to(upper, n)
    opt = minimize(lambda w: 0.5 * w @ cov @ w, (lower + upper) / 2, jac=lambda w: cov @ w,
                   bounds=list(zip(lower, upper)), method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12})
    assert opt.x.sum() > 1.0


def test_no_bounded_solution_when_hedges_are_pinned_at_their_upper_bounds():
    cov = np.array([[0.04, 0.03, -0.03], [0.03, 0.04, -0.03], [-0.03, -0.03, 0.04]])
    lower, upper = [0.35, 0.35, 0.0], [1.0, 1.0, 1.0]
    res = risk_parity(cov, lower=lower, upper=upper)
    assert not res.converged and np.isnan(res.weights).all()
    assert res.status == _NO_BOUND_TEXT
    _assert_least_risk_box_portfolio_sums_above_one(cov, np.array(lower), np.array(upper))


def test_bounds_that_do_not_bind_change_nothing(rng):
    cov = random_cov(rng, 8)
    free = risk_parity(cov)
    res = risk_parity(cov, lower=0.01, upper=0.9)
    np.testing.assert_array_equal(res.weights, free.weights)
    np.testing.assert_array_equal(res.binding, 0)
    assert res.status == "converged"


def test_bounds_leaving_one_portfolio(rng):
    cov = random_cov(rng, 4)
    res = risk_parity(cov, lower=0.25)
    np.testing.assert_allclose(res.weights, 0.25, rtol=1e-15)
    np.testing.assert_array_equal(res.binding, -1)
    assert res.converged and "4 bound(s) bind" in res.status


def test_scaling_invariance(rng):
    cov = random_cov(rng, 30)
    budgets = rng.uniform(0.1, 1.0, 30)
    base = risk_parity(cov, budgets).weights
    for scale in (1e-6, 1 / 252, 252.0, 1e6):
        np.testing.assert_allclose(risk_parity(cov * scale, budgets).weights, base, rtol=1e-10)
    np.testing.assert_allclose(risk_parity(cov, budgets * 7.0).weights, base, rtol=1e-10)


def test_identical_assets_get_identical_weights(rng):
    cov = random_cov(rng, 6)
    dup = np.insert(np.insert(cov, 6, cov[2], axis=0), 6, np.append(cov[2], cov[2, 2]), axis=1)
    res = risk_parity(dup)
    assert res.converged, res.status
    np.testing.assert_allclose(res.weights[6], res.weights[2], rtol=1e-10)
    # and two identical assets together take the place of one with twice the budget
    budgets = np.full(6, 1.0 / 7)
    budgets[2] *= 2
    merged = risk_parity(cov, budgets).weights
    np.testing.assert_allclose(res.weights[2] + res.weights[6], merged[2], rtol=1e-10)


def test_input_forms_give_the_same_answer(rng):
    import pandas as pd

    cov = random_cov(rng, 5)
    ref = risk_parity(cov).weights
    np.testing.assert_array_equal(risk_parity(cov.tolist()).weights, ref)
    np.testing.assert_array_equal(risk_parity(pd.DataFrame(cov)).weights, ref)
    np.testing.assert_array_equal(risk_parity(np.asfortranarray(cov)).weights, ref)
    np.testing.assert_array_equal(risk_parity(cov, [[0.2] * 5]).weights, ref)  # a row range


def test_single_asset():
    res = risk_parity([[0.04]])
    assert res.weights.tolist() == [1.0] and res.converged
    assert res.volatility == pytest.approx(0.2, rel=1e-15)


def test_budgets_not_summing_to_one_are_normalised(rng):
    cov = random_cov(rng, 3)
    res = risk_parity(cov, [1, 1, 2])
    np.testing.assert_array_equal(res.budgets, [0.25, 0.25, 0.5])
    assert res.converged
    assert res.status == "converged; budgets summed to 4, normalised to 1"
    np.testing.assert_allclose(res.relative_contributions, [0.25, 0.25, 0.5], rtol=RTOL_BUDGET)


def test_accelerated_sweeps_on_a_market_like_covariance():
    # from 150 assets the sweeps are Anderson-accelerated: one market factor with positive betas
    rng = np.random.default_rng(3)
    n = 200
    beta = rng.uniform(0.5, 1.5, n)
    returns = np.outer(rng.normal(0, 0.01, 1000), beta) + rng.normal(0, 1, (1000, n)) * rng.uniform(0.005, 0.03, n)
    cov = np.cov(returns, rowvar=False) * 252
    budgets = rng.uniform(0.5, 1.5, n)
    res = risk_parity(cov, budgets)
    assert res.converged and res.status == "converged; budgets summed to {:.12g}, normalised to 1".format(budgets.sum())
    np.testing.assert_allclose(_relative(res.weights, cov), res.budgets, rtol=1e-11)
    x = _cvxpy_barrier(cov, res.budgets)
    np.testing.assert_allclose(res.weights, x / x.sum(), atol=ATOL_CVXPY)


def test_larger_problem_converges(rng):
    # hundreds of strongly correlated assets: the coordinate sweeps hand over to Newton
    cov = random_cov(rng, 300)
    res = risk_parity(cov, tol=1e-12)
    assert res.converged, res.status
    np.testing.assert_allclose(_relative(res.weights, cov), 1 / 300, rtol=1e-11)


def _factor_cov(rng, n, n_factors=5, n_obs=1000):
    """Sample covariance of five factors with loadings of both signs: coordinate descent crawls on it,
    so Newton does the work (from _SINGLE_FACTOR_FROM assets with a single-precision factor)."""
    loadings = rng.normal(0.0, 1.0, (n_factors, n))
    returns = rng.normal(0.0, 0.008, (n_obs, n_factors)) @ loadings
    returns += rng.normal(0.0, 1.0, (n_obs, n)) * rng.uniform(0.005, 0.02, n)
    return np.cov(returns, rowvar=False) * 252


def test_newton_with_a_single_precision_factor_is_as_exact(rng):
    n = 200
    assert n >= rp_module._SINGLE_FACTOR_FROM
    cov = _factor_cov(rng, n)
    budgets = rng.uniform(0.5, 1.5, n)
    budgets /= budgets.sum()
    res = risk_parity(cov, budgets)
    assert res.converged and res.max_error <= 1e-12, res.status
    np.testing.assert_allclose(_relative(res.weights, cov), budgets, rtol=1e-11)
    x = _cvxpy_barrier(cov, budgets)
    np.testing.assert_allclose(res.weights, x / x.sum(), atol=ATOL_CVXPY)
    x_ours = res.weights / np.sqrt(res.weights @ cov @ res.weights)  # the barrier minimiser has x'Cx = 1
    assert _spinu(x_ours, cov, budgets) <= _spinu(x, cov, budgets) + 1e-9


def test_single_precision_factor_and_its_fallback(rng, monkeypatch):
    n = 160
    cov = _factor_cov(rng, n)
    d = rng.uniform(0.1, 1.0, n)
    for f in (rp_module._single_factor, rp_module._single_factor.py_func):
        ok, L = f(cov, d)
        assert ok and L.dtype == np.float32
        exact = np.linalg.cholesky(cov + np.diag(d))
        assert np.max(np.abs(L - exact)) <= 1e-5 * np.max(np.abs(exact))
        rank_2 = np.outer(d, d) + np.outer(d[::-1], d[::-1])  # positive semi-definite, not definite
        assert not f(rank_2, np.full(n, 1e-12))[0]

    beta = np.full(n, 1 / n)
    zero, inf = np.zeros(n), np.full(n, np.inf)
    ref = risk_parity(cov, tol=1e-15).weights
    x_star = ref / np.sqrt(ref @ cov @ ref)
    x0 = x_star * np.exp(0.3 * rng.standard_normal(n))
    real = rp_module._single_factor
    calls = []

    def spy(C, dvec):
        calls.append(1)
        return real(C, dvec)

    def single_fails(C, dvec):
        calls.append(1)
        return False, np.empty((0, 0), dtype=np.float32)

    outs = []
    # the compiled Newton, its Python version with the real factor (counted), and with the factor failing
    for f, factor in ((rp_module._newton, None), (rp_module._newton.py_func, spy),
                      (rp_module._newton.py_func, single_fails)):
        if factor is not None:
            monkeypatch.setattr(rp_module, "_single_factor", factor)
        calls.clear()
        x = x0.copy()
        cx = cov @ x
        outs.append((f(cov, beta, zero, inf, False, x, cx, 1e-12, 50), x, len(calls)))
    (s1, x1, _), (s2, x2, n_single), (s3, x3, n_failed) = outs
    assert s1[0] == s2[0] == s3[0] == rp_module._OK and s1[1] == s2[1]
    assert n_single >= 1 and n_failed == 1  # after one failure, double precision for the rest
    for x in (x1, x2, x3):
        np.testing.assert_allclose(x, x_star, rtol=1e-10)


# ----------------------------------------------------------------------------- non-convergence


def test_max_iter_reached_is_a_result_not_an_exception(rng):
    cov = random_cov(rng, 50)
    res = risk_parity(cov, max_iter=1)
    assert not res.converged
    assert res.n_iter == 1
    assert res.status == (
        f"stopped after max_iter=1 iterations with budget error {res.max_error:.2e} > tol=1e-12; raise max_iter or tol"
    )
    assert res.max_error > 1e-12 and np.all(np.isfinite(res.weights))


def test_no_solution_when_a_long_only_portfolio_has_zero_variance():
    # perfectly negatively correlated equal-volatility assets: (1/2, 1/2) has zero risk
    res = risk_parity([[0.04, -0.04], [-0.04, 0.04]])
    assert not res.converged
    assert res.status == "cov: singular along a long-only portfolio (zero variance), so no risk budgeting portfolio exists"
    assert np.isnan(res.weights).all()


def test_indefinite_cov_without_psd_check_is_trusted():
    # check_psd=False trusts the matrix: this indefinite one (eigenvalue -0.8) still has a long-only
    # point with equal contributions, which is returned; the default check rejects it (bad-input test)
    corr = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    assert np.linalg.eigvalsh(corr)[0] < -0.7
    res = risk_parity(corr, check_psd=False)
    assert res.converged
    np.testing.assert_allclose(_relative(res.weights, corr), 1 / 3, rtol=RTOL_BUDGET)
    # and one with a long-only direction of negative variance ends with a status, not a crash
    neg = np.full((4, 4), -0.4333)
    np.fill_diagonal(neg, 1.0)
    res = risk_parity(neg, check_psd=False)
    assert not res.converged and np.isnan(res.weights).all()
    assert res.status in (rp_module._STATUS_TEXT[rp_module._UNBOUNDED], rp_module._STATUS_TEXT[rp_module._NOT_PSD])


# ----------------------------------------------------------------------------- compiled kernels vs Python


def test_kernels_match_their_python_versions(rng):
    n = 9
    cov = random_cov(rng, n)
    b = rng.uniform(0.1, 1.0, n)
    b /= b.sum()
    lo, hi = np.zeros(n), np.full(n, np.inf)
    x0 = np.sqrt(b / np.diag(cov))
    outs = []
    for f in (rp_module._sweep, rp_module._sweep.py_func):
        x, u = x0.copy(), np.empty(n)
        rp_module._upper_products(cov, x, u)
        ld, un = np.empty(n), np.empty(n)
        f(cov, b, lo, hi, x, u, ld, un)
        outs.append((x, u, ld))
    for a, c in zip(*outs):
        np.testing.assert_allclose(a, c, rtol=1e-15)  # both call the same compiled dot
    # and against a sweep written out in NumPy
    x, u = x0.copy(), cov @ x0
    for i in range(n):
        s = cov[i] @ x - cov[i, i] * x[i]
        x[i] = (-s + np.sqrt(s * s + 4 * cov[i, i] * b[i])) / (2 * cov[i, i])
    np.testing.assert_allclose(outs[0][0], x, rtol=1e-13)
    # the sweep leaves exact products: (C x)_i = lower_dot_i + C_ii x_i + u_i
    x, u, ld = outs[0]
    np.testing.assert_allclose(ld + np.diag(cov) * x + u, cov @ x, rtol=1e-13)

    # the small-matrix sweep (whole rows, C x kept up to date) makes the same coordinate steps
    for f in (rp_module._sweep_rows, rp_module._sweep_rows.py_func):
        x, cx = x0.copy(), cov @ x0
        f(cov, b, x, cx)
        np.testing.assert_allclose(x, outs[0][0], rtol=1e-13)
        np.testing.assert_allclose(cx, cov @ x, rtol=1e-13)
    cx = np.empty(n)
    rp_module._exact_products(cov, x0, cx)
    np.testing.assert_allclose(cx, cov @ x0, rtol=1e-14)

    # the one reassociated (fast-math) sum agrees with the sequential Python sum to rounding
    for m in (0, 1, 5, n):
        assert rp_module._dot_head(cov[3], x0, m) == pytest.approx(rp_module._dot_head.py_func(cov[3], x0, m), rel=1e-14)

    for args in ((0.3, 2.0, 0.5, 0.0, np.inf), (-4.0, 2.0, 0.5, 0.0, np.inf), (0.3, 2.0, 0.5, 0.4, 0.6)):
        assert rp_module._coordinate_min(*args) == pytest.approx(rp_module._coordinate_min.py_func(*args), rel=1e-15)
    s, cii, beta = -4.0, 2.0, 0.5
    t = rp_module._coordinate_min(s, cii, beta, 0.0, np.inf)
    assert cii * t + s - beta / t == pytest.approx(0.0, abs=1e-14)

    L = np.linalg.cholesky(cov)
    r = rng.normal(size=n)
    np.testing.assert_allclose(rp_module._cholesky_solve(L, r), np.linalg.solve(cov, r), rtol=1e-9)
    np.testing.assert_allclose(rp_module._cholesky_solve.py_func(L, r), rp_module._cholesky_solve(L, r), rtol=1e-14)

    for bounded in (False, True):
        lo_b = np.full(n, 0.02) if bounded else b
        hi_b = np.full(n, 0.2) if bounded else b
        results = []
        for f in (rp_module._risk_parity_kernel, rp_module._risk_parity_kernel.py_func):
            w, rel, bind = np.empty(n), np.empty(n), np.zeros(n, dtype=np.int64)
            out = f(cov, b, lo_b, hi_b, bounded, 1e-12, 1000, w, rel, bind)
            results.append((out, w, rel, bind))
        (o1, w1, r1, b1), (o2, w2, r2, b2) = results
        assert o1[:2] == o2[:2] and o1[4] == o2[4]
        np.testing.assert_allclose(w1, w2, rtol=1e-12)
        np.testing.assert_allclose(r1, r2, rtol=1e-11)
        np.testing.assert_array_equal(b1, b2)

    # the accelerated solve (from 150 assets), compiled and as Python
    big = random_cov(rng, 160)
    beta = np.full(160, 1 / 160)
    zero, inf = np.zeros(160), np.full(160, np.inf)
    solved = []
    for f in (rp_module._solve_barrier, rp_module._solve_barrier.py_func):
        x, cx = np.sqrt(beta / np.diag(big)), np.empty(160)
        solved.append((f(big, beta, zero, inf, False, x, cx, 1e-12, 1000), x, cx))
    (s1, x1, c1), (s2, x2, c2) = solved
    assert s1[:2] == s2[:2] and s1[0] == rp_module._OK
    np.testing.assert_allclose(x1, x2, rtol=1e-10)
    np.testing.assert_allclose(c1, big @ x1, rtol=1e-12)
    # Newton directions by CG preconditioned with the factor of a nearby Newton matrix
    d_old, d_new = rng.uniform(1, 2, 160), rng.uniform(1, 2, 160)
    L_old = np.linalg.cholesky(big + np.diag(d_old))
    rhs = rng.normal(size=160)
    dx = np.empty(160)
    assert rp_module._pcg_direction(big, d_new, L_old, rhs, dx, 1e-12, 50)
    np.testing.assert_allclose(dx, np.linalg.solve(big + np.diag(d_new), rhs), rtol=1e-9)
    assert not rp_module._pcg_direction(big, d_new * 50, L_old, rhs, dx, 1e-14, 1)  # too few iterations

    # the compiled Cholesky factorisation (lower triangle, in place) against LAPACK's
    for f in (rp_module._cholesky_in_place, rp_module._cholesky_in_place.py_func):
        for A in (big[:4, :4] + np.eye(4), cov, big[:70, :70]):
            L = A.copy()
            L[np.triu_indices(len(A), 1)] = np.nan  # the upper triangle is not read
            assert f(L)
            np.testing.assert_allclose(np.tril(L), np.linalg.cholesky(A), rtol=1e-12, atol=1e-15)
        assert not f(np.array([[1.0, 2.0], [2.0, 1.0]]))  # indefinite
    y = r.copy()
    L = np.linalg.cholesky(cov)
    rp_module._cholesky_solve_in_place(L, 1 / np.diag(L), y)
    np.testing.assert_allclose(y, np.linalg.solve(cov, r), rtol=1e-9)

    bad = cov.copy()
    bad[0, 1] = 1.0
    assert rp_module._check_cov(bad) == rp_module._check_cov.py_func(bad) == (2, 1, 0)

    # the compiled positive-definiteness test agrees with the eigenvalues
    for shift in (-1e-3, -1e-6, 1e-6, 1e-3):
        lam = np.linalg.eigvalsh(cov)
        shifted = cov + (shift - lam[0]) * np.eye(n)  # smallest eigenvalue = shift
        assert rp_module._is_positive_definite(shifted) == rp_module._is_positive_definite.py_func(shifted) == (shift > 0)


def _check_cov_rules(C):
    """:func:`_check_cov`'s documented rules in their order, with NumPy: (code, i, j)."""
    n = len(C)
    lower = np.tril_indices(n, -1)  # pairs (i, j < i), row by row
    nonfinite = np.argwhere(~np.isfinite(C))
    if len(nonfinite):
        return 1, *nonfinite[0]
    asym = np.abs(C - C.T)[lower] > SYMMETRY_RTOL * np.abs(C).max()
    if asym.any():
        k = np.argmax(asym)
        return 2, lower[0][k], lower[1][k]
    diag = np.diag(C)
    for i in range(n):
        if diag[i] <= 0.0:
            return (3 if diag[i] < 0.0 else 4), i, i
    mid = 0.5 * C + 0.5 * C.T
    beyond = (mid * mid - np.outer(diag * (1.0 + 1e-10), diag) > 0.0)[lower]
    if beyond.any():
        k = np.argmax(beyond)
        return 5, lower[0][k], lower[1][k]
    return (0 if np.array_equal(C, C.T) else -1), 0, 0


def test_entry_checks_follow_their_rules(rng):
    # the fast pass (pairs of rows, a tolerance from the largest variance) hands anything it flags to
    # the exact pass: together they must give the first problem by the rules, at odd and even sizes
    codes = set()
    for trial in range(400):
        n = int(rng.integers(1, 30)) if trial < 380 else int(rng.choice([101, 150]))
        C = random_cov(rng, n) if n > 1 else np.array([[0.04]])
        i, j = (int(k) for k in rng.integers(0, n, 2))
        kind = trial % 9
        if kind == 1:
            C[i, j] = rng.choice([np.nan, np.inf, -np.inf])
        elif kind == 2:
            C[i, j] *= 1 + rng.choice([1e-9, 1e-7, 1e-5])
        elif kind == 3:
            C[i, i] = -C[i, i]
        elif kind == 4:
            C[i, i] = 0.0
        elif kind == 5:
            C[i, j] = C[j, i] = rng.choice([-1.01, 1.01]) * np.sqrt(C[i, i] * C[j, j])
        elif kind == 6:
            C[i, j] = C[j, i] = 50 * C.max()  # an entry above every variance
        elif kind == 7:
            C[i, j] = C[j, i] = (1 + 0.6e-10) * np.sqrt(C[i, i] * C[j, j])  # within the 1e-10 slack
        elif kind == 8:
            C[i, j] += 5e-9 * np.abs(C).max()  # asymmetric within the tolerance, and a bad variance
            C[j, j] = 0.0 if rng.random() < 0.5 else np.nan
        expected = tuple(int(v) for v in _check_cov_rules(C))
        assert tuple(rp_module._check_cov(C)) == tuple(rp_module._check_cov.py_func(C)) == expected
        codes.add(expected[0])
    assert codes == {-1, 0, 1, 2, 3, 4, 5}


def test_chord_newton_steps_and_hand_over(rng):
    n = 12
    cov = random_cov(rng, n)
    beta = rng.uniform(0.2, 1.0, n)
    beta /= beta.sum()
    zero, inf = np.zeros(n), np.full(n, np.inf)
    # from a point near the solution: converges, compiled and as Python alike, to the barrier minimiser
    ref = risk_parity(cov, beta, tol=1e-15).weights
    x_star = ref * np.sqrt(1.0 / (ref @ cov @ ref))  # f is minimised along the ray at x'Cx = sum(beta) = 1
    x0 = x_star * (1 + 1e-3 * rng.standard_normal(n))
    outs = []
    for f in (rp_module._chord_newton, rp_module._chord_newton.py_func):
        x = x0.copy()
        cx = cov @ x
        err = rp_module._kkt_error(cov, beta, zero, inf, x, cx)
        outs.append((f(cov, beta, zero, inf, x, cx, err, 1e-13, 50), x, cx))
    (s1, x1, c1), (s2, x2, c2) = outs
    assert s1[0] == s2[0] == rp_module._OK and s1[1] == s2[1] and s1[1] <= 6
    np.testing.assert_allclose(x1, x_star, rtol=1e-12)
    np.testing.assert_allclose(x1, x2, rtol=1e-13)
    np.testing.assert_allclose(c1, cov @ x1, rtol=1e-13)
    np.testing.assert_allclose(c2, cov @ x2, rtol=1e-13)
    # one weight 100 times too large, positive correlations: the first Newton step (fresh factor) leaves
    # the positive orthant, so it hands over (-1) and leaves the point it started from (the line-search
    # Newton in _solve_barrier takes over; the ill-conditioned cvxpy oracle cases go through that too)
    vols = np.array([0.1, 0.2, 0.15, 0.3])
    cov = np.full((4, 4), 0.5) * np.outer(vols, vols)
    np.fill_diagonal(cov, vols**2)
    beta, zero, inf = np.full(4, 0.25), np.zeros(4), np.full(4, np.inf)
    w = (1 / vols) / np.sum(1 / vols)  # equal correlations: inverse volatility
    x = w / np.sqrt(w @ cov @ w)
    x[1] *= 100.0
    cx = cov @ x
    err = rp_module._kkt_error(cov, beta, zero, inf, x, cx)
    start = x.copy()
    assert rp_module._chord_newton(cov, beta, zero, inf, x, cx, err, 1e-13, 50) == (-1, 1, err)
    np.testing.assert_array_equal(x, start)
    np.testing.assert_allclose(cx, cov @ start, rtol=1e-15)


# ----------------------------------------------------------------------------- bad input


COV3 = [[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.16]]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"cov": [[0.04, 0.01], [0.01, 0.09], [0.0, 0.0]]}, InputError,
         "cov: expected a square matrix (n_assets x n_assets), got 3 x 2."),
        ({"cov": [[0.04, "x"], ["x", 0.09]]}, InputError,
         "cov: expected numbers, found text or an empty entry; enter numbers only."),
        ({"cov": [[0.04, np.nan], [np.nan, 0.09]]}, InputError,
         "cov: missing or non-finite value at row 1, column 2; fill in a number."),
        ({"cov": [[0.04, 0.01], [0.02, 0.09]]}, InputError,
         "cov: not symmetric (row 2, column 1 differs from row 1, column 2); copy the upper triangle to the lower."),
        ({"cov": [[0.04, 0.0], [0.0, -0.09]]}, InputError,
         "cov: variance of asset 2 is negative; variances must be > 0."),
        ({"cov": [[0.04, 0.0], [0.0, 0.0]]}, InputError,
         "cov: variance of asset 2 is zero; remove the asset (risk budgeting needs every variance > 0)."),
        ({"cov": [[0.04, 0.07], [0.07, 0.09]]}, InputError,
         "cov: not positive semi-definite (assets 1 and 2 have a correlation beyond +-1); check the entries."),
        ({"cov": [[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]]}, InputError,
         "cov: not positive semi-definite (smallest eigenvalue -0.8); check the entries or repair the covariance"),
        ({"cov": COV3, "budgets": [0.5, 0.5]}, InputError,
         "budgets: expected 3 values (one per asset, n_assets=3), got 2."),
        ({"cov": COV3, "budgets": [0.5, 0.0, 0.5]}, InputError,
         "budgets: budget of asset 2 is 0; every budget must be > 0 (drop the asset instead)."),
        ({"cov": COV3, "budgets": [0.5, 0.6, -0.1]}, InputError,
         "budgets: budget of asset 3 is -0.1; every budget must be > 0 (drop the asset instead)."),
        ({"cov": COV3, "budgets": [0.5, np.nan, 0.5]}, InputError,
         "budgets: missing or non-finite value at position 2; fill in a number."),
        ({"cov": COV3, "lower": [0.1, -0.1, 0.1]}, InputError,
         "lower: must be >= 0 (long-only), got -0.1 for asset 2."),
        ({"cov": COV3, "upper": [0.5, 0.0, 0.5]}, InputError,
         "upper: must be > 0 (every asset gets a positive weight), got 0 for asset 2."),
        ({"cov": COV3, "lower": [0.1, 0.6, 0.1], "upper": [0.5, 0.5, 0.5]}, InfeasibleError,
         "lower: 0.6 is above upper 0.5 for asset 2; swap or fix them."),
        ({"cov": COV3, "lower": 0.4}, InfeasibleError,
         "lower: bounds sum to 1.2 > 1, so no fully invested portfolio fits; lower them."),
        ({"cov": COV3, "upper": 0.3}, InfeasibleError,
         "upper: bounds sum to 0.9 < 1, so no fully invested portfolio fits; raise them."),
        ({"cov": COV3, "lower": [0.1, 0.1]}, InputError,
         "lower: expected 3 values (one per asset, n_assets=3), got 2."),
        ({"cov": COV3, "tol": 0.0}, InputError, "tol: must be >= 1e-15, got 0."),
        ({"cov": COV3, "tol": "x"}, InputError, "tol: expected a number, got str."),
        ({"cov": COV3, "max_iter": 0}, InputError, "max_iter: must be >= 1, got 0."),
        ({"cov": COV3, "max_iter": 2.5}, InputError, "max_iter: expected a whole number, got 2.5."),
    ],
)
def test_bad_input_messages(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        risk_parity(**kwargs)


def test_inverse_volatility_bad_input():
    with pytest.raises(InputError, match=re.escape("cov: variance of asset 1 is zero; remove the asset")):
        inverse_volatility([[0.0, 0.0], [0.0, 0.04]])
