"""Warm Up and Help buttons."""

from __future__ import annotations

import time

import numpy as np

import kernels

from ._run import Book, Macro, MacroResult, Outcome, run


def _warm_kernels() -> list[str]:
    """Call each kernel once on a tiny problem, so Numba compiles (or loads from its cache) now."""
    mu = np.array([0.07, 0.03, 0.05])
    vols = np.array([0.16, 0.05, 0.12])
    corr = np.array([[1.0, 0.1, 0.6], [0.1, 1.0, 0.2], [0.6, 0.2, 1.0]])
    cov = kernels.covariance_from_correlation(vols, corr)
    w = np.array([0.5, 0.3, 0.2])
    kernels.portfolio_volatility(w, cov)
    kernels.risk_contributions(w, cov)
    prices = 100.0 * np.cumprod(1.0 + np.random.default_rng(0).normal(0.0, 0.01, size=(60, 3)), axis=0)
    kernels.covariance(prices, "ledoit_wolf", data_kind="prices")
    kernels.expected_returns(prices)
    kernels.efficient_frontier(mu, cov, 5)
    kernels.max_sharpe(mu, cov, risk_free=0.01)
    kernels.rebalance_trades([50.0, 30.0, 20.0], [0.4, 0.4, 0.2], band=0.05)
    kernels.income_projection(1000.0, 0.03, 5)
    kernels.risk_parity(cov)
    return ["risk", "estimates", "frontier", "rebalance", "income", "risk parity"]


def compute_warm_up(inputs, shapes) -> Outcome:
    from addin import udfs  # the functions Excel's UDF server calls, imported now in this process
    from addin.warmup import warm_up as warm_up_functions

    start = time.perf_counter()
    functions = warm_up_functions(udfs)
    failed = [r.name for r in functions if not r.ok]
    warmed = _warm_kernels()
    message = (f"{len(functions) - len(failed)} Excel functions and the button kernels ({', '.join(warmed)}) "
               f"ready in {time.perf_counter() - start:.1f} s")
    if failed:
        message += f"; failed: {', '.join(failed)} (see the Log)"
    return Outcome({}, message)


def compute_help(inputs, shapes) -> Outcome:
    return Outcome({}, "opened the Start sheet")


WARM_UP = Macro("warm_up", "Warm Up", (), (), compute_warm_up, "starting Python and compiling the kernels")
HELP = Macro("show_help", "Help", (), (), compute_help, "opening help")


def warm_up(book: Book | None = None) -> MacroResult:
    """Warm Up button: compile every kernel now (Numba's cache makes later sessions fast too)."""
    return run(WARM_UP, book)


def show_help(book: Book | None = None) -> MacroResult:
    """Help button: go to the Start sheet (setup steps and the function reference)."""
    result = run(HELP, book)
    (book if book is not None else _caller()).activate("Start")
    return result


def _caller():
    from addin.book import ExcelBook

    return ExcelBook.caller()
