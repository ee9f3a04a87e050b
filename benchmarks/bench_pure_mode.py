"""The pure-mode goal of issue 14: at 20 assets, in CPython without Numba (what xlwings Lite runs, before
Pyodide's own slowdown), every cell function under 0.2 s and every button under 2 s; the compiled
mode beside it.

What is timed is what Lite runs: each cell function of :mod:`addin.lite.functions` on its arguments
in Office.js's form (lists of row lists, whole numbers as ``int``), and each button's macro
(:func:`addin.lite.scripts.run_macro`, so Warm Up is Lite's) on an in-memory book holding a client
of 20 asset classes and 20 holdings and a price history of 20 stocks (the template's sample, 2,520 days).

Side by side, one table (the pure mode in a subprocess with ``XLFOLIO_DISABLE_NUMBA=1``, the compiled
mode in another, each the median of several calls after one untimed call)::

    python -m benchmarks.bench_pure_mode [--repeats 5]

As pytest-benchmark groups (``pure-mode-functions``, ``pure-mode-buttons``), in this process's mode,
so run it once plainly and once with ``XLFOLIO_DISABLE_NUMBA=1``; ``test_modes_side_by_side`` runs the
table above and keeps it in ``extra_info``::

    pytest benchmarks/bench_pure_mode.py --benchmark-only -q
    XLFOLIO_DISABLE_NUMBA=1 pytest benchmarks/bench_pure_mode.py --benchmark-only -q -k "not side_by_side"
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
N_ASSETS = 20
#: The goals: seconds per call of a cell function, per click of a button.
FUNCTION_GOAL = 0.2
BUTTON_GOAL = 2.0


def _lite_form(value):
    """A COM-form argument (tuple of row tuples, bare scalar) as Office.js passes it to a Lite function."""
    def cell(v):
        if isinstance(v, float) and v.is_integer() and abs(v) <= 2 ** 53:
            return int(v)
        return v

    if isinstance(value, tuple):
        return [[cell(v) for v in row] for row in value]
    return [[cell(value)]]


def _column(x) -> tuple:
    return tuple((float(v),) for v in x)


def _table(m) -> tuple:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(m))


def _problem(n: int = N_ASSETS, seed: int = 20):
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 1.0, (3, n))
    returns = rng.normal(0.0, 0.01, (756, 3)) @ loadings * 0.3 + rng.normal(0.0, 0.01, (756, n))
    cov = np.cov(returns, rowvar=False) * 252
    vols = np.sqrt(np.diag(cov))
    corr = cov / np.outer(vols, vols)
    mu = 0.02 + 0.5 * vols + rng.uniform(-0.01, 0.01, n)
    w = rng.dirichlet(np.ones(n))
    yields = rng.uniform(0.0, 0.06, n)
    return rng, returns, cov, corr, vols, mu, w, yields


def function_cases() -> dict[str, tuple]:
    """Every cell function's arguments at 20 assets, in COM's form."""
    from workbook.sample_data import load_sample_prices

    rng, returns, cov, corr, vols, mu, w, yields = _problem()
    prices = load_sample_prices().to_numpy()[:, :N_ASSETS]
    W, C, MU, Y = _column(w), _table(cov), _column(mu), _column(yields)
    values = _column(rng.uniform(5_000, 50_000, N_ASSETS))
    broken = corr.copy()
    broken[0, 1] = broken[1, 0] = -0.99
    broken[0, 2] = broken[2, 0] = 0.99
    sub_weights = _table(np.full((N_ASSETS, 3), 1 / 3))
    drag = _table(np.column_stack([rng.uniform(0.0, 0.01, N_ASSETS), np.zeros(N_ASSETS)]))
    total = sum(v for (v,) in values)
    return {
        "PORTFOLIO_RETURN": (W, MU), "PORTFOLIO_RISK": (W, C), "RISK_CONTRIBUTIONS": (W, C),
        "DIVERSIFICATION_RATIO": (W, C), "COVARIANCE": (_table(prices), "ledoit_wolf", "prices"),
        "CORRELATION": (_table(returns),), "COV_FROM_CORR": (_column(vols), _table(corr)),
        "EXPECTED_RETURNS": (_table(prices),), "NEAREST_CORRELATION": (_table(broken),), "EFFECTIVE_ASSETS": (W,),
        "MIN_VARIANCE": (C,), "MAX_SHARPE": (MU, C, 0.02), "EFFICIENT_PORTFOLIO": (MU, C, float(np.median(mu))),
        "EFFICIENT_FRONTIER": (MU, C), "TURNING_POINTS": (MU, C), "RISK_PARITY": (C,),
        "REBALANCE": (values, W), "DRIFT": (values, W), "AGE_ALLOCATION": (40.0,),
        "ALLOCATE": (100_000.0, W, sub_weights), "PORTFOLIO_YIELD": (W, Y), "PORTFOLIO_INCOME": (values, Y),
        "INCOME_PROJECTION": (100_000.0, 0.04, 30.0), "INCOME_PORTFOLIO": (Y, C, float(np.mean(yields))),
        "TAX_EQUIVALENT_YIELD": (0.03, 0.24), "ASSET_LOCATION": (values, drag, ((total / 2, total),)),
    }


class MemoryBook:
    """A :class:`addin.book.Book` in memory: named blocks of a 20-asset client (the template's layout).

    Blocks the client does not set are read from the shipped template when their shape does not depend on
    the number of asset classes (the Household and Simulation settings), else blank (no views, no limits
    beyond 0-100%).
    """

    interactive = False

    def __init__(self) -> None:
        from workbook.layout import Layout
        from workbook.sample_data import load_sample_prices

        prices = load_sample_prices().to_numpy()[:, :N_ASSETS]
        self.blocks = Layout(N_ASSETS, N_ASSETS, N_ASSETS, prices.shape[0]).names()
        rng, _, cov, corr, vols, mu, _, yields = _problem()
        classes = [f"Class {i + 1}" for i in range(N_ASSETS)]
        col = lambda xs: [[float(x)] for x in xs]  # noqa: E731
        self.values: dict[str, list[list[Any]]] = {
            "AssetClasses": [[c] for c in classes], "ExpReturns": col(mu), "Vols": col(vols), "Yields": col(yields),
            "Correlation": [list(map(float, r)) for r in corr], "RiskFreeRate": [[0.02]],
            "Holdings_Asset": [[f"Fund {i + 1}"] for i in range(N_ASSETS)], "Holdings_Class": [[c] for c in classes],
            "Holdings_Shares": col(rng.integers(10, 500, N_ASSETS)), "Holdings_Price": col(rng.uniform(20, 300, N_ASSETS)),
            "Holdings_Target": col(rng.dirichlet(np.ones(N_ASSETS))), "CashFlow": [[10_000.0]],
            "Rebalance_Band": [[0.05]], "Rebalance_MinTrade": [[100.0]],
            "Frontier_MinWeight": [[0.0]], "Frontier_MaxWeight": [[1.0]], "RP_Budgets": col(np.full(N_ASSETS, 0.05)),
            "Income_Years": [[30.0]], "Income_Growth": [[0.03]], "Income_Inflation": [[0.025]],
            "Income_Target": [[float(np.mean(yields))]],
            "Prices": [list(map(float, r)) for r in prices], "Est_CovMethod": [["ledoit_wolf"]],
            "Est_ReturnMethod": [["mean"]], "MinWeights": col(np.zeros(N_ASSETS)), "MaxWeights": col(np.ones(N_ASSETS)),
            "Sim_Mix": col(np.full(N_ASSETS, 1.0 / N_ASSETS)),
            "Sim_History": [list(map(float, r)) for r in rng.normal(mu / 12, vols / np.sqrt(12), (120, N_ASSETS))],
        }
        self.log: list[list[Any]] = []

    def read(self, name):
        if name not in self.values:
            self.values[name] = _template_value(name, self.shape(name))
        return [list(r) for r in self.values[name]]

    def shape(self, name):
        b = self.blocks[name]
        return b.n_rows, b.n_cols

    def address(self, name):
        return self.blocks[name].ref()

    def write(self, name, rows):
        self.values[name] = rows

    def append_log(self, row):
        self.log.append(list(row))

    def status(self, text):
        pass

    def alert(self, text):
        raise AssertionError(f"a button failed on the benchmark's client: {text}")

    def now(self):
        return "benchmark"

    def activate(self, sheet):
        pass


@functools.cache
def _template() -> Any:
    from addin.book import FileBook
    from addin.template import build_template

    return FileBook(build_template())


def _template_value(name: str, shape: tuple[int, int]) -> list[list[Any]]:
    """The shipped template's value of block ``name`` when it has ``shape``, else a blank block of it."""
    rows = _template().read(name)
    if (len(rows), len(rows[0]) if rows else 0) == shape:
        return rows
    return [[None] * shape[1] for _ in range(shape[0])]


def _filled_book() -> MemoryBook:
    """A 20-asset book whose output blocks hold what every computing button writes (as the template ships)."""
    from addin.lite.scripts import run_macro
    from addin.macros import COMPUTING

    book = MemoryBook()
    for name in COMPUTING:
        result = run_macro(name, book)
        if not result.ok:
            raise AssertionError(f"{name}: {result.message}")
    return book


def function_calls() -> dict[str, Callable[[], Any]]:
    """Each Lite cell function with its 20-asset arguments in Office.js's form, ready to call."""
    from addin.lite import functions

    out = {}
    for name, args in function_cases().items():
        f = getattr(functions, name)
        lite_args = [_lite_form(a) for a in args]
        out[name] = (lambda f=f, a=lite_args: f(*a))
    return out


def button_calls() -> dict[str, Callable[[], Any]]:
    """Each button's macro as Lite runs it, on a 20-asset book."""
    from addin.lite.scripts import run_macro
    from addin.macros import BUTTONS

    def click(name, book):
        result = run_macro(name, book)
        if not result.ok:
            raise AssertionError(f"{name}: {result.message}")
        return result

    # one book per button, made before the timing (a run overwrites only its output blocks)
    filled = _filled_book()
    return {name: (lambda n=name, b=copy.deepcopy(filled): click(n, b)) for name in BUTTONS}


def _check_function(name: str, value: Any) -> None:
    first = value
    while isinstance(first, list) and first:
        first = first[0]
    if isinstance(first, str) and first.startswith("#ERROR"):
        raise AssertionError(f"{name} failed on the benchmark's arguments: {first}")


def measure(repeats: int = 5) -> dict[str, dict]:
    """Median seconds of every function and button in this process's mode (one untimed call first)."""
    import kernels._jit

    out = {}
    for kind, calls in (("function", function_calls()), ("button", button_calls())):
        for name, call in calls.items():
            value = call()
            if kind == "function":
                _check_function(name, value)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            out[name] = {"kind": kind, "median": statistics.median(times), "min": min(times),
                         "pure": kernels._jit.PURE_PYTHON}
    return out


def measure_in_subprocess(pure: bool, repeats: int) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if k != "XLFOLIO_DISABLE_NUMBA"}
    if pure:
        env["XLFOLIO_DISABLE_NUMBA"] = "1"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_pure_mode", "--measure", "--repeats",
                           str(repeats)], capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"the {'pure' if pure else 'compiled'} measurement failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if any(r["pure"] is not pure for r in result.values()):
        raise RuntimeError("the subprocess ran in the wrong mode")
    return result


