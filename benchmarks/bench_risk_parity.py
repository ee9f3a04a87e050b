"""Risk parity (equal risk contributions), side by side with the peers, and the budget error each reaches.

Run: ``pytest benchmarks/bench_risk_parity.py --benchmark-only --benchmark-columns=median,iqr,rounds -q``
(add ``--benchmark-json=out.json`` to keep the budget errors, stored in ``extra_info``).

Implementations (same covariance, equal budgets):

* ``xlfolio``: :func:`kernels.risk_parity` as a user calls it (validation and PSD check included);
* ``xlfolio_nopsd``: the same with ``check_psd=False`` (for a covariance PSD by construction);
* ``rpp``: the ``riskparityportfolio`` package's C++ coordinate descent with its defaults
  (``tol=1e-4`` on the absolute contribution error, ``maxiter=50``);
* ``rpp_1e-12``: the same asked for ``tol=1e-12`` and ``maxiter=10000`` (matched accuracy);
* ``riskfolio``: Riskfolio-Lib ``Portfolio.rp_optimization`` (cvxpy + Clarabel);
* ``skfolio``: skfolio ``RiskBudgeting`` with the variance (cvxpy + Clarabel);
* ``scipy_slsqp``: Spinu's convex function minimised by SciPy's SLSQP with its exact gradient.

Data: ``factor`` is the shared benchmark generator (:func:`benchmarks.conftest.factor_returns`:
five factors with loadings of both signs, hard for coordinate descent); ``market`` has one market
factor with positive betas and ten sectors (typical of equities, easy for coordinate descent).

BLAS is limited to one thread for every implementation (``benchmarks/conftest.py``): on this shared 2-core machine a threaded
OpenBLAS under load is up to 100x slower and its timings mean nothing.

Skipped, with the reason: Riskfolio-Lib and skfolio above 500 assets (an interior-point solve of a
dense 2000 x 2000 problem through cvxpy takes minutes; already 1-2.5 s at 500), SLSQP above 500 assets
(dense O(n^3) quasi-Newton updates per iteration, minutes at 2000). 1,000 assets is in the sizes for
the issue's "1,000 assets in under 5 ms".
"""

from __future__ import annotations

import glob
import importlib.util
import os
import warnings

import numpy as np
import pandas as pd
import pytest

from benchmarks.conftest import benchmark_mode, factor_returns
from kernels import inverse_volatility, risk_parity

N_OBS = 2520
SIZES = [20, 100, 500, 1000, 2000]
DATASETS = ["factor", "market"]
SLOW_PEERS = {"riskfolio": 500, "skfolio": 500, "scipy_slsqp": 500}  # largest size run


def market_returns(n_obs, n_assets, seed=0, n_sectors=10):
    """Seeded daily-like returns: market factor with positive betas, sector factors, idiosyncratic noise."""
    rng = np.random.default_rng(seed)
    beta = rng.uniform(0.5, 1.5, n_assets)
    sector = rng.integers(0, n_sectors, n_assets)
    market = rng.normal(0.0, 0.01, n_obs)
    sectors = rng.normal(0.0, 0.006, (n_obs, n_sectors))
    idio = rng.normal(0.0, 1.0, (n_obs, n_assets)) * rng.uniform(0.005, 0.03, n_assets)
    return np.outer(market, beta) + sectors[:, sector] * rng.uniform(0.5, 1.5, n_assets) + idio


_CACHE: dict = {}


def _data(dataset, n_assets):
    key = (dataset, n_assets)
    if key not in _CACHE:
        make = factor_returns if dataset == "factor" else market_returns
        returns = make(N_OBS, n_assets, seed=n_assets)
        _CACHE[key] = (returns, np.cov(returns, rowvar=False) * 252)
    return _CACHE[key]


def _budget_error(weights, cov):
    """Largest relative error of the risk contributions against equal budgets (scale-free)."""
    w = np.asarray(weights, dtype=float).ravel()
    rc = w * (cov @ w)
    rc /= rc.sum()
    n = w.size
    return float(np.max(np.abs(rc * n - 1.0)))


def _rpp_design():
    # riskparityportfolio's package __init__ imports jax (not a dependency of ours, nor of its vanilla
    # solver); load the compiled vanilla module (the C++ solver `design`) directly
    spec = importlib.util.find_spec("riskparityportfolio")
    if spec is None:
        pytest.skip("riskparityportfolio is not installed (pip install riskparityportfolio)")
    (path,) = glob.glob(os.path.join(os.path.dirname(spec.origin), "vanilla*.so")) or [None]
    if path is None:
        pytest.skip("riskparityportfolio's compiled module was not found")
    mod_spec = importlib.util.spec_from_file_location("riskparityportfolio.vanilla", path)
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    return module.design


def _riskfolio(returns, cov):
    import riskfolio as rf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        port = rf.Portfolio(returns=pd.DataFrame(returns))
        port.assets_stats(method_mu="hist", method_cov="hist")
        port.cov = pd.DataFrame(cov)
        return port.rp_optimization(model="Classic", rm="MV", rf=0, b=None, hist=True).to_numpy().ravel()


