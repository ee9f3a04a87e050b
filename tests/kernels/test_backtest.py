"""Backtests: the worked example, a row-by-row NumPy oracle over every policy, properties, gaps, bad inputs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kernels import InputError
from kernels._jit import PURE_PYTHON
from kernels.backtesting import backtest, engine
from tests.naive import naive_backtest, naive_pv_statistics
from tests.tolerances import ATOL_MONEY, RTOL_NAIVE_BACKTEST, RTOL_STATISTICS

PRICES_CSV = Path(__file__).resolve().parents[2] / "workbook" / "data" / "sp500_prices.csv"


@pytest.fixture(scope="module")
def sp500():
    return pd.read_csv(PRICES_CSV, index_col=0, parse_dates=True)


def monthly_prices(rng, n_months=121, n_assets=4, start="2012-12-31"):
    dates = pd.date_range(start, periods=n_months, freq="ME")
    r = rng.normal(0.006, 0.04, (n_months, n_assets))
    r[0] = 0.0
    return pd.DataFrame(100 * np.cumprod(1 + r, axis=0), index=dates, columns=[f"A{i}" for i in range(n_assets)])


def period_end(index, freq):
    """Last row of each calendar period (the final row included, the first row never), with pandas."""
    p = index.to_period(freq)
    ends = np.r_[p[:-1] != p[1:], True]
    ends[0] = False
    return ends


# --------------------------------------------------------------------------------------- worked example


def test_seed_worked_example_sixty_forty_rebalanced_once():
    # $100,000 at 60/40; stocks +10% -> 66,000, bonds +3% -> 41,200; back to 60/40 of 107,200: 64,320 / 42,880
    r = backtest([[100.0, 100.0], [110.0, 103.0]], [0.6, 0.4], dates=["2023-12-31", "2024-12-31"],
                 start_value=100_000)
    np.testing.assert_allclose(r.trades[0, 1], [-1_680.0, 1_680.0], atol=ATOL_MONEY)
    np.testing.assert_allclose(r.weights[0, 1] * r.values[0, 1], [64_320.0, 42_880.0], atol=ATOL_MONEY)
    assert r.values[0, 1] == pytest.approx(107_200.0, abs=ATOL_MONEY)
    assert r.statistics.cagr[0] == pytest.approx(0.072, rel=1e-14)
    assert r.turnover[0, 1] == pytest.approx(1_680.0 / 107_200.0, rel=1e-14)
    # the same as returns, one row
    r2 = backtest([[0.10, 0.03]], [0.6, 0.4], kind="returns", dates=["2024-12-31"], periods_per_year=1,
                  start_value=100_000)
    np.testing.assert_allclose(r2.trades[0, 1], [-1_680.0, 1_680.0], atol=ATOL_MONEY)
    assert str(r2.dates[0]) == "2023-12-31"
    # inside a 5-point band nothing trades (stocks are at 61.57%)
    r3 = backtest([[100.0, 100.0], [110.0, 103.0]], [0.6, 0.4], dates=["2023-12-31", "2024-12-31"],
                  start_value=100_000, band=0.05)
    assert np.all(r3.trades[0, 1] == 0.0)


# ----------------------------------------------------------------------------------- oracle: NumPy loop


POLICIES = [
    dict(rebalance="quarterly"),
    dict(rebalance="monthly", costs=25.0),
    dict(rebalance="annual", fees=0.01, yields=[0.02, 0.03, 0.0, 0.01], income="reinvest"),
    dict(rebalance="semiannual", yields=0.02, income="pay_out"),
    dict(rebalance="bands", band=0.03),
    dict(rebalance="bands", relative_band=0.2, mode="to_band"),
    dict(rebalance="monthly", band=0.05, relative_band=0.25),
    dict(rebalance="none", cash_flows=500.0, cash_flow_frequency="monthly"),
    dict(rebalance="none", cash_flows=-300.0, cash_flow_frequency="quarterly", cash_flow_type="inflation_adjusted"),
    dict(rebalance="cash_flow", cash_flows=400.0, cash_flow_frequency="monthly"),
    dict(rebalance="cash_flow", cash_flows=-0.01, cash_flow_type="percent", cash_flow_frequency="monthly"),
    dict(rebalance="quarterly", band=0.02, mode="to_band", cash_flows=-2_000.0, costs=10.0),
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("options", POLICIES, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_against_the_row_by_row_numpy_backtest(seed, options):
    rng = np.random.default_rng(seed)
    prices = monthly_prices(rng)
    w = rng.dirichlet(np.ones(4))
    r = backtest(prices, w, start_value=10_000, inflation=0.03, **options)
    policy = options["rebalance"]
    idx = prices.index
    freq = {"monthly": "M", "quarterly": "Q", "semiannual": "2Q", "annual": "Y"}
    if policy in ("bands", "daily"):
        review = np.r_[False, np.ones(len(idx) - 1, bool)]
    elif policy in ("none", "cash_flow"):
        review = np.zeros(len(idx), bool)
    elif policy == "semiannual":
        half = idx.year * 2 + (idx.month - 1) // 6
        review = np.r_[half[:-1] != half[1:], True]
        review[0] = False
    else:
        review = period_end(idx, freq[policy])
    flows = np.zeros(len(idx))
    pct = np.zeros(len(idx))
    amount = options.get("cash_flows", 0.0)
    if amount:
        f = options.get("cash_flow_frequency", "annual")
        when = period_end(idx, freq[f]) if f != "semiannual" else None
        years = np.arange(len(idx)) / 12.0
        if options.get("cash_flow_type") == "percent":
            pct[when] = amount
        elif options.get("cash_flow_type") == "inflation_adjusted":
            flows[when] = amount * 1.03 ** years[when]
        else:
            flows[when] = amount
    values, holdings, trades, income, made = naive_backtest(
        prices.to_numpy(), w, review=review, band=options.get("band"), relative_band=options.get("relative_band"),
        to_band=options.get("mode") == "to_band", cash_flow_policy=policy == "cash_flow", flows=flows,
        flow_pct=pct, costs_bp=options.get("costs", 0.0), fee=options.get("fees", 0.0),
        yields=options.get("yields", 0.0), reinvest=options.get("income", "reinvest") == "reinvest",
        start_value=10_000)
    np.testing.assert_allclose(r.values[0], values, rtol=RTOL_NAIVE_BACKTEST)
    np.testing.assert_allclose(r.weights[0] * r.values[0][:, None], holdings, rtol=RTOL_NAIVE_BACKTEST, atol=1e-7)
    np.testing.assert_allclose(r.trades[0, 1:], trades[1:], rtol=RTOL_NAIVE_BACKTEST, atol=1e-7)
    np.testing.assert_allclose(r.income[0], income, rtol=RTOL_NAIVE_BACKTEST, atol=1e-12)
    np.testing.assert_allclose(r.cash_flows[0], made, rtol=RTOL_NAIVE_BACKTEST, atol=1e-9)
    paid = income if options.get("income") == "pay_out" else None
    stats = naive_pv_statistics(values, idx, flows=made, paid=paid, risk_free=0.0)
    np.testing.assert_allclose(r.monthly_returns[0], stats["monthly"], rtol=RTOL_STATISTICS, atol=1e-14)
    for name in ("cagr", "twrr", "stdev", "best_year", "worst_year", "max_drawdown", "sharpe", "sortino"):
        assert getattr(r.statistics, name)[0] == pytest.approx(stats[name], rel=RTOL_STATISTICS, abs=1e-14), name


@pytest.mark.parametrize("seed", range(2))
def test_daily_statistics_against_pandas_month_ends(sp500, seed):
    w = np.random.default_rng(seed).dirichlet(np.ones(sp500.shape[1]))
    r = backtest(sp500, w, rebalance="quarterly", risk_free=0.02)
    stats = naive_pv_statistics(r.values[0], sp500.index, risk_free=0.02)
    assert r.monthly_returns.shape[1] == stats["monthly"].size == 121  # Dec 2012 (partial) to Dec 2022
    np.testing.assert_allclose(r.monthly_returns[0], stats["monthly"], rtol=RTOL_STATISTICS)
    for name in ("cagr", "twrr", "stdev", "best_year", "worst_year", "max_drawdown"):
        assert getattr(r.statistics, name)[0] == pytest.approx(stats[name], rel=RTOL_STATISTICS), name
    # Sharpe/Sortino: PV compounds rf per month; the oracle uses whole months, the kernel the partial first one
    excess = r.monthly_returns[0, 1:] - (1.02 ** (1 / 12) - 1)
    assert np.mean(excess) / np.std(excess, ddof=1) * np.sqrt(12) == pytest.approx(r.statistics.sharpe[0], rel=0.02)


# ------------------------------------------------------------------------------------------ properties


def test_no_rebalancing_is_buy_and_hold(sp500):
    w = np.random.default_rng(1).dirichlet(np.ones(sp500.shape[1]))
    r = backtest(sp500, w, rebalance="none", start_value=1.0)
    p = sp500.to_numpy()
    np.testing.assert_allclose(r.values[0], (w * p / p[0]).sum(axis=1), rtol=1e-12)
    assert np.all(r.trades[0, 1:] == 0.0) and r.statistics.turnover_per_year[0] == 0.0


def test_rebalancing_without_costs_or_flows_conserves_value(sp500):
    w = np.full(sp500.shape[1], 1 / sp500.shape[1])
    r = backtest(sp500, w, rebalance="monthly", start_value=1e6)
    p = sp500.to_numpy()
    held = r.weights[0, :-1] * r.values[0, :-1, None] * p[1:] / p[:-1]  # holdings before the row's trades
    np.testing.assert_allclose(r.values[0, 1:], held.sum(axis=1), rtol=1e-13)
    np.testing.assert_allclose(r.trades[0, 1:].sum(axis=1), 0.0, atol=1e-6)
    assert r.statistics.turnover_per_year[0] > 0


def test_a_band_wider_than_any_drift_never_trades(sp500):
    w = np.full(sp500.shape[1], 1 / sp500.shape[1])
    hold = backtest(sp500, w, rebalance="none")
    for options in (dict(rebalance="bands", relative_band=1e9), dict(rebalance="monthly", band=1.0)):
        r = backtest(sp500, w, **options)
        assert np.all(r.trades[0, 1:] == 0.0)
        np.testing.assert_array_equal(r.values, hold.values)


def test_costs_are_basis_points_of_the_value_traded():
    prices = [[100.0, 100.0], [110.0, 103.0]]
    r = backtest(prices, [0.6, 0.4], dates=["2023-12-31", "2024-12-31"], start_value=100_000, costs=10.0)
    assert r.costs[0, 1] == pytest.approx(0.001 * 3_360.0, rel=1e-14)
    assert r.values[0, 1] == pytest.approx(107_200.0 - 3.36, rel=1e-14)
    np.testing.assert_allclose(r.weights[0, 1], [0.6, 0.4], rtol=1e-14)


def test_several_weight_sets_equal_their_single_runs(sp500):
    sets = np.random.default_rng(2).dirichlet(np.ones(sp500.shape[1]), size=3)
    together = backtest(sp500, sets, rebalance="bands", band=0.02, cash_flows=-100.0)
    for s in range(3):
        alone = backtest(sp500, sets[s], rebalance="bands", band=0.02, cash_flows=-100.0)
        np.testing.assert_array_equal(together.values[s], alone.values[0])
        for name in together.statistics._fields:  # NumPy reductions over a (3, n) or (1, n) table: last bits
            a, b = getattr(together.statistics, name)[s], getattr(alone.statistics, name)[0]
            if np.issubdtype(np.asarray(a).dtype, np.floating):
                np.testing.assert_allclose(a, b, rtol=1e-14)
            else:
                np.testing.assert_array_equal(a, b)


def test_returns_input_matches_prices_input(sp500):
    w = np.full(sp500.shape[1], 0.05)
    by_price = backtest(sp500, w, rebalance="quarterly")
    rets = sp500.pct_change().iloc[1:]
    by_return = backtest(rets, w, kind="returns", rebalance="quarterly")
    assert str(by_return.dates[0]) == "2012-12-26"  # one step before the first return (its median gap: 1 day)
    np.testing.assert_allclose(by_return.values, by_price.values, rtol=1e-12)


def test_withdrawals_deplete_and_record_the_shortfall():
    prices = np.ones((25, 2))
    r = backtest(prices, [0.5, 0.5], rebalance="none", start_value=1_000, cash_flows=-100.0,
                 cash_flow_frequency="monthly", periods_per_year=12)
    assert r.values[0, 10] == 0.0 and r.values[0, 9] == 100.0
    assert r.statistics.total_withdrawals[0] == pytest.approx(1_000.0)
    assert r.statistics.shortfall[0] == pytest.approx(100.0 * 14)
    assert np.isnan(r.statistics.mwrr[0]) or r.statistics.mwrr[0] == pytest.approx(0.0, abs=1e-12)


def test_money_weighted_return_solves_its_equation(sp500):
    w = np.full(sp500.shape[1], 0.05)
    r = backtest(sp500, w, rebalance="annual", cash_flows=1_000.0, cash_flow_frequency="quarterly")
    rate = r.statistics.mwrr[0]
    t = (r.dates - r.dates[0]).astype(float) / 365.25  # close to the kernel's calendar-month years
    amounts = -r.cash_flows[0].copy()
    amounts[0] = -r.values[0, 0]
    amounts[-1] += r.values[0, -1]
    assert abs(np.sum(amounts * (1 + rate) ** -t)) < 1e-3 * r.values[0, -1]
    assert r.statistics.cagr[0] > r.statistics.mwrr[0]  # contributions inflate the balance-based CAGR


def test_drawdown_dates():
    dates = pd.date_range("2020-01-31", periods=7, freq="ME")
    prices = np.array([[100.0], [120.0], [90.0], [60.0], [80.0], [121.0], [130.0]])
    r = backtest(pd.DataFrame(prices, index=dates), [1.0], rebalance="none")
    s = r.statistics
    assert s.max_drawdown[0] == pytest.approx(60 / 120 - 1)
    assert (str(s.drawdown_peak[0]), str(s.drawdown_trough[0]), str(s.drawdown_recovery[0])) == (
        "2020-02-29", "2020-04-30", "2020-06-30")
    np.testing.assert_allclose(r.drawdowns[0], [0, 0, -0.25, -0.5, -1 / 3, 0, 0], atol=1e-15)
    np.testing.assert_allclose(r.monthly_values[0], prices[:, 0] * 100, rtol=1e-15)  # $10,000 at 100


def test_benchmark_correlation(sp500):
    w = np.full(sp500.shape[1], 0.05)
    r = backtest(sp500, w, benchmark="AAPL")
    aapl = sp500["AAPL"].to_numpy()
    ends = np.flatnonzero(period_end(sp500.index, "M"))
    pts = aapl[np.r_[0, ends]]
    assert r.statistics.benchmark_correlation[0] == pytest.approx(
        np.corrcoef(r.monthly_returns[0], pts[1:] / pts[:-1] - 1)[0, 1], rel=1e-12)
    alone = backtest(sp500[["AAPL"]], [1.0], benchmark=sp500["AAPL"].to_numpy())
    assert alone.statistics.benchmark_correlation[0] == pytest.approx(1.0, rel=1e-14)


# ------------------------------------------------------------------------------- gaps and start dates


def test_different_start_dates_use_the_common_period_and_say_so(sp500):
    data = sp500.iloc[:300, :3].copy()
    data.iloc[:40, 1] = np.nan  # AMD starts later
    data.iloc[-10:, 2] = np.nan  # BAC ends earlier
    data.iloc[100, 0] = np.nan  # a gap inside
    r = backtest(data, [0.4, 0.3, 0.3])
    assert r.dates[0] == data.index[40] and r.dates[-1] == data.index[-11]
    assert r.note == (f"common period {data.index[40].date()} to {data.index[-11].date()} (AMD starts then; "
                      "BAC ends then); 1 missing value(s) inside it carried forward")
    # an asset no set holds does not shorten the period
    r2 = backtest(data, [0.5, 0.0, 0.5])
    assert r2.dates[0] == data.index[0]


def test_without_dates_rows_are_periods():
    rng = np.random.default_rng(5)
    p = 100 * np.cumprod(1 + rng.normal(0.0004, 0.01, (505, 3)), axis=0)
    r = backtest(p, [0.2, 0.3, 0.5], periods_per_year=252, rebalance="quarterly")
    assert r.statistics.years[0] == pytest.approx(504 / 252)
    review = np.flatnonzero(np.abs(r.trades[0, 1:]).sum(axis=1) > 0) + 1
    np.testing.assert_array_equal(review, [63, 126, 189, 252, 315, 378, 441, 504])
    assert r.monthly_returns.shape == (1, 24) and np.isnat(r.dates).all()
    assert r.note == "common period row 1 to row 505"


# ------------------------------------------------------------------------------------ compiled kernel


@pytest.mark.skipif(PURE_PYTHON, reason="compiled mode only (in plain-Python mode the kernel is its py_func)")
def test_compiled_kernel_equals_its_py_func(monkeypatch):
    rng = np.random.default_rng(7)
    prices = monthly_prices(rng, n_months=40)
    args = dict(rebalance="bands", band=0.02, mode="to_band", cash_flows=-200.0, cash_flow_frequency="quarterly",
                costs=5.0, yields=0.02)
    compiled = backtest(prices, [0.25] * 4, **args)
    monkeypatch.setattr("kernels.backtesting.run._run_backtest", engine._run_backtest.py_func)
    plain = backtest(prices, [0.25] * 4, **args)
    np.testing.assert_allclose(plain.values, compiled.values, rtol=1e-15)
    np.testing.assert_allclose(plain.trades, compiled.trades, rtol=1e-13, atol=1e-10)


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("data, weights, options, message", [
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.4], {}, "weights: must sum to 1 (100%), got 0.9"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5, 0.0], {}, "weights: expected 2 weights per set"),
    ([[1.0, 2.0], [1.1, 2.1]], [[0.5, 0.5], [0.7, 0.2]], {}, "weights (set 2): must sum to 1"),
    ([[1.0, 2.0], [1.1, 2.1]], [1.2, -0.2], {}, "weights: holding 2 has a negative target"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, np.nan], {}, "weights: missing or non-finite value at position 2"),
    (None, [0.5, 0.5], {}, "prices_or_returns: expected a table with one column per asset"),
    ([[1.0, "x"], [1.1, 2.1]], [0.5, 0.5], {}, "prices_or_returns: expected numbers, found text"),
    ([[1.0, 2.0], [1.1, -2.1]], [0.5, 0.5], {}, "prices_or_returns: row 2, column 2 (asset 2) is a price of -2.1"),
    ([[0.1, 0.2], [-1.5, 0.1]], [0.5, 0.5], dict(kind="returns"), "row 2, column 1 is a return of -1.5"),
    ([[1.0, 2.0]], [0.5, 0.5], {}, "the histories overlap on 1 row(s); a backtest needs at least 2 rows"),
    ([[1.0, np.nan], [1.1, np.nan], [1.2, 2.0]], [0.5, 0.5], {}, "the histories overlap on 1 row(s)"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(rebalance="weekly"), "rebalance: expected one of none, daily"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(rebalance="bands"), "rebalance: 'bands' needs band or"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(rebalance="none", band=0.05), "band: has no effect with"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(mode="to_band"), "mode: 'to_band' needs band or relative_band"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(cash_flows=-2.0, cash_flow_type="percent"),
     "cash_flows: a percentage flow of -2 is outside -1..1"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(cash_flows=[1.0, 2.0, 3.0]), "cash_flows: expected one number or"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(costs=-1.0), "costs: expected basis points"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(start_value=0.0), "start_value: must be > 0, got 0."),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(dates=["2024-01-31", "2024-01-31"]),
     "dates: row 2 (2024-01-31) is not after row 1"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(dates=["2024-01-31"]), "dates: expected 2 dates"),
    ([[1.0, 2.0], [1.1, 2.1]], [0.5, 0.5], dict(benchmark=[1.0]), "benchmark: expected one column of 2 values"),
    ([[1.0, 2.0], [1e200, 2.1], [1e200, 2.2]], [0.5, 0.5], dict(kind="returns"),
     "prices_or_returns: column 1 compounds to more than a computer can count"),
    ([[1.0, 2.0], [1e300, 2.1]], [0.5, 0.5], dict(start_value=1e300), "the portfolio value overflowed"),
])
def test_bad_input_messages(data, weights, options, message):
    with pytest.raises(InputError) as err:
        backtest(data, weights, **options)
    assert message in str(err.value)
    assert "\n" not in str(err.value) and len(str(err.value)) < 200
