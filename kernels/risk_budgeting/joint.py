"""Risk budgeting with bounds in one Newton iteration on the weights and the barrier weight ``lam`` together.

The bounded problem (see :mod:`kernels.risk_budgeting`) asks for ``w`` in the box and ``lam > 0`` with::

    g_i = (C w)_i - lam b_i / w_i  = 0   for assets strictly inside their bounds,
    g_i >= 0 at a lower bound,  g_i <= 0 at an upper bound,   sum(w) = 1.

:func:`.bounds._risk_budgeting` used to solve the box-constrained barrier problem to full accuracy for
each ``lam`` of a one-dimensional search (10-20 solves, each several Cholesky factorisations).
:func:`_joint_newton` instead takes projected (semismooth) Newton steps on the whole system at once: the
assets whose bound holds with the right sign of ``g`` are fixed, and the free ones and ``lam`` solve the
bordered system::

    [ C_FF + lam diag(b_F / w_F^2)   -b_F / w_F ] [dw_F]   [ -g_F         ]
    [ 1'                              0         ] [dlam] = [ 1 - sum(w)   ]

with two solves in the free block: from ``_JACOBI_FROM`` free assets first by conjugate gradients
preconditioned with the diagonal (both right-hand sides in one pass over the matrix; no factor), else
by conjugate gradients preconditioned with the factor of an earlier step whose free set contains this
one, else by a new Cholesky factorisation (1,000 assets of the issue's data: one factorisation in 13
steps, instead of nine; the diagonal fails first at the last steps' tight forcing tolerance). A step is clipped to the box and
halved until the optimality error (the certificate's measure, and ``|sum(w) - 1|``) falls. It starts
from the unbounded risk budgeting weights clipped to the box and moved by up to 20 coordinate sweeps
with ``lam`` rescaled (:func:`_warm_sweeps`), which bring the active set near the right one: each
Newton step may change it by a few assets only, so a start far from it costs steps (1,000 assets of the
issue's data: 12 steps instead of 19; 2,000: 16 instead of 44). When a step cannot reduce the error (or ``1' dw/dlam <= 0``) it stops and says so;
the caller then runs the one-dimensional search.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy  # scipy.linalg loads on first use (`import kernels` stays fast)

from .._jit import jit, vectorised
from .barrier import _kkt_error, _rounding_floor
from .descent import _sweep
from .linalg import _cholesky_solve_in_place, _copy, _exact_products, _upper_products
from .newton import _jacobi_cg, _newton_matrix
from .status import _MAX_ITER, _NOT_DESCENDING, _OK, _OK_ROUNDING


#: From this many free assets a Newton system without a usable factor is first tried by conjugate gradients
#: preconditioned with its diagonal (:func:`.newton._jacobi_cg`), at most this many passes over the matrix.
_JACOBI_FROM = 150
_JACOBI_MAX_CG = 30


class JointSolve(NamedTuple):
    """How :func:`_joint_newton` ended: a status code, Newton steps taken, the error reached and ``lam``."""

    status: int
    n_iter: int
    error: float
    lam: float


class Factor(NamedTuple):
    """A lower Cholesky factor, when the matrix is numerically positive definite."""

    ok: bool
    factor: np.ndarray


def _try_cholesky_numpy(H):
    try:
        return Factor(True, scipy.linalg.cholesky(H, lower=True, check_finite=False))
    except np.linalg.LinAlgError:
        return Factor(False, np.empty((0, 0)))


@vectorised(_try_cholesky_numpy)
@jit
def _try_cholesky(H):
    """LAPACK's lower Cholesky factor of ``H`` (a :class:`Factor`, not ``ok`` when not positive definite)."""
    try:
        return Factor(True, np.linalg.cholesky(H))
    except Exception:  # noqa: BLE001  (compiled code catches no narrower class; here: not positive definite)
        return Factor(False, np.empty((0, 0)))


