"""What the market implies: equilibrium returns from market weights, and the market's risk aversion."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_covariance, as_scalar
from ..errors import InputError
from ..estimators import _as_data
from .checks import as_market_weights


def market_implied_returns(
    cov: ArrayLike, market_weights: ArrayLike, risk_aversion: float, *, risk_free_rate: float = 0.0
) -> NDArray[np.float64]:
    """Expected returns that make the market portfolio optimal: ``pi = delta C w_mkt + r_f``.

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
        Annualised covariance of returns.
    market_weights : array_like of shape (n_assets,)
        Market capitalisations or weights (>= 0); scaled to sum to 1.
    risk_aversion : float
        ``delta > 0``, the market's excess return per unit of variance (2 to 4 is typical;
        He & Litterman use 2.5).
    risk_free_rate : float, default 0
        Added to every implied return (annual, decimal), as PyPortfolioOpt's
        ``market_implied_prior_returns`` does.

    Returns
    -------
    ndarray of shape (n_assets,)
        Annual expected returns, decimal fractions.

    Examples
    --------
    >>> market_implied_returns([[0.04, 0.0], [0.0, 0.01]], [3, 1], 2.5).round(4).tolist()
    [0.075, 0.0062]
    """
    C = as_covariance(cov, "cov")
    w = as_market_weights(market_weights, C.shape[0])
    delta = as_scalar(risk_aversion, "risk_aversion", low=0.0, low_inclusive=False)
    rf = as_scalar(risk_free_rate, "risk_free_rate")
    return delta * (C @ w) + rf


def market_implied_risk_aversion(
    market_prices: ArrayLike,
    *,
    periods_per_year: float = 252,
    risk_free_rate: float = 0.0,
    data_kind: str = "prices",
) -> float:
    """The market's risk aversion from its price history: ``delta = (mean return - r_f) / variance``.

    Both the mean and the variance (``ddof=1``) of the simple returns are annualised with
    ``periods_per_year``, as PyPortfolioOpt's ``market_implied_risk_aversion`` does.

    Parameters
    ----------
    market_prices : array_like of shape (n_obs,)
        Prices of a market index (or its returns with ``data_kind="returns"``), oldest first.
        Missing values are dropped.
    periods_per_year : float, default 252
    risk_free_rate : float, default 0
        Annual, decimal.
    data_kind : {"prices", "returns"}

    Returns
    -------
    float
        ``delta``; negative when the market earned less than the risk-free rate (then it cannot
        serve as a risk aversion: :func:`black_litterman` asks for ``delta > 0``).

    Examples
    --------
    >>> round(market_implied_risk_aversion([100, 101, 100.5, 102, 103], periods_per_year=1), 2)
    100.74
    """
    ppy = as_scalar(periods_per_year, "periods_per_year", low=0.0, low_inclusive=False)
    rf = as_scalar(risk_free_rate, "risk_free_rate")
    x = _as_data(market_prices, "market_prices", data_kind)
    if x.shape[1] != 1:
        raise InputError(f"market_prices: expected one column (a market index), got {x.shape[1]} columns.")
    r = x[:, 0]
    r = r[~np.isnan(r)]
    if r.size < 2:
        raise InputError(f"market_prices: need at least 2 returns (3 prices), got {r.size}.")
    var = float(np.var(r, ddof=1))
    if not var > 0:
        raise InputError("market_prices: the returns are constant (zero variance); use a longer history.")
    return (float(np.mean(r)) * ppy - rf) / (var * ppy)
