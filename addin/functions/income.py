"""Cell functions of portfolio income: yield, yearly income, its projection, and the income-target portfolio."""

from __future__ import annotations

import numpy as np

import kernels
from addin import cells
from addin.catalogue import cell_function

from ._docs import COV_DOC, HEADER_DOC, LOWER_DOC, UPPER_DOC, VALUES_DOC, WEIGHTS_DOC, YIELDS_DOC

PROJECTION_COLUMNS = ("year", "start_value", "income", "income_real", "reinvested", "cash_income",
                      "withdrawn", "end_value", "end_value_real", "yield_on_value")


@cell_function(args={"weights": WEIGHTS_DOC, "yields": YIELDS_DOC},
               result="Portfolio yield (a number, 0.03 is 3% a year).", example="=PORTFOLIO_YIELD(B2:B6, E2:E6)")
def PORTFOLIO_YIELD(weights, yields):
    """Yield of a portfolio: the sum of weight x yield."""
    return kernels.portfolio_yield(cells.vector(weights, "weights").values, cells.vector(yields, "yields").values)


@cell_function(
    args={"values": VALUES_DOC, "yields": YIELDS_DOC,
          "by_asset": "Optional TRUE: spill each holding's yearly income instead of the total. Default FALSE."},
    result="Yearly income in currency (a number), or one per holding spilled like the values.",
    example="=PORTFOLIO_INCOME(F2:F6, E2:E6)")
def PORTFOLIO_INCOME(values, yields, by_asset=False):
    """Yearly cash income of holdings worth the given values paying the given yields."""
    v = cells.vector(values, "values")
    income = kernels.portfolio_income(v.values, cells.vector(yields, "yields").values)
    if cells.flag(by_asset, "by_asset"):
        return cells.spill(income.by_asset_annual, v.orientation)
    return income.annual


@cell_function(
    args={"value": "Starting value of the portfolio, currency.",
          "yield_": "Yearly cash yield on the starting value (0.04 is 4%).",
          "years": "Number of years to project, 1 to 200.",
          "payout_growth": "Optional yearly growth of the payout (dividend growth). Default 0.",
          "inflation": "Optional yearly inflation for the columns in today's money. Default 0.",
          "reinvest": "Optional share of income reinvested, 0 to 1 (TRUE is 1, FALSE 0). Default 0.",
          "price_growth": "Optional yearly price growth of the portfolio. Default 0.",
          "withdrawal": "Optional value sold at each year end, currency. Default 0.",
          "header": HEADER_DOC},
    result="One row per year: " + ", ".join(PROJECTION_COLUMNS) + " (header row optional).",
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


@cell_function(
    args={"yields": YIELDS_DOC, "cov": COV_DOC,
          "target_yield": "Least portfolio yield wanted (income needed / amount invested), e.g. 0.04.",
          "lower": LOWER_DOC, "upper": UPPER_DOC},
    result="Weights of the least volatile portfolio yielding at least the target, spilled like the yields.",
    example="=INCOME_PORTFOLIO(E2:E6, Cov, 0.04, 0, 0.35)", call_in_wizard=False)
def INCOME_PORTFOLIO(yields, cov, target_yield, lower=0.0, upper=1.0):
    """The least volatile portfolio whose yield reaches the target, within the weight limits."""
    y = cells.vector(yields, "yields")
    result = kernels.min_volatility_for_income(
        cells.matrix(cov, "cov"), y.values, cells.number(target_yield, "target_yield"),
        lower=cells.number_or_vector(lower, "lower"), upper=cells.number_or_vector(upper, "upper"))
    return cells.spill(result.weights, y.orientation)
