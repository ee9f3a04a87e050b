"""Bounded risk parity's diagonally preconditioned conjugate gradients (issue 21): the solver against
LAPACK, compiled against its Python loops, and the joint Newton iteration that uses it against the same
iteration without it, the lam search and cvxpy/Clarabel."""

import types

import numpy as np
import pytest

from kernels import risk_parity
from kernels._jit import PURE_PYTHON, jit
from kernels.risk_budgeting import joint
from kernels.risk_budgeting.newton import _jacobi_cg
from tests.conftest import random_cov
from tests.naive import risk_parity_certificate, t_factor_cov
from tests.tolerances import RTOL_BUDGET, RTOL_JOINT_NEWTON


@pytest.mark.parametrize("k", [1, 2])
def test_jacobi_cg_solves_the_shifted_systems(rng, k):
    n = 60
    H = random_cov(rng, n)
    shift = rng.uniform(0.5, 2.0, n) * np.diag(H)
    Y = rng.normal(size=(n, k))
    expected = np.linalg.solve(H + np.diag(shift), Y)
    for f in (_jacobi_cg, _jacobi_cg.py_func):
        got = Y.copy()
        assert f(H, shift, got, 1e-13, 200)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())
    # too few passes: it says so
    assert not _jacobi_cg(H, shift * 1e-3, Y.copy(), 1e-14, 2)


def test_jacobi_cg_on_a_zero_right_hand_side(rng):
    n = 20
    H = random_cov(rng, n)
    Y = np.zeros((n, 2))
    Y[:, 1] = rhs = rng.normal(size=n)
    assert _jacobi_cg(H, np.zeros(n), Y, 1e-12, 100)
    assert np.all(Y[:, 0] == 0.0)
    np.testing.assert_allclose(H @ Y[:, 1], rhs, rtol=1e-8, atol=1e-10)


def _joint_without_jacobi():
    """:func:`joint._joint_newton` compiled (uncached) as it was before: every system by a factor."""
    f = joint._joint_newton.py_func
    g = types.FunctionType(f.__code__, {**f.__globals__, "_JACOBI_FROM": 1 << 60}, f.__name__)
    return g if PURE_PYTHON else jit(cache=False)(g)


@pytest.mark.slow
@pytest.mark.skipif(PURE_PYTHON, reason="hundreds of assets in plain Python: minutes")
def test_joint_newton_with_and_without_jacobi_and_against_clarabel():
    cp = pytest.importorskip("cvxpy")
    n = 400
    cov = t_factor_cov(n, seed=7)
    b = np.full(n, 1.0 / n)
    lo, hi = np.full(n, 0.6 / n), np.full(n, 1.5 / n)
    start = np.clip(risk_parity(cov, check_psd=False).weights, lo, hi)
    answers = []
    for solve in (joint._joint_newton, _joint_without_jacobi()):
        x, cx = start.copy(), np.empty(n)
        joint._warm_sweeps(cov, b, lo, hi, x, 20)
        res = solve(cov, b, lo, hi, x, cx, 1e-12, 1000)
        assert res.status == 0 and res.error <= 1e-12
        answers.append(x.copy())
    x1, x2 = answers
    np.testing.assert_allclose(x1, x2, rtol=RTOL_JOINT_NEWTON, atol=0.0)
    res = risk_parity(cov, lower=lo, upper=hi)
    assert res.converged and (res.binding != 0).sum() > n // 5, res.status
    np.testing.assert_allclose(res.weights, x1, rtol=RTOL_JOINT_NEWTON, atol=0.0)
    sum_error, outside, budget_error = risk_parity_certificate(cov, res.weights, np.ones(n), lo, hi)
    assert sum_error <= 1e-14 and outside == 0.0 and budget_error <= RTOL_BUDGET
    # Clarabel on the box-constrained barrier problem for the lam of the answer (an oracle we did not
    # write), scaled by 1 / lam so that its terms are of order 1 (its tolerances are absolute)
    lam = float(np.median((x1 * (cov @ x1) / b)[res.binding == 0]))
    w = cp.Variable(n)
    factor = np.linalg.cholesky(cov / lam)
    objective = 0.5 * cp.sum_squares(factor.T @ w) - cp.sum(cp.multiply(b, cp.log(w)))
    cp.Problem(cp.Minimize(objective), [w >= lo, w <= hi]).solve(solver=cp.CLARABEL)
    assert np.abs(w.value - x1).max() <= 1e-4 * x1.max()
