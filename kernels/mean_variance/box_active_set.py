"""The box active set: fast minimum variance under box bounds and one equality (no linear rows).

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

From :data:`FACTORED_FROM` assets the explicit inverse (two more O(n^3) LAPACK passes) is not
formed: :func:`_factored_active_set` takes the Cholesky factor ``C = L L'`` that validation
already computed and gets ``H_BB = Y'Y`` from ``Y = L^-1 E_B`` (a triangular solve per asset that
reaches a bound), or, when few assets are free, factorises ``C_FF`` instead.

The same kernel solves any single equality ``a' w = 1`` (``h = H a``, ``s = a' H a``):
:func:`_max_sharpe_box` uses it for the long-only tangency portfolio, ``a = mu - risk_free``. Below
:data:`FACTORED_FROM` assets the minimum variance (``a = 1``) takes the compiled loop of the box path instead
(:func:`.box_small._min_variance_small`), which solves every set through ``L`` and forms no inverse.

The kernels never raise: they return a :class:`BoxSolution` with a :class:`~.status.Status`, and
:func:`_min_variance_box` returns ``None`` whenever it cannot certify the optimum (singular or
ill-conditioned ``C``, no convergence, KKT check failed), so that the caller falls back to the
exact general path (:mod:`.path`). When the first certificate fails, the answer is solved again on
its final free set through ``C_FF`` (:func:`_polished`; its condition number, not ``C``'s, bounds the
error) and certified again: up to :data:`MAX_CONDITION` (1e7) no covariance goes to the slow path for
rounding alone (issue 21: a 2,000-asset covariance of 2,520 days, condition ~3e6, no longer does).

Without Numba (:data:`kernels._jit.PURE_PYTHON`) every size takes the factored solver, whose work
is NumPy and LAPACK calls: the compiled loop on ``C^-1`` would run as plain Python.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy  # scipy.linalg loads on first use (`import kernels` stays fast)

from .._jit import PURE_PYTHON, jit
from ..risk_budgeting.linalg import _cholesky_in_place, _cholesky_solve_in_place
from .box_range import _update_state
from .box_small import NO_CONVERGENCE, NO_FREE, SOLVED, _min_variance_small
from .condition import _rcond
from .status import Status

#: Largest condition number of ``C`` (LAPACK 1-norm estimate) for the fast path; beyond it the
#: general exact path is used. Up to it the answer is certified on ``C`` (KKT residual below
#: :data:`KKT_RTOL`), after a polish on the free set when needed (:func:`_polished`). Was 1e6,
#: which sent a 2,000-asset sample covariance of 2,520 days (1-norm condition ~3e6) to the
#: general path: 100x slower (issue 21).
MAX_CONDITION = 1e7
#: Relative residual of the KKT stationarity ``C w - gamma 1 - mu`` accepted as optimal.
KKT_RTOL = 1e-11


class BoxSolution(NamedTuple):
    """What the box active-set solvers return (the compiled one builds it inside compiled code).

    Attributes
    ----------
    status : Status
    n_iter : int
    gamma : float
        Multiplier of the equality ``coef' w = 1``: ``C w - gamma coef`` are the bound multipliers.
    weights : ndarray of shape (n_assets,)
    state : ndarray of shape (n_assets,), int64
        0 free, -1 at its lower bound, +1 at its upper bound.
    """

    status: int
    n_iter: int
    gamma: float
    weights: np.ndarray
    state: np.ndarray


@jit
def _sym(H, i, j):
    """``H[i, j]`` of a symmetric matrix stored in its lower triangle."""
    return H[i, j] if i >= j else H[j, i]


@jit
def _equality_active_set(H, coef, lower, upper, max_iter, w, state):
    """Primal-dual active set on ``H = C^-1`` for the equality ``coef' w = 1`` and box bounds.

    Only the lower triangle of ``H`` is read.  ``w`` (n,) receives the weights, ``state`` (n,)
    int64 the set of each asset (0 free, -1 at its lower bound, +1 at its upper bound); the
    :class:`BoxSolution` returned holds both.
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
    inv_diag = np.empty(n + 1)
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
            return BoxSolution(Status.ALL_AT_BOUNDS, it, gamma, w, state)
        for a in range(nb):
            ia = idx[a]
            for b in range(a + 1):
                M[a, b] = _sym(H, ia, idx[b])
            M[nb, a] = h[ia]
            rhs[a] = lower[ia] if state[ia] < 0 else upper[ia]
        M[nb, nb] = s
        rhs[nb] = 1.0
        if not _cholesky_in_place(M[: nb + 1, : nb + 1]):
            return BoxSolution(Status.SINGULAR, it, gamma, w, state)
        for a in range(nb + 1):
            inv_diag[a] = 1.0 / M[a, a]
        _cholesky_solve_in_place(M[: nb + 1, : nb + 1], inv_diag[: nb + 1], rhs[: nb + 1])
        gamma = rhs[nb]
        for i in range(n):
            v = gamma * h[i]
            for b in range(nb):
                v += _sym(H, i, idx[b]) * rhs[b]
            w[i] = v
        if not _update_state(state, idx[:nb], rhs[:nb], w, lower, upper):
            return BoxSolution(Status.OK, it, gamma, w, state)
    return BoxSolution(Status.MAX_ITER, max_iter, gamma, w, state)


