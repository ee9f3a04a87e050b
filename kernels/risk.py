"""Portfolio return, volatility, risk contributions, diversification and concentration.

Weights are used as given: shorts (negative weights) and leverage (weights not
summing to 1) are allowed when measuring risk. Units follow the inputs: with an
annualised covariance the volatility is annual.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit, prange, vectorised
from ._validate import PSD_RTOL, as_covariance, as_matrix, as_vector, check_psd
from .errors import InputError


class RiskContributions(NamedTuple):
    """How much each asset adds to portfolio volatility (Euler decomposition).

    Attributes
    ----------
    volatility : float
        Portfolio volatility ``sqrt(w' C w)``.
    marginal : ndarray of shape (n_assets,)
        Marginal risk ``d sigma / d w_i = (C w)_i / sigma``.
    absolute : ndarray of shape (n_assets,)
        ``w_i * marginal_i``; sums to ``volatility``.
    relative : ndarray of shape (n_assets,)
        ``absolute / volatility``; sums to 1.
    """

    volatility: float
    marginal: NDArray[np.float64]
    absolute: NDArray[np.float64]
    relative: NDArray[np.float64]


class Concentration(NamedTuple):
    """Concentration of a weight vector.

    Attributes
    ----------
    hhi : float
        Herfindahl-Hirschman index ``sum(w_i^2) / (sum|w_i|)^2``, from ``1/n_assets`` (equal) to 1 (one asset).
    effective_n : float
        Effective number of assets ``1 / hhi``.
    """

    hhi: float
    effective_n: float


def _quad_form_numpy(w, cov):
    return float(w @ (np.diag(cov) * w + 2.0 * (np.triu(cov, 1) @ w)))


@vectorised(_quad_form_numpy)
@jit
def _quad_form(w, cov):
    """``w' C w`` from the upper triangle of ``C`` (symmetric)."""
    n = w.shape[0]
    total = 0.0
    for i in range(n):
        row = 0.0
        for j in range(i + 1, n):
            row += cov[i, j] * w[j]
        total += w[i] * (cov[i, i] * w[i] + 2.0 * row)
    return total


def _cov_times_weights_numpy(cov, w, out):
    out[:] = cov @ w
    return out


@vectorised(_cov_times_weights_numpy)
@jit
def _cov_times_weights(cov, w, out):
    """``out = C w``."""
    n = w.shape[0]
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += cov[i, j] * w[j]
        out[i] = acc
    return out


_BATCH_BLOCK = 64


def _batch_variance_numpy(weights, cov, out):
    out[:] = np.sum(weights * (weights * np.diag(cov) + 2.0 * (weights @ np.triu(cov, 1).T)), axis=1)
    return out


@vectorised(_batch_variance_numpy)
@jit(parallel=True)
def _batch_variance(weights, cov, out):
    """``out_b = w_b' C w_b`` for every row ``w_b`` of ``weights`` (upper triangle of ``C``)."""
    # Blocks of portfolios are transposed so that the innermost loop runs over portfolios:
    # contiguous and free of reductions, it vectorises without fastmath.
    k, n = weights.shape
    n_blocks = (k + _BATCH_BLOCK - 1) // _BATCH_BLOCK
    for blk in prange(n_blocks):
        start = blk * _BATCH_BLOCK
        m = min(_BATCH_BLOCK, k - start)
        wt = np.empty((n, m))
        for r in range(m):
            for j in range(n):
                wt[j, r] = weights[start + r, j]
        var = np.zeros(m)
        acc = np.empty(m)
        for i in range(n):
            half_cii = 0.5 * cov[i, i]
            for b in range(m):
                acc[b] = half_cii * wt[i, b]
            for j in range(i + 1, n):
                c = cov[i, j]
                for b in range(m):
                    acc[b] += c * wt[j, b]
            for b in range(m):
                var[b] += 2.0 * wt[i, b] * acc[b]
        for b in range(m):
            out[start + b] = var[b]
    return out


def _variance_or_raise(variance: float, cov: NDArray[np.float64], name: str) -> float:
    scale = max(float(np.max(np.abs(np.diag(cov)))), np.finfo(float).tiny)
    if variance < -PSD_RTOL * scale:
        check_psd(cov, name, what="covariance")
    return max(variance, 0.0)


def _weights_and_cov(weights: ArrayLike, cov: ArrayLike, cov_name: str = "cov"):
    C = as_covariance(cov, cov_name, check_psd_=False)
    w = as_vector(weights, "weights")
    if w.size != C.shape[0]:
        raise InputError(
            f"weights: {w.size} values but {cov_name} is {C.shape[0]} x {C.shape[0]}; give one weight per asset."
        )
    return w, C


def portfolio_return(weights: ArrayLike, expected_returns: ArrayLike) -> float:
    """Expected portfolio return ``w' mu``.

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
    expected_returns : array_like of shape (n_assets,)
        Expected returns as decimal fractions per period (0.07 is 7%).

    Returns
    -------
    float
        Expected return in the units of ``expected_returns``.

    Examples
    --------
    >>> portfolio_return([0.6, 0.4], [0.07, 0.03])
    0.054
    """
    w = as_vector(weights, "weights")
    mu = as_vector(expected_returns, "expected_returns", size=w.size, size_name="len(weights)")
    return round(float(w @ mu), 15)


def portfolio_volatility(weights: ArrayLike, cov: ArrayLike) -> float:
    """Portfolio volatility ``sqrt(w' C w)``.

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
    cov : array_like of shape (n_assets, n_assets)
        Covariance matrix of returns (symmetric, positive semi-definite).

    Returns
    -------
    float
        Volatility in the units of ``cov`` (annual if ``cov`` is annualised).

    Raises
    ------
    InputError
        Shapes differ, a value is missing, or ``cov`` is not PSD in the direction of ``weights``.

    Examples
    --------
    >>> round(portfolio_volatility([0.6, 0.4], [[0.0225, 0.0015], [0.0015, 0.0025]]), 6)
    0.096021
    """
    w, C = _weights_and_cov(weights, cov)
    return float(np.sqrt(_variance_or_raise(_quad_form(w, C), C, "cov")))


def portfolio_volatility_from_correlation(weights: ArrayLike, vols: ArrayLike, corr: ArrayLike) -> float:
    """Portfolio volatility from asset volatilities and a correlation matrix.

    ``sigma_p = sqrt(sum_i sum_j w_i w_j sigma_i sigma_j rho_ij)``.

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
    vols : array_like of shape (n_assets,)
        Asset volatilities (standard deviations), decimal fractions.
    corr : array_like of shape (n_assets, n_assets)
        Correlation matrix: unit diagonal, entries in [-1, 1], positive semi-definite.

    Examples
    --------
    >>> round(portfolio_volatility_from_correlation([0.6, 0.4], [0.15, 0.05], [[1, 0.2], [0.2, 1]]), 6)
    0.096021
    """
    from .correlation import covariance_from_correlation

    w = as_vector(weights, "weights")
    cov = covariance_from_correlation(vols, corr)
    if w.size != cov.shape[0]:
        raise InputError(f"weights: {w.size} values but there are {cov.shape[0]} volatilities; give one weight per asset.")
    return float(np.sqrt(max(_quad_form(w, cov), 0.0)))


def risk_contributions(weights: ArrayLike, cov: ArrayLike) -> RiskContributions:
    """Euler risk contributions: marginal, absolute (sum to volatility) and relative (sum to 1).

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
    cov : array_like of shape (n_assets, n_assets)

    Returns
    -------
    RiskContributions

    Raises
    ------
    InputError
        Bad shapes or values, or a zero-volatility portfolio (contributions are undefined).

    Examples
    --------
    >>> rc = risk_contributions([0.5, 0.5], [[0.04, 0.0], [0.0, 0.04]])
    >>> rc.relative.tolist()
    [0.5, 0.5]
    """
    w, C = _weights_and_cov(weights, cov)
    cw = _cov_times_weights(C, w, np.empty_like(w))
    variance = _variance_or_raise(float(w @ cw), C, "cov")
    if variance <= 0.0:
        raise InputError("weights: the portfolio has zero volatility, so risk contributions are undefined.")
    vol = float(np.sqrt(variance))
    marginal = cw / vol
    absolute = w * marginal
    return RiskContributions(vol, marginal, absolute, absolute / vol)


def diversification_ratio(weights: ArrayLike, cov: ArrayLike) -> float:
    """Diversification ratio ``sum_i w_i sigma_i / sigma_p`` (1 for a single asset, higher is more diversified).

    Examples
    --------
    >>> round(diversification_ratio([0.5, 0.5], [[0.04, 0.0], [0.0, 0.04]]), 6)
    1.414214
    """
    w, C = _weights_and_cov(weights, cov)
    variance = _variance_or_raise(_quad_form(w, C), C, "cov")
    if variance <= 0.0:
        raise InputError("weights: the portfolio has zero volatility, so the diversification ratio is undefined.")
    return float(w @ np.sqrt(np.diag(C)) / np.sqrt(variance))


def concentration(weights: ArrayLike) -> Concentration:
    """Herfindahl-Hirschman index and effective number of assets of a weight vector.

    Examples
    --------
    >>> concentration([0.25, 0.25, 0.25, 0.25])
    Concentration(hhi=0.25, effective_n=4.0)
    """
    w = as_vector(weights, "weights")
    gross = float(np.sum(np.abs(w)))
    if gross == 0.0:
        raise InputError("weights: all zero; concentration needs at least one non-zero weight.")
    hhi = float(np.sum(w * w) / gross**2)
    return Concentration(hhi, 1.0 / hhi)


def batch_volatility(weights: ArrayLike, cov: ArrayLike) -> NDArray[np.float64]:
    """Volatility of many portfolios at once, in parallel.

    Parameters
    ----------
    weights : array_like of shape (n_portfolios, n_assets)
        One portfolio per row.
    cov : array_like of shape (n_assets, n_assets)

    Returns
    -------
    ndarray of shape (n_portfolios,)

    Examples
    --------
    >>> batch_volatility([[1.0, 0.0], [0.0, 1.0]], [[0.04, 0.0], [0.0, 0.01]]).tolist()
    [0.2, 0.1]
    """
    C = as_covariance(cov, "cov", check_psd_=False)
    W = as_matrix(weights, "weights", n_cols=C.shape[0])
    var = _batch_variance(W, C, np.empty(W.shape[0]))
    if var.size and var.min() < 0.0:
        _variance_or_raise(float(var.min()), C, "cov")
    return np.sqrt(np.maximum(var, 0.0))
