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
from ._validate import as_covariance, as_matrix, as_vector
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


def _power_of_two_scale(x: NDArray[np.float64]) -> float:
    """The power of two at or just below ``max|x|`` (1 when ``x`` is all zero): ``max|x| / scale`` is in [1, 2).

    Dividing by it is exact, so scale-invariant quantities (shares of risk, the diversification
    ratio) computed on ``x / scale`` equal those of ``x`` without overflow or underflow in between
    (the power just above could itself overflow, for ``max|x|`` near 1.8e308).
    """
    top = float(np.max(np.abs(x))) if x.size else 0.0
    if top == 0.0:
        return 1.0
    return float(np.ldexp(1.0, int(np.frexp(top)[1]) - 1))


def _weights_and_cov(weights: ArrayLike, cov: ArrayLike, cov_name: str = "cov", *, check_psd: bool = True):
    """Validated weights and covariance (the PSD rule of :func:`kernels._validate.as_covariance` included)."""
    C = as_covariance(cov, cov_name, check_psd_=check_psd)
    w = as_vector(weights, "weights")
    if w.size != C.shape[0]:
        raise InputError(
            f"weights: {w.size} values but {cov_name} is {C.shape[0]} x {C.shape[0]}; give one weight per asset."
        )
    return w, C


class _Scaled(NamedTuple):
    """Weights and covariance divided by powers of two (exactly), and the factor that undoes it on a volatility."""

    weights: NDArray[np.float64]
    cov: NDArray[np.float64]
    vol_scale: float


#: A covariance whose largest variance lies outside [2^-COV_EXPONENT, 2^COV_EXPONENT] is rescaled first.
_COV_EXPONENT = 256


def _scaled(w: NDArray[np.float64], C: NDArray[np.float64]) -> _Scaled:
    """``w / 2^a`` with ``max|w / 2^a|`` in [1, 2), and ``C / 4^b`` when its variances are extreme.

    The quadratic form of the scaled pair stays within float range whatever the scale of the inputs
    (weights of 1e200 or a covariance of 1e-300); the volatility is ``sqrt(w' C w) * vol_scale``.
    """
    sw = _power_of_two_scale(w)
    ws = w / sw if sw != 1.0 else w
    top = float(np.max(np.diag(C))) if C.size else 0.0
    vol_scale = sw
    if top > 0.0 and not (2.0**-_COV_EXPONENT <= top <= 2.0**_COV_EXPONENT):
        half = int(np.frexp(top)[1]) // 2  # divide C by 4^half: its square root scales by 2^half exactly
        C = np.ldexp(C, -2 * half)
        vol_scale = sw * float(np.ldexp(1.0, half))
    return _Scaled(ws, C, vol_scale)


def _non_negative(variance: float) -> float:
    """A variance of a checked PSD matrix: a negative value is rounding, read as 0."""
    return variance if variance > 0.0 else 0.0


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


def portfolio_volatility(weights: ArrayLike, cov: ArrayLike, *, check_psd: bool = True) -> float:
    """Portfolio volatility ``sqrt(w' C w)``.

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
    cov : array_like of shape (n_assets, n_assets)
        Covariance matrix of returns (symmetric, positive semi-definite).
    check_psd : bool, default True
        Refuse a ``cov`` that is not positive semi-definite (a Cholesky factorisation, ``n_assets^3 / 3``
        operations); pass False only for a matrix PSD by construction (a sample or shrunk covariance).

    Returns
    -------
    float
        Volatility in the units of ``cov`` (annual if ``cov`` is annualised). Computed on rescaled
        weights, so weights of any size give a finite answer when the volatility itself is a float.

    Raises
    ------
    InputError
        Shapes differ, a value is missing, or ``cov`` is not positive semi-definite.

    Examples
    --------
    >>> round(portfolio_volatility([0.6, 0.4], [[0.0225, 0.0015], [0.0015, 0.0025]]), 6)
    0.096021
    """
    w, C = _weights_and_cov(weights, cov, check_psd=check_psd)
    sc = _scaled(w, C)
    return float(np.sqrt(_non_negative(_quad_form(sc.weights, sc.cov)))) * sc.vol_scale


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
    from .correlation import as_correlation, check_volatilities

    w = as_vector(weights, "weights")
    s = check_volatilities(vols)
    R = as_correlation(corr, "correlation")
    if R.shape[0] != s.size:
        raise InputError(f"correlation: is {R.shape[0]} x {R.shape[0]} but there are {s.size} volatilities; "
                         "use one row and column per asset.")
    if w.size != s.size:
        raise InputError(f"weights: {w.size} values but there are {s.size} volatilities; give one weight per asset.")
    # x = w * s, scaled by powers of two at each step so that no product overflows or underflows
    pw, ps = _power_of_two_scale(w), _power_of_two_scale(s)
    x = (w / pw) * (s / ps)
    px = _power_of_two_scale(x)
    return float(np.sqrt(_non_negative(_quad_form(x / px, R)))) * px * pw * ps


