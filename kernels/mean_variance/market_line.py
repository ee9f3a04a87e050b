"""The capital market line: the tangency portfolio mixed with cash for a target risk or return.

With a risk-free asset paying ``rf``, every mix ``t * tangency + (1 - t) * cash`` has Sharpe ratio
equal to the tangency portfolio's, the highest attainable: the line from cash through the tangency
portfolio dominates every other portfolio (Tobin's separation). ``t = target_volatility / sigma_T``
or ``t = (target_return - rf) / (r_T - rf)``; ``t > 1`` borrows at ``rf``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_scalar
from ..errors import InfeasibleError, InputError
from .constraints import LinearConstraints
from .portfolios import PortfolioResult, max_sharpe


class MarketLinePortfolio(NamedTuple):
    """A portfolio on the capital market line.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
        Final weights: the tangency weights times ``1 - cash_weight``, and ``cash_weight`` at
        ``risk_free_asset`` when the inputs have one (else the weights sum to ``1 - cash_weight``).
    cash_weight : float
        Weight of cash, ``1 - t``; negative when borrowing.
    expected_return : float
        ``cash_weight * rf + (1 - cash_weight) * tangency.expected_return``.
    volatility : float
        ``(1 - cash_weight) * tangency.volatility``.
    sharpe_ratio : float
        The tangency portfolio's (the slope of the line).
    tangency : PortfolioResult
        The tangency (maximum-Sharpe) portfolio of the risky assets, weights of shape (n_assets,)
        (0 at the cash asset).
    """

    weights: NDArray[np.float64]
    cash_weight: float
    expected_return: float
    volatility: float
    sharpe_ratio: float
    tangency: PortfolioResult


def capital_market_line(
    expected_returns: ArrayLike,
    cov: ArrayLike,
    risk_free: float | None = None,
    *,
    target_volatility: float | None = None,
    target_return: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
    gamma: float = 0.0,
    risk_free_asset: int | None = None,
    allow_borrowing: bool = False,
) -> MarketLinePortfolio:
    """The mix of the tangency portfolio and cash with a target volatility or expected return.

    Parameters
    ----------
    expected_returns : array_like of shape (n_assets,)
        Decimal fractions per period.
    cov : array_like of shape (n_assets, n_assets)
        Covariance of returns (the cash asset's row and column are ignored).
    risk_free : float, optional
        The cash rate; default 0, or the expected return of ``risk_free_asset`` (then leave it out).
    target_volatility, target_return : float, optional
        At most one; neither gives the tangency portfolio itself (no cash).
    lower, upper, constraints, groups, group_lower, group_upper, gamma
        As in :func:`~kernels.mean_variance.portfolios.max_sharpe`; here they limit the tangency
        portfolio, i.e. the risky sleeve as fractions of itself (the classic line scales it as a
        whole). For limits on the final weights use ``efficient_portfolio(..., risk_free_asset=k)``.
    risk_free_asset : int, optional
        0-based position of the cash asset in the inputs (left out of the tangency portfolio).
    allow_borrowing : bool, default False
        Allow targets beyond the tangency portfolio (negative cash: borrowing at ``risk_free``).

    Returns
    -------
    MarketLinePortfolio

    Raises
    ------
    InfeasibleError
        A target that needs borrowing without ``allow_borrowing``, or a target return below the
        risk-free rate (the message gives the reachable range).

    Examples
    --------
    >>> r = capital_market_line([0.10, 0.05], [[0.04, 0.0], [0.0, 0.01]], 0.02, target_volatility=0.05)
    >>> round(r.cash_weight, 4), r.weights.round(4).tolist(), round(r.volatility, 6)
    (0.5, [0.2, 0.3], 0.05)
    """
    if target_volatility is not None and target_return is not None:
        raise InputError("target_volatility: give target_volatility or target_return, not both.")
    tangency = max_sharpe(expected_returns, cov, risk_free, lower, upper, constraints=constraints, groups=groups,
                          group_lower=group_lower, group_upper=group_upper, gamma=gamma,
                          risk_free_asset=risk_free_asset)
    if risk_free_asset is None:
        rf = 0.0 if risk_free is None else float(risk_free)
    else:
        rf = float(np.asarray(expected_returns, dtype=np.float64).reshape(-1)[int(risk_free_asset)])
    if target_volatility is not None:
        name, value = "target_volatility", as_scalar(target_volatility, "target_volatility", low=0.0)
        t = value / tangency.volatility
        reach = f"0 to {tangency.volatility:.4g}"
    elif target_return is not None:
        name, value = "target_return", as_scalar(target_return, "target_return")
        t = (value - rf) / (tangency.expected_return - rf)
        reach = f"{rf:.4g} to {tangency.expected_return:.4g}"
    else:
        name, value, t, reach = "", 0.0, 1.0, ""
    if t < 0.0:
        raise InfeasibleError(f"{name}: {value:.4g} is below the risk-free rate {rf:.4g}; choose from {reach}.")
    if t > 1.0 and not allow_borrowing:
        raise InfeasibleError(
            f"{name}: {value:.4g} needs borrowing (beyond the tangency portfolio); choose from {reach} "
            "or allow_borrowing=True."
        )
    w = t * tangency.weights
    cash = 1.0 - t
    if risk_free_asset is not None:
        w[int(risk_free_asset)] = cash
    ret = cash * rf + t * tangency.expected_return
    vol = t * tangency.volatility
    return MarketLinePortfolio(w, float(cash), float(ret), float(vol), tangency.sharpe_ratio, tangency)