def _certified_factor(C, chol=None, conditioned=False):
    """Lower Cholesky factor of ``C`` (Fortran order), or ``None`` if ``C`` is not positive definite
    or its condition number exceeds :data:`MAX_CONDITION` (LAPACK 1-norm estimate).

    ``chol`` is the factor already computed by validation, if any; ``conditioned``: the condition number
    is already proven within the limit (an L2 shift, :func:`.regularised._regularised`), not estimated again.
    """
    if chol is None:
        chol, info = scipy.linalg.lapack.dpotrf(C.T, lower=1, clean=1)
        if info != 0:
            return None
    elif conditioned:
        return chol
    rcond, ok = _rcond(C, chol)
    if not ok or not rcond * MAX_CONDITION >= 1.0:
        return None
    return chol


def _prefer_free_set(n, n_bound, n_new, free_solves=0):
    """True when factorising the free block costs fewer flops than the bound-set (range-space) solve.

    The bound set's new columns ``L^-1 e_i`` (about ``n^2 / 2`` flops each, blocked) and their Gram
    rows are kept for every later iteration; the free block's factor is not. ``free_solves``, the
    number of free-block factorisations already done in this solve, weighs the free form's cost by
    the iterations it has already needed (a solve that needed one will likely need another).
    """
    n_free = n - n_bound
    free = (n_free**3 / 3 + n * n_bound) * (1 + free_solves)
    bound = 0.5 * n * n * n_new + n * n_new * n_bound + n_bound**3 / 3 + n * n
    return free < bound


def _unit_solves(L, idx, out, block=128):
    """``out[:, r] = L^-1 e_idx[r]`` for ascending ``idx`` (``L`` lower triangular, Fortran order).

    Block forward substitution: column ``r`` is zero above row ``idx[r]``, so each block of rows
    subtracts (one matrix product) only what the columns already nonzero above it contribute, then
    solves with its diagonal block. About half the work of one solve with the whole ``L``, and
    mostly matrix products, which BLAS runs faster than triangular solves.
    """
    n = L.shape[0]
    out[:] = 0.0
    out[idx, np.arange(idx.size)] = 1.0
    first = int(idx[0])
    for r0 in range(first - first % block, n, block):
        r1 = min(n, r0 + block)
        started = int(np.searchsorted(idx, r0))  # columns nonzero above this block
        active = int(np.searchsorted(idx, r1))  # columns nonzero from this block on
        if started and r0 > first:
            out[r0:r1, :started] -= L[r0:r1, first:r0] @ out[first:r0, :started]
        top = max(r0, first)
        out[top:r1, :active] = scipy.linalg.blas.dtrsm(1.0, L[top:r1, top:r1], out[top:r1, :active], lower=1)


