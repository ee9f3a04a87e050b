"""The box path's active-set loops compiled, for small problems (issue 16, speed).

At 20-100 assets the warm-started box QPs of :mod:`.box_path` cost a few microseconds of arithmetic
each, but dozens of NumPy and LAPACK calls from Python: that overhead was most of the time of a
target return, a target volatility or a risk aversion. Here the same primal-dual active set
(null-space form: the free block ``Q_FF = scale C_FF + shift I`` factorised by a compiled Cholesky
each iteration) and the same search along the path for a target (:func:`.box_path._path_point`:
a segment's root, or a Newton jump to its extension, kept inside a bracket) run in one compiled call.

The kernels only propose: their answer is certified by the same Python checks as before (KKT
conditions on ``Q`` at the weights and the target met, :func:`.box_path._checked`), and whenever a
kernel stops short (a singular block, no free asset, no convergence, a vertex of the box, no root)
the caller runs the Python loops of :mod:`.box_path` from the start, so answers and ``method`` mean
what they meant. They run only compiled, up to :data:`SMALL_N` assets: in the plain-Python mode
(:data:`kernels._jit.PURE_PYTHON`) the NumPy/LAPACK loops of :mod:`.box_path` are faster than these
loops as Python, and above :data:`SMALL_N` the factored (range-space) forms there do less work.
With a factor of ``Q`` a set with few assets at a bound is solved in the range space through it
(:mod:`.box_range`: nothing is factorised or inverted beyond validation's factor).
"""

from __future__ import annotations

import numpy as np

from .._jit import PURE_PYTHON, jit
from ..risk_budgeting.linalg import _cholesky_in_place, _cholesky_solve_in_place
from .box_range import (
    _prefer_range,
    _range_solve_factored,
    _range_workspace,
    _update_state,
)

#: Largest number of assets for the compiled loops (the free block is factorised anew each iteration).
SMALL_N = 200
#: Whether the compiled loops are used at all (not in the plain-Python mode, see the module doc).
ENABLED = not PURE_PYTHON

#: Outcomes of :func:`_box_solve_small`.
SOLVED, NO_FREE, SINGULAR, NO_CONVERGENCE = 0, 1, 2, 3
#: Outcomes of :func:`_path_point_small`: certify the point (inside a segment, or an end of the path), or
#: leave it to the Python loops.
POINT, END_POINT, GIVE_UP = 0, 1, 2
#: ``kind`` codes of :func:`_path_point_small` (the strings of :func:`.box_path._path_point`).
KINDS = {"return": 0, "variance": 1, "sharpe": 2}


