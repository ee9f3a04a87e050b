"""Refresh Estimates button: covariance and expected returns of the Prices sheet."""

from __future__ import annotations

import numpy as np

import kernels

from ._run import Book, Macro, MacroResult, Outcome, column, matrix, run, table, text


def compute(inputs, shapes) -> Outcome:
    prices = matrix(inputs, "Prices")
    cov_method = text(inputs, "Est_CovMethod")
    ret_method = text(inputs, "Est_ReturnMethod")
    cov = kernels.covariance(prices, cov_method, data_kind="prices")
    mu = kernels.expected_returns(prices, ret_method)
    vols = np.sqrt(np.diag(cov.matrix))
    message = (f"{cov.method} covariance and {mu.method} returns from {cov.n_observations} daily returns"
               + (f" ({cov.n_dropped} rows with gaps left out)" if cov.n_dropped else "")
               + (f", shrinkage {cov.shrinkage:.3f}" if cov.shrinkage else ""))
    return Outcome({"Est_Returns": column(mu.values), "Est_Vols": column(vols), "Est_Cov": table(cov.matrix),
                    "Est_Info": [[message]]}, message)


MACRO = Macro("refresh_estimates", "Refresh Estimates", ("Prices", "Est_CovMethod", "Est_ReturnMethod"),
              ("Est_Returns", "Est_Vols", "Est_Cov", "Est_Info"), compute, "estimating from the price history")


def refresh_estimates(book: Book | None = None) -> MacroResult:
    """Refresh Estimates button: annualised covariance, volatility and expected return per ticker."""
    return run(MACRO, book)
