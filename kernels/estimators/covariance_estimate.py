"""Covariance estimates from price or return history.

Methods (the same words feed the workbook's drop-down lists):

====================================  ===================================================================
``sample``                            unbiased sample covariance (``ddof=1``, as ``numpy.cov``)
``ewma``                              exponentially weighted (RiskMetrics: lambda = 0.94 unless
                                      ``halflife`` or ``span`` is given), bias-corrected like
                                      ``pandas ...ewm(adjust=True).cov()``
``ledoit_wolf``                       shrinkage to a scaled identity (Ledoit & Wolf 2004), equal to
                                      scikit-learn's ``LedoitWolf``
``oas``                               oracle approximating shrinkage (Chen et al. 2010), equal to
                                      scikit-learn's ``OAS``
``semicovariance``                    downside: ``E[min(r_i - b, 0) min(r_j - b, 0)]`` below the
                                      per-period ``benchmark`` b, PyPortfolioOpt's ``semicovariance``
``exp_cov``                           PyPortfolioOpt's ``exp_cov``: cross-products about the sample mean,
                                      exponentially weighted with ``span`` (default 180 periods)
``ledoit_wolf_constant_correlation``  shrinkage to the constant-correlation matrix (Ledoit & Wolf 2004,
                                      ``covCor.m``)
``ledoit_wolf_single_factor``         shrinkage to the single-index (equal-weighted market) matrix
                                      (Ledoit & Wolf 2003, ``covMarket.m``)
====================================  ===================================================================

The three Ledoit-Wolf variants and ``oas`` shrink the biased sample covariance ``X'X / n_obs``
(as their authors and scikit-learn do); ``shrinkage=`` fixes the intensity instead of estimating it
(``ledoit_wolf`` then equals scikit-learn's ``ShrunkCovariance``). Results are annualised by
``periods_per_year`` (252 for daily data, 52 weekly, 12 monthly; 1 leaves them per period).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_scalar, check_choice
from ..errors import InputError
from .data import (
    MISSING_POLICIES,
    RISKMETRICS_LAMBDA,
    _as_data,
    _check_not_constant,
    _complete_returns,
    _complete_rows,
    _decay,
)
from .moments import (
    _centered,
    _downside,
    _pairwise_covariance,
    _row_square_norms_squared_sum,
    _scaled_rows,
)
from .shrinkage import (
    _constant_correlation_shrinkage,
    _constant_correlation_target,
    _ledoit_wolf_shrinkage,
    _oas_shrinkage,
    _shrink,
    _shrink_to_identity,
    _single_factor,
)


class CovarianceMethod(StrEnum):
    """Covariance estimators by name."""

    SAMPLE = "sample"
    EWMA = "ewma"
    LEDOIT_WOLF = "ledoit_wolf"
    OAS = "oas"
    SEMICOVARIANCE = "semicovariance"
    EXP_COV = "exp_cov"
    LEDOIT_WOLF_CONSTANT_CORRELATION = "ledoit_wolf_constant_correlation"
    LEDOIT_WOLF_SINGLE_FACTOR = "ledoit_wolf_single_factor"


#: The workbook's drop-down and the risk report's estimators (issue 2).
COVARIANCE_METHODS = ("sample", "ewma", "ledoit_wolf", "oas")
#: Every word :func:`covariance` accepts (issue 16 adds the downside, span and structured-target estimators).
ALL_COVARIANCE_METHODS = tuple(m.value for m in CovarianceMethod)
#: PyPortfolioOpt's default span for ``exp_cov``.
EXP_COV_SPAN = 180
SHRINKAGE_METHODS = ("ledoit_wolf", "oas", "ledoit_wolf_constant_correlation", "ledoit_wolf_single_factor")


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
        Shrinkage intensity in [0, 1] (``ledoit_wolf``, ``oas`` and the structured targets); 0 otherwise.
    """

    matrix: NDArray[np.float64]
    method: str
    n_observations: int
    n_dropped: int
    shrinkage: float


class _Options(NamedTuple):
    decay: float
    benchmark: float
    shrinkage: float  # NaN: estimate it


def _sample(x, n_obs, scale, opt):
    xc = _centered(x, np.ones(n_obs))
    return (xc.T @ xc) * (scale / (n_obs - 1)), 0.0


def _ewma(x, n_obs, scale, opt):
    w = opt.decay ** np.arange(n_obs - 1, -1, -1, dtype=np.float64)
    xc = _centered(x, w)
    sw = w.sum()
    bias = sw * sw / (sw * sw - np.dot(w, w))
    return (xc.T @ xc) * (scale * bias / sw), 0.0


def _exp_cov(x, n_obs, scale, opt):
    w = opt.decay ** np.arange(n_obs - 1, -1, -1, dtype=np.float64)
    xw = _scaled_rows(_centered(x, np.ones(n_obs)), w)
    return (xw.T @ xw) * (scale / w.sum()), 0.0


def _semicovariance(x, n_obs, scale, opt):
    d = _downside(x, opt.benchmark)
    return (d.T @ d) * (scale / n_obs), 0.0


