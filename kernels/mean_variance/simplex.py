"""A bounded-variable primal simplex in standard form, compiled with Numba.

For the standard form of :mod:`.constraints` (``E x = b``, ``lo <= x <= hi``, finite bounds,
full-row-rank ``E``), :func:`_bounded_simplex` finds a feasible vertex and its basis (phase 1), or
the minimum of a linear cost (phase 2): the top of the efficient frontier is the maximum of
``mu' x``. Kernels return a :class:`~.status.Status` and never raise.

The two scans over every variable of an iteration (the basic values from the non-basic ones,
the pricing) have a NumPy path (``*_numpy``) that takes their place without Numba
(:func:`kernels._jit.vectorised`).
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, vectorised
from .status import Status


def _nonbasic_rhs_numpy(E, b, x, is_basic):
    """:func:`_nonbasic_rhs` with NumPy."""
    nonbasic = ~is_basic
    return b - E[:, nonbasic] @ x[nonbasic]


@vectorised(_nonbasic_rhs_numpy)
@jit
def _nonbasic_rhs(E, b, x, is_basic):
    """``b - E_N x_N``: the right-hand side of the basic variables given the non-basic ones."""
    k, m = E.shape
    rhs = b.copy()
    for j in range(m):
        if not is_basic[j] and x[j] != 0.0:
            for r in range(k):
                rhs[r] -= E[r, j] * x[j]
    return rhs


def _price_numpy(E, cost, y, x, lo, hi, is_basic, dtol, bland):
    """:func:`_price` with NumPy."""
    d = cost - y @ E
    movable = ~is_basic & (hi - lo > 0.0)
    up = movable & (x <= lo) & (d < -dtol)
    down = movable & ~up & (x >= hi) & (d > dtol)
    score = np.where(up, -d, np.where(down, d, 0.0))
    q = int(np.argmax(up | down)) if bland else int(np.argmax(score))
    if not score[q] > 0.0:
        return -1, 1.0
    return q, 1.0 if up[q] else -1.0


@vectorised(_price_numpy)
@jit
def _price(E, cost, y, x, lo, hi, is_basic, dtol, bland):
    """The entering variable and its direction ``(q, sigma)``: a non-basic variable at a bound whose
    reduced cost ``cost_j - y' E_j`` improves the objective by more than ``dtol`` when it leaves
    that bound (``sigma`` +1 up from its lower bound, -1 down from its upper one). Dantzig's rule
    (the largest improvement, the first of equals), or with ``bland`` the first such variable;
    ``q = -1`` when there is none (optimal)."""
    k, m = E.shape
    q = -1
    best = 0.0
    sigma = 1.0
    for j in range(m):
        if is_basic[j] or hi[j] - lo[j] <= 0.0:
            continue
        d = cost[j]
        for r in range(k):
            d -= y[r] * E[r, j]
        if x[j] <= lo[j] and d < -dtol:
            score, sg = -d, 1.0
        elif x[j] >= hi[j] and d > dtol:
            score, sg = d, -1.0
        else:
            continue
        if score > best:
            best, q, sigma = score, j, sg
            if bland:
                break
    return q, sigma


@jit
def _simplex_core(E, b, lo, hi, cost, x, basis, max_iter):
    """Bounded-variable primal simplex from a basic feasible ``(x, basis)``; minimises ``cost' x``.

    Non-basic variables sit exactly on a bound. Dantzig pricing, Bland's rule after a
    degenerate step (no cycling in practice). Returns a status code.
    """
    k, m = E.shape
    is_basic = np.zeros(m, dtype=np.bool_)
    for i in range(k):
        is_basic[basis[i]] = True
    B = np.empty((k, k))
    w = np.empty(k)
    bland = False
    cscale = 0.0
    for j in range(m):
        cscale = max(cscale, abs(cost[j]))
    dtol = 1e-12 * max(cscale, 1e-300)
    for _ in range(max_iter):
        for i in range(k):
            for r in range(k):
                B[r, i] = E[r, basis[i]]
        Binv = np.linalg.inv(B)
        # basic values from the non-basic ones (no drift)
        xb = Binv @ _nonbasic_rhs(E, b, x, is_basic)
        for i in range(k):
            x[basis[i]] = xb[i]
        y = np.zeros(k)
        for i in range(k):
            cb = cost[basis[i]]
            if cb != 0.0:
                for r in range(k):
                    y[r] += cb * Binv[i, r]
        q, sigma = _price(E, cost, y, x, lo, hi, is_basic, dtol, bland)
        if q < 0:
            return Status.OK
        for i in range(k):
            acc = 0.0
            for r in range(k):
                acc += Binv[i, r] * E[r, q]
            w[i] = acc
        t_max = hi[q] - lo[q]
        leave = -1
        leave_up = False
        for i in range(k):
            j = basis[i]
            delta = -sigma * w[i]
            if delta < -1e-12:
                t = max(x[j] - lo[j], 0.0) / -delta
                up = False
            elif delta > 1e-12:
                t = max(hi[j] - x[j], 0.0) / delta
                up = True
            else:
                continue
            if t < t_max or (t == t_max and leave >= 0 and j < basis[leave]):
                t_max, leave, leave_up = t, i, up
        if not np.isfinite(t_max):
            return Status.SINGULAR
        x[q] += sigma * t_max
        for i in range(k):
            x[basis[i]] -= sigma * t_max * w[i]
        if leave < 0:
            x[q] = hi[q] if sigma > 0 else lo[q]
        else:
            j = basis[leave]
            x[j] = hi[j] if leave_up else lo[j]
            is_basic[j] = False
            is_basic[q] = True
            basis[leave] = q
        bland = t_max <= 1e-14
    return Status.MAX_ITER


@jit
def _bounded_simplex(E, b, lo, hi, cost, x, basis, max_iter):
    """Minimise ``cost' x`` subject to ``E x = b``, ``lo <= x <= hi`` (finite bounds, full-rank ``E``).

    Phase 1 minimises the sum of ``k`` artificial variables from ``x = lo``; phase 2 the cost.
    On success ``x`` is an optimal vertex and ``basis`` (``k`` indices into ``x``) a basis with
    ``E[:, basis]`` invertible. Returns a status code (``Status.INFEASIBLE`` when phase 1 cannot
    reach zero).
    """
    k, m = E.shape
    ma = m + k
    Ea = np.zeros((k, ma))
    Ea[:, :m] = E
    loa = np.zeros(ma)
    hia = np.zeros(ma)
    loa[:m] = lo
    hia[:m] = hi
    xa = np.zeros(ma)
    xa[:m] = lo
    ba = np.empty(k, dtype=np.int64)
    scale = 1.0
    for r in range(k):
        res = b[r]
        for j in range(m):
            res -= E[r, j] * lo[j]
            scale = max(scale, abs(E[r, j] * lo[j]), abs(E[r, j] * hi[j]))
        Ea[r, m + r] = 1.0 if res >= 0.0 else -1.0
        xa[m + r] = abs(res)
        hia[m + r] = np.inf
        ba[r] = m + r
    c1 = np.zeros(ma)
    c1[m:] = 1.0
    status = _simplex_core(Ea, b, loa, hia, c1, xa, ba, max_iter)
    if status != Status.OK:
        return status
    infeasibility = 0.0
    for r in range(k):
        infeasibility += xa[m + r]
    if infeasibility > 1e-9 * scale:
        return Status.INFEASIBLE
    for r in range(k):
        hia[m + r] = 0.0
        xa[m + r] = 0.0
    c2 = np.zeros(ma)
    c2[:m] = cost
    status = _simplex_core(Ea, b, loa, hia, c2, xa, ba, max_iter)
    if status != Status.OK:
        return status
    # pivot artificials (basic at zero) out of the basis: a degenerate pivot, x does not change
    for i in range(k):
        if ba[i] < m:
            continue
        B = np.empty((k, k))
        for c in range(k):
            for r in range(k):
                B[r, c] = Ea[r, ba[c]]
        Binv = np.linalg.inv(B)
        best, q = 1e-9, -1
        for j in range(m):
            in_b = False
            for c in range(k):
                if ba[c] == j:
                    in_b = True
            if in_b:
                continue
            acc = 0.0
            for r in range(k):
                acc += Binv[i, r] * E[r, j]
            if abs(acc) > best:
                best, q = abs(acc), j
        if q < 0:
            return Status.SINGULAR
        ba[i] = q
    x[:] = xa[:m]
    basis[:] = ba
    return Status.OK

