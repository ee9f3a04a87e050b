"""Efficient frontier (50 points, long-only) and max Sharpe, side by side with the peers.

Also min variance (PyPortfolioOpt ``min_volatility``, Riskfolio-Lib ``obj="MinRisk"``, skfolio
``MeanRisk()``).

Run: ``pytest benchmarks/bench_frontier.py --benchmark-only --benchmark-columns=median,iqr,rounds``

Data: seeded factor-model daily returns (benchmarks/conftest.py), 1,260 days, at 20, 100 and 500
assets, and the bundled sample data (20 S&P 500 stocks); every implementation gets the same
``mu = mean * 252`` and ``cov = sample covariance * 252`` (skfolio fits on the daily returns: the
same efficient set, scaled).

Peers: PyPortfolioOpt's ``EfficientFrontier`` (one ``efficient_return`` per point, how its docs
draw a frontier) and its ``CLA``; Riskfolio-Lib ``Portfolio.efficient_frontier``; skfolio
``MeanRisk(efficient_frontier_size=50)``. Peers are slow at 500 assets: they get one round there.

Quality: ``benchmark.extra_info["vol_excess"]`` is the largest relative amount by which the
implementation's volatility exceeds xlfolio's exact minimum at the same expected return (positive:
the peer is worse), ``vol_excess_min`` the smallest (negative: the peer beat xlfolio somewhere); for max Sharpe ``sharpe_gap`` is xlfolio's Sharpe ratio minus the peer's;
``failed`` counts the points (or calls) a peer could not solve (PyPortfolioOpt's Clarabel stops at
its iteration limit on some targets at 100 and 500 assets: those points are skipped, not timed out).

BLAS runs on one thread for every implementation (a shared 2-core machine: threads only contend).

Memory traffic (``test_frontier_memory_traffic``, issue 21): the full frontier of issue 21's 500-asset problem
(``tests.naive.scale_problem``: every asset enters, ~500 turning points) beside the time the bytes its updates
must touch would take at the machine's copy bandwidth, measured with NumPy copies: of a 1 GiB array (main
memory) and of a 4 MiB one repeated (the caches, where the 2 MB KKT inverse and the 2 MB covariance live).
Per turning point with ``f`` free assets (KKT size ``s = f + 1``): the bordering of the KKT inverse reads and
writes ``s^2`` doubles in one pass (``M v`` with the previous change's rank-one update applied on the way; a
downdate flushes it and then reads and writes ``s^2``, the same count); the event scan reads ``f (n - f)`` doubles
of ``C`` (the free rows over the bounded assets' columns of a column-permuted copy) and swaps two columns of it
(``2 n``); the refinement every 16 changes adds ``(6 s^2 + 2 f^2) / 16`` (the flush and two refined solves).

Plain-Python mode (``test_plain_python_mode``): what an advisor waits for without Numba (Pyodide,
xlwings Lite) at 20 assets, each call beside the same call compiled; the plain-Python calls run in a
worker process started with ``XLFOLIO_DISABLE_NUMBA=1`` (``benchmarks.conftest.benchmark_mode``).
"""

from __future__ import annotations

import itertools
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypfopt.exceptions import OptimizationError

from benchmarks.conftest import benchmark_mode, factor_returns, run_in_fresh_process
from kernels import efficient_frontier, efficient_portfolio, max_sharpe, min_variance

N_POINTS = 50
DATASETS = ["factor20", "factor100", "factor500", "sp500_20"]
FRONTIER_IMPLS = ["xlfolio", "pypfopt_loop", "pypfopt_cla", "riskfolio", "skfolio"]
SHARPE_IMPLS = ["xlfolio", "pypfopt", "pypfopt_cla", "riskfolio", "skfolio"]
MINVAR_IMPLS = ["xlfolio", "pypfopt", "pypfopt_cla", "riskfolio", "skfolio"]
#: Rounds for the peers by number of assets (they take seconds to minutes per call).
PEER_ROUNDS = {20: 5, 100: 3, 500: 1}

_CACHE: dict = {}
#: Calls (or frontier points) a peer failed to solve, reported in ``extra_info["failed"]``.
_FAILED: dict = {}


def _data(name: str):
    if name not in _CACHE:
        if name == "sp500_20":
            from workbook.sample_data import load_sample_prices

            P = load_sample_prices().to_numpy()
            X = P[1:] / P[:-1] - 1.0
        else:
            n = int(name.removeprefix("factor"))
            X = factor_returns(1260, n, seed=n)
        cols = [f"A{i}" for i in range(X.shape[1])]
        df = pd.DataFrame(X, columns=cols)
        _CACHE[name] = (X, df, df.mean() * 252, df.cov() * 252)
    return _CACHE[name]


