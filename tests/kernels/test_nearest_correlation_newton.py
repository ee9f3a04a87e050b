"""Nearest correlation by Qi & Sun's Newton method (issue 21): Higham's published example, alternating
projections (ours before, and a plain NumPy version), the optimality properties, both modes, large sizes."""

import numpy as np
import pytest

from kernels import InputError, nearest_correlation
from kernels import correlation as corr_module
from kernels._jit import PURE_PYTHON
from tests.naive import nearest_correlation_dykstra, noisy_correlation
from tests.tolerances import ATOL_NEAREST_PSD, RTOL_NEAREST_CORRELATION

# Higham (2002), section 4: the nearest correlation matrix to [[1,1,0],[1,1,1],[0,1,1]], printed to 4 decimals
HIGHAM_INPUT = [[1, 1, 0], [1, 1, 1], [0, 1, 1]]
HIGHAM_RESULT = [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]
# Higham's 4 x 4 example (diagonal 2, so the public function, which wants a unit diagonal, refuses it) and
# its nearest correlation matrix to 10 decimals, as QuantLib's test-suite (covariance.cpp, "M5"/"M6") and
# NAG's g02aa example print it
HIGHAM_4 = [[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]]
HIGHAM_4_NEAREST = [[1.0, -0.8084124981, 0.1915875019, 0.106775049],
                    [-0.8084124981, 1.0, -0.6562326948, 0.1915875019],
                    [0.1915875019, -0.6562326948, 1.0, -0.8084124981],
                    [0.106775049, 0.1915875019, -0.8084124981, 1.0]]


def _relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def _assert_optimal_properties(res, a):
    x = res.correlation
    np.testing.assert_array_equal(x, x.T)
    np.testing.assert_array_equal(np.diag(x), 1.0)
    assert np.linalg.eigvalsh(x)[0] >= -ATOL_NEAREST_PSD
    assert res.distance == pytest.approx(np.linalg.norm(x - a), rel=1e-14)


def test_highams_three_by_three_example():
    res = nearest_correlation(HIGHAM_INPUT)
    np.testing.assert_allclose(res.correlation, HIGHAM_RESULT, atol=5e-5)
    assert res.converged and res.n_iter <= 10
    _assert_optimal_properties(res, np.array(HIGHAM_INPUT, float))


@pytest.mark.parametrize("solve", [corr_module._newton_nearest_correlation, corr_module._higham_nearest_correlation])
def test_highams_four_by_four_example(solve):
    res = solve(np.array(HIGHAM_4, float), 1e-13, 10_000, 0.0)
    assert res.converged
    np.testing.assert_allclose(res.correlation, HIGHAM_4_NEAREST, atol=1e-9)  # printed to 1e-10


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [5, 12])
def test_against_plain_alternating_projections(seed, n):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (n, n))
    a = (a + a.T) / 2
    np.fill_diagonal(a, 1.0)
    res = nearest_correlation(a)
    assert res.converged
    _assert_optimal_properties(res, a)
    oracle = nearest_correlation_dykstra(a, tol=1e-12, max_iter=20_000)
    assert _relative(res.correlation, oracle) <= RTOL_NEAREST_CORRELATION
    # the projections' answer is infeasible by up to ~1e-11 (a negative eigenvalue), which can only lower
    # its distance: ours is no farther than that
    assert res.distance <= np.linalg.norm(oracle - a) * (1 + RTOL_NEAREST_CORRELATION)


@pytest.mark.parametrize("n", [20, 120])
def test_newton_gives_the_alternating_projections_answer(n):
    a = noisy_correlation(n, seed=n)
    new = nearest_correlation(a)
    old = nearest_correlation(a, method="alternating_projections")
    assert new.converged and old.converged and new.n_iter < old.n_iter
    assert _relative(new.correlation, old.correlation) <= RTOL_NEAREST_CORRELATION
    assert new.distance <= old.distance * (1 + RTOL_NEAREST_CORRELATION)
    assert new.min_eigenvalue == old.min_eigenvalue < 0
    _assert_optimal_properties(new, a)


def test_eigenvalue_floor():
    a = noisy_correlation(40, seed=2)
    res = nearest_correlation(a, min_eigenvalue=1e-4)
    assert res.converged
    # the diagonal's final scaling moves eigenvalues by the diagonal's error (< 1e-10)
    assert np.linalg.eigvalsh(res.correlation)[0] >= 1e-4 * (1 - 1e-6)
    old = nearest_correlation(a, min_eigenvalue=1e-4, method="alternating_projections")
    assert _relative(res.correlation, old.correlation) <= RTOL_NEAREST_CORRELATION


