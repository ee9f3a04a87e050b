"""Bounded risk parity by Newton on the weights and lam together (issue 21): the same answers as the lam
search it replaced, an independent SciPy solver, the certificate, and the issue's sizes (slow)."""

import numpy as np
import pytest

from kernels import risk_parity
from kernels._jit import PURE_PYTHON
from kernels.risk_budgeting.bounds import _lam_search
from kernels.risk_budgeting.joint import _joint_newton
from kernels.risk_budgeting.status import _OK, _OK_ROUNDING
from tests.conftest import factor_cov
from tests.naive import (
    bounded_risk_budgeting_scipy,
    risk_parity_certificate,
    t_factor_cov,
)
from tests.tolerances import ATOL_SCIPY_BARRIER, RTOL_BUDGET, RTOL_JOINT_NEWTON


def _box(n, low=0.6, high=1.5):
    return np.full(n, low / n), np.full(n, high / n)


def _lam_search_weights(cov, budgets, lower, upper, tol=1e-12):
    """The weights of the one-dimensional lam search (the method before issue 21), from the unbounded ones."""
    b = np.asarray(budgets, dtype=float) / np.sum(budgets)
    x = risk_parity(cov, b).weights.copy()
    cx = cov @ x
    solve = _lam_search(np.ascontiguousarray(cov), b, lower, upper, tol, 1000, x, cx)
    assert solve.status in (_OK, _OK_ROUNDING)
    return x / x.sum()


def _problem(seed, n):
    rng = np.random.default_rng(seed)
    cov = factor_cov(rng, n) if seed % 2 else t_factor_cov(n, seed, n_obs=max(2 * n, 60))
    budgets = rng.uniform(0.5, 2.0, n) if seed % 3 == 0 else np.ones(n)
    low, high = rng.uniform(0.3, 0.8), rng.uniform(1.2, 2.0)
    return cov, budgets, *_box(n, low, high)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n", [8, 40])
def test_joint_newton_gives_the_lam_search_answer(seed, n):
    cov, budgets, lower, upper = _problem(seed, n)
    res = risk_parity(cov, budgets, lower=lower, upper=upper)
    assert res.converged, res.status
    np.testing.assert_allclose(res.weights, _lam_search_weights(cov, budgets, lower, upper),
                               rtol=RTOL_JOINT_NEWTON, atol=RTOL_JOINT_NEWTON / n)
    sum_error, outside, budget_error = risk_parity_certificate(cov, res.weights, budgets, lower, upper)
    assert sum_error <= 1e-14 and outside == 0.0 and budget_error <= RTOL_BUDGET


@pytest.mark.parametrize("seed", range(3))
def test_bounded_against_scipy_lbfgsb_and_brent(seed):
    n = 25
    cov, budgets, lower, upper = _problem(seed, n)
    res = risk_parity(cov, budgets, lower=lower, upper=upper)
    assert res.converged and (res.binding != 0).any()
    oracle = bounded_risk_budgeting_scipy(cov, budgets, lower, upper)
    np.testing.assert_allclose(res.weights * n, oracle * n, atol=ATOL_SCIPY_BARRIER)


def test_joint_newton_compiled_and_as_python_agree():
    n = 30
    cov, budgets, lower, upper = _problem(4, n)
    b = budgets / budgets.sum()
    x0 = np.clip(risk_parity(cov, b).weights, lower, upper)
    out = []
    for kernel in (_joint_newton, _joint_newton.py_func):
        x, cx = x0.copy(), np.empty(n)
        solve = kernel(np.ascontiguousarray(cov), b, lower, upper, x, cx, 1e-12, 100)
        assert solve.status == _OK
        out.append((x, solve))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12)
    assert out[0][1].n_iter == out[1][1].n_iter


def test_a_lower_bound_of_zero_keeps_weights_positive():
    n = 30
    cov = t_factor_cov(n, 3, n_obs=200)
    res = risk_parity(cov, lower=0.0, upper=1.2 / n)
    assert res.converged, res.status
    assert np.all(res.weights > 0.0) and np.all(res.weights <= 1.2 / n + 1e-15)
    assert risk_parity_certificate(cov, res.weights, np.ones(n), 0.0, 1.2 / n)[2] <= RTOL_BUDGET


@pytest.mark.parametrize("max_iter", [1, 2, 3, 5, 8])
def test_converged_with_few_iterations_only_when_the_certificate_holds(max_iter):
    # few Newton steps, then the lam search with as few per step: converged or not, never a false claim
    n = 60
    cov = t_factor_cov(n, 5, n_obs=300)
    lower, upper = _box(n)
    res = risk_parity(cov, lower=lower, upper=upper, max_iter=max_iter)
    sum_error, outside, budget_error = risk_parity_certificate(cov, res.weights, np.ones(n), lower, upper)
    certified = sum_error <= 1e-13 and outside <= 1e-12 and budget_error <= 1e-12
    assert res.converged == certified, res.status


@pytest.mark.slow
@pytest.mark.skipif(PURE_PYTHON, reason="hundreds of assets in plain Python: minutes")
def test_issue_sizes_against_the_lam_search_and_the_certificate():
    # the issue's data at 300 assets against the lam search (which takes seconds there), then 1,000 assets
    # (the search took 14 s) against the certificate
    n = 300
    cov = t_factor_cov(n)
    lower, upper = _box(n)
    res = risk_parity(cov, lower=lower, upper=upper)
    assert res.converged and (res.binding != 0).sum() > n // 5
    np.testing.assert_allclose(res.weights, _lam_search_weights(cov, np.ones(n), lower, upper),
                               rtol=RTOL_JOINT_NEWTON)
    n = 1000
    cov = t_factor_cov(n)
    lower, upper = _box(n)
    res = risk_parity(cov, lower=lower, upper=upper, check_psd=False)
    assert res.converged, res.status
    sum_error, outside, budget_error = risk_parity_certificate(cov, res.weights, np.ones(n), lower, upper)
    assert sum_error <= 1e-13 and outside == 0.0 and budget_error <= RTOL_BUDGET
