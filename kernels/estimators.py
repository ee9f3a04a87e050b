"""Covariance and expected-return estimates from price or return history.

Methods (the same words feed the workbook's drop-down lists):

=============  ====================================================================
``sample``     unbiased sample covariance (``ddof=1``, as ``numpy.cov``)
``ewma``       exponentially weighted (RiskMetrics: lambda = 0.94 unless ``halflife``
               is given), bias-corrected like ``pandas ...ewm(adjust=True).cov()``
``ledoit_wolf`` shrinkage to a scaled identity (Ledoit & Wolf 2004), equal to
               scikit-learn's ``LedoitWolf``
``oas``        oracle approximating shrinkage (Chen et al. 2010), equal to
               scikit-learn's ``OAS``
=============  ====================================================================

Results are annualised by ``periods_per_year`` (252 for daily data, 52 weekly,
12 monthly; 1 leaves them per period). Data are ``(n_obs, n_assets)``: one row per
date, one column per asset, oldest first.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit, prange
from ._validate import as_scalar, check_choice
from .errors import InputError

COVARIANCE_METHODS = ("sample", "ewma", "ledoit_wolf", "oas")
EXPECTED_RETURN_METHODS = ("mean", "geometric", "ewma")
DATA_KINDS = ("returns", "prices")
MISSING_POLICIES = ("drop", "pairwise")
#: RiskMetrics (1996) decay for daily data.
RISKMETRICS_LAMBDA = 0.94
#: PyPortfolioOpt's default span for exponentially weighted mean returns.
EWMA_RETURN_SPAN = 500


class CovarianceEstimate(NamedTuple):
    """A covariance estimate and how it was obtained.

    Attributes
    ----------
    matrix : ndarray of shape (n_assets, n_assets)
        Annualised covariance (per period when ``periods_per_year=1``).
    method : str
    n_observations : int
        Return rows used (with ``missing="pairwise"``, the fewest any pair used).
    n_dropped : int
        Return rows dropped because one of their values was missing.
    shrinkage : float
        Shrinkage intensity in [0, 1] (``ledoit_wolf``, ``oas``); 0 otherwise.
    """

    matrix: NDArray[np.float64]
    method: str
    n_observations: int
    n_dropped: int
    shrinkage: float


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


# ----------------------------------------------------------------------------- kernels


@jit
def _simple_returns(prices):
    n_obs, n_assets = prices.shape
    out = np.empty((n_obs - 1, n_assets))
    for t in range(1, n_obs):
        for j in range(n_assets):
            out[t - 1, j] = prices[t, j] / prices[t - 1, j] - 1.0
    return out


@jit
def _complete_rows(x):
    n_obs, n_assets = x.shape
    keep = np.ones(n_obs, dtype=np.bool_)
    for t in range(n_obs):
        for j in range(n_assets):
            if np.isnan(x[t, j]):
                keep[t] = False
                break
    return keep


@jit
def _first_constant_column(x):
    """Index of the first column whose non-missing values are all equal (or all missing), else -1."""
    n_obs, n_assets = x.shape
    lo = np.full(n_assets, np.inf)
    hi = np.full(n_assets, -np.inf)
    for t in range(n_obs):
        for j in range(n_assets):
            v = x[t, j]
            if v < lo[j]:
                lo[j] = v
            if v > hi[j]:
                hi[j] = v
    for j in range(n_assets):
        if not hi[j] > lo[j]:
            return j
    return -1


@jit
def _centered(x, weights):
    """Subtract the (weighted) column means; rows are scaled by sqrt(weight)."""
    n_obs, n_assets = x.shape
    total = 0.0
    for t in range(n_obs):
        total += weights[t]
    means = np.zeros(n_assets)
    for t in range(n_obs):
        wt = weights[t] / total
        for j in range(n_assets):
            means[j] += wt * x[t, j]
    out = np.empty_like(x)
    for t in range(n_obs):
        s = np.sqrt(weights[t])
        for j in range(n_assets):
            out[t, j] = s * (x[t, j] - means[j])
    return out


@jit
def _row_square_norms_squared_sum(xc):
    """sum_t (sum_i x_ti^2)^2: the Ledoit-Wolf beta term, O(n_obs * n_assets)."""
    n_obs, n_assets = xc.shape
    total = 0.0
    for t in range(n_obs):
        row = 0.0
        for j in range(n_assets):
            row += xc[t, j] * xc[t, j]
        total += row * row
    return total


@jit
def _ledoit_wolf_shrinkage(emp_cov, beta_sum, n_obs):
    n = emp_cov.shape[0]
    trace = 0.0
    for i in range(n):
        trace += emp_cov[i, i]
    mu = trace / n
    delta_ = 0.0
    for i in range(n):
        for j in range(n):
            delta_ += emp_cov[i, j] * emp_cov[i, j]
    beta = (beta_sum / n_obs - delta_) / (n * n_obs)
    delta = (delta_ - 2.0 * mu * trace + n * mu * mu) / n
    beta = min(beta, delta)
    return 0.0 if beta == 0.0 else beta / delta


@jit
def _oas_shrinkage(emp_cov, n_obs):
    n = emp_cov.shape[0]
    trace = 0.0
    for i in range(n):
        trace += emp_cov[i, i]
    mu = trace / n
    alpha = 0.0
    for i in range(n):
        for j in range(n):
            alpha += emp_cov[i, j] * emp_cov[i, j]
    alpha /= n * n
    num = alpha + mu * mu
    den = (n_obs + 1.0) * (alpha - mu * mu / n)
    return 1.0 if den == 0.0 else min(num / den, 1.0)


@jit
def _shrink_to_identity(emp_cov, shrinkage, scale):
    n = emp_cov.shape[0]
    trace = 0.0
    for i in range(n):
        trace += emp_cov[i, i]
    mu = trace / n
    out = np.empty_like(emp_cov)
    for i in range(n):
        for j in range(n):
            out[i, j] = scale * (1.0 - shrinkage) * emp_cov[i, j]
        out[i, i] += scale * shrinkage * mu
    return out


@jit(parallel=True)
def _pairwise_covariance(x, ddof):
    n_obs, n_assets = x.shape
    cov = np.empty((n_assets, n_assets))
    counts = np.empty((n_assets, n_assets), dtype=np.int64)
    for i in prange(n_assets):
        for j in range(i, n_assets):
            m = 0
            si = 0.0
            sj = 0.0
            for t in range(n_obs):
                a = x[t, i]
                b = x[t, j]
                if not (np.isnan(a) or np.isnan(b)):
                    m += 1
                    si += a
                    sj += b
            c = np.nan
            if m > ddof:
                mi = si / m
                mj = sj / m
                acc = 0.0
                for t in range(n_obs):
                    a = x[t, i]
                    b = x[t, j]
                    if not (np.isnan(a) or np.isnan(b)):
                        acc += (a - mi) * (b - mj)
                c = acc / (m - ddof)
            cov[i, j] = c
            cov[j, i] = c
            counts[i, j] = m
            counts[j, i] = m
    return cov, counts


@jit
def _ewm_mean_last(x, alpha):
    """Last value of pandas ``ewm(alpha=alpha, adjust=True).mean()`` per column, skipping NaN."""
    n_obs, n_assets = x.shape
    out = np.empty(n_assets)
    decay = 1.0 - alpha
    for j in range(n_assets):
        num = 0.0
        den = 0.0
        w = 1.0
        for t in range(n_obs - 1, -1, -1):
            v = x[t, j]
            if not np.isnan(v):
                num += w * v
                den += w
            w *= decay
        out[j] = num / den
    return out


# ----------------------------------------------------------------------------- helpers


def _as_data(data: ArrayLike, name: str, data_kind: str) -> NDArray[np.float64]:
    kind = check_choice(data_kind, "data_kind", DATA_KINDS)
    try:
        x = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, found text; remove headers and dates from the range.") from None
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2:
        raise InputError(f"{name}: expected a table (one row per date, one column per asset).")
    if np.any(np.isinf(x)):
        raise InputError(f"{name}: contains an infinite value; fix or clear that cell.")
    x = np.ascontiguousarray(x)
    if kind == "prices":
        if np.any(x[~np.isnan(x)] <= 0):
            t, j = np.argwhere(x <= 0)[0]
            raise InputError(f"{name}: price at row {t + 1}, column {j + 1} is {x[t, j]:g}; prices must be > 0.")
        if x.shape[0] < 2:
            raise InputError(f"{name}: need at least 3 prices per asset to estimate, got {x.shape[0]} rows.")
        x = _simple_returns(x)
    return x


def _complete_returns(returns: NDArray[np.float64], name: str, min_obs: int) -> tuple[NDArray[np.float64], int]:
    keep = _complete_rows(returns)
    n_dropped = int(returns.shape[0] - keep.sum())
    x = returns[keep] if n_dropped else returns
    if x.shape[0] < min_obs:
        raise InputError(
            f"{name}: only {x.shape[0]} complete rows of returns ({n_dropped} dropped for gaps); "
            f"need at least {min_obs}. Fill gaps or use missing='pairwise'."
        )
    return np.ascontiguousarray(x), n_dropped


def _check_not_constant(x: NDArray[np.float64], name: str) -> None:
    j = _first_constant_column(x)
    if j >= 0:
        raise InputError(f"{name}: column {j + 1} is constant (zero variance); remove it or use a longer history.")


def _decay(halflife: float | None) -> float:
    if halflife is None:
        return RISKMETRICS_LAMBDA
    h = as_scalar(halflife, "halflife", low=0.0, low_inclusive=False)
    return 0.5 ** (1.0 / h)


def _sample(xc, n_obs, scale, **_):
    return (xc.T @ xc) * (scale / (n_obs - 1)), 0.0


def _ewma(x, n_obs, scale, decay, **_):
    w = decay ** np.arange(n_obs - 1, -1, -1, dtype=np.float64)
    xc = _centered(x, w)
    sw = w.sum()
    bias = sw * sw / (sw * sw - np.dot(w, w))
    return (xc.T @ xc) * (scale * bias / sw), 0.0


def _ledoit_wolf(xc, n_obs, scale, **_):
    emp = (xc.T @ xc) / n_obs
    shrinkage = _ledoit_wolf_shrinkage(emp, _row_square_norms_squared_sum(xc), float(n_obs))
    return _shrink_to_identity(emp, shrinkage, scale), shrinkage


def _oas(xc, n_obs, scale, **_):
    emp = (xc.T @ xc) / n_obs
    shrinkage = 0.0 if emp.shape[0] == 1 else _oas_shrinkage(emp, float(n_obs))
    return _shrink_to_identity(emp, shrinkage, scale), shrinkage


_ESTIMATORS = {"sample": _sample, "ewma": _ewma, "ledoit_wolf": _ledoit_wolf, "oas": _oas}


# ----------------------------------------------------------------------------- public


def covariance(
    data: ArrayLike,
    method: str = "sample",
    *,
    data_kind: str = "returns",
    periods_per_year: float = 252,
    halflife: float | None = None,
    missing: str = "drop",
) -> CovarianceEstimate:
    """Covariance matrix of asset returns, annualised.

    Parameters
    ----------
    data : array_like of shape (n_obs, n_assets)
        Returns (decimal fractions per period) or prices, oldest row first. Missing values are NaN.
    method : {"sample", "ewma", "ledoit_wolf", "oas"}
    data_kind : {"returns", "prices"}
        With ``"prices"``, simple returns ``p_t / p_{t-1} - 1`` are computed first.
    periods_per_year : float
        Periods per year used to annualise (252 daily, 52 weekly, 12 monthly, 1 for none).
    halflife : float, optional
        ``ewma`` only: half-life in periods, ``lambda = 0.5 ** (1 / halflife)``.
        Default: RiskMetrics ``lambda = 0.94`` (a half-life of about 11.2 periods).
    missing : {"drop", "pairwise"}
        ``"drop"`` removes every return row with a gap and reports the count;
        ``"pairwise"`` (``sample`` only) uses, for each pair, the rows where both are present,
        as pandas ``DataFrame.cov`` does; the result may then not be PSD.

    Returns
    -------
    CovarianceEstimate

    Raises
    ------
    InputError
        Unknown option, text or infinite values, non-positive prices, fewer than 2 usable
        rows, or a constant column.

    Examples
    --------
    >>> r = [[0.01, 0.02], [0.03, -0.01], [-0.02, 0.00]]
    >>> covariance(r, periods_per_year=1).matrix.round(6).tolist()
    [[0.000633, -8.3e-05], [-8.3e-05, 0.000233]]
    """
    kind = check_choice(method, "method", COVARIANCE_METHODS)
    policy = check_choice(missing, "missing", MISSING_POLICIES)
    scale = as_scalar(periods_per_year, "periods_per_year", low=0.0, low_inclusive=False)
    decay = _decay(halflife) if kind == "ewma" else RISKMETRICS_LAMBDA
    returns = _as_data(data, "data", data_kind)
    if policy == "pairwise":
        if kind != "sample":
            raise InputError(f"missing: 'pairwise' works with method='sample' only, got method={kind!r}; use missing='drop'.")
        _check_not_constant(returns, "data")
        cov, counts = _pairwise_covariance(returns, 1)
        if np.isnan(cov).any():
            i, j = np.argwhere(np.isnan(cov))[0]
            raise InputError(f"data: columns {i + 1} and {j + 1} share fewer than 2 dates with returns; fill the gaps.")
        n_complete = int(_complete_rows(returns).sum())
        return CovarianceEstimate(cov * scale, kind, int(counts.min()), int(returns.shape[0] - n_complete), 0.0)
    x, n_dropped = _complete_returns(returns, "data", 2)
    _check_not_constant(x, "data")
    n_obs = x.shape[0]
    xc = x if kind == "ewma" else _centered(x, np.ones(n_obs))
    matrix, shrinkage = _ESTIMATORS[kind](xc, n_obs, scale, decay=decay)
    matrix = 0.5 * (matrix + matrix.T)
    return CovarianceEstimate(np.ascontiguousarray(matrix), kind, n_obs, n_dropped, float(shrinkage))


def expected_returns(
    prices: ArrayLike,
    method: str = "mean",
    periods_per_year: float = 252,
    *,
    data_kind: str = "prices",
    halflife: float | None = None,
    missing: str = "drop",
) -> ExpectedReturnsEstimate:
    """Annualised expected returns from history.

    Parameters
    ----------
    prices : array_like of shape (n_obs, n_assets)
        Prices (or returns with ``data_kind="returns"``), oldest row first.
    method : {"mean", "geometric", "ewma"}
        ``mean``: arithmetic mean return x ``periods_per_year``;
        ``geometric``: compound annual growth rate ``prod(1 + r) ** (periods_per_year / n_obs) - 1``;
        ``ewma``: exponentially weighted mean return x ``periods_per_year`` (span 500 periods,
        PyPortfolioOpt's default, unless ``halflife`` is given).
    periods_per_year : float
    data_kind : {"prices", "returns"}
    halflife : float, optional
        ``ewma`` only: half-life in periods.
    missing : {"drop", "pairwise"}
        ``"drop"`` removes return rows with a gap; ``"pairwise"`` uses each asset's own rows.

    Returns
    -------
    ExpectedReturnsEstimate

    Examples
    --------
    >>> expected_returns([[100.0], [110.0], [121.0]], periods_per_year=1).values.round(6).tolist()
    [0.1]
    """
    kind = check_choice(method, "method", EXPECTED_RETURN_METHODS)
    policy = check_choice(missing, "missing", MISSING_POLICIES)
    scale = as_scalar(periods_per_year, "periods_per_year", low=0.0, low_inclusive=False)
    returns = _as_data(prices, "prices", data_kind)
    if policy == "drop":
        x, n_dropped = _complete_returns(returns, "prices", 1)
    else:
        x = returns
        n_dropped = int(returns.shape[0] - _complete_rows(returns).sum())
        if np.any(np.all(np.isnan(x), axis=0)):
            j = int(np.flatnonzero(np.all(np.isnan(x), axis=0))[0])
            raise InputError(f"prices: column {j + 1} has no returns; give at least 2 prices per asset.")
    if kind == "mean":
        values = np.nanmean(x, axis=0) * scale
    elif kind == "geometric":
        counts = np.sum(~np.isnan(x), axis=0)
        growth = np.exp(np.nansum(np.log1p(x), axis=0))
        values = growth ** (scale / counts) - 1.0
    else:
        alpha = 2.0 / (EWMA_RETURN_SPAN + 1.0) if halflife is None else 1.0 - _decay(halflife)
        values = _ewm_mean_last(x, alpha) * scale
    n_obs = int(x.shape[0]) if policy == "drop" else int(np.sum(~np.isnan(x), axis=0).min())
    return ExpectedReturnsEstimate(np.ascontiguousarray(values, dtype=np.float64), kind, n_obs, n_dropped)
