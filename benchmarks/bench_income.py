"""Income-target portfolios, asset location, income projection and cold start, side by side with the peers.

Run: ``pytest benchmarks/bench_income.py --benchmark-only --benchmark-columns=median,iqr,rounds``

The peers are what a user would otherwise reach for: cvxpy (Clarabel) with the yield constraint
written by hand, PyPortfolioOpt with the yields passed as its "expected returns" (its
``efficient_return`` / ``efficient_risk``), SciPy's SLSQP, and cvxpy for the asset-location LP.

Plain-Python mode (``test_plain_python_mode``): the income-target portfolios at 20 assets without
Numba (Pyodide, xlwings Lite), each call beside the same call compiled (a worker process started with
``XLFOLIO_DISABLE_NUMBA=1`` runs the plain-Python calls: ``benchmarks.conftest.benchmark_mode``).
"""

import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize

from benchmarks.conftest import benchmark_mode, factor_returns, run_in_fresh_process
from kernels import (
    asset_location,
    income_frontier,
    income_projection,
    max_yield_for_volatility,
    min_volatility_for_income,
)

SIZES = [20, 100, 300]
N_CLASSES = 4


def _problem(n_assets):
    rng = np.random.default_rng(n_assets)
    cov = np.cov(factor_returns(1260, n_assets, seed=n_assets), rowvar=False) * 252
    yields = rng.uniform(0.0, 0.08, n_assets)
    classes = [f"class{k}" for k in rng.integers(0, N_CLASSES, n_assets)]
    for k in range(N_CLASSES):
        classes[k] = f"class{k}"
    class_caps = {"class0": 0.3, "class1": 0.4}
    upper = min(1.0, 5.0 / n_assets) * np.ones(n_assets)
    target = float(np.quantile(yields, 0.7))
    return cov, yields, classes, class_caps, upper, target


def _class_rows(classes, class_caps):
    G = np.array([[1.0 if c == k else 0.0 for c in classes] for k in class_caps])
    return G, np.array(list(class_caps.values()))


def _cvxpy_min_vol(cov, yields, classes, class_caps, upper, target):
    import cvxpy as cp

    G, caps = _class_rows(classes, class_caps)
    w = cp.Variable(yields.size)
    cons = [cp.sum(w) == 1, w >= 0, w <= upper, yields @ w >= target, G @ w <= caps]
    cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(cov))), cons).solve(solver=cp.CLARABEL)
    return w.value


def _cvxpy_max_yield(cov, yields, classes, class_caps, upper, cap):
    import cvxpy as cp

    G, caps = _class_rows(classes, class_caps)
    L = np.linalg.cholesky(cov)
    w = cp.Variable(yields.size)
    cons = [cp.sum(w) == 1, w >= 0, w <= upper, cp.norm(L.T @ w) <= cap, G @ w <= caps]
    cp.Problem(cp.Maximize(yields @ w), cons).solve(solver=cp.CLARABEL)
    return w.value


def _pypfopt_ef(cov, yields, classes, class_caps, upper):
    from pypfopt import EfficientFrontier

    ef = EfficientFrontier(yields, cov, weight_bounds=(0, float(upper[0])))
    mapper = dict(enumerate(classes))
    ef.add_sector_constraints(mapper, {k: 0.0 for k in class_caps}, dict(class_caps))
    return ef


def _pypfopt_min_vol(cov, yields, classes, class_caps, upper, target):
    ef = _pypfopt_ef(cov, yields, classes, class_caps, upper)
    ef.efficient_return(target)
    return ef.weights


def _pypfopt_max_yield(cov, yields, classes, class_caps, upper, cap):
    ef = _pypfopt_ef(cov, yields, classes, class_caps, upper)
    ef.efficient_risk(cap)
    return ef.weights


def _slsqp_min_vol(cov, yields, classes, class_caps, upper, target):
    G, caps = _class_rows(classes, class_caps)
    n = yields.size
    cons = [{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(n)},
            {"type": "ineq", "fun": lambda w: yields @ w - target, "jac": lambda w: yields},
            {"type": "ineq", "fun": lambda w: caps - G @ w, "jac": lambda w: -G}]
    res = scipy.optimize.minimize(lambda w: w @ cov @ w, np.full(n, 1.0 / n), jac=lambda w: 2.0 * cov @ w,
                                  bounds=[(0.0, u) for u in upper], constraints=cons, method="SLSQP",
                                  options={"maxiter": 1000, "ftol": 1e-12})
    return res.x


MIN_VOL = {
    "xlfolio": lambda cov, y, cl, cc, up, t: min_volatility_for_income(cov, y, t, upper=up, classes=cl,
                                                                       class_caps=cc).weights,
    "cvxpy-clarabel": _cvxpy_min_vol,
    "pypfopt": _pypfopt_min_vol,
    "scipy-slsqp": _slsqp_min_vol,
}

