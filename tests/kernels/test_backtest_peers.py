"""Backtests against bt, vectorbt, ffn, quantstats and empyrical on the bundled S&P 500 prices.

Conventions that agree (and are compared to 1e-9): rebalancing at the close of the last trading day of each
calendar period (bt: ``RunQuarterly(run_on_end_of_period=True, run_on_last_date=True)``; vectorbt: target
percentages on those rows), fractional shares, no costs. bt's ``RunIfOutOfBounds`` is a relative band checked
every day (our ``rebalance="bands", relative_band=...``); an absolute band is the same algo with
``|w - target| > band``, written here. The statistics peers get our monthly returns.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kernels.backtesting import backtest
from tests.tolerances import RTOL_PEER_BACKTEST, RTOL_STATISTICS

PRICES_CSV = Path(__file__).resolve().parents[2] / "workbook" / "data" / "sp500_prices.csv"

bt = pytest.importorskip("bt")


@pytest.fixture(scope="module")
def sp500():
    return pd.read_csv(PRICES_CSV, index_col=0, parse_dates=True)


def _weights(sp500, seed):
    return np.random.default_rng(seed).dirichlet(np.ones(sp500.shape[1]))


def _run_bt(sp500, algos):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strategy = bt.Strategy("s", algos)
        test = bt.Backtest(strategy, sp500, initial_capital=1e6, integer_positions=False, progress_bar=False)
        res = bt.run(test)
    return res.backtests["s"].strategy.values.iloc[1:].to_numpy()  # bt adds a day before the first


CALENDAR = {"monthly": "RunMonthly", "quarterly": "RunQuarterly", "annual": "RunYearly"}


@pytest.mark.slow
@pytest.mark.parametrize("policy", list(CALENDAR))
def test_calendar_rebalancing_equals_bt(sp500, policy):
    w = _weights(sp500, 0)
    run = getattr(bt.algos, CALENDAR[policy])(run_on_end_of_period=True, run_on_last_date=True)
    theirs = _run_bt(sp500, [run, bt.algos.SelectAll(), bt.algos.WeighSpecified(**dict(zip(sp500.columns, w))),
                             bt.algos.Rebalance()])
    ours = backtest(sp500, w, rebalance=policy, start_value=1e6).values[0]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL_PEER_BACKTEST)


class _RunIfOutsideAbsoluteBand(bt.core.Algo):
    """bt's RunIfOutOfBounds with an absolute band: any |weight - target| > band."""

    def __init__(self, band):
        super().__init__()
        self.band = band

    def __call__(self, target):
        targets = target.temp["weights"]
        held = target.children
        return any(abs((held[c].weight if c in held else 0.0) - w) > self.band for c, w in targets.items())


@pytest.mark.slow
@pytest.mark.parametrize("kind, width", [("relative", 0.25), ("absolute", 0.01)])
def test_band_rebalancing_equals_bt(sp500, kind, width):
    w = _weights(sp500, 1)
    check = bt.algos.RunIfOutOfBounds(width) if kind == "relative" else _RunIfOutsideAbsoluteBand(width)
    theirs = _run_bt(sp500, [bt.algos.SelectAll(), bt.algos.WeighSpecified(**dict(zip(sp500.columns, w))),
                             bt.algos.Or([bt.algos.RunOnce(), check]), bt.algos.Rebalance()])
    band = dict(relative_band=width) if kind == "relative" else dict(band=width)
    r = backtest(sp500, w, rebalance="bands", start_value=1e6, **band)
    assert np.count_nonzero(r.turnover[0]) > 3  # the band does trigger
    np.testing.assert_allclose(r.values[0], theirs, rtol=RTOL_PEER_BACKTEST)


