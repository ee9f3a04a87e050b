"""Return models of a Monte Carlo plan: monthly parameters from yearly assumptions or from a history.

- ``"parameterised"``: expected returns, volatilities and correlations per asset (yearly, decimal), by
  default the Assumptions sheet's five asset classes (:data:`ASSET_CLASS_ASSUMPTIONS`, the figures of
  ``workbook/assumptions.csv`` and ``workbook/correlations.csv``; a test keeps them equal).
- ``"statistical"``: mean and covariance of the monthly returns of a history.
- ``"bootstrap"``: whole months (all assets together) drawn from a history, singly or in blocks.

Distributions for the first two: ``"normal"`` (monthly arithmetic returns multivariate normal),
``"lognormal"`` (monthly log returns multivariate normal) and ``"student_t"`` (multivariate t with
``dof`` degrees of freedom, scaled to the same covariance). Yearly figures become monthly ones that
reproduce them exactly for independent months: for the normal and t, the monthly mean and covariance
whose 12-month compound return has the yearly mean ``mu`` and covariance ``S``,
``m_i = (1 + mu_i) ** (1/12) - 1`` and ``C_ij = (S_ij + a_i a_j) ** (1/12) - (a_i a_j) ** (1/12)`` with
``a = 1 + mu``; for the lognormal, ``c_ij = log(1 + S_ij / (a_i a_j)) / 12`` and
``m_i = log(a_i) / 12 - c_ii / 2``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._validate import as_covariance, as_matrix, as_vector, check_psd
from ..errors import InputError

#: ``returns_model`` words.
RETURN_MODELS = ("parameterised", "statistical", "bootstrap")
#: ``distribution`` words -> kernel code (bootstrap is code 3).
DISTRIBUTIONS = {"normal": 0, "lognormal": 1, "student_t": 2}
#: ``distribution`` words (for dropdown lists).
PLAN_DISTRIBUTIONS = tuple(DISTRIBUTIONS)
BOOTSTRAP = 3


class AssetClassAssumptions(NamedTuple):
    """Yearly capital-market assumptions per asset class (decimal fractions)."""

    names: tuple[str, ...]
    expected_returns: tuple[float, ...]
    volatilities: tuple[float, ...]
    yields: tuple[float, ...]
    correlations: tuple[tuple[float, ...], ...]


#: The Assumptions sheet's defaults (``workbook/assumptions.csv``, ``workbook/correlations.csv``).
ASSET_CLASS_ASSUMPTIONS = AssetClassAssumptions(
    names=("US Stocks", "International Stocks", "Bonds", "REITs", "Cash"),
    expected_returns=(0.085, 0.075, 0.035, 0.065, 0.010),
    volatilities=(0.16, 0.17, 0.05, 0.20, 0.01),
    yields=(0.015, 0.030, 0.040, 0.040, 0.010),
    correlations=(
        (1.00, 0.80, 0.10, 0.70, 0.00),
        (0.80, 1.00, 0.10, 0.60, 0.00),
        (0.10, 0.10, 1.00, 0.30, 0.10),
        (0.70, 0.60, 0.30, 1.00, 0.00),
        (0.00, 0.00, 0.10, 0.00, 1.00),
    ),
)


class MonthlyModel(NamedTuple):
    """Monthly parameters handed to the simulation kernel."""

    code: int
    """0 normal, 1 lognormal, 2 Student-t, 3 bootstrap."""
    mean: NDArray[np.float64]
    """(n_assets,) monthly mean (of log returns for the lognormal)."""
    cov: NDArray[np.float64]
    """(n_assets, n_assets) monthly covariance."""
    root: NDArray[np.float64]
    """(n_assets, n_assets) ``root @ root.T == cov`` (Cholesky, or the symmetric square root if singular)."""
    dof: float
    """Student-t degrees of freedom (0 otherwise)."""
    history: NDArray[np.float64]
    """(n_months, n_assets) monthly returns to bootstrap from (empty otherwise)."""
    block: int
    """Months per bootstrap block."""


def monthly_from_yearly(mu: NDArray[np.float64], cov: NDArray[np.float64], lognormal: bool):
    """``(monthly mean, monthly covariance)`` reproducing yearly ``mu`` and ``cov`` (module docstring)."""
    a = 1.0 + mu
    aa = np.outer(a, a)
    if lognormal:
        c = np.log1p(cov / aa) / 12.0
        return np.log(a) / 12.0 - 0.5 * np.diag(c), c
    return a ** (1.0 / 12.0) - 1.0, (cov + aa) ** (1.0 / 12.0) - aa ** (1.0 / 12.0)


def matrix_root(cov: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    """A square root ``B`` with ``B @ B.T == cov``: lower Cholesky factor, or ``V sqrt(L) V'`` if singular."""
    factor = check_psd(cov, name, what="covariance")
    if factor is not None:
        return np.ascontiguousarray(np.tril(factor))
    vals, vecs = np.linalg.eigh(cov)
    return np.ascontiguousarray((vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T)


def yearly_covariance(n_assets: int, volatilities, correlations, cov) -> NDArray[np.float64]:
    """The yearly covariance from ``cov`` or from volatilities and correlations (identity if not given)."""
    if cov is not None:
        if volatilities is not None or correlations is not None:
            raise InputError("cov: give either cov or volatilities (with correlations), not both.")
        return as_covariance(cov, "cov", size=n_assets)
    vol = as_vector(volatilities, "volatilities", size=n_assets)
    if np.any(vol < 0):
        raise InputError("volatilities: must be >= 0 (yearly standard deviations, 0.16 = 16%).")
    corr = np.eye(n_assets) if correlations is None else as_covariance(correlations, "correlations", size=n_assets)
    if not np.allclose(np.diag(corr), 1.0, atol=1e-10) or np.any(np.abs(corr) > 1.0 + 1e-12):
        raise InputError("correlations: expected 1 on the diagonal and values between -1 and 1.")
    return corr * np.outer(vol, vol)


def parameterised_model(n_assets: int, expected_returns, volatilities, correlations, cov, distribution: str,
                        dof: float) -> MonthlyModel:
    """Monthly model from yearly assumptions (defaults: the Assumptions sheet when there are 5 assets)."""
    given = (expected_returns, volatilities, correlations, cov)
    if all(x is None for x in given):
        if n_assets != len(ASSET_CLASS_ASSUMPTIONS.names):
            raise InputError(f"expected_returns: needed for {n_assets} assets (the defaults cover the 5 asset "
                             "classes of the Assumptions sheet); give expected_returns and volatilities.")
        expected_returns = ASSET_CLASS_ASSUMPTIONS.expected_returns
        volatilities = ASSET_CLASS_ASSUMPTIONS.volatilities
        correlations = ASSET_CLASS_ASSUMPTIONS.correlations
    if expected_returns is None:
        raise InputError("expected_returns: missing; give one yearly expected return per asset (0.07 = 7%).")
    if volatilities is None and cov is None:
        raise InputError("volatilities: missing; give one yearly volatility per asset, or cov.")
    mu = as_vector(expected_returns, "expected_returns", size=n_assets)
    if np.any(mu <= -1.0):
        raise InputError("expected_returns: must be above -1 (-100%); enter decimal fractions (0.07 = 7%).")
    yearly = yearly_covariance(n_assets, volatilities, correlations, cov)
    code = DISTRIBUTIONS[distribution]
    mean, monthly = monthly_from_yearly(mu, yearly, lognormal=code == 1)
    if not np.all(np.isfinite(monthly)):
        raise InputError("cov: a covariance this large for its expected return has no monthly equivalent; "
                         "check the volatilities (0.16 = 16%).")
    monthly = 0.5 * (monthly + monthly.T)
    return MonthlyModel(code, mean, monthly, matrix_root(monthly, "cov (monthly)"),
                        dof if code == 2 else 0.0, np.zeros((0, n_assets)), 1)


def statistical_model(monthly_returns: NDArray[np.float64], distribution: str, dof: float) -> MonthlyModel:
    """Monthly model from the sample mean and covariance of a monthly history (of log returns if lognormal)."""
    code = DISTRIBUTIONS[distribution]
    x = np.log1p(monthly_returns) if code == 1 else monthly_returns
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    return MonthlyModel(code, x.mean(axis=0), cov, matrix_root(cov, "history (its covariance)"),
                        dof if code == 2 else 0.0, np.zeros((0, x.shape[1])), 1)


def bootstrap_model(monthly_returns: NDArray[np.float64], block: int) -> MonthlyModel:
    """Monthly model that draws whole months (rows) of a history, ``block`` consecutive months at a time."""
    n = monthly_returns.shape[1]
    return MonthlyModel(BOOTSTRAP, np.zeros(n), np.zeros((n, n)), np.zeros((n, n)), 0.0,
                        np.ascontiguousarray(monthly_returns), block)


def check_history_length(monthly: NDArray[np.float64], need: int, name: str) -> None:
    """A monthly history must have at least ``need`` months."""
    if monthly.shape[0] < need:
        raise InputError(f"{name}: {monthly.shape[0]} month(s) of history; this model needs at least {need}. "
                         "Give a longer history (monthly returns, or prices with dates).")


def as_monthly_history(history, n_assets: int) -> NDArray[np.float64]:
    """A monthly returns table (months x assets), finite, each return above -1."""
    arr = as_matrix(history, "history", n_cols=n_assets)
    if np.any(arr <= -1.0):
        r, c = np.argwhere(arr <= -1.0)[0]
        raise InputError(f"history: row {r + 1}, column {c + 1} is a return of {arr[r, c]:.4g} (-100% or less).")
    return arr
