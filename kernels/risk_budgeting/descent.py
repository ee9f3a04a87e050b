"""Cyclical coordinate descent on the barrier problem, Anderson-accelerated, handing over to Newton.

Each coordinate of ``f(x) = 1/2 x' C x - sum_i beta_i log(x_i)`` has a closed-form minimiser
(:func:`_coordinate_min`); a sweep costs one pass over the lower triangle of ``C``. :func:`_solve_barrier`
runs sweeps while they contract fast enough and then hands over to :mod:`.newton`.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, vectorised
from .barrier import _kkt_error
from .linalg import _cholesky_in_place, _cholesky_solve, _copy, _dot_head, _exact_products, _upper_products
from .newton import _chord_newton, _newton
from .status import _HAND_OVER, _MAX_ITER, _OK, _UNBOUNDED, Solve

#: Anderson acceleration of the coordinate sweeps: history depth, and the size from which it pays.
_ANDERSON_DEPTH = 4
_ANDERSON_MIN_ASSETS = 150
#: Up to this many assets (no bounds) Newton's matrix is factorised in compiled code and reused over
#: steps (chord Newton), which pays once coordinate descent has brought the budget error below _CHORD_FROM.
_CHORD_MAX_ASSETS = 64
_CHORD_FROM = 1e-3


@jit
def _coordinate_min(s, cii, beta, lo, hi):
    """Minimiser over ``t`` in [lo, hi] of ``cii t^2 / 2 + s t - beta log t`` (beta > 0, cii > 0)."""
    root = np.sqrt(s * s + 4.0 * cii * beta)
    if s >= 0.0:
        t = 2.0 * beta / (s + root)  # no cancellation
    else:
        t = (root - s) / (2.0 * cii)
    if t < lo:
        t = lo
    elif t > hi:
        t = hi
    return t


def _sweep_numpy(C, beta, lo, hi, x, u, lower_dot, u_next):
    u_next[:] = 0.0
    for i in range(x.shape[0]):
        row = C[i]
        d = float(np.dot(row[:i], x[:i]))
        xi = _coordinate_min(d + u[i], row[i], beta[i], lo[i], hi[i])
        x[i] = xi
        lower_dot[i] = d
        u_next[:i] += row[:i] * xi
    u[:] = u_next


@vectorised(_sweep_numpy)
@jit
def _sweep(C, beta, lo, hi, x, u, lower_dot, u_next):
    """One cyclical coordinate-descent sweep over the lower triangle; leaves ``u`` for the new ``x``.

    On return ``(C x)_i = lower_dot[i] + C_ii x_i + u[i]`` exactly for the new ``x``.
    """
    n = x.shape[0]
    for i in range(n):
        u_next[i] = 0.0
    for i in range(n):
        row = C[i]
        d = _dot_head(row, x, i)
        xi = _coordinate_min(d + u[i], row[i], beta[i], lo[i], hi[i])
        x[i] = xi
        lower_dot[i] = d
        for j in range(i):
            u_next[j] += row[j] * xi
    for i in range(n):
        u[i] = u_next[i]


def _sweep_rows_numpy(C, beta, x, cx):
    for i in range(x.shape[0]):
        row = C[i]
        xi = x[i]
        t = _coordinate_min(cx[i] - row[i] * xi, row[i], beta[i], 0.0, np.inf)
        x[i] = t
        cx += row * (t - xi)


@vectorised(_sweep_rows_numpy)
@jit
def _sweep_rows(C, beta, x, cx):
    """One coordinate-descent sweep without a box that keeps ``cx = C x`` up to date with a full-row
    update per coordinate (for small ``C``, in cache, where this beats :func:`_sweep`'s two half-row
    passes: no sum waits on the previous coordinate). ``cx`` drifts by rounding; recompute it when exact
    values matter."""
    n = x.shape[0]
    for i in range(n):
        row = C[i]
        xi = x[i]
        t = _coordinate_min(cx[i] - row[i] * xi, row[i], beta[i], 0.0, np.inf)
        x[i] = t
        delta = t - xi
        for j in range(n):
            cx[j] += row[j] * delta


def _anderson_mix_numpy(Gx, Gu, F, head, count, x, u):
    old = (head - 1 - np.arange(count - 1)) % Gx.shape[0]
    D = F[head] - F[old]
    A = D @ D.T
    trace = float(np.trace(A))
    if not (trace > 0.0 and np.isfinite(trace)):
        return False
    A += 1e-10 * trace * np.eye(len(old))  # Tikhonov: keeps the small system positive definite
    gamma = np.linalg.solve(A, D @ F[head])
    vx = Gx[head] - gamma @ (Gx[head] - Gx[old])
    if not np.all(vx > 0.0):
        x[:] = Gx[head]
        u[:] = Gu[head]
        return False
    x[:] = vx
    u[:] = Gu[head] - gamma @ (Gu[head] - Gu[old])
    return True


@vectorised(_anderson_mix_numpy)
@jit
def _anderson_mix(Gx, Gu, F, head, count, x, u):
    """Type-II Anderson mixing of the last ``count`` sweeps (ring buffers, newest at ``head``).

    ``Gx``/``Gu`` hold sweep outputs ``x`` and their upper products ``u`` (linear in ``x``, so they
    mix exactly), ``F`` the residuals ``output - input``. Writes the mixed point into ``x`` and ``u``;
    returns False, leaving the newest output there, when the mix is unusable (a weight <= 0).
    """
    depth = Gx.shape[0]
    n = x.shape[0]
    m = count - 1
    D = np.empty((m, n))
    for a in range(m):
        old = (head - 1 - a) % depth
        for i in range(n):
            D[a, i] = F[head, i] - F[old, i]
    A = np.empty((m, m))
    r = np.empty(m)
    trace = 0.0
    for a in range(m):
        for c in range(a + 1):
            acc = 0.0
            for i in range(n):
                acc += D[a, i] * D[c, i]
            A[a, c] = acc
            A[c, a] = acc
        acc = 0.0
        for i in range(n):
            acc += D[a, i] * F[head, i]
        r[a] = acc
        trace += A[a, a]
    if not (trace > 0.0 and np.isfinite(trace)):
        return False
    for a in range(m):
        A[a, a] += 1e-10 * trace  # Tikhonov: keeps the small system positive definite
    _cholesky_in_place(A)  # positive definite: a Gram matrix plus a positive diagonal
    gamma = _cholesky_solve(A, r)
    for i in range(n):
        vx = Gx[head, i]
        vu = Gu[head, i]
        for a in range(m):
            old = (head - 1 - a) % depth
            vx -= gamma[a] * (Gx[head, i] - Gx[old, i])
            vu -= gamma[a] * (Gu[head, i] - Gu[old, i])
        if not vx > 0.0:
            for j in range(n):
                x[j] = Gx[head, j]
                u[j] = Gu[head, j]
            return False
        x[i] = vx
        u[i] = vu
    return True


@jit
def _solve_barrier(C, beta, lo, hi, boxed, x, cx, tol, max_iter):
    """Minimise ``1/2 x'Cx - sum beta log x`` over ``lo <= x <= hi`` from ``x`` (> 0), in place: a :class:`Solve`.

    Without a box (``boxed=False``) ``x`` is rescaled optimally after every sweep; from
    ``_ANDERSON_MIN_ASSETS`` assets the sweeps are Anderson-accelerated, up to ``_CHORD_MAX_ASSETS``
    they update ``C x`` row by row and hand over to :func:`.newton._chord_newton` below ``_CHORD_FROM``.
    Coordinate sweeps run while they contract fast enough; otherwise Newton takes over. On return
    ``cx = C x`` (recomputed exactly).
    """
    n = x.shape[0]
    accelerate = (not boxed) and n >= _ANDERSON_MIN_ASSETS
    depth = _ANDERSON_DEPTH + 1 if accelerate else 0
    work = np.empty((4 + 3 * depth, n))  # one allocation: they cost as much as a sweep at 20 assets
    u, u_next, lower_dot, x_in = work[0], work[1], work[2], work[3]
    Gx = work[4 : 4 + depth]
    Gu = work[4 + depth : 4 + 2 * depth]
    F = work[4 + 2 * depth :]
    chord = (not boxed) and n <= _CHORD_MAX_ASSETS
    if chord:
        _exact_products(C, x, cx)
    else:
        _upper_products(C, x, u)
    head = -1
    count = 0
    log_errs = np.full(3, np.inf)  # logs of the last three errors, for the contraction rate
    log_tol = np.log(tol)
    err = np.inf
    # a Newton step costs about n/3 sweeps (Cholesky n^3/3 vs n^2 per sweep), and Newton needs a few
    newton_worth = 8.0 + n / 10.0
    it = 0
    while it < max_iter:
        if chord:
            _sweep_rows(C, beta, x, cx)
        else:
            if accelerate:
                _copy(x_in, x)
            _sweep(C, beta, lo, hi, x, u, lower_dot, u_next)
            for i in range(n):
                cx[i] = lower_dot[i] + C[i, i] * x[i] + u[i]
        it += 1
        if not boxed:
            var = 0.0
            total = 0.0
            for i in range(n):
                var += x[i] * cx[i]
                total += beta[i]
            if not var > 0.0:
                return Solve(_UNBOUNDED, it, np.inf)
            s = np.sqrt(total / var)
            for i in range(n):
                x[i] *= s
                cx[i] *= s
                u[i] *= s
        err = _kkt_error(C, beta, lo, hi, x, cx)
        if err <= tol and chord:
            _exact_products(C, x, cx)  # (the rows' updates drift by rounding)
            err = _kkt_error(C, beta, lo, hi, x, cx)
        if err <= tol:
            return Solve(_OK, it, err)
        if not np.isfinite(err):
            return Solve(_UNBOUNDED, it, err)
        if chord and err <= _CHORD_FROM:
            break
        log_err = np.log(err)
        if it >= 4:
            # geometric mean rate over three sweeps (mixing makes single steps uneven)
            log_rate = (log_err - log_errs[(it - 3) % 3]) / 3.0
            if log_rate >= 0.0 or (log_tol - log_err) / log_rate > newton_worth:
                break
        log_errs[it % 3] = log_err
        if accelerate:
            head = (head + 1) % depth
            count = min(count + 1, depth)
            _copy(Gx[head], x)
            _copy(Gu[head], u)
            for i in range(n):
                F[head, i] = x[i] - x_in[i]
            if count >= 2 and it < max_iter and not _anderson_mix(Gx, Gu, F, head, count, x, u):
                count = 1  # start the history again from the newest sweep
    if it >= max_iter:
        return Solve(_MAX_ITER, it, err)
    if chord:
        chord_newton = _chord_newton(C, beta, lo, hi, x, cx, err, tol, max_iter - it)
        it += chord_newton.n_iter
        if chord_newton.status != _HAND_OVER or it >= max_iter:
            status = chord_newton.status if chord_newton.status != _HAND_OVER else _MAX_ITER
            return Solve(status, it, chord_newton.error)
    newton = _newton(C, beta, lo, hi, boxed, x, cx, tol, max_iter - it)
    return Solve(newton.status, it + newton.n_iter, newton.error)
