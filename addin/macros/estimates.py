"""Refresh Estimates button: covariance and expected returns of the Prices sheet."""

from __future__ import annotations

import numpy as np

import kernels
from kernels import ALL_COVARIANCE_METHODS, EXPECTED_RETURN_METHODS, InputError

from ._run import Book, Macro, MacroResult, Outcome, column, matrix, run, table, text


def _choice(value: str, name: str, choices) -> str:
    if value not in choices:
        if len(choices) <= 4:
            raise InputError(f"{name}: expected one of {', '.join(choices)}, got {value!r}; pick one from the list.")
        shown = ", ".join(choices[:6]) + (", ..." if len(choices) > 6 else "")
        raise InputError(f"{name}: {value!r} is not a method; pick one from the list ({shown}).")
    return value


def compute(inputs, shapes) -> Outcome:
    prices = matrix(inputs, "Prices")
    cov_method = _choice(text(inputs, "Est_CovMethod"), "Est_CovMethod", ALL_COVARIANCE_METHODS)
    ret_method = _choice(text(inputs, "Est_ReturnMethod"), "Est_ReturnMethod", EXPECTED_RETURN_METHODS)
    cov = kernels.covariance(prices, cov_method, data_kind="prices")
    mu = kernels.expected_returns(prices, ret_method)
    vols = np.sqrt(np.diag(cov.matrix))
    message = (f"{cov.method} covariance and {mu.method} returns from {cov.n_observations} daily returns"
               + (f" ({cov.n_dropped} rows with gaps left out)" if cov.n_dropped else "")
               + (f", shrinkage {cov.shrinkage:.3f}" if cov.shrinkage else ""))
    return Outcome({"Est_Returns": column(mu.values), "Est_Vols": column(vols), "Est_Cov": table(cov.matrix),
                    "Est_Info": [[message]]}, message)


MACRO = Macro("refresh_estimates", "Refresh Estimates", ("Prices", "Est_CovMethod", "Est_ReturnMethod"),
              ("Est_Returns", "Est_Vols", "Est_Cov", "Est_Info"), compute, "estimating from the price history",
              {"prices": "Prices", "data": "Prices"})


def refresh_estimates(book: Book | None = None) -> MacroResult:
    """Refresh Estimates button: annualised covariance, volatility and expected return per ticker."""
    return run(MACRO, book)
