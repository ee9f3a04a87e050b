"""Newton's method on the barrier problem: line-search Newton, chord Newton and their linear algebra.

:func:`_newton` takes projected Newton steps (free coordinates only) with a backtracking line search;
without bounds its Newton systems are solved by conjugate gradients preconditioned with an earlier
Cholesky factor (:func:`_pcg_direction`), in single precision from ``_SINGLE_FACTOR_FROM`` assets
(:func:`_single_factor`). :func:`_chord_newton` serves small problems from a point where coordinate
descent has done the rough work.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import jit, vectorised
from .barrier import _kkt_error, _objective, _rounding_floor
from .linalg import (
    _cholesky,
    _cholesky_in_place,
    _cholesky_solve,
    _cholesky_solve_in_place,
    _copy,
    _exact_products,
)
from .status import _HAND_OVER, _MAX_ITER, _NOT_DESCENDING, _OK, _OK_ROUNDING, Solve

#: From this many assets Newton's preconditioning factor is in single precision (about half the time).
_SINGLE_FACTOR_FROM = 150


class SingleFactor(NamedTuple):
    """A single-precision Cholesky factor, when the matrix is positive definite in single precision."""

    ok: bool
    factor: np.ndarray
    """ndarray of shape (n, n), float32 (empty when not ``ok``)."""


@jit
def _pcg_direction(C, dvec, L, rhs, dx, rtol, max_cg):
    """Solve ``(C + diag(dvec)) dx = rhs`` by conjugate gradients preconditioned with ``L L'``, the
    Cholesky factor of an earlier Newton matrix. True when ``|residual| <= rtol |rhs|`` in time."""
    n = rhs.shape[0]
    _copy(dx, _cholesky_solve(L, rhs))
    r = rhs - (C @ dx + dvec * dx)
    target = rtol * np.sqrt(np.dot(rhs, rhs))
    if np.sqrt(np.dot(r, r)) <= target:
        return True
    z = _cholesky_solve(L, r)
    p = z.copy()
    rz = np.dot(r, z)
    for _ in range(max_cg):
        ap = C @ p + dvec * p
        curvature = np.dot(p, ap)
        if not curvature > 0.0:
            return False
        alpha = rz / curvature
        for i in range(n):
            dx[i] += alpha * p[i]
            r[i] -= alpha * ap[i]
        if np.sqrt(np.dot(r, r)) <= target:
            return True
        z = _cholesky_solve(L, r)
        rz_new = np.dot(r, z)
        scale = rz_new / rz
        rz = rz_new
        for i in range(n):
            p[i] = z[i] + scale * p[i]
    return False


@jit
def _jacobi_cg(H, shift, Y, rtol, max_cg):
    """Overwrite each column of ``Y`` (shape (m, k)) with the solution of ``(H + diag(shift)) d = Y[:, j]``
    by conjugate gradients preconditioned with the diagonal, all columns at once (one pass over ``H`` per
    iteration serves them all). True when every residual is within ``rtol`` of its right-hand side in
    time (``Y`` then holds the solutions; else it is left unusable).

    Needs no factor. A Newton matrix ``C + diag(beta / x^2)`` is nearly a diagonal plus the few large
    directions of ``C`` (its factors), which conjugate gradients find in a few passes: to the early steps'
    forcing tolerances 10-30 passes over ``H``, against a Cholesky factorisation worth about ``m / 6``.
    """
    m = Y.shape[0]
    k = Y.shape[1]
    inv_diag = np.empty(m)
    for a in range(m):
        inv_diag[a] = 1.0 / (H[a, a] + shift[a])
    R = Y.copy()
    Z = np.empty((m, k))
    target = np.empty(k)
    live = np.empty(k, dtype=np.bool_)
    rz = np.zeros(k)
    for j in range(k):
        acc = 0.0
        for a in range(m):
            acc += R[a, j] * R[a, j]
            Y[a, j] = 0.0
            Z[a, j] = R[a, j] * inv_diag[a]
            rz[j] += R[a, j] * Z[a, j]
        target[j] = rtol * np.sqrt(acc)
        live[j] = acc > 0.0
    P = Z.copy()
    n_live = live.sum()
    for _ in range(max_cg):
        if n_live == 0:
            return True
        HP = H @ P
        for j in range(k):
            if not live[j]:
                continue
            curvature = 0.0
            for a in range(m):
                HP[a, j] += shift[a] * P[a, j]
                curvature += P[a, j] * HP[a, j]
            if not curvature > 0.0:
                return False
            alpha = rz[j] / curvature
            acc = 0.0
            for a in range(m):
                Y[a, j] += alpha * P[a, j]
                R[a, j] -= alpha * HP[a, j]
                acc += R[a, j] * R[a, j]
            if np.sqrt(acc) <= target[j]:
                live[j] = False
                n_live -= 1
                continue
            rz_new = 0.0
            for a in range(m):
                Z[a, j] = R[a, j] * inv_diag[a]
                rz_new += R[a, j] * Z[a, j]
            scale = rz_new / rz[j]
            rz[j] = rz_new
            for a in range(m):
                P[a, j] = Z[a, j] + scale * P[a, j]
    return n_live == 0


def _single_factor_numpy(C, dvec):
    H = C.astype(np.float32)
    H[np.diag_indices(C.shape[0])] += dvec
    try:
        return SingleFactor(True, _cholesky(H))
    except np.linalg.LinAlgError:
        return SingleFactor(False, np.empty((0, 0), dtype=np.float32))


@vectorised(_single_factor_numpy)
@jit
def _single_factor(C, dvec):
    """The single-precision Cholesky factor of ``C + diag(dvec)`` (a :class:`SingleFactor`); not ``ok``
    when that matrix is not positive definite in single precision (condition number above about 1e7)."""
    n = C.shape[0]
    H = np.empty((n, n), dtype=np.float32)
    for i in range(n):
        row = C[i]
        for j in range(n):
            H[i, j] = row[j]
        H[i, i] += dvec[i]
    try:
        return SingleFactor(True, np.linalg.cholesky(H))
    except Exception:  # noqa: BLE001  (compiled code catches no narrower class; here: not positive definite)
        return SingleFactor(False, np.empty((0, 0), dtype=np.float32))


def _newton_matrix_numpy(C, beta, x, free, m):
    f = free[:m]
    H = C[np.ix_(f, f)]
    H[np.diag_indices(m)] += beta[f] / (x[f] * x[f])
    return H


@vectorised(_newton_matrix_numpy)
@jit
def _newton_matrix(C, beta, x, free, m):
    """``C + diag(beta / x^2)`` restricted to the coordinates ``free[:m]``: ndarray of shape (m, m)."""
    H = np.empty((m, m))
    for a in range(m):
        i = free[a]
        for c in range(m):
            H[a, c] = C[i, free[c]]
        H[a, a] += beta[i] / (x[i] * x[i])
    return H


@jit
def _newton(C, beta, lo, hi, boxed, x, cx, tol, max_steps):
    """Projected Newton steps on the barrier problem (free coordinates only), backtracking on ``f``.

    Returns a :class:`.status.Solve`; ``x`` and ``cx = C x`` are updated in place.
    """
    n = x.shape[0]
    g = np.empty(n)
    free = np.empty(n, dtype=np.int64)
    xn = np.empty(n)
    cxn = np.empty(n)
    f = _objective(beta, x, cx)
    err = _kkt_error(C, beta, lo, hi, x, cx)
    stall = 0
    have_factor = False
    L = np.empty((0, 0))
    use_single = n >= _SINGLE_FACTOR_FROM
    have_single = False
    L_single = np.empty((0, 0), dtype=np.float32)
    dvec = np.empty(n)
    dx_full = np.empty(n)
    for step in range(max_steps):
        if err <= tol:
            return Solve(_OK, step, err)
        m = 0
        for i in range(n):
            g[i] = cx[i] - beta[i] / x[i]
            at_lo = boxed and x[i] <= lo[i] and g[i] > 0.0
            at_hi = boxed and x[i] >= hi[i] and g[i] < 0.0
            if not (at_lo or at_hi):
                free[m] = i
                m += 1
        if m == 0:
            return Solve(_NOT_DESCENDING, step, err)
        rhs = np.empty(m)
        for a in range(m):
            rhs[a] = -g[free[a]]
        # without bounds the Newton matrix keeps its size: an earlier factor preconditions CG, and a
        # new Cholesky factorisation is paid only when CG does not reach the forcing tolerance fast.
        # From _SINGLE_FACTOR_FROM assets that factor is in single precision (half the time, and CG's
        # residuals are in double, so the direction is not less exact); double when single fails
        reuse = False
        if m == n:
            for i in range(n):
                dvec[i] = beta[i] / (x[i] * x[i])
            forcing = min(0.1, 0.1 * err)
            if use_single and have_single:
                reuse = _pcg_direction(C, dvec, L_single, rhs, dx_full, forcing, 6)
            elif have_factor:
                reuse = _pcg_direction(C, dvec, L, rhs, dx_full, forcing, 6)
            if not reuse and use_single:
                have_single, L_single = _single_factor(C, dvec)
                reuse = have_single and _pcg_direction(C, dvec, L_single, rhs, dx_full, forcing, 6)
                use_single = reuse  # single precision is not enough for this matrix: double from now on
        if reuse:
            dx = dx_full
        else:
            L = _cholesky(_newton_matrix(C, beta, x, free, m))
            have_factor = m == n
            dx = _cholesky_solve(L, rhs)
        t = 1.0
        accepted = False
        for _ in range(40):
            ok = True
            for i in range(n):
                xn[i] = x[i]
            for a in range(m):
                i = free[a]
                v = x[i] + t * dx[a]
                if v <= 0.0:
                    ok = False
                    break
                if boxed:
                    if v < lo[i]:
                        v = lo[i]
                    elif v > hi[i]:
                        v = hi[i]
                xn[i] = v
            if ok:
                _copy(cxn, C @ xn)
                fn = _objective(beta, xn, cxn)
                decrease = 0.0
                for i in range(n):
                    decrease += g[i] * (xn[i] - x[i])
                if fn <= f + 1e-4 * decrease:
                    accepted = True
                    break
                # near the solution f changes by less than its rounding: judge the full step by the error
                if t == 1.0 and _kkt_error(C, beta, lo, hi, xn, cxn) < 0.5 * err:
                    accepted = True
                    break
            t *= 0.5
        if not accepted:
            if err <= _rounding_floor(C, x, cx):
                return Solve(_OK_ROUNDING, step + 1, err)
            return Solve(_NOT_DESCENDING, step + 1, err)
        _copy(x, xn)
        _copy(cx, cxn)
        f_new = _objective(beta, x, cx)
        progress = f - f_new > 1e-13 * abs(f_new)
        f = f_new
        new_err = _kkt_error(C, beta, lo, hi, x, cx)
        if new_err > tol and new_err >= 0.5 * err and new_err <= _rounding_floor(C, x, cx):
            return Solve(_OK_ROUNDING, step + 1, new_err)  # no quadratic progress left: rounding decides
        if not progress and new_err >= 0.5 * err:
            stall += 1
            if stall >= 5:
                if new_err <= _rounding_floor(C, xn, cxn):
                    return Solve(_OK_ROUNDING, step + 1, new_err)
                return Solve(_NOT_DESCENDING, step + 1, new_err)
        else:
            stall = 0
        err = new_err
    if err <= tol:
        return Solve(_OK, max_steps, err)
    return Solve(_MAX_ITER, max_steps, err)


def _chord_matrix_numpy(C, beta, x, L):
    n = x.shape[0]
    rows, cols = np.tril_indices(n)
    L[rows, cols] = C[rows, cols]
    L[np.diag_indices(n)] += beta / (x * x)


@vectorised(_chord_matrix_numpy)
@jit
def _chord_matrix(C, beta, x, L):
    """The lower triangle of ``L`` := that of ``C + diag(beta / x^2)`` (the upper triangle is left)."""
    n = x.shape[0]
    for i in range(n):
        row = L[i]
        for j in range(i):
            row[j] = C[i, j]
        row[i] = C[i, i] + beta[i] / (x[i] * x[i])


@jit
def _chord_newton(C, beta, lo, hi, x, cx, err, tol, max_steps):
    """Newton steps on the unbounded barrier problem, each Newton matrix reused while it works.

    For small problems, from a point where coordinate descent has done the rough work: the matrix
    ``C + diag(beta / x^2)`` is factorised and the next steps solve with that factor (chord steps:
    two triangular solves and ``C x``, the price of one sweep) as long as each cuts the error at least
    tenfold; otherwise it is refactorised at the current point (a true Newton step). No line search:
    a step that does not reduce the error is retried with a fresh factor, and if that fails too the
    caller's line-search Newton takes over from the best point, left in ``x`` and ``cx = C x``.

    ``lo = 0`` and ``hi = inf`` (no box) serve the error measure only. Returns a :class:`.status.Solve`;
    status ``HAND_OVER`` means "the line-search Newton goes on from here".
    """
    n = x.shape[0]
    work = np.empty((n + 4, n))
    L = work[:n]
    step, xn, cxn, inv_diag = work[n], work[n + 1], work[n + 2], work[n + 3]
    steps = 0
    factor_at_x = False
    refactor = True
    while steps < max_steps:
        if refactor:
            _chord_matrix(C, beta, x, L)
            if not _cholesky_in_place(L):
                return Solve(_HAND_OVER, steps, err)
            for i in range(n):
                inv_diag[i] = 1.0 / L[i, i]
            factor_at_x = True
            refactor = False
        for i in range(n):
            step[i] = beta[i] / x[i] - cx[i]  # minus the gradient
        _cholesky_solve_in_place(L, inv_diag, step)
        positive = True
        for i in range(n):
            v = x[i] + step[i]
            positive = positive and v > 0.0
            xn[i] = v
        steps += 1
        new = np.inf
        if positive:
            _exact_products(C, xn, cxn)
            new = _kkt_error(C, beta, lo, hi, xn, cxn)
        if not new < err:
            if factor_at_x:
                return Solve(_HAND_OVER, steps, err)
            refactor = True
            continue
        _copy(x, xn)
        _copy(cx, cxn)
        if new <= tol:
            return Solve(_OK, steps, new)
        refactor = new > 0.1 * err
        factor_at_x = False
        err = new
    return Solve(_MAX_ITER, steps, err)
