"""Compiled pieces of the box active sets: the state update, and the range-space solve of a set through
the Cholesky factor (issue 16, speed).

With ``Q = L L'``, ``z = L^-1 1``, ``z1 = L^-1 mu`` and one column ``y_i = L^-1 e_i`` for each asset that
has reached a bound (kept for every later set of the same solve, with their Gram entries ``y_i'y_j``), the
set with the assets ``B`` at their bounds ``v_B`` solves (as :class:`.box_path._BoxKKT` does with BLAS)::

    [[Y'Y, Y'z], [z'Y, z'z]] [m; nu] = [v_B; 1]   (lam part: [-Y'z1; -z'z1]),   w = L^-T (nu z + lam z1 + Y m)

at ``(n - i)^2 / 2`` flops per new column and two triangular solves per set. The compiled loops of
:mod:`.box_small` took ``Q^-1`` from LAPACK first (``O(n^3)``, half the time of a 100-asset minimum
variance with L2); now they factorise nothing beyond validation's factor ``L``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from ..risk_budgeting.linalg import _cholesky_in_place, _cholesky_solve_in_place


@jit
def _update_state(state, B, mult_B, w, lower, upper):
    """One primal-dual active-set update in place, shared by both solvers.

    A free asset outside its bounds moves to the bound it crossed; an asset at a bound is freed
    when its multiplier has the wrong sign (at a lower bound it must be > 0, at an upper < 0);
    an asset with ``lower == upper`` stays pinned.

    ``B`` lists the assets at a bound and ``mult_B`` their multipliers. Returns whether the set
    changed; when it did not, ``w`` is set exactly to the bounds it holds.
    """
    n = w.shape[0]
    mult = np.zeros(n)
    for a in range(B.shape[0]):
        mult[B[a]] = mult_B[a]
    changed = False
    for i in range(n):
        if lower[i] == upper[i]:
            new = -1
        elif state[i] == 0:
            new = -1 if w[i] < lower[i] else (1 if w[i] > upper[i] else 0)
        elif state[i] < 0:
            new = -1 if mult[i] > 0.0 else 0
        else:
            new = 1 if mult[i] < 0.0 else 0
        if new != state[i]:
            changed = True
            state[i] = new
    if not changed:
        for i in range(n):
            if state[i] < 0:
                w[i] = lower[i]
            elif state[i] > 0:
                w[i] = upper[i]
    return changed



@jit
def _forward(U, x, start):
    """``x = L^-1 x`` in place with ``U = L'`` (upper triangular, rows read), ``x`` zero above ``start``."""
    n = U.shape[0]
    for k in range(start, n):
        xk = x[k] / U[k, k]
        x[k] = xk
        if xk != 0.0:
            row = U[k]
            for i in range(k + 1, n):
                x[i] -= row[i] * xk


@jit
def _backward(U, x):
    """``x = L^-T x = U^-1 x`` in place with ``U = L'`` (upper triangular, rows read)."""
    n = U.shape[0]
    for i in range(n - 1, -1, -1):
        row = U[i]
        t = x[i]
        for k in range(i + 1, n):
            t -= row[k] * x[k]
        x[i] = t / row[i]


@jit
def _range_workspace(U, mu):
    """The range-space workspace of ``U = L'`` (n, n, C order: the transpose of LAPACK's Fortran-order factor,
    no copy), or an empty one when ``U`` is 0 x 0.

    ``(U, Yt, G, vec, col)``: ``Yt[c]`` the ``c``-th column ``L^-1 e_i`` computed, ``G`` their Gram matrix,
    ``vec`` rows ``z = L^-1 1``, ``z1 = L^-1 mu``, ``Y'z``, ``Y'z1`` (by column), ``col[i]`` the column of
    asset ``i`` (-1: none yet) and ``col[n]`` the number of columns.
    """
    n = U.shape[0]
    Yt = np.empty((n, n))
    G = np.empty((n, n))
    vec = np.zeros((4, n))
    col = np.empty(n + 1, dtype=np.int64)
    for i in range(n):
        col[i] = -1
        vec[0, i] = 1.0
        vec[1, i] = mu[i]
    col[n] = 0
    _forward(U, vec[0], 0)
    _forward(U, vec[1], 0)
    return U, Yt, G, vec, col