# ----------------------------------------------------------------------------- implementations


def _frontier_xlfolio(X, df, mu, S):
    f = efficient_frontier(mu.to_numpy(), S.to_numpy(), N_POINTS)
    return f.weights


def _frontier_pypfopt_loop(X, df, mu, S):
    from pypfopt import EfficientFrontier

    ef = EfficientFrontier(mu, S)
    ef.min_volatility()
    r_min = ef.portfolio_performance()[0]
    targets = np.linspace(r_min, mu.max(), N_POINTS)
    targets[-1] -= 1e-5 * (targets[-1] - targets[0])  # PyPortfolioOpt rejects the maximum itself
    out = []
    for t in targets:
        ef = EfficientFrontier(mu, S)
        try:
            out.append(pd.Series(ef.efficient_return(t)).to_numpy())
        except OptimizationError:  # Clarabel stops at its iteration limit on some targets
            _FAILED["pypfopt_loop"] = _FAILED.get("pypfopt_loop", 0) + 1
    return np.array(out)


def _frontier_pypfopt_cla(X, df, mu, S):
    from pypfopt import CLA

    # note: CLA spreads `points` over its segments; with more turning points than 50 it returns none
    _, _, weights = CLA(mu, S).efficient_frontier(points=N_POINTS)
    return np.array([np.ravel(w) for w in weights])


def _frontier_riskfolio(X, df, mu, S):
    import riskfolio as rp

    port = rp.Portfolio(returns=df)
    port.mu = mu.to_frame().T
    port.cov = S
    return port.efficient_frontier(model="Classic", rm="MV", points=N_POINTS, rf=0, hist=True).to_numpy().T


def _frontier_skfolio(X, df, mu, S):
    from skfolio.optimization import MeanRisk

    return np.asarray(MeanRisk(efficient_frontier_size=N_POINTS).fit(X).weights_)


def _sharpe_xlfolio(X, df, mu, S):
    return max_sharpe(mu.to_numpy(), S.to_numpy()).weights


def _sharpe_pypfopt(X, df, mu, S):
    from pypfopt import EfficientFrontier

    try:
        return pd.Series(EfficientFrontier(mu, S).max_sharpe(risk_free_rate=0.0)).to_numpy()
    except OptimizationError:
        _FAILED["pypfopt"] = _FAILED.get("pypfopt", 0) + 1
        return np.full(len(mu), np.nan)


def _sharpe_pypfopt_cla(X, df, mu, S):
    from pypfopt import CLA

    return pd.Series(CLA(mu, S).max_sharpe()).to_numpy()


def _sharpe_riskfolio(X, df, mu, S):
    import riskfolio as rp

    port = rp.Portfolio(returns=df)
    port.mu = mu.to_frame().T
    port.cov = S
    return port.optimization(model="Classic", rm="MV", obj="Sharpe", rf=0, hist=True).to_numpy().ravel()


def _sharpe_skfolio(X, df, mu, S):
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    return np.asarray(MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_RATIO).fit(X).weights_)


def _minvar_xlfolio(X, df, mu, S):
    return min_variance(S.to_numpy()).weights


def _minvar_pypfopt(X, df, mu, S):
    from pypfopt import EfficientFrontier

    return pd.Series(EfficientFrontier(mu, S).min_volatility()).to_numpy()


def _minvar_pypfopt_cla(X, df, mu, S):
    from pypfopt import CLA

    return pd.Series(CLA(mu, S).min_volatility()).to_numpy()


def _minvar_riskfolio(X, df, mu, S):
    import riskfolio as rp

    port = rp.Portfolio(returns=df)
    port.mu = mu.to_frame().T
    port.cov = S
    return port.optimization(model="Classic", rm="MV", obj="MinRisk", rf=0, hist=True).to_numpy().ravel()


def _minvar_skfolio(X, df, mu, S):
    from skfolio.optimization import MeanRisk

    return np.asarray(MeanRisk().fit(X).weights_)


FRONTIER = {name: globals()[f"_frontier_{name}"] for name in FRONTIER_IMPLS}
SHARPE = {name: globals()[f"_sharpe_{name}"] for name in SHARPE_IMPLS}
MINVAR = {name: globals()[f"_minvar_{name}"] for name in MINVAR_IMPLS}


# ----------------------------------------------------------------------------- quality


def _vol_excess(weights, mu, S):
    """Smallest and largest relative excess of the portfolios' volatility over xlfolio's minimum at their return."""
    mu, S = mu.to_numpy(), S.to_numpy()
    hi = float(mu.max())
    excess = []
    for w in np.atleast_2d(weights):
        ret = float(w @ mu)
        vol = float(np.sqrt(max(w @ S @ w, 0.0)))
        best = efficient_portfolio(mu, S, target_return=min(ret, hi)).volatility
        excess.append((vol - best) / best)
    return min(excess), max(excess)


