"""Risk budgeting with weight bounds: the search for the barrier weight ``lam``, and the kernel.

With ``lower <= w <= upper`` the box-constrained barrier problem is solved for the scalar ``lam``
that makes ``sum(w) = 1`` (Richard & Roncalli 2019; see :mod:`kernels.risk_budgeting`):
:func:`_risk_budgeting`. :func:`_risk_parity_kernel` adds the case of bounds that leave a single
portfolio and the relative risk contributions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import jit
from .descent import _solve_barrier
from .joint import _joint_newton, _warm_sweeps
from .linalg import _copy
from .status import (
    _MAX_ITER,
    _NO_BOUNDED_SOLUTION,
    _OK,
    _OK_ROUNDING,
    _UNBOUNDED,
    Solve,
)

#: Largest number of steps of the one-dimensional search for ``lam`` when bounds bind.
_MAX_OUTER = 200
#: With bounds, the unbounded weights are first solved to this budget error only (a test and a start);
#: from _ROUGHER_FROM assets to _ROUGHER_TOL (1,000 assets: one Newton step of that solve fewer, the joint
#: Newton iteration as many steps; whether the test says inside or not, the answer is the same).
_ROUGH_TOL = 1e-4
_ROUGHER_TOL = 1e-2
_ROUGHER_FROM = 150
#: With bounds, at most this many coordinate sweeps (with ``lam`` rescaled) bring the clipped unbounded
#: weights near the right active set before the joint Newton iteration (1,000 assets: 19 -> 12 Newton
#: steps, 2,000: 44 -> 16; a sweep costs about a sixth of a step).
_WARM_SWEEPS = 20


class KernelResult(NamedTuple):
    """What :func:`_risk_parity_kernel` returns beside the arrays it fills."""

    status: int
    """A :class:`.status.RiskParityStatus` code."""
    n_iter: int
    variance: float
    """``w' C w``."""
    max_error: float
    """Largest relative budget error over the assets strictly inside their bounds."""
    n_binding: int
    """Number of bounds that bind."""


@jit
def _normalise(x, cx):
    """Scale ``x`` (and ``cx = C x``) to sum to 1."""
    total = x.sum()
    for i in range(x.shape[0]):
        x[i] /= total
        cx[i] /= total


@jit
def _inside(x, lo, hi, margin):
    """True when every ``x_i`` is in ``[lo_i (1 + margin), hi_i (1 - margin)]``."""
    for i in range(x.shape[0]):
        if x[i] < lo[i] * (1.0 + margin) or x[i] > hi[i] * (1.0 - margin):
            return False
    return True


