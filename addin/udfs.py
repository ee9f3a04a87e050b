"""xlfolio's Excel functions (the module named in xlwings' "UDF Modules" setting).

Each function is thin: :mod:`addin.cells` turns the cell values into arrays, a public
function of :mod:`kernels` computes, :mod:`addin.cells` lays out the spill. Every failure
comes back as one line of text starting with ``#ERROR:`` (see :mod:`addin.cells`).

Notes for maintainers
---------------------
* Python names are the Excel names (xlwings uses ``__name__``); the docstring is the one-line
  description of the function wizard, ``doc=`` of ``xw.arg`` the help of each argument.
* Arguments are read ``"raw"`` (exactly COM's ``Range.Value``): :mod:`addin.cells` converts
  them in one pass and can name the cell that is blank, text or an error.
* No type annotations on these functions: xlwings reads annotations as converters.
* Python defaults are the Excel defaults of optional arguments (xlwings passes them for an
  omitted argument; :func:`addin.cells.excel_function` also for one pointing at blank cells).
"""

from __future__ import annotations

from addin import numba_cache

numba_cache.configure()  # before kernels are imported: Numba picks its cache folder at decoration

import numpy as np  # noqa: E402
import xlwings as xw  # noqa: E402

import kernels  # noqa: E402
from addin import cells  # noqa: E402
from addin.cells import excel_function  # noqa: E402

CATEGORY = "xlfolio"

WEIGHTS_DOC = "Portfolio weights: one row or one column, one value per asset (0.25 is 25%)."
COV_DOC = "Covariance matrix of returns: a square range, one row and one column per asset."
MU_DOC = "Expected returns: one row or one column, one per asset (0.07 is 7% a year)."
LOWER_DOC = "Optional lowest weight: one number for all assets or one per asset. Default 0 (no short sales)."
UPPER_DOC = "Optional highest weight: one number for all assets or one per asset. Default 1."
HEADER_DOC = "Optional TRUE/FALSE: put a header row above the table. Default TRUE."


# ----------------------------------------------------------------------------- risk and estimates


@xw.func(category=CATEGORY)
@xw.arg("weights", "raw", doc=WEIGHTS_DOC)
@xw.arg("expected_returns", "raw", doc=MU_DOC)
@excel_function(result="Expected portfolio return (a number).", example="=PORTFOLIO_RETURN(B2:B6, C2:C6)")
def PORTFOLIO_RETURN(weights, expected_returns):
    """Expected portfolio return: the sum of weight x expected return."""
    return kernels.portfolio_return(cells.vector(weights, "weights").values,
                                    cells.vector(expected_returns, "expected_returns").values)


@xw.func(category=CATEGORY)
@xw.arg("weights", "raw", doc=WEIGHTS_DOC)
@xw.arg("cov_or_vols", "raw",
        doc="Covariance matrix (square range); or, with a correlation matrix as third argument, asset volatilities.")
@xw.arg("correlation", "raw", doc="Optional correlation matrix; give it to use volatilities in the second argument.")
@excel_function(result="Portfolio volatility (a number, in the units of the covariance: annual if it is annual).",
                example="=PORTFOLIO_RISK(B2:B6, Cov)  or  =PORTFOLIO_RISK(B2:B6, D2:D6, Corr)",
                renames={"cov": "cov_or_vols", "vols": "cov_or_vols"})
def PORTFOLIO_RISK(weights, cov_or_vols, correlation=None):
    """Portfolio volatility sqrt(w' C w), from a covariance matrix or from volatilities and correlations."""
    w = cells.vector(weights, "weights").values
    if correlation is None:
        return kernels.portfolio_volatility(w, cells.matrix(cov_or_vols, "cov_or_vols"))
    return kernels.portfolio_volatility_from_correlation(
        w, cells.vector(cov_or_vols, "cov_or_vols").values, cells.matrix(correlation, "correlation"))


@xw.func(category=CATEGORY)
@xw.arg("weights", "raw", doc=WEIGHTS_DOC)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("relative", "raw",
        doc="Optional TRUE: shares of total risk (sum to 1); FALSE: contributions to volatility (sum to it). Default TRUE.")
@excel_function(result="One risk contribution per asset, spilled like the weights.",
                example="=RISK_CONTRIBUTIONS(B2:B6, Cov)")
def RISK_CONTRIBUTIONS(weights, cov, relative=True):
    """Each asset's contribution to portfolio risk (Euler decomposition)."""
    w = cells.vector(weights, "weights")
    rc = kernels.risk_contributions(w.values, cells.matrix(cov, "cov"))
    return cells.spill(rc.relative if cells.flag(relative, "relative") else rc.absolute, w.orientation)


@xw.func(category=CATEGORY)
@xw.arg("weights", "raw", doc=WEIGHTS_DOC)
@xw.arg("cov", "raw", doc=COV_DOC)
@excel_function(result="Diversification ratio (a number, 1 for a single asset, higher is more diversified).",
                example="=DIVERSIFICATION_RATIO(B2:B6, Cov)")
