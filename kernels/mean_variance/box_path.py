"""Points of the efficient path under box bounds, found without walking the path (issues 16, 21).

The path is the family of box QPs, one per risk tolerance ``lam >= 0``::

    minimise 1/2 w' Q w - lam mu' w   subject to   sum(w) = 1,   lower <= w <= upper,

(``Q = C``, or ``C + gamma I`` with L2). On a fixed active set (the assets held at each bound) the
solution is affine in ``lam``: ``w = w0 + lam w1``, the budget multiplier ``nu = nu0 + lam nu1`` and
the bound multipliers ``m = m0 + lam m1``, both parts from one KKT system with two right-hand sides
(:class:`_BoxKKT`). The set stays optimal over an interval of ``lam`` (free weights within their
bounds, multipliers of the right sign), a segment of the path.

* Risk aversion ``delta`` is the single box QP at ``lam = 1 / delta`` (with ``Q = C + (2 gamma /
  delta) I``): the primal-dual active set of :mod:`.box_active_set` with the linear term
  (:func:`_solve_at`).
* A target return, a target volatility and the maximum Sharpe ratio are each the root of a function
  ``k(lam)`` that is positive before the point and negative after it (``r - mu'w``, ``sigma^2 - w'Qw``,
  ``w'Qw - lam (mu'w - rf)``, whose sign is that of the Sharpe ratio's slope along the path). On a
  segment ``k`` is a quadratic in ``lam`` with known coefficients: :func:`_path_point` solves the
  box QP at a trial ``lam``, takes its segment, and either finds the root inside it (exact: the answer)
  or jumps to the root of the segment's extension (a Newton step), kept inside a bracket of ``lam``
  (bisection when the jump leaves it). Each step costs one warm-started active-set solve, a few
  segments instead of every turning point below the answer.

Every answer is certified as :mod:`.box_active_set` certifies its own (KKT conditions checked on ``Q``
at the weights: bounds, budget, stationarity of the free assets, multiplier signs, and the target
met); otherwise the functions return ``None`` and the caller walks the exact path. The work here is
NumPy and LAPACK, the same with and without Numba; compiled, up to :data:`.box_small.SMALL_N` assets, the
active-set loop and the search for the point run in :mod:`.box_small` (the Python overhead of these small
calls was most of the time at 20-100 assets), their answers certified here by the same checks, and this
code runs whenever they stop short.
"""

from __future__ import annotations

import numpy as np
import scipy  # scipy.linalg loads on first use (`import kernels` stays fast)

from .box_active_set import (
    KKT_RTOL,
    _certified_factor,
    _prefer_free_set,
    _unit_solves,
    _update_state,
)
from .box_small import ENABLED as SMALL_ENABLED
from .box_small import SMALL_N, _point_small, _solve_small
from .box_vertex import _one_change, _top_start, _vertex

#: Relative tolerance on the target met by a certified point (return, variance, Sharpe condition).
TARGET_RTOL = 1e-9
#: A return target beyond an end of the path by less than this (relative) is met by the end (as the path does).
END_RTOL = 1e-10
#: Most segments visited by :func:`_path_point` before it gives up (the caller walks the path).
MAX_SEGMENTS = 60
#: Most primal-dual active-set iterations per box QP.
MAX_ITER = 50


