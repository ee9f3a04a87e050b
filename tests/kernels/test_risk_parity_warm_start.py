"""The warm start of bounded risk parity (coordinate sweeps with lam rescaled, before the joint Newton
iteration): it keeps the weights in the box, stops as it says, compiled and Python agree, and the
Newton iteration from it gives the answer of the lam search (an independent method) and of cvxpy."""

import numpy as np
import pytest

from kernels import risk_parity
from kernels.risk_budgeting.bounds import _lam_search
from kernels.risk_budgeting.descent import _solve_barrier
from kernels.risk_budgeting.joint import _joint_newton, _warm_sweeps
from kernels.risk_budgeting.status import _OK, _OK_ROUNDING
from tests.naive import risk_parity_certificate, t_factor_cov
from tests.tolerances import RTOL_BUDGET, RTOL_JOINT_NEWTON


def _clipped_start(cov, lo, hi):
    """The unbounded weights to a budget error of 1e-4 (1e-2 from 150 assets), clipped to the box (what the
    kernel starts from)."""
    n = cov.shape[0]
    b = np.full(n, 1.0 / n)
    x = np.sqrt(b / np.diag(cov))
    cx = np.empty(n)
    _solve_barrier(cov, b, np.zeros(n), np.full(n, np.inf), False, x, cx, 1e-4 if n < 150 else 1e-2, 1000)
    return b, np.clip(x / x.sum(), lo, hi)


@pytest.mark.parametrize("n", [30, 120])
def test_warm_sweeps_stay_in_the_box_and_agree_with_python(n):
    cov = t_factor_cov(n, seed=n, n_obs=4 * n)
    lo, hi = np.full(n, 0.6 / n), np.full(n, 1.5 / n)
    b, x0 = _clipped_start(cov, lo, hi)
    x, y = x0.copy(), x0.copy()
    k = _warm_sweeps(cov, b, lo, hi, x, 20)
    k_py = _warm_sweeps.py_func(cov, b, lo, hi, y, 20)
    assert 1 <= k <= 20 and k == k_py
    assert np.all(x >= lo) and np.all(x <= hi)
    np.testing.assert_allclose(x, y, rtol=1e-12, atol=0.0)
    assert _warm_sweeps(cov, b, lo, hi, x0.copy(), 3) <= 3


@pytest.mark.parametrize("seed", range(4))
def test_newton_from_the_warm_start_gives_the_lam_search_answer(seed):
    n = 150
    cov = t_factor_cov(n, seed=seed, n_obs=600)
    lo, hi = np.full(n, 0.6 / n), np.full(n, 1.5 / n)
    b, x = _clipped_start(cov, lo, hi)
    _warm_sweeps(cov, b, lo, hi, x, 20)
    cx = np.empty(n)
    solve = _joint_newton(cov, b, lo, hi, x, cx, 1e-12, 1000)
    assert solve.status in (_OK, _OK_ROUNDING)
    # the lam search: a one-dimensional root search, each step a box-constrained barrier solve
    z = risk_parity(cov, check_psd=False).weights.copy()
    search = _lam_search(cov, b, lo, hi, 1e-12, 1000, z, cov @ z)
    assert search.status in (_OK, _OK_ROUNDING)
    np.testing.assert_allclose(x / x.sum(), z / z.sum(), rtol=RTOL_JOINT_NEWTON, atol=RTOL_JOINT_NEWTON / n)
    res = risk_parity(cov, lower=lo, upper=hi)
    assert res.converged, res.status
    np.testing.assert_allclose(res.weights, z / z.sum(), rtol=RTOL_JOINT_NEWTON, atol=RTOL_JOINT_NEWTON / n)
    sum_error, outside, budget_error = risk_parity_certificate(cov, res.weights, np.ones(n), lo, hi)
    assert sum_error <= 1e-14 and outside == 0.0 and budget_error <= RTOL_BUDGET
