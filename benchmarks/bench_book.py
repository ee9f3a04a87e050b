"""A firm's whole book: ``xlfolio rebalance`` on 100,000 accounts x 30 holdings, end to end.

Run: ``pytest benchmarks/bench_book.py --benchmark-only --benchmark-columns=median,iqr,rounds``
(``BOOK_ACCOUNTS=20000`` for a smaller book).

- End to end (a fresh ``python -m addin rebalance`` process, warm Numba cache): CSV in and out, and
  Parquet in and out. Each run's phases (startup: interpreter and imports before the run; models: the
  kernels' import and load, overlapped with the holdings' reading; read: what is left of that reading;
  check, layout, kernel, write; wall and CPU seconds, from ``--timings``) and its peak memory (the child's
  ``ru_maxrss``) go to ``extra_info``.
- Readers and writers side by side (the measurement behind using pyarrow to read and polars to write
  CSV): pyarrow, polars and pandas reading the holdings; polars, pyarrow and pandas writing the trades.
- Dask: the partitioned dataset on a local cluster of 1 and 2 worker processes (cluster started once,
  outside the timing), for the scaling and the per-account cost behind the README's sizing note.

The data are generated here (seeded): 100 models of 30 securities out of 650, every account on one
model, a fifth of them holding one security outside it, nine in ten with a CASH row (~3.09 M rows,
~116 MB of CSV).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
N_ACCOUNTS = int(os.environ.get("BOOK_ACCOUNTS", "100000"))
N_HOLDINGS = 30
CACHE = Path(tempfile.gettempdir()) / f"xlfolio-bench-book-{N_ACCOUNTS}"


def make_book(folder: Path, n_accounts: int = N_ACCOUNTS, n_holdings: int = N_HOLDINGS, n_models: int = 100,
              n_symbols: int = 600, seed: int = 7) -> tuple[Path, Path]:
    """Write ``holdings.csv`` and ``models.csv`` into ``folder`` (skipped when they are there)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    holdings, models = folder / "holdings.csv", folder / "models.csv"
    if holdings.exists() and models.exists():
        return holdings, models
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    model_syms = np.stack([np.sort(rng.choice(n_symbols, n_holdings, replace=False)) for _ in range(n_models)])
    targets = rng.dirichlet(np.ones(n_holdings), n_models).round(4)
    targets[:, -1] = (1 - targets[:, :-1].sum(1)).round(4)
    prices = (rng.choice([3.0, 17.5, 48.0, 99.0, 310.0], n_symbols + 50) + rng.uniform(0, 1, n_symbols + 50)).round(2)
    model = rng.integers(0, n_models, n_accounts)
    sym = model_syms[model].copy()
    off_model = rng.random(n_accounts) < 0.2
    sym[off_model, 0] = n_symbols + rng.integers(0, 50, off_model.sum())
    values = (rng.integers(1, 400, (n_accounts, n_holdings)) * prices[sym]).round(2)
    has_cash = rng.random(n_accounts) < 0.9
    sym_names = np.array([f"S{i:04d}" for i in range(n_symbols + 50)])
    acc_names = np.array([f"AC{i:06d}" for i in range(n_accounts)])
    model_names = np.array([f"model_{i:02d}" for i in range(n_models)])
    per_account = n_holdings + has_cash
    acc = np.repeat(np.arange(n_accounts), per_account)
    pos = np.arange(acc.size) - np.repeat(np.cumsum(per_account) - per_account, per_account)
    is_cash = pos == n_holdings
    col = np.minimum(pos, n_holdings - 1)
    s_idx = np.where(is_cash, 0, sym[acc, col])
    value = np.where(is_cash, rng.integers(0, 5000, acc.size).astype(float), values[acc, col])
    table = pa.table({
        "account": pa.array(acc_names[acc]),
        "model": pa.array(model_names[model[acc]]),
        "symbol": pa.array(np.where(is_cash, "CASH", sym_names[s_idx])),
        "value": pc.cast(pa.array(value), pa.string()),
        "price": pa.array(np.where(is_cash, "", prices[s_idx].astype(str))),
    })
    pacsv.write_csv(table, holdings, pacsv.WriteOptions(quoting_style="none"))
    mt = pa.table({"model": pa.array(np.repeat(model_names, n_holdings)),
                   "symbol": pa.array(sym_names[model_syms.ravel()]),
                   "target": pc.cast(pa.array(targets.ravel()), pa.string()),
                   "price": pa.array(prices[model_syms.ravel()].astype(str))})
    pacsv.write_csv(mt, models, pacsv.WriteOptions(quoting_style="none"))
    return holdings, models


MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(repr((p.returncode, wall, r.ru_maxrss, r.ru_utime + r.ru_stime, p.stdout, p.stderr)))
"""


def run_command(*argv: str, env_extra: dict | None = None) -> dict:
    """``xlfolio rebalance ARGV`` in a fresh process: wall and CPU seconds, peak memory (MB), phases, exit code.

    The child may write bytecode (``PYTHONDONTWRITEBYTECODE`` removed), as an installed package has it:
    otherwise every run would compile xlfolio's sources again (~0.3 CPU-s).
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=os.environ.get("NUMBA_CACHE_DIR",
                                                                                str(ROOT / ".numba_cache")))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "addin", "rebalance", *argv,
                          "--quiet", "--timings"], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    code, wall, maxrss_kb, cpu_s, _, stderr = eval(out.stdout)
    assert code in (0, 1), stderr
    phases = dict(re.findall(r"(\w+) ([\d.]+)/[\d.]+", stderr.split("phases (wall/cpu s):")[-1]))
    cpu = dict(re.findall(r"(\w+) [\d.]+/([\d.]+)", stderr.split("phases (wall/cpu s):")[-1]))
    phases_wall = {k: float(v) for k, v in phases.items()}
    phases_cpu = {k: float(v) for k, v in cpu.items()}
    # start-up: the interpreter and the imports before the command's first phase (the phases start in its run())
    phases_wall["startup"] = round(wall - phases_wall.get("total", wall), 3)
    phases_cpu["startup"] = round(cpu_s - phases_cpu.get("total", cpu_s), 3)
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu_s, 3), "peak_mb": round(maxrss_kb / 1024, 1), "exit": code,
            "phases_wall_s": phases_wall, "phases_cpu_s": phases_cpu}


@pytest.fixture(scope="module")
def book():
    holdings, models = make_book(CACHE)
    parquet = CACHE / "holdings.parquet"
    if not parquet.exists():
        dataset = CACHE / "single_part"
        if not dataset.exists():
            subprocess.run([sys.executable, "-m", "addin", "rebalance", str(holdings), "--partition", str(dataset),
                            "--accounts-per-part", str(N_ACCOUNTS)], check=True, cwd=ROOT,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
        os.replace(dataset / "part-00000.parquet", parquet)
    return {"csv": holdings, "parquet": parquet, "models": models}


#: The ways through the command, side by side: ``rows`` (the default: each chunk laid out, rebalanced and
#: gathered by one compiled call, ``kernels.book_rows``, and CSV formatted by a compiled loop,
#: ``addin.batch.csv_text``), ``chunks`` (session 3's NumPy layout and gathering around ``rebalance_batch``,
#: CSV by polars), and each with the trades written in line (``XLFOLIO_BOOK_WRITE_BEHIND=0``: each phase
#: charged its own work).
PATHS = {
    "rows": {},
    "chunks": {"XLFOLIO_BOOK_ROWS_KERNEL": "0", "XLFOLIO_BOOK_TEXT_ROWS": "0"},
    "rows-inline": {"XLFOLIO_BOOK_WRITE_BEHIND": "0"},
    "chunks-inline": {"XLFOLIO_BOOK_ROWS_KERNEL": "0", "XLFOLIO_BOOK_TEXT_ROWS": "0", "XLFOLIO_BOOK_WRITE_BEHIND": "0"},
}


@pytest.mark.benchmark(group=f"book-{N_ACCOUNTS}x{N_HOLDINGS}-end-to-end")
@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_end_to_end(benchmark, book, tmp_path, fmt, path):
    """The command on the book, by each of :data:`PATHS`."""
    out = tmp_path / f"trades.{fmt}"
    argv = (str(book[fmt]), "--targets", str(book["models"]), "--out", str(out))
    env = PATHS[path]
    run_command(*argv, env_extra=env)  # warm-up: Numba cache, page cache, bytecode
    runs = []

    def once():
        runs.append(run_command(*argv, env_extra=env))

    benchmark.pedantic(once, rounds=3, iterations=1)
    median = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    input_mb = book[fmt].stat().st_size / 2**20
    benchmark.extra_info.update(median, input_mb=round(input_mb, 1),
                                peak_over_input=round(median["peak_mb"] / input_mb, 2),
                                all_runs=json.dumps(runs))


# ------------------------------------------------------------------- readers and writers side by side

def _read_pyarrow(path):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = pa.dictionary(pa.int32(), pa.string())
    return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                          convert_options=pacsv.ConvertOptions(
                              column_types={"account": text, "model": text, "symbol": text, "value": pa.float64(),
                                            "price": pa.float64()}, null_values=[""], strings_can_be_null=False))