def table(compiled: dict, pure: dict) -> str:
    """A Markdown table of both modes, with the goal and whether the pure mode meets it."""
    lines = ["| function / button | kind | compiled (ms) | pure, no Numba (ms) | pure / compiled | goal (ms) | pure meets it |",
             "|---|---|---:|---:|---:|---:|:---:|"]
    for name, c in compiled.items():
        p = pure[name]
        goal = FUNCTION_GOAL if c["kind"] == "function" else BUTTON_GOAL
        ratio = p["median"] / c["median"] if c["median"] > 0 else float("inf")
        lines.append(f"| {name} | {c['kind']} | {c['median'] * 1e3:.2f} | {p['median'] * 1e3:.2f} | {ratio:.1f} | "
                     f"{goal * 1e3:.0f} | {'yes' if p['median'] < goal else '**no**'} |")
    return "\n".join(lines)


def over_goal(pure: dict) -> list[str]:
    return [n for n, r in pure.items() if r["median"] >= (FUNCTION_GOAL if r["kind"] == "function" else BUTTON_GOAL)]


# ----------------------------------------------------------------------------- pytest-benchmark

def _function_names() -> list[str]:
    from addin.functions import FUNCTIONS

    return [f.name for f in FUNCTIONS]


def _button_names() -> list[str]:
    from addin.macros import BUTTONS

    return list(BUTTONS)


