"""The optimisers through their cell functions at institutional size (issue 21): how the time grows with assets.

What is timed is what Excel's UDF server runs in Python for one recalculation: the cell function of
:mod:`addin.functions` called with COM-shaped arguments (tuples of row tuples of floats, as xlwings
passes a range), so the conversion in, the validation, the kernel and the spill out are all counted.
Each (function, size) runs in a fresh process with a warm Numba cache and a time limit, so one slow
case cannot stop the table; a call at 20 assets first loads the compiled code (its time is printed
as ``first_call``), then one call at the size is timed; an error cell is reported, not timed.

Data: :func:`tests.naive.scale_problem` (5 factors, 2,520 daily returns with Student-t noise); from
2,520 assets (more assets than days: singular) shrunk 10% towards its diagonal, as in
:mod:`benchmarks.bench_scale`. Risk parity with bounds uses [0.6/n, 1.5/n]; NEAREST_CORRELATION gets
the correlation matrix with symmetric noise (indefinite).

Table::

    python -m benchmarks.bench_cells_scale [--sizes 100 500 1000 2000] [--timeout 600]

pytest-benchmark (one round per case, sizes up to 1,000 unless ``XLFOLIO_BENCH_CELLS=2000,3000``)::

    pytest benchmarks/bench_cells_scale.py --benchmark-only -q
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ["MIN_VARIANCE", "MAX_SHARPE", "EFFICIENT_PORTFOLIO", "EFFICIENT_FRONTIER", "TURNING_POINTS",
         "INCOME_PORTFOLIO", "RISK_PARITY", "RISK_PARITY bounded", "NEAREST_CORRELATION"]
DEFAULT_SIZES = [100, 500, 1000]


def _table(m) -> tuple:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(m))


def _column(x) -> tuple:
    return tuple((float(v),) for v in x)


def problem(n: int):
    """``(mu, cov, yields, noisy correlation)`` of ``n`` assets, as NumPy arrays."""
    from tests.naive import scale_problem

    mu, C = scale_problem(n)
    if n >= 2520:
        C = 0.9 * C + 0.1 * np.diag(np.diag(C))
    rng = np.random.default_rng(n)
    yields = rng.uniform(0.0, 0.06, n)
    vols = np.sqrt(np.diag(C))
    noise = rng.normal(0.0, 0.05, (n, n))
    noisy = np.clip(C / np.outer(vols, vols) + (noise + noise.T) / 2, -1.0, 1.0)
    np.fill_diagonal(noisy, 1.0)
    return mu, C, yields, noisy


def arguments(case: str, n: int) -> tuple:
    """The COM-form arguments of ``case`` at ``n`` assets."""
    mu, C, yields, noisy = problem(n)
    MU, COV = _column(mu), _table(C)
    target_return = float(np.quantile(mu, 0.6))
    return {
        "MIN_VARIANCE": (COV,), "MAX_SHARPE": (MU, COV, 0.02),
        "EFFICIENT_PORTFOLIO": (MU, COV, target_return), "EFFICIENT_FRONTIER": (MU, COV, 20.0),
        "TURNING_POINTS": (MU, COV), "INCOME_PORTFOLIO": (_column(yields), COV, float(np.quantile(yields, 0.6))),
        "RISK_PARITY": (COV,), "RISK_PARITY bounded": (COV, None, 0.6 / n, 1.5 / n),
        "NEAREST_CORRELATION": (_table(noisy),),
    }[case]


def cell(case: str):
    """The cell function of ``case`` as a COM cell calls it (:func:`addin.cells.guard.cell_callable`)."""
    from addin.cells.guard import cell_callable
    from addin.functions import FUNCTIONS

    name = case.split()[0]
    return cell_callable(next(f for f in FUNCTIONS if f.name == name))


def first_value(value):
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return value


def run_one(case: str, n: int) -> dict:
    """Time one call of ``case`` at ``n`` assets in this process, after a call at 20 assets (which loads
    the compiled kernels from the cache: ``first_call`` seconds, what a fresh Excel session adds once)."""
    f = cell(case)
    small = arguments(case, 20)
    start = time.perf_counter()
    f(*small)
    first_call = time.perf_counter() - start
    args = arguments(case, n)
    start = time.perf_counter()
    value = f(*args)
    seconds = time.perf_counter() - start
    first = first_value(value)
    error = first if isinstance(first, str) and first.startswith("#") else None
    return {"case": case, "n": n, "seconds": seconds, "error": error, "first_call": first_call}


def run_in_subprocess(case: str, n: int, timeout: float) -> dict:
    """:func:`run_one` in a fresh process (warm Numba cache) with a time limit."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = ("import json, sys; from benchmarks.bench_cells_scale import run_one; "
            f"print(json.dumps(run_one({case!r}, {n})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"case": case, "n": n, "seconds": None, "error": f"over {timeout:.0f} s"}
    if done.returncode:
        return {"case": case, "n": n, "seconds": None, "error": done.stderr.strip().splitlines()[-1][:120]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(results: list[dict], sizes: list[int]) -> str:
    by = {(r["case"], r["n"]): r for r in results}
    lines = ["| cell function | " + " | ".join(f"{n:,}" for n in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for case in CASES:
        row = []
        for n in sizes:
            r = by.get((case, n))
            if r is None:
                row.append("")
            elif r["error"]:
                row.append(f"({r['error']})")
            else:
                s = r["seconds"]
                row.append(f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s")
        lines.append(f"| {case} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES + [2000])
    parser.add_argument("--cases", nargs="+", default=CASES)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    results = []
    for n in args.sizes:
        for case in args.cases:
            results.append(run_in_subprocess(case, n, args.timeout))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(markdown(results, args.sizes))
    return 0


# ----------------------------------------------------------------------------- pytest-benchmark

_SIZES = [int(s) for s in os.environ.get("XLFOLIO_BENCH_CELLS", "").split(",") if s] or DEFAULT_SIZES


@pytest.mark.parametrize("n", _SIZES)
@pytest.mark.parametrize("case", CASES)
def test_cell_at_size(benchmark, case, n):
    benchmark.group = f"cells-scale-{n}"
    args = arguments(case, n)
    f = cell(case)
    value = benchmark.pedantic(f, args=args, rounds=1, iterations=1, warmup_rounds=1 if n <= 500 else 0)
    first = first_value(value)
    assert not (isinstance(first, str) and first.startswith("#")), f"{case} at {n} assets: {first}"


if __name__ == "__main__":
    sys.exit(main())
