"""The sampled efficient frontier: every turning point and evenly spaced exact portfolios.

The cash options (``risk_free_asset``, ``cash_weight``) are those of :mod:`.portfolios`, with the same
meaning (:mod:`kernels.risk_free.sleeve`): cash as a riskless asset within its own bounds (the capital
market line up to the tangency portfolio, then the risky frontier when ``lower`` forbids borrowing), or
cash held at a fixed weight (the risky sleeve's frontier, scaled by ``1 - cash_weight``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_scalar, as_vector
from ..errors import InputError
from ..risk_free.sleeve import embed
from .constraints import LinearConstraints, _problem
from .path import _points_at_returns, _solve_path
from .portfolios import _cash_options, _risky_inputs

#: Most points :func:`efficient_frontier` samples (a spill of 10,000 rows; the turning points are exact).
MAX_POINTS = 10_000


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
    cash_weight : float
        The fixed ``cash_weight`` (0 without it; with ``risk_free_asset`` alone the cash weight varies
        along the frontier: it is the column ``risk_free_asset`` of ``weights``).
    """

    weights: NDArray[np.float64]
    returns: NDArray[np.float64]
    volatilities: NDArray[np.float64]
    risk_tolerances: NDArray[np.float64]
    turning_points: TurningPoints
    cash_weight: float = 0.0



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
    risk_free_asset: int | None = None,
    cash_weight: float | None = None,
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
        minimum-variance to the maximum-return portfolio (both included); at most
        :data:`MAX_POINTS` (10,000).
    lower, upper : float or array_like of shape (n_assets,), default 0 and 1
        Weight bounds; negative ``lower`` allows shorting.
    constraints : LinearConstraints, optional
        Extra rows ``lower <= A @ w <= upper``.
    groups, group_lower, group_upper : optional
        Asset-class limits, see :func:`~kernels.mean_variance.constraints.group_constraints`.
    risk_free_asset : int, optional
        0-based position of the cash (risk-free) asset. Its row and column of ``cov`` are ignored
        (cash is riskless) and its expected return is the risk-free rate. Without ``cash_weight``,
        cash is an asset like the others within its own bounds: the frontier starts at the least
        volatile portfolio (all cash when ``upper`` allows it), runs along the capital market line
        (volatility linear in the expected return) to the tangency portfolio and, with ``lower`` 0
        for cash (no borrowing), on along the risky frontier to the maximum return; a negative
        ``lower`` for cash allows borrowing and extends the line.
    cash_weight : float, optional
        Fixed weight of the cash sleeve, ``0 <= cash_weight < 1``: the frontier of the risky assets
        holding ``1 - cash_weight``, every bound and row applying to the final weights (as in
        :func:`~kernels.mean_variance.portfolios.efficient_portfolio`). Without a cash asset the
        weights sum to ``1 - cash_weight`` (cash earns nothing); ``risk_tolerances`` are then the
        risky sleeve's.

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
    n_pts = as_scalar(n_points, "n_points", low=1, integer=True)
    if n_pts > MAX_POINTS:
        raise InputError(f"n_points: {n_pts:.4g} is above the cap of {MAX_POINTS:,} points; choose 1 to {MAX_POINTS:,}.")
    n_pts = int(n_pts)
    split, full_cov = _cash_options(cov, expected_returns, risk_free_asset, cash_weight, None)
    if split is not None and full_cov is not None:
        return efficient_frontier(expected_returns, full_cov, n_pts, lower, upper, constraints=constraints,
                                  groups=groups, group_lower=group_lower, group_upper=group_upper)
    if split is not None:
        mu_r, C_r, lo, hi, rows = _risky_inputs(split, expected_returns, cov, lower, upper, constraints, groups,
                                                group_lower, group_upper)
        sleeve = efficient_frontier(mu_r, C_r, n_pts, 0.0 if lo is None else lo, 1.0 if hi is None else hi,
                                    constraints=rows)
        return _embedded(sleeve, split, as_vector(expected_returns, "expected_returns", size=split.n_assets))
    mu = as_vector(expected_returns, "expected_returns")
    prob = _problem(cov, mu.size, lower, upper, constraints, groups, group_lower, group_upper)
    path = _solve_path(mu, prob, "efficient_frontier")
    W, lams = _points_at_returns(path, np.linspace(path.returns[0], path.returns[-1], n_pts))
    vols = np.sqrt(np.maximum(np.sum((W @ prob.cov) * W, axis=1), 0.0))
    tp = TurningPoints(path.weights, path.returns, np.sqrt(path.variances), path.lambdas)
    return FrontierResult(W, W @ mu, vols, lams, tp)



def _embedded(sleeve: FrontierResult, split, mu) -> FrontierResult:
    """The risky sleeve's frontier with the cash sleeve put back: weights, returns and volatilities of the whole."""
    s = 1.0 - split.cash_weight

    def whole(W):
        return np.stack([embed(w, split) for w in W]) if len(W) else np.zeros((0, split.n_assets))

    W, T = whole(sleeve.weights), whole(sleeve.turning_points.weights)
    tp = sleeve.turning_points
    turning = TurningPoints(T, T @ mu, s * tp.volatilities, tp.risk_tolerances)
    return FrontierResult(W, W @ mu, s * sleeve.volatilities, sleeve.risk_tolerances, turning, split.cash_weight)
