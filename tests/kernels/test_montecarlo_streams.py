"""The random streams: the same bits compiled, as plain Python and vectorised; normal and chi-square laws."""

import math

import numpy as np
import pytest
from scipy import stats

from kernels._jit import PURE_PYTHON, jit
from kernels.montecarlo import streams as S
from kernels.montecarlo import streams_numpy as N


@jit
def _scalar_normals(s1, s2, n_paths, n_slots, out):
    for p in range(n_paths):
        k1, k2 = S._path_keys(s1, s2, p)
        for s in range(n_slots):
            out[p, s] = S._normal(k1, k2, s)


@jit
def _scalar_chi2(s1, s2, n_paths, n_slots, dof, out):
    for p in range(n_paths):
        k1, k2 = S._path_keys(s1, s2, p)
        for s in range(n_slots):
            out[p, s] = S._chi2(k1, k2, s, dof)


def _vector_normals(seed, n_paths, n_slots):
    s1, s2 = S.seed_words(seed)
    k1, k2 = N.path_keys(s1, s2, np.arange(n_paths))
    shape = (n_paths, n_slots)
    return N.normals(np.broadcast_to(k1[:, None], shape), np.broadcast_to(k2[:, None], shape),
                     np.broadcast_to(np.arange(n_slots), shape))


def _draw_scalar(fn, seed, n_paths, n_slots, *extra):
    out = np.empty((n_paths, n_slots))
    with np.errstate(over="ignore"):  # plain Python: uint64 scalars wrap as in compiled code
        fn(*S.seed_words(seed), n_paths, n_slots, *extra, out)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2**40 + 7])
def test_scalar_and_vectorised_normals_are_the_same_bits(seed):
    n_paths, n_slots = (40, 300) if PURE_PYTHON else (400, 1000)  # enough for the tail and wedge branches
    scalar = _draw_scalar(_scalar_normals, seed, n_paths, n_slots)
    vector = _vector_normals(seed, n_paths, n_slots)
    assert np.array_equal(scalar, vector)
    assert np.any(np.abs(vector) > S.ZIG_R)  # the tail branch was taken


def test_scalar_and_vectorised_chi_square_are_the_same_bits():
    n_paths, n_slots = (20, 100) if PURE_PYTHON else (200, 500)
    scalar = _draw_scalar(_scalar_chi2, 3, n_paths, n_slots, 5.0)
    s1, s2 = S.seed_words(3)
    k1, k2 = N.path_keys(s1, s2, np.arange(n_paths))
    vector = N.chi2(np.repeat(k1, n_slots), np.repeat(k2, n_slots), np.tile(np.arange(n_slots), n_paths), 5.0)
    assert np.array_equal(scalar, vector.reshape(n_paths, n_slots))


def test_normals_follow_the_standard_normal_law():
    x = _vector_normals(11, 200, 1_000).ravel()
    assert stats.kstest(x, "norm").pvalue > 1e-3
    assert abs(x.mean()) < 4 / math.sqrt(x.size) and abs(x.var() - 1) < 4 * math.sqrt(2 / x.size)
    # the tail beyond the ziggurat's base strip has the normal's mass
    tail = np.mean(np.abs(x) > S.ZIG_R)
    assert tail == pytest.approx(2 * stats.norm.sf(S.ZIG_R), rel=0.25)


def test_paths_and_slots_are_uncorrelated():
    x = _vector_normals(5, 2_000, 50)
    c = np.corrcoef(x, rowvar=False)  # slot against slot across paths
    assert np.max(np.abs(c - np.eye(50))) < 5 / math.sqrt(2_000)
    c = np.corrcoef(x[:50])  # path against path across slots
    assert np.max(np.abs(c - np.eye(50))) < 5 / math.sqrt(50) * 1.5
    assert not np.array_equal(_vector_normals(6, 10, 10), _vector_normals(5, 10, 10))


def test_chi_square_follows_its_law():
    s1, s2 = S.seed_words(8)
    k1, k2 = N.path_keys(s1, s2, np.arange(500))
    for dof in (2.5, 5.0, 30.0):
        c = N.chi2(np.repeat(k1, 200), np.repeat(k2, 200), np.tile(np.arange(200), 500), dof)
        assert stats.kstest(c, "chi2", args=(dof,)).pvalue > 1e-3


def test_own_log_and_exp_are_within_one_ulp():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(1e-300, 1.0, 20_000), rng.uniform(1.0, 1e6, 20_000), [0.5, 1.0, 2.0, 1e-308]])
    ref = np.array([math.log(v) for v in x])
    assert np.all(np.abs(N.log(x) - ref) <= np.spacing(np.abs(ref)) + 1e-300)
    y = rng.uniform(-700, 700, 20_000)
    ref = np.array([math.exp(v) for v in y])
    assert np.all(np.abs(N.exp(y) - ref) <= np.spacing(ref))
    assert S._log.py_func(3.0) == N.log(np.array([3.0]))[0] and S._exp.py_func(-1.5) == N.exp(np.array([-1.5]))[0]


def test_uniform_indices_cover_the_range():
    s1, s2 = S.seed_words(1)
    k1, k2 = N.path_keys(s1, s2, np.arange(10_000))
    i = N.index(N.words(k1, k2, np.zeros(10_000, np.int64), 0), 7)
    counts = np.bincount(i, minlength=7)
    assert counts.size == 7 and stats.chisquare(counts).pvalue > 1e-3