def _grown(Y, G, used, capacity):
    """``Y`` (n, used) and ``G`` (used, used) copied into buffers with room for ``capacity`` columns."""
    Y2 = np.empty((Y.shape[0], capacity), order="F")
    Y2[:, :used] = Y[:, :used]
    G2 = np.empty((capacity, capacity))
    G2[:used, :used] = G[:used, :used]
    return Y2, G2


def _factored_active_set(C, L, coef, lower, upper, max_iter):
    """The primal-dual active set of :func:`_equality_active_set`, each KKT system solved through
    the Cholesky factor ``C = L L'`` with BLAS, in whichever of two forms costs less:

    * bound set ``B`` small (range space): with ``z = L^-1 coef`` and ``Y = L^-1 E_B`` (columns
      computed once per asset that ever reaches a bound), ``H_BB = Y'Y``, ``h_B = Y'z``, ``s = z'z``
      and ``w = L^-T (gamma z + Y mu_B)``: O(n^2) per new bound plus O(n |B|^2);
    * free set ``F`` small (null space): ``C_FF w_F = gamma coef_F - C_FB v_B`` by a Cholesky
      factorisation of ``C_FF``: O(|F|^3 / 3 + n |B|).

    Returns a :class:`BoxSolution`, as :func:`_equality_active_set` does.
    """
    n = C.shape[0]
    trsv = scipy.linalg.blas.dtrsv
    state = np.where(lower == upper, -1, 0).astype(np.int64)
    z = trsv(L, coef, lower=1)
    s = float(z @ z)
    # columns L^-1 e_i, filled on demand, and their Gram matrix Y'Y = C^-1 on those assets, grown as
    # needed (most problems touch a small part of n x n)
    Y = np.empty((n, 0), order="F")
    G = np.empty((0, 0))
    Yz = np.empty(n)  # Y'z
    column = np.full(n, -1, dtype=np.int64)
    n_cols = 0
    w = np.empty(n)
    gamma = 0.0
    free_solves = 0
    for it in range(1, max_iter + 1):
        bound = state != 0
        B = np.flatnonzero(bound)
        F = np.flatnonzero(~bound)
        nb, nf = B.size, F.size
        if nf == 0:
            return BoxSolution(Status.ALL_AT_BOUNDS, it, gamma, w, state)
        vB = np.where(state[B] < 0, lower[B], upper[B])
        new = B[column[B] < 0]
        if not _prefer_free_set(n, nb, new.size, free_solves):
            if new.size:
                k = new.size
                if n_cols + k > Y.shape[1]:
                    Y, G = _grown(Y, G, n_cols, min(n, 2 * (n_cols + k)))
                _unit_solves(L, new, Y[:, n_cols:n_cols + k])
                G[n_cols:n_cols + k, :n_cols + k] = Y[:, n_cols:n_cols + k].T @ Y[:, :n_cols + k]
                G[:n_cols, n_cols:n_cols + k] = G[n_cols:n_cols + k, :n_cols].T
                Yz[n_cols:n_cols + k] = Y[:, n_cols:n_cols + k].T @ z
                column[new] = np.arange(n_cols, n_cols + k)
                n_cols += k
            pos = column[B]
            M = np.empty((nb + 1, nb + 1))
            M[:nb, :nb] = G[np.ix_(pos, pos)]
            M[nb, :nb] = Yz[pos]
            M[nb, nb] = s  # dposv reads the lower triangle only
            _, sol, info = scipy.linalg.lapack.dposv(M, np.append(vB, 1.0), lower=1)
            if info != 0:
                return BoxSolution(Status.SINGULAR, it, gamma, w, state)
            gamma = float(sol[nb])
            mult_B = sol[:nb]
            by_column = np.zeros(n_cols)
            by_column[pos] = mult_B
            w = trsv(L, gamma * z + Y[:, :n_cols] @ by_column, lower=1, trans=1)
        else:
            free_solves += 1
            # products with the whole C (BLAS) rather than copies of its blocks: C_FB v_B = (C v)_F, v zero on F
            w = np.zeros(n)
            w[B] = vB
            rhs = np.empty((nf, 2), order="F")
            rhs[:, 0] = coef[F]
            rhs[:, 1] = -(C @ w)[F]
            _, X, info = scipy.linalg.lapack.dposv(C[np.ix_(F, F)], rhs, lower=1)
            if info != 0:
                return BoxSolution(Status.SINGULAR, it, gamma, w, state)
            cF = coef[F]
            gamma = float((1.0 - coef[B] @ vB - cF @ X[:, 1]) / (cF @ X[:, 0]))
            w[F] = X[:, 1] + gamma * X[:, 0]
            mult_B = (C @ w)[B] - gamma * coef[B]
        if not _update_state(state, B, mult_B, w, lower, upper):
            return BoxSolution(Status.OK, it, gamma, w, state)
    return BoxSolution(Status.MAX_ITER, max_iter, gamma, w, state)


