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
YIELDS_DOC = "Yearly cash yield of each asset: one row or one column (0.03 is 3%)."
VALUES_DOC = "Value of each holding in currency: one row or one column."
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
        doc=("Optional TRUE: shares of total risk (sum to 1); FALSE: contributions to volatility (sum to it). "
             "Default TRUE."))
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
        doc=("History, one row per date (oldest first), one column per asset; a header row and a date column "
             "are allowed."))
@xw.arg("method", "raw", doc="Optional: sample, ewma, ledoit_wolf or oas. Default sample.")
@xw.arg("data_kind", "raw", doc="Optional: returns or prices. Default returns.")
@xw.arg("periods_per_year", "raw",
        doc="Optional periods per year to annualise: 252 daily, 52 weekly, 12 monthly. Default 252.")
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
        doc=("A covariance matrix (square and symmetric), or a history of returns (one row per date, one "
             "column per asset)."))
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
        doc=("Price history, one row per date (oldest first), one column per asset; a header row and a date "
             "column are allowed."))
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


# ----------------------------------------------------------------------------- efficient frontier

GROUPS_DOC = "Optional asset class of each asset (a label per asset, e.g. stock, bond), same length as the weights."
GROUP_LIMITS_DOC = ("Optional limits per group, one row per group: label, min, max (or just min, max in order of "
                    "first appearance); blank = no limit.")

#: EFFICIENT_PORTFOLIO's target_kind words -> the keyword of kernels.efficient_portfolio.
TARGET_KINDS = {"return": "target_return", "risk": "target_risk", "volatility": "target_risk"}


def _bounds_and_groups(lower, upper, groups, group_limits):
    """Keyword arguments for the frontier kernels from the optional cells."""
    kwargs = {"lower": cells.number_or_vector(lower, "lower"), "upper": cells.number_or_vector(upper, "upper")}
    if groups is not None:
        labels = cells.labels(groups, "groups")
        kwargs["groups"] = labels
        if group_limits is not None:
            kwargs["group_lower"], kwargs["group_upper"] = cells.group_limits(group_limits, "group_limits", labels)
    elif group_limits is not None:
        raise kernels.InputError("group_limits: given without groups; give each asset's group too.")
    return kwargs


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("lower", "raw", doc=LOWER_DOC)
@xw.arg("upper", "raw", doc=UPPER_DOC)
@xw.arg("groups", "raw", doc=GROUPS_DOC)
@xw.arg("group_limits", "raw", doc=GROUP_LIMITS_DOC)
@excel_function(result="Weights of the minimum-variance portfolio, spilled as a column.",
                example="=MIN_VARIANCE(Cov, 0, 0.4)")
def MIN_VARIANCE(cov, lower=0.0, upper=1.0, groups=None, group_limits=None):
    """The least volatile fully invested portfolio within the weight and group limits."""
    C = cells.matrix(cov, "cov")
    result = kernels.min_variance(C, **_bounds_and_groups(lower, upper, groups, group_limits))
    return cells.spill(result.weights)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("expected_returns", "raw", doc=MU_DOC)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("risk_free", "raw", doc="Optional risk-free rate, in the units of the expected returns. Default 0.")
@xw.arg("lower", "raw", doc=LOWER_DOC)
@xw.arg("upper", "raw", doc=UPPER_DOC)
@xw.arg("groups", "raw", doc=GROUPS_DOC)
@xw.arg("group_limits", "raw", doc=GROUP_LIMITS_DOC)
@excel_function(result="Weights of the maximum Sharpe ratio portfolio, spilled like the expected returns.",
                example="=MAX_SHARPE(C2:C6, Cov, 0.03)")
def MAX_SHARPE(expected_returns, cov, risk_free=0.0, lower=0.0, upper=1.0, groups=None, group_limits=None):
    """The portfolio with the highest Sharpe ratio (excess return per unit of volatility)."""
    mu = cells.vector(expected_returns, "expected_returns")
    C = cells.matrix(cov, "cov")
    result = kernels.max_sharpe(mu.values, C, cells.number(risk_free, "risk_free"),
                                **_bounds_and_groups(lower, upper, groups, group_limits))
    return cells.spill(result.weights, mu.orientation)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("expected_returns", "raw", doc=MU_DOC)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("target", "raw", doc="Target expected return (or volatility, with target_kind risk), e.g. 0.06.")
