"""Monte Carlo plans: a plain NumPy plan on the same draws, closed forms, properties, bad inputs."""

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kernels import InputError
from kernels._jit import PURE_PYTHON
from kernels.montecarlo import ASSET_CLASS_ASSUMPTIONS, simulate_plan
from kernels.montecarlo import plan as plan_module
from kernels.montecarlo import streams_numpy as N
from kernels.montecarlo.models import monthly_from_yearly
from kernels.montecarlo.streams import seed_words
from tests.naive import naive_plan, naive_sustainable_rate
from tests.tolerances import (
    ATOL_RATE_BIN,
    RTOL_CLOSED_FORM,
    RTOL_NAIVE_PLAN,
    RTOL_VALUE_BIN,
)

ROOT = Path(__file__).resolve().parents[2]
W5 = [0.4, 0.2, 0.3, 0.05, 0.05]


def plan_draws(seed, n_paths, n_months, n, dof=0.0, n_hist=0, block=1):
    """The plan's random inputs from the streams: normals, Student-t scales and bootstrap rows."""
    s1, s2 = seed_words(seed)
    k1, k2 = N.path_keys(s1, s2, np.arange(n_paths))
    spm = n + 1
    slots = np.broadcast_to(np.arange(n_months)[:, None] * spm + np.arange(n), (n_paths, n_months, n))
    z = N.normals(np.broadcast_to(k1[:, None, None], slots.shape), np.broadcast_to(k2[:, None, None], slots.shape),
                  slots)
    scale = np.ones((n_paths, n_months))
    if dof:
        extra = np.tile(np.arange(n_months) * spm + n, n_paths)
        chi = N.chi2(np.repeat(k1, n_months), np.repeat(k2, n_months), extra, dof).reshape(n_paths, n_months)
        scale = np.sqrt((dof - 2.0) / chi)
    rows = np.zeros((n_paths, n_months), np.int64)
    for t in range(n_months):
        if n_hist and t % block == 0:
            rows[:, t] = N.index(N.words(k1, k2, np.full(n_paths, t * spm + n), 0), n_hist)
        elif n_hist:
            rows[:, t] = (rows[:, t - 1] + 1) % n_hist
    return z, scale, rows


def schedules(years, start_value, withdrawal, wtype, start_year=0, contribution=0.0, contribution_years=0,
              inflation=0.025, rebalance=12):
    months = 12 * years
    level = (1 + inflation) ** (np.arange(1, months + 1) / 12)
    on = np.arange(months) >= 12 * start_year
    contrib = np.where(np.arange(months) < 12 * contribution_years, contribution / 12 * level, 0.0)
    wfix = np.where(on, withdrawal / 12 * (level if wtype == "fixed_real" else 1.0), 0.0) if wtype.startswith(
        "fixed") else np.zeros(months)
    wpct = np.where(on, withdrawal / 12, 0.0) if wtype == "percent" else np.zeros(months)
    wspend = on.astype(float) if wtype == "income" else np.zeros(months)
    rebal = (np.arange(months) + 1) % rebalance == 0 if rebalance else np.zeros(months, bool)
    return dict(contrib=contrib, wfix=wfix, wpct=wpct, wspend=wspend, rebal=rebal, level=level), on


CASES = [
    dict(),
    dict(distribution="lognormal", withdrawal_type="percent", withdrawal=0.05, rebalance="quarterly"),
    dict(distribution="student_t", dof=4.0, fees=0.01, rebalance="monthly"),
    dict(withdrawal_type="income", withdrawal_start=5, contribution=24_000.0, contribution_years=5, rebalance="none"),
    dict(withdrawal_type="fixed_nominal", withdrawal=70_000.0, inflation=0.04),
    dict(returns_model="bootstrap", block_months=6),
    dict(returns_model="statistical", distribution="lognormal", rebalance="semiannual"),
]
REBAL_MONTHS = {"none": 0, "monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


@pytest.fixture(scope="module")
def monthly_history():
    rng = np.random.default_rng(4)
    return rng.multivariate_normal([0.007, 0.006, 0.003, 0.005, 0.001],
                                   np.diag([0.045, 0.05, 0.015, 0.06, 0.003]) ** 2, size=180)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()) or "defaults")
