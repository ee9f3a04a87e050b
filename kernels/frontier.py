"""Efficient frontier, minimum variance, maximum Sharpe and target portfolios, exact.

Every function solves

    minimise w' C w   subject to   sum(w) = 1,   lower <= w <= upper,   lo_r <= a_r' w <= hi_r,

along the whole range of expected returns with the critical line algorithm (:mod:`kernels.cla`):
all turning (corner) portfolios are found exactly, and between two of them the efficient weights
are linear in the target return, so sampled points, the maximum-Sharpe portfolio (maximised in
closed form on each segment) and target-return / target-risk portfolios are exact too, not the
output of an iterative solver.

Constraints (one type, honoured by every function)
--------------------------------------------------
* ``lower`` / ``upper``: per-asset bounds, a scalar or one value per asset; negative lower bounds
  allow short positions (long-short).
* ``constraints=LinearConstraints(A, lower, upper)``: any rows ``lower <= A @ w <= upper``
  (``-inf`` / ``inf`` for a missing side, ``lower == upper`` for an equality).
* ``groups``, ``group_lower``, ``group_upper``: asset classes, e.g. one label per asset
  (``["bond", "stock", ...]``) with ``group_lower={"bond": 0.3}``, ``group_upper={"bond": 0.5}``;
  :func:`group_constraints` turns them into :class:`LinearConstraints`, stacked with ``constraints``.

Re-use by other features (income targets, floors, volatility caps)
------------------------------------------------------------------
* minimum variance under any linear rows: ``min_variance(cov, constraints=LinearConstraints(...))``
  (e.g. ``yields @ w >= 0.04`` is the row ``A=[yields], lower=[0.04], upper=[inf]``);
* the frontier of any linear "return" vector: pass it as ``expected_returns`` (yields instead of
  expected returns give the income frontier), with or without extra rows;
* maximum return under a volatility cap: ``efficient_portfolio(mu, cov, target_risk=cap, ...)``;
  minimum volatility for a return floor: ``efficient_portfolio(mu, cov, target_return=floor, ...)``.

Errors: :class:`InputError` for malformed inputs (shape, NaN, bounds crossed),
:class:`InfeasibleError` when no portfolio satisfies the constraints or a target is out of reach
(the message gives the attainable range), :class:`ConvergenceError` if the path does not close.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import (
    as_bounds,
    as_factored_covariance,
    as_matrix,
    as_scalar,
    as_vector,
)
from .cla import _critical_line
from .errors import ConvergenceError, InfeasibleError, InputError
from .min_variance_box import _max_sharpe_box, _min_variance_box
from .qp import STATUS_INFEASIBLE, STATUS_MAX_ITER, STATUS_OK, STATUS_SINGULAR

#: Two turning points whose weights differ by less than this are the same corner.
CORNER_ATOL = 1e-12
#: Targets beyond the attainable range by less than this (relative) are clamped, not rejected.
TARGET_RTOL = 1e-10

_KERNEL_MESSAGES = {
    STATUS_MAX_ITER: "the critical line algorithm did not close after {n} steps (a degenerate problem)",
    STATUS_SINGULAR: "cov: singular along a mix of assets with another return (too few observations?); "
    "shrink it (method='ledoit_wolf')",
}
#: Feasibility required of every turning point before it is returned (absolute, weights sum to 1).
FEASIBILITY_ATOL = 1e-9


class LinearConstraints(NamedTuple):
    """General linear constraints ``lower <= A @ w <= upper``, one row per constraint.

    Attributes
    ----------
    A : ndarray of shape (n_rows, n_assets)
    lower : ndarray of shape (n_rows,)
        ``-inf`` where a row has no lower limit.
    upper : ndarray of shape (n_rows,)
        ``inf`` where a row has no upper limit; ``lower == upper`` is an equality.
    """

    A: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]


class TurningPoints(NamedTuple):
    """The corner portfolios of the efficient frontier, by increasing expected return.

    Attributes
    ----------
    weights : ndarray of shape (n_turning, n_assets)
        The first row is the minimum-variance portfolio, the last the maximum-return one.
    returns : ndarray of shape (n_turning,)
        Expected returns ``w' mu``.
    volatilities : ndarray of shape (n_turning,)
        ``sqrt(w' C w)``.
    risk_tolerances : ndarray of shape (n_turning,)
        ``lam`` at which each corner is reached, for ``min 1/2 w'Cw - lam mu'w`` (0 at minimum
        variance; the risk aversion is ``1 / lam``). Same convention as Bailey & Lopez de Prado.
    """

    weights: NDArray[np.float64]
    returns: NDArray[np.float64]
    volatilities: NDArray[np.float64]
    risk_tolerances: NDArray[np.float64]


class FrontierResult(NamedTuple):
    """Result of :func:`efficient_frontier`.

    Attributes
    ----------
    weights : ndarray of shape (n_points, n_assets)
        Efficient portfolios at evenly spaced expected returns, from minimum variance to maximum return.
    returns : ndarray of shape (n_points,)
    volatilities : ndarray of shape (n_points,)
    risk_tolerances : ndarray of shape (n_points,)
    turning_points : TurningPoints
    """

    weights: NDArray[np.float64]
    returns: NDArray[np.float64]
    volatilities: NDArray[np.float64]
    risk_tolerances: NDArray[np.float64]
    turning_points: TurningPoints


class PortfolioResult(NamedTuple):
    """One efficient portfolio.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
    expected_return : float
        ``w' mu`` (nan for :func:`min_variance` without ``expected_returns``).
    volatility : float
    sharpe_ratio : float
        ``(expected_return - risk_free) / volatility`` (risk_free is 0 except in :func:`max_sharpe`).
    risk_tolerance : float
        ``lam`` of the point on the path ``min 1/2 w'Cw - lam mu'w``.
    """

    weights: NDArray[np.float64]
    expected_return: float
    volatility: float
    sharpe_ratio: float
    risk_tolerance: float


# --------------------------------------------------------------------------- constraints


def _as_limits(values, labels: list, name: str, default: float) -> NDArray[np.float64]:
    out = np.full(len(labels), default)
    if values is None:
        return out
    if isinstance(values, Mapping):
        for key, val in values.items():
            if key not in labels:
                raise InputError(f"{name}: unknown group {key!r}; groups are {', '.join(map(str, labels))}.")
            out[labels.index(key)] = as_scalar(val, f"{name}[{key!r}]")
        return out
    arr = as_vector(values, name, finite=False)
    if arr.size != len(labels):
        raise InputError(f"{name}: expected {len(labels)} values (one per group), got {arr.size}.")
    if np.any(np.isnan(arr)):
        raise InputError(f"{name}: missing value at position {int(np.flatnonzero(np.isnan(arr))[0]) + 1}; fill in a number.")
    return arr


def group_constraints(
    groups: Sequence | ArrayLike,
    group_lower: Mapping | ArrayLike | None = None,
    group_upper: Mapping | ArrayLike | None = None,
    n_assets: int | None = None,
) -> LinearConstraints:
    """Asset-class limits as :class:`LinearConstraints` (total weight of each group within limits).

    Parameters
    ----------
    groups : sequence of labels of length n_assets, or array_like of shape (n_groups, n_assets)
        One label per asset (``"bond"``, ``"stock"``, ...), or a 0/1 (or fractional) membership
        matrix with one row per group.
    group_lower, group_upper : mapping label -> value, array_like of shape (n_groups,), or None
        Limits on each group's total weight (labels in order of first appearance); missing
        groups or None: no limit.
    n_assets : int, optional
        Checked against the length of ``groups``.

    Returns
    -------
    LinearConstraints

    Examples
    --------
    >>> c = group_constraints(["bond", "stock", "bond"], {"bond": 0.3}, {"bond": 0.5})
    >>> c.A.tolist(), c.lower.tolist(), c.upper.tolist()
    ([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], [0.3, -inf], [0.5, inf])
    """
    arr = np.asarray(groups, dtype=object)
    if arr.ndim == 2 and arr.shape[0] >= 1 and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in arr.ravel()
    ):
        A = as_matrix(arr.astype(np.float64), "groups", n_cols=n_assets)
        labels = list(range(A.shape[0]))
    else:
        if arr.ndim != 1:
            raise InputError(f"groups: expected one label per asset or a membership matrix, got shape {arr.shape}.")
        if n_assets is not None and arr.size != n_assets:
            raise InputError(f"groups: expected {n_assets} labels (one per asset), got {arr.size}.")
        labels = []
        for v in arr:
            if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip()):
                raise InputError("groups: an asset has no group label; give every asset a label.")
            if v not in labels:
                labels.append(v)
        A = np.array([[1.0 if v == lab else 0.0 for v in arr] for lab in labels])
    lo = _as_limits(group_lower, labels, "group_lower", -np.inf)
    hi = _as_limits(group_upper, labels, "group_upper", np.inf)
    return _checked_rows(A, lo, hi, "group")


def _checked_rows(A, lo, hi, what: str) -> LinearConstraints:
    bad = np.flatnonzero(lo > hi)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{what}_lower: row {i + 1} has lower limit {lo[i]:g} above upper limit {hi[i]:g}; swap or fix them."
        )
    return LinearConstraints(np.ascontiguousarray(A, dtype=np.float64), lo, hi)


def _as_constraints(constraints, n_assets: int) -> LinearConstraints | None:
    if constraints is None:
        return None
    if not isinstance(constraints, LinearConstraints):
        if isinstance(constraints, tuple) and len(constraints) == 3:
            constraints = LinearConstraints(*constraints)
        else:
            raise InputError("constraints: expected LinearConstraints(A, lower, upper); build one with group_constraints.")
    A = as_matrix(constraints.A, "constraints.A", n_cols=n_assets)
    if A.shape[1] != n_assets:
        raise InputError(f"constraints.A: expected {n_assets} columns (one per asset), got {A.shape[1]}.")
    rows = A.shape[0]
    lo = as_vector(constraints.lower, "constraints.lower", finite=False) if np.ndim(constraints.lower) else np.full(
        rows, float(constraints.lower))
    hi = as_vector(constraints.upper, "constraints.upper", finite=False) if np.ndim(constraints.upper) else np.full(
        rows, float(constraints.upper))
    for arr, nm in ((lo, "constraints.lower"), (hi, "constraints.upper")):
        if arr.size != rows:
            raise InputError(f"{nm}: expected {rows} values (one per row of A), got {arr.size}.")
        if np.any(np.isnan(arr)):
            raise InputError(f"{nm}: missing value at row {int(np.flatnonzero(np.isnan(arr))[0]) + 1}; fill in a number.")
    return _checked_rows(A, lo, hi, "constraints")


class _Problem(NamedTuple):
    cov: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    rows: LinearConstraints | None
    chol: NDArray[np.float64] | None = None  # lower Cholesky factor of cov from its PSD check; None: singular


def _problem(cov, n_assets, lower, upper, constraints, groups, group_lower, group_upper) -> _Problem:
    """Validate once; ``n_assets=None`` takes the size from ``cov``."""
    C, chol = as_factored_covariance(cov, "cov", size=n_assets)
    n = C.shape[0]
    lo = as_bounds(lower, n, "lower")
    hi = as_bounds(upper, n, "upper")
    bad = np.flatnonzero(lo > hi)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"lower: asset {i + 1} has lower bound {lo[i]:g} above its upper bound {hi[i]:g}; fix them.")
    if lo.sum() > 1.0 + 1e-12:
        raise InfeasibleError(f"lower: minimum weights sum to {lo.sum():g} > 1; lower them so they total at most 1.")
    if hi.sum() < 1.0 - 1e-12:
        raise InfeasibleError(f"upper: maximum weights sum to {hi.sum():g} < 1; raise them so they total at least 1.")
    parts = []
    if constraints is not None:
        parts.append(_as_constraints(constraints, n))
    if groups is not None:
        parts.append(group_constraints(groups, group_lower, group_upper, n_assets=n))
    elif group_lower is not None or group_upper is not None:
        raise InputError("groups: group_lower/group_upper given without groups; give one group label per asset.")
    rows = None
    if parts:
        rows = LinearConstraints(
            np.vstack([p.A for p in parts]), np.concatenate([p.lower for p in parts]),
            np.concatenate([p.upper for p in parts]))
    return _Problem(C, lo, hi, rows, chol)


# --------------------------------------------------------------------------- the path


class _Path(NamedTuple):
    weights: NDArray[np.float64]  # (n_turning, n_assets), increasing return
    returns: NDArray[np.float64]
    variances: NDArray[np.float64]
    lambdas: NDArray[np.float64]


def _standard_form(mu, prob: _Problem):
    n = mu.size
    if prob.rows is None:
        return mu.copy(), np.ones((1, n)), np.ones(1), prob.lower.copy(), prob.upper.copy()
    A, rlo, rhi = prob.rows
    m = A.shape[0]
    E = np.zeros((1 + m, n + m))
    E[0, :n] = 1.0
    E[1:, :n] = A
    E[1:, n:] = -np.eye(m)
    b = np.zeros(1 + m)
    b[0] = 1.0
    # a row with no limit on one side gets the limit implied by the asset bounds
    implied_lo = np.minimum(A * prob.lower, A * prob.upper).sum(axis=1)
    implied_hi = np.maximum(A * prob.lower, A * prob.upper).sum(axis=1)
    slo = np.where(np.isfinite(rlo), rlo, implied_lo)
    shi = np.where(np.isfinite(rhi), rhi, implied_hi)
    if np.any(slo > shi):
        i = int(np.flatnonzero(slo > shi)[0])
        raise InfeasibleError(
            f"constraints: row {i + 1} needs A @ w in [{slo[i]:g}, {shi[i]:g}], impossible within the asset bounds; relax it."
        )
    mu_s = np.concatenate([mu, np.zeros(m)])
    return mu_s, np.ascontiguousarray(E), b, np.concatenate([prob.lower, slo]), np.concatenate([prob.upper, shi])


def _solve_path(mu: NDArray[np.float64], prob: _Problem, caller: str, stop_rf: float = np.nan) -> _Path:
    """The turning points by increasing return (from the maximum-Sharpe stretch on if ``stop_rf``)."""
    n = mu.size
    mu_s, E, b, lo, hi = _standard_form(mu, prob)
    max_iter = 50 * lo.size + 1000
    status, W, lam = _critical_line(prob.cov, mu_s, E, b, lo, hi, n, max_iter, stop_rf)
    if status == STATUS_INFEASIBLE:
        raise InfeasibleError(
            "constraints: no portfolio meets the bounds and linear/group limits together; relax a limit or a bound."
        )
    if status == STATUS_SINGULAR:
        raise InputError(_KERNEL_MESSAGES[status] + ".")
    if status != STATUS_OK:
        raise ConvergenceError(f"{caller}: {_KERNEL_MESSAGES[status].format(n=max_iter)}; please report the inputs.")
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
    W = np.ascontiguousarray(W[keep][::-1])
    lam = np.ascontiguousarray(lam[keep][::-1])
    returns = W @ mu
    variances = np.maximum(np.sum((W @ prob.cov) * W, axis=1), 0.0)
    # exact in theory; roundoff can leave returns a hair out of order on flat stretches
    returns = np.maximum.accumulate(returns)
    return _Path(W, returns, variances, lam)


def _point_at_return(path: _Path, target: float):
    """Weights and lambda on the path at expected return ``target`` (inside the attainable range)."""
    r = path.returns
    if r.size == 1 or target <= r[0]:
        return path.weights[0].copy(), float(path.lambdas[0])
    if target >= r[-1]:
        return path.weights[-1].copy(), float(path.lambdas[-1])
    i = int(np.searchsorted(r, target, side="left"))
    r0, r1 = r[i - 1], r[i]
    t = 0.0 if r1 <= r0 else (target - r0) / (r1 - r0)
    w = path.weights[i - 1] + t * (path.weights[i] - path.weights[i - 1])
    l0, l1 = path.lambdas[i - 1], path.lambdas[i]
    lam = l0 + t * (l1 - l0) if np.isfinite(l1) else (l0 if t == 0.0 else np.inf)
    return w, float(lam)


def _vol(w, C) -> float:
    return float(np.sqrt(max(float(w @ C @ w), 0.0)))


def _result(w, mu, C, lam, risk_free=0.0) -> PortfolioResult:
    vol = _vol(w, C)
    ret = float(w @ mu) if mu is not None else float("nan")
    sharpe = (ret - risk_free) / vol if vol > 0.0 else (np.inf if ret > risk_free else float("nan"))
    return PortfolioResult(w, ret, vol, float(sharpe), lam)


# --------------------------------------------------------------------------- public API


def efficient_frontier(
    expected_returns: ArrayLike,
    cov: ArrayLike,
    n_points: int = 20,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
) -> FrontierResult:
    """The exact efficient frontier: all turning points and ``n_points`` evenly spaced portfolios.

    Parameters
    ----------
    expected_returns : array_like of shape (n_assets,)
        Decimal fractions per period (or any linear "return" such as yields).
    cov : array_like of shape (n_assets, n_assets)
        Covariance of returns, symmetric PSD (singular allowed, e.g. an asset listed twice).
    n_points : int, default 20
        Number of frontier portfolios, evenly spaced in expected return from the
        minimum-variance to the maximum-return portfolio (both included).
    lower, upper : float or array_like of shape (n_assets,), default 0 and 1
        Weight bounds; negative ``lower`` allows shorting.
    constraints : LinearConstraints, optional
        Extra rows ``lower <= A @ w <= upper``.
    groups, group_lower, group_upper : optional
        Asset-class limits, see :func:`group_constraints`.

    Returns
    -------
    FrontierResult
        Sampled points (exact: linear interpolation between turning points) and the turning points.

    Raises
    ------
    InputError
        Malformed input (NaN, wrong shapes, bounds crossed, ``n_points`` < 1).
    InfeasibleError
        No portfolio satisfies the bounds and constraints.

    Examples
    --------
    >>> f = efficient_frontier([0.10, 0.05], [[0.04, 0.0], [0.0, 0.01]], n_points=3)
    >>> f.returns.round(4).tolist(), f.weights[0].round(4).tolist()
    ([0.06, 0.08, 0.1], [0.2, 0.8])
    """
    mu = as_vector(expected_returns, "expected_returns")
    n_pts = int(as_scalar(n_points, "n_points", low=1, integer=True))
    prob = _problem(cov, mu.size, lower, upper, constraints, groups, group_lower, group_upper)
    path = _solve_path(mu, prob, "efficient_frontier")
    targets = np.linspace(path.returns[0], path.returns[-1], n_pts)
    W = np.empty((n_pts, mu.size))
    lams = np.empty(n_pts)
    for i, t in enumerate(targets):
        W[i], lams[i] = _point_at_return(path, t)
    vols = np.sqrt(np.maximum(np.sum((W @ prob.cov) * W, axis=1), 0.0))
    tp = TurningPoints(path.weights, path.returns, np.sqrt(path.variances), path.lambdas)
    return FrontierResult(W, W @ mu, vols, lams, tp)


def min_variance(
    cov: ArrayLike,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
    expected_returns: ArrayLike | None = None,
) -> PortfolioResult:
    """The minimum-variance portfolio under bounds and linear constraints.

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
    lower, upper, constraints, groups, group_lower, group_upper
        As in :func:`efficient_frontier`.
    expected_returns : array_like of shape (n_assets,), optional
        Only to report the return and, when the minimum is not unique (singular ``cov``), to pick
        the minimum-variance portfolio with the highest expected return.

    Returns
    -------
    PortfolioResult
        ``expected_return`` and ``sharpe_ratio`` are nan without ``expected_returns``.

    Examples
    --------
    >>> r = min_variance([[0.04, 0.0], [0.0, 0.01]])
    >>> r.weights.round(4).tolist(), round(r.volatility, 6)
    ([0.2, 0.8], 0.089443)
    """
    prob = _problem(cov, None, lower, upper, constraints, groups, group_lower, group_upper)
    n = prob.cov.shape[0]
    mu = None if expected_returns is None else as_vector(expected_returns, "expected_returns", size=n)
    # box bounds and budget only, cov positive definite (validation found its factor): fast path,
    # None when it cannot certify
    if prob.rows is None and prob.chol is not None:
        w = _min_variance_box(prob.cov, prob.lower, prob.upper, chol=prob.chol)
        if w is not None:
            return _result(w, mu, prob.cov, 0.0)
    path = _solve_path(np.zeros(n) if mu is None else mu, prob, "min_variance")
    return _result(path.weights[0].copy(), mu, prob.cov, float(path.lambdas[0]))


def max_sharpe(
    expected_returns: ArrayLike,
    cov: ArrayLike,
    risk_free: float = 0.0,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
) -> PortfolioResult:
    """The tangency (maximum Sharpe ratio) portfolio, maximised exactly on each frontier segment.

    Between two turning points ``w(t) = w0 + t (w1 - w0)``; the Sharpe ratio's stationary point
    in ``t`` solves a linear equation, so the maximum is found in closed form, not on a grid.

    Parameters
    ----------
    expected_returns, cov, lower, upper, constraints, groups, group_lower, group_upper
        As in :func:`efficient_frontier`.
    risk_free : float, default 0
        Risk-free rate in the units of ``expected_returns``.

    Raises
    ------
    InfeasibleError
        Every attainable expected return is at most ``risk_free`` (use :func:`min_variance`).

    Examples
    --------
    >>> r = max_sharpe([0.10, 0.05], [[0.04, 0.0], [0.0, 0.01]])
    >>> r.weights.round(4).tolist(), round(r.sharpe_ratio, 6)
    ([0.3333, 0.6667], 0.707107)
    """
    mu = as_vector(expected_returns, "expected_returns")
    rf = as_scalar(risk_free, "risk_free")
    prob = _problem(cov, mu.size, lower, upper, constraints, groups, group_lower, group_upper)
    if prob.rows is None and prob.chol is not None and np.all(prob.lower == 0.0) and np.all(prob.upper >= 1.0) and np.any(mu > rf):
        fast = _max_sharpe_box(prob.cov, mu, rf, chol=prob.chol)  # long-only, no caps: certified, or None to fall back
        if fast is not None:
            return _result(fast[0], mu, prob.cov, fast[1], rf)
    path = _solve_path(mu, prob, "max_sharpe", stop_rf=rf)  # stops past the tangency portfolio
    r, V, W = path.returns, path.variances, path.weights
    if r[-1] <= rf:
        raise InfeasibleError(
            f"risk_free: every attainable expected return (at most {r[-1]:.4g}) is <= risk_free {rf:.4g}; "
            "max Sharpe is undefined, use min_variance."
        )
    best_s, best_w, best_lam = -np.inf, W[-1], float(path.lambdas[-1])
    CW = W @ prob.cov
    for i in range(W.shape[0]):
        s = (r[i] - rf) / np.sqrt(V[i]) if V[i] > 0 else (np.inf if r[i] > rf else -np.inf)
        if s > best_s:
            best_s, best_w, best_lam = s, W[i], float(path.lambdas[i])
    for i in range(W.shape[0] - 1):
        dw = W[i + 1] - W[i]
        dr = r[i + 1] - r[i]
        c = float(CW[i] @ dw)
        D = float(dw @ prob.cov @ dw)
        num = dr * c - (r[i] - rf) * D
        if num == 0.0:
            continue
        t = -(dr * V[i] - (r[i] - rf) * c) / num
        if not 0.0 < t < 1.0:
            continue
        v = V[i] + 2.0 * t * c + t * t * D
        ret = r[i] + t * dr
        if v > 0 and ret > rf and (ret - rf) / np.sqrt(v) > best_s:
            l0, l1 = path.lambdas[i], path.lambdas[i + 1]
            best_s = (ret - rf) / np.sqrt(v)
            best_w = W[i] + t * dw
            best_lam = float(l0 + t * (l1 - l0)) if np.isfinite(l1) else np.inf
    return _result(np.array(best_w, dtype=np.float64), mu, prob.cov, best_lam, rf)


def efficient_portfolio(
    expected_returns: ArrayLike,
    cov: ArrayLike,
    target_return: float | None = None,
    target_risk: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
) -> PortfolioResult:
    """The efficient portfolio for a target expected return or a target volatility.

    * ``target_return``: the least volatile portfolio with expected return >= target (below the
      minimum-variance return that is the minimum-variance portfolio);
    * ``target_risk``: the highest expected return with volatility <= target (above the
      maximum-return portfolio's volatility that is the maximum-return portfolio).

    Parameters
    ----------
    expected_returns, cov, lower, upper, constraints, groups, group_lower, group_upper
        As in :func:`efficient_frontier`.
    target_return : float, optional
    target_risk : float, optional
        Volatility cap, in the units of ``sqrt(cov)``. Give exactly one of the two targets.

    Raises
    ------
    InfeasibleError
        ``target_return`` above the highest attainable return, or ``target_risk`` below the lowest
        attainable volatility (the message gives the attainable range).

    Examples
    --------
    >>> r = efficient_portfolio([0.10, 0.05], [[0.04, 0.0], [0.0, 0.01]], target_return=0.08)
    >>> r.weights.round(4).tolist(), round(r.volatility, 6)
    ([0.6, 0.4], 0.126491)
    """
    mu = as_vector(expected_returns, "expected_returns")
    if (target_return is None) == (target_risk is None):
        raise InputError("target_return: give either target_return or target_risk (exactly one of them).")
    prob = _problem(cov, mu.size, lower, upper, constraints, groups, group_lower, group_upper)
    if target_return is not None:
        tr = as_scalar(target_return, "target_return")
        path = _solve_path(mu, prob, "efficient_portfolio")
        lo_r, hi_r = float(path.returns[0]), float(path.returns[-1])
        if tr > hi_r + TARGET_RTOL * max(1.0, abs(hi_r)):
            raise InfeasibleError(
                f"target_return: {tr:.6g} is above the highest attainable return {hi_r:.6g}; "
                f"choose a target from {lo_r:.6g} to {hi_r:.6g}."
            )
        w, lam = _point_at_return(path, min(tr, hi_r))
        return _result(w, mu, prob.cov, lam)
    cap = as_scalar(target_risk, "target_risk", low=0.0)
    path = _solve_path(mu, prob, "efficient_portfolio")
    vols = np.sqrt(path.variances)
    if cap < vols[0] * (1.0 - TARGET_RTOL):
        raise InfeasibleError(
            f"target_risk: {cap:.6g} is below the lowest attainable volatility {vols[0]:.6g}; "
            f"choose a volatility from {vols[0]:.6g} to {vols[-1]:.6g}."
        )
    if cap >= vols[-1]:
        return _result(path.weights[-1].copy(), mu, prob.cov, float(path.lambdas[-1]))
    i = max(int(np.searchsorted(vols, cap, side="left")), 1)
    w0, dw = path.weights[i - 1], path.weights[i] - path.weights[i - 1]
    V0 = path.variances[i - 1]
    c = float(w0 @ prob.cov @ dw)
    D = float(dw @ prob.cov @ dw)
    g = V0 - cap * cap
    if D > 0.0:
        t = (-c + np.sqrt(max(c * c - D * g, 0.0))) / D
    else:
        t = -g / (2.0 * c) if c > 0 else 0.0
    t = min(max(t, 0.0), 1.0)
    l0, l1 = path.lambdas[i - 1], path.lambdas[i]
    lam = float(l0 + t * (l1 - l0)) if np.isfinite(l1) else np.inf
    return _result(w0 + t * dw, mu, prob.cov, lam)