@jit
def _risk_budgeting(C, b, lo, hi, boxed, tol, max_iter, x, cx, bind):
    """Risk budgeting weights in ``x`` (summing to 1), ``cx = C x`` and binding bounds in ``bind`` (-1/0/+1).

    Returns a :class:`.status.Solve`.

    Unbounded: one barrier solve then normalisation. Bounded: first the unbounded solution to a budget
    error of ``_ROUGH_TOL`` (finished and kept if it lies inside the bounds), else Newton on the weights
    and ``lam`` together from it, clipped to the box and swept (:func:`.joint._warm_sweeps`,
    :func:`.joint._joint_newton`), and, should that fail, the safeguarded
    secant search on ``log(lam)`` for ``sum(x(lam)) = 1`` (:func:`_lam_search`).
    """
    n = b.shape[0]
    # a runtime False: a literal False would compile _solve_barrier and all it calls once more beside
    # _lam_search's call (Numba specialises a compiled callee on literal arguments)
    unboxed = n < 0
    inf_box = np.full(n, np.inf)
    zero_box = np.zeros(n)
    for i in range(n):
        x[i] = np.sqrt(b[i] / C[i, i])
    # with bounds, the unbounded weights serve first as a test (are they inside?) and a start: to 1e-4
    # (1e-2 from _ROUGHER_FROM assets)
    rough = max(tol, _ROUGH_TOL if n < _ROUGHER_FROM else _ROUGHER_TOL) if boxed else tol
    free = _solve_barrier(C, b, zero_box, inf_box, unboxed, x, cx, rough, max_iter)
    status, iters, err = free.status, free.n_iter, free.error
    _normalise(x, cx)
    if not boxed or status == _UNBOUNDED:
        return Solve(status, iters, err)
    if _inside(x, lo, hi, 0.0 if rough == tol else 2.0 * rough):
        if rough > tol:  # inside the box (with room to spare): solve again as without bounds (same answer)
            for i in range(n):
                x[i] = np.sqrt(b[i] / C[i, i])
            free = _solve_barrier(C, b, zero_box, inf_box, unboxed, x, cx, tol, max_iter)
            status, err = free.status, free.error
            iters += free.n_iter
            _normalise(x, cx)
        if status == _UNBOUNDED or _inside(x, lo, hi, 0.0):
            return Solve(status, iters, err)
    # bounds bind: first Newton on the weights and lam together, from the unbounded weights clipped to
    # the box and moved by a few coordinate sweeps towards the right active set
    x_free = x.copy()
    cx_free = cx.copy()
    for i in range(n):
        x[i] = min(max(x[i], lo[i]), hi[i])
        if not x[i] > 0.0:
            x[i] = 0.5 * x_free[i]  # a lower bound of 0 (the barrier keeps weights positive)
    iters += _warm_sweeps(C, b, lo, hi, x, min(_WARM_SWEEPS, max_iter))
    joint = _joint_newton(C, b, lo, hi, x, cx, tol, max_iter)
    iters += joint.n_iter
    if joint.status == _OK or joint.status == _OK_ROUNDING:
        status, err = joint.status, joint.error
    else:
        # then the one-dimensional search for lam, each step a box-constrained barrier solve
        _copy(x, x_free)
        _copy(cx, cx_free)
        search = _lam_search(C, b, lo, hi, tol, max_iter, x, cx)
        status, err = search.status, search.error
        iters += search.n_iter
    free_sum = 0.0
    bound_sum = 0.0
    for i in range(n):
        if x[i] <= lo[i] and lo[i] > 0.0:
            bind[i] = -1
        elif x[i] >= hi[i]:
            bind[i] = 1
        if bind[i] == 0:
            free_sum += x[i]
        else:
            bound_sum += x[i]
    # the search leaves |sum(w) - 1| ~ 1e-14: rescale the free weights only, so bounds hold exactly
    if free_sum > 0.0 and bound_sum < 1.0:
        s = (1.0 - bound_sum) / free_sum
        for i in range(n):
            if bind[i] == 0:
                x[i] *= s
    else:
        s = 1.0 / (free_sum + bound_sum)
        for i in range(n):
            x[i] *= s
    _copy(cx, C @ x)
    return Solve(status, iters, err)