def test_against_the_plain_numpy_plan(case, monthly_history):
    n_paths, years = (300, 12) if PURE_PYTHON else (1_000, 25)
    case = dict(case)
    if case.get("returns_model") in ("bootstrap", "statistical"):
        case["history"] = monthly_history
    r = simulate_plan(W5, years=years, n_paths=n_paths, seed=17, keep_paths=True, **case)
    sched, on = schedules(years, 1e6, case.get("withdrawal", 40_000.0), case.get("withdrawal_type", "fixed_real"),
                          case.get("withdrawal_start", 0), case.get("contribution", 0.0),
                          case.get("contribution_years", 0), case.get("inflation", 0.025),
                          REBAL_MONTHS[case.get("rebalance", "annual")])
    code = {"normal": 0, "lognormal": 1, "student_t": 2}[case.get("distribution", "normal")]
    boot = case.get("returns_model") == "bootstrap"
    z, scale, rows = plan_draws(17, n_paths, 12 * years, 5, dof=case.get("dof", 0.0) if code == 2 else 0.0,
                                n_hist=len(monthly_history) if boot else 0, block=case.get("block_months", 1))
    yields = np.array(ASSET_CLASS_ASSUMPTIONS.yields) if "returns_model" not in case else np.zeros(5)
    nominal, real, paid_real, failed, growth = naive_plan(
        z, weights=np.array(W5), mean=r.monthly_mean, root=np.linalg.cholesky(r.monthly_cov), code=3 if boot else code,
        dof_scale=scale, history_rows=rows, history=monthly_history, yields_m=yields / 12,
        fee_factor=1 - case.get("fees", 0.0) / 12, start_value=1e6, **sched)
    np.testing.assert_allclose(r.paths_nominal, nominal, rtol=RTOL_NAIVE_PLAN, atol=1e-6)
    np.testing.assert_allclose(r.paths_real, real, rtol=RTOL_NAIVE_PLAN, atol=1e-6)
    assert r.success_probability == 1.0 - failed.mean()
    # percentiles: within the histogram bin of the exact order statistic
    for y in (1, years // 2, years):
        for q, got in zip(r.percentiles, r.real_value[:, y]):
            exact = np.sort(real[:, y])[math.ceil(q * n_paths) - 1]
            assert got == pytest.approx(exact, rel=RTOL_VALUE_BIN, abs=1e-6)
        np.testing.assert_allclose(r.mean_real_value[y], real[:, y].mean(), rtol=1e-12)
        np.testing.assert_allclose(r.mean_real_income[y], paid_real[:, y].mean(), rtol=1e-12, atol=1e-9)
    # the closed-form highest sustainable rates against bisection on every path
    gross = np.ones((n_paths, 12 * years))
    if boot:
        asset_gross = 1.0 + monthly_history[rows]
    else:
        x = r.monthly_mean + scale[..., None] * np.einsum("pmk,ak->pma", z, np.linalg.cholesky(r.monthly_cov))
        asset_gross = np.exp(x) if code == 1 else np.maximum(1 + x, 0)
    units = np.tile(W5, (n_paths, 1))
    for t in range(12 * years):
        before = units.sum(axis=1)
        units = units * asset_gross[:, t]
        gross[:, t] = units.sum(axis=1) / before * (1 - case.get("fees", 0.0) / 12)
        if sched["rebal"][t]:
            units = np.tile(W5, (n_paths, 1))
    for keep_real, got in ((False, r.safe_withdrawal_rate), (True, r.perpetual_withdrawal_rate)):
        rates = naive_sustainable_rate(gross, sched["contrib"], sched["level"], 1e6, on, keep_real=keep_real)
        exact = np.sort(rates)[math.ceil((1 - r.success_target) * n_paths) - 1]
        assert got == pytest.approx(exact, abs=ATOL_RATE_BIN)


def test_one_lognormal_asset_with_a_percentage_withdrawal_is_lognormal():
    # V_T = V0 * prod(exp(x_t) * (1 - p/12)): log V_T is normal with mean and variance 12 T times the monthly ones
    mu, sigma, p, years, n = 0.07, 0.18, 0.05, 20, 20_000
    r = simulate_plan([1.0], expected_returns=[mu], volatilities=[sigma], distribution="lognormal", years=years,
                      withdrawal=p, withdrawal_type="percent", inflation=0.02, n_paths=n, seed=3,
                      percentiles=[0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
    c = math.log1p(sigma**2 / (1 + mu) ** 2) / 12
    m = math.log1p(mu) / 12 - c / 2
    months = 12 * years
    loc = math.log(1e6) + months * (m + math.log(1 - p / 12)) - years * math.log(1.02)
    scale = math.sqrt(months * c)
    for q, got in zip(r.percentiles, r.real_value[:, -1]):
        z = stats.norm.ppf(q)
        exact = math.exp(loc + scale * z)
        se = scale * math.sqrt(q * (1 - q)) / (math.sqrt(n) * stats.norm.pdf(z))  # of log V at quantile q
        assert abs(math.log(got / exact)) < 4 * se + RTOL_VALUE_BIN, q
    assert r.success_probability == 1.0


def test_monthly_parameters_reproduce_the_yearly_ones():
    mu = np.array([0.085, 0.035, 0.01])
    vol = np.array([0.16, 0.05, 0.01])
    corr = np.array([[1, 0.1, 0], [0.1, 1, 0.1], [0, 0.1, 1]])
    cov = corr * np.outer(vol, vol)
    m, c = monthly_from_yearly(mu, cov, lognormal=False)
    a = 1 + m
    np.testing.assert_allclose(a**12, 1 + mu, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose((np.outer(a, a) + c) ** 12 - np.outer(a, a) ** 12, cov, rtol=1e-9, atol=1e-15)
    m, c = monthly_from_yearly(mu, cov, lognormal=True)
    np.testing.assert_allclose(np.exp(12 * m + 6 * np.diag(c)), 1 + mu, rtol=RTOL_CLOSED_FORM)
    mean_g = np.exp(12 * m + 6 * np.diag(c))
    np.testing.assert_allclose(np.outer(mean_g, mean_g) * np.expm1(12 * c), cov, rtol=1e-9, atol=1e-15)


def test_a_year_of_normal_returns_has_the_yearly_mean_and_volatility():
    n = 40_000
    r = simulate_plan([1.0], expected_returns=[0.08], volatilities=[0.2], years=1, withdrawal=0.0, inflation=0.0,
                      n_paths=n, seed=9, keep_paths=True)
    g = r.paths_nominal[:, 1] / 1e6
    assert abs(g.mean() - 1.08) < 4 * 0.2 / math.sqrt(n)
    assert abs(g.std() - 0.2) < 4 * 0.2 / math.sqrt(2 * n)


# ------------------------------------------------------------------------------------------ properties


def test_without_risk_the_plan_is_an_annuity():
    # 5% a year, no volatility, no inflation: a fixed withdrawal lasts exactly as an annuity says
    r = simulate_plan([1.0], expected_returns=[0.05], volatilities=[0.0], years=30, inflation=0.0,
                      start_value=1e6, withdrawal=60_000, withdrawal_type="fixed_nominal", n_paths=5, keep_paths=True)
    g = 1.05 ** (1 / 12)
    t = np.arange(31) * 12
    expected = 1e6 * g**t - 5_000 * (g**t - 1) / (g - 1)
    np.testing.assert_allclose(r.paths_nominal[0], np.maximum(expected, 0), rtol=1e-12)
    annuity = 12 * (g - 1) / (1 - g ** -360)  # the highest rate (of 1e6) that lasts 360 months
    assert r.safe_withdrawal_rate == pytest.approx(annuity, abs=ATOL_RATE_BIN)
    assert r.success_probability == (1.0 if 0.06 <= annuity else 0.0)


def test_safe_withdrawal_rate_succeeds_with_its_probability():
    r = simulate_plan(W5, n_paths=4_000, seed=1, success_target=0.85)
    at = simulate_plan(W5, n_paths=4_000, seed=1, withdrawal=(r.safe_withdrawal_rate - 2e-4) * 1e6)
    above = simulate_plan(W5, n_paths=4_000, seed=1, withdrawal=(r.safe_withdrawal_rate + 2e-4) * 1e6)
    assert at.success_probability >= 0.85 > above.success_probability
    assert r.perpetual_withdrawal_rate < r.safe_withdrawal_rate


def test_success_falls_as_withdrawals_rise_and_survival_ends_at_success():
    probs = [simulate_plan(W5, n_paths=1_000, withdrawal=w).success_probability for w in (30e3, 45e3, 60e3, 80e3)]
    assert probs == sorted(probs, reverse=True) and probs[0] > probs[-1]
    r = simulate_plan(W5, n_paths=1_000, withdrawal=60e3)
    assert np.all(np.diff(r.survival) <= 0) and r.survival[0] == 1.0
    assert r.survival[-1] == pytest.approx(r.success_probability)


def test_spending_the_income_pays_the_yield():
    r = simulate_plan(W5, withdrawal_type="income", n_paths=500, keep_paths=True, inflation=0.0, volatilities=[0] * 5,
                      expected_returns=ASSET_CLASS_ASSUMPTIONS.expected_returns, yields=ASSET_CLASS_ASSUMPTIONS.yields)
    y = float(np.dot(W5, ASSET_CLASS_ASSUMPTIONS.yields))
    assert r.mean_income[1] == pytest.approx(1e6 * y, rel=0.05)  # a year of monthly yield on a growing value
    assert r.success_probability == 1.0 and r.real_value[2, -1] > 1e6


def test_contributions_before_retirement_add_value():
    base = simulate_plan(W5, withdrawal_start=10, n_paths=500)
    more = simulate_plan(W5, withdrawal_start=10, contribution=30_000, contribution_years=10, n_paths=500)
    assert np.all(more.real_value[:, 10] > base.real_value[:, 10] + 250_000)
    assert more.success_probability >= base.success_probability


def test_same_seed_same_numbers_and_paths_do_not_depend_on_how_many():
    a = simulate_plan(W5, n_paths=300, seed=5, keep_paths=True)
    b = simulate_plan(W5, n_paths=300, seed=5, keep_paths=True)
    c = simulate_plan(W5, n_paths=1_000, seed=5, keep_paths=True)
    for f in a._fields:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    np.testing.assert_array_equal(c.paths_real[:300], a.paths_real)
    assert not np.array_equal(simulate_plan(W5, n_paths=300, seed=6, keep_paths=True).paths_real, a.paths_real)


@pytest.mark.skipif(PURE_PYTHON, reason="compiled mode: thread counts and the NumPy twin against the kernel")
def test_same_numbers_on_any_number_of_threads_and_in_the_numpy_twin(monkeypatch, monthly_history):
    import numba

    cases = [dict(n_paths=20_000), dict(n_paths=9_000, distribution="student_t", withdrawal_type="income"),
             dict(n_paths=5_000, returns_model="bootstrap", history=monthly_history, block_months=3)]
    for case in cases:
        runs = []
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            runs.append(simulate_plan(W5, **case))
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        monkeypatch.setattr(plan_module, "PURE_PYTHON", True)
        runs.append(simulate_plan(W5, **case))
        monkeypatch.setattr(plan_module, "PURE_PYTHON", False)
        for other in runs[1:]:
            for f in runs[0]._fields:
                np.testing.assert_array_equal(getattr(runs[0], f), getattr(other, f), err_msg=f)


@pytest.mark.skipif(not PURE_PYTHON, reason="plain-Python mode: the scalar kernel runs as Python")
@pytest.mark.parametrize("case", [dict(), dict(distribution="student_t", withdrawal_type="income", fees=0.01),
                                  dict(distribution="lognormal", rebalance="none", contribution=1e4,
                                       contribution_years=2, withdrawal_start=2)])
def test_plain_python_kernel_equals_the_numpy_twin(monkeypatch, case):
    twin = simulate_plan(W5, n_paths=12, years=4, seed=4, keep_paths=True, **case)
    monkeypatch.setattr(plan_module, "PURE_PYTHON", False)  # route to the scalar kernel (plain Python here)
    with np.errstate(over="ignore"):  # uint64 scalars wrap as in compiled code
        scalar = simulate_plan(W5, n_paths=12, years=4, seed=4, keep_paths=True, **case)
    for f in twin._fields:
        np.testing.assert_array_equal(getattr(twin, f), getattr(scalar, f), err_msg=f)


def test_history_models_use_monthly_returns_of_the_prices():
    prices = pd.read_csv(ROOT / "workbook" / "data" / "sp500_prices.csv", index_col=0, parse_dates=True).iloc[:, :3]
    r = simulate_plan([0.3, 0.3, 0.4], returns_model="statistical", history=prices, history_kind="prices",
                      n_paths=10, years=2)
    month_end = prices.groupby(prices.index.to_period("M")).last()
    monthly = month_end.pct_change().iloc[1:].to_numpy()  # Jan 2013 .. Dec 2022 (the partial Dec 2012 left out)
    np.testing.assert_allclose(r.monthly_mean, monthly.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(r.monthly_cov, np.cov(monthly, rowvar=False), rtol=1e-12)


def test_a_monthly_history_with_a_late_start_uses_its_common_period(monthly_history):
    late = monthly_history.copy()
    late[:24, 2] = np.nan  # the third asset starts two years later
    r = simulate_plan(W5, returns_model="statistical", history=late, n_paths=10, years=2)
    np.testing.assert_allclose(r.monthly_mean, monthly_history[24:].mean(axis=0), rtol=1e-12)


def test_default_assumptions_are_the_workbook_sheet():
    with open(ROOT / "workbook" / "assumptions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    a = ASSET_CLASS_ASSUMPTIONS
    assert tuple(r["asset_class"] for r in rows) == a.names
    assert tuple(float(r["expected_return"]) for r in rows) == a.expected_returns
    assert tuple(float(r["volatility"]) for r in rows) == a.volatilities
    assert tuple(float(r["yield"]) for r in rows) == a.yields
    with open(ROOT / "workbook" / "correlations.csv", newline="") as f:
        corr = list(csv.reader(f))
    assert tuple(corr[0][1:]) == a.names
    assert tuple(tuple(float(x) for x in row[1:]) for row in corr[1:]) == a.correlations


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("weights, options, message", [
    ([0.5, 0.4], {}, "weights: must sum to 1 (100%), got 0.9"),
    ([0.5, 0.5], {}, "expected_returns: needed for 2 assets (the defaults cover the 5 asset classes"),
    ([0.5, 0.5], dict(expected_returns=[0.05, 0.04]), "volatilities: missing"),
    ([0.5, 0.5], dict(expected_returns=[0.05], volatilities=[0.1, 0.1]), "expected_returns: expected 2 values"),
    ([0.5, 0.5], dict(expected_returns=[0.05, np.nan], volatilities=[0.1, 0.1]), "expected_returns: missing or"),
    ([0.5, 0.5], dict(expected_returns=[0.05, 0.04], volatilities=[0.1, 0.1], correlations=[[1, 2], [2, 1]]),
     "correlations: not positive semi-definite"),
    (W5, dict(returns_model="montecarlo"), "returns_model: expected one of parameterised, statistical, bootstrap"),
    (W5, dict(distribution="cauchy"), "distribution: expected one of normal, lognormal, student_t"),
    (W5, dict(distribution="student_t", dof=2.0), "dof: must be > 2, got 2."),
    (W5, dict(returns_model="bootstrap"), "history: needed for returns_model='bootstrap'"),
    (W5, dict(returns_model="statistical", history=np.zeros((3, 5))), "history: 3 month(s) of history"),
    (W5, dict(returns_model="bootstrap", history=np.zeros((30, 4))), "history: expected 5 columns"),
    (W5, dict(returns_model="bootstrap", history=np.zeros((30, 5)), block_months=40), "block_months: must be <= 30"),
    (W5, dict(years=0), "years: must be >= 1, got 0."),
    (W5, dict(years=10.5), "years: expected a whole number, got 10.5."),
    (W5, dict(withdrawal_start=30), "withdrawal_start: year 30 is not before the end of the plan (years=30)"),
    (W5, dict(withdrawal_type="percent", withdrawal=4.0), "withdrawal: a percent withdrawal of 4 a year is more"),
    (W5, dict(withdrawal=-1.0), "withdrawal: must be >= 0, got -1."),
    (W5, dict(withdrawal_type="income", yields=0.0), "withdrawal_type: 'income' spends the yields, but the"),
    (W5, dict(withdrawal_type="annuity"), "withdrawal_type: expected one of fixed_real, fixed_nominal"),
    (W5, dict(start_value=0.0), "start_value: 0 with no contributions leaves nothing to simulate"),
    (W5, dict(n_paths=0), "n_paths: must be >= 1, got 0."),
    (W5, dict(success_target=1.0), "success_target: must be < 1, got 1."),
    (W5, dict(percentiles=[0.5, 1.5]), "percentiles: expected fractions between 0 and 1"),
    (W5, dict(rebalance="bands"), "rebalance: expected one of none, monthly, quarterly, semiannual, annual"),
    (W5, dict(inflation="2%"), "inflation: expected a number, got str."),
])
def test_bad_input_messages(weights, options, message):
    with pytest.raises(InputError) as err:
        simulate_plan(weights, **{"n_paths": 10, **options})
    assert message in str(err.value)
    assert "\n" not in str(err.value) and len(str(err.value)) < 200