MAX_YIELD = {
    "xlfolio": lambda cov, y, cl, cc, up, cap: max_yield_for_volatility(cov, y, cap, upper=up, classes=cl,
                                                                        class_caps=cc).weights,
    "cvxpy-clarabel": _cvxpy_max_yield,
    "pypfopt": _pypfopt_max_yield,
}


@pytest.mark.parametrize("n_assets", SIZES)
@pytest.mark.parametrize("impl", list(MIN_VOL))
def test_min_volatility_for_income(benchmark, impl, n_assets):
    if impl == "scipy-slsqp" and n_assets > 100:
        pytest.skip("SLSQP takes minutes at this size")
    pytest.importorskip({"pypfopt": "pypfopt", "cvxpy-clarabel": "cvxpy"}.get(impl, "numpy"))
    benchmark.group = f"min volatility for a yield target, class caps, n={n_assets}"
    args = _problem(n_assets)
    fn = MIN_VOL[impl]
    w = fn(*args)  # JIT and imports outside the timing
    ours = MIN_VOL["xlfolio"](*args)
    benchmark.extra_info["vol_over_ours"] = float(np.sqrt(w @ args[0] @ w) / np.sqrt(ours @ args[0] @ ours))
    benchmark(fn, *args)


@pytest.mark.parametrize("n_assets", SIZES)
@pytest.mark.parametrize("impl", list(MAX_YIELD))
def test_max_yield_for_volatility(benchmark, impl, n_assets):
    pytest.importorskip({"pypfopt": "pypfopt", "cvxpy-clarabel": "cvxpy"}.get(impl, "numpy"))
    benchmark.group = f"max yield under a volatility cap, class caps, n={n_assets}"
    cov, y, cl, cc, up, target = _problem(n_assets)
    least = min_volatility_for_income(cov, y, 0.0, upper=up, classes=cl, class_caps=cc).volatility
    args = (cov, y, cl, cc, up, 1.3 * least)
    fn = MAX_YIELD[impl]
    w = fn(*args)
    benchmark.extra_info["yield_minus_ours"] = float(y @ w - y @ MAX_YIELD["xlfolio"](*args))
    benchmark(fn, *args)


def _cvxpy_frontier(cov, yields, classes, class_caps, upper, n_points):
    import cvxpy as cp

    G, caps = _class_rows(classes, class_caps)
    w = cp.Variable(yields.size)
    t = cp.Parameter()
    cons = [cp.sum(w) == 1, w >= 0, w <= upper, yields @ w >= t, G @ w <= caps]
    prob = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(cov))), cons)
    lo = min_volatility_for_income(cov, yields, 0.0, upper=upper, classes=classes, class_caps=class_caps).yield_
    hi = float(np.max(yields))
    out = []
    for target in np.linspace(lo, hi * 0.95, n_points):
        t.value = target
        prob.solve(solver=cp.CLARABEL)
        out.append(w.value)
    return out


FRONTIER = {
    "xlfolio": lambda cov, y, cl, cc, up, n: income_frontier(cov, y, n, upper=up, classes=cl, class_caps=cc),
    "cvxpy-clarabel (loop, parametrised)": _cvxpy_frontier,
}


@pytest.mark.parametrize("n_assets", [20, 100])
@pytest.mark.parametrize("impl", list(FRONTIER))
def test_income_frontier(benchmark, impl, n_assets):
    pytest.importorskip("cvxpy")
    benchmark.group = f"income frontier, 20 points, class caps, n={n_assets}"
    cov, y, cl, cc, up, _ = _problem(n_assets)
    fn = FRONTIER[impl]
    fn(cov, y, cl, cc, up, 20)
    benchmark(fn, cov, y, cl, cc, up, 20)


def _plain_problem():
    """The 20-asset problem and a volatility cap 30% above its least volatility."""
    cov, yields, classes, class_caps, upper, target = _problem(20)
    least = min_volatility_for_income(cov, yields, 0.0, upper=upper, classes=classes, class_caps=class_caps).volatility
    return cov, yields, classes, class_caps, upper, target, 1.3 * least


PLAIN_SETUP = """
import kernels
from benchmarks.bench_income import _plain_problem
cov, yields, classes, class_caps, upper, target, cap = _plain_problem()
"""
#: call -> (the statement the plain-Python worker runs, the same call compiled here)
PLAIN_CALLS = {
    "min_volatility_for_income": (
        "kernels.min_volatility_for_income(cov, yields, target, upper=upper, classes=classes, class_caps=class_caps)",
        lambda cov, yields, classes, class_caps, upper, target, cap: min_volatility_for_income(
            cov, yields, target, upper=upper, classes=classes, class_caps=class_caps)),
    "max_yield_for_volatility": (
        "kernels.max_yield_for_volatility(cov, yields, cap, upper=upper, classes=classes, class_caps=class_caps)",
        lambda cov, yields, classes, class_caps, upper, target, cap: max_yield_for_volatility(
            cov, yields, cap, upper=upper, classes=classes, class_caps=class_caps)),
    "income_frontier, 20 points": (
        "kernels.income_frontier(cov, yields, 20, upper=upper, classes=classes, class_caps=class_caps)",
        lambda cov, yields, classes, class_caps, upper, target, cap: income_frontier(
            cov, yields, 20, upper=upper, classes=classes, class_caps=class_caps)),
}


