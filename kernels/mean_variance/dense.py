"""Small dense Cholesky factorisation and solve, compiled (the package's one home for them).

For the few-by-few positive definite systems of the box active set, where a LAPACK call costs
more than the arithmetic. Left-looking by rows: every inner product reads two rows contiguously.
(The same algorithm as ``_cholesky_in_place`` / ``_cholesky_solve_in_place`` of risk parity.)
"""

from __future__ import annotations

import numpy as np

from .._jit import jit


@jit
def _dot_head(a, b, m):
    """``a[:m] @ b[:m]`` without slicing (no temporaries in compiled code)."""
    acc = 0.0
    for j in range(m):
        acc += a[j] * b[j]
    return acc


@jit
def _cholesky_in_place(L):
    """Overwrite the lower triangle of the square ``L`` with its Cholesky factor.

    Returns False, leaving ``L`` partly factorised, when it is not numerically positive definite.
    The upper triangle is not read.
    """
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
def _cholesky_solve_in_place(L, inv_diag, y):
    """Overwrite ``y`` with the solution of ``L L' d = y`` (``L`` lower triangular, ``inv_diag = 1 / diag(L)``).

    Both substitutions read rows of ``L`` contiguously; no division waits in them.
    """
    m = y.shape[0]
    for i in range(m):
        y[i] = (y[i] - _dot_head(L[i], y, i)) * inv_diag[i]
    for i in range(m - 1, -1, -1):
        yi = y[i] * inv_diag[i]
        y[i] = yi
        row = L[i]
        for j in range(i):
            y[j] -= row[j] * yi
