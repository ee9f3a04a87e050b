"""Expected returns from price or return history, annualised simply or with compounding.

==============  ====================================  ==========================================
method          per-period estimate ``m``             default annualisation
==============  ====================================  ==========================================
``mean``        arithmetic mean return                ``m * periods_per_year``
``geometric``   ``prod(1 + r) ** (1 / n_obs) - 1``    ``(1 + m) ** periods_per_year - 1`` (CAGR)
``ewma``        exponentially weighted mean (span     ``m * periods_per_year``
                500 periods unless ``halflife`` or
                ``span`` is given)
==============  ====================================  ==========================================

``compounding=True`` annualises any of them as ``(1 + m) ** periods_per_year - 1``,
``compounding=False`` as ``m * periods_per_year``. PyPortfolioOpt's
``mean_historical_return(compounding=True)`` is ``geometric`` here, ``compounding=False`` is
``mean``; its ``ema_historical_return(span=..., compounding=...)`` is ``ewma`` with the same words.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_scalar, check_choice
from ..errors import InputError
from .data import MISSING_POLICIES, _as_data, _complete_returns, _complete_rows, _decay
from .moments import _ewm_mean_last


class ReturnMethod(StrEnum):
    """Expected-return estimators by name."""

    MEAN = "mean"
    GEOMETRIC = "geometric"
    EWMA = "ewma"


EXPECTED_RETURN_METHODS = tuple(m.value for m in ReturnMethod)
#: PyPortfolioOpt's default span for exponentially weighted mean returns.
EWMA_RETURN_SPAN = 500
#: Method -> compounding when ``compounding`` is not given.
DEFAULT_COMPOUNDING = {"mean": False, "geometric": True, "ewma": False}


class ExpectedReturnsEstimate(NamedTuple):
    """Annualised expected returns and how they were obtained.

    Attributes
    ----------
    values : ndarray of shape (n_assets,)
    method : str
    n_observations : int
    n_dropped : int
    """

    values: NDArray[np.float64]
    method: str
    n_observations: int
    n_dropped: int


def _mean(x, scale, compound, halflife, span):
    m = np.nanmean(x, axis=0)
    return (1.0 + m) ** scale - 1.0 if compound else m * scale


def _geometric(x, scale, compound, halflife, span):
    counts = np.sum(~np.isnan(x), axis=0)
    growth = np.exp(np.nansum(np.log1p(x), axis=0))
    return growth ** (scale / counts) - 1.0 if compound else (growth ** (1.0 / counts) - 1.0) * scale


def _ewma(x, scale, compound, halflife, span):
    if halflife is None:  # alpha from the span directly (no 1 - (1 - alpha) rounding)
        alpha = 2.0 / (as_scalar(EWMA_RETURN_SPAN if span is None else span, "span", low=1.0) + 1.0)
    else:
        alpha = 1.0 - _decay(halflife, span, 0.0)
    m = _ewm_mean_last(x, alpha)
    return (1.0 + m) ** scale - 1.0 if compound else m * scale


_FORMULAS = {"mean": _mean, "geometric": _geometric, "ewma": _ewma}


def expected_returns(
    prices: ArrayLike,
    method: str = "mean",
    periods_per_year: float = 252,
    *,
    data_kind: str = "prices",
    halflife: float | None = None,
    missing: str = "drop",
    span: float | None = None,
    compounding: bool | None = None,
) -> ExpectedReturnsEstimate:
    """Annualised expected returns from history.

    Parameters
    ----------
    prices : array_like of shape (n_obs, n_assets)
        Prices (or returns with ``data_kind="returns"``), oldest row first.
    method : {"mean", "geometric", "ewma"}
        See the module docstring.
    periods_per_year : float
    data_kind : {"prices", "returns"}
    halflife : float, optional
        ``ewma`` only: half-life in periods.
    missing : {"drop", "pairwise"}
        ``"drop"`` removes return rows with a gap; ``"pairwise"`` uses each asset's own rows.
    span : float, optional
        ``ewma`` only: pandas' span (default 500, PyPortfolioOpt's).
    compounding : bool, optional
        ``True``: ``(1 + m) ** periods_per_year - 1``; ``False``: ``m * periods_per_year``.
        Default: compounded for ``geometric`` only.

    Returns
    -------
    ExpectedReturnsEstimate

    Examples
    --------
    >>> expected_returns([[100.0], [110.0], [121.0]], periods_per_year=1).values.round(6).tolist()
    [0.1]
    >>> expected_returns([[100.0], [101.0], [102.01]], periods_per_year=12, compounding=True).values.round(6).tolist()
    [0.126825]
    """
    kind = check_choice(method, "method", EXPECTED_RETURN_METHODS)
    policy = check_choice(missing, "missing", MISSING_POLICIES)
    scale = as_scalar(periods_per_year, "periods_per_year", low=0.0, low_inclusive=False)
    if compounding is not None and not isinstance(compounding, (bool, np.bool_)):
        raise InputError(f"compounding: expected TRUE or FALSE, got {compounding!r}.")
    compound = DEFAULT_COMPOUNDING[kind] if compounding is None else bool(compounding)
    if kind != "ewma" and span is not None:
        raise InputError(f"span: works with method='ewma' only, got method={kind!r}.")
    returns = _as_data(prices, "prices", data_kind)
    if policy == "drop":
        x, n_dropped = _complete_returns(returns, "prices", 1)
    else:
        x = returns
        n_dropped = int(returns.shape[0] - _complete_rows(returns).sum())
        if np.any(np.all(np.isnan(x), axis=0)):
            j = int(np.flatnonzero(np.all(np.isnan(x), axis=0))[0])
            raise InputError(f"prices: column {j + 1} has no returns; give at least 2 prices per asset.")
    values = _FORMULAS[kind](x, scale, compound, halflife, span)
    n_obs = int(x.shape[0]) if policy == "drop" else int(np.sum(~np.isnan(x), axis=0).min())
    return ExpectedReturnsEstimate(np.ascontiguousarray(values, dtype=np.float64), kind, n_obs, n_dropped)