@pytest.mark.parametrize("call", list(PLAIN_CALLS))
@pytest.mark.parametrize("mode", ["compiled", "plain_python"])
def test_plain_python_mode(benchmark, mode, call):
    """What an advisor waits for without Numba (Pyodide, xlwings Lite) at 20 assets, beside compiled."""
    benchmark.group = f"plain-Python mode n=20: {call}"
    statement, run = PLAIN_CALLS[call]
    benchmark_mode(benchmark, mode, PLAIN_SETUP, statement, run, *_plain_problem())


def _location_problem(n_assets, n_accounts=3):
    rng = np.random.default_rng(n_assets)
    values = rng.uniform(1e3, 1e5, n_assets)
    drag = np.zeros((n_assets, n_accounts))
    drag[:, 0] = rng.uniform(0.0, 0.02, n_assets)
    drag[:, 1] = rng.uniform(0.0, 0.002, n_assets)
    caps = np.array([values.sum(), 0.3 * values.sum(), 0.1 * values.sum()])
    return values, drag, caps


def _cvxpy_location(values, drag, caps):
    import cvxpy as cp

    x = cp.Variable(drag.shape, nonneg=True)
    cp.Problem(cp.Minimize(cp.sum(cp.multiply(drag, x))),
               [cp.sum(x, axis=1) == values, cp.sum(x, axis=0) <= caps]).solve(solver=cp.CLARABEL)
    return x.value


LOCATION = {
    "xlfolio (HiGHS)": lambda v, d, c: asset_location(v, d, c).amounts,
    "xlfolio whole holdings (HiGHS MIP)": lambda v, d, c: asset_location(v, d, c, split=False).amounts,
    "cvxpy-clarabel": _cvxpy_location,
}


@pytest.mark.parametrize("n_assets", [20, 100, 500])
@pytest.mark.parametrize("impl", list(LOCATION))
def test_asset_location(benchmark, impl, n_assets):
    pytest.importorskip("cvxpy")
    benchmark.group = f"asset location, 3 accounts, n={n_assets}"
    args = _location_problem(n_assets)
    fn = LOCATION[impl]
    fn(*args)
    benchmark(fn, *args)


def _python_projection(value, y, years, g_div, g_price, infl, reinvest):
    rows = []
    v, yv = value, y
    for t in range(1, years + 1):
        inc = v * yv
        end = v * (1 + g_price) + reinvest * inc
        rows.append((v, inc, inc / (1 + infl) ** t, reinvest * inc, end))
        yv = yv * (1 + g_div) / (1 + g_price)
        v = end
    return rows


PROJECTION = {
    "xlfolio": lambda *a: income_projection(a[0], a[1], a[2], payout_growth=a[3], price_growth=a[4],
                                            inflation=a[5], reinvest=a[6]),
    "pure python loop": _python_projection,
}


@pytest.mark.parametrize("impl", list(PROJECTION))
def test_income_projection(benchmark, impl):
    benchmark.group = "income projection, 50 years"
    args = (500_000.0, 0.035, 50, 0.05, 0.04, 0.025, 0.5)
    PROJECTION[impl](*args)
    benchmark(PROJECTION[impl], *args)


FIRST_CALL = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import numpy as np
    import kernels
    t1 = time.perf_counter()
    cov = np.diag([0.05, 0.2, 0.15]) ** 2
    kernels.income_projection(500000, 0.035, 30, reinvest=0.5)
    kernels.min_volatility_for_income(cov, [0.05, 0.02, 0.07], 0.04)
    t2 = time.perf_counter()
    print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
    """
)


def _fresh_process(cache_dir):
    return run_in_fresh_process(FIRST_CALL, cache_dir)


def test_cold_start_income(benchmark):
    """Fresh process, warm on-disk cache: import + first projection + first income-target portfolio."""
    benchmark.group = "cold start: fresh process, warm cache, import + first income calls"
    cache_dir = Path(tempfile.mkdtemp(prefix="xlfolio-numba-income-"))
    _fresh_process(cache_dir)
    result = benchmark.pedantic(lambda: _fresh_process(cache_dir), rounds=3, iterations=1)
    import_s, first_call_s = map(float, result.split())
    benchmark.extra_info.update(import_s=import_s, first_call_s=first_call_s)
