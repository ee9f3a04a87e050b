"""The efficient path: turning points from the critical line, and exact points between them.

Between two turning points the efficient weights are linear in the target return, so a point
at any expected return (:func:`_points_at_returns`) or at any volatility (:func:`_point_at_volatility`)
is exact, not the output of an iterative solver. Every public function of the package (the
sampled frontier, the optimal portfolios, the income targets) walks the path with these.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..errors import ConvergenceError, InfeasibleError, InputError
from .cla import _critical_line
from .constraints import _Problem, _standard_form
from .status import Status, status_message

#: Two turning points whose weights differ by less than this are the same corner.
CORNER_ATOL = 1e-12
#: Feasibility required of every turning point before it is returned (absolute, weights sum to 1).
FEASIBILITY_ATOL = 1e-9
#: Targets beyond the attainable range by less than this (relative) are clamped, not rejected.
TARGET_RTOL = 1e-10


class _Path(NamedTuple):
    weights: NDArray[np.float64]  # (n_turning, n_assets), increasing return
    returns: NDArray[np.float64]  # (n_turning,) non-decreasing
    variances: NDArray[np.float64]  # (n_turning,)
    lambdas: NDArray[np.float64]  # (n_turning,) risk tolerance of each turning point, increasing
    # (n_turning,) the largest lam at which each turning point is optimal: a corner stays put over an interval of
    # lam while its free variables are pinned (as many free as equality rows), and the segment above it starts at
    # the top of that interval, not at ``lambdas``
    lambdas_high: NDArray[np.float64]


def _solve_path(mu: NDArray[np.float64], prob: _Problem, caller: str, stop_rf: float = np.nan) -> _Path:
    """The turning points by increasing return (from the maximum-Sharpe stretch on if ``stop_rf``).

    Raises
    ------
    InfeasibleError
        No portfolio meets the bounds and rows together.
    InputError
        ``cov`` singular along a direction that changes the return.
    ConvergenceError
        The path did not close, or lost feasibility (a degenerate problem).
    """
    n = mu.size
    mu_s, E, b, lo, hi = _standard_form(mu, prob)
    max_iter = 50 * lo.size + 1000
    solved = _critical_line(prob.cov, mu_s, E, b, lo, hi, n, max_iter, stop_rf)
    if solved.status == Status.INFEASIBLE:
        raise InfeasibleError(status_message(solved.status, caller))
    if solved.status == Status.SINGULAR:
        raise InputError(status_message(solved.status, caller))
    if solved.status != Status.OK:
        raise ConvergenceError(status_message(solved.status, caller, max_iter))
    W, lam = solved.weights, solved.lambdas
    scale = max(1.0, float(np.max(np.abs(W))))
    violation = max(float(np.max(np.abs(W @ E.T - b))), float(np.max(lo - W)), float(np.max(W - hi)))
    if violation > FEASIBILITY_ATOL * scale:
        raise ConvergenceError(
            f"{caller}: lost feasibility ({violation:.2g}) on a degenerate problem; please report the inputs."
        )
    W = W[:, :n]
    keep = np.ones(W.shape[0], dtype=bool)
    if W.shape[0] > 1:
        diff = np.max(np.abs(np.diff(W, axis=0)), axis=1)
        keep[:-1] = diff > CORNER_ATOL * max(1.0, float(np.max(np.abs(W))))
    # a run of equal corners (lam decreasing) keeps its last point; its first gives the top of its lam interval
    lam_high = np.ascontiguousarray(lam[np.r_[True, keep[:-1]]][::-1])
    W = np.ascontiguousarray(W[keep][::-1])
    lam = np.ascontiguousarray(lam[keep][::-1])
    returns = W @ mu
    variances = np.maximum(np.sum((W @ prob.cov) * W, axis=1), 0.0)
    # exact in theory; roundoff can leave returns a hair out of order on flat stretches
    returns = np.maximum.accumulate(returns)
    return _Path(W, returns, variances, lam, lam_high)


def _on_segment(path: _Path, i, t):
    """Weights and lambdas at step ``t`` in [0, 1] from turning point ``i - 1`` to ``i`` (arrays): lam runs
    from the top of the lower corner's interval to the bottom of the upper corner's."""
    w0 = path.weights[i - 1]
    w = w0 + t[:, None] * (path.weights[i] - w0)
    l0, l1 = path.lambdas_high[i - 1], path.lambdas[i]
    with np.errstate(invalid="ignore"):  # inf - inf at the top of the path, resolved below
        lam = l0 + t * (l1 - l0)
    lam = np.where(np.isfinite(l1), lam, np.where(t == 0.0, l0, np.inf))
    return w, lam


def _points_at_returns(path: _Path, targets) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weights ``(n_targets, n_assets)`` and lambdas ``(n_targets,)`` on the path at each expected return.

    Targets outside the attainable range give the end points.
    """
    targets = np.asarray(targets, dtype=np.float64).reshape(-1)
    r = path.returns
    if r.size == 1:
        return np.tile(path.weights[0], (targets.size, 1)), np.full(targets.size, path.lambdas[0])
    i = np.clip(np.searchsorted(r, targets, side="left"), 1, r.size - 1)
    r0, r1 = r[i - 1], r[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(r1 > r0, (targets - r0) / (r1 - r0), 0.0)
    below, above = targets <= r[0], targets >= r[-1]
    # the end points themselves (not interpolated), as the segment formula would round them
    i = np.where(below, 1, np.where(above, r.size - 1, i))
    t = np.where(below, 0.0, np.where(above, 1.0, t))
    w, lam = _on_segment(path, i, t)
    w[below], lam[below] = path.weights[0], path.lambdas[0]
    w[above], lam[above] = path.weights[-1], path.lambdas[-1]
    return w, lam


def _point_at_volatility(path: _Path, cov: NDArray[np.float64], cap: float):
    """The highest-return point of the path with volatility at most ``cap``: ``(weights, lambda)``.

    ``None`` when ``cap`` is below the least volatility by more than :data:`TARGET_RTOL` (relative);
    the top of the path when ``cap`` is at least its volatility.
    """
    vols = np.sqrt(path.variances)
    if cap < vols[0] * (1.0 - TARGET_RTOL):
        return None
    if cap >= vols[-1]:
        return path.weights[-1].copy(), float(path.lambdas[-1])
    i = max(int(np.searchsorted(vols, cap, side="left")), 1)
    w0, dw = path.weights[i - 1], path.weights[i] - path.weights[i - 1]
    # variance along w0 + t dw: V0 + 2 t c + t^2 D = cap^2, the larger root
    c = float(w0 @ cov @ dw)
    D = float(dw @ cov @ dw)
    g = path.variances[i - 1] - cap * cap
    if D > 0.0:
        t = (-c + np.sqrt(max(c * c - D * g, 0.0))) / D
    else:
        t = -g / (2.0 * c) if c > 0 else 0.0
    t = min(max(t, 0.0), 1.0)
    w, lam = _on_segment(path, np.array([i]), np.array([t]))
    return w[0], float(lam[0])


def _max_sharpe_on_path(path, cov, rf):
    """Weights and lambda of the highest Sharpe ratio on the path: at a turning point, or inside a
    segment where its stationary point in ``t`` (a linear equation) lies in (0, 1)."""
    r, V, W = path.returns, path.variances, path.weights
    best_s, best_w, best_lam = -np.inf, W[-1], float(path.lambdas[-1])
    CW = W @ cov
    for i in range(W.shape[0]):
        s = (r[i] - rf) / np.sqrt(V[i]) if V[i] > 0 else (np.inf if r[i] > rf else -np.inf)
        if s > best_s:
            best_s, best_w, best_lam = s, W[i], float(path.lambdas[i])
    for i in range(W.shape[0] - 1):
        dw = W[i + 1] - W[i]
        dr = r[i + 1] - r[i]
        c = float(CW[i] @ dw)
        D = float(dw @ cov @ dw)
        num = dr * c - (r[i] - rf) * D
        if num == 0.0:
            continue
        t = -(dr * V[i] - (r[i] - rf) * c) / num
        if not 0.0 < t < 1.0:
            continue
        v = V[i] + 2.0 * t * c + t * t * D
        ret = r[i] + t * dr
        if v > 0 and ret > rf and (ret - rf) / np.sqrt(v) > best_s:
            l0, l1 = path.lambdas_high[i], path.lambdas[i + 1]
            best_s = (ret - rf) / np.sqrt(v)
            best_w = W[i] + t * dw
            best_lam = float(l0 + t * (l1 - l0)) if np.isfinite(l1) else np.inf
    return np.array(best_w, dtype=np.float64), best_lam
