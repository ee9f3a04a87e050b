"""Income Plan button: income projection of the current portfolio and the income-target portfolio."""

from __future__ import annotations

import numpy as np

import kernels
from kernels import InputError
from kernels import min_volatility_for_income

from ._inputs import ASSUMPTION_NAMES, HOLDING_NAMES, assumptions, class_weights, holdings
from ._run import Book, Macro, MacroResult, Outcome, amount, column, integer, number, run, table
from ._sleeve import LIMIT_NAMES, sleeve

INPUTS = ("Income_Years", "Income_Growth", "Income_Inflation", "Income_Target")


def compute(inputs, shapes) -> Outcome:
    a = assumptions(inputs)
    h = holdings(inputs, a.classes)
    years = integer(inputs, "Income_Years")
    max_years = shapes["Income_Table"][0]
    if not 1 <= years <= max_years:
        raise InputError(f"Income_Years: expected 1 to {max_years} years, got {years}; change the cell.")
    growth = number(inputs, "Income_Growth")
    inflation = number(inputs, "Income_Inflation")
    target = number(inputs, "Income_Target")
    w = class_weights(h, a.classes)
    yield_now = kernels.portfolio_yield(w, a.yields)
    total_return = kernels.portfolio_return(w, a.expected_returns)
    # The expected total return splits into the cash yield and price growth.
    price_growth = total_return - yield_now
    proj = kernels.income_projection(h.total, yield_now, years, payout_growth=growth, price_growth=price_growth,
                                     inflation=inflation)
    cumulative = np.cumsum(proj.cash_income)
    rows = [[int(proj.year[i]), proj.start_value[i], proj.income[i], proj.income_real[i], cumulative[i]]
            for i in range(years)]
    # The income-target portfolio: the risky classes within their limits, Cash (the risk-free sleeve) held at its
    # weight through the kernels' cash sleeve (the limits apply to the final weights).
    s = sleeve(inputs, a)
    lo, hi = s.bounds()
    try:
        best = min_volatility_for_income(s.cov, a.yields, target, expected_returns=s.expected_returns, lower=lo,
                                         upper=hi, **s.cash_options)
    except kernels.InfeasibleError as exc:
        if not str(exc).startswith("target_yield"):
            raise
        top = kernels.max_attainable_yield(a.yields, lower=lo, upper=hi, **s.cash_options)
        raise kernels.InfeasibleError(f"Income_Target: {target:g} is out of reach; the highest yield the Min/Max "
                                      f"weights allow is {top:.2%}; lower it or relax the limits.") from None
    w_best = best.weights
    y_best = kernels.portfolio_yield(w_best, a.yields)
    vol_best = best.volatility
    message = (f"yield {yield_now:.2%}: {amount(proj.income[0])} in year 1, {amount(proj.income[-1])} in year "
               f"{years}; a {target:.1%} yield needs {vol_best:.1%} volatility at least")
    return Outcome({
        "Income_Table": table(rows),
        "IncomeTarget_Weights": column(w_best),
        "IncomeTarget_Stats": column([y_best, kernels.portfolio_return(w_best, s.expected_returns), vol_best,
                                      y_best * h.total]),
        "Income_Info": [[message]],
    }, message)


MACRO = Macro("income_plan", "Income Plan", ASSUMPTION_NAMES + LIMIT_NAMES + HOLDING_NAMES + INPUTS,
              ("Income_Table", "IncomeTarget_Weights", "IncomeTarget_Stats", "Income_Info"), compute,
              "projecting income",
              renames={"target_yield": "Income_Target", "correlation": "Correlation", "vols": "Vols",
                       "yields": "Yields", "payout_growth": "Income_Growth", "inflation": "Income_Inflation",
                       "lower": "MinWeights", "upper": "MaxWeights"})


def income_plan(book: Book | None = None) -> MacroResult:
    """Income Plan button: fill the Income sheet (projection table, chart data, income-target portfolio)."""
    return run(MACRO, book)