def _read_polars(path):
    import polars as pl

    return pl.read_csv(path, schema_overrides={"value": pl.Float64, "price": pl.Float64})


def _read_pandas(path):
    import pandas as pd

    return pd.read_csv(path, dtype={"account": str, "model": str, "symbol": str}, keep_default_na=False,
                       na_values={"value": [""], "price": [""]})


READERS = {"pyarrow": _read_pyarrow, "polars": _read_polars, "pandas": _read_pandas}


@pytest.mark.benchmark(group=f"book-{N_ACCOUNTS}x{N_HOLDINGS}-read-holdings-csv")
@pytest.mark.parametrize("reader", list(READERS))
def test_read(benchmark, book, reader):
    fn = READERS[reader]
    fn(book["csv"])
    benchmark.pedantic(fn, args=(book["csv"],), rounds=3, iterations=1)


@pytest.fixture(scope="module")
def trades_table():
    import pyarrow as pa

    rng = np.random.default_rng(1)
    n = N_ACCOUNTS * (N_HOLDINGS + 1)
    account = np.repeat(np.array([f"AC{i:06d}" for i in range(N_ACCOUNTS)]), N_HOLDINGS + 1)
    symbol = np.tile(np.array([f"S{i:04d}" for i in range(N_HOLDINGS)] + ["CASH"]), N_ACCOUNTS)
    money = lambda: (rng.integers(0, 400, n) * rng.choice([3.0, 17.51, 48.2, 99.0], n)).round(4)
    return pa.table({"account": account, "symbol": symbol, "value": money(), "target": rng.random(n).round(4),
                     "trade": money() - money(), "shares": rng.integers(-50, 50, n).astype(float),
                     "value_after": money(), "weight_after": rng.random(n).round(10)})


def _write_polars(table, path):
    import polars as pl

    pl.from_arrow(table).write_csv(path)


def _write_pyarrow(table, path):
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, path)


def _write_pandas(table, path):
    table.to_pandas().to_csv(path, index=False)


WRITERS = {"polars": _write_polars, "pyarrow": _write_pyarrow, "pandas": _write_pandas}


@pytest.mark.benchmark(group=f"book-{N_ACCOUNTS}x{N_HOLDINGS}-write-trades-csv")
@pytest.mark.parametrize("writer", list(WRITERS))
def test_write(benchmark, trades_table, tmp_path, writer):
    fn = WRITERS[writer]
    path = tmp_path / "trades.csv"
    fn(trades_table, path)
    benchmark.pedantic(fn, args=(trades_table, path), rounds=3, iterations=1)
    benchmark.extra_info["output_mb"] = round(path.stat().st_size / 2**20, 1)


# ------------------------------------------------------------------------------------------------ Dask

@pytest.fixture(scope="module")
def dataset(book):
    folder = CACHE / "dataset"
    if not folder.exists():
        subprocess.run([sys.executable, "-m", "addin", "rebalance", str(book["csv"]), "--partition", str(folder),
                        "--accounts-per-part", str(max(N_ACCOUNTS // 8, 1))], check=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return folder


@pytest.mark.benchmark(group=f"book-{N_ACCOUNTS}x{N_HOLDINGS}-dask-workers")
@pytest.mark.parametrize("workers", [1, 2])
def test_dask(benchmark, book, dataset, tmp_path, workers):
    distributed = pytest.importorskip("dask.distributed")
    env = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                  env=env) as cluster:
        argv = (str(dataset), "--targets", str(book["models"]), "--out", str(tmp_path / "trades"),
                "--engine", "dask", "--scheduler", cluster.scheduler_address)
        run_command(*argv)  # warm-up: workers import the kernels and load the Numba cache
        runs = []
        benchmark.pedantic(lambda: runs.append(run_command(*argv)), rounds=3, iterations=1)
    median = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    seconds = median["phases_wall_s"].get("partitions", median["wall_s"])
    benchmark.extra_info.update(median, partitions_s=seconds, us_per_account=round(1e6 * seconds / N_ACCOUNTS, 2))
