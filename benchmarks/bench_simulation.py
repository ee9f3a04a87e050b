"""Simulation: backtests (against vectorbt and bt) and Monte Carlo plans (against plain vectorised NumPy).

Run: ``pytest benchmarks/bench_simulation.py --benchmark-only --benchmark-columns=median,iqr,rounds``

- Backtest: the bundled S&P 500 prices (20 stocks x 10 years of daily closes, 2,521 rows), one weight set,
  quarterly rebalancing at the last trading day of each quarter, $1,000,000, no costs. Peers: vectorbt's
  ``Portfolio.from_orders`` with target percentages on the same rows, and bt with
  ``RunQuarterly(run_on_end_of_period=True, run_on_last_date=True)``. The values agree to 1e-9 (checked here).
- Monte Carlo: 100,000 paths x 30 years of monthly steps x 5 asset classes (the Assumptions sheet's
  defaults, normal returns, annual rebalancing, a 4% inflation-adjusted withdrawal): success probability,
  percentile paths of real and nominal value, income by year and the safe/perpetual withdrawal rates. Peer:
  the straightforward vectorised NumPy version (a month at a time over all paths with
  ``Generator.standard_normal``, year-end values kept, ``np.percentile``).
- Memory: peak memory of the NumPy arrays a plan allocates (``tracemalloc``) at 40,000 and 160,000 paths
  (summaries only), ours and NumPy's, in ``extra_info``.
- Plain-Python mode (``XLFOLIO_DISABLE_NUMBA=1``): an advisor-sized backtest (20 assets x 10 years of month
  ends, 3 weight sets) and a plan with the default 2,000 paths, in a fresh process.
"""

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

from benchmarks.conftest import ROOT
from kernels import ASSET_CLASS_ASSUMPTIONS, backtest, simulate_plan
from kernels.montecarlo.models import monthly_from_yearly

PRICES = ROOT / "workbook" / "data" / "sp500_prices.csv"
W5 = np.array([0.4, 0.2, 0.3, 0.05, 0.05])
N_PATHS, YEARS = 100_000, 30


@pytest.fixture(scope="module")
def sp500():
    return pd.read_csv(PRICES, index_col=0, parse_dates=True)


def _ours(prices, w):
    return backtest(prices, w, rebalance="quarterly", start_value=1e6).values[0]


def _vectorbt(prices, w):
    import vectorbt as vbt

    q = prices.index.to_period("Q")
    rows = np.r_[q[:-1] != q[1:], True]
    rows[0] = True
    size = pd.DataFrame(np.nan, index=prices.index, columns=prices.columns)
    size.iloc[rows] = w
    pf = vbt.Portfolio.from_orders(prices, size, size_type="targetpercent", group_by=True, cash_sharing=True,
                                   call_seq="auto", init_cash=1e6, freq="D")
    return pf.value().to_numpy()


def _bt(prices, w):
    import bt

    algos = [bt.algos.RunQuarterly(run_on_end_of_period=True, run_on_last_date=True), bt.algos.SelectAll(),
             bt.algos.WeighSpecified(**dict(zip(prices.columns, w))), bt.algos.Rebalance()]
    test = bt.Backtest(bt.Strategy("s", algos), prices, initial_capital=1e6, integer_positions=False,
                       progress_bar=False)
    return bt.run(test).backtests["s"].strategy.values.iloc[1:].to_numpy()


BACKTESTS = {"xlfolio": _ours, "vectorbt": _vectorbt, "bt": _bt}