@jit
def _box_solve_small(Q, rs, mu, scale, shift, lam, lower, upper, state, max_iter, w0, w1, m0, m1):
    """Primal-dual active set of ``min 1/2 w'(scale Q + shift I)w - lam mu'w`` over the budget and the box.

    From ``state`` (n,) int64 (0 free, -1 at the lower bound, +1 at the upper; updated in place) until
    the set repeats. Fills the parts of the last set's solution, ``w = w0 + lam w1`` (n,) and the bound
    multipliers ``m0 + lam m1`` (n,; 0 on free assets); returns ``(outcome, nu0, nu1, n_iter)`` with the
    budget multiplier ``nu0 + lam nu1`` and the number of sets solved. ``outcome`` is :data:`SOLVED` only when the
    last update changed nothing.

    ``rs`` is the range-space workspace of :func:`.box_range._range_workspace` (``(U, Yt, G, vec, col)``, from
    :func:`_workspace`): with ``U = L'`` of a factor of ``Q`` (``scale = 1``, ``shift = 0``), a set is solved
    through it when that costs fewer flops than factorising the free block (:func:`.box_range._prefer_range`;
    its columns are kept in ``rs`` for later sets and calls); with a 0 x 0 ``U`` the free block is factorised.
    """
    n = Q.shape[0]
    U, Yt, G, vec, col = rs
    M = np.empty((n + 1, n + 1))
    R = np.empty((2, n + 1))
    F = np.empty(n, dtype=np.int64)
    B = np.empty(n, dtype=np.int64)
    QFF = np.empty((n, n))
    X = np.empty((3, n))
    inv_diag = np.empty(n)
    mB = np.empty(n)
    w = np.empty(n)
    nu0 = 0.0
    nu1 = 0.0
    for it in range(1, max_iter + 1):
        nf = 0
        nb = 0
        for i in range(n):
            if state[i] == 0:
                F[nf] = i
                nf += 1
            else:
                B[nb] = i
                nb += 1
        if nf == 0:
            return NO_FREE, nu0, nu1, it
        for i in range(n):
            if state[i] < 0:
                w0[i] = lower[i]
            elif state[i] > 0:
                w0[i] = upper[i]
            else:
                w0[i] = 0.0
            w1[i] = 0.0
        if _prefer_range(U, col, B[:nb], nf):
            if not _range_solve_factored(U, Yt, G, vec, col, B[:nb], w0, w1, m0, m1, M, R):
                return SINGULAR, nu0, nu1, it
            nu0 = R[0, nb]
            nu1 = R[1, nb]
            for b in range(nb):
                mB[b] = m0[B[b]] + lam * m1[B[b]]
            for i in range(n):
                w[i] = w0[i] + lam * w1[i]
            if not _update_state(state, B[:nb], mB[:nb], w, lower, upper):
                return SOLVED, nu0, nu1, it
            continue
        vsum = 0.0
        for b in range(nb):
            vsum += w0[B[b]]
        for a in range(nf):
            fa = F[a]
            row = Q[fa]
            for c in range(a + 1):
                QFF[a, c] = scale * row[F[c]]
            QFF[a, a] += shift
            t = 0.0
            for b in range(nb):
                t += row[B[b]] * w0[B[b]]
            X[0, a] = -scale * t
            X[1, a] = 1.0
            X[2, a] = mu[fa]
        if not _cholesky_in_place(QFF[:nf, :nf]):
            return SINGULAR, nu0, nu1, it
        for a in range(nf):
            inv_diag[a] = 1.0 / QFF[a, a]
        for k in range(3):
            _cholesky_solve_in_place(QFF[:nf, :nf], inv_diag[:nf], X[k, :nf])
        sc = 0.0
        s0 = 0.0
        s2 = 0.0
        for a in range(nf):
            s0 += X[0, a]
            sc += X[1, a]
            s2 += X[2, a]
        if not sc > 0.0:
            return SINGULAR, nu0, nu1, it
        nu0 = (1.0 - vsum - s0) / sc
        nu1 = -s2 / sc
        for a in range(nf):
            fa = F[a]
            w0[fa] = X[0, a] + nu0 * X[1, a]
            w1[fa] = X[2, a] + nu1 * X[1, a]
        for i in range(n):
            m0[i] = 0.0
            m1[i] = 0.0
        for b in range(nb):
            i = B[b]
            row = Q[i]
            g0 = 0.0
            g1 = 0.0
            for j in range(n):
                g0 += row[j] * w0[j]
                g1 += row[j] * w1[j]
            m0[i] = scale * g0 + shift * w0[i] - nu0
            m1[i] = scale * g1 + shift * w1[i] - mu[i] - nu1
            mB[b] = m0[i] + lam * m1[i]
        for i in range(n):
            w[i] = w0[i] + lam * w1[i]
        if not _update_state(state, B[:nb], mB[:nb], w, lower, upper):
            return SOLVED, nu0, nu1, it
    return NO_CONVERGENCE, nu0, nu1, max_iter


@jit
def _interval_small(w0, w1, m0, m1, state, lower, upper):
    """The ``(a, b)`` of ``lam >= 0`` over which the active set is optimal (``a > b``: nowhere), as
    :func:`.box_path._interval`."""
    a = 0.0
    b = np.inf
    flat_wrong = False
    for i in range(state.shape[0]):
        for side in range(2):
            if state[i] == 0:
                alpha = w0[i] - lower[i] if side == 0 else upper[i] - w0[i]
                beta = w1[i] if side == 0 else -w1[i]
            elif side == 0 and lower[i] < upper[i]:
                sign = 1.0 if state[i] < 0 else -1.0
                alpha = sign * m0[i]
                beta = sign * m1[i]
            else:
                continue
            if beta > 0.0:
                a = max(a, -alpha / beta)
            elif beta < 0.0:
                b = min(b, -alpha / beta)
            elif alpha < 0.0:
                flat_wrong = True
    if flat_wrong:
        return 1.0, 0.0
    return a, b


@jit
def _k_at(k0, k1, k2, lam):
    return k0 + lam * (k1 + lam * k2)


