"""Compile every kernel once, so that the first formula in a fresh Excel session is fast.

Numba compiles a kernel on its first call and, with ``cache=True``, keeps the machine code
on disk (:mod:`addin.numba_cache` makes sure the folder is writable). :func:`warm_up` calls
every Excel function of the catalogue (:data:`addin.functions.FUNCTIONS`) once on a small example,
exactly as a cell would (through the same conversion code), which compiles or loads from the cache
every kernel they use. Run it at install time (``xlfolio warmup``) or from the ribbon.
"""

from __future__ import annotations

import time
from typing import Any, Callable, NamedTuple

import numpy as np


class WarmupResult(NamedTuple):
    """One Excel function's warm-up call."""

    name: str
    seconds: float
    ok: bool
    message: str


def _column(values) -> tuple:
    return tuple((float(v),) for v in values)


def _table(matrix) -> tuple:
    return tuple(tuple(float(v) for v in r) for r in np.asarray(matrix))


def example_inputs() -> dict[str, tuple[Any, ...]]:
    """A small example for every Excel function, as COM would hand it over (3 assets)."""
    from addin.functions.household import example_arguments as household_example
    w = _column([0.5, 0.3, 0.2])
    vols = np.array([0.15, 0.10, 0.05])
    corr = np.array([[1.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.0]])
    cov_matrix = corr * np.outer(vols, vols)
    cov = _table(cov_matrix)
    mu = _column([0.08, 0.06, 0.03])
    rng = np.random.default_rng(7)
    returns = rng.multivariate_normal(np.full(3, 0.0003), cov_matrix / 252, size=60)
    prices = _table(100.0 * np.cumprod(1.0 + returns, axis=0))
    values = _column([55_000.0, 30_000.0, 15_000.0])
    targets = _column([0.5, 0.3, 0.2])
    yields = _column([0.02, 0.035, 0.045])
    return {
        "PORTFOLIO_RETURN": (w, mu),
        "PORTFOLIO_RISK": (w, cov),
        "RISK_CONTRIBUTIONS": (w, cov),
        "DIVERSIFICATION_RATIO": (w, cov),
        "COVARIANCE": (_table(returns),),
        "CORRELATION": (cov,),
        "COV_FROM_CORR": (_column(vols), _table(corr)),
        "EXPECTED_RETURNS": (prices,),
        "NEAREST_CORRELATION": (((1.0, 1.0, 0.0), (1.0, 1.0, 1.0), (0.0, 1.0, 1.0)),),  # not PSD: runs the kernel
        "BLACK_LITTERMAN": (cov, w, 2.5, ((1.0, -1.0, None),), 0.02, 0.5),  # issue 16: one relative view
        "EFFECTIVE_ASSETS": (w,),
        "MIN_VARIANCE": (cov,),
        "MAX_SHARPE": (mu, cov),
        "EFFICIENT_PORTFOLIO": (mu, cov, 0.06),
        "EFFICIENT_FRONTIER": (mu, cov),
        "TURNING_POINTS": (mu, cov),
        "RISK_PARITY": (cov,),
        "REBALANCE": (values, targets),
        "DRIFT": (values, targets),
        "AGE_ALLOCATION": (40.0,),
        "ALLOCATE": (100_000.0, _column([0.6, 0.4]), ((0.7, 0.3), (1.0, None))),
        "PORTFOLIO_YIELD": (w, yields),
        "PORTFOLIO_INCOME": (values, yields),
        "INCOME_PROJECTION": (100_000.0, 0.04, 10.0),
        "INCOME_PORTFOLIO": (yields, cov, 0.03),
        "TAX_EQUIVALENT_YIELD": (0.03, 0.24),
        "ASSET_LOCATION": (_column([50_000.0, 50_000.0]), ((0.01, 0.0), (0.003, 0.0)), ((100_000.0, 50_000.0),)),
        # issue 15: the 60 price rows as months (no date column), two weight sets; plans on 3 assets
        "BACKTEST": (prices, ((0.5, 0.6), (0.3, 0.4), (0.2, 0.0))),
        "BACKTEST_SERIES": (prices, ((0.5, 0.6), (0.3, 0.4), (0.2, 0.0))),
        "PLAN_SUCCESS": (w, mu, _column(vols), _table(corr)),
        "SAFE_WITHDRAWAL_RATE": (w, mu, _column(vols), _table(corr)),
        "PERPETUAL_WITHDRAWAL_RATE": (w, mu, _column(vols), _table(corr)),
        "PLAN_SUMMARY": (w, mu, _column(vols), _table(corr)),
        "PLAN_PERCENTILES": (w, mu, _column(vols), _table(corr)),
        "PLAN_HISTORY": (prices, w),
        "HOUSEHOLD_REBALANCE": household_example(),
    }


def excel_functions(module=None) -> dict[str, Callable]:
    """The Excel functions by name: those of a front-end ``module`` (its functions carrying ``__xlfolio__``, as
    :mod:`addin.udfs`), or by default every catalogue entry called as a cell calls it (COM's value form)."""
    if module is None:
        from addin.cells.guard import cell_callable
        from addin.functions import FUNCTIONS

        return {function.name: cell_callable(function) for function in FUNCTIONS}
    return {name: f for name, f in vars(module).items() if hasattr(f, "__xlfolio__")}


def warm_up(module=None) -> list[WarmupResult]:
    """Call every Excel function once on its example; report the time each took and whether it worked."""
    from addin.cells import ERROR_PREFIX

    examples = example_inputs()
    results = []
    for name, func in excel_functions(module).items():
        if name not in examples:
            results.append(WarmupResult(name, 0.0, False, "no warm-up example; add one to addin/warmup.py"))
            continue
        start = time.perf_counter()
        out = func(*examples[name])
        seconds = time.perf_counter() - start
        first = out
        while isinstance(first, list) and first:
            first = first[0]
        failed = isinstance(first, str) and first.startswith(ERROR_PREFIX)
        results.append(WarmupResult(name, seconds, not failed, first if failed else ""))
    return results
