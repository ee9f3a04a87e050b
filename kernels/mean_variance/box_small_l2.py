"""Target volatility with L2 regularisation under box bounds, compiled for small problems (issue 16, speed).

The loop of :func:`.box_l2_risk._l2_risk_point` in one compiled call: per active set, the box QP at a trial
``lam`` (:func:`.box_small._box_solve_small` with the shift ``2 gamma lam``), the root of the set's variance
in ``lam`` (one eigendecomposition of the free block, then Brent's method in ``log(lam)``, the steps of SciPy's
``brentq``), and whether the set is optimal at that root. The answer is certified in Python by the same
checks as before; whenever the kernel stops short the Python loop runs (see :mod:`.box_small`).
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from .box_small import (
    GIVE_UP,
    NO_FREE,
    POINT,
    SINGULAR,
    SOLVED,
    _box_solve_small,
    _workspace,
)


@jit
def _set_variance(lam, e, p, o, r, beta, fixed, gamma):
    """The variance on an active set at ``lam`` (:func:`.box_l2_risk._root_on_set`'s ``var``, one point):
    ``C_FF = U diag(e) U'``, ``p = U'mu_F``, ``o = U'1``, ``r = -U'C_FB v_B``."""
    num = 0.0
    den = 0.0
    for i in range(e.shape[0]):
        d = 1.0 / (e[i] + 2.0 * gamma * lam)
        num += o[i] * d * (lam * p[i] + r[i])
        den += o[i] * o[i] * d
    nu = (beta - num) / den
    v = fixed
    for i in range(e.shape[0]):
        x = (lam * p[i] + nu * o[i] + r[i]) / (e[i] + 2.0 * gamma * lam)
        v += e[i] * x * x - 2.0 * r[i] * x
    return v


@jit
def _variance_root_small(e, p, o, r, beta, fixed, gamma, variance, grid, xtol, rtol, max_iter):
    """The ``lam`` where :func:`_set_variance` reaches ``variance``: the first point of ``grid`` (ascending)
    at or above it brackets the root with the one before, then Brent's method in ``log(lam)`` (the steps of
    SciPy's ``brentq``); ``nan`` when the grid's first point is already above it or none reaches it."""
    first = -1
    for k in range(grid.shape[0]):
        fk = _set_variance(grid[k], e, p, o, r, beta, fixed, gamma) - variance
        if fk >= 0.0:
            first = k
            break
    if first <= 0:
        return np.nan
    if fk == 0.0:
        return grid[first]
    xpre = np.log(grid[first - 1])
    xcur = np.log(grid[first])
    fpre = _set_variance(np.exp(xpre), e, p, o, r, beta, fixed, gamma) - variance
    fcur = _set_variance(np.exp(xcur), e, p, o, r, beta, fixed, gamma) - variance
    if fpre == 0.0:
        return np.exp(xpre)
    xblk = 0.0
    fblk = 0.0
    spre = 0.0
    scur = 0.0
    for _ in range(max_iter):
        if fpre != 0.0 and fcur != 0.0 and (fpre < 0.0) != (fcur < 0.0):
            xblk = xpre
            fblk = fpre
            spre = xcur - xpre
            scur = spre
        if abs(fblk) < abs(fcur):
            xpre = xcur
            xcur = xblk
            xblk = xpre
            fpre = fcur
            fcur = fblk
            fblk = fpre
        delta = 0.5 * (xtol + rtol * abs(xcur))
        sbis = 0.5 * (xblk - xcur)
        if fcur == 0.0 or abs(sbis) < delta:
            return np.exp(xcur)
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):
                spre = scur
                scur = stry
            else:
                spre = sbis
                scur = sbis
        else:
            spre = sbis
            scur = sbis
        xpre = xcur
        fpre = fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0.0 else -delta
        fcur = _set_variance(np.exp(xcur), e, p, o, r, beta, fixed, gamma) - variance
    return np.exp(xcur)


def _optimal_set(Q, mu, shift, lam, lower, upper, state):
    """The solution on the active set ``state`` at ``lam`` (matrix ``Q + shift I``) and whether it is optimal
    there: ``(solvable, sol)``, ``sol`` the tuple of :meth:`.box_path._BoxKKT.solve` when the set is optimal
    (one update changes nothing), else ``None``; ``solvable`` False for a singular block or no free asset."""
    n = state.size
    trial = state.copy()
    w0, w1, m0, m1 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    outcome, nu0, nu1, _ = _box_solve_small(Q, _workspace(None, mu), mu, 1.0, float(shift), float(lam), lower, upper,
                                            trial, 1, w0, w1, m0, m1)
    if outcome == NO_FREE or outcome == SINGULAR:
        return False, None
    if outcome != SOLVED:
        return True, None
    B = np.flatnonzero(trial)
    return True, (w0, w1, nu0, nu1, B, m0[B], m1[B])


@jit
def _set_root_small(C, mu, state, lower, upper, gamma, variance, grid):
    """:func:`.box_l2_risk._root_on_set` compiled: the ``lam`` at which the weights on the set ``state``
    reach ``variance`` (one eigendecomposition of the free block), ``nan`` if none."""
    n = C.shape[0]
    nf = 0
    for i in range(n):
        if state[i] == 0:
            nf += 1
    if nf == 0:
        return np.nan
    F = np.empty(nf, dtype=np.int64)
    v = np.zeros(n)  # the bound weights, 0 on free assets
    k = 0
    beta = 1.0
    for i in range(n):
        if state[i] == 0:
            F[k] = i
            k += 1
        else:
            v[i] = lower[i] if state[i] < 0 else upper[i]
            beta -= v[i]
    CFF = np.empty((nf, nf))
    cfb = np.empty(nf)
    muF = np.empty(nf)
    for a in range(nf):
        row = C[F[a]]
        for c in range(nf):
            CFF[a, c] = row[F[c]]
        t = 0.0
        for j in range(n):
            t += row[j] * v[j]  # v is 0 on free assets: C_FB v_B
        cfb[a] = t
        muF[a] = mu[F[a]]
    fixed = 0.0
    for i in range(n):
        if v[i] != 0.0:
            t = 0.0
            for j in range(n):
                t += C[i, j] * v[j]
            fixed += v[i] * t
    e, U = np.linalg.eigh(CFF)
    p = np.zeros(nf)
    o = np.zeros(nf)
    r = np.zeros(nf)
    for c in range(nf):
        for a in range(nf):
            p[c] += U[a, c] * muF[a]
            o[c] += U[a, c]
            r[c] -= U[a, c] * cfb[a]
    return _variance_root_small(e, p, o, r, beta, fixed, gamma, variance, grid, 1e-15, 1e-15, 200)


@jit
def _l2_risk_small(C, mu, lower, upper, gamma, variance, lam0, state, grid, max_sets, max_iter, w0, w1, m0, m1, rs):
    """The loop of :func:`.box_l2_risk._l2_risk_point` compiled: ``(outcome, root, nu0, nu1)``, :data:`POINT`
    with ``w0, w1, state`` the set optimal at ``root`` (to certify), else :data:`GIVE_UP`. ``rs``: an empty
    range-space workspace (the matrix changes with ``lam``: the free blocks are factorised)."""
    n = C.shape[0]
    lo_br = 0.0
    hi_br = np.inf
    lam = lam0
    for _ in range(max_sets):
        outcome, nu0, nu1, _n = _box_solve_small(C, rs, mu, 1.0, 2.0 * gamma * lam, lam, lower, upper, state,
                                                 max_iter, w0, w1, m0, m1)
        if outcome != SOLVED:
            return GIVE_UP, lam, nu0, nu1
        var = 0.0
        for i in range(n):
            t = 0.0
            for j in range(n):
                t += C[i, j] * (w0[j] + lam * w1[j])
            var += (w0[i] + lam * w1[i]) * t
        if var < variance:
            lo_br = max(lo_br, lam)
        else:
            hi_br = min(hi_br, lam)
        root = _set_root_small(C, mu, state, lower, upper, gamma, variance, grid)
        if np.isfinite(root):
            trial = state.copy()
            outcome, nu0, nu1, _n = _box_solve_small(C, rs, mu, 1.0, 2.0 * gamma * root, root, lower, upper, trial, 1,
                                                     w0, w1, m0, m1)
            if outcome == NO_FREE or outcome == SINGULAR:
                return GIVE_UP, root, nu0, nu1
            if outcome == SOLVED:
                return POINT, root, nu0, nu1
        if np.isfinite(root) and lo_br < root < hi_br:
            lam = root
        elif np.isfinite(hi_br):
            lam = np.sqrt(lo_br * hi_br) if lo_br > 0.0 else hi_br / 100.0
        else:
            lam = lo_br * 100.0
    return GIVE_UP, lam, 0.0, 0.0


def _l2_point_small(C, mu, lower, upper, gamma, variance, lam0, state, grid, max_sets, max_iter):
    """:func:`_l2_risk_small` from a copy of ``state``: ``(root, sol, state)`` to certify, or ``None``."""
    n = state.size
    trial = state.copy()
    w0, w1, m0, m1 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    outcome, root, nu0, nu1 = _l2_risk_small(C, mu, lower, upper, float(gamma), float(variance), float(lam0), trial,
                                             grid, max_sets, max_iter, w0, w1, m0, m1, _workspace(None, mu))
    if outcome != POINT:
        return None
    B = np.flatnonzero(trial)
    return root, (w0, w1, nu0, nu1, B, m0[B], m1[B]), trial
