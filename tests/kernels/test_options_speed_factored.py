"""The optimiser options' speed work of issue 16 (session 5): nothing inverted, nothing factorised twice.

* The compiled box loops solve a set in the range space through validation's Cholesky factor
  (``kernels.mean_variance.box_range``) instead of a ``Q^-1`` formed by LAPACK: the same sets and weights
  as the free-block (null-space) form and as the old kernel on ``C^-1``, compiled and as plain Python.
* The small minimum variance runs that loop at ``lam = 0`` (``box_small._min_variance_small``).
* ``regularised._regularised`` factorises ``C + gamma I`` with LAPACK (a failure is a fallback, not an
  exception) and skips the condition estimate only where the shift proves it would pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from kernels import efficient_portfolio, min_variance
from kernels.errors import InputError
from kernels.mean_variance import box_active_set, box_small
from kernels.mean_variance.box_active_set import MAX_CONDITION, _equality_active_set
from kernels.mean_variance.constraints import _problem
from kernels.mean_variance.portfolios import BOX_ACTIVE_SET, CRITICAL_LINE
from kernels.mean_variance.regularised import _regularised
from tests.naive import (
    cvxpy_options,
    kkt_violation_box,
    random_box_problem,
    random_problem,
)
from tests.tolerances import (
    ATOL_EXACT,
    ATOL_ORACLE_WEIGHTS,
    RTOL_CLOSED_FORM,
    RTOL_KKT,
    RTOL_SOLVE_PATHS,
)


def _factor(C):
    return scipy.linalg.lapack.dpotrf(C.T, lower=1, clean=1)[0]


def _small(seed):
    """A random box problem, at most 60 assets (the kernels also run as Python here)."""
    C, lower, upper = random_box_problem(seed)
    n = min(C.shape[0], 60)
    return np.ascontiguousarray(C[:n, :n]), lower[:n], upper[:n] * max(1.0, 1.05 / upper[:n].sum())


@pytest.mark.parametrize("seed", range(16))
def test_range_and_free_forms_agree(seed):
    """One box QP through the factor (range space where cheaper) and by free blocks only: same set, same
    weights, compiled and as plain Python."""
    C, lower, upper = _small(seed)
    n = C.shape[0]
    mu = np.random.default_rng(seed).normal(0.06, 0.04, n)
    lam = [0.0, 0.05, 0.5, 3.0][seed % 4]
    out = []
    for L in (_factor(C), None):
        for f in (box_small._box_solve_small, box_small._box_solve_small.py_func):
            state = np.where(lower == upper, -1, 0).astype(np.int64)
            bufs = [np.empty(n) for _ in range(4)]
            res = f(C, box_small._workspace(L, mu), mu, 1.0, 0.0, lam, lower, upper, state, 50, *bufs)
            out.append((res, state, bufs))
    ref_res, ref_state, ref_bufs = out[0]
    for res, state, bufs in out[1:]:
        assert res[0] == ref_res[0]
        if res[0] != box_small.SOLVED:
            continue
        np.testing.assert_array_equal(state, ref_state)
        np.testing.assert_allclose(res[1:3], ref_res[1:3], rtol=RTOL_SOLVE_PATHS, atol=1e-13)  # nu0, nu1
        for x, y in zip(bufs[:2], ref_bufs[:2]):  # w0, w1
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(16))
def test_small_min_variance_matches_the_inverse_kernel(seed):
    """The minimum variance through the factor against the compiled loop on ``C^-1`` it replaces, and its
    KKT conditions checked in plain NumPy."""
    C, lower, upper = _small(seed)
    n = C.shape[0]
    outcome, n_iter, nu, w, state = box_small._min_variance_small(C, _factor(C), lower, upper, 50)
    old = _equality_active_set(np.ascontiguousarray(np.tril(np.linalg.inv(C))), np.ones(n), lower, upper, 50,
                               np.empty(n), np.empty(n, dtype=np.int64))
    if old.status != 0:
        assert outcome != box_small.SOLVED
        return
    assert outcome == box_small.SOLVED
    assert n_iter == old.n_iter  # the same sets, one after the other
    np.testing.assert_array_equal(state, old.state)
    np.testing.assert_allclose(w, old.weights, rtol=0, atol=1e-12)
    assert nu == pytest.approx(old.gamma, rel=1e-10)
    assert kkt_violation_box(C, w, lower, upper) <= RTOL_KKT


@pytest.mark.parametrize("seed", range(8))
def test_small_min_variance_against_clarabel(seed):
    pytest.importorskip("cvxpy")
    p = random_problem(seed, [20, 60, 100, 140][seed % 4], long_short=seed % 2 == 1)
    for gamma in (0.0, 0.1):
        res = min_variance(p.cov, p.lower, p.upper, gamma=gamma)
        assert res.method == BOX_ACTIVE_SET
        np.testing.assert_allclose(res.weights, cvxpy_options(p, "min_variance", gamma=gamma), atol=ATOL_ORACLE_WEIGHTS)


@pytest.mark.parametrize("seed", range(24))
def test_regularised_factor_and_proven_condition(seed):
    """``C + gamma I`` factorised by LAPACK; where the shift proves the condition number, LAPACK's estimate
    agrees that it is within the limit (with room: the proof keeps a factor 2)."""
    rng = np.random.default_rng(seed)
    C, lower, upper = random_box_problem(seed)
    gamma = float(10.0 ** rng.uniform(-8, 0))
    prob = _problem(C, None, lower, upper, None, None, None, None)
    reg = _regularised(prob, gamma)
    Q = C + gamma * np.eye(C.shape[0])
    np.testing.assert_allclose(reg.cov, Q, rtol=0, atol=0)
    np.testing.assert_allclose(reg.chol @ reg.chol.T, Q, rtol=0, atol=RTOL_CLOSED_FORM * float(np.max(np.diag(Q))))
    rcond = scipy.linalg.lapack.dpocon(reg.chol, scipy.linalg.lapack.dlange("1", Q.T), uplo="L")[0]
    if reg.conditioned:
        assert rcond * MAX_CONDITION >= 2.0
    assert (box_active_set._certified_factor(Q, reg.chol) is not None) == (rcond * MAX_CONDITION >= 1.0)
    assert _regularised(prob, 0.0) is prob


def test_tiny_gamma_on_a_singular_covariance_falls_back():
    """``C + gamma I`` with no Cholesky factor (a singular ``C``, gamma below its rounding): the exact path
    answers, as without L2 (NumPy's factorisation raised LinAlgError here)."""
    p = random_problem(3, 12, singular=True)
    got = min_variance(p.cov, p.lower, p.upper, gamma=1e-300)
    want = min_variance(p.cov, p.lower, p.upper)
    assert got.method == want.method == CRITICAL_LINE
    np.testing.assert_allclose(got.weights, want.weights, rtol=0, atol=ATOL_EXACT)
    ut = efficient_portfolio(p.mu, p.cov, risk_aversion=2.0, gamma=1e-300, lower=p.lower, upper=p.upper)
    np.testing.assert_allclose(ut.weights, efficient_portfolio(p.mu, p.cov, risk_aversion=2.0, lower=p.lower,
                                                               upper=p.upper).weights, rtol=0, atol=ATOL_EXACT)


@pytest.mark.parametrize("n", [20, 100, 500])
def test_l2_still_refuses_a_covariance_that_is_not_psd(n):
    """Only ``C + gamma I`` is solved, but ``C`` itself is checked, with the same message."""
    C = random_problem(n, n).cov
    C[0, 1] = C[1, 0] = 2.0 * np.sqrt(C[0, 0] * C[1, 1])  # correlation 2: an eigenvalue well below 0
    mu = np.full(n, 0.05)
    with pytest.raises(InputError, match=r"^cov: not positive semi-definite \(smallest eigenvalue -"):
        min_variance(C, gamma=0.1)
    with pytest.raises(InputError, match=r"^cov: not positive semi-definite \(smallest eigenvalue -"):
        efficient_portfolio(mu, C, target_return=0.05, gamma=0.1)
    with pytest.raises(InputError, match=r"^cov: not positive semi-definite \(smallest eigenvalue -"):
        efficient_portfolio(mu, C, risk_aversion=2.0, gamma=0.1)
