"""The simulation cell functions (issue 15) against the kernels they wrap, the worked example, and every
message word for word, called as a cell calls them (COM's values through the catalogue's guard)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import kernels
from addin.cells import ERROR_PREFIX
from addin.cells.guard import cell_callable
from addin.cells.normalise import lite_value
from addin.functions import by_name
from workbook.sample_data import load_sample_prices

EPOCH = dt.datetime(1899, 12, 30)
ASSETS = ["AAPL", "JNJ", "KO", "XOM"]
SETS = (("Growth", "Balanced"), (0.4, 0.1), (0.2, 0.3), (0.2, 0.3), (0.2, 0.3))


def call(name, *args, **named):
    """``name`` called as a cell calls it; arguments by name become positions (blank cells before them)."""
    entry = by_name()[name]
    if named:
        order = [a.name for a in entry.arguments]
        full = list(args) + [None] * (len(order) - len(args))
        for key, value in named.items():
            full[order.index(key)] = value
        args = tuple(full)
    return cell_callable(entry)(*args)


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    """Four of the bundled stocks, month ends of 2013-2017 (60 rows)."""
    daily = load_sample_prices()[ASSETS]
    return daily.groupby(daily.index.to_period("M")).tail(1).loc["2013":"2017"]


def com_table(frame: pd.DataFrame, header=True, dates=True):
    """A price table as COM passes a selection of it: a header row, a date column."""
    rows = [tuple(float(x) for x in r) for r in frame.to_numpy()]
    if dates:
        rows = [(d.to_pydatetime(), *r) for d, r in zip(frame.index, rows)]
    if header:
        rows = [(("Date",) if dates else ()) + tuple(frame.columns)] + rows
    return tuple(rows)


def kernel_backtest(frame, **options):
    return kernels.backtest(frame, np.array([r for r in SETS[1:]]).T, **options)


def serial(day) -> float:
    return float((np.datetime64(day, "D") - np.datetime64("1899-12-30", "D")).astype(np.int64))


# ----------------------------------------------------------------------------- BACKTEST


def test_backtest_table_equals_the_kernel(prices):
    table = call("BACKTEST", com_table(prices), SETS, "quarterly", None, 10.0)
    r = kernel_backtest(prices, rebalance="quarterly", costs=10.0)
    s = r.statistics
    assert table[0] == ["Statistic", "Growth", "Balanced"]
    rows = {row[0]: row[1:] for row in table[1:]}
    for label, field in (("Start balance", "start_balance"), ("End balance", "end_balance"), ("CAGR", "cagr"),
                         ("Time-weighted return", "twrr"), ("Money-weighted return", "mwrr"), ("Stdev", "stdev"),
                         ("Best year", "best_year"), ("Worst year", "worst_year"), ("Max. drawdown", "max_drawdown"),
                         ("Sharpe ratio", "sharpe"), ("Sortino ratio", "sortino"), ("Turnover / year", "turnover_per_year"),
                         ("Costs paid", "costs_paid"), ("Years", "years")):
        assert rows[label] == getattr(s, field).tolist(), label
    assert rows["Drawdown trough"] == [str(d) for d in s.drawdown_trough]
    assert "Benchmark correlation" not in rows
    assert table[-1] == ["Period", r.note, r.note] and r.note == "common period 2013-01-31 to 2017-12-29"


def test_backtest_statistics_agree_with_its_own_series(prices):
    """CAGR and maximum drawdown recomputed (NumPy) from the month-end values BACKTEST_SERIES spills."""
    stats = {row[0]: row[1:] for row in call("BACKTEST", com_table(prices), SETS)}
    values = np.array(call("BACKTEST_SERIES", com_table(prices), SETS, "values", header=False))
    assert stats["Years"][0] == pytest.approx(59 / 12, abs=0.01)  # 2013-01-31 to 2017-12-29 in calendar months
    assert (values[-1, 0] - values[0, 0]) / 365.25 == pytest.approx(stats["Years"][0], abs=0.01)
    for j in range(2):
        v = values[:, 1 + j]
        assert stats["End balance"][j] == v[-1]
        assert stats["CAGR"][j] == pytest.approx((v[-1] / v[0]) ** (1 / stats["Years"][j]) - 1, rel=1e-12)
        assert stats["Max. drawdown"][j] == pytest.approx((v / np.maximum.accumulate(v) - 1).min(), rel=1e-12)


def test_the_worked_example_comes_out_exactly():
    """60/40 of $100,000, stocks +10% and bonds +3% in a year, rebalanced at the year end (the issue's seed)."""
    history = ((dt.datetime(2023, 12, 31), 100.0, 100.0), (dt.datetime(2024, 12, 31), 110.0, 103.0))
    table = call("BACKTEST", history, ((0.6,), (0.4,)), "annual", None, 0.0, 100_000.0, header=False)
    rows = {row[0]: row[1] for row in table}
    assert rows["End balance"] == pytest.approx(107_200.0, abs=1e-9)
    assert rows["CAGR"] == pytest.approx(0.072, abs=1e-15)
    assert rows["Max. drawdown"] == 0.0 and rows["Drawdown peak"] == "none"
    weights = call("BACKTEST_SERIES", history, ((0.6,), (0.4,)), "weights", "annual", start_value=100_000.0)
    assert weights[0] == ["Date", "w1", "w2"]
    assert weights[-1][1:] == pytest.approx([0.6, 0.4], abs=1e-15)  # 64,320 / 42,880 after the trade


def test_without_dates_or_header_rows_are_months_and_sets_are_numbered(prices):
    table = call("BACKTEST", com_table(prices, header=False, dates=False), tuple(r for r in SETS[1:]))
    r = kernel_backtest(prices.to_numpy())
    assert table[0] == ["Statistic", "Set 1", "Set 2"]
    rows = {row[0]: row[1:] for row in table}
    assert rows["CAGR"] == r.statistics.cagr.tolist()
    assert rows["Drawdown peak"] == ["n/a (no dates)"] * 2
    assert table[-1][1] == "common period row 1 to row 60"


def test_benchmark_by_name_or_by_range(prices):
    by_name = call("BACKTEST", com_table(prices), SETS, benchmark="KO")
    by_range = call("BACKTEST", com_table(prices), SETS, benchmark=tuple((float(x),) for x in prices["KO"]))
    r = kernel_backtest(prices, benchmark="KO")
    for table in (by_name, by_range):
        rows = {row[0]: row[1:] for row in table}
        assert rows["Benchmark correlation"] == r.statistics.benchmark_correlation.tolist()


def test_one_set_as_a_row_and_options_reach_the_kernel(prices):
    weights = ((0.25, 0.25, 0.25, 0.25),)
    table = call("BACKTEST", com_table(prices), weights, "bands", 0.02, 5.0, 50_000.0, -1_000.0, "inflation_adjusted",
                 "quarterly", 0.03, 0.004, 0.01)
    r = kernels.backtest(prices, [0.25] * 4, rebalance="bands", band=0.02, costs=5.0, start_value=50_000.0,
                         cash_flows=-1_000.0, cash_flow_type="inflation_adjusted", cash_flow_frequency="quarterly",
                         inflation=0.03, fees=0.004, risk_free=0.01)
    rows = {row[0]: row[1:] for row in table}
    assert table[0] == ["Statistic", "Portfolio"]
    for label, field in (("End balance", "end_balance"), ("Withdrawals", "total_withdrawals"),
                         ("Fees paid", "fees_paid"), ("Sharpe ratio", "sharpe"), ("Costs paid", "costs_paid")):
        assert rows[label] == getattr(r.statistics, field).tolist(), label


@pytest.mark.parametrize("output", ["values", "drawdowns", "monthly", "annual", "weights"])
def test_backtest_series_equals_the_kernel(prices, output):
    table = call("BACKTEST_SERIES", com_table(prices), SETS, output, "monthly")
    r = kernel_backtest(prices, rebalance="monthly")
    points = np.concatenate([r.dates[:1], r.month_ends])
    body = np.array(table[1:])
    if output == "annual":
        assert table[0] == ["Year", "Growth", "Balanced"]
        assert body[:, 0].tolist() == r.years.tolist() == [2013, 2014, 2015, 2016, 2017]
        np.testing.assert_array_equal(body[:, 1:], r.annual_returns.T)
        return
    dates = points[1:] if output == "monthly" else points
    assert body[:, 0].tolist() == [serial(d) for d in dates]
    assert table[0][0] == "Date"
    expected = {"values": r.monthly_values.T, "drawdowns": r.drawdowns.T, "monthly": r.monthly_returns.T,
                "weights": r.weights[0][np.searchsorted(r.dates, points)]}[output]
    np.testing.assert_array_equal(body[:, 1:], expected)
    if output == "weights":
        assert table[0][1:] == ASSETS


def test_a_gap_and_a_late_start_are_handled_and_said(prices):
    table = [list(r) for r in com_table(prices)]
    table[1][3] = None  # KO missing on the first month: the common period starts a month later
    table[10][1] = None  # a gap: carried forward
    result = call("BACKTEST", tuple(map(tuple, table)), SETS)
    assert result[-1][1] == ("common period 2013-02-28 to 2017-12-29 (KO starts then); "
                             "1 missing value(s) inside it carried forward")


# ----------------------------------------------------------------------------- Monte Carlo

MU, VOLS = ((0.08,), (0.06,), (0.03,)), ((0.15,), (0.10,), (0.05,))
CORR = ((1.0, 0.3, 0.1), (0.3, 1.0, 0.2), (0.1, 0.2, 1.0))
W3 = ((0.5,), (0.3,), (0.2,))


def kernel_plan(**options):
    return kernels.simulate_plan([0.5, 0.3, 0.2], expected_returns=[0.08, 0.06, 0.03], volatilities=[0.15, 0.1, 0.05],
                                 correlations=np.array(CORR), **options)


def test_plan_functions_equal_the_kernel():
    options = dict(years=25, start_value=500_000.0, withdrawal=22_000.0, n_paths=3_000, seed=7)
    plan = kernel_plan(**options)
    args = (W3, MU, VOLS, CORR, 25.0, 500_000.0, 22_000.0, "fixed_real", 0.025, 0.0, 0.0, 0.0, 0.0, "annual", None,
            "normal", 3_000.0, 7.0)
    assert call("PLAN_SUCCESS", *args) == plan.success_probability
    summary = call("PLAN_SUMMARY", *args)
    assert [r[0] for r in summary][:3] == ["Success probability", "Safe withdrawal rate", "Perpetual withdrawal rate"]
    assert [r[1] for r in summary] == [plan.success_probability, plan.safe_withdrawal_rate,
                                       plan.perpetual_withdrawal_rate, 0.9, plan.real_value[2, -1],
                                       plan.real_value[0, -1], plan.real_value[4, -1], plan.annual_return[2],
                                       plan.annual_return_real[2], 3000.0, 7.0]
    rates = (W3, MU, VOLS, CORR, 0.9, 25.0, 500_000.0, 0.025, 0.0, 0.0, 0.0, 0.0, "annual", None, "normal", 3_000.0, 7.0)
    assert call("SAFE_WITHDRAWAL_RATE", *rates) == plan.safe_withdrawal_rate
    assert call("PERPETUAL_WITHDRAWAL_RATE", *rates) == plan.perpetual_withdrawal_rate
    table = call("PLAN_PERCENTILES", W3, MU, VOLS, CORR, "nominal", ((0.05, 0.5, 0.95),), 25.0, 500_000.0, 22_000.0,
                 n_paths=3_000.0, seed=7.0)
    plan_q = kernel_plan(**options, percentiles=[0.05, 0.5, 0.95])
    assert table[0] == ["Year", "5%", "50%", "95%"]
    np.testing.assert_array_equal(np.array(table[1:]), np.column_stack([np.arange(26), plan_q.nominal_value.T]))


def test_the_safe_rate_lasts_on_the_target_share_of_paths():
    """A property, not the kernel's word: withdrawing the safe rate succeeds on about 90% of the paths."""
    rate = call("SAFE_WITHDRAWAL_RATE", W3, MU, VOLS, CORR)
    success = call("PLAN_SUCCESS", W3, MU, VOLS, CORR, 30.0, 1_000_000.0, rate * 1_000_000.0)
    assert 0.895 <= success <= 0.91
    assert call("PLAN_SUCCESS", W3, MU, VOLS, CORR, 30.0, 1_000_000.0, (rate + 0.002) * 1_000_000.0) < 0.89


def test_the_assumptions_defaults_cover_five_assets_and_the_seed_is_fixed():
    w5 = ((0.4,), (0.2,), (0.3,), (0.05,), (0.05,))
    first = call("PLAN_SUCCESS", w5)
    assert first == kernels.simulate_plan([0.4, 0.2, 0.3, 0.05, 0.05]).success_probability
    assert call("PLAN_SUCCESS", w5) == first  # a cached value stays right: same seed, same number
    assert call("PLAN_SUCCESS", w5, seed=1.0) != first


def test_plan_history_equals_the_kernel(prices):
    weights = ((0.25,), (0.25,), (0.25,), (0.25,))
    summary = call("PLAN_HISTORY", com_table(prices), weights, "bootstrap", 12.0)
    dates = [serial(d) for d in prices.index]
    plan = kernels.simulate_plan([0.25] * 4, returns_model="bootstrap", history=prices.to_numpy(), history_dates=dates,
                                 history_kind="prices", block_months=12)
    assert summary[:3] == [["Success probability", plan.success_probability],
                           ["Safe withdrawal rate", plan.safe_withdrawal_rate],
                           ["Perpetual withdrawal rate", plan.perpetual_withdrawal_rate]]


def test_lite_values_give_the_same_results(prices):
    """Office.js's form (whole numbers as int, dates as serial numbers, lists) through Lite's normaliser."""
    com = com_table(prices)
    lite = [[int(serial(r[0])) if isinstance(r[0], dt.datetime) else r[0], *r[1:]] for r in com]
    as_lite = cell_callable(by_name()["BACKTEST"], lite_value)
    assert as_lite(lite, [list(r) for r in SETS], [["quarterly"]]) == call("BACKTEST", com, SETS, "quarterly")


# ----------------------------------------------------------------------------- messages, word for word

def _shifted(prices):
    table = [list(r) for r in com_table(prices)]
    table[3][2] = -1.0  # data row 3, JNJ: selection row 4, column 3
    return tuple(map(tuple, table))


def _unsorted(prices):
    table = [list(r) for r in com_table(prices)]
    table[2][0], table[3][0] = table[3][0], table[2][0]
    return tuple(map(tuple, table))


MESSAGES = [
    ("BACKTEST", lambda p: (((),), SETS), "prices: is empty; select the history, one row per date and one column per asset."),
    ("BACKTEST", lambda p: (_shifted(p), SETS), "prices: row 4, column 3 (JNJ) is a price of -1; prices must be > 0."),
    ("BACKTEST", lambda p: (_unsorted(p), SETS),
     "prices: row 4 (2013-02-28) is not after row 3 (2013-03-28); sort the history by date, one row per date."),
    ("BACKTEST", lambda p: (((None, "A", "B"), (dt.datetime(2020, 1, 31), 1.0, 2.0), (None, 1.0, 2.0)), ((0.5, 0.5),)),
     "prices: a blank cell at row 3, column 1 (the dates); give every row its date."),
    ("BACKTEST", lambda p: (com_table(p), ((0.5,), (0.5,), (0.0,))),
     "weights: expected 4 rows (one per asset of the history) and one column per weight set, got 3 x 1."),
    ("BACKTEST", lambda p: (com_table(p), (("A", "B"), (0.4, 0.4), (0.2, 0.2), (0.2, 0.2), (0.2, 0.1))),
     "weights (set 2): must sum to 1 (100%), got 0.9; adjust the weights so they add up to 1."),
    ("BACKTEST", lambda p: (com_table(p), SETS, "weekly"),
     "rebalance: expected one of none, daily, monthly, quarterly, semiannual, annual, bands, cash_flow, got 'weekly'."),
    ("BACKTEST", lambda p: (com_table(p), SETS, "none", 0.05),
     "band: has no effect with rebalance='none'; choose 'bands' or a calendar policy."),
    ("BACKTEST", lambda p: (com_table(p), SETS, "annual", None, -5.0),
     "costs_bp: expected basis points of the value traded between 0 and 10,000 (10 = 0.10%)."),
    ("BACKTEST", lambda p: (com_table(p), SETS, "annual", None, 0.0, 0.0),
     "start_value: must be > 0, got 0."),
    ("BACKTEST", lambda p: (com_table(p), SETS, "annual", None, 0.0, 10_000.0, 0.0, "sometimes"),
     "cash_flow_type: expected one of fixed, inflation_adjusted, percent, got 'sometimes'."),
    ("BACKTEST", lambda p: (com_table(p), SETS, "annual", None, 0.0, 10_000.0, -0.05, "percent", "weekly"),
     "cash_flow_frequency: expected one of monthly, quarterly, semiannual, annual, got 'weekly'."),
    ("BACKTEST", lambda p: (com_table(p), SETS, "annual", None, 0.0, 10_000.0, 0.0, "fixed", "annual", 0.025, 1.0),
     "fees: must be < 1, got 1."),
    ("BACKTEST", lambda p: (com_table(p), SETS) + (None,) * 10 + ("SPY",),
     "benchmark: no column named 'SPY' in the history's header row; use one of AAPL, JNJ, KO, XOM."),
    ("BACKTEST", lambda p: (com_table(p), SETS) + (None,) * 11 + ("levels",),
     "data_kind: expected one of prices, returns, got 'levels'."),
    ("BACKTEST", lambda p: (com_table(p, dates=False), SETS) + (None,) * 12 + (0.0,),
     "periods_per_year: must be >= 1, got 0."),
    ("BACKTEST", lambda p: (com_table(p), SETS) + (None,) * 14 + ("halfway",),
     "mode: expected one of to_target, to_band, got 'halfway'."),
    ("BACKTEST", lambda p: (com_table(p), SETS) + (None,) * 15 + (1.5,),
     "yields: expected yearly yields as fractions between 0 and 1 (0.03 = 3%)."),
    ("BACKTEST", lambda p: (com_table(p), SETS) + (None,) * 16 + ("spend",),
     "income: expected one of reinvest, pay_out, got 'spend'."),
    ("BACKTEST_SERIES", lambda p: (com_table(p), SETS, "growth"),
     "output: expected one of values, drawdowns, annual, monthly, weights, got 'growth'."),
    ("PLAN_SUCCESS", lambda p: (W3,),
     "expected_returns: needed for 3 assets (the defaults cover the 5 asset classes of the Assumptions sheet); give "
     "expected_returns and volatilities."),
    ("PLAN_SUCCESS", lambda p: (W3, MU, VOLS, CORR, 101.0), "years: must be <= 100, got 101."),
    ("PLAN_SUCCESS", lambda p: (W3, MU, VOLS, CORR) + (None,) * 3 + ("monthly",),
     "withdrawal_type: expected one of fixed_real, fixed_nominal, percent, income, got 'monthly'."),
    ("PLAN_SUCCESS", lambda p: (W3, MU, VOLS, CORR) + (None,) * 12 + (100_001.0,),
     "n_paths: at most 100,000 in a cell, got 100,001; use the Simulate button or xlfolio simulate for more."),
    ("PLAN_SUCCESS", lambda p: (W3, MU, VOLS, CORR) + (None,) * 12 + (2.5,), "n_paths: expected a whole number, got 2.5."),
    ("PLAN_SUCCESS", lambda p: (W3, MU, ((0.15,), (0.1,))),
     "volatilities: expected 3 values (one per asset, n_assets=3), got 2."),
    ("PLAN_SUCCESS", lambda p: (W3, MU, VOLS, ((2.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))),
     "correlations: expected 1 on the diagonal and values between -1 and 1."),
    ("PLAN_SUCCESS", lambda p: (W3, MU, VOLS, CORR) + (None,) * 11 + ("cauchy",),
     "distribution: expected one of normal, lognormal, student_t, got 'cauchy'."),
    ("SAFE_WITHDRAWAL_RATE", lambda p: (W3, MU, VOLS, CORR, 1.5),
     "success_target: must be < 1, got 1.5."),
    ("SAFE_WITHDRAWAL_RATE", lambda p: (W3, MU, VOLS, CORR, 0.9, 30.0, 0.0, 0.025, 5.0, 10_000.0, 5.0),
     "start_value: is 0; withdrawal rates are fractions of the start value, enter one."),
    ("PLAN_PERCENTILES", lambda p: (W3, MU, VOLS, CORR, "median"),
     "output: expected one of real, nominal, income, got 'median'."),
    ("PLAN_PERCENTILES", lambda p: (W3, MU, VOLS, CORR, "real", ((10.0, 50.0, 90.0),)),
     "percentiles: expected fractions between 0 and 1 (0.1 = 10th percentile)."),
    ("PLAN_HISTORY", lambda p: (com_table(p), ((0.5,), (0.5,))),
     "history: expected 2 columns (one per asset), got 4."),
    ("PLAN_HISTORY", lambda p: (com_table(p), ((0.25,),) * 4, "bootstrap", 100.0),
     "block_months: must be <= 59, got 100."),
    ("PLAN_HISTORY", lambda p: (com_table(p), ((0.25,),) * 4, "parameterised"),
     "returns_model: expected one of bootstrap, statistical, got 'parameterised'."),
]


@pytest.mark.parametrize(("name", "args", "message"), MESSAGES, ids=[f"{m[0]}-{m[2].split(':')[0]}" for m in MESSAGES])
def test_bad_input_message_names_the_excel_argument(prices, name, args, message):
    assert call(name, *args(prices)) == ERROR_PREFIX + message
