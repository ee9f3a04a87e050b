"""Covariance and expected-return estimates from price or return history.

Modules: :mod:`.covariance_estimate` (:func:`covariance` and its methods),
:mod:`.return_estimate` (:func:`expected_returns`), :mod:`.shrinkage` (shrinkage targets and
intensities), :mod:`.moments` (cross-product kernels) and :mod:`.data` (prices, returns and gaps).
Data are ``(n_obs, n_assets)``: one row per date, one column per asset, oldest first.
"""

from .covariance_estimate import (
    ALL_COVARIANCE_METHODS,
    COVARIANCE_METHODS,
    EXP_COV_SPAN,
    SHRINKAGE_METHODS,
    CovarianceEstimate,
    CovarianceMethod,
    covariance,
)
from .data import (
    DATA_KINDS,
    MISSING_POLICIES,
    RISKMETRICS_LAMBDA,
    _as_data,  # noqa: F401 (kernels.views and the tests use the private helpers, as before the split)
    _first_constant_column,  # noqa: F401
)
from .moments import _centered, _pairwise_covariance, _row_square_norms_squared_sum  # noqa: F401
from .return_estimate import (
    EWMA_RETURN_SPAN,
    EXPECTED_RETURN_METHODS,
    ExpectedReturnsEstimate,
    ReturnMethod,
    expected_returns,
)
from .shrinkage import _ledoit_wolf_shrinkage, _oas_shrinkage  # noqa: F401

__all__ = [
    "ALL_COVARIANCE_METHODS",
    "COVARIANCE_METHODS",
    "DATA_KINDS",
    "EWMA_RETURN_SPAN",
    "EXPECTED_RETURN_METHODS",
    "EXP_COV_SPAN",
    "MISSING_POLICIES",
    "RISKMETRICS_LAMBDA",
    "SHRINKAGE_METHODS",
    "CovarianceEstimate",
    "CovarianceMethod",
    "ExpectedReturnsEstimate",
    "ReturnMethod",
    "covariance",
    "expected_returns",
]
