"""The critical line's scan for the next event (:mod:`.cla`): which variable reaches a bound or leaves one next.

On the line ``x = alpha + lam beta`` a free variable reaches a bound at a ``lam`` given by its own two
numbers; a bounded one leaves its bound where its reduced gradient ``(C x)_j + E_j' nu - lam mu_j``
changes sign, which needs ``C_(j,F) alpha_F`` and ``C_(j,F) beta_F`` for every bounded ``j``: the scan's
cost, O(n_bounded * n_free) numbers of ``C`` per turning point.

* :func:`_next_event_slots` (what the critical line runs) reads them from a copy of ``C`` whose columns
  are permuted to put the bounded assets first (:func:`_slot_columns`, kept by :func:`_move_column` at
  each event in O(n_assets)): each free row is read over the bounded columns only, contiguous, four rows
  per pass over the gradients.
* :func:`_next_event` (the reference, and the template of the NumPy path) reads ``C`` itself: the free
  rows whole while few are free, ``C[j, F]`` gathered per bounded row once most are
  (:func:`_rows_pay`).

Both sum every gradient in the same order (the free set's), so they return the same numbers to the
last bit. Without Numba their NumPy path (:func:`_next_event_numpy`) takes their place.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, vectorised
from .active_set import _reduced_gradients_numpy

#: Events closer than this (relative) to the current ``lam`` count as simultaneous.
LAMBDA_RTOL = 1e-9
#: How many streamed cache lines one gathered (random) line is worth in the event scan (:func:`_rows_pay`).
GATHER_COST = 2.0


@jit
def _free_event(free, f, k, alpha, beta, lo, hi, lam, last_in):
    """The first free variable to reach a bound below ``lam``: ``(lam_event, variable, up)`` (``0, -1``: none)."""
    best = 0.0
    event = -1
    event_up = False
    near = lam * (1.0 - LAMBDA_RTOL)
    for p in range(f):
        j = free[p]
        a = alpha[k + p]
        bb = beta[k + p]
        if abs(bb) <= 1e-14 * (abs(a) + 1.0):
            continue
        if bb > 0.0:
            lj = (lo[j] - a) / bb
            up = False
        else:
            lj = (hi[j] - a) / bb
            up = True
        if j == last_in and lj >= near:
            continue
        lj = min(lj, lam)
        if lj > best:
            best, event, event_up = lj, j, up
    return best, event, event_up


def _next_event_numpy(C, mu, E, n_assets, free, f, is_free, x, lo, hi, alpha, beta, cbound, zeros_n, lam, last_in,
                      last_out, qtol):
    """:func:`_next_event` with NumPy."""
    k = E.shape[0]
    near = lam * (1.0 - LAMBDA_RTOL)
    F = free[:f]
    a = alpha[k:k + f]
    bb = beta[k:k + f]
    moving = np.abs(bb) > 1e-14 * (np.abs(a) + 1.0)
    up_f = ~(bb > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lj_f = np.where(up_f, hi[F] - a, lo[F] - a) / bb
    moving &= ~((F == last_in) & (lj_f >= near))
    cand = np.flatnonzero(~is_free & (hi - lo > 0.0))
    q = _reduced_gradients_numpy(C, E, n_assets, free, f, beta, None, cand) - mu[cand]
    leaving = np.where(x[cand] <= lo[cand], q > qtol, q < -qtol)
    cand, q = cand[leaving], q[leaving]
    pg = _reduced_gradients_numpy(C, E, n_assets, free, f, alpha, cbound, cand)
    lj_b = -pg / q
    keep_b = ~((cand == last_out) & (lj_b >= near))
    lj = np.minimum(np.concatenate([lj_f[moving], lj_b[keep_b]]), lam)
    lj[np.isnan(lj)] = -np.inf  # never chosen, as in the loops (nan > best is false)
    if lj.size == 0:
        return 0.0, -1, False
    i = int(np.argmax(lj))
    if not lj[i] > 0.0:
        return 0.0, -1, False
    n_free = int(np.count_nonzero(moving))
    if i < n_free:
        return float(lj[i]), int(F[moving][i]), bool(up_f[moving][i])
    return float(lj[i]), int(cand[keep_b][i - n_free]), False


@jit
def _rows_pay(n_assets, f_assets, n_bounded):
    """Whether the event scan reads the free assets' rows of ``C`` whole rather than gathering ``C[j, F]``.

    In cache lines of 8 doubles: the rows cost ``f_assets * n_assets / 8``; the gather costs
    ``n_bounded * min(f_assets, n_assets / 8)`` lines, each a random access worth about
    :data:`GATHER_COST` streamed ones.
    """
    if f_assets == 0:
        return False
    return f_assets * n_assets < GATHER_COST * n_bounded * min(8 * f_assets, n_assets)


@jit
def _add_free_rows(C, width, n_assets, free, f, k, alpha, beta, ga, gb):
    """``ga += C_(:width,F) alpha_F`` and ``gb += C_(:width,F) beta_F`` over the free assets, four rows of ``C`` at
    a time (``C`` symmetric, or its columns permuted: row ``j`` of ``C`` is read for free asset ``j``).

    Each entry is still summed row by row in the order of the free set (the same numbers as one row at a
    time), but ``ga`` and ``gb`` are loaded and stored once per four rows instead of once per row.
    """
    rows = np.empty(f, dtype=np.int64)
    a = np.empty(f)
    bb = np.empty(f)
    n_rows = 0
    for p in range(f):
        if free[p] < n_assets:
            rows[n_rows] = free[p]
            a[n_rows] = alpha[k + p]
            bb[n_rows] = beta[k + p]
            n_rows += 1
    p = 0
    while p + 4 <= n_rows:
        r0, r1, r2, r3 = C[rows[p]], C[rows[p + 1]], C[rows[p + 2]], C[rows[p + 3]]
        a0, a1, a2, a3 = a[p], a[p + 1], a[p + 2], a[p + 3]
        b0, b1, b2, b3 = bb[p], bb[p + 1], bb[p + 2], bb[p + 3]
        for r in range(width):
            c0, c1, c2, c3 = r0[r], r1[r], r2[r], r3[r]
            t = ga[r]
            t += a0 * c0
            t += a1 * c1
            t += a2 * c2
            t += a3 * c3
            ga[r] = t
            u = gb[r]
            u += b0 * c0
            u += b1 * c1
            u += b2 * c2
            u += b3 * c3
            gb[r] = u
        p += 4
    while p < n_rows:
        row = C[rows[p]]
        ap = a[p]
        bp = bb[p]
        for r in range(width):
            ga[r] += ap * row[r]
            gb[r] += bp * row[r]
        p += 1


@vectorised(_next_event_numpy)
@jit
def _next_event(C, mu, E, n_assets, free, f, is_free, x, lo, hi, alpha, beta, cbound, zeros_n, lam, last_in,
                      last_out, qtol):
    """The next event below ``lam`` on the line ``x = alpha + lam' beta``: ``(lam_event, variable, up)``.

    A free variable reaches a bound (``up``: its upper one), or a bounded one's reduced gradient
    changes sign (it becomes free). The largest ``lam_event`` in (0, lam] wins, the first of
    equals; variable -1 when there is none (the path reaches ``lam = 0``). The variable that has
    just entered (left) is not taken back at the same ``lam``.
    """
    k, m = E.shape
    near = lam * (1.0 - LAMBDA_RTOL)
    best, event, event_up = _free_event(free, f, k, alpha, beta, lo, hi, lam, last_in)
    n_bounded = m - f
    f_assets = 0
    for p in range(f):
        if free[p] < n_assets:
            f_assets += 1
    use_rows = _rows_pay(n_assets, f_assets, n_bounded)
    if use_rows:
        # the free rows of C read once, in order (f_assets * n_assets), instead of a gather per bounded row
        ga = cbound.copy()  # summed in the order of _reduced_gradient: the same numbers to the last bit
        gb = np.zeros(n_assets)
        _add_free_rows(C, n_assets, n_assets, free, f, k, alpha, beta, ga, gb)
    else:
        ga = cbound
        gb = zeros_n
    # the reduced gradients written out here, not called: a call per bounded variable costs the reference
    # counts of its array arguments, more than the sums themselves (issue 21)
    for j in range(m):
        if is_free[j] or hi[j] - lo[j] <= 0.0:
            continue
        q = 0.0
        if j < n_assets:
            q = gb[j]
            if not use_rows:
                row = C[j]
                for p in range(f):
                    i = free[p]
                    if i < n_assets:
                        q += row[i] * beta[k + p]
        for r in range(k):
            q += E[r, j] * beta[r]
        q -= mu[j]
        at_lower = x[j] <= lo[j]
        if at_lower:
            if q <= qtol:
                continue
        elif q >= -qtol:
            continue
        pg = 0.0
        if j < n_assets:
            pg = ga[j]
            if not use_rows:
                row = C[j]
                for p in range(f):
                    i = free[p]
                    if i < n_assets:
                        pg += row[i] * alpha[k + p]
        for r in range(k):
            pg += E[r, j] * alpha[r]
        lj = -pg / q
        if j == last_out and lj >= near:
            continue
        lj = min(lj, lam)
        if lj > best:
            best, event, event_up = lj, j, False
    return best, event, event_up


def _slot_columns_numpy(C, n_assets, is_free, slot, order, Cs):
    """:func:`_slot_columns` with NumPy."""
    held = ~is_free[:n_assets]
    order[:] = np.concatenate([np.flatnonzero(held), np.flatnonzero(~held)])
    slot[order] = np.arange(n_assets)
    Cs[:] = C[:, order]
    return int(np.count_nonzero(held))


@vectorised(_slot_columns_numpy)
@jit
def _slot_columns(C, n_assets, is_free, slot, order, Cs):
    """``Cs = C[:, order]`` with the bounded assets first: ``order[s]`` the asset in column ``s``, ``slot`` its
    inverse. Returns the number of bounded assets (their columns ``:nb``)."""
    nb = 0
    for j in range(n_assets):
        if not is_free[j]:
            order[nb] = j
            nb += 1
    s = nb
    for j in range(n_assets):
        if is_free[j]:
            order[s] = j
            s += 1
    for s in range(n_assets):
        slot[order[s]] = s
    for i in range(n_assets):
        row = C[i]
        out = Cs[i]
        for s in range(n_assets):
            out[s] = row[order[s]]
    return nb


def _move_column_numpy(Cs, slot, order, j, target):
    """:func:`_move_column` with NumPy."""
    s = slot[j]
    if s != target:
        Cs[:, [s, target]] = Cs[:, [target, s]]
        jt = order[target]
        order[s], slot[jt] = jt, s
        order[target], slot[j] = j, target


@vectorised(_move_column_numpy)
@jit
def _move_column(Cs, slot, order, j, target):
    """Swap the column of asset ``j`` in ``Cs`` with column ``target`` (O(n_assets)): an asset joining the free set
    goes to the last bounded column (``nb - 1``), one leaving it to the first free column (``nb``)."""
    s = slot[j]
    if s == target:
        return
    for i in range(Cs.shape[0]):
        tmp = Cs[i, s]
        Cs[i, s] = Cs[i, target]
        Cs[i, target] = tmp
    jt = order[target]
    order[s] = jt
    slot[jt] = s
    order[target] = j
    slot[j] = target


def _next_event_slots_numpy(C, Cs, slot, nb, mu, E, n_assets, free, f, is_free, x, lo, hi, alpha, beta, cbound, lam,
                            last_in, last_out, qtol):
    """:func:`_next_event_slots` with NumPy (``C`` itself: the columns' order does not change the event)."""
    return _next_event_numpy(C, mu, E, n_assets, free, f, is_free, x, lo, hi, alpha, beta, cbound, None, lam, last_in,
                             last_out, qtol)


@vectorised(_next_event_slots_numpy)
@jit
def _next_event_slots(C, Cs, slot, nb, mu, E, n_assets, free, f, is_free, x, lo, hi, alpha, beta, cbound, lam,
                      last_in, last_out, qtol):
    """:func:`_next_event` from ``Cs = C[:, order]`` with the ``nb`` bounded assets' columns first
    (:func:`_slot_columns`): each free row read over those ``nb`` columns only. The same event, and the same
    ``lam`` to the last bit."""
    k, m = E.shape
    near = lam * (1.0 - LAMBDA_RTOL)
    best, event, event_up = _free_event(free, f, k, alpha, beta, lo, hi, lam, last_in)
    ga = np.empty(nb)
    gb = np.zeros(nb)
    for j in range(n_assets):
        if not is_free[j]:
            ga[slot[j]] = cbound[j]
    _add_free_rows(Cs, nb, n_assets, free, f, k, alpha, beta, ga, gb)
    for j in range(m):
        if is_free[j] or hi[j] - lo[j] <= 0.0:
            continue
        q = 0.0
        if j < n_assets:
            q = gb[slot[j]]
        for r in range(k):
            q += E[r, j] * beta[r]
        q -= mu[j]
        if x[j] <= lo[j]:
            if q <= qtol:
                continue
        elif q >= -qtol:
            continue
        pg = 0.0
        if j < n_assets:
            pg = ga[slot[j]]
        for r in range(k):
            pg += E[r, j] * alpha[r]
        lj = -pg / q
        if j == last_out and lj >= near:
            continue
        lj = min(lj, lam)
        if lj > best:
            best, event, event_up = lj, j, False
    return best, event, event_up