class _BoxKKT:
    """The KKT systems of the box QP on a given active set, both parts (``lam`` = 0 and its slope).

    Range space (few assets at a bound), with ``Q = L L'``, ``z = L^-1 1``, ``z1 = L^-1 mu`` and the
    columns ``Y = L^-1 E_B`` computed once per asset that ever reaches a bound::

        [[Y'Y, Y'z], [z'Y, z'z]] [m; nu] = [v_B; 1]  (lam part: [-Y'z1; -z'z1]),  w = L^-T (lam z1 + nu z + Y m)

    Null space (few free assets): ``Q_FF [x_a, x_c, x_m] = [-Q_FB v_B, 1, mu_F]`` by Cholesky, then the
    budget gives ``nu``. The cheaper form is taken (:func:`~.box_active_set._prefer_free_set`).
    """

    def __init__(self, Q, L, mu, shift=0.0, scale=1.0):
        n = Q.shape[0]
        self.Q, self.L, self.mu = Q, L, mu
        # the matrix is scale Q + shift I; with L None only the null-space form is used (no factor of it)
        self.shift, self.scale = float(shift), float(scale)
        self.n_cols = 0
        self.column = np.full(n, -1, dtype=np.int64)
        self.free_solves = 0  # null-space factorisations so far (they weigh the next choice of form)
        if L is None:
            return
        trsv = scipy.linalg.blas.dtrsv
        self.z = trsv(L, np.ones(n), lower=1)
        self.z1 = trsv(L, mu, lower=1)
        self.s = float(self.z @ self.z)
        self.s1 = float(self.z @ self.z1)
        self.Y = np.empty((n, 0), order="F")
        self.G = np.empty((0, 0))
        self.Yz = np.empty(n)
        self.Yz1 = np.empty(n)

    def _add_columns(self, new):
        k, used = new.size, self.n_cols
        if used + k > self.Y.shape[1]:
            cap = min(self.Q.shape[0], 2 * (used + k))
            Y2 = np.empty((self.Q.shape[0], cap), order="F")
            Y2[:, :used] = self.Y[:, :used]
            G2 = np.empty((cap, cap))
            G2[:used, :used] = self.G[:used, :used]
            self.Y, self.G = Y2, G2
        Y, G = self.Y, self.G
        _unit_solves(self.L, new, Y[:, used:used + k])
        G[used:used + k, :used + k] = Y[:, used:used + k].T @ Y[:, :used + k]
        G[:used, used:used + k] = G[used:used + k, :used].T
        self.Yz[used:used + k] = Y[:, used:used + k].T @ self.z
        self.Yz1[used:used + k] = Y[:, used:used + k].T @ self.z1
        self.column[new] = np.arange(used, used + k)
        self.n_cols += k

    def solve(self, state, lower, upper, free_form=False):
        """``(w0, w1, nu0, nu1, B, m0, m1)`` on the active set ``state``, or ``None`` if singular.

        ``B`` lists the assets at a bound, ``m0 + lam m1`` their multipliers (``Q w - lam mu - nu`` there).
        """
        Q, mu = self.Q, self.mu
        n = Q.shape[0]
        bound = state != 0
        B = np.flatnonzero(bound)
        F = np.flatnonzero(~bound)
        nb, nf = B.size, F.size
        if nf == 0:
            return None
        vB = np.where(state[B] < 0, lower[B], upper[B])
        new = B[self.column[B] < 0]
        if self.L is not None and not free_form and not _prefer_free_set(n, nb, new.size, self.free_solves):
            if new.size:
                self._add_columns(new)
            pos = self.column[B]
            M = np.empty((nb + 1, nb + 1))
            M[:nb, :nb] = self.G[np.ix_(pos, pos)]
            M[nb, :nb] = self.Yz[pos]
            M[nb, nb] = self.s
            rhs = np.empty((nb + 1, 2), order="F")
            rhs[:nb, 0], rhs[nb, 0] = vB, 1.0
            rhs[:nb, 1], rhs[nb, 1] = -self.Yz1[pos], -self.s1
            _, sol, info = scipy.linalg.lapack.dposv(M, rhs, lower=1)
            if info != 0:
                return None
            nu0, nu1 = float(sol[nb, 0]), float(sol[nb, 1])
            by_column = np.zeros((self.n_cols, 2), order="F")
            by_column[pos] = sol[:nb]
            X = self.Y[:, :self.n_cols] @ by_column
            X[:, 0] += nu0 * self.z
            X[:, 1] += nu1 * self.z + self.z1
            X = scipy.linalg.blas.dtrsm(1.0, self.L, X, lower=1, trans_a=1)
            return X[:, 0], X[:, 1], nu0, nu1, B, sol[:nb, 0], sol[:nb, 1]
        self.free_solves += 1
        # products with the whole Q (BLAS) rather than copies of its blocks: Q_FB v_B = (Q v)_F with v zero on F
        W = np.zeros((n, 2), order="F")
        W[B, 0] = vB
        QFF = Q[np.ix_(F, F)]
        if self.scale != 1.0:
            QFF *= self.scale
        QFF[np.diag_indices(nf)] += self.shift
        rhs = np.empty((nf, 3), order="F")
        rhs[:, 0] = -self.scale * (Q @ W[:, 0])[F]
        rhs[:, 1] = 1.0
        rhs[:, 2] = mu[F]
        _, X, info = scipy.linalg.lapack.dposv(QFF, rhs, lower=1)
        sc = float(X[:, 1].sum())
        if info != 0 or not sc > 0.0:
            return None
        nu0 = (1.0 - float(vB.sum()) - float(X[:, 0].sum())) / sc
        nu1 = -float(X[:, 2].sum()) / sc
        W[F, 0] = X[:, 0] + nu0 * X[:, 1]
        W[F, 1] = X[:, 2] + nu1 * X[:, 1]
        QW = (Q @ W)[B]  # the bound rows of Q w0 and Q w1 (w1 is zero on B)
        m0 = self.scale * QW[:, 0] + self.shift * vB - nu0
        m1 = self.scale * QW[:, 1] - mu[B] - nu1
        return W[:, 0].copy(), W[:, 1].copy(), nu0, nu1, B, m0, m1