@jit
def _precondition(L, inv_diag, pos, r, z, work):
    """``z = (L L')^{-1}`` applied to ``r`` placed at rows ``pos`` of the factor's coordinates (zeros elsewhere),
    read back at ``pos``: for a free set inside the factor's, the inverse of a Schur complement of the
    earlier Newton matrix, which differs from the current one by a low-rank term and a diagonal."""
    work[:] = 0.0
    for a in range(pos.shape[0]):
        work[pos[a]] = r[a]
    _cholesky_solve_in_place(L, inv_diag, work)
    for a in range(pos.shape[0]):
        z[a] = work[pos[a]]


@jit
def _pcg(H, L, pos, y, rtol, max_cg):
    """Overwrite ``y`` with the solution of ``H d = y`` by conjugate gradients preconditioned with the
    Cholesky factor ``L`` of an earlier Newton matrix (on a free set containing the current one; ``pos``:
    where the current free coordinates sit in it). True when ``|residual| <= rtol |y|`` in time (``y``
    is then the solution; else it is left unusable)."""
    m = y.shape[0]
    work = np.empty(L.shape[0])
    inv_diag = 1.0 / np.diag(L)
    rhs = y.copy()
    z = np.empty(m)
    _precondition(L, inv_diag, pos, rhs, y, work)
    r = rhs - H @ y
    target = rtol * np.sqrt(np.dot(rhs, rhs))
    if np.sqrt(np.dot(r, r)) <= target:
        return True
    _precondition(L, inv_diag, pos, r, z, work)
    p = z.copy()
    rz = np.dot(r, z)
    for _ in range(max_cg):
        hp = H @ p
        curvature = np.dot(p, hp)
        if not curvature > 0.0:
            return False
        alpha = rz / curvature
        for a in range(m):
            y[a] += alpha * p[a]
            r[a] -= alpha * hp[a]
        if np.sqrt(np.dot(r, r)) <= target:
            return True
        _precondition(L, inv_diag, pos, r, z, work)
        rz_new = np.dot(r, z)
        scale = rz_new / rz
        rz = rz_new
        for a in range(m):
            p[a] = z[a] + scale * p[a]
    return False


@jit
def _joint_error(C, beta, lo, hi, x, cx):
    """The optimality error of ``(x, lam)`` (``beta = lam b``): the box-barrier error and ``|sum(x) - 1|``."""
    err = _kkt_error(C, beta, lo, hi, x, cx)
    gap = abs(x.sum() - 1.0)
    return max(err, gap)


@jit
def _joint_merit(beta, lo, hi, x, cx):
    """The mean square of the relative optimality errors plus ``(sum(x) - 1)^2``: what a step must reduce
    (the largest error, :func:`_joint_error`, swings too much from step to step while the active set changes)."""
    n = x.shape[0]
    acc = 0.0
    for i in range(n):
        r = x[i] * cx[i] / beta[i] - 1.0
        if x[i] <= lo[i]:
            e = -r if r < 0.0 else 0.0
        elif x[i] >= hi[i]:
            e = max(0.0, r)
        else:
            e = r
        acc += e * e
    gap = x.sum() - 1.0
    return acc / n + gap * gap