@xw.arg("target_kind", "raw",
        doc=("Optional: return (least risk for at least this return) or risk (most return within this "
             "volatility). Default return."))
@xw.arg("lower", "raw", doc=LOWER_DOC)
@xw.arg("upper", "raw", doc=UPPER_DOC)
@xw.arg("groups", "raw", doc=GROUPS_DOC)
@xw.arg("group_limits", "raw", doc=GROUP_LIMITS_DOC)
@excel_function(result="Weights of the efficient portfolio for the target, spilled like the expected returns.",
                example='=EFFICIENT_PORTFOLIO(C2:C6, Cov, 0.12, "risk")',
                renames={"target_return": "target", "target_risk": "target"})
def EFFICIENT_PORTFOLIO(expected_returns, cov, target, target_kind="return", lower=0.0, upper=1.0, groups=None,
                        group_limits=None):
    """The efficient portfolio for a target expected return or a target volatility."""
    mu = cells.vector(expected_returns, "expected_returns")
    C = cells.matrix(cov, "cov")
    keyword = cells.choice(target_kind, "target_kind", TARGET_KINDS)
    result = kernels.efficient_portfolio(mu.values, C, **{keyword: cells.number(target, "target")},
                                         **_bounds_and_groups(lower, upper, groups, group_limits))
    return cells.spill(result.weights, mu.orientation)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("expected_returns", "raw", doc=MU_DOC)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("n_points", "raw", doc="Optional number of portfolios from minimum variance to maximum return. Default 20.")
@xw.arg("lower", "raw", doc=LOWER_DOC)
@xw.arg("upper", "raw", doc=UPPER_DOC)
@xw.arg("risk_free", "raw", doc="Optional risk-free rate for the Sharpe ratio column. Default 0.")
@xw.arg("header", "raw", doc=HEADER_DOC)
@excel_function(result="One row per portfolio: risk, return, sharpe, then one weight column per asset (w1, w2, ...).",
                example="=EFFICIENT_FRONTIER(C2:C6, Cov, 25)")
def EFFICIENT_FRONTIER(expected_returns, cov, n_points=20.0, lower=0.0, upper=1.0, risk_free=0.0, header=True):
    """Portfolios evenly spaced along the efficient frontier, from minimum variance to maximum return."""
    mu = cells.vector(expected_returns, "expected_returns").values
    rf = cells.number(risk_free, "risk_free")
    f = kernels.efficient_frontier(mu, cells.matrix(cov, "cov"), cells.integer(n_points, "n_points"),
                                   cells.number_or_vector(lower, "lower"), cells.number_or_vector(upper, "upper"))
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = (f.returns - rf) / f.volatilities
    body = np.column_stack([f.volatilities, f.returns, sharpe, f.weights])
    labels = ["risk", "return", "sharpe", *cells.asset_labels(mu.size)]
    return cells.spill_table(body, labels if cells.flag(header, "header") else None)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("expected_returns", "raw", doc=MU_DOC)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("lower", "raw", doc=LOWER_DOC)
@xw.arg("upper", "raw", doc=UPPER_DOC)
@xw.arg("header", "raw", doc=HEADER_DOC)
@excel_function(result="One row per turning point: risk, return, risk_tolerance, then one weight column per asset.",
                example="=TURNING_POINTS(C2:C6, Cov)")
def TURNING_POINTS(expected_returns, cov, lower=0.0, upper=1.0, header=True):
    """The corner portfolios of the efficient frontier (where an asset enters or leaves), by increasing return."""
    mu = cells.vector(expected_returns, "expected_returns").values
    f = kernels.efficient_frontier(mu, cells.matrix(cov, "cov"), 2, cells.number_or_vector(lower, "lower"),
                                   cells.number_or_vector(upper, "upper"))
    tp = f.turning_points
    body = np.column_stack([tp.volatilities, tp.returns, tp.risk_tolerances, tp.weights])
    labels = ["risk", "return", "risk_tolerance", *cells.asset_labels(mu.size)]
    return cells.spill_table(body, labels if cells.flag(header, "header") else None)


