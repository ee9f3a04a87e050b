"""What an Excel user waits for: per-call overhead of the Python side of a UDF, and the cold start.

Per call (groups ``udf-<FUNCTION>``), for n_assets in {10, 100, 500}, implementations:

* ``call_udf``: the whole Python side Excel's UDF server runs: xlwings' ``call_udf`` with COM-shaped
  arguments (tuples of row tuples of floats), our conversion in, the kernel, the spill, xlwings'
  conversion out;
* ``kernel``: the public kernel on ready NumPy arrays (what the conversion layer adds is the difference);
* ``xlwings-numpy``: the plain xlwings way, ``@xw.arg(convert=np.array, ndim=2)`` conversion of the same
  COM values followed by a NumPy one-liner (no validation, no messages): the floor a hand-written UDF has.

Conversion (groups ``conversion-<n>``), for an n x n spill: ``xlfolio``, our conversion in
(:func:`addin.cells.matrix` of the COM value, every cell checked) and out (:class:`addin.cells.Spill` of
the result and the guard's finiteness check); ``xlwings``, xlwings' own conversion of the same range
in (``convert=np.ndarray, ndim=2``) and of the same array out (``conversion.write`` with
``convert=np.ndarray``). Issue 19's goal: ours at most 2x xlwings'.

Cold start (group ``udf-cold-start``): a fresh Python process imports ``addin.udfs`` (with xlwings'
Windows UDF code loaded as in the tests), makes its first ``PORTFOLIO_RISK`` and first
``EFFICIENT_FRONTIER`` call, with the Numba cache warm; the breakdown is printed and kept in
``extra_info``.

Run: ``pytest benchmarks/bench_udfs.py --benchmark-only --benchmark-columns=median,iqr,rounds -q``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import kernels
from benchmarks.conftest import factor_returns
from tests.addin import xlwings_windows as xlw

SIZES = [10, 100, 500]
ROOT = Path(__file__).resolve().parents[1]
M = xlw.MISSING


def _problem(n_assets):
    r = factor_returns(3 * n_assets + 60, n_assets, seed=n_assets)
    cov = np.cov(r, rowvar=False) * 252
    w = np.random.default_rng(n_assets).dirichlet(np.ones(n_assets))
    mu = np.abs(r.mean(axis=0)) * 252 + 0.01
    return w, cov, mu


def _xlwings_numpy_reader():
    from xlwings import conversion

    options = {"convert": np.ndarray, "ndim": 2}
    return lambda value: conversion.read(None, value, options)


def _cases(function, n_assets):
    w, cov, mu = _problem(n_assets)
    W, C, MU = xlw.column(w), xlw.table(cov), xlw.column(mu)
    read = _xlwings_numpy_reader()
    cases = {
        "PORTFOLIO_RISK": {
            "call_udf": lambda: xlw.call("PORTFOLIO_RISK", W, C, M),
            "kernel": lambda: kernels.portfolio_volatility(w, cov),
            "xlwings-numpy": lambda: float(np.sqrt((lambda a, b: a.T @ b @ a)(read(W), read(C)))[0, 0]),
        },
        "RISK_CONTRIBUTIONS": {
            "call_udf": lambda: xlw.call("RISK_CONTRIBUTIONS", W, C, M),
            "kernel": lambda: kernels.risk_contributions(w, cov).relative,
            "xlwings-numpy": lambda: (lambda a, b: (a * (b @ a)) / (a.T @ b @ a))(read(W), read(C)).tolist(),
        },
        "DIVERSIFICATION_RATIO": {
            "call_udf": lambda: xlw.call("DIVERSIFICATION_RATIO", W, C),
            "kernel": lambda: kernels.diversification_ratio(w, cov),
        },
        "MAX_SHARPE": {
            "call_udf": lambda: xlw.call("MAX_SHARPE", MU, C, M, M, M, M, M),
            "kernel": lambda: kernels.max_sharpe(mu, cov).weights,
        },
    }
    return cases[function]


FUNCTIONS = ["PORTFOLIO_RISK", "RISK_CONTRIBUTIONS", "DIVERSIFICATION_RATIO", "MAX_SHARPE"]


@pytest.mark.parametrize("n_assets", SIZES)
@pytest.mark.parametrize("implementation", ["call_udf", "kernel", "xlwings-numpy"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_udf_call(benchmark, function, n_assets, implementation):
    if function == "MAX_SHARPE" and n_assets == 500:
        pytest.skip("a frontier solve, not call overhead; see benchmarks of the frontier")
    cases = _cases(function, n_assets)
    if implementation not in cases:
        pytest.skip(f"no plain-xlwings equivalent of {function}")
    benchmark.group = f"udf-{function}-{n_assets}"
    run = cases[implementation]
    first = run()  # compile / load from the Numba cache outside the timing
    if implementation == "call_udf":
        assert not (isinstance(first, list) and isinstance(first[0][0], str)), first
    benchmark(run)


def _conversion(implementation, n):
    from xlwings import conversion

    from addin import cells
    from addin.cells.guard import shown

    xlw.install()
    arr = np.random.default_rng(n).normal(size=(n, n))
    com = xlw.table(arr)
    if implementation == "xlfolio":
        return lambda: shown(cells.spill_matrix(cells.matrix(com, "x")), "x")
    return lambda: conversion.write(conversion.read(None, com, {"convert": np.ndarray, "ndim": 2}), None,
                                    {"convert": np.ndarray})


@pytest.mark.parametrize("n", [100, 1000, 3000])
@pytest.mark.parametrize("implementation", ["xlfolio", "xlwings"])
def test_conversion(benchmark, implementation, n):
    benchmark.group = f"conversion-{n}x{n}"
    run = _conversion(implementation, n)
    run()
    if n >= 3000:
        benchmark.pedantic(run, rounds=3, iterations=1)  # xlwings' conversion out takes ~25 s here
    else:
        benchmark(run)


COLD_START = textwrap.dedent("""
    import json, time
    t0 = time.perf_counter()
    from tests.addin import xlwings_windows as xlw
    xlw.install()
    t1 = time.perf_counter()
    import addin.udfs
    xlw.udf_module()
    t2 = time.perf_counter()
    from addin.warmup import example_inputs
    ex = example_inputs()
    r = xlw.call("PORTFOLIO_RISK", *ex["PORTFOLIO_RISK"], xlw.MISSING)
    t3 = time.perf_counter()
    f = xlw.call("EFFICIENT_FRONTIER", *ex["EFFICIENT_FRONTIER"], *[xlw.MISSING] * 5)
    t4 = time.perf_counter()
    assert isinstance(r[0][0], float) and f[0][0] == "risk", (r, f)
    print(json.dumps({"xlwings_windows": t1 - t0, "import_addin_udfs": t2 - t1, "first_PORTFOLIO_RISK": t3 - t2,
                      "first_EFFICIENT_FRONTIER": t4 - t3, "total_in_process": t4 - t0}))
""")


def _cold_start_once() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", COLD_START], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.benchmark(group="udf-cold-start")
def test_cold_start_warm_cache(benchmark):
    _cold_start_once()  # fills the Numba cache if needed: the timed runs have a warm cache
    breakdowns = []

    def run():
        breakdowns.append(_cold_start_once())

    benchmark.pedantic(run, rounds=5, iterations=1)
    medians = {k: float(np.median([b[k] for b in breakdowns])) for k in breakdowns[0]}
    benchmark.extra_info.update(medians)
    print("\ncold start, medians over", len(breakdowns), "fresh processes:",
          ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in medians.items()))
