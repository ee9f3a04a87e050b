"""The active set of the standard-form QP: reduced gradients, the set update, and the face QP.

The state of an active-set method on the standard form of :mod:`.constraints` is the free set
``free[:f]`` (``pos[j]`` its position, ``is_free[j]``), the KKT inverse ``M`` of :mod:`.kkt` and
``cbound = C_(:,B) x_B``, the covariance times the variables held at a bound. :func:`_fix_at_bound`
and :func:`_release` are the one place where a variable leaves or joins the free set; the
critical line (:mod:`.cla`) and :func:`_face_qp` both use them.

:func:`_face_qp` is a primal active-set method minimising variance over the variables allowed to
move (all of them for :func:`~kernels.mean_variance.portfolios.min_variance`), exact at termination.

The scans over every variable (O(n_vars * n_free)) have a NumPy path (``*_numpy``, the same arguments
and results) that takes their place without Numba (:func:`kernels._jit.vectorised`).
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, vectorised
from .kkt import _kkt_add, _kkt_remove, _kkt_solve
from .status import Status


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


def _reduced_gradients_numpy(C, E, n_assets, free, f, sol, cfree, cand):
    """:func:`_reduced_gradient` at every variable of ``cand`` (int array) at once; ``cfree`` None is zero."""
    k = E.shape[0]
    g = E[:, cand].T @ sol[:k]
    F = free[:f]
    held = F < n_assets
    assets = cand < n_assets
    rows = cand[assets]
    g[assets] += C[np.ix_(rows, F[held])] @ sol[k:k + f][held]
    if cfree is not None:
        g[assets] += cfree[rows]
    return g


def _bounded_product_numpy(C, n_assets, is_free, x, out):
    """:func:`_bounded_product` with NumPy."""
    held = np.flatnonzero(~is_free[:n_assets] & (x[:n_assets] != 0.0))
    out[:] = C[:, held] @ x[held]


@vectorised(_bounded_product_numpy)
@jit
def _bounded_product(C, n_assets, is_free, x, out):
    """``out[i] = sum over bounded assets j of C[i, j] x_j`` (recomputed from scratch)."""
    out[:] = 0.0
    for j in range(n_assets):
        if not is_free[j] and x[j] != 0.0:
            xj = x[j]
            for i in range(n_assets):
                out[i] += C[i, j] * xj


def _constant_rhs_numpy(C, E, b, n_assets, free, f, is_free, x, cbound, rhs):
    """:func:`_constant_rhs` with NumPy."""
    k = E.shape[0]
    bound = ~is_free
    rhs[:k] = b - E[:, bound] @ x[bound]
    F = free[:f]
    assets = F < n_assets
    rhs[k:k + f] = 0.0
    rhs[k:k + f][assets] = -cbound[F[assets]]


@vectorised(_constant_rhs_numpy)
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


def _entering_variable_numpy(C, E, n_assets, free, f, x, sol, cbound, lo, hi, is_free, blocked, allowed, gtol):
    """:func:`_entering_variable` with NumPy (the first of equal violations, as the loop)."""
    cand = np.flatnonzero(~is_free & ~blocked & allowed & (hi - lo > 0.0))
    if cand.size == 0:
        return -1
    g = _reduced_gradients_numpy(C, E, n_assets, free, f, sol, cbound, cand)
    viol = np.where(x[cand] <= lo[cand], -g, g)
    best = int(np.argmax(viol))
    return int(cand[best]) if viol[best] > gtol else -1


@vectorised(_entering_variable_numpy)
@jit
def _entering_variable(C, E, n_assets, free, f, x, sol, cbound, lo, hi, is_free, blocked, allowed, gtol):
    """The bounded variable whose bound is most violated by the KKT point ``sol`` (reduced gradient
    of the wrong sign, beyond ``gtol``) among those allowed and not blocked; -1 if none."""
    worst = gtol
    enter = -1
    for j in range(E.shape[1]):
        if is_free[j] or blocked[j] or not allowed[j] or hi[j] - lo[j] <= 0.0:
            continue
        g = _reduced_gradient(C, E, n_assets, free, f, x, sol, j, cbound)
        viol = -g if x[j] <= lo[j] else g
        if viol > worst:
            worst, enter = viol, j
    return enter


def _step_to_block_numpy(free, f, k, x, sol, lo, hi):
    """:func:`_step_to_block` with NumPy (the first of equal ratios blocks, as in the loop)."""
    F = free[:f]
    xf = x[F]
    d = sol[k:k + f] - xf
    moving = np.abs(d) > 1e-14 * (1.0 + np.abs(xf))
    if not moving.any():
        return False, -1, False
    up = d >= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(up, np.maximum(hi[F] - xf, 0.0) / d, np.maximum(xf - lo[F], 0.0) / -d)
    ratio = np.where(moving, ratio, np.inf)
    p = int(np.argmin(ratio))
    t, block, block_up = 1.0, -1, False
    if ratio[p] < 1.0:
        t, block, block_up = float(ratio[p]), p, bool(up[p])
    x[F] = xf + t * d
    return True, block, block_up


@vectorised(_step_to_block_numpy)
@jit
def _step_to_block(free, f, k, x, sol, lo, hi):
    """Move the free variables from ``x`` towards the KKT point ``sol`` until one reaches a bound.

    Returns ``(moved, block, up)``: whether any variable moved, the position in the free set of
    the one that blocked the step (-1: the whole step was taken) and whether at its upper bound.
    """
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
    return moved, block, block_up


@jit
def _fix_at_bound(C, E, n_assets, free, f, pos, is_free, M, cbound, x, p, value):
    """The free variable at position ``p`` moves to its bound ``value`` and leaves the free set.

    Returns False when the smaller KKT matrix would be singular (then ``x`` holds ``value`` but the
    set is unchanged). The caller lowers its count ``f`` by one on success.
    """
    j = free[p]
    x[j] = value
    if not _kkt_remove(E, free, f, pos, M, p):
        return False
    pos[j] = -1
    is_free[j] = False
    if j < n_assets:
        cbound += C[j] * value  # C is symmetric: row j is column j
    return True


@jit
def _release(C, E, n_assets, free, f, pos, is_free, M, cbound, x, j):
    """The bounded variable ``j`` joins the free set (at position ``f``).

    Returns False (no change) when it is linearly dependent on the free set. The caller raises
    its count ``f`` by one on success.
    """
    if not _kkt_add(C, E, n_assets, free, f, pos, M, j):
        return False
    is_free[j] = True
    if j < n_assets:
        cbound -= C[j] * x[j]  # C is symmetric: row j is column j
    return True


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
        moved, block, block_up = _step_to_block(free, f, k, x, sol, lo, hi)
        if moved:
            if block >= 0:
                j = free[block]
                if not _fix_at_bound(C, E, n_assets, free, f, pos, is_free, M, cbound, x, block,
                                     hi[j] if block_up else lo[j]):
                    return Status.SINGULAR, f
                f -= 1
                blocked[:] = False
            continue
        if it % 4 != 0:
            _kkt_solve(C, E, n_assets, free, f, M, rhs, sol, work, True)
        for p in range(f):
            x[free[p]] = sol[k + p]
        enter = _entering_variable(C, E, n_assets, free, f, x, sol, cbound, lo, hi, is_free, blocked, allowed, gtol)
        if enter < 0:
            return Status.OK, f
        if _release(C, E, n_assets, free, f, pos, is_free, M, cbound, x, enter):
            f += 1
        else:
            blocked[enter] = True
    return Status.MAX_ITER, f
