"""Cell functions of risk budgeting: risk parity and budgeted risk contributions."""

from __future__ import annotations

import kernels
from addin import cells
from addin.catalogue import cell_function

from ._docs import COV_DOC


@cell_function(
    args={"cov": COV_DOC,
          "budgets": "Optional risk budget per asset (shares of total risk, e.g. 0.5, 0.25, 0.25). Default equal.",
          "lower": "Optional lowest weight: one number for all assets or one per asset. Default none.",
          "upper": "Optional highest weight: one number for all assets or one per asset. Default none."},
    result="Risk parity (or risk budgeting) weights, spilled like the budgets (a column without them).",
    example="=RISK_PARITY(Cov)  or  =RISK_PARITY(Cov, H2:H6, 0.05, 0.4)", call_in_wizard=False)
def RISK_PARITY(cov, budgets=None, lower=None, upper=None):
    """Weights at which each asset contributes equally (or its budget) to portfolio risk."""
    b = None if budgets is None else cells.vector(budgets, "budgets")
    result = kernels.risk_parity(
        cells.matrix(cov, "cov"), None if b is None else b.values,
        lower=None if lower is None else cells.number_or_vector(lower, "lower"),
        upper=None if upper is None else cells.number_or_vector(upper, "upper"))
    if not result.converged:
        reason = result.status.split(";")[0]
        raise kernels.ConvergenceError(f"cov: no risk parity weights found ({reason}); check the covariance and the "
                                       "bounds.")
    return cells.spill(result.weights, "column" if b is None else b.orientation)
