"""Fast minimum variance under box bounds and the budget only (no groups, no linear rows).

Problem::

    minimise 1/2 w' C w   subject to   sum(w) = 1,   lower <= w <= upper,

with ``C`` positive definite.  A primal-dual active-set method (Hintermueller, Ito & Kunisch 2003)
fixes every violated bound at once and releases every bound whose multiplier has the wrong sign,
typically in a handful of iterations.  Each iteration solves the KKT system of the current active
set ``B`` through ``H = C^-1`` (computed once): with ``h = H 1``, ``s = 1' H 1``, the multipliers
``mu_B`` of ``w_B = v_B`` and the budget multiplier ``gamma`` solve the small positive definite system

    [[H_BB, h_B], [h_B', s]] [mu_B; gamma] = [v_B; 1],   then   w = gamma h + H_{:,B} mu_B,

so the cost per iteration is O(|B|^3 + n |B|) instead of a factorisation of the free block.
At the solution ``g = C w - gamma 1`` is ``mu`` on ``B``: ``g_i >= 0`` at a lower bound and
``g_i <= 0`` at an upper bound.

The same kernel solves any single equality ``a' w = 1`` (``h = H a``, ``s = a' H a``):
:func:`_max_sharpe_box` uses it for the long-only tangency portfolio, ``a = mu - risk_free``.

The kernel never raises: it returns a status, and :func:`_min_variance_box` returns ``None``
whenever it cannot certify the optimum (singular or ill-conditioned ``C``, no convergence,
KKT check failed), so that the caller falls back to the exact general path of :mod:`kernels.qp`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ._jit import jit

BOX_OK = 0
BOX_MAX_ITER = 1
BOX_SINGULAR = 2

#: Largest condition number of ``C`` (LAPACK 1-norm estimate) for the fast path; beyond it the
#: general exact path is used: weights then differ from it by more than 1e-10 (cond 1e7: ~4e-10).
MAX_CONDITION = 1e6
#: Relative residual of the KKT stationarity ``C w - gamma 1 - mu`` accepted as optimal.
KKT_RTOL = 1e-11


@jit
def _small_cholesky_solve(M, rhs, m):
    """Solve ``M[:m, :m] x = rhs[:m]`` in place (``M`` overwritten); False if not positive definite."""
    for j in range(m):
        d = M[j, j]
        for k in range(j):
            d -= M[j, k] * M[j, k]
        if not d > 0.0:
            return False
        d = np.sqrt(d)
        M[j, j] = d
        for i in range(j + 1, m):
            v = M[i, j]
            for k in range(j):
                v -= M[i, k] * M[j, k]
            M[i, j] = v / d
    for i in range(m):
        v = rhs[i]
        for k in range(i):
            v -= M[i, k] * rhs[k]
        rhs[i] = v / M[i, i]
    for i in range(m - 1, -1, -1):
        v = rhs[i]
        for k in range(i + 1, m):
            v -= M[k, i] * rhs[k]
        rhs[i] = v / M[i, i]
    return True


@jit
def _sym(H, i, j):
    """``H[i, j]`` of a symmetric matrix stored in its lower triangle."""
    return H[i, j] if i >= j else H[j, i]


@jit
def _box_active_set(H, lower, upper, max_iter, w, state):
    """Primal-dual active set on ``H = C^-1`` for the budget row ``sum(w) = 1``.

    :func:`_equality_active_set` with ``coef = 1`` (multiplying by 1.0 is exact: the same numbers).
    """
    return _equality_active_set(H, np.ones(H.shape[0]), lower, upper, max_iter, w, state)


@jit
def _equality_active_set(H, coef, lower, upper, max_iter, w, state):
    """Primal-dual active set on ``H = C^-1`` for the equality ``coef' w = 1`` and box bounds.

    Only the lower triangle of ``H`` is read.  ``w`` (n,) receives the weights, ``state`` (n,)
    int64 the set of each asset (0 free, -1 at its lower bound, +1 at its upper bound).
    Returns ``(status, n_iter, gamma)`` with ``C w - gamma coef`` the bound multipliers.
    """
    n = H.shape[0]
    h = np.empty(n)
    for i in range(n):
        v = 0.0
        for j in range(n):
            v += _sym(H, i, j) * coef[j]
        h[i] = v
    s = 0.0
    for i in range(n):
        s += coef[i] * h[i]
    idx = np.empty(n, dtype=np.int64)
    M = np.empty((n + 1, n + 1))
    rhs = np.empty(n + 1)
    mult = np.zeros(n)
    gamma = 0.0
    for i in range(n):
        state[i] = -1 if lower[i] == upper[i] else 0
    for it in range(1, max_iter + 1):
        nb = 0
        for i in range(n):
            if state[i] != 0:
                idx[nb] = i
                nb += 1
        if nb == n:
            return BOX_SINGULAR, it, gamma  # every asset at a bound: leave it to the general path
        for a in range(nb):
            ia = idx[a]
            for b in range(a + 1):
                M[a, b] = _sym(H, ia, idx[b])
            M[nb, a] = h[ia]
            rhs[a] = lower[ia] if state[ia] < 0 else upper[ia]
        M[nb, nb] = s
        rhs[nb] = 1.0
        if not _small_cholesky_solve(M, rhs, nb + 1):
            return BOX_SINGULAR, it, gamma
        gamma = rhs[nb]
        for i in range(n):
            v = gamma * h[i]
            for b in range(nb):
                v += _sym(H, i, idx[b]) * rhs[b]
            w[i] = v
            mult[i] = 0.0
        for b in range(nb):
            mult[idx[b]] = rhs[b]
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
            return BOX_OK, it, gamma
    return BOX_MAX_ITER, max_iter, gamma


def _certified_inverse(C):
    """Lower triangle of ``C^-1`` (LAPACK potri), or ``None`` if ``C`` is not positive definite
    or its condition number exceeds :data:`MAX_CONDITION`."""
    L, info = scipy.linalg.lapack.dpotrf(C, lower=1, clean=1)
    if info != 0:
        return None
    rcond, info = scipy.linalg.lapack.dpocon(L, float(np.abs(C).sum(axis=0).max()), uplo="L")
    if info != 0 or not rcond * MAX_CONDITION >= 1.0:
        return None
    Hinv, info = scipy.linalg.lapack.dpotri(L, lower=1)
    if info != 0:
        return None
    return Hinv


def _min_variance_box(C, lower, upper, max_iter: int = 50):
    """Certified minimum-variance weights under box bounds and the budget, or ``None`` to fall back.

    ``C`` is a validated symmetric covariance, ``lower``/``upper`` validated bounds with
    ``sum(lower) <= 1 <= sum(upper)``.
    """
    n = C.shape[0]
    Hinv = _certified_inverse(C)
    if Hinv is None:
        return None
    w = np.empty(n)
    state = np.empty(n, dtype=np.int64)
    lo = np.ascontiguousarray(lower, dtype=np.float64)
    hi = np.ascontiguousarray(upper, dtype=np.float64)
    status, _, gamma = _box_active_set(np.ascontiguousarray(Hinv), lo, hi, max_iter, w, state)
    if status != BOX_OK:
        return None
    # independent certificate on C itself: feasibility, stationarity, multiplier signs
    g = C @ w - gamma
    free = state == 0
    scale = float(np.max(np.abs(C))) * max(1.0, float(np.max(np.abs(w)))) + abs(gamma)
    if not np.all(np.isfinite(w)) or abs(float(w.sum()) - 1.0) > 1e-12 * max(1.0, float(np.abs(w).sum())):
        return None
    if np.any(w < lower) or np.any(w > upper):
        return None
    if free.any() and float(np.max(np.abs(g[free]))) > KKT_RTOL * scale:
        return None
    movable = lower < upper
    if np.any(g[(state < 0) & movable] < -KKT_RTOL * scale) or np.any(g[(state > 0) & movable] > KKT_RTOL * scale):
        return None
    return w


def _max_sharpe_box(C, mu, risk_free, max_iter: int = 50):
    """Certified long-only tangency portfolio without caps, or ``None`` to fall back.

    For ``0 <= w`` (no effective upper bound) and ``a = mu - risk_free`` with some ``a_i > 0``,
    the maximum Sharpe ratio is exactly ``w = y / sum(y)`` where ``y`` solves::

        minimise 1/2 y' C y   subject to   a' y = 1,   y >= 0,

    solved by :func:`_equality_active_set` and certified on ``C`` itself.  Returns
    ``(weights, risk_tolerance)``; ``risk_tolerance = w'Cw / (mu'w - risk_free)`` is the ``lam``
    of the path ``min 1/2 w'Cw - lam mu'w`` at ``w`` (from the KKT conditions of both problems).
    ``None`` also when that ``lam`` is not unique (fewer than two assets held, or equal
    expected returns on every held asset): the exact path then decides.
    """
    n = C.shape[0]
    a = np.ascontiguousarray(mu, dtype=np.float64) - float(risk_free)
    if not np.any(a > 0.0):
        return None
    Hinv = _certified_inverse(C)
    if Hinv is None:
        return None
    y = np.empty(n)
    state = np.empty(n, dtype=np.int64)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    status, _, kappa = _equality_active_set(np.ascontiguousarray(Hinv), a, lo, hi, max_iter, y, state)
    if status != BOX_OK or not kappa > 0.0:
        return None
    # independent certificate on C itself: feasibility, stationarity, multiplier signs
    if not np.all(np.isfinite(y)) or np.any(y < 0.0):
        return None
    if abs(float(a @ y) - 1.0) > 1e-12 * max(1.0, float(np.abs(a) @ np.abs(y))):
        return None
    g = C @ y - kappa * a
    free = state == 0
    scale = float(np.max(np.abs(C))) * max(1.0, float(np.max(np.abs(y)))) + abs(kappa) * float(np.max(np.abs(a)))
    if free.sum() < 2 or float(np.ptp(mu[free])) <= 1e-12 * float(np.max(np.abs(mu[free]))):
        return None
    if float(np.max(np.abs(g[free]))) > KKT_RTOL * scale or np.any(g[~free] < -KKT_RTOL * scale):
        return None
    w = y / y.sum()
    excess = float(w @ mu) - float(risk_free)
    if not excess > 0.0:
        return None
    return w, float(w @ C @ w) / excess