#: From this many assets the KKT systems are solved through the Cholesky factor with BLAS
#: (:func:`_factored_active_set`); below it one compiled loop has less overhead (the minimum variance's
#: through the factor, the tangency portfolio's on ``C^-1``).
#: Without Numba that loop would be plain Python: every size takes the factored solver.
FACTORED_FROM = 1 if PURE_PYTHON else 150


def _equality_box(C, coef, lower, upper, max_iter, chol, conditioned=False):
    """The :class:`BoxSolution` of min 1/2 w'Cw, coef'w = 1, lower <= w <= upper, or None if ``C``
    is not certified well conditioned; :data:`FACTORED_FROM` picks the method."""
    L = _certified_factor(C, chol, conditioned)
    if L is None:
        return None
    lo = np.ascontiguousarray(lower, dtype=np.float64)
    hi = np.ascontiguousarray(upper, dtype=np.float64)
    n = C.shape[0]
    if n >= FACTORED_FROM:
        return _factored_active_set(C, L, coef, lo, hi, max_iter)
    if np.all(coef == 1.0):  # the minimum variance: the compiled loop through L, no inverse formed
        outcome, n_iter, gamma, w, state = _min_variance_small(C, L, lo, hi, max_iter)
        status = {SOLVED: Status.OK, NO_FREE: Status.ALL_AT_BOUNDS, NO_CONVERGENCE: Status.MAX_ITER}.get(
            outcome, Status.SINGULAR)
        return BoxSolution(status, int(n_iter), gamma, w, state)
    # C^-1 by two triangular solves per column (dpotrs): OpenBLAS's multithreaded dpotri took 0.1 s at
    # 20 assets when its threads contended for the cores
    Hinv, info = scipy.linalg.lapack.dpotrs(L, np.eye(n), lower=1)
    if info != 0:
        return None
    w = np.empty(n)
    state = np.empty(n, dtype=np.int64)
    return _equality_active_set(np.ascontiguousarray(Hinv), coef, lo, hi, max_iter, w, state)


def _min_variance_box(C, lower, upper, max_iter: int = 50, chol=None, conditioned=False):
    """Certified minimum-variance weights under box bounds and the budget, or ``None`` to fall back.

    ``C`` is a validated symmetric covariance, ``lower``/``upper`` validated bounds with
    ``sum(lower) <= 1 <= sum(upper)``; ``chol`` its lower Cholesky factor if already computed
    (``conditioned``: see :func:`_certified_factor`).
    """
    coef = np.ones(C.shape[0])
    solved = _equality_box(C, coef, lower, upper, max_iter, chol, conditioned)
    if solved is None or solved.status != Status.OK:
        return None
    if _min_variance_certified(C, lower, upper, solved.gamma, solved.weights, solved.state):
        return solved.weights
    polished = _polished(C, coef, lower, upper, solved.state)
    if polished is not None and _min_variance_certified(C, lower, upper, *polished, solved.state):
        return polished[1]
    return None


