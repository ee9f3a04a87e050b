"""Risk Parity button: weights whose risk contributions match the budgets.

Risk parity runs over the risky classes within the Assumptions sheet's class limits; the Cash row is
the risk-free sleeve at its set weight (no risk, so its budget is not used; see :mod:`addin.macros._sleeve`).
"""

from __future__ import annotations

import kernels
from kernels import InputError

from ._inputs import ASSUMPTION_NAMES, assumptions
from ._run import Book, Macro, MacroResult, Outcome, column, run, vector
from ._sleeve import LIMIT_NAMES, sleeve


def compute(inputs, shapes) -> Outcome:
    a = assumptions(inputs)
    budgets = vector(inputs, "RP_Budgets")
    if budgets.size != len(a.classes):
        raise InputError(f"RP_Budgets: {budgets.size} budgets for {len(a.classes)} asset classes; give one each.")
    s = sleeve(inputs, a)
    lo, hi = s.bounds()
    res = kernels.risk_parity_with_cash(s.cov, budgets, lower=lo, upper=hi, **s.cash_options)
    if not res.converged:
        raise kernels.ConvergenceError(f"RP_Budgets: no risk parity weights found ({res.status.split(';')[0]}); "
                                       "check the budgets, the Min/Max weights and the Correlation and Vols blocks.")
    ret = kernels.portfolio_return(res.weights, s.expected_returns)
    message = (f"volatility {res.volatility:.2%}, expected return {ret:.2%}, {s.cash_weight:.0%} cash, largest "
               f"budget error {res.risky.max_error:.1e} after {res.risky.n_iter} iterations: {res.status}")
    return Outcome({
        "RP_Weights": column(res.weights),
        "RP_Contrib": column(res.risk_contributions),
        "RP_Relative": column(res.relative_contributions),
        "RP_Stats": column([res.volatility, ret, "yes" if res.converged else "no", int(res.risky.n_iter)]),
    }, message)


MACRO = Macro("risk_parity", "Risk Parity", ASSUMPTION_NAMES + LIMIT_NAMES + ("RP_Budgets",),
              ("RP_Weights", "RP_Contrib", "RP_Relative", "RP_Stats"), compute, "solving for risk parity",
              renames={"budgets": "RP_Budgets", "risk_budgets": "RP_Budgets", "correlation": "Correlation",
                       "vols": "Vols", "lower": "MinWeights", "upper": "MaxWeights"})


def risk_parity(book: Book | None = None) -> MacroResult:
    """Risk Parity button: fill the Risk Parity sheet (weights, risk contributions)."""
    return run(MACRO, book)