@pytest.mark.slow
@pytest.mark.parametrize("policy, freq", [("monthly", "M"), ("quarterly", "Q"), ("annual", "Y")])
def test_calendar_rebalancing_equals_vectorbt(sp500, policy, freq):
    vbt = pytest.importorskip("vectorbt")
    w = _weights(sp500, 2)
    period = sp500.index.to_period(freq)
    rows = np.r_[period[:-1] != period[1:], True]
    rows[0] = True  # the initial purchase
    size = pd.DataFrame(np.nan, index=sp500.index, columns=sp500.columns)
    size.iloc[rows] = w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pf = vbt.Portfolio.from_orders(sp500, size, size_type="targetpercent", group_by=True, cash_sharing=True,
                                       call_seq="auto", init_cash=1e6, freq="D")
        theirs = pf.value().to_numpy()
    ours = backtest(sp500, w, rebalance=policy, start_value=1e6).values[0]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL_PEER_BACKTEST)


# ---------------------------------------------------------------------------------------- statistics


@pytest.fixture(scope="module")
def monthly_run(sp500):
    """A backtest on month-end prices (whole months, so every peer's month counts agree)."""
    month_end = sp500.groupby(sp500.index.to_period("M")).tail(1).iloc[1:]  # Jan 2013 ... Dec 2022
    month_end.index = month_end.index.to_period("M").to_timestamp("M")
    w = _weights(sp500, 3)
    r = backtest(month_end, w, rebalance="quarterly", risk_free=0.02)
    returns = pd.Series(r.monthly_returns[0], index=pd.DatetimeIndex(r.month_ends))
    return r, returns


def test_statistics_equal_empyrical(monthly_run):
    ep = pytest.importorskip("empyrical")
    r, m = monthly_run
    s = r.statistics
    rf = 1.02 ** (1 / 12) - 1
    assert s.sharpe[0] == pytest.approx(ep.sharpe_ratio(m, risk_free=rf, period="monthly"), rel=RTOL_STATISTICS)
    assert s.sortino[0] == pytest.approx(ep.sortino_ratio(m, required_return=rf, period="monthly"),
                                         rel=RTOL_STATISTICS)
    assert s.stdev[0] == pytest.approx(ep.annual_volatility(m, period="monthly"), rel=RTOL_STATISTICS)
    assert s.max_drawdown[0] == pytest.approx(ep.max_drawdown(m), rel=RTOL_STATISTICS)
    assert s.twrr[0] == pytest.approx(ep.cagr(m, period="monthly"), rel=RTOL_STATISTICS)


def test_statistics_equal_quantstats(monthly_run):
    qs = pytest.importorskip("quantstats")
    r, m = monthly_run
    s = r.statistics
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert s.sharpe[0] == pytest.approx(qs.stats.sharpe(m, rf=0.02, periods=12), rel=RTOL_STATISTICS)
        assert s.sortino[0] == pytest.approx(qs.stats.sortino(m, rf=0.02, periods=12), rel=RTOL_STATISTICS)
        assert s.stdev[0] == pytest.approx(qs.stats.volatility(m, periods=12), rel=RTOL_STATISTICS)
        assert s.max_drawdown[0] == pytest.approx(qs.stats.max_drawdown(m), rel=RTOL_STATISTICS)
        assert s.twrr[0] == pytest.approx(qs.stats.cagr(m, periods=12), rel=RTOL_STATISTICS)


def test_statistics_equal_ffn(monthly_run):
    ffn = pytest.importorskip("ffn")
    r, m = monthly_run
    s = r.statistics
    index = pd.Series(r.values[0, np.r_[0, np.flatnonzero(np.isin(r.dates, r.month_ends))]],
                      index=pd.DatetimeIndex(np.r_[r.dates[:1], r.month_ends]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert s.sharpe[0] == pytest.approx(ffn.core.calc_sharpe(m, 0.02, 12), rel=RTOL_STATISTICS)  # yearly rf
        assert s.sortino[0] == pytest.approx(ffn.core.calc_sortino_ratio(m, 0.02, 12), rel=RTOL_STATISTICS)
        assert s.max_drawdown[0] == pytest.approx(ffn.core.calc_max_drawdown(index), rel=RTOL_STATISTICS)
        # ffn's CAGR counts days / 365 (ours and PV's count calendar months): close, not equal
        assert s.cagr[0] == pytest.approx(ffn.core.calc_cagr(index), rel=1e-3)