# ----------------------------------------------------------------------------- risk parity


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("budgets", "raw",
        doc="Optional risk budget per asset (shares of total risk, e.g. 0.5, 0.25, 0.25). Default equal.")
@xw.arg("lower", "raw", doc="Optional lowest weight: one number for all assets or one per asset. Default none.")
@xw.arg("upper", "raw", doc="Optional highest weight: one number for all assets or one per asset. Default none.")
@excel_function(result="Risk parity (or risk budgeting) weights, spilled like the budgets (a column without them).",
                example="=RISK_PARITY(Cov)  or  =RISK_PARITY(Cov, H2:H6, 0.05, 0.4)")
def RISK_PARITY(cov, budgets=None, lower=None, upper=None):
    """Weights at which each asset contributes equally (or its budget) to portfolio risk."""
    b = None if budgets is None else cells.vector(budgets, "budgets")
    result = kernels.risk_parity(
        cells.matrix(cov, "cov"), None if b is None else b.values,
        lower=None if lower is None else cells.number_or_vector(lower, "lower"),
        upper=None if upper is None else cells.number_or_vector(upper, "upper"))
    if not result.converged:
        raise kernels.ConvergenceError(f"cov: risk parity did not converge ({result.status}); check the covariance.")
    return cells.spill(result.weights, "column" if b is None else b.orientation)


# ----------------------------------------------------------------------------- rebalancing and models

TARGETS_DOC = "Target weights: one per holding, summing to 1 (same orientation as values)."


@xw.func(category=CATEGORY)
@xw.arg("values", "raw", doc=VALUES_DOC)
@xw.arg("targets", "raw", doc=TARGETS_DOC)
@xw.arg("cash_flow", "raw",
        doc="Optional deposit (positive) or withdrawal (negative) to make now, currency. Default 0.")
@xw.arg("band", "raw",
        doc=("Optional tolerance band in weight points (0.05 lets 60% drift from 55% to 65%), one or per "
             "holding. Default none."))
@xw.arg("min_trade", "raw", doc="Optional smallest trade worth making, currency. Default 0.")
@xw.arg("prices", "raw", doc="Optional price per share of each holding; with prices, trades are whole lots.")
@xw.arg("lot_size", "raw",
        doc="Optional shares per lot: 1 whole shares, 100 round lots, one or per holding. Default 1.")
@excel_function(result="Trade per holding in currency (positive buys, negative sells), spilled like the values.",
                example="=REBALANCE(F2:F6, G2:G6, 10000, 0.05)")
def REBALANCE(values, targets, cash_flow=0.0, band=None, min_trade=0.0, prices=None, lot_size=1.0):
    """Trades that bring holdings back to their target weights, with optional bands, cash flow and whole lots."""
    v = cells.vector(values, "values")
    result = kernels.rebalance_trades(
        v.values, cells.vector(targets, "targets").values,
        cash_flow=cells.number(cash_flow, "cash_flow"),
        band=None if band is None else cells.number_or_vector(band, "band"),
        min_trade=cells.number(min_trade, "min_trade"),
        prices=None if prices is None else cells.vector(prices, "prices").values,
        lot_size=cells.number_or_vector(lot_size, "lot_size"),
    )
    return cells.spill(result.trades, v.orientation)


@xw.func(category=CATEGORY)
@xw.arg("values", "raw", doc=VALUES_DOC)
@xw.arg("targets", "raw", doc=TARGETS_DOC)
@excel_function(result="Current weight minus target per holding, in weight points, spilled like the values.",
                example="=DRIFT(F2:F6, G2:G6)")
def DRIFT(values, targets):
    """How far each holding's weight has drifted from its target (0.02 is 2 points overweight)."""
    v = cells.vector(values, "values")
    return cells.spill(kernels.drift(v.values, cells.vector(targets, "targets").values).drift, v.orientation)


@xw.func(category=CATEGORY)
@xw.arg("age", "raw", doc="Investor's age in years.")
@xw.arg("rule", "raw", doc="Optional N in 'N minus age' percent in stocks: 100, 110 or 120. Default 110.")
@excel_function(result="Two cells in a column: the stock weight, then the bond weight.",
                example="=AGE_ALLOCATION(45, 120)")
