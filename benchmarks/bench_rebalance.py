"""Rebalancing: one account (n = 10, 30, 100) and a book of 100,000 accounts x 30 holdings.

Run: ``pytest benchmarks/bench_rebalance.py --benchmark-only --benchmark-columns=median,iqr,rounds``

Peers: the NumPy one-liner a user would write for a full rebalance (``targets * total - values``,
no bands, flows, locks or lots), PyPortfolioOpt's ``DiscreteAllocation`` for whole shares (greedy and
its integer program; it allocates cash to weights rather than rebalancing holdings, the closest
peer there is) and ``scipy.optimize.milp`` for the exact whole-share rounding.
Peak memory of the batch (``tracemalloc``: the NumPy arrays allocated during one call) goes to
``extra_info`` (``--benchmark-json``).
"""

import tempfile
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.conftest import benchmark_mode, run_in_fresh_process
from scipy.optimize import Bounds, LinearConstraint, milp

from kernels import rebalance_batch, rebalance_trades, round_to_lots

SIZES = [10, 30, 100]
N_ACCOUNTS, N_HOLDINGS = 100_000, 30


def _account(n, seed=0):
    rng = np.random.default_rng(seed)
    prices = rng.choice([3.0, 17.5, 48.0, 99.0, 310.0], n) + rng.uniform(0, 1, n).round(2)
    values = rng.integers(0, 400, n) * prices
    return values, rng.dirichlet(np.ones(n)), prices, float(rng.uniform(0, 5_000))


def _numpy_full(values, targets, cash):
    return targets * (values.sum() + cash) - values


def _pypfopt_greedy(values, targets, prices, cash):
    from pypfopt.discrete_allocation import DiscreteAllocation

    names = [f"A{i}" for i in range(values.size)]
    da = DiscreteAllocation(dict(zip(names, targets)), pd.Series(prices, index=names),
                            total_portfolio_value=values.sum() + cash)
    return da.greedy_portfolio()


def _pypfopt_lp(values, targets, prices, cash):
    from pypfopt.discrete_allocation import DiscreteAllocation

    names = [f"A{i}" for i in range(values.size)]
    da = DiscreteAllocation(dict(zip(names, targets)), pd.Series(prices, index=names),
                            total_portfolio_value=values.sum() + cash)
    return da.lp_portfolio(solver="HIGHS")


def _milp_whole(values, targets, prices, cash):
    """Exact whole-share rebalance: minimise sum |post - target value| with cash >= 0."""
    n = values.size
    ideal = targets * (values.sum() + cash)
    A = np.vstack([np.c_[-np.diag(prices), np.eye(n)], np.c_[np.diag(prices), np.eye(n)],
                   np.r_[prices, np.zeros(n)][None]])
    lb = np.r_[values - ideal, ideal - values, -np.inf]
    ub = np.r_[np.full(2 * n, np.inf), cash]
    k_lo = -np.floor(values / prices + 1e-9)
    k_hi = np.ceil((ideal + cash) / prices) + 1
    return milp(np.r_[np.zeros(n), np.ones(n)], constraints=LinearConstraint(A, lb, ub),
                integrality=np.r_[np.ones(n), np.zeros(n)],
                bounds=Bounds(np.r_[k_lo, np.zeros(n)], np.r_[k_hi, np.full(n, np.inf)]))


SINGLE_CONTINUOUS = {
    "xlfolio": lambda v, t, p, c: rebalance_trades(v, t, cash=c),
    "xlfolio_band_flow": lambda v, t, p, c: rebalance_trades(v, t, cash=c, cash_flow=-c / 2, band=0.01,
                                                             mode="to_band"),
    "numpy_one_liner": lambda v, t, p, c: _numpy_full(v, t, c),
}
SINGLE_WHOLE = {
    "xlfolio": lambda v, t, p, c: rebalance_trades(v, t, cash=c, prices=p),
    "pypfopt_greedy": _pypfopt_greedy,
    "pypfopt_lp_highs": _pypfopt_lp,
    "scipy_milp": _milp_whole,
}


@pytest.mark.benchmark(group="rebalance-one-account-continuous")
@pytest.mark.parametrize("impl", list(SINGLE_CONTINUOUS))
@pytest.mark.parametrize("n_assets", SIZES)
def test_single_continuous(benchmark, n_assets, impl):
    args = _account(n_assets)
    fn = SINGLE_CONTINUOUS[impl]
    fn(*args)  # warm-up (JIT from cache)
    benchmark(fn, *args)


@pytest.mark.benchmark(group="rebalance-one-account-whole-shares")
@pytest.mark.parametrize("impl", list(SINGLE_WHOLE))
@pytest.mark.parametrize("n_assets", SIZES)
def test_single_whole(benchmark, n_assets, impl):
    args = _account(n_assets)
    fn = SINGLE_WHOLE[impl]
    fn(*args)
    benchmark(fn, *args)


@pytest.fixture(scope="module")
def book():
    rng = np.random.default_rng(7)
    prices = rng.choice([3.0, 17.5, 48.0, 99.0, 310.0], (N_ACCOUNTS, N_HOLDINGS)) + rng.uniform(0, 1, (N_ACCOUNTS, N_HOLDINGS)).round(2)
    values = rng.integers(0, 400, (N_ACCOUNTS, N_HOLDINGS)) * prices
    targets = rng.gamma(1.0, 1.0, (N_ACCOUNTS, N_HOLDINGS))
    targets /= targets.sum(axis=1, keepdims=True)
    cash = rng.uniform(0, 5_000, N_ACCOUNTS)
    return values, targets, prices, cash