def risk_contributions(weights: ArrayLike, cov: ArrayLike, *, check_psd: bool = True) -> RiskContributions:
    """Euler risk contributions: marginal, absolute (sum to volatility) and relative (sum to 1).

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
    cov : array_like of shape (n_assets, n_assets)
        Covariance matrix of returns (symmetric, positive semi-definite).
    check_psd : bool, default True
        As in :func:`portfolio_volatility`.

    Returns
    -------
    RiskContributions
        ``marginal`` and ``relative`` do not depend on the scale of the weights and are computed on
        rescaled weights: weights of 1e200 or 1e-200 give the same shares as their ratios.

    Raises
    ------
    InputError
        Bad shapes or values, ``cov`` not positive semi-definite, or a zero-volatility portfolio
        (contributions are undefined).

    Examples
    --------
    >>> rc = risk_contributions([0.5, 0.5], [[0.04, 0.0], [0.0, 0.04]])
    >>> rc.relative.tolist()
    [0.5, 0.5]
    """
    w, C = _weights_and_cov(weights, cov, check_psd=check_psd)
    sc = _scaled(w, C)
    ws = sc.weights
    cw = _cov_times_weights(sc.cov, ws, np.empty_like(ws))
    variance = _non_negative(float(ws @ cw))
    if variance <= 0.0:
        raise InputError("weights: the portfolio has zero volatility, so risk contributions are undefined.")
    root = float(np.sqrt(variance))
    marginal = cw / root * (sc.vol_scale / _power_of_two_scale(w))  # only the covariance's scale stays
    relative = ws * cw / variance
    vol = root * sc.vol_scale
    return RiskContributions(vol, marginal, relative * vol, relative)


def diversification_ratio(weights: ArrayLike, cov: ArrayLike, *, check_psd: bool = True) -> float:
    """Diversification ratio ``sum_i w_i sigma_i / sigma_p`` (1 for a single asset, higher is more diversified).

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
    cov : array_like of shape (n_assets, n_assets)
        Covariance matrix of returns (symmetric, positive semi-definite).
    check_psd : bool, default True
        As in :func:`portfolio_volatility`.

    Returns
    -------
    float
        Does not depend on the scale of the weights or of ``cov`` (computed on rescaled inputs).

    Examples
    --------
    >>> round(diversification_ratio([0.5, 0.5], [[0.04, 0.0], [0.0, 0.04]]), 6)
    1.414214
    """
    w, C = _weights_and_cov(weights, cov, check_psd=check_psd)
    sc = _scaled(w, C)
    variance = _non_negative(_quad_form(sc.weights, sc.cov))
    if variance <= 0.0:
        raise InputError("weights: the portfolio has zero volatility, so the diversification ratio is undefined.")
    return float(sc.weights @ np.sqrt(np.diag(sc.cov)) / np.sqrt(variance))


def concentration(weights: ArrayLike) -> Concentration:
    """Herfindahl-Hirschman index and effective number of assets of a weight vector.

    Both depend only on the ratios of the weights; they are computed on rescaled weights, so weights
    of any size (1e200, 5e-324) give a finite answer.

    Examples
    --------
    >>> concentration([0.25, 0.25, 0.25, 0.25])
    Concentration(hhi=0.25, effective_n=4.0)
    """
    w = as_vector(weights, "weights")
    if not np.any(w):
        raise InputError("weights: all zero; concentration needs at least one non-zero weight.")
    ws = w / _power_of_two_scale(w)
    gross = float(np.sum(np.abs(ws)))
    hhi = float(np.sum(ws * ws)) / gross**2
    return Concentration(hhi, 1.0 / hhi)


def batch_volatility(weights: ArrayLike, cov: ArrayLike, *, check_psd: bool = True) -> NDArray[np.float64]:
    """Volatility of many portfolios at once, in parallel.

    Parameters
    ----------
    weights : array_like of shape (n_portfolios, n_assets)
        One portfolio per row.
    cov : array_like of shape (n_assets, n_assets)
        Covariance matrix of returns (symmetric, positive semi-definite).
    check_psd : bool, default True
        As in :func:`portfolio_volatility`.

    Returns
    -------
    ndarray of shape (n_portfolios,)

    Examples
    --------
    >>> batch_volatility([[1.0, 0.0], [0.0, 1.0]], [[0.04, 0.0], [0.0, 0.01]]).tolist()
    [0.2, 0.1]
    """
    C = as_covariance(cov, "cov", check_psd_=check_psd)
    W = as_matrix(weights, "weights", n_cols=C.shape[0])
    var = _batch_variance(W, C, np.empty(W.shape[0]))
    return np.sqrt(np.maximum(var, 0.0))
