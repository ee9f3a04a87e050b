"""Cell functions that estimate from history or repair inputs: covariance, correlation, expected returns."""

from __future__ import annotations

import kernels
from addin import cells
from addin.catalogue import cell_function


@cell_function(
    args={"data": ("History, one row per date (oldest first), one column per asset; a header row and a date column "
                   "are allowed."),
          "method": ("Optional: sample, ewma, ledoit_wolf, oas, semicovariance, exp_cov, ledoit_wolf_constant_correlation "
                     "or ledoit_wolf_single_factor. Default sample."),
          "data_kind": "Optional: returns or prices. Default returns.",
          "periods_per_year": "Optional periods per year to annualise: 252 daily, 52 weekly, 12 monthly. Default 252.",
          "halflife": "Optional half-life in periods for ewma. Default: RiskMetrics decay 0.94."},
    result="Annualised covariance matrix (n_assets x n_assets). Rows with a gap are left out.",
    example='=COVARIANCE(Prices!B2:F500, "ledoit_wolf", "prices")', call_in_wizard=False)
def COVARIANCE(data, method="sample", data_kind="returns", periods_per_year=252.0, halflife=None):
    """Covariance matrix estimated from a history of returns or prices, annualised."""
    estimate = kernels.covariance(
        cells.history(data, "data").values,
        cells.text(method, "method"),
        data_kind=cells.text(data_kind, "data_kind"),
        periods_per_year=cells.number(periods_per_year, "periods_per_year"),
        halflife=None if halflife is None else cells.number(halflife, "halflife"),
    )
    return cells.spill_matrix(estimate.matrix)


@cell_function(
    args={"cov_or_data": ("A covariance matrix (a square range is always read as one), or a history of returns: more "
                          "rows than columns, one per date, or a header row of names or a date column.")},
    result="Correlation matrix (n_assets x n_assets).", example="=CORRELATION(Cov)",
    renames={"cov": "cov_or_data", "data": "cov_or_data"}, call_in_wizard=False)
def CORRELATION(cov_or_data):
    """Correlation matrix of a covariance matrix or of a history of returns."""
    if cells.is_square_matrix(cov_or_data):
        cov = cells.matrix(cov_or_data, "cov_or_data")
    else:
        cov = kernels.covariance(cells.history(cov_or_data, "cov_or_data").values, periods_per_year=1).matrix
    return cells.spill_matrix(kernels.correlation_from_covariance(cov))


@cell_function(args={"vols": "Asset volatilities: one row or one column (0.15 is 15% a year).",
                     "correlation": "Correlation matrix: square, 1 on the diagonal."},
               result=("Covariance matrix (n_assets x n_assets). The correlation is checked positive semi-definite "
                       "(about a second at 3,000 assets)."),
               example="=COV_FROM_CORR(D2:D6, Corr)", call_in_wizard=False)
def COV_FROM_CORR(vols, correlation):
    """Covariance matrix from volatilities and a correlation matrix: C_ij = s_i s_j r_ij."""
    cov = kernels.covariance_from_correlation(cells.vector(vols, "vols").values,
                                               cells.matrix(correlation, "correlation"))
    return cells.spill_matrix(cov)


@cell_function(
    args={"prices": ("Price history, one row per date (oldest first), one column per asset; a header row and a date "
                     "column are allowed."),
          "method": "Optional: mean, geometric or ewma. Default mean.",
          "periods_per_year": "Optional periods per year: 252 daily, 52 weekly, 12 monthly. Default 252."},
    result="Annualised expected return per asset, spilled as a column.",
    example='=EXPECTED_RETURNS(Prices!B2:F500, "geometric")', call_in_wizard=False)
def EXPECTED_RETURNS(prices, method="mean", periods_per_year=252.0):
    """Annualised expected returns estimated from a price history."""
    estimate = kernels.expected_returns(cells.history(prices, "prices").values, cells.text(method, "method"),
                                        cells.number(periods_per_year, "periods_per_year"))
    return cells.spill(estimate.values)


@cell_function(args={"correlation": "A correlation matrix typed by hand that may not be positive semi-definite."},
               result="The nearest valid correlation matrix (Higham 2002), n_assets x n_assets.",
               example="=NEAREST_CORRELATION(Corr)", call_in_wizard=False)
def NEAREST_CORRELATION(correlation):
    """Repair a correlation matrix: the nearest positive semi-definite one with 1 on the diagonal."""
    return cells.spill_matrix(kernels.nearest_correlation(cells.matrix(correlation, "correlation")).correlation)