@jit
def _warm_sweeps(C, b, lo, hi, x, max_sweeps):
    """Coordinate-descent sweeps on the box-constrained barrier problem with ``lam`` rescaled after each
    sweep so that the free weights fill ``1 - sum(bound weights)`` (they scale like ``sqrt(lam)``): a start
    for :func:`_joint_newton` whose active set is nearly right (Newton then needs far fewer steps, each
    of which may change the active set by a few assets only). Stops when two sweeps in a row leave the
    set of weights at a bound unchanged, or after ``max_sweeps``; returns the sweeps taken. ``x`` in the
    box on entry and on exit. A sweep costs one pass over the lower triangle of ``C``."""
    n = x.shape[0]
    u = np.empty(n)
    u_next = np.empty(n)
    lower_dot = np.empty(n)
    beta = np.empty(n)
    cx = np.empty(n)
    at_bound = np.zeros(n, dtype=np.bool_)
    _exact_products(C, x, cx)
    num = 0.0
    for i in range(n):
        num += x[i] * cx[i]
        at_bound[i] = not (lo[i] < x[i] < hi[i])
    lam = num  # the unbounded solution's lam (b sums to 1)
    quiet = 0
    sweeps = 0
    while sweeps < max_sweeps and quiet < 2:
        for i in range(n):
            beta[i] = lam * b[i]
        _upper_products(C, x, u)
        _sweep(C, beta, lo, hi, x, u, lower_dot, u_next)
        sweeps += 1
        free_sum = 0.0
        bound_sum = 0.0
        changed = 0
        for i in range(n):
            bound = not (lo[i] < x[i] < hi[i])
            if bound != at_bound[i]:
                changed += 1
                at_bound[i] = bound
            if bound:
                bound_sum += x[i]
            else:
                free_sum += x[i]
        if not (free_sum > 0.0 and bound_sum < 1.0):
            break
        quiet = quiet + 1 if changed == 0 else 0
        s = (1.0 - bound_sum) / free_sum
        lam *= s * s
        for i in range(n):
            if lo[i] < x[i] < hi[i]:
                x[i] = min(max(x[i] * s, lo[i]), hi[i])
    return sweeps


@jit
def _rounding_limit(C, x, cx):
    """What rounding alone leaves of :func:`_joint_error`: that of ``x_i (C x)_i``, twice, and of ``sum(x)``."""
    return 2.0 * _rounding_floor(C, x, cx) + 4.0 * (x.shape[0] + 2) * 2.220446049250313e-16


