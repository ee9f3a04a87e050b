"""The critical-line path (Markowitz 1956; Bailey & Lopez de Prado 2013), compiled with Numba.

Solves the parametric problem, for every ``lam`` from +inf down to 0,

    minimise 1/2 x' C x - lam * mu' x   subject to   E x = b,   lo <= x <= hi

in the standard form of :mod:`.constraints` (asset weights plus one slack per general linear row, so
box bounds, asset-class groups and any linear row are handled by the same exact path; with box
bounds only it is the classical CLA). Between two events the optimal ``x`` is linear in ``lam``;
the events (a free variable reaches a bound, a bounded one becomes free) are the turning points.

* Top of the path: the maximum of ``mu' x`` by the bounded simplex of :mod:`.simplex`; when
  several vertices tie (equal expected returns), the minimum-variance portfolio on that face is
  found by the active-set method of :mod:`.active_set` (``lam = +inf``).
* Each step solves two KKT systems with the bordered inverse (O(size^2) per event) and one step
  of iterative refinement, so the whole loop costs O(n_assets * n_free) per turning point.
* An asset listed twice never becomes an event (its reduced gradient stays that of its twin);
  a covariance singular along a direction that changes the return is reported (``Status.SINGULAR``).

:func:`_critical_line` returns a :class:`CriticalLinePath`; turning points run from the top
(``lam`` largest) to ``lam = 0`` (minimum variance), consecutive duplicates included. Its step
(:func:`~.cla_scan._next_event_slots`, the scan for the next event, in :mod:`.cla_scan`) and
:func:`_sharpe_at` have NumPy paths that take their place without Numba
(:func:`kernels._jit.vectorised`), as do the scans of :mod:`.active_set`, :mod:`.kkt` and
:mod:`.simplex` it calls.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import jit, vectorised
from .active_set import (
    _bounded_product,
    _constant_rhs,
    _face_qp,
    _fix_at_bound,
    _reduced_gradient,
)
from .cla_kkt import _kkt_add_lazy, _kkt_flush, _kkt_solve_pair
from .cla_scan import (  # noqa: F401  (the scans' names are read here by the tests)
    GATHER_COST,
    LAMBDA_RTOL,
    _move_column,
    _next_event,
    _next_event_numpy,
    _next_event_slots,
    _next_event_slots_numpy,
    _rows_pay,
    _slot_columns,
)
from .kkt import _kkt_init, _kkt_solve
from .simplex import _bounded_simplex
from .status import Status

#: The line ``x = alpha + lam beta`` is solved afresh (two KKT solves with iterative refinement)
#: every this many free-set changes (and at the end); in between it follows each change by an
#: O(size) update from the column of the KKT inverse that the change touches (:func:`_follow_fix`,
#: :func:`_follow_release`). The oracle tests bound the drift (relative 1e-10 or better).
REFINE_EVERY = 16


class CriticalLinePath(NamedTuple):
    """What :func:`_critical_line` returns (built inside the compiled code).

    Attributes
    ----------
    status : Status
    weights : ndarray of shape (n_turning, n_vars)
        Turning points of the standard form (assets, then slacks), from the top of the path down.
    lambdas : ndarray of shape (n_turning,)
        ``lam`` of each turning point; ``inf`` for the top point when it is not itself an event.
    """

    status: int
    weights: np.ndarray
    lambdas: np.ndarray


@jit
def _record(store, lambdas, count, x, lam):
    if count == store.shape[0]:
        bigger = np.empty((2 * store.shape[0], store.shape[1]))
        bigger[:count] = store
        store = bigger
        lam_bigger = np.empty(2 * lambdas.shape[0])
        lam_bigger[:count] = lambdas
        lambdas = lam_bigger
    store[count] = x
    lambdas[count] = lam
    return store, lambdas, count + 1


def _sharpe_at_numpy(C, mu, n_assets, free, f, x, cbound, rf):
    """:func:`_sharpe_at` with NumPy."""
    F = free[:f]
    Fa = F[F < n_assets]
    xa = x[:n_assets]
    ret = float(mu[:n_assets] @ xa)
    var = float(xa @ (cbound + C[:, Fa] @ x[Fa]))
    if var <= 0.0:
        return np.inf if ret > rf else -np.inf
    return (ret - rf) / np.sqrt(var)


@vectorised(_sharpe_at_numpy)
@jit
def _sharpe_at(C, mu, n_assets, free, f, x, cbound, rf):
    """``(mu' x - rf) / sqrt(x' C x)`` in O(n_assets * n_free) from ``cbound = C_(:,B) x_B``."""
    ret = 0.0
    var = 0.0
    for i in range(n_assets):
        ret += mu[i] * x[i]
        cx = cbound[i]
        for p in range(f):
            j = free[p]
            if j < n_assets:
                cx += C[i, j] * x[j]
        var += x[i] * cx
    if var <= 0.0:
        return np.inf if ret > rf else -np.inf
    return (ret - rf) / np.sqrt(var)


def _follow_fix_numpy(M, k, f, p, value, alpha, beta):
    """:func:`_follow_fix` with NumPy."""
    s = k + f
    ip = k + p
    col = M[ip, :s].copy()
    ta = (value - alpha[ip]) / col[ip]
    tb = -beta[ip] / col[ip]
    alpha[:s] += ta * col
    beta[:s] += tb * col
    alpha[ip], beta[ip] = alpha[s - 1], beta[s - 1]


@vectorised(_follow_fix_numpy)
@jit
def _follow_fix(M, k, f, p, value, alpha, beta):
    """The line after the free variable at position ``p`` is fixed at ``value``, in O(size).

    Call before the KKT inverse ``M`` is downdated: with the multiplier of the new constraint
    ``x_p = value`` the new solutions are ``alpha + M e_p t_a``, ``beta + M e_p t_b``; entry ``p``
    then takes the last one's place, as :func:`~.kkt._kkt_remove` moves the last variable there.
    """
    s = k + f
    ip = k + p
    pivot = M[ip, ip]
    ta = (value - alpha[ip]) / pivot
    tb = -beta[ip] / pivot
    row = M[ip]  # M is symmetric: row ip is column ip
    for a in range(s):
        alpha[a] += ta * row[a]
        beta[a] += tb * row[a]
    alpha[ip] = alpha[s - 1]
    beta[ip] = beta[s - 1]


def _follow_release_numpy(C, E, n_assets, free, f, M, j, xj, rho, muj, alpha, beta):
    """:func:`_follow_release` with NumPy."""
    k = E.shape[0]
    s = k + f
    F = free[:f]
    v = np.zeros(s)
    v[:k] = E[:, j]
    d = 0.0
    if j < n_assets:
        held = F < n_assets
        v[k:][held] = C[j, F[held]]
        d = C[j, j]
    sigma = 1.0 / M[s, s]
    col = M[s, :s].copy()
    ys_a = (rho - float(v @ alpha[:s]) - (d - sigma) * xj) / sigma
    ys_b = (muj - float(v @ beta[:s])) / sigma
    alpha[:s] -= col * sigma * (xj - ys_a)
    beta[:s] += col * sigma * ys_b
    alpha[s], beta[s] = ys_a, ys_b


@vectorised(_follow_release_numpy)
@jit
def _follow_release(C, E, n_assets, free, f, M, j, xj, rho, muj, alpha, beta):
    """The line after the bounded variable ``j`` (at ``xj``) joined the free set at position ``f``, in O(size).

    Call after :func:`~.kkt._kkt_add` bordered ``M``: its new last row is ``-u / sigma`` with
    ``u = M_old v``, ``v = [E_j; C_Fj]`` and the Schur complement ``sigma = 1 / M[s, s]``. The right-hand
    sides gain ``v xj`` (alpha) and the new entries ``rho = -(C_(:,B) x_B)_j`` and ``mu_j``; the
    bordered solve gives the new entry ``y_s = (rho - u' r) / sigma`` and ``y = y_old - u y_s``.
    """
    k = E.shape[0]
    s = k + f
    va = 0.0
    vb = 0.0
    for r in range(k):
        va += E[r, j] * alpha[r]
        vb += E[r, j] * beta[r]
    d = 0.0
    if j < n_assets:
        d = C[j, j]
        crow = C[j]
        for p in range(f):
            i = free[p]
            if i < n_assets:
                va += crow[i] * alpha[k + p]
                vb += crow[i] * beta[k + p]
    sigma = 1.0 / M[s, s]
    ys_a = (rho - va - (d - sigma) * xj) / sigma
    ys_b = (muj - vb) / sigma
    ca = sigma * (xj - ys_a)
    cb = sigma * ys_b
    row = M[s]
    for a in range(s):
        alpha[a] -= ca * row[a]
        beta[a] += cb * row[a]
    alpha[s] = ys_a
    beta[s] = ys_b


@jit
def _critical_line(C, mu, E, b, lo, hi, n_assets, max_iter, stop_rf):
    """All turning points of the efficient frontier of the standard-form problem.

    Parameters
    ----------
    C : ndarray of shape (n_assets, n_assets)
    mu : ndarray of shape (n_vars,)
        Linear objective (expected returns; zero for slacks).
    E : ndarray of shape (k, n_vars)
        Equality rows, full row rank. b : ndarray of shape (k,).
    lo, hi : ndarray of shape (n_vars,)
        Finite bounds.
    n_assets : int
    max_iter : int
    stop_rf : float
        NaN: trace the whole path. Otherwise stop once the Sharpe ratio with this risk-free rate
        falls from one turning point to the next (it is unimodal along the frontier), which
        leaves out the costly stretch near minimum variance when only max Sharpe is wanted.

    Returns
    -------
    CriticalLinePath
    """
    k, m = E.shape
    x = np.empty(m)
    basis = np.empty(k, dtype=np.int64)
    store = np.empty((max(8, 2 * m), m))
    lambdas = np.empty(store.shape[0])
    status = _bounded_simplex(E, b, lo, hi, -mu, x, basis, max_iter)
    if status != Status.OK:
        return CriticalLinePath(status, store[:0], lambdas[:0])
    size = k + m
    M = np.zeros((size, size))
    free = np.empty(m, dtype=np.int64)
    pos = np.full(m, -1, dtype=np.int64)
    is_free = np.zeros(m, dtype=np.bool_)
    for p in range(k):
        free[p] = basis[p]
        pos[basis[p]] = p
        is_free[basis[p]] = True
    f = k
    _kkt_init(C, E, n_assets, basis, M)
    cbound = np.empty(n_assets)
    _bounded_product(C, n_assets, is_free, x, cbound)

    rhs_a = np.empty(size)
    rhs_b = np.zeros(size)
    alpha = np.empty(size)
    beta = np.empty(size)
    work = np.empty(size)
    work2 = np.empty(2 * size)
    mu_scale = 0.0
    for j in range(m):
        mu_scale = max(mu_scale, abs(mu[j]))
    c_scale = 0.0
    for i in range(n_assets):
        c_scale = max(c_scale, abs(C[i, i]))
    qtol = 1e-11 * mu_scale
    gtol = 1e-12 * max(c_scale, 1e-300)

    # lam = +inf: minimum variance over the face of maximum return (ties in mu)
    for p in range(f):
        rhs_b[k + p] = mu[free[p]]
    _kkt_solve(C, E, n_assets, free, f, M, rhs_b, beta, work)
    allowed = np.zeros(m, dtype=np.bool_)
    n_tied = 0
    for j in range(m):
        if is_free[j]:
            allowed[j] = True  # basic variables have zero reduced cost; they may leave and come back
        else:
            q = _reduced_gradient(C, E, n_assets, free, f, x, beta, j, np.zeros(n_assets)) - mu[j]
            if abs(q) <= qtol:
                allowed[j] = True
                n_tied += 1
    if n_tied > 0:
        status, f = _face_qp(C, E, b, lo, hi, n_assets, x, free, f, pos, is_free, M, cbound, allowed, gtol, max_iter)
        if status != Status.OK:
            return CriticalLinePath(status, store[:0], lambdas[:0])
    count = 0
    store, lambdas, count = _record(store, lambdas, count, x, np.inf)
    early = not np.isnan(stop_rf)
    last_sharpe = -np.inf
    if early:
        last_sharpe = _sharpe_at(C, mu, n_assets, free, f, x, cbound, stop_rf)

    lam = np.inf
    last_in = -1
    last_out = -1
    slot = np.empty(n_assets, dtype=np.int64)
    order = np.empty(n_assets, dtype=np.int64)
    Cs = np.empty((n_assets, n_assets))  # C with the bounded assets' columns first, for the event scan
    nb = _slot_columns(C, n_assets, is_free, slot, order, Cs)
    n_changes = 0
    since_solve = REFINE_EVERY
    pa = np.empty(size)  # M[:ps, :ps] + outer(pa, pu) is the KKT inverse (kkt._kkt_add_lazy); ps 0: M itself
    pu = np.empty(size)
    ps = 0
    for _ in range(max_iter):
        if n_changes >= 64:
            _bounded_product(C, n_assets, is_free, x, cbound)
            n_changes = 0
        if since_solve >= REFINE_EVERY:
            _kkt_flush(M, pa, pu, ps)
            ps = 0
            _constant_rhs(C, E, b, n_assets, free, f, is_free, x, cbound, rhs_a)
            rhs_b[:k] = 0.0
            for p in range(f):
                rhs_b[k + p] = mu[free[p]]
            _kkt_solve_pair(C, E, n_assets, free, f, M, rhs_a, rhs_b, alpha, beta, work2)
            since_solve = 0

        best, event, event_up = _next_event_slots(C, Cs, slot, nb, mu, E, n_assets, free, f, is_free, x, lo, hi, alpha,
                                                  beta, cbound, lam, last_in, last_out, qtol)
        if event < 0:
            if since_solve > 0:
                _kkt_flush(M, pa, pu, ps)
                _constant_rhs(C, E, b, n_assets, free, f, is_free, x, cbound, rhs_a)
                _kkt_solve(C, E, n_assets, free, f, M, rhs_a, alpha, work, True)
            for p in range(f):
                x[free[p]] = alpha[k + p]
            store, lambdas, count = _record(store, lambdas, count, x, 0.0)
            return CriticalLinePath(Status.OK, store[:count], lambdas[:count])
        lam = best
        for p in range(f):
            x[free[p]] = alpha[k + p] + lam * beta[k + p]
        if is_free[event]:
            value = hi[event] if event_up else lo[event]
            p_event = pos[event]
            _kkt_flush(M, pa, pu, ps)
            ps = 0
            if abs(M[k + p_event, k + p_event]) > 0.0:
                _follow_fix(M, k, f, p_event, value, alpha, beta)
            else:
                since_solve = REFINE_EVERY
            if not _fix_at_bound(C, E, n_assets, free, f, pos, is_free, M, cbound, x, p_event, value):
                return CriticalLinePath(Status.SINGULAR, store[:count], lambdas[:count])
            f -= 1
            if event < n_assets:
                _move_column(Cs, slot, order, event, nb)
                nb += 1
            last_out, last_in = event, -1
        else:
            # active_set._release with the KKT update left pending (applied in the next one's pass)
            ps = _kkt_add_lazy(C, E, n_assets, free, f, pos, M, event, pa, pu, ps)
            if ps < 0:
                # a true duplicate never gets here (its reduced gradient stays 0): C is singular
                # along a direction that changes the return, which this path cannot follow
                return CriticalLinePath(Status.SINGULAR, store[:count], lambdas[:count])
            is_free[event] = True
            if event < n_assets:
                cbound -= C[event] * x[event]  # C is symmetric: row j is column j
            rho = -cbound[event] if event < n_assets else 0.0
            _follow_release(C, E, n_assets, free, f, M, event, x[event], rho, mu[event], alpha, beta)
            f += 1
            if event < n_assets:
                _move_column(Cs, slot, order, event, nb - 1)
                nb -= 1
            last_in, last_out = event, -1
        n_changes += 1
        since_solve += 1
        store, lambdas, count = _record(store, lambdas, count, x, lam)
        if early:
            sharpe = _sharpe_at(C, mu, n_assets, free, f, x, cbound, stop_rf)
            if sharpe < last_sharpe - 1e-12 * abs(last_sharpe):
                return CriticalLinePath(Status.OK, store[:count], lambdas[:count])
            last_sharpe = sharpe
    return CriticalLinePath(Status.MAX_ITER, store[:count], lambdas[:count])