@pytest.mark.benchmark(group="pure-mode-functions")
@pytest.mark.parametrize("name", _function_names())
def test_function(benchmark, name):
    import kernels._jit

    call = function_calls()[name]
    _check_function(name, call())
    benchmark.extra_info.update(mode="pure" if kernels._jit.PURE_PYTHON else "compiled", goal_s=FUNCTION_GOAL)
    benchmark(call)


@pytest.mark.benchmark(group="pure-mode-buttons")
@pytest.mark.parametrize("name", _button_names())
def test_button(benchmark, name):
    import kernels._jit

    call = button_calls()[name]
    call()
    benchmark.extra_info.update(mode="pure" if kernels._jit.PURE_PYTHON else "compiled", goal_s=BUTTON_GOAL)
    benchmark.pedantic(call, rounds=5, iterations=1)


@pytest.mark.benchmark(group="pure-mode-side-by-side")
def test_modes_side_by_side(benchmark):
    """Both modes in subprocesses, one table (printed, and kept in extra_info)."""
    results = {}

    def both():
        results["compiled"] = measure_in_subprocess(False, 3)
        results["pure"] = measure_in_subprocess(True, 3)

    benchmark.pedantic(both, rounds=1, iterations=1)
    text = table(results["compiled"], results["pure"])
    benchmark.extra_info.update(table=text, over_goal=over_goal(results["pure"]))
    print("\n" + text + f"\nover the goal in pure mode: {over_goal(results['pure']) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", action="store_true", help="measure this process's mode, print JSON")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.repeats)))
        return 0
    compiled = measure_in_subprocess(False, args.repeats)
    pure = measure_in_subprocess(True, args.repeats)
    print(table(compiled, pure))
    print(f"\nover the goal in pure mode: {', '.join(over_goal(pure)) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
