"""The sampled efficient frontier: every turning point and evenly spaced exact portfolios."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_scalar, as_vector
from ..errors import InputError
from .constraints import LinearConstraints, _problem
from .path import _points_at_returns, _solve_path

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
    """

    weights: NDArray[np.float64]
    returns: NDArray[np.float64]
    volatilities: NDArray[np.float64]
    risk_tolerances: NDArray[np.float64]
    turning_points: TurningPoints



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
        minimum-variance to the maximum-return portfolio (both included); at most
        :data:`MAX_POINTS` (10,000).
    lower, upper : float or array_like of shape (n_assets,), default 0 and 1
        Weight bounds; negative ``lower`` allows shorting.
    constraints : LinearConstraints, optional
        Extra rows ``lower <= A @ w <= upper``.
    groups, group_lower, group_upper : optional
        Asset-class limits, see :func:`~kernels.mean_variance.constraints.group_constraints`.

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
    n_pts = as_scalar(n_points, "n_points", low=1, integer=True)
    if n_pts > MAX_POINTS:
        raise InputError(f"n_points: {n_pts:.4g} is above the cap of {MAX_POINTS:,} points; choose 1 to {MAX_POINTS:,}.")
    n_pts = int(n_pts)
    prob = _problem(cov, mu.size, lower, upper, constraints, groups, group_lower, group_upper)
    path = _solve_path(mu, prob, "efficient_frontier")
    W, lams = _points_at_returns(path, np.linspace(path.returns[0], path.returns[-1], n_pts))
    vols = np.sqrt(np.maximum(np.sum((W @ prob.cov) * W, axis=1), 0.0))
    tp = TurningPoints(path.weights, path.returns, np.sqrt(path.variances), path.lambdas)
    return FrontierResult(W, W @ mu, vols, lams, tp)

