"""Tests for the Cholesky-factored KKT solves of kernels/mean_variance/box_active_set.py (large problems).

From ``FACTORED_FROM`` assets the box active set reuses validation's Cholesky factor and solves each
KKT system either through ``Y = L^-1 E_B`` (range space) or by factorising the free block (null
space). Both forms are forced here on every random problem, whatever its size, and checked against
the exact general path (the critical line); the triangular helpers against NumPy.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.linalg

import kernels.mean_variance.box_active_set as box
from kernels import max_sharpe, min_variance
from kernels._validate import as_factored_covariance, check_psd
from kernels.mean_variance.status import Status
from tests.naive import (
    exact_max_sharpe,
    exact_min_variance,
    kkt_violation_box,
    random_box_problem,
    random_sharpe_problem,
)
from tests.tolerances import ATOL_EXACT, RTOL_KKT

N_RANDOM = 80
#: "range": always through Y = L^-1 E_B; "free": always factorise C_FF; "auto": by flop count.
FORMS = {"range": lambda *a: False, "free": lambda *a: True, "auto": box._prefer_free_set}


@functools.cache
def min_variance_reference(seed):
    """The exact general path's answer to ``random_box_problem(seed)`` (the same for every form)."""
    return exact_min_variance(*random_box_problem(seed))


@functools.cache
def max_sharpe_reference(seed):
    """The exact general path's answer to ``random_sharpe_problem(seed)`` (the same for every form)."""
    C, mu, rf = random_sharpe_problem(seed)
    with pytest.MonkeyPatch.context() as monkeypatch:
        return exact_max_sharpe(monkeypatch, mu, C, rf)


@pytest.fixture(params=sorted(FORMS))
def form(request, monkeypatch):
    """Every problem through the factored solver, in the KKT form named by the parameter."""
    monkeypatch.setattr(box, "FACTORED_FROM", 1)
    monkeypatch.setattr(box, "_prefer_free_set", FORMS[request.param])
    return request.param


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_min_variance_equals_exact_path(seed, form):
    C, lower, upper = random_box_problem(seed)
    w = box._min_variance_box(C, lower, upper)
    assert w is not None  # well-conditioned: certified in every form
    ref = min_variance_reference(seed)
    np.testing.assert_allclose(w, ref.weights, rtol=0, atol=ATOL_EXACT)
    got = min_variance(C, lower, upper)  # through validation, which hands over its factor
    np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert abs(got.volatility**2 - ref.volatility**2) <= ATOL_EXACT
    assert kkt_violation_box(C, got.weights, lower, upper) <= RTOL_KKT


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_max_sharpe_equals_exact_path(seed, form):
    C, mu, rf = random_sharpe_problem(seed)
    ref = max_sharpe_reference(seed)
    got = max_sharpe(mu, C, rf)
    np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert abs(got.sharpe_ratio - ref.sharpe_ratio) <= ATOL_EXACT


@pytest.mark.parametrize("seed", range(12))
def test_forms_agree_with_the_inverse_kernel(seed, monkeypatch):
    """The compiled kernel on ``C^-1`` (small problems) and the factored solver: same weights, same set."""
    C, lower, upper = random_box_problem(seed)
    monkeypatch.setattr(box, "FACTORED_FROM", 10**9)
    small = box._equality_box(C, np.ones(C.shape[0]), lower, upper, 50, None)
    monkeypatch.setattr(box, "FACTORED_FROM", 1)
    large = box._equality_box(C, np.ones(C.shape[0]), lower, upper, 50, None)
    assert small.status == large.status == Status.OK
    assert small.gamma == pytest.approx(large.gamma, rel=1e-10)
    np.testing.assert_allclose(small.weights, large.weights, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(small.state, large.state)


def test_both_forms_are_taken_by_the_flop_count():
    assert not box._prefer_free_set(500, 0, 0)  # nothing bound yet: two triangular solves
    assert not box._prefer_free_set(500, 80, 80)  # few bound: columns of L^-1
    assert box._prefer_free_set(500, 460, 460)  # few free: factorise the 40 x 40 free block


@pytest.mark.parametrize(
    "n, idx",
    [(1, [0]), (7, [6]), (9, [0, 8]), (40, [0, 1, 2, 3, 4]), (200, list(range(3, 200, 7))), (64, [5, 9, 33, 63])],
)
def test_unit_solves_match_numpy(n, idx):
    rng = np.random.default_rng(n)
    A = rng.normal(size=(n, n))
    L = np.asfortranarray(np.linalg.cholesky(A @ A.T + n * np.eye(n)))
    idx = np.asarray(idx, dtype=np.int64)
    out = np.full((n, idx.size), np.nan, order="F")
    box._unit_solves(L, idx, out)
    ref = scipy.linalg.solve_triangular(L, np.eye(n)[:, idx], lower=True)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)
    assert np.all(out[np.arange(n)[:, None] < idx[None, :]] == 0.0)  # zero above each index


def test_validation_factor_is_the_cholesky_factor():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(30, 30))
    C = A @ A.T / 30 + 0.1 * np.eye(30)
    cov, L = as_factored_covariance(C)
    assert L.flags.f_contiguous
    np.testing.assert_array_equal(np.triu(L, 1), 0.0)
    np.testing.assert_allclose(L @ L.T, cov, rtol=0, atol=1e-14)
    np.testing.assert_allclose(L, np.linalg.cholesky(cov), rtol=1e-13, atol=1e-15)
    # reusing the factor changes nothing in the answer
    lo, hi = np.zeros(30), np.full(30, 0.2)
    np.testing.assert_array_equal(box._min_variance_box(cov, lo, hi, chol=L), box._min_variance_box(cov, lo, hi))


def test_singular_covariance_has_no_factor():
    x = np.array([1.0, 2.0, 3.0])
    assert check_psd(np.outer(x, x), "cov") is None  # PSD, rank one: eigenvalues decide, no factor
    assert as_factored_covariance(np.outer(x, x)).chol is None
    assert as_factored_covariance(np.eye(3), check_psd_=False).chol is None
