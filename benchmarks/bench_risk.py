"""Covariance estimators, batch volatility and cold start, side by side with the peers.

Run: ``pytest benchmarks/bench_risk.py --benchmark-only --benchmark-columns=median,iqr,rounds``
"""

import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.conftest import benchmark_mode, factor_returns, run_in_fresh_process
from kernels import (
    batch_volatility,
    covariance,
    nearest_correlation,
    portfolio_volatility,
    risk_contributions,
)

N_OBS = 2520
SIZES = [20, 100, 500]


def _data(n_assets):
    return factor_returns(N_OBS, n_assets, seed=n_assets)


def _pypfopt_lw(x):
    from pypfopt.risk_models import CovarianceShrinkage

    return CovarianceShrinkage(pd.DataFrame(x), returns_data=True).ledoit_wolf()


def _skfolio(cls):
    def fit(x):
        import skfolio.moments as moments

        return getattr(moments, cls)().fit(x).covariance_

    return fit


def _sklearn(cls):
    def fit(x):
        import sklearn.covariance as skc

        return getattr(skc, cls)().fit(x).covariance_

    return fit


IMPLEMENTATIONS = {
    "sample": {
        "xlfolio": lambda x: covariance(x, "sample").matrix,
        "numpy.cov": lambda x: np.cov(x, rowvar=False) * 252,
        "pandas.cov": lambda x: pd.DataFrame(x).cov() * 252,
    },
    "ledoit_wolf": {
        "xlfolio": lambda x: covariance(x, "ledoit_wolf").matrix,
        "sklearn": _sklearn("LedoitWolf"),
        "pypfopt": _pypfopt_lw,
        "skfolio": _skfolio("LedoitWolf"),
    },
    "oas": {
        "xlfolio": lambda x: covariance(x, "oas").matrix,
        "sklearn": _sklearn("OAS"),
        "skfolio": _skfolio("OAS"),
    },
    "ewma": {
        "xlfolio": lambda x: covariance(x, "ewma").matrix,
        "skfolio": _skfolio("EWCovariance"),
    },
}

CASES = [(m, impl) for m, impls in IMPLEMENTATIONS.items() for impl in impls]


@pytest.mark.parametrize("n_assets", SIZES)
@pytest.mark.parametrize("method, impl", CASES)
def test_covariance(benchmark, method, impl, n_assets):
    pytest.importorskip({"pypfopt": "pypfopt", "skfolio": "skfolio", "sklearn": "sklearn"}.get(impl, "numpy"))
    benchmark.group = f"covariance {method} T={N_OBS} n={n_assets}"
    x = _data(n_assets)
    fn = IMPLEMENTATIONS[method][impl]
    fn(x)  # JIT and imports outside the timing
    benchmark(fn, x)


BATCH_K = 100_000


def _einsum(w, cov):
    return np.sqrt(np.einsum("ij,jk,ik->i", w, cov, w))


def _blas_rows(w, cov):
    return np.sqrt(np.einsum("ij,ij->i", w @ cov, w))


@pytest.mark.parametrize("n_assets", [20, 100])
@pytest.mark.parametrize("impl", ["xlfolio", "numpy.einsum", "numpy.matmul+rowdot"])
def test_batch_volatility(benchmark, impl, n_assets):
    benchmark.group = f"batch volatility k={BATCH_K} n={n_assets}"
    rng = np.random.default_rng(n_assets)
    cov = covariance(_data(n_assets)).matrix
    w = rng.dirichlet(np.ones(n_assets), BATCH_K)
    fn = {"xlfolio": batch_volatility, "numpy.einsum": _einsum, "numpy.matmul+rowdot": _blas_rows}[impl]
    fn(w, cov)
    benchmark(fn, w, cov)