@jit
def _lam_search(C, b, lo, hi, tol, max_iter, x, cx):
    """The safeguarded secant search on ``log(lam)`` for ``sum(x(lam)) = 1``, from the unbounded weights
    ``x`` (summing to 1, ``cx = C x``): a :class:`.status.Solve` (the fallback of :func:`._joint_newton`)."""
    n = b.shape[0]
    boxed = n >= 0  # a runtime True (see _risk_budgeting: one compiled _solve_barrier for both calls)
    iters = 0
    status = _OK
    err = np.inf
    # bounds bind: lam such that the box-constrained minimiser sums to 1
    beta = np.empty(n)
    xs = np.empty(n)
    for i in range(n):
        xs[i] = min(max(x[i], lo[i]), hi[i])
    var = 0.0
    for i in range(n):
        var += x[i] * cx[i]
    mu = np.log(var)  # log(lam): the unbounded solution is the barrier minimiser for lam = w' C w
    mu_start = mu
    mu_lo = -np.inf
    mu_hi = np.inf
    phi_lo = 0.0
    phi_hi = 0.0
    mu_prev = np.nan
    phi_prev = np.nan
    last_step = 0.0
    last_width = np.inf
    found = False
    for _ in range(_MAX_OUTER):
        lam = np.exp(mu)
        for i in range(n):
            beta[i] = lam * b[i]
            x[i] = xs[i]
        boxed_solve = _solve_barrier(C, beta, lo, hi, boxed, x, cx, tol, max_iter)
        status, err = boxed_solve.status, boxed_solve.error
        iters += boxed_solve.n_iter
        total = x.sum()
        for i in range(n):
            xs[i] = x[i]
        if status == _UNBOUNDED:
            found = True  # nothing better to find: report the inner status
            break
        if abs(total - 1.0) <= 2.2e-16 * (2.0 + np.sqrt(n)):  # the rounding of a sum of n weights
            found = True
            break
        phi = np.log(total)
        if phi < 0.0:
            mu_lo, phi_lo = mu, phi
        else:
            mu_hi, phi_hi = mu, phi
        # secant through the last two points
        if np.isfinite(mu_prev) and phi != phi_prev:
            new = mu - phi * (mu - mu_prev) / (phi - phi_prev)
        else:
            new = mu - 2.0 * phi  # free weights scale like sqrt(lam)
        if np.isfinite(mu_lo) and np.isfinite(mu_hi):
            width = mu_hi - mu_lo
            if width <= 4e-16 * max(1.0, abs(mu)):
                found = True  # sum(w) is flat or jumps by rounding here: as close to 1 as it gets
                break
            if not (mu_lo < new < mu_hi) or phi == phi_prev:
                new = mu_lo - phi_lo * width / (phi_hi - phi_lo)  # regula falsi on the bracket
            if width > 0.5 * last_width or not (mu_lo < new < mu_hi):
                new = 0.5 * (mu_lo + mu_hi)  # the bracket shrinks too slowly: bisect
            last_width = width
        else:
            # no bracket yet: move against phi, at least twice as far as last time in the same direction
            step = new - mu
            if not (step * phi < 0.0):
                step = -np.sign(phi)
            if last_step * step > 0.0 and abs(step) < 2.0 * abs(last_step):
                step = 2.0 * abs(last_step) * np.sign(step)
            step = max(-8.0, min(8.0, step))
            if phi > 0.0 and mu < mu_start - 80.0:
                status = _NO_BOUNDED_SOLUTION  # lam shrunk by e^-80 and sum(w) still above 1
                found = True
                break
            new = mu + step
            last_step = step
        mu_prev, phi_prev = mu, phi
        mu = new
    if not found:
        status = _MAX_ITER
    return Solve(status, iters, err)


@jit
def _risk_parity_kernel(C, b, lo, hi, boxed, tol, max_iter, w, relative, bind):
    """Weights ``w``, relative contributions and binding flags in place; returns a :class:`KernelResult`."""
    n = b.shape[0]
    cx = np.empty(n)
    lo_sum = 0.0
    hi_sum = 0.0
    if boxed:
        lo_sum = lo.sum()
        hi_sum = hi.sum()
    if boxed and (lo_sum >= 1.0 - 1e-15 or hi_sum <= 1.0 + 1e-15):
        # the bounds leave a single portfolio
        side = -1 if lo_sum >= 1.0 - 1e-15 else 1
        total = lo_sum if side == -1 else hi_sum
        for i in range(n):
            w[i] = (lo[i] if side == -1 else hi[i]) / total
            bind[i] = side
        _copy(cx, C @ w)
        status, iters = _OK, 0
    else:
        solve = _risk_budgeting(C, b, lo, hi, boxed, tol, max_iter, w, cx, bind)
        status, iters = solve.status, solve.n_iter
    variance = 0.0
    for i in range(n):
        variance += w[i] * cx[i]
    b_free = 0.0
    rel_free = 0.0
    n_bind = 0
    for i in range(n):
        relative[i] = w[i] * cx[i] / variance
        if bind[i] == 0:
            b_free += b[i]
            rel_free += relative[i]
        else:
            n_bind += 1
    err = 0.0
    if n_bind < n:
        share = rel_free / b_free
        for i in range(n):
            if bind[i] == 0:
                e = abs(relative[i] / (share * b[i]) - 1.0)
                if not e <= err:
                    err = e
    return KernelResult(status, iters, variance, err, n_bind)