def test_max_iter_reached_is_not_converged():
    a = noisy_correlation(60, seed=1)
    res = nearest_correlation(a, max_iter=1)
    assert not res.converged and res.n_iter == 1
    np.testing.assert_array_equal(np.diag(res.correlation), 1.0)


def test_jacobian_product_against_its_definition():
    # V h = diag(P (Omega o (P' diag(h) P)) P') written out in full, both groups of eigenvectors
    rng = np.random.default_rng(3)
    for n_negative in (2, 9):
        n = 12
        q, _ = np.linalg.qr(rng.normal(size=(n, n)))
        lam = np.concatenate([-rng.uniform(0.1, 1, n_negative), rng.uniform(0.1, 2, n - n_negative)])
        a = (q * lam) @ q.T
        lam, p, positive, omega, _ = corr_module._psd_split(a)
        full = np.zeros((n, n))
        for j in range(n):
            for k in range(n):
                if positive[j] and positive[k]:
                    full[j, k] = 1.0
                elif positive[j] != positive[k]:
                    hi, lo = (lam[j], lam[k]) if positive[j] else (lam[k], lam[j])
                    full[j, k] = hi / (hi - lo)
        h = rng.normal(size=n)
        expected = np.diag(p @ (full * (p.T @ np.diag(h) @ p)) @ p.T)
        got = corr_module._jacobian_product(h, p, lam, omega, positive, 0.0)
        np.testing.assert_allclose(got, expected, atol=1e-13)
        diag = corr_module._jacobian_diagonal(p, lam, omega, positive)
        columns = [corr_module._jacobian_product(e, p, lam, omega, positive, 0.0) for e in np.eye(n)]
        np.testing.assert_allclose(diag, np.diag(np.array(columns)), atol=1e-13)


def test_bad_method():
    with pytest.raises(InputError, match=r"^method: expected one of newton, alternating_projections, got 'x'\.$"):
        nearest_correlation(HIGHAM_INPUT, method="x")


@pytest.mark.slow
@pytest.mark.skipif(PURE_PYTHON, reason="the same NumPy code in both modes; the projections take minutes here")
def test_issue_size_against_alternating_projections():
    # 500 assets, 180 negative eigenvalues: the projections took 30 s (212 iterations), Newton 6 steps
    a = noisy_correlation(500)
    new = nearest_correlation(a)
    old = nearest_correlation(a, method="alternating_projections")
    assert new.converged and old.converged
    assert _relative(new.correlation, old.correlation) <= RTOL_NEAREST_CORRELATION
    assert new.distance <= old.distance * (1 + RTOL_NEAREST_CORRELATION)
    _assert_optimal_properties(new, a)


def _bench_noisy_correlation(n):
    """The matrix of ``benchmarks.bench_cells_scale`` (a factor model's correlation plus symmetric noise)."""
    from tests.naive import scale_problem

    _, c = scale_problem(n)
    vols = np.sqrt(np.diag(c))
    noise = np.random.default_rng(n).normal(0.0, 0.05, (n, n))
    noisy = np.clip(c / np.outer(vols, vols) + (noise + noise.T) / 2, -1.0, 1.0)
    np.fill_diagonal(noisy, 1.0)
    return noisy


@pytest.mark.parametrize("make", [lambda: _bench_noisy_correlation(100), lambda: noisy_correlation(100),
                                  lambda: noisy_correlation(200, seed=3)],
                         ids=["cells-benchmark-100", "noisy-100", "noisy-200"])
def test_line_search_spends_no_eigen_decompositions_on_rounding(make, monkeypatch):
    # near the answer Armijo's test on the dual compares numbers equal to rounding; the line search then
    # halved its step up to 40 times (37 eigen-decompositions for 7 steps at 100 assets, 0.06 s instead of 0.01)
    a = make()
    calls = []
    eigh = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda m: calls.append(1) or eigh(m))
    res = nearest_correlation(a)
    assert res.converged
    assert len(calls) <= 2 * (res.n_iter + 1), (len(calls), res.n_iter)
    _assert_optimal_properties(res, a)
