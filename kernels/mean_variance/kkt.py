"""The inverse of the KKT matrix of the free variables, kept up to date (one home of the factorisation).

In the standard form of :mod:`.constraints` the variables ``x = (w, s)`` are asset weights and
slacks; ``C`` is the asset covariance (slacks have no variance). For the free set ``F`` the
KKT matrix is ``K = [[0, E_F], [E_F', C_FF]]``; its inverse ``M`` is kept up to date by bordering
(a variable becomes free, :func:`_kkt_add`) and by a Schur-complement downdate (a variable hits a
bound, :func:`_kkt_remove`): O(size^2) per change instead of a new O(size^3) factorisation.
:func:`_kkt_solve` applies it, with one step of iterative refinement on request.

Each of the three is compiled loops (no temporaries) with a NumPy path (``*_numpy``, the same
arguments and results) that takes its place without Numba (:func:`kernels._jit.vectorised`), where
the loops would run as plain Python at O(size^2) each.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, vectorised

#: Relative size of a Schur pivot below which a variable is linearly dependent on the free set
#: (e.g. an asset listed twice): it is then left at its bound, which is optimal as well.
PIVOT_RTOL = 1e-11


@jit
def _cval(C, n_assets, i, j):
    """Covariance between standard-form variables ``i`` and ``j`` (slacks have none)."""
    if i < n_assets and j < n_assets:
        return C[i, j]
    return 0.0


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
    """``out = K v`` for the KKT matrix of the free set (size ``k + f``).

    The ``C_FF`` part is summed a column at a time (``C`` is symmetric: row ``j_q`` gathered at the
    free assets), four columns per pass: each entry gets the terms of its row in the same order as a
    dot product would, without the serial chain of one.
    """
    k = E.shape[0]
    for r in range(k):
        acc = 0.0
        for p in range(f):
            acc += E[r, free[p]] * v[k + p]
        out[r] = acc
    held = np.empty(f, dtype=np.int64)  # positions of the free assets
    idx = np.empty(f, dtype=np.int64)  # and their indices
    n_held = 0
    for p in range(f):
        j = free[p]
        acc = 0.0
        for r in range(k):
            acc += E[r, j] * v[r]
        out[k + p] = acc
        if j < n_assets:
            held[n_held] = p
            idx[n_held] = j
            n_held += 1
    acc_f = np.empty(n_held)
    for h in range(n_held):
        acc_f[h] = out[k + held[h]]
    q = 0
    while q + 4 <= n_held:
        r0, r1, r2, r3 = C[idx[q]], C[idx[q + 1]], C[idx[q + 2]], C[idx[q + 3]]
        v0, v1, v2, v3 = v[k + held[q]], v[k + held[q + 1]], v[k + held[q + 2]], v[k + held[q + 3]]
        for h in range(n_held):
            j = idx[h]
            t = acc_f[h]
            t += r0[j] * v0
            t += r1[j] * v1
            t += r2[j] * v2
            t += r3[j] * v3
            acc_f[h] = t
        q += 4
    while q < n_held:
        row = C[idx[q]]
        vq = v[k + held[q]]
        for h in range(n_held):
            acc_f[h] += row[idx[h]] * vq
        q += 1
    for h in range(n_held):
        out[k + held[h]] = acc_f[h]


@jit
def _sub_matvec(M, s, v, out, accumulate):
    """``out[:s] (+)= M[:s, :s] @ v[:s]`` for a symmetric ``M`` (explicit loops: the block is not contiguous).

    Summed as ``sum_c v[c] M[c, :s]``: each term a contiguous row, a loop the compiler vectorises
    (a dot product per row would be a serial reduction without fastmath), four rows per pass over
    ``out`` (each entry still summed in the order of ``c``), so the cost is the memory traffic of
    reading the s x s block once.
    """
    if not accumulate:
        for a in range(s):
            out[a] = 0.0
    c = 0
    while c + 4 <= s:
        m0, m1, m2, m3 = M[c], M[c + 1], M[c + 2], M[c + 3]
        v0, v1, v2, v3 = v[c], v[c + 1], v[c + 2], v[c + 3]
        for a in range(s):
            t = out[a]
            t += v0 * m0[a]
            t += v1 * m1[a]
            t += v2 * m2[a]
            t += v3 * m3[a]
            out[a] = t
        c += 4
    while c < s:
        vc = v[c]
        if vc != 0.0:
            row = M[c]
            for a in range(s):
                out[a] += vc * row[a]
        c += 1


def _kkt_matvec_numpy(C, E, n_assets, free, f, v, out):
    """:func:`_kkt_matvec` with NumPy."""
    k = E.shape[0]
    F = free[:f]
    EF = E[:, F]
    vx = v[k:k + f]
    out[:k] = EF @ vx
    res = EF.T @ v[:k]
    assets = F < n_assets
    Fa = F[assets]
    res[assets] += C[np.ix_(Fa, Fa)] @ vx[assets]
    out[k:k + f] = res


def _kkt_solve_numpy(C, E, n_assets, free, f, M, rhs, out, work, refine=True):
    """:func:`_kkt_solve` with NumPy."""
    s = E.shape[0] + f
    Ms = M[:s, :s]
    out[:s] = Ms @ rhs[:s]
    if not refine:
        return
    _kkt_matvec_numpy(C, E, n_assets, free, f, out, work)
    work[:s] = rhs[:s] - work[:s]
    out[:s] += Ms @ work[:s]


@vectorised(_kkt_solve_numpy)
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
def _border_vector(C, E, n_assets, free, f, j, v):
    """``v = [E_j; C_(F,j)]``, the new column of the KKT matrix when ``j`` joins the free set; returns ``C_jj``."""
    k = E.shape[0]
    for r in range(k):
        v[r] = E[r, j]
    d = 0.0
    if j < n_assets:
        crow = C[j]  # written out, not a _cval call per entry (each call costs reference counts on C)
        for p in range(f):
            i = free[p]
            v[k + p] = crow[i] if i < n_assets else 0.0
        d = crow[j]
    else:
        for p in range(f):
            v[k + p] = 0.0
    return d


def _bordering_numpy(C, E, n_assets, free, f, M, j):
    """``(u, 1 / schur)`` for bordering the inverse ``M`` (``s x s``) with variable ``j`` (NumPy), None when the
    Schur complement is below :data:`PIVOT_RTOL` (``u = M v``, ``v`` the new column's border)."""
    k = E.shape[0]
    s = k + f
    v = np.zeros(s)
    v[:k] = E[:, j]
    d = 0.0
    if j < n_assets:
        F = free[:f]
        assets = F < n_assets
        v[k:][assets] = C[F[assets], j]
        d = C[j, j]
    u = M[:s, :s] @ v
    schur = d - float(v @ u)
    scale = abs(d) + float(np.abs(v * u).sum())
    if abs(schur) <= PIVOT_RTOL * max(scale, 1e-300):
        return None
    return u, 1.0 / schur


def _kkt_add_numpy(C, E, n_assets, free, f, pos, M, j):
    """:func:`_kkt_add` with NumPy."""
    bordering = _bordering_numpy(C, E, n_assets, free, f, M, j)
    if bordering is None:
        return False
    u, inv = bordering
    s = u.size
    ua = u * inv
    M[:s, :s] += np.outer(ua, u)
    M[:s, s] = -ua
    M[s, :s] = -ua
    M[s, s] = inv
    free[f] = j
    pos[j] = f
    return True


@vectorised(_kkt_add_numpy)
@jit
def _kkt_add(C, E, n_assets, free, f, pos, M, j):
    """Border the KKT inverse with variable ``j``; returns False (no change) if it is dependent."""
    k = E.shape[0]
    s = k + f
    v = np.empty(s)
    d = _border_vector(C, E, n_assets, free, f, j, v)
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


def _kkt_remove_numpy(E, free, f, pos, M, p):
    """:func:`_kkt_remove` with NumPy."""
    k = E.shape[0]
    s = k + f
    last = s - 1
    ip = k + p
    if abs(M[ip, ip]) <= PIVOT_RTOL * float(np.max(np.abs(M[:s, ip]))):
        return False
    if ip != last:
        M[:s, [ip, last]] = M[:s, [last, ip]]
        M[[ip, last], :s] = M[[last, ip], :s]
        jl = free[f - 1]
        free[p] = jl
        pos[jl] = p
    M[:last, :last] -= np.outer(M[:last, last] / M[last, last], M[last, :last])
    return True


@vectorised(_kkt_remove_numpy)
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
