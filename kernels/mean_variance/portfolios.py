"""The optimal portfolios: minimum variance, maximum Sharpe ratio, a target return or volatility.

Each is a point of the exact efficient path (:mod:`.path`); the box-bounds-only cases take the
certified fast paths of :mod:`.box_active_set` first and fall back to the path when those cannot
certify their answer.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_scalar, as_vector
from ..errors import InfeasibleError, InputError
from .box_active_set import _max_sharpe_box, _min_variance_box
from .constraints import LinearConstraints, _problem
from .path import TARGET_RTOL, _point_at_volatility, _points_at_returns, _solve_path


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


def _vol(w, C) -> float:
    return float(np.sqrt(max(float(w @ C @ w), 0.0)))


def _result(w, mu, C, lam, risk_free=0.0) -> PortfolioResult:
    vol = _vol(w, C)
    ret = float(w @ mu) if mu is not None else float("nan")
    sharpe = (ret - risk_free) / vol if vol > 0.0 else (np.inf if ret > risk_free else float("nan"))
    return PortfolioResult(w, ret, vol, float(sharpe), lam)


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
        As in :func:`~kernels.mean_variance.frontier.efficient_frontier`.
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
        As in :func:`~kernels.mean_variance.frontier.efficient_frontier`.
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
    if path.returns[-1] <= rf:
        raise InfeasibleError(
            f"risk_free: every attainable expected return (at most {path.returns[-1]:.4g}) is <= risk_free {rf:.4g}; "
            "max Sharpe is undefined, use min_variance."
        )
    w, lam = _max_sharpe_on_path(path, prob.cov, rf)
    return _result(w, mu, prob.cov, lam, rf)


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
            l0, l1 = path.lambdas[i], path.lambdas[i + 1]
            best_s = (ret - rf) / np.sqrt(v)
            best_w = W[i] + t * dw
            best_lam = float(l0 + t * (l1 - l0)) if np.isfinite(l1) else np.inf
    return np.array(best_w, dtype=np.float64), best_lam


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
        As in :func:`~kernels.mean_variance.frontier.efficient_frontier`.
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
        W, lams = _points_at_returns(path, [min(tr, hi_r)])
        return _result(W[0], mu, prob.cov, float(lams[0]))
    cap = as_scalar(target_risk, "target_risk", low=0.0)
    path = _solve_path(mu, prob, "efficient_portfolio")
    point = _point_at_volatility(path, prob.cov, cap)
    if point is None:
        vols = np.sqrt(path.variances)
        raise InfeasibleError(
            f"target_risk: {cap:.6g} is below the lowest attainable volatility {vols[0]:.6g}; "
            f"choose a volatility from {vols[0]:.6g} to {vols[-1]:.6g}."
        )
    return _result(point[0], mu, prob.cov, point[1])