def _run(benchmark, fn, args, n_assets, ours, warm_peer=False):
    """Time ``fn``; a peer gets ``PEER_ROUNDS`` rounds, or with ``warm_peer`` one untimed warm-up call
    and as many rounds as fit in about 2 s (at most 15): single calls of 0.1 s are too noisy for a ratio
    (PyPortfolioOpt's CLA is not warmed: minutes per call at 500 assets)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers' deprecation and solver-accuracy chatter
        if ours:
            fn(*args)  # warm-up: JIT compilation (or the on-disk cache) stays out of the timing
            return benchmark(fn, *args)
        rounds = PEER_ROUNDS[n_assets]
        if warm_peer:
            start = time.perf_counter()
            fn(*args)
            rounds = max(rounds, min(15, int(2.0 / (time.perf_counter() - start))))
        return benchmark.pedantic(fn, args=args, rounds=rounds, iterations=1)


@pytest.mark.benchmark(group="frontier")
@pytest.mark.parametrize("impl", FRONTIER_IMPLS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_frontier(benchmark, dataset, impl):
    X, df, mu, S = _data(dataset)
    benchmark.group = f"frontier-50 {dataset}"
    _FAILED.pop(impl, None)
    weights = _run(benchmark, FRONTIER[impl], (X, df, mu, S), X.shape[1], impl == "xlfolio")
    benchmark.extra_info["n_portfolios"] = int(np.atleast_2d(weights).shape[0])
    benchmark.extra_info["failed"] = _FAILED.pop(impl, 0)
    if weights.size:
        lo, hi = _vol_excess(weights, mu, S)
        benchmark.extra_info.update(vol_excess=hi, vol_excess_min=lo)


@pytest.mark.benchmark(group="max_sharpe")
@pytest.mark.parametrize("impl", SHARPE_IMPLS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_max_sharpe(benchmark, dataset, impl):
    X, df, mu, S = _data(dataset)
    benchmark.group = f"max_sharpe {dataset}"
    _FAILED.pop(impl, None)
    w = _run(benchmark, SHARPE[impl], (X, df, mu, S), X.shape[1], impl == "xlfolio", warm_peer=impl != "pypfopt_cla")
    benchmark.extra_info["failed"] = _FAILED.pop(impl, 0)
    ours = max_sharpe(mu.to_numpy(), S.to_numpy()).sharpe_ratio
    theirs = float(w @ mu.to_numpy()) / float(np.sqrt(w @ S.to_numpy() @ w))
    benchmark.extra_info["sharpe_gap"] = ours - theirs


@pytest.mark.benchmark(group="min_variance")
@pytest.mark.parametrize("impl", MINVAR_IMPLS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_min_variance(benchmark, dataset, impl):
    X, df, mu, S = _data(dataset)
    benchmark.group = f"min_variance {dataset}"
    w = _run(benchmark, MINVAR[impl], (X, df, mu, S), X.shape[1], impl == "xlfolio", warm_peer=impl != "pypfopt_cla")
    C = S.to_numpy()
    ours = min_variance(C).volatility
    benchmark.extra_info["vol_excess"] = (float(np.sqrt(w @ C @ w)) - ours) / ours


# ----------------------------------------------------------------------------- memory traffic (issue 21)


def _copy_bandwidth(n_bytes: int, repeats: int) -> float:
    """Bytes per second of ``np.copyto`` (read + write counted) on arrays of ``n_bytes``, best of ``repeats``.

    Timed in CPU time (the same as wall time on a quiet machine; on a shared one it leaves out the time the
    process waits for a core, which would make the bandwidth look lower than the hardware's)."""
    src = np.ones(n_bytes // 8)
    dst = np.empty_like(src)
    best = np.inf
    inner = max(1, (1 << 28) // n_bytes)
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(inner):
            np.copyto(dst, src)
        best = min(best, (time.process_time() - start) / inner)
    return 2 * n_bytes / best


def _bytes_per_path(weights: np.ndarray) -> float:
    """Bytes the critical line's updates touch along the path (the model in the module docstring)."""
    n = weights.shape[1]
    total = 0.0
    for a, b in itertools.pairwise(weights):
        mid = 0.5 * (a + b)
        f = int(np.count_nonzero((mid > 1e-12) & (mid < 1.0 - 1e-12)))
        s = f + 1
        total += 2 * s * s + f * (n - f) + 2 * n + (6 * s * s + 2 * f * f) / 16
    return 8.0 * total


def test_frontier_memory_traffic(benchmark):
    """The full frontier at 500 assets (every asset enters) against the copy bandwidth of main memory and caches."""
    from tests.naive import scale_problem

    benchmark.group = "frontier memory traffic 500"
    mu, C = scale_problem(500)
    f = efficient_frontier(mu, C, N_POINTS)
    benchmark(efficient_frontier, mu, C, N_POINTS)
    W = f.turning_points.weights
    n_bytes = _bytes_per_path(W)
    start = time.process_time()
    efficient_frontier(mu, C, N_POINTS)
    cpu_s = time.process_time() - start
    dram, cache = _copy_bandwidth(1 << 30, 3), _copy_bandwidth(4 << 20, 5)
    benchmark.extra_info.update(
        n_turning_points=int(W.shape[0]), bytes_touched=n_bytes, cpu_s=cpu_s, dram_bytes_per_s=dram, cache_bytes_per_s=cache,
        dram_limit_s=n_bytes / dram, cache_limit_s=n_bytes / cache)


# ----------------------------------------------------------------------------- plain-Python mode

PLAIN_SETUP = """
import numpy as np
import kernels
from benchmarks.conftest import factor_returns
X = factor_returns(1260, 20, seed=20)
mu, cov = X.mean(axis=0) * 252, np.cov(X, rowvar=False) * 252
groups = ["bond", "stock", "reit", "cash"] * 5
"""
#: call -> (the statement the plain-Python worker runs, the same call compiled here)
PLAIN_CALLS = {
    "min_variance": ("kernels.min_variance(cov)", lambda mu, cov, groups: min_variance(cov)),
    "min_variance, caps and groups": (
        "kernels.min_variance(cov, upper=0.15, groups=groups, group_upper={'reit': 0.2})",
        lambda mu, cov, groups: min_variance(cov, upper=0.15, groups=groups, group_upper={"reit": 0.2})),
    "max_sharpe": ("kernels.max_sharpe(mu, cov, 0.02)", lambda mu, cov, groups: max_sharpe(mu, cov, 0.02)),
    "max_sharpe, caps and groups": (
        "kernels.max_sharpe(mu, cov, 0.02, upper=0.15, groups=groups, group_upper={'reit': 0.2})",
        lambda mu, cov, groups: max_sharpe(mu, cov, 0.02, upper=0.15, groups=groups, group_upper={"reit": 0.2})),
    "efficient_portfolio, target_risk": (
        "kernels.efficient_portfolio(mu, cov, target_risk=0.15)",
        lambda mu, cov, groups: efficient_portfolio(mu, cov, target_risk=0.15)),
    "efficient_frontier, 20 points": (
        "kernels.efficient_frontier(mu, cov, 20)", lambda mu, cov, groups: efficient_frontier(mu, cov, 20)),
    "efficient_frontier, 20 points, caps and groups": (
        "kernels.efficient_frontier(mu, cov, 20, upper=0.15, groups=groups, group_upper={'reit': 0.2})",
        lambda mu, cov, groups: efficient_frontier(mu, cov, 20, upper=0.15, groups=groups, group_upper={"reit": 0.2})),
}


@pytest.mark.parametrize("call", list(PLAIN_CALLS))
@pytest.mark.parametrize("mode", ["compiled", "plain_python"])
def test_plain_python_mode(benchmark, mode, call):
    """What an advisor waits for without Numba (Pyodide, xlwings Lite) at 20 assets, beside compiled."""
    benchmark.group = f"plain-Python mode n=20: {call}"
    statement, run = PLAIN_CALLS[call]
    X = factor_returns(1260, 20, seed=20)
    args = (X.mean(axis=0) * 252, np.cov(X, rowvar=False) * 252, ["bond", "stock", "reit", "cash"] * 5)
    benchmark_mode(benchmark, mode, PLAIN_SETUP, statement, run, *args)


FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np
from kernels import efficient_frontier, max_sharpe
t1 = time.perf_counter()
rng = np.random.default_rng(0)
X = rng.normal(size=(500, 20)) * 0.01
efficient_frontier(X.mean(0) * 252, np.cov(X, rowvar=False) * 252, 50)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def _fresh_process(cache_dir):
    return run_in_fresh_process(FIRST_CALL, cache_dir)


def test_cold_start_frontier(benchmark):
    """Fresh process, warm on-disk cache: import + the first 50-point frontier (what an Excel user waits)."""
    benchmark.group = "cold start: fresh process, warm cache, import + first frontier"
    cache_dir = Path(tempfile.mkdtemp(prefix="xlfolio-numba-frontier-"))
    _fresh_process(cache_dir)  # fills the cache (compilation)
    result = benchmark.pedantic(lambda: _fresh_process(cache_dir), rounds=3, iterations=1)
    import_s, first_call_s = map(float, result.split())
    benchmark.extra_info.update(import_s=import_s, first_call_s=first_call_s)
