"""The KKT inverse as the critical line (:mod:`.cla`) keeps it: each bordering's rank-one update left pending, and
the refinement's two solves in one pass.

:mod:`.kkt` is the one home of the factorisation (bordering, downdate, refined solve); these are the same
operations ordered for the memory traffic of a long path, where the O(size^2) passes over the KKT inverse are
the cost of every turning point (issue 21). Each gives :mod:`.kkt`'s numbers to the last bit as compiled loops,
and has a NumPy path that takes its place without Numba (:func:`kernels._jit.vectorised`).
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, vectorised
from .kkt import (
    PIVOT_RTOL,
    _border_vector,
    _bordering_numpy,
    _kkt_matvec,
    _kkt_solve_numpy,
)

# ----------------------------------------------------------------------------- a rank-one update left pending
# The bordering of :func:`~.kkt._kkt_add` reads the s x s block twice (``u = M v``, then ``M += u u' / schur``), and the
# next change reads it again. :func:`_kkt_add_lazy` leaves its rank-one update pending (``M[:ps, :ps]`` plus
# ``pa pu'`` is the inverse) and applies it in the pass of the next ``M v``: two passes over the block per
# variable that joins instead of three, the same numbers to the last bit (each entry gets ``pa[a] * pu[c]`` added
# once, as before). Whatever else reads the block calls :func:`_kkt_flush` first.


def _kkt_flush_numpy(M, pa, pu, ps):
    """:func:`_kkt_flush` with NumPy."""
    if ps > 0:
        M[:ps, :ps] += np.outer(pa[:ps], pu[:ps])


@vectorised(_kkt_flush_numpy)
@jit
def _kkt_flush(M, pa, pu, ps):
    """Apply the pending update: ``M[:ps, :ps] += outer(pa, pu)`` (``ps`` 0: nothing pending)."""
    for a in range(ps):
        row = M[a]
        ua = pa[a]
        for c in range(ps):
            row[c] += ua * pu[c]


@jit
def _flush_row(M, pa, pu, ps, a):
    row = M[a]
    ua = pa[a]
    for c in range(ps):
        row[c] += ua * pu[c]


@jit
def _pending_matvec(M, s, v, out, pa, pu, ps):
    """``out[:s] = M[:s, :s] @ v[:s]`` as :func:`~.kkt._sub_matvec` sums it, the pending update applied to each row of
    ``M`` in the same pass (``ps <= s``)."""
    for a in range(s):
        out[a] = 0.0
    c = 0
    while c + 4 <= s:
        m0, m1, m2, m3 = M[c], M[c + 1], M[c + 2], M[c + 3]
        v0, v1, v2, v3 = v[c], v[c + 1], v[c + 2], v[c + 3]
        start = 0
        if c + 4 <= ps:
            p0, p1, p2, p3 = pa[c], pa[c + 1], pa[c + 2], pa[c + 3]
            for a in range(ps):
                pua = pu[a]
                x0 = m0[a] + p0 * pua
                x1 = m1[a] + p1 * pua
                x2 = m2[a] + p2 * pua
                x3 = m3[a] + p3 * pua
                m0[a] = x0
                m1[a] = x1
                m2[a] = x2
                m3[a] = x3
                t = out[a]
                t += v0 * x0
                t += v1 * x1
                t += v2 * x2
                t += v3 * x3
                out[a] = t
            start = ps
        else:
            for i in range(c, min(c + 4, ps)):
                _flush_row(M, pa, pu, ps, i)
        for a in range(start, s):
            t = out[a]
            t += v0 * m0[a]
            t += v1 * m1[a]
            t += v2 * m2[a]
            t += v3 * m3[a]
            out[a] = t
        c += 4
    while c < s:
        if c < ps:
            _flush_row(M, pa, pu, ps, c)
        vc = v[c]
        if vc != 0.0:
            row = M[c]
            for a in range(s):
                out[a] += vc * row[a]
        c += 1


def _kkt_add_lazy_numpy(C, E, n_assets, free, f, pos, M, j, pa, pu, ps):
    """:func:`_kkt_add_lazy` with NumPy."""
    _kkt_flush_numpy(M, pa, pu, ps)
    bordering = _bordering_numpy(C, E, n_assets, free, f, M, j)
    if bordering is None:
        return -1
    u, inv = bordering
    s = u.size
    pa[:s] = u * inv
    pu[:s] = u
    M[:s, s] = -pa[:s]
    M[s, :s] = -pa[:s]
    M[s, s] = inv
    free[f] = j
    pos[j] = f
    return s


@vectorised(_kkt_add_lazy_numpy)
@jit
def _kkt_add_lazy(C, E, n_assets, free, f, pos, M, j, pa, pu, ps):
    """:func:`~.kkt._kkt_add` with the previous update pending in ``pa, pu, ps`` (applied here) and its own left pending.

    Returns the new ``ps`` (the old block size ``k + f``), or -1 when ``j`` is dependent on the free set (then the
    free set is unchanged and nothing is pending).
    """
    k = E.shape[0]
    s = k + f
    v = np.empty(s)
    d = _border_vector(C, E, n_assets, free, f, j, v)
    u = np.empty(s)
    _pending_matvec(M, s, v, u, pa, pu, ps)
    schur = d
    scale = abs(d)
    for i in range(s):
        schur -= v[i] * u[i]
        scale += abs(v[i] * u[i])
    if abs(schur) <= PIVOT_RTOL * max(scale, 1e-300):
        return -1
    inv = 1.0 / schur
    for a in range(s):
        ua = u[a] * inv
        pa[a] = ua
        pu[a] = u[a]
        M[a, s] = -ua
        M[s, a] = -ua
    M[s, s] = inv
    free[f] = j
    pos[j] = f
    return s


def _kkt_solve_pair_numpy(C, E, n_assets, free, f, M, rhs_a, rhs_b, out_a, out_b, work):
    """:func:`_kkt_solve_pair` with NumPy."""
    _kkt_solve_numpy(C, E, n_assets, free, f, M, rhs_a, out_a, work, True)
    _kkt_solve_numpy(C, E, n_assets, free, f, M, rhs_b, out_b, work, True)


@vectorised(_kkt_solve_pair_numpy)
@jit
def _kkt_solve_pair(C, E, n_assets, free, f, M, rhs_a, rhs_b, out_a, out_b, work):
    """:func:`~.kkt._kkt_solve` (refined) for two right-hand sides, each pass over ``M`` serving both: the same numbers
    as two calls, half the reads of ``M``. ``work`` holds ``2 (k + f)``."""
    s = E.shape[0] + f
    _sub_matvec2(M, s, rhs_a, out_a, rhs_b, out_b, False)
    wa = work[:s]
    wb = work[s:2 * s]
    _kkt_matvec(C, E, n_assets, free, f, out_a, wa)
    _kkt_matvec(C, E, n_assets, free, f, out_b, wb)
    for i in range(s):
        wa[i] = rhs_a[i] - wa[i]
        wb[i] = rhs_b[i] - wb[i]
    _sub_matvec2(M, s, wa, out_a, wb, out_b, True)


@jit
def _sub_matvec2(M, s, v, out, w, out_w, accumulate):
    """:func:`~.kkt._sub_matvec` for ``v`` and ``w`` in one pass over ``M`` (each sum in the same order as alone)."""
    if not accumulate:
        for a in range(s):
            out[a] = 0.0
            out_w[a] = 0.0
    c = 0
    while c + 4 <= s:
        m0, m1, m2, m3 = M[c], M[c + 1], M[c + 2], M[c + 3]
        v0, v1, v2, v3 = v[c], v[c + 1], v[c + 2], v[c + 3]
        w0, w1, w2, w3 = w[c], w[c + 1], w[c + 2], w[c + 3]
        for a in range(s):
            x0, x1, x2, x3 = m0[a], m1[a], m2[a], m3[a]
            t = out[a]
            t += v0 * x0
            t += v1 * x1
            t += v2 * x2
            t += v3 * x3
            out[a] = t
            u = out_w[a]
            u += w0 * x0
            u += w1 * x1
            u += w2 * x2
            u += w3 * x3
            out_w[a] = u
        c += 4
    while c < s:
        row = M[c]
        vc = v[c]
        if vc != 0.0:
            for a in range(s):
                out[a] += vc * row[a]
        wc = w[c]
        if wc != 0.0:
            for a in range(s):
                out_w[a] += wc * row[a]
        c += 1
