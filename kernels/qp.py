"""Exact linear algebra for quadratic programmes in standard form, compiled with Numba.

The efficient-frontier engine (:mod:`kernels.cla`) works on the standard form

    minimise    1/2 x' C x - lam * mu' x
    subject to  E x = b,   lo <= x <= hi,

where ``x = (w, s)`` stacks the asset weights ``w`` and one slack ``s_r = a_r' w`` per general
linear row (so ``lower_r <= a_r' w <= upper_r`` becomes the bound ``lower_r <= s_r <= upper_r``);
``C`` is the asset covariance (slacks have no variance) and ``E`` holds the budget row and the rows
``a_r' w - s_r = 0``.  This module holds the pieces that do not depend on ``lam``:

* :func:`_bounded_simplex`: a bounded-variable simplex (phase 1 and 2) giving a feasible vertex
  and its basis, or the maximum of a linear objective (the top of the frontier);
* the inverse of the KKT matrix of the free variables, ``[[0, E_F], [E_F', C_FF]]``, kept up to date
  by bordering (a variable becomes free) and by a Schur-complement downdate (a variable hits a
  bound): O(size^2) per change instead of a new O(size^3) factorisation;
* :func:`_face_qp`: a primal active-set method minimising variance over the variables allowed
  to move (all of them for :func:`kernels.frontier.min_variance`), exact at termination.

Kernels return status codes (never raise): ``STATUS_OK``, ``STATUS_INFEASIBLE``,
``STATUS_MAX_ITER``, ``STATUS_SINGULAR``.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

STATUS_OK = 0
STATUS_INFEASIBLE = 1
STATUS_MAX_ITER = 2
STATUS_SINGULAR = 3

#: Relative size of a Schur pivot below which a variable is linearly dependent on the free set
#: (e.g. an asset listed twice): it is then left at its bound, which is optimal as well.
PIVOT_RTOL = 1e-11


@jit
def _cval(C, n_assets, i, j):
    """Covariance between standard-form variables ``i`` and ``j`` (slacks have none)."""
    if i < n_assets and j < n_assets:
        return C[i, j]
    return 0.0


# --------------------------------------------------------------------------- simplex


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
        rhs = b.copy()
        for j in range(m):
            if not is_basic[j] and x[j] != 0.0:
                for r in range(k):
                    rhs[r] -= E[r, j] * x[j]
        xb = Binv @ rhs
        for i in range(k):
            x[basis[i]] = xb[i]
        y = np.zeros(k)
        for i in range(k):
            cb = cost[basis[i]]
            if cb != 0.0:
                for r in range(k):
                    y[r] += cb * Binv[i, r]
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
        if q < 0:
            return STATUS_OK
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
            return STATUS_SINGULAR
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
    return STATUS_MAX_ITER


@jit
def _bounded_simplex(E, b, lo, hi, cost, x, basis, max_iter):
    """Minimise ``cost' x`` subject to ``E x = b``, ``lo <= x <= hi`` (finite bounds, full-rank ``E``).

    Phase 1 minimises the sum of ``k`` artificial variables from ``x = lo``; phase 2 the cost.
    On success ``x`` is an optimal vertex and ``basis`` (``k`` indices into ``x``) a basis with
    ``E[:, basis]`` invertible. Returns a status code (``STATUS_INFEASIBLE`` when phase 1 cannot
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
    if status != STATUS_OK:
        return status
    infeasibility = 0.0
    for r in range(k):
        infeasibility += xa[m + r]
    if infeasibility > 1e-9 * scale:
        return STATUS_INFEASIBLE
    for r in range(k):
        hia[m + r] = 0.0
        xa[m + r] = 0.0
    c2 = np.zeros(ma)
    c2[:m] = cost
    status = _simplex_core(Ea, b, loa, hia, c2, xa, ba, max_iter)
    if status != STATUS_OK:
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
            return STATUS_SINGULAR
        ba[i] = q
    x[:] = xa[:m]
    basis[:] = ba
    return STATUS_OK


# --------------------------------------------------------------------------- KKT inverse


@jit
def _kkt_init(C, E, n_assets, basis, M):
    """Invert the KKT matrix of the free set ``basis`` (``len(basis) == k``) into ``M[:2k, :2k]``."""
    k = E.shape[0]
    K = np.zeros((2 * k, 2 * k))
    for p in range(k):
        j = basis[p]
        for r in range(k):
            K[r, k + p] = E[r, j]
            K[k + p, r] = E[r, j]
        for q in range(k):
            K[k + p, k + q] = _cval(C, n_assets, j, basis[q])
    M[: 2 * k, : 2 * k] = np.linalg.inv(K)


@jit
def _kkt_matvec(C, E, n_assets, free, f, v, out):
    """``out = K v`` for the KKT matrix of the free set (size ``k + f``)."""
    k = E.shape[0]
    for r in range(k):
        acc = 0.0
        for p in range(f):
            acc += E[r, free[p]] * v[k + p]
        out[r] = acc
    for p in range(f):
        j = free[p]
        acc = 0.0
        for r in range(k):
            acc += E[r, j] * v[r]
        if j < n_assets:
            for q in range(f):
                jq = free[q]
                if jq < n_assets:
                    acc += C[j, jq] * v[k + q]
        out[k + p] = acc


@jit
def _sub_matvec(M, s, v, out, accumulate):
    """``out[:s] (+)= M[:s, :s] @ v[:s]`` (explicit loops: the block is not contiguous)."""
    for a in range(s):
        acc = 0.0
        for c in range(s):
            acc += M[a, c] * v[c]
        out[a] = out[a] + acc if accumulate else acc


@jit
def _kkt_solve(C, E, n_assets, free, f, M, rhs, out, work, refine=True):
    """``out = K^-1 rhs`` with ``M ~ K^-1``, plus one step of iterative refinement if ``refine``."""
    s = E.shape[0] + f
    _sub_matvec(M, s, rhs, out, False)
    if not refine:
        return
    _kkt_matvec(C, E, n_assets, free, f, out, work)
    for i in range(s):
        work[i] = rhs[i] - work[i]
    _sub_matvec(M, s, work, out, True)


@jit
def _kkt_add(C, E, n_assets, free, f, pos, M, j):
    """Border the KKT inverse with variable ``j``; returns False (no change) if it is dependent."""
    k = E.shape[0]
    s = k + f
    v = np.empty(s)
    for r in range(k):
        v[r] = E[r, j]
    for p in range(f):
        v[k + p] = _cval(C, n_assets, free[p], j)
    d = _cval(C, n_assets, j, j)
    u = np.empty(s)
    _sub_matvec(M, s, v, u, False)
    schur = d
    scale = abs(d)
    for i in range(s):
        schur -= v[i] * u[i]
        scale += abs(v[i] * u[i])
    if abs(schur) <= PIVOT_RTOL * max(scale, 1e-300):
        return False
    inv = 1.0 / schur
    for a in range(s):
        ua = u[a] * inv
        for c in range(s):
            M[a, c] += ua * u[c]
        M[a, s] = -ua
        M[s, a] = -ua
    M[s, s] = inv
    free[f] = j
    pos[j] = f
    return True


@jit
def _kkt_remove(E, free, f, pos, M, p):
    """Delete the free variable at position ``p`` from the KKT inverse (Schur downdate).

    Returns False (and changes nothing) when the smaller KKT matrix would be singular.
    """
    k = E.shape[0]
    s = k + f
    last = s - 1
    ip = k + p
    scale = 0.0
    for a in range(s):
        scale = max(scale, abs(M[a, ip]))
    if abs(M[ip, ip]) <= PIVOT_RTOL * scale:
        return False
    if ip != last:
        for a in range(s):
            tmp = M[a, ip]
            M[a, ip] = M[a, last]
            M[a, last] = tmp
        for a in range(s):
            tmp = M[ip, a]
            M[ip, a] = M[last, a]
            M[last, a] = tmp
        jl = free[f - 1]
        free[p] = jl
        pos[jl] = p
    pivot = M[last, last]
    for a in range(last):
        ma = M[a, last] / pivot
        if ma != 0.0:
            for c in range(last):
                M[a, c] -= ma * M[last, c]
    return True


# --------------------------------------------------------------------------- active set


@jit
def _reduced_gradient(C, E, n_assets, free, f, x, sol, j, cfree):
    """``(C x)_j + E_j' nu`` at the KKT solution ``sol`` (nu first), for a bounded ``j``.

    ``cfree[j]`` must already hold ``sum over bounded assets of C[j, i] x_i``.
    """
    k = E.shape[0]
    g = 0.0
    if j < n_assets:
        g = cfree[j]
        for p in range(f):
            i = free[p]
            if i < n_assets:
                g += C[j, i] * sol[k + p]
    for r in range(k):
        g += E[r, j] * sol[r]
    return g


@jit
def _bounded_product(C, n_assets, is_free, x, out):
    """``out[i] = sum over bounded assets j of C[i, j] x_j`` (recomputed from scratch)."""
    out[:] = 0.0
    for j in range(n_assets):
        if not is_free[j] and x[j] != 0.0:
            xj = x[j]
            for i in range(n_assets):
                out[i] += C[i, j] * xj


@jit
def _constant_rhs(C, E, b, n_assets, free, f, is_free, x, cbound, rhs):
    """Right-hand side of the ``lam``-free part: ``[b - E_B x_B; -C_FB x_B]``."""
    k, m = E.shape
    for r in range(k):
        acc = b[r]
        for j in range(m):
            if not is_free[j]:
                acc -= E[r, j] * x[j]
        rhs[r] = acc
    for p in range(f):
        j = free[p]
        rhs[k + p] = -cbound[j] if j < n_assets else 0.0


@jit
def _face_qp(C, E, b, lo, hi, n_assets, x, free, f, pos, is_free, M, cbound, allowed, gtol, max_iter):
    """Minimise ``x' C x`` moving only free variables and bounded ones with ``allowed[j]``.

    Primal active-set method from the feasible ``x`` with free set ``free[:f]`` (KKT inverse in
    ``M``, ``cbound = C_(:,B) x_B``). Updates everything in place; returns ``(status, f)``.
    """
    k, m = E.shape
    size = k + m
    rhs = np.empty(size)
    sol = np.empty(size)
    work = np.empty(size)
    blocked = np.zeros(m, dtype=np.bool_)
    for it in range(max_iter):
        _constant_rhs(C, E, b, n_assets, free, f, is_free, x, cbound, rhs)
        # iterative refinement every 4 steps: the point is refined again before it is accepted
        _kkt_solve(C, E, n_assets, free, f, M, rhs, sol, work, it % 4 == 0)
        t = 1.0
        block = -1
        block_up = False
        moved = False
        for p in range(f):
            j = free[p]
            d = sol[k + p] - x[j]
            if abs(d) <= 1e-14 * (1.0 + abs(x[j])):
                continue
            moved = True
            if d < 0.0:
                tt = max(x[j] - lo[j], 0.0) / -d
                up = False
            else:
                tt = max(hi[j] - x[j], 0.0) / d
                up = True
            if tt < t:
                t, block, block_up = tt, p, up
        if moved:
            for p in range(f):
                j = free[p]
                x[j] += t * (sol[k + p] - x[j])
            if block >= 0:
                j = free[block]
                x[j] = hi[j] if block_up else lo[j]
                if not _kkt_remove(E, free, f, pos, M, block):
                    return STATUS_SINGULAR, f
                f -= 1
                pos[j] = -1
                is_free[j] = False
                if j < n_assets:
                    for i in range(n_assets):
                        cbound[i] += C[i, j] * x[j]
                blocked[:] = False
            continue
        if it % 4 != 0:
            _kkt_solve(C, E, n_assets, free, f, M, rhs, sol, work, True)
        for p in range(f):
            x[free[p]] = sol[k + p]
        worst = gtol
        enter = -1
        for j in range(m):
            if is_free[j] or blocked[j] or not allowed[j] or hi[j] - lo[j] <= 0.0:
                continue
            g = _reduced_gradient(C, E, n_assets, free, f, x, sol, j, cbound)
            viol = -g if x[j] <= lo[j] else g
            if viol > worst:
                worst, enter = viol, j
        if enter < 0:
            return STATUS_OK, f
        if _kkt_add(C, E, n_assets, free, f, pos, M, enter):
            f += 1
            is_free[enter] = True
            if enter < n_assets:
                for i in range(n_assets):
                    cbound[i] -= C[i, enter] * x[enter]
        else:
            blocked[enter] = True
    return STATUS_MAX_ITER, f
