"""Dense linear algebra the risk budgeting solvers share: dot products, Cholesky, triangular solves.

Rows are read contiguously (``C`` C-ordered, lower triangles used); each kernel has a NumPy path
for the plain-Python mode (:mod:`kernels._jit`).
"""

from __future__ import annotations

import numpy as np
import scipy  # scipy.linalg loads on first use (`import kernels` stays fast)

from .._jit import jit, vectorised


def _dot_head_numpy(a, b, m):
    return float(np.dot(a[:m], b[:m]))


@vectorised(_dot_head_numpy)
@jit(fastmath={"reassoc"})
def _dot_head(a, b, m):
    """``sum(a[:m] * b[:m])``, reassociated so that it vectorises like BLAS ``ddot``.

    The one reassociated sum of the risk budgeting kernels: it lets LLVM reorder this sum (and nothing
    else: no other fast-math flag), which halves the time of a coordinate sweep (2.1 -> 1.3 ms at 2000
    assets; ``benchmarks/bench_risk_parity.py::test_dot_head``); results agree with the sequential sum
    to rounding (``tests/kernels/test_risk_budgeting_kernels.py`` compares it with its ``.py_func``).
    """
    acc = 0.0
    for j in range(m):
        acc += a[j] * b[j]
    return acc


def _cholesky_numpy(H):
    return scipy.linalg.cholesky(H, lower=True, check_finite=False)


@vectorised(_cholesky_numpy)
@jit
def _cholesky(H):
    """The lower Cholesky factor of ``H`` (LAPACK); raises ``numpy.linalg.LinAlgError`` when ``H`` is not
    numerically positive definite. (SciPy's LAPACK in both modes: NumPy's threads cost more at these sizes.)"""
    return np.linalg.cholesky(H)


def _cholesky_in_place_numpy(L):
    n = L.shape[0]
    lower = np.tril(L)
    try:
        factor = _cholesky_numpy(lower + np.tril(lower, -1).T)
    except np.linalg.LinAlgError:
        return False
    if not np.all(np.diag(factor) > 0.0):  # NumPy accepts a zero pivot that the loops refuse
        return False
    rows, cols = np.tril_indices(n)
    L[rows, cols] = factor[rows, cols]
    return True


@vectorised(_cholesky_in_place_numpy)
@jit
def _cholesky_in_place(L):
    """Overwrite the lower triangle of ``L`` with its Cholesky factor (left-looking, rows read
    contiguously); False, leaving ``L`` partly factorised, when it is not numerically positive definite.
    The upper triangle is not read."""
    n = L.shape[0]
    for j in range(n):
        row_j = L[j]
        pivot = row_j[j] - _dot_head(row_j, row_j, j)
        if not pivot > 0.0:
            return False
        pivot = np.sqrt(pivot)
        row_j[j] = pivot
        inv = 1.0 / pivot
        for i in range(j + 1, n):
            row_i = L[i]
            row_i[j] = (row_i[j] - _dot_head(row_i, row_j, j)) * inv
    return True


@jit
def _is_positive_definite(C):
    """Cholesky without pivoting in compiled code (for small matrices, where LAPACK's call costs more)."""
    return _cholesky_in_place(C.copy())


def _cholesky_solve_in_place_numpy(L, inv_diag, y):
    lower = np.tril(L)
    z = scipy.linalg.solve_triangular(lower, y, lower=True, check_finite=False)
    y[:] = scipy.linalg.solve_triangular(lower, z, lower=True, trans="T", check_finite=False)


@vectorised(_cholesky_solve_in_place_numpy)
@jit
def _cholesky_solve_in_place(L, inv_diag, y):
    """Overwrite ``y`` with the solution of ``L L' d = y`` (``L`` lower triangular, rows read
    contiguously; ``inv_diag = 1 / diag(L)``, so that no division waits in the substitutions)."""
    m = y.shape[0]
    for i in range(m):
        y[i] = (y[i] - _dot_head(L[i], y, i)) * inv_diag[i]
    for i in range(m - 1, -1, -1):
        yi = y[i] * inv_diag[i]
        y[i] = yi
        row = L[i]
        for j in range(i):
            y[j] -= row[j] * yi


@jit
def _cholesky_solve(L, r):
    """Solve ``L L' d = r`` for lower-triangular ``L``."""
    y = r.copy()
    _cholesky_solve_in_place(L, 1.0 / np.diag(L), y)
    return y


def _exact_products_numpy(C, x, cx):
    cx[:] = C @ x


@vectorised(_exact_products_numpy)
@jit
def _exact_products(C, x, cx):
    """``cx = C x``, row by row."""
    for i in range(x.shape[0]):
        cx[i] = _dot_head(C[i], x, x.shape[0])


def _upper_products_numpy(C, x, u):
    u[:] = np.tril(C, -1).T @ x


@vectorised(_upper_products_numpy)
@jit
def _upper_products(C, x, u):
    """``u_i = sum_{j > i} C_ij x_j`` from the lower triangle (``C`` symmetric)."""
    n = x.shape[0]
    for i in range(n):
        u[i] = 0.0
    for i in range(n):
        xi = x[i]
        row = C[i]
        for j in range(i):
            u[j] += row[j] * xi


@jit
def _copy(dst, src):
    """``dst[:] = src`` for vectors of one length, as a loop: a slice assignment from an array would compile
    Numba's shape-mismatch message (string formatting, about a tenth of risk parity's first-call compile)."""
    for i in range(dst.shape[0]):
        dst[i] = src[i]