def _polished(C, coef, lower, upper, state):
    """``(gamma, weights)`` solved again on the final active set ``state`` through the free block:
    ``C_FF w_F = gamma coef_F - C_FB v_B`` (its condition number, not ``C``'s, bounds the error), or
    ``None`` if ``C_FF`` is not positive definite. O(|F|^3 / 3 + n |B|)."""
    F = np.flatnonzero(state == 0)
    B = np.flatnonzero(state != 0)
    if F.size == 0:
        return None
    vB = np.where(state[B] < 0, lower[B], upper[B])
    rhs = np.empty((F.size, 2), order="F")
    rhs[:, 0] = coef[F]
    rhs[:, 1] = -(C[np.ix_(F, B)] @ vB)
    _, X, info = scipy.linalg.lapack.dposv(C[np.ix_(F, F)], rhs, lower=1)
    if info != 0:
        return None
    cF = coef[F]
    gamma = float((1.0 - coef[B] @ vB - cF @ X[:, 1]) / (cF @ X[:, 0]))
    w = np.empty(C.shape[0])
    w[F] = X[:, 1] + gamma * X[:, 0]
    w[B] = vB
    return gamma, w


def _min_variance_certified(C, lower, upper, gamma, w, state):
    """The KKT conditions of the box minimum variance checked on ``C`` itself at ``w``: feasibility,
    stationarity of the free assets (relative :data:`KKT_RTOL`), multiplier signs at the bounds."""
    g = C @ w - gamma
    free = state == 0
    # max|C_ij| is the largest variance: C has a Cholesky factor, so |C_ij| <= sqrt(C_ii C_jj)
    scale = float(np.max(np.diag(C))) * max(1.0, float(np.max(np.abs(w)))) + abs(gamma)
    if not np.all(np.isfinite(w)) or abs(float(w.sum()) - 1.0) > 1e-12 * max(1.0, float(np.abs(w).sum())):
        return False
    if np.any(w < lower) or np.any(w > upper):
        return False
    if free.any() and float(np.max(np.abs(g[free]))) > KKT_RTOL * scale:
        return False
    movable = lower < upper
    return not (np.any(g[(state < 0) & movable] < -KKT_RTOL * scale)
                or np.any(g[(state > 0) & movable] > KKT_RTOL * scale))


def _max_sharpe_box(C, mu, risk_free, max_iter: int = 50, chol=None, conditioned=False):
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
    lower, upper = np.zeros(n), np.full(n, np.inf)
    solved = _equality_box(C, a, lower, upper, max_iter, chol, conditioned)
    if solved is None or solved.status != Status.OK or not solved.gamma > 0.0:
        return None
    kappa, y, state = solved.gamma, solved.weights, solved.state
    free = state == 0
    if free.sum() < 2 or float(np.ptp(mu[free])) <= 1e-12 * float(np.max(np.abs(mu[free]))):
        return None
    if not _sharpe_certified(C, a, kappa, y, state):
        polished = _polished(C, a, lower, upper, state)
        if polished is None or not polished[0] > 0.0 or not _sharpe_certified(C, a, *polished, state):
            return None
        kappa, y = polished
    w = y / y.sum()
    excess = float(w @ mu) - float(risk_free)
    if not excess > 0.0:
        return None
    return w, float(w @ C @ w) / excess


def _sharpe_certified(C, a, kappa, y, state):
    """The KKT conditions of min 1/2 y'Cy, a'y = 1, y >= 0 checked on ``C`` itself at ``y``:
    feasibility, stationarity of the held assets (relative :data:`KKT_RTOL`), multiplier signs."""
    if not np.all(np.isfinite(y)) or np.any(y < 0.0):
        return False
    if abs(float(a @ y) - 1.0) > 1e-12 * max(1.0, float(np.abs(a) @ np.abs(y))):
        return False
    g = C @ y - kappa * a
    free = state == 0
    scale = float(np.max(np.diag(C))) * max(1.0, float(np.max(np.abs(y)))) + abs(kappa) * float(np.max(np.abs(a)))
    return not (float(np.max(np.abs(g[free]))) > KKT_RTOL * scale or np.any(g[~free] < -KKT_RTOL * scale))
