"""The KKT inverse with its rank-one update left pending (issue 21: ``cla_kkt._kkt_add_lazy``, ``_kkt_flush``).

Variables join the free set one after another, as on the critical line: the lazy bordering (each update applied in
the pass of the next one's ``M v``) gives the eager :func:`kkt._kkt_add`'s inverse to the last bit, compiled and as
Python loops, and its NumPy path the same to rounding; the result is the inverse of the KKT matrix (oracle:
``numpy.linalg.inv``).
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels._jit import PURE_PYTHON
from kernels.mean_variance import cla_kkt, kkt
from tests.conftest import random_cov
from tests.tolerances import RTOL_CLOSED_FORM


def _grow(add, C, E, order, lazy):
    """Free ``order[0]`` (the basis of the one equality row), then add the rest in turn; returns the inverse."""
    n = C.shape[0]
    k = E.shape[0]
    size = k + n
    M = np.zeros((size, size))
    free = np.empty(n, dtype=np.int64)
    pos = np.full(n, -1, dtype=np.int64)
    basis = np.array([order[0]], dtype=np.int64)
    free[0], pos[order[0]] = order[0], 0
    kkt._kkt_init(C, E, n, basis, M)
    pa, pu, ps = np.empty(size), np.empty(size), 0
    f = 1
    for j in order[1:]:
        if lazy:
            ps = add(C, E, n, free, f, pos, M, int(j), pa, pu, ps)
            assert ps == k + f
        else:
            assert add(C, E, n, free, f, pos, M, int(j))
        f += 1
    if lazy:
        (cla_kkt._kkt_flush.py_func if add is cla_kkt._kkt_add_lazy.py_func else cla_kkt._kkt_flush)(M, pa, pu, ps)
    return M[: k + f, : k + f], free[:f]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n", [5, 23])
def test_lazy_bordering_is_the_eager_one(seed, n):
    rng = np.random.default_rng(seed)
    C = random_cov(rng, n)
    E = np.ones((1, n))
    order = rng.permutation(n)
    eager, free = _grow(kkt._kkt_add.py_func, C, E, order, lazy=False)
    K = np.zeros((1 + n, 1 + n))
    K[0, 1:] = K[1:, 0] = 1.0
    K[1:, 1:] = C[np.ix_(free, free)]
    np.testing.assert_allclose(eager @ K, np.eye(1 + n), atol=1e-8)
    for add in (cla_kkt._kkt_add_lazy.py_func, cla_kkt._kkt_add_lazy):
        got, got_free = _grow(add, C, E, order, lazy=True)
        assert np.array_equal(got_free, free)
        if add is cla_kkt._kkt_add_lazy and PURE_PYTHON:  # the NumPy path: NumPy's sums
            np.testing.assert_allclose(got, eager, rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM * np.abs(eager).max())
        else:
            assert np.array_equal(got, eager)


def test_a_dependent_variable_is_refused_with_nothing_pending():
    rng = np.random.default_rng(7)
    C = random_cov(rng, 4)
    C = np.pad(C, ((0, 1), (0, 1)))
    C[4, :4] = C[:4, 4] = C[0, :4]
    C[4, 4] = C[0, 0]  # asset 4 is asset 0 listed twice
    E = np.ones((1, 5))
    for add in (cla_kkt._kkt_add_lazy.py_func, cla_kkt._kkt_add_lazy):
        M = np.zeros((6, 6))
        free, pos = np.empty(5, dtype=np.int64), np.full(5, -1, dtype=np.int64)
        free[0], pos[0] = 0, 0
        kkt._kkt_init(C, E, 5, np.array([0]), M)
        pa, pu = np.empty(6), np.empty(6)
        ps = add(C, E, 5, free, 1, pos, M, 1, pa, pu, 0)
        assert ps == 2
        assert add(C, E, 5, free, 2, pos, M, 4, pa, pu, ps) == -1
        assert pos[4] == -1


@pytest.mark.parametrize("seed", range(3))
def test_the_paired_solve_is_two_solves(seed):
    """The critical line's refinement solves both right-hand sides in one pass over ``M``: the same numbers as
    two refined :func:`kkt._kkt_solve` calls (to the last bit as loops; NumPy's sums without Numba)."""
    rng = np.random.default_rng(seed)
    n = 13
    C = random_cov(rng, n)
    E = np.ones((1, n))
    M, free = _grow(kkt._kkt_add.py_func, C, E, rng.permutation(n), lazy=False)
    M = np.ascontiguousarray(M)
    size = 1 + n
    rhs_a, rhs_b = rng.normal(size=size), rng.normal(size=size)
    rhs_b[0] = 0.0  # as the critical line's beta: no budget term
    ref_a, ref_b, work = np.empty(size), np.empty(size), np.empty(size)
    kkt._kkt_solve.py_func(C, E, n, free, n, M, rhs_a, ref_a, work, True)
    kkt._kkt_solve.py_func(C, E, n, free, n, M, rhs_b, ref_b, work, True)
    for version in (cla_kkt._kkt_solve_pair.py_func, cla_kkt._kkt_solve_pair):
        out_a, out_b = np.empty(size), np.empty(size)
        version(C, E, n, free, n, M, rhs_a, rhs_b, out_a, out_b, np.empty(2 * size))
        if version is cla_kkt._kkt_solve_pair_numpy:
            np.testing.assert_allclose(out_a, ref_a, rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM)
            np.testing.assert_allclose(out_b, ref_b, rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM)
        else:
            assert np.array_equal(out_a, ref_a) and np.array_equal(out_b, ref_b)
