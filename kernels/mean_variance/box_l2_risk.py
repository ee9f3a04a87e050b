"""A target volatility with L2 regularisation under box bounds, without walking any path (issue 16).

Problem (PyPortfolioOpt's ``efficient_risk`` with ``L2_reg``)::

    maximise mu'w - gamma w'w   subject to   w'Cw <= sigma^2,   sum(w) = 1,   lower <= w <= upper.

With the multiplier ``nu > 0`` of the volatility limit the optimum minimises
``1/2 w'(2 nu C + 2 gamma I) w - mu'w``, i.e. (divided by ``2 nu``, ``lam = 1 / (2 nu)``) the box QP

    minimise 1/2 w' (C + 2 gamma lam I) w - lam mu'w,

whose volatility grows with ``lam``. On a fixed active set the free weights solve
``(C_FF + 2 gamma lam I) w_F = lam mu_F + nu_b 1 - C_FB v_B``: with ``C_FF = U diag(e) U'`` (one
eigendecomposition of the free block) the variance is an explicit function of ``lam``, O(|F|) to
evaluate, and its root is found by Brent's method (:func:`_root_on_set`). If the active set is not
optimal at that root, the box QP is solved there (warm-started primal-dual active set of
:mod:`.box_path`, null-space form: no factor of the whole matrix) and the next set taken: a few
eigendecompositions of the free block instead of a path per trial multiplier. Compiled, up to
:data:`.box_small.SMALL_N` assets, the loop runs in :mod:`.box_small_l2` (this one when it stops short).

The answer is certified (KKT conditions of the box QP at the root checked on ``C + 2 gamma lam I``,
and the volatility within :data:`VOL_RTOL` of the target), else ``None``: the caller takes the
exact root search over paths (:mod:`.regularised`).
"""

from __future__ import annotations

import numpy as np
import scipy  # scipy.linalg and scipy.optimize load on first use (`import kernels` stays fast)

from .box_path import MAX_ITER, _BoxKKT, _certified_at, _solve_at
from .box_range import _update_state
from .box_small import ENABLED as SMALL_ENABLED
from .box_small import SMALL_N
from .box_small_l2 import _l2_point_small, _optimal_set, _variance_root_small

#: Relative tolerance on the volatility reached (as :data:`.regularised.VOL_RTOL`).
VOL_RTOL = 1e-10
#: Most active sets visited before giving up (the caller then takes the exact root search).
MAX_SETS = 30
#: The grid of risk tolerances ``lam`` scanned for the first bracket of the root on a set.
LAM_GRID = np.geomspace(1e-10, 1e10, 81)


def _root_on_set(C, mu, state, lower, upper, gamma, variance):
    """The ``lam`` at which the weights on the active set ``state`` reach ``variance``, or None."""
    F = np.flatnonzero(state == 0)
    B = np.flatnonzero(state != 0)
    if F.size == 0:
        return None
    vB = np.where(state[B] < 0, lower[B], upper[B])
    e, U = np.linalg.eigh(C[np.ix_(F, F)])
    CFBv = C[np.ix_(F, B)] @ vB
    p, o, r = U.T @ mu[F], U.sum(axis=0), -(U.T @ CFBv)
    beta = 1.0 - float(vB.sum())
    fixed = float(vB @ (C[np.ix_(B, B)] @ vB))
    if SMALL_ENABLED:  # the same search compiled (:mod:`.box_small`)
        root = _variance_root_small(e, p, o, r, beta, fixed, float(gamma), float(variance), LAM_GRID, 1e-15, 1e-15, 200)
        return float(root) if np.isfinite(root) else None

    def var(lam):
        lam = np.atleast_1d(lam)
        d = 1.0 / (e[:, None] + 2.0 * gamma * lam[None, :])
        nu = (beta - o @ (d * (lam[None, :] * p[:, None] + r[:, None]))) / (o @ (d * o[:, None]))
        x = d * (lam[None, :] * p[:, None] + nu[None, :] * o[:, None] + r[:, None])
        return (e @ (x * x)) - 2.0 * (r @ x) + fixed

    excess = var(LAM_GRID) - variance
    above = np.flatnonzero(excess >= 0.0)
    if above.size == 0 or above[0] == 0:
        return None
    i = int(above[0])
    if excess[i] == 0.0:
        return float(LAM_GRID[i])
    f = lambda t: float(var(np.exp(t))[0]) - variance
    t = scipy.optimize.brentq(f, np.log(LAM_GRID[i - 1]), np.log(LAM_GRID[i]), xtol=1e-15, rtol=1e-15, maxiter=200)
    return float(np.exp(t))


def _vol_checked(kkt, sol, root, state, lower, upper, cap):
    """``(w, root)`` if the set's point at ``root`` is certified and its volatility is ``cap``, else None."""
    found = _certified_at(kkt, sol, root, state, lower, upper)
    if found is None:
        return None
    w = found[0]
    vol = float(np.sqrt(max(float(w @ kkt.Q @ w), 0.0)))
    return (w, root) if abs(vol - cap) <= VOL_RTOL * cap * 10.0 else None