def _ledoit_wolf(x, n_obs, scale, opt):
    xc = _centered(x, np.ones(n_obs))
    emp = (xc.T @ xc) / n_obs
    shrinkage = opt.shrinkage
    if np.isnan(shrinkage):
        shrinkage = _ledoit_wolf_shrinkage(emp, _row_square_norms_squared_sum(xc), float(n_obs))
    return _shrink_to_identity(emp, shrinkage, scale), shrinkage


def _oas(x, n_obs, scale, opt):
    xc = _centered(x, np.ones(n_obs))
    emp = (xc.T @ xc) / n_obs
    shrinkage = opt.shrinkage
    if np.isnan(shrinkage):
        shrinkage = 0.0 if emp.shape[0] == 1 else _oas_shrinkage(emp, float(n_obs))
    return _shrink_to_identity(emp, shrinkage, scale), shrinkage


def _constant_correlation(x, n_obs, scale, opt):
    xc = _centered(x, np.ones(n_obs))
    sample = (xc.T @ xc) / n_obs
    r_bar, target = _constant_correlation_target(sample)
    shrinkage = opt.shrinkage
    if np.isnan(shrinkage):
        shrinkage = _constant_correlation_shrinkage(xc, sample, r_bar, target)
    return _shrink(sample, target, shrinkage, scale), shrinkage


def _single_index(x, n_obs, scale, opt):
    delta, target, sample = _single_factor(_centered(x, np.ones(n_obs)))
    shrinkage = delta if np.isnan(opt.shrinkage) else opt.shrinkage
    return _shrink(sample, target, shrinkage, scale), shrinkage


_ESTIMATORS = {
    "sample": _sample,
    "ewma": _ewma,
    "ledoit_wolf": _ledoit_wolf,
    "oas": _oas,
    "semicovariance": _semicovariance,
    "exp_cov": _exp_cov,
    "ledoit_wolf_constant_correlation": _constant_correlation,
    "ledoit_wolf_single_factor": _single_index,
}

_DEFAULT_DECAY = {"ewma": RISKMETRICS_LAMBDA, "exp_cov": 1.0 - 2.0 / (EXP_COV_SPAN + 1.0)}


def covariance(
    data: ArrayLike,
    method: str = "sample",
    *,
    data_kind: str = "returns",
    periods_per_year: float = 252,
    halflife: float | None = None,
    missing: str = "drop",
    span: float | None = None,
    benchmark: float = 0.0,
    shrinkage: float | None = None,
) -> CovarianceEstimate:
    """Covariance matrix of asset returns, annualised.

    Parameters
    ----------
    data : array_like of shape (n_obs, n_assets)
        Returns (decimal fractions per period) or prices, oldest row first. Missing values are NaN.
    method : str
        One of :data:`ALL_COVARIANCE_METHODS` (see the module docstring).
    data_kind : {"returns", "prices"}
        With ``"prices"``, simple returns ``p_t / p_{t-1} - 1`` are computed first.
    periods_per_year : float
        Periods per year used to annualise (252 daily, 52 weekly, 12 monthly, 1 for none).
    halflife : float, optional
        ``ewma`` and ``exp_cov``: half-life in periods, ``lambda = 0.5 ** (1 / halflife)``.
        Default: RiskMetrics ``lambda = 0.94`` for ``ewma`` (a half-life of about 11.2 periods).
    missing : {"drop", "pairwise"}
        ``"drop"`` removes every return row with a gap and reports the count;
        ``"pairwise"`` (``sample`` only) uses, for each pair, the rows where both are present,
        as pandas ``DataFrame.cov`` does; the result may then not be PSD.
    span : float, optional
        ``ewma`` and ``exp_cov``: pandas' span, ``lambda = 1 - 2 / (span + 1)`` (default 180 for ``exp_cov``).
    benchmark : float, default 0
        ``semicovariance``: the per-period return below which a return counts as a shortfall
        (PyPortfolioOpt's default 0.000079 is about 2% a year in daily terms).
    shrinkage : float, optional
        Shrinkage methods: a fixed intensity in [0, 1] instead of the estimated one.

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
    >>> covariance(r, "semicovariance", periods_per_year=1).matrix.round(6).tolist()
    [[0.000133, 0.0], [0.0, 3.3e-05]]
    """
    kind = check_choice(method, "method", ALL_COVARIANCE_METHODS)
    policy = check_choice(missing, "missing", MISSING_POLICIES)
    scale = as_scalar(periods_per_year, "periods_per_year", low=0.0, low_inclusive=False)
    decay = _decay(halflife, span, _DEFAULT_DECAY[kind]) if kind in _DEFAULT_DECAY else RISKMETRICS_LAMBDA
    b = as_scalar(benchmark, "benchmark")
    fixed = np.nan
    if shrinkage is not None:
        if kind not in SHRINKAGE_METHODS:
            raise InputError(f"shrinkage: works with {', '.join(SHRINKAGE_METHODS)} only, got method={kind!r}.")
        fixed = as_scalar(shrinkage, "shrinkage", low=0.0, high=1.0)
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
    matrix, intensity = _ESTIMATORS[kind](x, n_obs, scale, _Options(decay, b, fixed))
    matrix = 0.5 * (matrix + matrix.T)
    return CovarianceEstimate(np.ascontiguousarray(matrix), kind, n_obs, n_dropped, float(intensity))