def _solve_at(kkt: _BoxKKT, lam, lower, upper, state, max_iter=MAX_ITER):
    """The primal-dual active set at ``lam`` from ``state`` (updated in place): the final
    :meth:`_BoxKKT.solve` tuple, or ``None`` (no convergence).

    The full update can leave no free asset (every weight at a bound, the budget missed) or a singular
    system; the last solvable set is then taken back and changed by one asset only (:func:`_one_change`).
    A set with every asset at a bound that meets the budget is checked as a vertex (:func:`_vertex`).
    """
    if SMALL_ENABLED and state.size <= SMALL_N:
        sol = _solve_small(kkt.Q, kkt.L, kkt.mu, kkt.scale, kkt.shift, lam, lower, upper, state, max_iter)
        if sol is not None:
            return sol
    last = None  # (state, solution) of the last set that could be solved
    for _ in range(max_iter):
        sol = kkt.solve(state, lower, upper)
        if sol is None:
            vertex = _vertex(kkt, lam, state, lower, upper)
            if vertex is not None:
                return vertex
            if last is None:
                return None
            state[:] = last[0]
            if not _one_change(state, last[1], lam, lower, upper):
                return None
            continue
        w0, w1, _, _, B, m0, m1 = sol
        before = state.copy()
        if not _update_state(state, B, m0 + lam * m1, w0 + lam * w1, lower, upper):
            return sol
        last = (before, sol)
    return None






def _interval(sol, state, lower, upper):
    """The ``[a, b]`` of ``lam >= 0`` over which the active set of ``sol`` is optimal (a > b: nowhere)."""
    w0, w1, _, _, B, m0, m1 = sol
    free = state == 0
    movable = lower < upper
    # rows alpha + lam beta >= 0
    alpha = np.concatenate([w0[free] - lower[free], upper[free] - w0[free]])
    beta = np.concatenate([w1[free], -w1[free]])
    at = state[B]
    keep = movable[B]
    sign = np.where(at < 0, 1.0, -1.0)[keep]
    alpha = np.concatenate([alpha, sign * m0[keep]])
    beta = np.concatenate([beta, sign * m1[keep]])
    a, b = 0.0, np.inf
    up, down = beta > 0.0, beta < 0.0
    if up.any():
        a = max(a, float(np.max(-alpha[up] / beta[up])))
    if down.any():
        b = min(b, float(np.min(-alpha[down] / beta[down])))
    flat = ~(up | down)
    if flat.any() and float(np.min(alpha[flat])) < 0.0:
        return 1.0, 0.0
    return a, b