def _skfolio(returns, cov):
    from skfolio import RiskMeasure
    from skfolio.optimization import RiskBudgeting

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # fitted on the returns: its sample covariance is ours up to the factor 252, which leaves
        # risk parity weights unchanged
        return RiskBudgeting(risk_measure=RiskMeasure.VARIANCE).fit(returns).weights_


def _slsqp(returns, cov):
    from scipy.optimize import minimize

    n = cov.shape[0]
    b = np.full(n, 1.0 / n)
    x0 = np.sqrt(b / np.diag(cov))
    res = minimize(
        lambda x: 0.5 * x @ cov @ x - b @ np.log(x),
        x0,
        jac=lambda x: cov @ x - b / x,
        method="SLSQP",
        bounds=[(1e-12, None)] * n,
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    return res.x / res.x.sum()


def _implementations():
    return {
        "xlfolio": lambda returns, cov: risk_parity(cov).weights,
        "xlfolio_nopsd": lambda returns, cov: risk_parity(cov, check_psd=False).weights,
        "rpp": "rpp",
        "rpp_1e-12": "rpp_1e-12",
        "riskfolio": _riskfolio,
        "skfolio": _skfolio,
        "scipy_slsqp": _slsqp,
    }


@pytest.mark.parametrize("implementation", list(_implementations()))
@pytest.mark.parametrize("n_assets", SIZES)
@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.benchmark(group="risk_parity")
def test_risk_parity(benchmark, dataset, n_assets, implementation):
    if n_assets > SLOW_PEERS.get(implementation, n_assets):
        pytest.skip(f"{implementation} beyond {SLOW_PEERS[implementation]} assets: minutes per solve (see module doc)")
    benchmark.group = f"risk_parity {dataset} n={n_assets}"
    returns, cov = _data(dataset, n_assets)
    func = _implementations()[implementation]
    if isinstance(func, str):
        design = _rpp_design()
        b = np.full(n_assets, 1.0 / n_assets)
        args = (cov, b) if func == "rpp" else (cov, b, 1e-12, 10000)
        func = lambda returns, cov: design(*args)
    weights = func(returns, cov)  # warm-up: JIT compilation, imports, caches
    if implementation in SLOW_PEERS or (implementation == "rpp_1e-12" and n_assets >= 500):
        rounds = 1 if n_assets >= 500 else 3
        weights = benchmark.pedantic(func, args=(returns, cov), rounds=rounds, iterations=1)
    else:
        weights = benchmark(func, returns, cov)
    benchmark.extra_info["budget_error"] = _budget_error(weights, cov)
    benchmark.extra_info["dataset"] = dataset
    assert np.all(np.isfinite(weights))


# ----------------------------------------------------------------------------- risk budgeting's reassociated sum


def _sweep_with_sequential_dot():
    """The coordinate sweep compiled against a sequential ``_dot_head`` (no reassociation), uncached."""
    import types

    from kernels._jit import jit
    from kernels.risk_budgeting import descent, linalg

    sequential_dot = jit(cache=False)(linalg._dot_head.py_func)
    f = descent._sweep.py_func
    return jit(cache=False)(types.FunctionType(f.__code__, {**f.__globals__, "_dot_head": sequential_dot}, f.__name__))


@pytest.mark.parametrize("n_assets", [20, 2000])
@pytest.mark.parametrize("dot", ["reassociated", "sequential"])
def test_dot_head(benchmark, dot, n_assets):
    """Why ``linalg._dot_head`` has ``fastmath={"reassoc"}``: one coordinate sweep, with and without it."""
    from kernels.risk_budgeting import descent

    benchmark.group = f"risk_parity sweep n={n_assets}: reassociated dot vs sequential"
    _, cov = _data("factor", n_assets)
    b = np.full(n_assets, 1.0 / n_assets)
    x = np.sqrt(b / np.diag(cov))
    u = np.tril(cov, -1).T @ x
    sweep = descent._sweep if dot == "reassociated" else _sweep_with_sequential_dot()
    args = (cov, b, np.zeros(n_assets), np.full(n_assets, np.inf), x.copy(), u.copy(), np.empty(n_assets),
            np.empty(n_assets))
    sweep(*args)  # warm-up: compilation
    benchmark(sweep, *args)


# ----------------------------------------------------------------------------- the plain-Python mode

PLAIN_SETUP = """
import numpy as np
from benchmarks.conftest import factor_returns
from kernels import inverse_volatility, risk_parity
cov = np.cov(factor_returns(2520, 20), rowvar=False) * 252
"""
#: name -> (the statement the plain-Python worker runs, the same call in this process)
PLAIN_CALLS = {
    "risk_parity": ("risk_parity(cov)", lambda cov: risk_parity(cov)),
    "risk_parity_budgets_bounds": ("risk_parity(cov, np.linspace(1, 2, 20), upper=0.08)",
                                   lambda cov: risk_parity(cov, np.linspace(1, 2, 20), upper=0.08)),
    "inverse_volatility": ("inverse_volatility(cov)", lambda cov: inverse_volatility(cov)),
}


@pytest.mark.parametrize("call", list(PLAIN_CALLS))
@pytest.mark.parametrize("mode", ["compiled", "plain_python"])
def test_plain_python_mode(benchmark, mode, call):
    """What an advisor waits for without Numba (Pyodide, xlwings Lite) at 20 assets, beside compiled."""
    benchmark.group = f"plain-Python mode n=20: {call}"
    statement, run = PLAIN_CALLS[call]
    cov = np.cov(factor_returns(2520, 20), rowvar=False) * 252
    benchmark_mode(benchmark, mode, PLAIN_SETUP, statement, run, cov)


# ----------------------------------------------------------------------------- bounded risk parity (issue 21)
# The data (tests.naive.t_factor_cov: five factors, Student-t noise, 2,520 days; condition numbers
# ~5e3 at 1,000 assets) and bounds [0.6/n, 1.5/n] (a third of the assets at a bound). Implementations:
# * xlfolio / xlfolio_nopsd: risk_parity(cov, lower=, upper=) (Newton on the weights and lam together);
# * xlfolio_lam_search: the method before issue 21 (the one-dimensional search on lam, each step a box-
#   constrained barrier solve), still the fallback, called through its kernel from the unbounded weights;
# * cvxpy_clarabel_given_lam: Clarabel on the box-constrained barrier problem for the lam of our answer
#   (exponential cones; the peer is spared the search for lam, so it solves one problem where we solve all).
# riskparityportfolio's C++ solver has no bounds (its bounded solver needs jax): not a peer here.
BOUNDED_SIZES = [100, 500, 1000, 2000]
BOUNDED_SLOW = {"xlfolio_lam_search": 1000, "cvxpy_clarabel_given_lam": 500}


def _bounded_data(n_assets):
    from tests.naive import t_factor_cov

    key = ("t_factor", n_assets)
    if key not in _CACHE:
        _CACHE[key] = t_factor_cov(n_assets, seed=n_assets)
    return _CACHE[key], np.full(n_assets, 0.6 / n_assets), np.full(n_assets, 1.5 / n_assets)


def _lam_search(cov, lower, upper):
    from kernels.risk_budgeting.bounds import _lam_search as search

    n = cov.shape[0]
    x = risk_parity(cov, check_psd=False).weights.copy()
    search(cov, np.full(n, 1.0 / n), lower, upper, 1e-12, 1000, x, cov @ x)
    return x / x.sum()


def _cvxpy_given_lam(cov, lower, upper):
    import cvxpy as cp

    n = cov.shape[0]
    ours = risk_parity(cov, lower=lower, upper=upper, check_psd=False)
    lam = float(ours.weights @ cov @ ours.weights * ours.relative_contributions[ours.binding == 0].sum()
                / (ours.binding == 0).mean())
    x = cp.Variable(n)
    factor = np.linalg.cholesky(cov)
    objective = 0.5 * cp.sum_squares(factor.T @ x) - lam / n * cp.sum(cp.log(x))
    problem = cp.Problem(cp.Minimize(objective), [x >= lower, x <= upper])

    def solve(cov, lower, upper):
        problem.solve(solver=cp.CLARABEL)
        return x.value / x.value.sum()

    return solve


def _bounded_implementations():
    return {
        "xlfolio": lambda cov, lo, hi: risk_parity(cov, lower=lo, upper=hi).weights,
        "xlfolio_nopsd": lambda cov, lo, hi: risk_parity(cov, lower=lo, upper=hi, check_psd=False).weights,
        "xlfolio_lam_search": _lam_search,
        "cvxpy_clarabel_given_lam": "cvxpy",
    }


@pytest.mark.parametrize("implementation", list(_bounded_implementations()))
@pytest.mark.parametrize("n_assets", BOUNDED_SIZES)
def test_risk_parity_bounded(benchmark, n_assets, implementation):
    if n_assets > BOUNDED_SLOW.get(implementation, n_assets):
        pytest.skip(f"{implementation} beyond {BOUNDED_SLOW[implementation]} assets: too slow to repeat")
    from tests.naive import risk_parity_certificate

    benchmark.group = f"risk_parity bounded [0.6/n, 1.5/n] n={n_assets}"
    cov, lo, hi = _bounded_data(n_assets)
    func = _bounded_implementations()[implementation]
    if func == "cvxpy":
        func = _cvxpy_given_lam(cov, lo, hi)
    weights = func(cov, lo, hi)  # warm-up: JIT compilation, imports, the cvxpy problem's canonicalisation
    if implementation in BOUNDED_SLOW:
        weights = benchmark.pedantic(func, args=(cov, lo, hi), rounds=1 if n_assets >= 500 else 3, iterations=1)
    else:
        weights = benchmark(func, cov, lo, hi)
    w = np.clip(weights, lo, hi)
    w /= w.sum()
    benchmark.extra_info["budget_error"] = risk_parity_certificate(cov, w, np.ones(n_assets), lo, hi, atol=1e-9)[2]
    assert np.all(np.isfinite(weights))