@jit
def _joint_newton(C, b, lo, hi, x, cx, tol, max_steps):
    """Solve the bounded risk budgeting conditions for ``x`` (in the box, summing to 1) and ``lam``.

    ``x`` comes in within the box (``lo <= x <= hi``, ``x > 0``) and leaves as the solution, with
    ``cx = C x`` exact. Returns a :class:`JointSolve`; status ``OK`` (error within ``tol``),
    ``OK_ROUNDING`` (stalled within the rounding limit of ``C x``), ``NOT_DESCENDING`` (a step did not
    reduce the error: the caller falls back to the one-dimensional search) or ``MAX_ITER``.
    """
    n = x.shape[0]
    free = np.empty(n, dtype=np.int64)
    xn = np.empty(n)
    cxn = np.empty(n)
    beta = np.empty(n)
    dxa = np.empty(n)
    position = np.full(n, -1, dtype=np.int64)  # where each asset sits in the factor's free set (-1: not in it)
    have_factor = False
    jacobi = True
    L = np.empty((0, 0))
    _exact_products(C, x, cx)
    # lam: the common share of the assets inside their bounds (all of them if none is)
    num = 0.0
    den = 0.0
    for i in range(n):
        if lo[i] < x[i] < hi[i]:
            num += x[i] * cx[i]
            den += b[i]
    if not den > 0.0:
        for i in range(n):
            num += x[i] * cx[i]
            den += b[i]
    lam = num / den
    if not (lam > 0.0 and np.isfinite(lam)):
        return JointSolve(_NOT_DESCENDING, 0, np.inf, lam)
    for i in range(n):
        beta[i] = lam * b[i]
    err = _joint_error(C, beta, lo, hi, x, cx)
    merit = _joint_merit(beta, lo, hi, x, cx)
    for step in range(max_steps):
        if err <= tol:
            return JointSolve(_OK, step, err, lam)
        # projected Newton: a weight at a bound whose gradient pushes it out stays there
        m = 0
        for i in range(n):
            g = cx[i] - beta[i] / x[i]
            dxa[i] = 0.0
            if not ((x[i] <= lo[i] and g > 0.0) or (x[i] >= hi[i] and g < 0.0)):
                free[m] = i
                m += 1
        if m == 0:
            return JointSolve(_NOT_DESCENDING, step, err, lam)
        H = _newton_matrix(C, beta, x, free, m)
        u = np.empty(m)
        v = np.empty(m)
        for a in range(m):
            i = free[a]
            u[a] = cx[i] - beta[i] / x[i]  # the gradient g_F
            v[a] = b[i] / x[i]
        # the factor of an earlier step with the same free set preconditions conjugate gradients; a new
        # factorisation only when they do not reach the forcing tolerance in a few iterations
        inside = have_factor
        pos = np.empty(m, dtype=np.int64)
        for a in range(m):
            pos[a] = position[free[a]]
            if pos[a] < 0:
                inside = False
        forcing = min(1e-2, 1e-2 * err)
        solved = inside and _pcg(H, L, pos, u, forcing, 12) and _pcg(H, L, pos, v, forcing, 12)
        if not solved and jacobi and m >= _JACOBI_FROM:
            # no factor for this free set yet: the diagonal preconditions well enough while the forcing
            # tolerance is loose; the first failure hands the rest of the iteration to the factors
            Y = np.empty((m, 2))
            for a in range(m):
                i = free[a]
                Y[a, 0] = cx[i] - beta[i] / x[i]
                Y[a, 1] = b[i] / x[i]
            solved = _jacobi_cg(H, np.zeros(m), Y, forcing, _JACOBI_MAX_CG)
            jacobi = solved
            if solved:
                for a in range(m):
                    u[a] = Y[a, 0]
                    v[a] = Y[a, 1]
        if not solved:
            ok, L = _try_cholesky(H)
            if not ok:
                return JointSolve(_NOT_DESCENDING, step, err, lam)
            have_factor = True
            position[:] = -1
            for a in range(m):
                position[free[a]] = a
            for a in range(m):
                i = free[a]
                u[a] = cx[i] - beta[i] / x[i]
                v[a] = b[i] / x[i]
            inv_diag = 1.0 / np.diag(L)
            _cholesky_solve_in_place(L, inv_diag, u)
            _cholesky_solve_in_place(L, inv_diag, v)
        slope = v.sum()  # d sum(w) / d lam along the free block
        if not (slope > 0.0 and np.isfinite(slope)):
            return JointSolve(_NOT_DESCENDING, step, err, lam)
        dlam = (1.0 - x.sum() + u.sum()) / slope
        for a in range(m):
            dxa[free[a]] = dlam * v[a] - u[a]
        t = 1.0
        accepted = False
        new_err = np.inf
        lam_new = lam
        for _ in range(40):
            lam_new = lam + t * dlam
            if lam_new > 0.0:
                for i in range(n):
                    vi = x[i] + t * dxa[i]
                    if vi < lo[i]:
                        vi = lo[i]
                    elif vi > hi[i]:
                        vi = hi[i]
                    if not vi > 0.0:
                        vi = 0.1 * x[i]  # lower bound 0: the barrier keeps the weight positive
                    xn[i] = vi
                _exact_products(C, xn, cxn)
                for i in range(n):
                    beta[i] = lam_new * b[i]
                new_merit = _joint_merit(beta, lo, hi, xn, cxn)
                if new_merit < (1.0 - 1e-4 * t) * merit:
                    accepted = True
                    break
            t *= 0.5
        if not accepted:
            for i in range(n):
                beta[i] = lam * b[i]
            if err <= _rounding_limit(C, x, cx):
                return JointSolve(_OK_ROUNDING, step + 1, err, lam)
            return JointSolve(_NOT_DESCENDING, step + 1, err, lam)
        _copy(x, xn)
        _copy(cx, cxn)
        lam = lam_new
        merit = new_merit
        new_err = _joint_error(C, beta, lo, hi, x, cx)
        # a full Newton step that no longer halves the error: rounding decides
        if t == 1.0 and tol < new_err <= _rounding_limit(C, x, cx) and new_err > 0.5 * err:
            return JointSolve(_OK_ROUNDING, step + 1, new_err, lam)
        err = new_err
    if err <= tol:
        return JointSolve(_OK, max_steps, err, lam)
    return JointSolve(_MAX_ITER, max_steps, err, lam)