def DIVERSIFICATION_RATIO(weights, cov):
    """Weighted average of asset volatilities divided by portfolio volatility."""
    return kernels.diversification_ratio(cells.vector(weights, "weights").values, cells.matrix(cov, "cov"))


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("data", "raw",
        doc="History, one row per date (oldest first), one column per asset; a header row and a date column are allowed.")
@xw.arg("method", "raw", doc="Optional: sample, ewma, ledoit_wolf or oas. Default sample.")
@xw.arg("data_kind", "raw", doc="Optional: returns or prices. Default returns.")
@xw.arg("periods_per_year", "raw", doc="Optional periods per year to annualise: 252 daily, 52 weekly, 12 monthly. Default 252.")
@xw.arg("halflife", "raw", doc="Optional half-life in periods for ewma. Default: RiskMetrics decay 0.94.")
@excel_function(result="Annualised covariance matrix (n_assets x n_assets). Rows with a gap are left out.",
                example='=COVARIANCE(Prices!B2:F500, "ledoit_wolf", "prices")')
def COVARIANCE(data, method="sample", data_kind="returns", periods_per_year=252.0, halflife=None):
    """Covariance matrix estimated from a history of returns or prices, annualised."""
    estimate = kernels.covariance(
        cells.history(data, "data").values,
        cells.text(method, "method"),
        data_kind=cells.text(data_kind, "data_kind"),
        periods_per_year=cells.number(periods_per_year, "periods_per_year"),
        halflife=None if halflife is None else cells.number(halflife, "halflife"),
    )
    return estimate.matrix.tolist()


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("cov_or_data", "raw",
        doc="A covariance matrix (square and symmetric), or a history of returns (one row per date, one column per asset).")
@excel_function(result="Correlation matrix (n_assets x n_assets).", example="=CORRELATION(Cov)",
                renames={"cov": "cov_or_data", "data": "cov_or_data"})
def CORRELATION(cov_or_data):
    """Correlation matrix of a covariance matrix or of a history of returns."""
    table = cells.history(cov_or_data, "cov_or_data")
    x = table.values
    is_cov = (table.labels is None and x.shape[0] == x.shape[1] and not np.isnan(x).any()
              and np.allclose(x, x.T, rtol=1e-8, atol=0.0))
    cov = x if is_cov else kernels.covariance(x, periods_per_year=1).matrix
    return kernels.correlation_from_covariance(cov).tolist()


@xw.func(category=CATEGORY)
@xw.arg("vols", "raw", doc="Asset volatilities: one row or one column (0.15 is 15% a year).")
@xw.arg("correlation", "raw", doc="Correlation matrix: square, 1 on the diagonal.")
@excel_function(result="Covariance matrix (n_assets x n_assets).", example="=COV_FROM_CORR(D2:D6, Corr)")
def COV_FROM_CORR(vols, correlation):
    """Covariance matrix from volatilities and a correlation matrix: C_ij = s_i s_j r_ij."""
    return kernels.covariance_from_correlation(cells.vector(vols, "vols").values,
                                               cells.matrix(correlation, "correlation")).tolist()


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("prices", "raw",
        doc="Price history, one row per date (oldest first), one column per asset; a header row and a date column are allowed.")
@xw.arg("method", "raw", doc="Optional: mean, geometric or ewma. Default mean.")
@xw.arg("periods_per_year", "raw", doc="Optional periods per year: 252 daily, 52 weekly, 12 monthly. Default 252.")
@excel_function(result="Annualised expected return per asset, spilled as a column.",
                example='=EXPECTED_RETURNS(Prices!B2:F500, "geometric")')
def EXPECTED_RETURNS(prices, method="mean", periods_per_year=252.0):
    """Annualised expected returns estimated from a price history."""
    estimate = kernels.expected_returns(cells.history(prices, "prices").values, cells.text(method, "method"),
                                        cells.number(periods_per_year, "periods_per_year"))
    return cells.spill(estimate.values)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("correlation", "raw", doc="A correlation matrix typed by hand that may not be positive semi-definite.")
@excel_function(result="The nearest valid correlation matrix (Higham 2002), n_assets x n_assets.",
                example="=NEAREST_CORRELATION(Corr)")
def NEAREST_CORRELATION(correlation):
    """Repair a correlation matrix: the nearest positive semi-definite one with 1 on the diagonal."""
    return kernels.nearest_correlation(cells.matrix(correlation, "correlation")).correlation.tolist()


@xw.func(category=CATEGORY)
@xw.arg("weights", "raw", doc=WEIGHTS_DOC)
@excel_function(result="Effective number of assets, 1 / Herfindahl index (a number).",
                example="=EFFECTIVE_ASSETS(B2:B6)")
def EFFECTIVE_ASSETS(weights):
    """Effective number of assets of a weight vector (1 / sum of squared weight shares)."""
    return kernels.concentration(cells.vector(weights, "weights").values).effective_n