@pytest.mark.benchmark(group="backtest: 20 assets x 10 years daily, quarterly rebalancing")
@pytest.mark.parametrize("impl", list(BACKTESTS))
def test_backtest(benchmark, sp500, impl):
    w = np.random.default_rng(0).dirichlet(np.ones(sp500.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = BACKTESTS[impl](sp500, w)  # warm-up: JIT from cache / vectorbt's numba
        np.testing.assert_allclose(values, _ours(sp500, w), rtol=1e-9)  # results equal
        benchmark.pedantic(BACKTESTS[impl], args=(sp500, w), rounds=5 if impl == "bt" else 30, iterations=1,
                           warmup_rounds=1)


def numpy_plan(n_paths, years=YEARS, seed=0, start_value=1e6, withdrawal=40_000.0, inflation=0.025):
    """The straightforward vectorised NumPy plan: a month at a time over every path."""
    a = ASSET_CLASS_ASSUMPTIONS
    cov = np.array(a.correlations) * np.outer(a.volatilities, a.volatilities)
    mean, mcov = monthly_from_yearly(np.array(a.expected_returns), cov, lognormal=False)
    root = np.linalg.cholesky(mcov)
    rng = np.random.default_rng(seed)
    months = 12 * years
    level = (1 + inflation) ** ((np.arange(months) + 1) / 12)
    units = np.tile(W5, (n_paths, 1))
    value = np.full(n_paths, start_value)
    failed = np.zeros(n_paths, bool)
    real = np.empty((n_paths, years + 1))
    nominal = np.empty((n_paths, years + 1))
    real[:, 0] = nominal[:, 0] = start_value
    for t in range(months):
        g = 1.0 + mean + rng.standard_normal((n_paths, 5)) @ root.T
        before = units.sum(axis=1)
        units *= g
        value *= units.sum(axis=1) / before
        want = withdrawal / 12 * level[t]
        short = want > value
        failed |= short
        value = np.where(short, 0.0, value - want)
        if t % 12 == 11:
            units[:] = W5
            nominal[:, t // 12 + 1] = value
            real[:, t // 12 + 1] = value / level[t]
    q = [10, 25, 50, 75, 90]
    return 1 - failed.mean(), np.percentile(real, q, axis=0), np.percentile(nominal, q, axis=0)


PLANS = {
    "xlfolio": lambda: simulate_plan(W5, years=YEARS, n_paths=N_PATHS, seed=1),
    "numpy_vectorised": lambda: numpy_plan(N_PATHS, seed=1),
}


@pytest.mark.benchmark(group="monte carlo: 100,000 paths x 30 years monthly x 5 assets")
@pytest.mark.parametrize("impl", list(PLANS))
def test_monte_carlo(benchmark, impl):
    if impl == "xlfolio":
        ours = simulate_plan(W5, years=YEARS, n_paths=N_PATHS, seed=1)  # also the warm-up (JIT from cache)
        success, real, _ = numpy_plan(20_000, seed=2)  # same model, other draws: equal within sampling error
        assert abs(ours.success_probability - success) < 5 * np.sqrt(success * (1 - success) / 20_000)
        np.testing.assert_allclose(ours.real_value[2, -1], real[2, -1], rtol=0.05)
    benchmark.pedantic(PLANS[impl], rounds=5 if impl == "xlfolio" else 3, iterations=1, warmup_rounds=0)


MEMORY_SIZES = (40_000, 160_000)


@pytest.mark.benchmark(group="monte carlo memory: NumPy arrays allocated (tracemalloc), summaries only")
@pytest.mark.parametrize("impl", list(PLANS))
def test_monte_carlo_memory(benchmark, impl):
    """Peak memory of the arrays a plan allocates, at two path counts (the kernel's own work arrays are tiny)."""
    fn = {"xlfolio": lambda n: simulate_plan(W5, n_paths=n), "numpy_vectorised": lambda n: numpy_plan(n)}[impl]
    fn(100)
    peaks = []
    for n in MEMORY_SIZES:
        tracemalloc.start()
        fn(n)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    benchmark.extra_info.update({f"peak_mb_{n}_paths": round(p, 1) for n, p in zip(MEMORY_SIZES, peaks)})
    print(f"\n{impl}: peak {peaks[0]:.1f} MB at {MEMORY_SIZES[0]:,} paths, {peaks[1]:.1f} MB at {MEMORY_SIZES[1]:,}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


PURE = textwrap.dedent(
    """
    import time, json
    import numpy as np, pandas as pd
    from kernels import backtest, simulate_plan
    prices = pd.read_csv({prices!r}, index_col=0, parse_dates=True)
    monthly = prices.groupby(prices.index.to_period("M")).tail(1)
    sets = np.random.default_rng(0).dirichlet(np.ones(20), size=3)
    w5 = [0.4, 0.2, 0.3, 0.05, 0.05]
    out = {{}}
    for name, fn in (("backtest_20x120_monthly_3_sets", lambda: backtest(monthly, sets, rebalance="quarterly")),
                     ("plan_2000_paths_30y_5_assets", lambda: simulate_plan(w5)),
                     ("plan_1000_paths_30y_5_assets", lambda: simulate_plan(w5, n_paths=1000))):
        fn()
        times = []
        for _ in range(7):
            t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
        out[name] = float(np.median(times))
    print(json.dumps(out))
    """
)


@pytest.mark.benchmark(group="plain-Python mode (XLFOLIO_DISABLE_NUMBA=1): advisor-sized calls, fresh process")
def test_plain_python_mode(benchmark):
    env = dict(os.environ, XLFOLIO_DISABLE_NUMBA="1", PYTHONPATH=str(ROOT))

    def run():
        out = subprocess.run([sys.executable, "-c", PURE.format(prices=str(PRICES))], capture_output=True, text=True,
                             check=True, env=env)
        return json.loads(out.stdout)

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update({k: round(v, 4) for k, v in result.items()})
    print("\nplain-Python medians (s):", json.dumps({k: round(v, 4) for k, v in result.items()}))
