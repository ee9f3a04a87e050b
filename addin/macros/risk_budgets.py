"""Risk Parity button: weights whose risk contributions match the budgets."""

from __future__ import annotations

import kernels
from kernels import InputError

from ._inputs import ASSUMPTION_NAMES, assumptions
from ._run import Book, Macro, MacroResult, Outcome, column, run, vector


def compute(inputs, shapes) -> Outcome:
    a = assumptions(inputs)
    budgets = vector(inputs, "RP_Budgets")
    if budgets.size != len(a.classes):
        raise InputError(f"RP_Budgets: {budgets.size} budgets for {len(a.classes)} asset classes; give one each.")
    res = kernels.risk_parity(a.cov, budgets)
    if not res.converged:
        raise kernels.ConvergenceError(f"RP_Budgets: no risk parity weights found ({res.status.split(';')[0]}); "
                                       "check the budgets and the Correlation and Vols blocks.")
    ret = kernels.portfolio_return(res.weights, a.expected_returns)
    message = (f"volatility {res.volatility:.2%}, expected return {ret:.2%}, largest budget error "
               f"{res.max_error:.1e} after {res.n_iter} iterations: {res.status}")
    return Outcome({
        "RP_Weights": column(res.weights),
        "RP_Contrib": column(res.risk_contributions),
        "RP_Relative": column(res.relative_contributions),
        "RP_Stats": column([res.volatility, ret, "yes" if res.converged else "no", int(res.n_iter)]),
    }, message)


MACRO = Macro("risk_parity", "Risk Parity", ASSUMPTION_NAMES + ("RP_Budgets",),
              ("RP_Weights", "RP_Contrib", "RP_Relative", "RP_Stats"), compute, "solving for risk parity",
              renames={"budgets": "RP_Budgets", "risk_budgets": "RP_Budgets", "correlation": "Correlation",
                       "vols": "Vols"})


def risk_parity(book: Book | None = None) -> MacroResult:
    """Risk Parity button: fill the Risk Parity sheet (weights, risk contributions)."""
    return run(MACRO, book)