@jit
def _pick_root(k1, k2, r1, r2, ok1, ok2):
    """The first acceptable root where ``k`` turns from positive to negative (slope not positive),
    else the first acceptable one; ``nan`` if none (the ordering of :func:`.box_path._root_in`)."""
    if ok1 and not (k1 + 2.0 * k2 * r1) > 0.0:
        return r1
    if ok2 and not (k1 + 2.0 * k2 * r2) > 0.0:
        return r2
    if ok1:
        return r1
    if ok2:
        return r2
    return np.nan


@jit
def _root_in_small(k0, k1, k2, a, b):
    """:func:`.box_path._root_in`: the root of ``k`` in ``[a, b]`` turning from + to -, else ``nan``."""
    ka = _k_at(k0, k1, k2, a)
    if np.isfinite(b):
        kb = _k_at(k0, k1, k2, b)
    elif k2 < 0.0 or (k2 == 0.0 and k1 < 0.0):
        kb = -np.inf
    elif k2 > 0.0 or k1 > 0.0:
        kb = np.inf
    else:
        kb = k0
    if ka < 0.0 or kb > 0.0:
        return np.nan
    if ka == 0.0:
        return a
    bb = b if np.isfinite(b) else 1.0
    if k2 == 0.0 or abs(k2) * max(1.0, bb) < 1e-14 * (abs(k1) + abs(k0)):
        return min(max(-k0 / k1, a), b) if k1 != 0.0 else np.nan
    disc = k1 * k1 - 4.0 * k2 * k0
    if disc < 0.0:
        return np.nan
    q = -0.5 * (k1 + np.copysign(np.sqrt(disc), k1))
    r1 = q / k2
    r2 = k0 / q if q != 0.0 else np.nan
    lo = a - 1e-12 * max(1.0, abs(a))
    hi = b + 1e-12 * max(1.0, abs(b))
    r = _pick_root(k1, k2, r1, r2, np.isfinite(r1) and lo <= r1 <= hi, np.isfinite(r2) and lo <= r2 <= hi)
    return min(max(r, a), b) if np.isfinite(r) else np.nan


@jit
def _next_lam_small(k0, k1, k2, lo_br, hi_br):
    """:func:`.box_path._next_lam`: the extended segment's root inside ``(lo_br, hi_br)``, else a bisection."""
    r1 = np.nan
    r2 = np.nan
    if k2 != 0.0:
        disc = k1 * k1 - 4.0 * k2 * k0
        if disc >= 0.0:
            q = -0.5 * (k1 + np.copysign(np.sqrt(disc), k1))
            r1 = q / k2
            if q != 0.0:
                r2 = k0 / q
    elif k1 != 0.0:
        r1 = -k0 / k1
    r = _pick_root(k1, k2, r1, r2, np.isfinite(r1) and lo_br < r1 < hi_br, np.isfinite(r2) and lo_br < r2 < hi_br)
    if np.isfinite(r):
        return r
    if np.isfinite(hi_br):
        return 0.5 * (lo_br + hi_br)
    return 2.0 * lo_br + 1e-12


@jit
def _path_point_small(Q, rs, mu, lower, upper, kind, target, lam0, state, max_segments, max_iter, w0, w1, m0, m1):
    """The search of :func:`.box_path._path_point` (``scale = 1``, no shift) in one compiled call.

    ``kind``: 0 return (``k = target - mu'w``), 1 variance (``k = target - w'Qw``), 2 Sharpe
    (``k = w'Qw - lam (mu'w - target)``). Returns ``(outcome, lam, nu0, nu1)``: :data:`POINT` or
    :data:`END_POINT` with ``w0, w1, state`` (and ``nu0, nu1``) the segment to certify at ``lam``, or
    :data:`GIVE_UP` (the Python loops decide, including every case they answer ``None``).
    """
    lo_br = 0.0
    hi_br = np.inf
    lam = lam0
    n = Q.shape[0]
    for _ in range(max_segments):
        outcome, nu0, nu1, _n = _box_solve_small(Q, rs, mu, 1.0, 0.0, lam, lower, upper, state, max_iter, w0, w1,
                                                 m0, m1)
        if outcome != SOLVED:
            return GIVE_UP, lam, nu0, nu1
        n_free = 0
        for i in range(n):
            if state[i] == 0:
                n_free += 1
        if n_free == 0:
            return GIVE_UP, lam, nu0, nu1
        a, b = _interval_small(w0, w1, m0, m1, state, lower, upper)
        if a > b * (1.0 + 1e-12) + 1e-300:
            return GIVE_UP, lam, nu0, nu1
        a = min(a, lam)
        b = max(b, lam)
        R0 = 0.0
        R1 = 0.0
        mv0 = 0.0
        mv1 = 0.0
        any_w1 = False
        for i in range(n):
            R0 += mu[i] * w0[i]
            R1 += mu[i] * w1[i]
            if w1[i] != 0.0:
                any_w1 = True
            if state[i] != 0:
                mv0 += m0[i] * w0[i]
                mv1 += m1[i] * w0[i]
        V0 = nu0 + mv0
        c = R0 + nu1 + mv1
        if kind == 0:
            k0, k1, k2 = target - R0, -R1, 0.0
        elif kind == 1:
            k0, k1, k2 = target - V0, -2.0 * c, -R1
        else:
            k0, k1, k2 = V0, 2.0 * c - R0 + target, 0.0
        root = _root_in_small(k0, k1, k2, a, b)
        if np.isfinite(root):
            return POINT, root, nu0, nu1
        if _k_at(k0, k1, k2, a) < 0.0:
            if a <= 0.0:
                if kind != 0:
                    return GIVE_UP, lam, nu0, nu1
                return END_POINT, 0.0, nu0, nu1
            hi_br = min(hi_br, a)
        else:
            if not np.isfinite(b):
                if kind != 2 and not any_w1:
                    return END_POINT, a, nu0, nu1
                return GIVE_UP, lam, nu0, nu1
            lo_br = max(lo_br, b)
        lam = _next_lam_small(k0, k1, k2, lo_br, hi_br)
    return GIVE_UP, lam, 0.0, 0.0


