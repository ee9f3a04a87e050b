"""Efficient Frontier button: the frontier table, max-Sharpe, min-variance and the current portfolio.

The Assumptions sheet's class limits bound every portfolio and its Cash row is the risk-free sleeve,
held at its set weight (see :mod:`addin.macros._sleeve`); filled views (Black-Litterman) replace the
expected returns (see :mod:`addin.macros._views`).
"""

from __future__ import annotations

import kernels
from kernels import InputError

from ._inputs import ASSUMPTION_NAMES, HOLDING_NAMES, assumptions, class_weights, holdings
from ._run import Book, Macro, MacroResult, Outcome, column, number, run, table
from ._sleeve import LIMIT_NAMES, sleeve, stats
from ._views import RENAMES as VIEW_RENAMES, VIEW_NAMES, read_views

OUTPUTS = ("Frontier_Returns", "Frontier_Vols", "Frontier_Sharpe", "Frontier_Weights", "Optimal_Stats",
           "Optimal_Weights", "Frontier_Info", "Views_Returns")


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
    views = read_views(inputs, a)
    a = a._replace(expected_returns=views.returns)
    s = sleeve(inputs, a, lower, upper, ("Frontier_MinWeight", "Frontier_MaxWeight"))
    n_points = shapes["Frontier_Returns"][0]
    # every portfolio through the kernels' cash sleeve: Cash held at its weight, the limits on the final weights
    lo, hi = s.bounds()
    front = kernels.efficient_frontier(s.expected_returns, s.cov, n_points, lo, hi, **s.cash_options)
    best = kernels.max_sharpe(s.expected_returns, s.cov, risk_free=a.risk_free, lower=lo, upper=hi, **s.cash_options)
    safest = kernels.min_variance(s.cov, lo, hi, expected_returns=s.expected_returns, **s.cash_options)
    weights = list(front.weights)
    points = [stats(s, w, a.risk_free) for w in weights]
    # the Sharpe ratio of a riskless portfolio is undefined: stats leaves a blank cell, on purpose
    w_best, w_safe, w_now = best.weights, safest.weights, class_weights(h, a.classes)
    best_stats = stats(s, w_best, a.risk_free)
    info = (f"{len(points)} points from {points[0][1]:.1%} to {points[-1][1]:.1%} volatility; max Sharpe "
            f"{best_stats[2]:.2f} at {best_stats[1]:.1%}; {s.cash_weight:.0%} cash at {a.risk_free:.2%}"
            + (f"; {views.n_views} view{'s' if views.n_views > 1 else ''} ({views.omega})" if views.n_views else ""))
    outputs = {
        "Frontier_Returns": column([p[0] for p in points]),
        "Frontier_Vols": column([p[1] for p in points]),
        "Frontier_Sharpe": column([p[2] for p in points]),
        "Frontier_Weights": table(weights),
        "Optimal_Stats": table([best_stats, stats(s, w_safe, a.risk_free), stats(s, w_now, a.risk_free)]),
        "Optimal_Weights": table([w_best, w_safe, w_now]),
        "Frontier_Info": [[info]],
        "Views_Returns": table([views.returns]),
    }
    return Outcome(outputs, info)


MACRO = Macro(
    name="efficient_frontier",
    label="Efficient Frontier",
    reads=ASSUMPTION_NAMES + LIMIT_NAMES + VIEW_NAMES + HOLDING_NAMES + ("Frontier_MinWeight", "Frontier_MaxWeight"),
    writes=OUTPUTS,
    compute=compute,
    progress="computing the efficient frontier",
    renames={"lower": "MinWeights", "upper": "MaxWeights", "correlation": "Correlation", "cov": "Correlation",
             "vols": "Vols", "expected_returns": "ExpReturns", **VIEW_RENAMES},
)


def efficient_frontier(book: Book | None = None) -> MacroResult:
    """Efficient Frontier button: fill the Frontier sheet (table, optimal portfolios, chart data)."""
    return run(MACRO, book)