def _k_coefficients(sol, kind, value):
    """``(k0, k1, k2)`` of ``k(lam) = k0 + k1 lam + k2 lam^2`` on the segment of ``sol``.

    With ``Q w0 = nu0 1 + E_B m0`` and ``Q w1 = mu + nu1 1 + E_B m1`` (``w1`` is 0 on ``B``):
    ``w0'Qw0 = nu0 + m0'v_B``, ``w0'Qw1 = mu'w0 + nu1 + m1'v_B`` and ``w1'Qw1 = mu'w1``.
    """
    w0, w1, nu0, nu1, B, m0, m1 = sol
    vB = w0[B]
    mu = value[1]
    R0, R1 = float(mu @ w0), float(mu @ w1)
    V0 = nu0 + float(m0 @ vB)
    c = R0 + nu1 + float(m1 @ vB)
    D = R1
    if kind == "return":
        return value[0] - R0, -R1, 0.0
    if kind == "variance":
        return value[0] - V0, -2.0 * c, -D
    # sharpe: V - lam (R - rf)
    return V0, 2.0 * c - R0 + value[0], D - R1


def _k(coef, lam):
    return coef[0] + lam * (coef[1] + lam * coef[2])


def _root_in(coef, a, b):
    """The root of ``k`` in ``[a, b]`` where it turns from positive to negative, else None."""
    k0, k1, k2 = coef
    ka = _k(coef, a)
    kb = _k(coef, b) if np.isfinite(b) else (-np.inf if (k2 < 0 or (k2 == 0 and k1 < 0)) else
                                             (np.inf if (k2 > 0 or k1 > 0) else k0))
    if ka < 0.0 or kb > 0.0:
        return None
    if ka == 0.0:
        return a
    if k2 == 0.0 or abs(k2) * max(1.0, b if np.isfinite(b) else 1.0) < 1e-14 * (abs(k1) + abs(k0)):
        return min(max(-k0 / k1, a), b) if k1 != 0.0 else None
    disc = k1 * k1 - 4.0 * k2 * k0
    if disc < 0.0:
        return None
    sq = np.sqrt(disc)
    q = -0.5 * (k1 + np.copysign(sq, k1))
    roots = [r for r in ((q / k2) if k2 != 0 else np.nan, (k0 / q) if q != 0 else np.nan) if np.isfinite(r)]
    inside = [r for r in roots if a - 1e-12 * max(1.0, abs(a)) <= r <= b + 1e-12 * max(1.0, abs(b))]
    # the crossing from + to -: the slope k1 + 2 k2 r is not positive there
    inside.sort(key=lambda r: (k1 + 2.0 * k2 * r) > 0.0)
    return min(max(inside[0], a), b) if inside else None


def _finish(kkt, sol, lam, state, lower, upper):
    """The weights at ``lam`` on the active set of ``sol``, bound assets exactly at their bounds,
    with the budget multiplier: ``(w, nu)``."""
    w0, w1, nu0, nu1 = sol[:4]
    w = w0 + lam * w1
    w[state < 0] = lower[state < 0]
    w[state > 0] = upper[state > 0]
    return w, nu0 + lam * nu1