def _at_root(kkt, root, lower, upper, state):
    """``(solvable, sol)``: the solution on the set ``state`` at ``root`` if the set is optimal there, else
    ``None``; ``solvable`` False when the set's system is singular (compiled for small problems)."""
    if SMALL_ENABLED and state.size <= SMALL_N:
        return _optimal_set(kkt.Q, kkt.mu, kkt.shift, root, lower, upper, state)
    at_root = kkt.solve(state, lower, upper)
    if at_root is None:
        return False, None
    w0, w1, _, _, B, m0, m1 = at_root
    return True, (None if _update_state(state.copy(), B, m0 + root * m1, w0 + root * w1, lower, upper) else at_root)


def _l2_only(mu, lower, upper, gamma):
    """``argmax mu'w - gamma w'w`` over the budget and the box: ``clip((mu - t) / (2 gamma), lower, upper)``
    with the budget's ``t``: the sum is piecewise linear and decreasing in ``t``, so a bisection over its
    sorted breakpoints finds the piece, then ``t`` is exact on the assets strictly inside their bounds."""
    def weights(t):
        return np.minimum(np.maximum((mu - t) / (2.0 * gamma), lower), upper)

    points = np.sort(np.concatenate([mu - 2.0 * gamma * upper, mu - 2.0 * gamma * lower]))
    i, j = 0, points.size - 1  # sum >= 1 at points[i], <= 1 at points[j]
    while j - i > 1:
        k = (i + j) // 2
        if float(weights(points[k]).sum()) >= 1.0:
            i = k
        else:
            j = k
    w = weights(0.5 * (points[i] + points[j]))
    inside = (w > lower) & (w < upper)
    if inside.any():
        t = float((mu[inside].sum() / (2.0 * gamma) + w[~inside].sum() - 1.0) * 2.0 * gamma / inside.sum())
        w[inside] = (mu[inside] - t) / (2.0 * gamma)
    return w


def _l2_risk_point(C, mu, lower, upper, gamma, cap):
    """``(weights, lam)`` of ``max mu'w - gamma w'w`` with ``sqrt(w'Cw) <= cap`` under the budget and the
    box (``lam = 1 / (2 nu)``, ``inf`` when the volatility limit does not bind), or ``None`` to fall back.

    Each trial ``lam`` is a box QP solved by the warm-started active set; the bracket ``[lo, hi]`` of
    ``lam`` (volatility below the target at ``lo``, above at ``hi``) keeps the jumps to each set's root
    (:func:`_root_on_set`) honest, with geometric bisection when a jump leaves it.
    """
    mu = np.ascontiguousarray(mu, dtype=np.float64)
    variance = cap * cap
    w = _l2_only(mu, lower, upper, gamma)
    if float(w @ C @ w) <= variance * (1.0 + VOL_RTOL):
        return (w, np.inf) if abs(float(w.sum()) - 1.0) <= 1e-12 and np.all(w >= lower) and np.all(w <= upper) \
            else None
    # the L2 optimum's bound assets as the first guess of the set (a warm start, corrected by the solves)
    state = np.where((w <= lower) | (lower == upper), -1, np.where(w >= upper, 1, 0)).astype(np.int64)
    if not np.any(state == 0):
        state = np.where(lower == upper, -1, 0).astype(np.int64)
    lo_br, hi_br = 0.0, np.inf
    lam = variance / max(float(np.ptp(mu)), 1e-12)
    if SMALL_ENABLED and state.size <= SMALL_N:  # the loop below compiled (:mod:`.box_small`), certified here
        fast = _l2_point_small(C, mu, lower, upper, gamma, variance, lam, state, LAM_GRID, MAX_SETS, MAX_ITER)
        if fast is not None:
            found = _vol_checked(_BoxKKT(C, None, mu, shift=2.0 * gamma * fast[0]), fast[1], fast[0], fast[2],
                                 lower, upper, cap)
            if found is not None:
                return found
    for _ in range(MAX_SETS):
        kkt = _BoxKKT(C, None, mu, shift=2.0 * gamma * lam)
        sol = _solve_at(kkt, lam, lower, upper, state)
        if sol is None:
            return None
        w = sol[0] + lam * sol[1]
        if float(w @ C @ w) < variance:
            lo_br = max(lo_br, lam)
        else:
            hi_br = min(hi_br, lam)
        root = _root_on_set(C, mu, state, lower, upper, gamma, variance)
        if root is not None:
            kkt = _BoxKKT(C, None, mu, shift=2.0 * gamma * root)
            solvable, at_root = _at_root(kkt, root, lower, upper, state)
            if not solvable:
                return None
            if at_root is not None:
                return _vol_checked(kkt, at_root, root, state, lower, upper, cap)
        if root is not None and lo_br < root < hi_br:
            lam = root
        elif np.isfinite(hi_br):
            lam = np.sqrt(lo_br * hi_br) if lo_br > 0.0 else hi_br / 100.0
        else:
            lam = lo_br * 100.0
    return None