@jit
def _new_columns(U, Yt, G, vec, col, B):
    """The columns ``L^-1 e_i`` of the assets of ``B`` that have none yet, with their Gram entries and
    their products with ``z``, ``z1``; the number of columns computed."""
    n = U.shape[0]
    used = col[n]
    added = 0
    for a in range(B.shape[0]):
        i = B[a]
        if col[i] >= 0:
            continue
        y = Yt[used]
        y[:] = 0.0
        y[i] = 1.0
        _forward(U, y, i)
        for d in range(used + 1):
            yd = Yt[d]
            t = 0.0
            for k in range(i, n):  # y is zero above row i
                t += y[k] * yd[k]
            G[used, d] = t
            G[d, used] = t
        t0 = 0.0
        t1 = 0.0
        for k in range(i, n):
            t0 += y[k] * vec[0, k]
            t1 += y[k] * vec[1, k]
        vec[2, used] = t0
        vec[3, used] = t1
        col[i] = used
        used += 1
        added += 1
    col[n] = used
    return added


@jit
def _range_solve_factored(U, Yt, G, vec, col, B, w0, w1, m0, m1, M, R):
    """The set's solution through the factor (module doc); ``w0`` holds the bounds on ``B`` on entry.

    Fills ``w0, w1`` (n,) and the multipliers ``m0, m1`` (n,; 0 on free assets); ``R`` (2, n + 1) receives
    the small system's solutions (``nu0 = R[0, nb]``, ``nu1 = R[1, nb]``). False if that system is singular.
    """
    n = U.shape[0]
    nb = B.shape[0]
    _new_columns(U, Yt, G, vec, col, B)
    s = 0.0
    s1 = 0.0
    for k in range(n):
        s += vec[0, k] * vec[0, k]
        s1 += vec[0, k] * vec[1, k]
    vB = np.empty(nb)
    for a in range(nb):
        ia = B[a]
        ca = col[ia]
        vB[a] = w0[ia]
        for c in range(a + 1):
            M[a, c] = G[ca, col[B[c]]]
        M[nb, a] = vec[2, ca]
        R[0, a] = w0[ia]
        R[1, a] = -vec[3, ca]
    M[nb, nb] = s
    R[0, nb] = 1.0
    R[1, nb] = -s1
    K = M[: nb + 1, : nb + 1]
    if not _cholesky_in_place(K):
        return False
    inv_diag = np.empty(nb + 1)
    for a in range(nb + 1):
        inv_diag[a] = 1.0 / K[a, a]
    _cholesky_solve_in_place(K, inv_diag, R[0, : nb + 1])
    _cholesky_solve_in_place(K, inv_diag, R[1, : nb + 1])
    nu0 = R[0, nb]
    nu1 = R[1, nb]
    for k in range(n):
        w0[k] = nu0 * vec[0, k]
        w1[k] = nu1 * vec[0, k] + vec[1, k]
        m0[k] = 0.0
        m1[k] = 0.0
    for b in range(nb):
        i = B[b]
        y = Yt[col[i]]
        r0 = R[0, b]
        r1 = R[1, b]
        for k in range(i, n):
            w0[k] += r0 * y[k]
            w1[k] += r1 * y[k]
    _backward(U, w0)
    _backward(U, w1)
    for b in range(nb):
        i = B[b]
        w0[i] = vB[b]
        w1[i] = 0.0
        m0[i] = R[0, b]
        m1[i] = R[1, b]
    return True


@jit
def _prefer_range(U, col, B, n_free):
    """Whether the set is solved in the range space (:func:`_range_solve_factored`: new columns, the
    ``|B| + 1`` system, two triangular solves) rather than by factorising the free block, by flops;
    never without a factor (``U`` 0 x 0)."""
    nb = B.shape[0]
    n = nb + n_free
    if U.shape[0] != n:
        return False
    n_new = 0
    for a in range(nb):
        if col[B[a]] < 0:
            n_new += 1
    bound = 0.5 * n * n * n_new + n * n_new * (col[n] + n_new) + nb * nb * nb / 3.0 + n * n
    free = n_free * n_free * n_free / 3.0 + n * nb
    return bound <= free