def _certified(kkt, lam, w, nu, state, lower, upper):
    """The KKT conditions of the box QP at ``lam`` checked on ``kkt``'s matrix at ``w`` (:data:`KKT_RTOL`)."""
    if not np.all(np.isfinite(w)) or abs(float(w.sum()) - 1.0) > 1e-12 * max(1.0, float(np.abs(w).sum())):
        return False
    if np.any(w < lower) or np.any(w > upper):
        return False
    mu = kkt.mu
    g = kkt.scale * (kkt.Q @ w) + kkt.shift * w - lam * mu - nu
    top = kkt.scale * float(np.max(np.diag(kkt.Q))) + kkt.shift
    scale = top * max(1.0, float(np.max(np.abs(w)))) + abs(lam) * float(np.max(np.abs(mu))) + abs(nu)
    free = state == 0
    if free.any() and float(np.max(np.abs(g[free]))) > KKT_RTOL * scale:
        return False
    movable = lower < upper
    return not (np.any(g[(state < 0) & movable] < -KKT_RTOL * scale)
                or np.any(g[(state > 0) & movable] > KKT_RTOL * scale))


def _certified_at(kkt, sol, lam, state, lower, upper):
    """``(w, nu)`` at ``lam`` on ``sol``'s active set if certified (after a polish through the free
    block when the first check fails), else ``None``."""
    w, nu = _finish(kkt, sol, lam, state, lower, upper)
    if _certified(kkt, lam, w, nu, state, lower, upper):
        return w, nu
    polished = kkt.solve(state, lower, upper, free_form=True)
    if polished is None:
        return None
    w, nu = _finish(kkt, polished, lam, state, lower, upper)
    if _certified(kkt, lam, w, nu, state, lower, upper):
        return w, nu
    return None


def _start(Q, mu, lower, upper, chol, conditioned=False):
    """The KKT solver of ``Q`` and the initial active set, or ``(None, None)`` if ``Q`` is not certified."""
    L = _certified_factor(Q, chol, conditioned)
    if L is None:
        return None, None
    state = np.where(lower == upper, -1, 0).astype(np.int64)
    return _BoxKKT(Q, L, np.ascontiguousarray(mu, dtype=np.float64)), state


def _utility_box(Q, mu, lam, lower, upper, chol=None, conditioned=False):
    """Certified ``argmin 1/2 w'Qw - lam mu'w`` over the budget and the box, or ``None`` to fall back."""
    kkt, state = _start(Q, mu, lower, upper, chol, conditioned)
    if kkt is None:
        return None
    sol = _solve_at(kkt, lam, lower, upper, state)
    if sol is None:
        return None
    found = _certified_at(kkt, sol, lam, state, lower, upper)
    return None if found is None else found[0]


