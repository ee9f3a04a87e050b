"""Efficient Frontier button: the frontier table, max-Sharpe, min-variance and the current portfolio."""

from __future__ import annotations

import kernels
from kernels import InputError

from ._inputs import ASSUMPTION_NAMES, HOLDING_NAMES, assumptions, class_weights, holdings
from ._run import Book, Macro, MacroResult, Outcome, column, number, run, table

OUTPUTS = ("Frontier_Returns", "Frontier_Vols", "Frontier_Sharpe", "Frontier_Weights", "Optimal_Stats",
           "Optimal_Weights", "Frontier_Info")


def _bounds(inputs) -> tuple[float, float]:
    lower = number(inputs, "Frontier_MinWeight")
    upper = number(inputs, "Frontier_MaxWeight")
    for name, x in (("Frontier_MinWeight", lower), ("Frontier_MaxWeight", upper)):
        if not 0.0 <= x <= 1.0:
            raise InputError(f"{name}: expected a weight from 0% to 100%, got {x:.4g}; fix the cell.")
    if lower > upper:
        raise InputError(f"Frontier_MinWeight: {lower:.1%} is above the max weight {upper:.1%}; lower it.")
    return lower, upper


def compute(inputs, shapes) -> Outcome:
    a = assumptions(inputs)
    h = holdings(inputs, a.classes)
    lower, upper = _bounds(inputs)
    n_points = shapes["Frontier_Returns"][0]
    front = kernels.efficient_frontier(a.expected_returns, a.cov, n_points, lower, upper)
    best = kernels.max_sharpe(a.expected_returns, a.cov, risk_free=a.risk_free, lower=lower, upper=upper)
    safest = kernels.min_variance(a.cov, lower, upper, expected_returns=a.expected_returns)
    w_now = class_weights(h, a.classes)
    ret_now = kernels.portfolio_return(w_now, a.expected_returns)
    vol_now = kernels.portfolio_volatility(w_now, a.cov)
    # the Sharpe ratio of a riskless portfolio is undefined: a blank cell, on purpose
    sharpe = [(r - a.risk_free) / v if v > 0 else None for r, v in zip(front.returns, front.volatilities)]

    def stats(ret, vol):
        return [ret, vol, (ret - a.risk_free) / vol if vol > 0 else None]

    outputs = {
        "Frontier_Returns": column(front.returns),
        "Frontier_Vols": column(front.volatilities),
        "Frontier_Sharpe": column(sharpe),
        "Frontier_Weights": table(front.weights),
        "Optimal_Stats": table([stats(best.expected_return, best.volatility),
                                stats(safest.expected_return, safest.volatility),
                                stats(ret_now, vol_now)]),
        "Optimal_Weights": table([best.weights, safest.weights, w_now]),
        "Frontier_Info": [[f"{len(front.returns)} points from {front.volatilities[0]:.1%} to "
                           f"{front.volatilities[-1]:.1%} volatility; max Sharpe {best.sharpe_ratio:.2f} "
                           f"at {best.volatility:.1%}"]],
    }
    return Outcome(outputs, outputs["Frontier_Info"][0][0])


MACRO = Macro(
    name="efficient_frontier",
    label="Efficient Frontier",
    reads=ASSUMPTION_NAMES + HOLDING_NAMES + ("Frontier_MinWeight", "Frontier_MaxWeight"),
    writes=OUTPUTS,
    compute=compute,
    progress="computing the efficient frontier",
    renames={"lower": "Frontier_MinWeight", "upper": "Frontier_MaxWeight", "correlation": "Correlation",
             "vols": "Vols", "expected_returns": "ExpReturns"},
)


def efficient_frontier(book: Book | None = None) -> MacroResult:
    """Efficient Frontier button: fill the Frontier sheet (table, optimal portfolios, chart data)."""
    return run(MACRO, book)