def _numpy_batch(values, targets, prices, cash):
    return targets * (values.sum(axis=1) + cash)[:, None] - values


BATCH = {
    "xlfolio_continuous": lambda v, t, p, c: rebalance_batch(v, t, cash=c),
    "xlfolio_band_flow_min_trade": lambda v, t, p, c: rebalance_batch(v, t, cash=c, cash_flow=1_000.0, band=0.01,
                                                                      mode="to_band", min_trade=50.0),
    "xlfolio_whole_shares": lambda v, t, p, c: rebalance_batch(v, t, cash=c, prices=p),
    "numpy_one_liner": _numpy_batch,
}


@pytest.mark.benchmark(group="rebalance-book-100000x30")
@pytest.mark.parametrize("impl", list(BATCH))
def test_batch(benchmark, book, impl):
    fn = BATCH[impl]
    small = tuple(x[:100] for x in book)
    fn(*small)  # warm-up: JIT from cache, thread pool started
    tracemalloc.start()
    fn(*book)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    benchmark.extra_info["peak_memory_mb"] = round(peak / 2**20, 1)
    benchmark.extra_info["input_mb"] = round(sum(x.nbytes for x in book) / 2**20, 1)
    benchmark.pedantic(fn, args=book, rounds=7, iterations=1, warmup_rounds=1)


FIRST_CALL = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import numpy as np
    import kernels
    t1 = time.perf_counter()
    kernels.rebalance_trades([66_000.0, 41_200.0], [0.6, 0.4], prices=[100.0, 40.0], band=0.01)
    t2 = time.perf_counter()
    kernels.rebalance_batch(np.full((4, 2), 50.0), [0.6, 0.4], prices=[100.0, 40.0])
    t3 = time.perf_counter()
    print(f"{t1 - t0:.4f} {t2 - t1:.4f} {t3 - t2:.4f}")
    """
)


def _fresh_process(cache_dir):
    return run_in_fresh_process(FIRST_CALL, cache_dir)


@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_first_call(benchmark, cache):
    """A fresh process imports the kernels and rebalances one account, then a batch (what a user waits for)."""
    benchmark.group = "rebalance first call: fresh process, import + first single + first batch"
    cache_dir = Path(tempfile.mkdtemp(prefix="xlfolio-numba-"))
    if cache == "warm":
        _fresh_process(cache_dir)

        def run():
            return _fresh_process(cache_dir)
    else:
        def run():
            return _fresh_process(Path(tempfile.mkdtemp(prefix="xlfolio-numba-cold-")))
    result = benchmark.pedantic(run, rounds=5 if cache == "warm" else 1, iterations=1)
    import_s, single_s, batch_s = map(float, result.split())
    benchmark.extra_info.update(import_s=import_s, first_single_s=single_s, first_batch_s=batch_s)


# ----------------------------------------------------------------------------- the plain-Python mode

PLAIN_SETUP = """
import numpy as np
from kernels import rebalance_batch, rebalance_trades, round_to_lots
from benchmarks.bench_rebalance import _account
values, targets, prices, cash = _account(20)
book = np.tile(values, (100, 1)) * np.random.default_rng(1).uniform(0.8, 1.2, (100, 20))
"""
#: name -> (the statement the plain-Python worker runs, the same call in this process)
PLAIN_CALLS = {
    "rebalance_trades": ("rebalance_trades(values, targets, cash=cash, band=0.02)",
                         lambda v, t, p, c, b: rebalance_trades(v, t, cash=c, band=0.02)),
    "rebalance_trades_whole_shares": ("rebalance_trades(values, targets, cash=cash, prices=prices, min_trade=50.0)",
                                      lambda v, t, p, c, b: rebalance_trades(v, t, cash=c, prices=p, min_trade=50.0)),
    "round_to_lots": ("round_to_lots(values, targets * (values.sum() + cash), prices, cash=cash)",
                      lambda v, t, p, c, b: round_to_lots(v, t * (v.sum() + c), p, cash=c)),
    "rebalance_batch_100_accounts": ("rebalance_batch(book, targets, prices=prices)",
                                     lambda v, t, p, c, b: rebalance_batch(b, t, prices=p)),
}


@pytest.mark.parametrize("call", list(PLAIN_CALLS))
@pytest.mark.parametrize("mode", ["compiled", "plain_python"])
def test_plain_python_mode(benchmark, mode, call):
    """What an advisor waits for without Numba (Pyodide, xlwings Lite) at 20 holdings, beside compiled."""
    benchmark.group = f"plain-Python mode n=20: {call}"
    statement, run = PLAIN_CALLS[call]
    values, targets, prices, cash = _account(20)
    book = np.tile(values, (100, 1)) * np.random.default_rng(1).uniform(0.8, 1.2, (100, 20))
    args = (values, targets, prices, cash, book)
    benchmark_mode(benchmark, mode, PLAIN_SETUP, statement, run, *args)