def _path_point(Q, mu, lower, upper, kind, target, chol=None, lam0=0.0, conditioned=False):
    """The point of the box path where ``k(lam)`` turns negative: ``(weights, lam)``, or ``None``.

    ``kind`` is ``"return"`` (``k = target - mu'w``), ``"variance"`` (``k = target - w'Qw``) or
    ``"sharpe"`` (``k = w'Qw - lam (mu'w - target)``, ``target`` the risk-free rate). ``lam = 0`` is
    returned when ``k(0) <= 0`` for a return target (the minimum-variance portfolio already meets
    it). ``None`` when the point cannot be certified, when ``k(0) < 0`` otherwise (a variance below
    the least attainable), or when ``k`` stays positive up to the top of the path (target out of
    reach): the caller's exact path then answers or raises its message.
    """
    kkt, state = _start(Q, mu, lower, upper, chol, conditioned)
    if kkt is None:
        return None
    value = (float(target), kkt.mu)
    if SMALL_ENABLED and state.size <= SMALL_N:  # the search compiled (:mod:`.box_small`), certified here
        fast = _point_small(kkt.Q, kkt.L, kkt.mu, lower, upper, kind, target, lam0, state, MAX_SEGMENTS, MAX_ITER)
        if fast is not None:
            found = _checked(kkt, fast[2], fast[1], fast[3], lower, upper, kind, value, end=fast[0])
            if found is not None:
                return found
    lo_br, hi_br = 0.0, np.inf  # k >= 0 at lo_br (once seen), k < 0 at hi_br
    lam = float(lam0)
    for _ in range(MAX_SEGMENTS):
        sol = _solve_at(kkt, lam, lower, upper, state)
        if sol is None:
            return None
        if kind != "sharpe" and not np.any(state == 0):
            # a vertex (w1 = 0, k constant): the answer only if it is the top of the path and meets the target
            start = _top_start(kkt, sol[0], state, lower, upper)
            if start is None or _k(_k_coefficients(sol, kind, value), lam) < 0.0:
                return None
            found = _checked(kkt, sol, lam, state, lower, upper, kind, value, end=True)
            return None if found is None else (found[0], min(start, lam))
        a, b = _interval(sol, state, lower, upper)
        if a > b * (1.0 + 1e-12) + 1e-300:
            return None
        a, b = min(a, lam), max(b, lam)  # lam itself is optimal: rounding only
        coef = _k_coefficients(sol, kind, value)
        root = _root_in(coef, a, b)
        if root is not None:
            return _checked(kkt, sol, root, state, lower, upper, kind, value)
        if _k(coef, a) < 0.0:
            if a <= 0.0:
                if kind != "return":
                    return None
                return _checked(kkt, sol, 0.0, state, lower, upper, kind, value, end=True)
            hi_br = min(hi_br, a)
        else:
            if not np.isfinite(b):
                # k > 0 up to the top of the path: a volatility cap above the top's, or a return at the
                # top's to rounding: the top itself when it is one point (w1 = 0), else the exact path decides
                if kind != "sharpe" and not np.any(sol[1]):
                    return _checked(kkt, sol, a, state, lower, upper, kind, value, end=True)
                return None
            lo_br = max(lo_br, b)
        lam = _next_lam(coef, lo_br, hi_br)
    return None




def _next_lam(coef, lo_br, hi_br):
    """The root of the segment's ``k`` extended beyond it if inside ``(lo_br, hi_br)``, else a bisection."""
    k0, k1, k2 = coef
    cand = []
    if k2 != 0.0:
        disc = k1 * k1 - 4.0 * k2 * k0
        if disc >= 0.0:
            sq = np.sqrt(disc)
            q = -0.5 * (k1 + np.copysign(sq, k1))
            cand = [q / k2] + ([k0 / q] if q != 0.0 else [])
    elif k1 != 0.0:
        cand = [-k0 / k1]
    cand = [c for c in cand if np.isfinite(c) and lo_br < c < hi_br]
    if cand:
        # where k turns from positive to negative (the slope is not positive there)
        cand.sort(key=lambda c: (k1 + 2.0 * k2 * c) > 0.0)
        return cand[0]
    if np.isfinite(hi_br):
        return 0.5 * (lo_br + hi_br)
    return 2.0 * lo_br + 1e-12


def _checked(kkt, sol, lam, state, lower, upper, kind, value, end=False):
    """``(w, lam)`` if the point is certified and meets its target, else ``None``.

    ``end``: an end of the path, where the target need only be exceeded (a return) or kept (a variance).
    """
    found = _certified_at(kkt, sol, lam, state, lower, upper)
    if found is None:
        return None
    w = found[0]
    target, mu = value
    ret = float(mu @ w)
    if kind == "return":
        ok = ret >= target - END_RTOL * max(1.0, abs(target)) if end else \
            abs(ret - target) <= TARGET_RTOL * max(1.0, abs(target))
    elif kind == "variance":
        V = float(w @ kkt.Q @ w)
        ok = V <= target * (1.0 + TARGET_RTOL) if end else abs(V - target) <= TARGET_RTOL * target
    else:
        V = float(w @ kkt.Q @ w)
        ok = ret > target and abs(V - lam * (ret - target)) <= TARGET_RTOL * V
    return (w, lam) if ok else None