def AGE_ALLOCATION(age, rule=110.0):
    """Stock/bond split by the 'N minus age' rule of thumb."""
    allocation = kernels.age_based_allocation(cells.number(age, "age"), cells.number(rule, "rule"))
    return cells.spill([allocation.stocks, allocation.bonds])


@xw.func(category=CATEGORY)
@xw.arg("amount", "raw", doc="Amount to invest, currency.")
@xw.arg("weights", "raw", doc="Weights of the asset classes, summing to 1: one row or one column.")
@xw.arg("sub_weights", "raw",
        doc=("Optional sub-weights within each class: one row per class (one column if weights is a row), each "
             "summing to 1."))
@excel_function(result="Amount per class, or per sub-class with sub_weights, spilled like the weights.",
                example="=ALLOCATE(100000, B2:B3, C2:E3)")
def ALLOCATE(amount, weights, sub_weights=None):
    """Split an amount by class weights, and optionally by sub-weights within each class."""
    w = cells.vector(weights, "weights")
    if sub_weights is None:
        subs = [[1.0]] * w.values.size
    else:
        subs = cells.ragged(sub_weights, "sub_weights", by_column=w.orientation == "row")
    allocation = kernels.hierarchical_allocation(w.values, subs, cells.number(amount, "amount"))
    return cells.spill(allocation.amounts, w.orientation)


# ----------------------------------------------------------------------------- income and tax


PROJECTION_COLUMNS = ("year", "start_value", "income", "income_real", "reinvested", "cash_income",
                      "withdrawn", "end_value", "end_value_real", "yield_on_value")


@xw.func(category=CATEGORY)
@xw.arg("weights", "raw", doc=WEIGHTS_DOC)
@xw.arg("yields", "raw", doc=YIELDS_DOC)
@excel_function(result="Portfolio yield (a number, 0.03 is 3% a year).", example="=PORTFOLIO_YIELD(B2:B6, E2:E6)")
def PORTFOLIO_YIELD(weights, yields):
    """Yield of a portfolio: the sum of weight x yield."""
    return kernels.portfolio_yield(cells.vector(weights, "weights").values, cells.vector(yields, "yields").values)


@xw.func(category=CATEGORY)
@xw.arg("values", "raw", doc=VALUES_DOC)
@xw.arg("yields", "raw", doc=YIELDS_DOC)
@xw.arg("by_asset", "raw", doc="Optional TRUE: spill each holding's yearly income instead of the total. Default FALSE.")
@excel_function(result="Yearly income in currency (a number), or one per holding spilled like the values.",
                example="=PORTFOLIO_INCOME(F2:F6, E2:E6)")
def PORTFOLIO_INCOME(values, yields, by_asset=False):
    """Yearly cash income of holdings worth the given values paying the given yields."""
    v = cells.vector(values, "values")
    income = kernels.portfolio_income(v.values, cells.vector(yields, "yields").values)
    if cells.flag(by_asset, "by_asset"):
        return cells.spill(income.by_asset_annual, v.orientation)
    return income.annual


@xw.func(category=CATEGORY)
@xw.arg("value", "raw", doc="Starting value of the portfolio, currency.")
@xw.arg("yield_", "raw", doc="Yearly cash yield on the starting value (0.04 is 4%).")
@xw.arg("years", "raw", doc="Number of years to project, 1 to 200.")
@xw.arg("payout_growth", "raw", doc="Optional yearly growth of the payout (dividend growth). Default 0.")
@xw.arg("inflation", "raw", doc="Optional yearly inflation for the columns in today's money. Default 0.")
@xw.arg("reinvest", "raw", doc="Optional share of income reinvested, 0 to 1 (TRUE is 1, FALSE 0). Default 0.")
@xw.arg("price_growth", "raw", doc="Optional yearly price growth of the portfolio. Default 0.")
@xw.arg("withdrawal", "raw", doc="Optional value sold at each year end, currency. Default 0.")
@xw.arg("header", "raw", doc=HEADER_DOC)
@excel_function(result="One row per year: " + ", ".join(PROJECTION_COLUMNS) + " (header row optional).",
                example="=INCOME_PROJECTION(500000, 0.035, 30, 0.05, 0.025, 1)")
