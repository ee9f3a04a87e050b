"""Correlation conversion, PSD detection and Higham's nearest correlation matrix."""

import numpy as np
import pytest

from kernels import (
    InputError,
    as_correlation,
    correlation_from_covariance,
    covariance_from_correlation,
    nearest_correlation,
)
from kernels import correlation as corr_module
from tests.conftest import random_cov

# Higham (2002), section 4: the nearest correlation matrix to [[1,1,0],[1,1,1],[0,1,1]]
HIGHAM_INPUT = [[1, 1, 0], [1, 1, 1], [0, 1, 1]]
HIGHAM_RESULT = [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]


def test_round_trip_covariance_correlation():
    rng = np.random.default_rng(1)
    cov = random_cov(rng, 12)
    corr = correlation_from_covariance(cov)
    vols = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(corr, cov / np.outer(vols, vols), rtol=1e-13)
    np.testing.assert_allclose(covariance_from_correlation(vols, corr), cov, rtol=1e-12)


def test_higham_published_example():
    result = nearest_correlation(HIGHAM_INPUT)
    np.testing.assert_allclose(result.correlation, HIGHAM_RESULT, atol=5e-5)
    assert result.converged and result.min_eigenvalue == pytest.approx(1 - np.sqrt(2))
    assert np.linalg.eigvalsh(result.correlation)[0] > -1e-10


def test_nearest_correlation_is_nearest_against_cvxpy():
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(7)
    for _ in range(5):
        n = 6
        a = rng.uniform(-1, 1, (n, n))
        a = (a + a.T) / 2
        np.fill_diagonal(a, 1.0)
        x = cp.Variable((n, n), PSD=True)
        prob = cp.Problem(cp.Minimize(cp.norm(x - a, "fro")), [cp.diag(x) == 1])
        prob.solve(solver=cp.CLARABEL)
        ours = nearest_correlation(a)
        # Clarabel's matrix is infeasible by ~3e-9 (smallest eigenvalue), which lowers its objective by ~1e-9:
        # agreement to 1e-7, and ours is converged (a 100x tighter tolerance moves it by < 1e-10)
        assert ours.distance == pytest.approx(prob.value, rel=1e-7)
        assert nearest_correlation(a, tol=1e-14).distance == pytest.approx(ours.distance, rel=1e-10)
        assert np.linalg.eigvalsh(ours.correlation)[0] > -1e-10
        np.testing.assert_allclose(np.diag(ours.correlation), 1.0, atol=1e-15)
        # Clarabel's SDP solutions are accurate to ~1e-5 entrywise; the distance check above is the tight one
        np.testing.assert_allclose(ours.correlation, x.value, atol=1e-4)


def test_nearest_correlation_positive_definite_floor_and_psd_input_unchanged():
    r = nearest_correlation(HIGHAM_INPUT, min_eigenvalue=1e-6)
    assert np.linalg.eigvalsh(r.correlation)[0] > 0
    np.testing.assert_allclose(np.diag(r.correlation), 1.0)
    good = [[1.0, 0.3], [0.3, 1.0]]
    same = nearest_correlation(good)
    assert same.n_iter == 0 and np.array_equal(same.correlation, good)


def test_kernel_matches_python_version():
    a = np.array(HIGHAM_INPUT, float)
    y1, n1, c1 = corr_module._higham_nearest_correlation(a, 1e-10, 500, 0.0)
    y2, n2, c2 = corr_module._higham_nearest_correlation.py_func(a, 1e-10, 500, 0.0)
    np.testing.assert_allclose(y1, y2, atol=1e-12)
    assert (n1, c1) == (n2, c2)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: as_correlation(HIGHAM_INPUT),
         r"correlation: not positive semi-definite \(smallest eigenvalue -0.414\); .*nearest_correlation"),
        (lambda: as_correlation([[1, 0.2], [0.2, 0.9]]), r"correlation: diagonal entry 2 is 0.9"),
        (lambda: as_correlation([[1, 1.2], [1.2, 1]]), r"correlation: entry at row 1, column 2 is 1.2"),
        (lambda: covariance_from_correlation([0.1, -0.2], [[1, 0], [0, 1]]), r"vols: volatility 2 is negative"),
        (lambda: covariance_from_correlation([0.1, 0.2, 0.3], [[1, 0], [0, 1]]),
         r"correlation: is 2 x 2 but there are 3 volatilities"),
        (lambda: correlation_from_covariance([[0.04, 0], [0, 0]]), r"cov: asset 2 has zero variance"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InputError, match=message):
        call()