#: The factor of no matrix (C order, as the transposes of LAPACK's factors: one compiled specialisation).
_NO_FACTOR = np.empty((0, 0))


def _workspace(L, mu):
    """The range-space workspace of the lower Cholesky factor ``L`` of ``Q`` (None: none, the free block is
    factorised in every set) for :func:`_box_solve_small`; it holds ``L'`` (C order, no copy of LAPACK's factor)."""
    return _range_workspace(_NO_FACTOR if L is None else np.ascontiguousarray(L.T), mu)


def _solve_small(Q, L, mu, scale, shift, lam, lower, upper, state, max_iter):
    """:func:`_box_solve_small` as a solution tuple of :meth:`.box_path._BoxKKT.solve` (``state`` updated),
    or ``None`` with ``state`` unchanged when the kernel stops short. ``L``: the factor of ``Q`` or None."""
    n = state.size
    rs = _workspace(L if scale == 1.0 and shift == 0.0 else None, mu)
    trial = state.copy()
    w0, w1, m0, m1 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    outcome, nu0, nu1, _ = _box_solve_small(Q, rs, mu, float(scale), float(shift), float(lam), lower, upper, trial,
                                            max_iter, w0, w1, m0, m1)
    if outcome != SOLVED:
        return None
    state[:] = trial
    B = np.flatnonzero(trial)
    return w0, w1, nu0, nu1, B, m0[B], m1[B]


def _point_small(Q, L, mu, lower, upper, kind, target, lam0, state, max_segments, max_iter):
    """:func:`_path_point_small` from a copy of ``state``: ``(end, lam, sol, state)`` to certify, or ``None``.
    ``L``: the lower Cholesky factor of ``Q``."""
    n = state.size
    trial = state.copy()
    w0, w1, m0, m1 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    outcome, lam, nu0, nu1 = _path_point_small(Q, _workspace(L, mu), mu, lower, upper, KINDS[kind], float(target),
                                               float(lam0), trial, max_segments, max_iter, w0, w1, m0, m1)
    if outcome == GIVE_UP:
        return None
    B = np.flatnonzero(trial)
    return outcome == END_POINT, lam, (w0, w1, nu0, nu1, B, m0[B], m1[B]), trial


def _min_variance_small(C, L, lower, upper, max_iter):
    """The box minimum variance (``lam = 0``) by :func:`_box_solve_small` through the factor ``L`` of ``C``:
    ``(outcome, n_iter, nu, weights, state)``, ``nu`` the budget multiplier (:data:`SOLVED` when the set settled),
    ``n_iter`` the active sets solved."""
    n = C.shape[0]
    zeros = np.zeros(n)
    state = np.where(lower == upper, -1, 0).astype(np.int64)
    w0, w1, m0, m1 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    outcome, nu0, _, n_iter = _box_solve_small(C, _workspace(L, zeros), zeros, 1.0, 0.0, 0.0, lower, upper, state,
                                               max_iter, w0, w1, m0, m1)
    return outcome, n_iter, nu0, w0, state