def INCOME_PROJECTION(value, yield_, years, payout_growth=0.0, inflation=0.0, reinvest=0.0, price_growth=0.0,
                      withdrawal=0.0, header=True):
    """Year-by-year projection of a portfolio's income and value."""
    p = kernels.income_projection(
        cells.number(value, "value"), cells.number(yield_, "yield_"), cells.integer(years, "years"),
        payout_growth=cells.number(payout_growth, "payout_growth"), inflation=cells.number(inflation, "inflation"),
        reinvest=cells.number_or_flag(reinvest, "reinvest"), price_growth=cells.number(price_growth, "price_growth"),
        withdrawal=cells.number(withdrawal, "withdrawal"))
    body = np.column_stack([getattr(p, c) for c in PROJECTION_COLUMNS])
    return cells.spill_table(body, PROJECTION_COLUMNS if cells.flag(header, "header") else None)


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("yields", "raw", doc=YIELDS_DOC)
@xw.arg("cov", "raw", doc=COV_DOC)
@xw.arg("target_yield", "raw", doc="Least portfolio yield wanted (income needed / amount invested), e.g. 0.04.")
@xw.arg("lower", "raw", doc=LOWER_DOC)
@xw.arg("upper", "raw", doc=UPPER_DOC)
@excel_function(result="Weights of the least volatile portfolio yielding at least the target, spilled like the yields.",
                example="=INCOME_PORTFOLIO(E2:E6, Cov, 0.04, 0, 0.35)")
def INCOME_PORTFOLIO(yields, cov, target_yield, lower=0.0, upper=1.0):
    """The least volatile portfolio whose yield reaches the target, within the weight limits."""
    y = cells.vector(yields, "yields")
    result = kernels.min_volatility_for_income(
        cells.matrix(cov, "cov"), y.values, cells.number(target_yield, "target_yield"),
        lower=cells.number_or_vector(lower, "lower"), upper=cells.number_or_vector(upper, "upper"))
    return cells.spill(result.weights, y.orientation)


@xw.func(category=CATEGORY)
@xw.arg("yield_", "raw", doc="Yield of the tax-exempt (municipal) bond (0.03 is 3%).")
@xw.arg("federal_rate", "raw", doc="Marginal federal tax rate on ordinary income (0.24 is 24%).")
@xw.arg("state_rate", "raw", doc="Optional marginal state tax rate. Default 0.")
@xw.arg("state_exempt", "raw", doc="Optional TRUE when the bond is also free of state tax (in-state). Default TRUE.")
@excel_function(result="Taxable-equivalent yield (a number).", example="=TAX_EQUIVALENT_YIELD(0.03, 0.24, 0.05)",
                renames={"tax_free_yield": "yield_"})
def TAX_EQUIVALENT_YIELD(yield_, federal_rate, state_rate=0.0, state_exempt=True):
    """Taxable yield that leaves as much after tax as a tax-exempt (municipal) yield."""
    return kernels.tax_equivalent_yield(cells.number(yield_, "yield_"), cells.number(federal_rate, "federal_rate"),
                                        cells.number(state_rate, "state_rate"),
                                        state_exempt=cells.flag(state_exempt, "state_exempt"))


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("values", "raw", doc=VALUES_DOC)
@xw.arg("tax_drag", "raw",
        doc="Yearly tax per unit of value: one row per asset, one column per account (0.0096 is 0.96% a year).")
@xw.arg("account_capacities", "raw", doc="Room in each account, currency: one value per column of tax_drag.")
@xw.arg("split", "raw", doc="Optional FALSE to keep each holding whole in one account. Default TRUE.")
@excel_function(result="Amount of each asset in each account (n_assets x n_accounts), least total tax drag.",
                example="=ASSET_LOCATION(F2:F6, H2:J6, H8:J8)")
def ASSET_LOCATION(values, tax_drag, account_capacities, split=True):
    """Place holdings in taxable and sheltered accounts so that the yearly tax is smallest."""
    location = kernels.asset_location(cells.vector(values, "values").values, cells.matrix(tax_drag, "tax_drag"),
                                      cells.vector(account_capacities, "account_capacities").values,
                                      split=cells.flag(split, "split"))
    return location.amounts.tolist()
