"""The inverse of the KKT matrix of the free variables, kept up to date (one home of the factorisation).

In the standard form of :mod:`.constraints` the variables ``x = (w, s)`` are asset weights and
slacks; ``C`` is the asset covariance (slacks have no variance). For the free set ``F`` the
KKT matrix is ``K = [[0, E_F], [E_F', C_FF]]``; its inverse ``M`` is kept up to date by bordering
(a variable becomes free, :func:`_kkt_add`) and by a Schur-complement downdate (a variable hits a
bound, :func:`_kkt_remove`): O(size^2) per change instead of a new O(size^3) factorisation.
:func:`_kkt_solve` applies it, with one step of iterative refinement on request.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit

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