FIRST_CALL = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import numpy as np
    import kernels
    t1 = time.perf_counter()
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.01, (252, 10))
    est = kernels.covariance(x, "ledoit_wolf")
    vol = kernels.portfolio_volatility(np.full(10, 0.1), est.matrix)
    rc = kernels.risk_contributions(np.full(10, 0.1), est.matrix)
    t2 = time.perf_counter()
    print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
    """
)


def _fresh_process(cache_dir):
    return run_in_fresh_process(FIRST_CALL, cache_dir)


@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_cold_start(benchmark, cache):
    """A fresh process imports the kernels and makes its first calls (the delay an Excel user feels)."""
    benchmark.group = "cold start: fresh process, import + first covariance/volatility/contributions"
    cache_dir = Path(tempfile.mkdtemp(prefix="xlfolio-numba-"))
    if cache == "warm":
        _fresh_process(cache_dir)

        def run():
            return _fresh_process(cache_dir)
    else:
        def run():
            fresh = Path(tempfile.mkdtemp(prefix="xlfolio-numba-cold-"))
            return _fresh_process(fresh)
    result = benchmark.pedantic(run, rounds=5 if cache == "warm" else 3, iterations=1)
    import_s, first_call_s = map(float, result.split())
    benchmark.extra_info.update(import_s=import_s, first_call_s=first_call_s)


# ----------------------------------------------------------------------------- the plain-Python mode

PLAIN_SETUP = """
import numpy as np
from benchmarks.conftest import factor_returns
from kernels import batch_volatility, nearest_correlation, portfolio_volatility, risk_contributions
cov = np.cov(factor_returns(2520, 20, seed=20), rowvar=False) * 252
w = np.full(20, 0.05)
W = np.random.default_rng(0).dirichlet(np.ones(20), 1000)
corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
corr[0, 1:4] = corr[1:4, 0] = 0.99
corr[1, 2] = corr[2, 1] = -0.99  # not PSD: nearest_correlation repairs it
"""
#: name -> (the statement the plain-Python worker runs, the same call in this process)
PLAIN_CALLS = {
    "portfolio_volatility": ("portfolio_volatility(w, cov)", lambda w, W, cov, corr: portfolio_volatility(w, cov)),
    "risk_contributions": ("risk_contributions(w, cov)", lambda w, W, cov, corr: risk_contributions(w, cov)),
    "batch_volatility_1000": ("batch_volatility(W, cov)", lambda w, W, cov, corr: batch_volatility(W, cov)),
    "nearest_correlation": ("nearest_correlation(corr)", lambda w, W, cov, corr: nearest_correlation(corr)),
}


@pytest.mark.parametrize("call", list(PLAIN_CALLS))
@pytest.mark.parametrize("mode", ["compiled", "plain_python"])
def test_plain_python_mode(benchmark, mode, call):
    """What an advisor waits for without Numba (Pyodide, xlwings Lite) at 20 assets, beside compiled."""
    benchmark.group = f"plain-Python mode n=20: {call}"
    statement, run = PLAIN_CALLS[call]
    cov = np.cov(factor_returns(2520, 20, seed=20), rowvar=False) * 252
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    corr[0, 1:4] = corr[1:4, 0] = 0.99
    corr[1, 2] = corr[2, 1] = -0.99
    args = (np.full(20, 0.05), np.random.default_rng(0).dirichlet(np.ones(20), 1000), cov, corr)
    benchmark_mode(benchmark, mode, PLAIN_SETUP, statement, run, *args)


# ----------------------------------------------------------------------------- the PSD rule (issue 19)

def _psd_case(n_assets):
    cov = covariance(_data(n_assets)).matrix
    return np.full(n_assets, 1.0 / n_assets), cov


@pytest.mark.parametrize("n_assets", [10, 100, 500])
@pytest.mark.parametrize("impl", ["psd-checked, new matrix", "psd-checked, same matrix again", "check_psd=False"])
def test_psd_check_cost(benchmark, impl, n_assets):
    """What the PSD test adds to portfolio_volatility: a new matrix each call (a factorisation, n^3/3), the same
    matrix again (from 128 assets its digest is remembered: a hash, n^2), and the check skipped."""
    from kernels._validate.covariance import _PSD_MEMO

    benchmark.group = f"portfolio_volatility PSD check n={n_assets}"
    w, cov = _psd_case(n_assets)
    def run():
        if impl == "psd-checked, new matrix":
            _PSD_MEMO.clear()
        return portfolio_volatility(w, cov, check_psd=impl != "check_psd=False")
    run()
    benchmark(run)
