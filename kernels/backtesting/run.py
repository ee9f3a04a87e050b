"""``backtest``: how weight sets, rebalanced by a policy, with cash flows, costs and income, would have done."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_bounds, as_scalar, check_choice
from .._validate.arrays import _to_float_array
from ..errors import InputError
from ..rebalance import check_bands, check_mode, check_targets
from .calendar import (
    CALENDAR_FREQUENCIES,
    calendar,
    period_end_rows,
    period_ids,
    year_fractions,
)
from .engine import _run_backtest
from .history import HISTORY_KINDS, prepare_history
from .statistics import (
    BacktestStatistics,
    annualised_ratios,
    correlation,
    drawdown,
    growth_rate,
    internal_rate,
    sampled_returns,
    time_weighted_index,
)

#: ``rebalance`` words: when the policy looks at the weights.
REBALANCE_POLICIES = ("none", "daily", "monthly", "quarterly", "semiannual", "annual", "bands", "cash_flow")
#: ``cash_flow_type`` words.
CASH_FLOW_TYPES = ("fixed", "inflation_adjusted", "percent")
#: ``cash_flow_frequency`` words.
CASH_FLOW_FREQUENCIES = tuple(CALENDAR_FREQUENCIES)
#: ``income`` words.
INCOME_OPTIONS = ("reinvest", "pay_out")

_NAT = np.datetime64("NaT", "D")
_OVERFLOW = ("prices_or_returns: the portfolio value overflowed; check for typos (50 for 0.50, or prices in "
             "different units within one column).")


class BacktestResult(NamedTuple):
    """Paths and statistics of a backtest, one row (first axis) per weight set.

    Attributes
    ----------
    statistics : BacktestStatistics
        Portfolio Visualizer's summary, one entry per weight set.
    values : ndarray of shape (n_sets, n_obs)
        Portfolio value after each row's flows and trades, currency (row 0: the start value).
    weights : ndarray of shape (n_sets, n_obs, n_assets)
        Weights after each row's trades.
    trades : ndarray of shape (n_sets, n_obs, n_assets)
        Amount bought (+) or sold (-) on each row, currency (row 0: the initial purchase).
    income : ndarray of shape (n_sets, n_obs)
        Income the holdings paid during each row (reinvested or paid out), currency.
    cash_flows : ndarray of shape (n_sets, n_obs)
        Deposits (+) and withdrawals (-) made on each row, currency.
    costs, fees : ndarray of shape (n_sets, n_obs)
        Transaction costs and fees paid on each row, currency.
    turnover : ndarray of shape (n_sets, n_obs)
        One-way turnover of each row's trades, ``min(buys, sells) / value``.
    dates : ndarray of shape (n_obs,), datetime64[D]
        Date of each row of the common period (NaT without dates).
    rows : ndarray of shape (n_obs,), int
        Input row of each row (0-based; -1 for the start added before a returns history).
    month_ends : ndarray of shape (n_months,), datetime64[D]
        Dates of the month-end points the statistics use (NaT without dates).
    monthly_values : ndarray of shape (n_sets, n_months + 1)
        Value at the start and at each month end (the growth chart's points), currency.
    monthly_returns : ndarray of shape (n_sets, n_months)
        Time-weighted return of each month.
    drawdowns : ndarray of shape (n_sets, n_months + 1)
        Drawdown of the time-weighted index at the start and each month end (<= 0).
    years : ndarray of shape (n_years,), int
        Calendar years (1, 2, ... counted from the start without dates).
    annual_returns : ndarray of shape (n_sets, n_years)
        Time-weighted return of each (possibly partial) calendar year.
    names : tuple of str
        Asset names (columns).
    note : str
        The common period used and the gaps filled.
    """

    statistics: BacktestStatistics
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    trades: NDArray[np.float64]
    income: NDArray[np.float64]
    cash_flows: NDArray[np.float64]
    costs: NDArray[np.float64]
    fees: NDArray[np.float64]
    turnover: NDArray[np.float64]
    dates: NDArray[np.datetime64]
    rows: NDArray[np.int64]
    month_ends: NDArray[np.datetime64]
    monthly_values: NDArray[np.float64]
    monthly_returns: NDArray[np.float64]
    drawdowns: NDArray[np.float64]
    years: NDArray[np.int64]
    annual_returns: NDArray[np.float64]
    names: tuple[str, ...]
    note: str


def _weight_sets(weights: ArrayLike, n_assets: int) -> NDArray[np.float64]:
    w = _to_float_array(weights, "weights")
    if w.ndim == 1:
        w = w.reshape(1, -1)
    if w.ndim != 2 or w.size == 0:
        raise InputError("weights: expected one row of weights per weight set (n_sets x n_assets).")
    if w.shape[1] != n_assets:
        raise InputError(f"weights: expected {n_assets} weights per set (one per column of prices_or_returns), "
                         f"got {w.shape[1]}.")
    for s in range(w.shape[0]):
        check_targets(w[s], n_assets, name="weights" if w.shape[0] == 1 else f"weights (set {s + 1})")
    return np.ascontiguousarray(w)


def _flow_schedule(cash_flows, flow_type, frequency, inflation, n_rows_input, rows, cal):
    """``(flow_amt, flow_pct)`` per row of the common period."""
    years = cal.elapsed
    n_obs = rows.size
    amt = np.zeros(n_obs)
    pct = np.zeros(n_obs)
    arr = _to_float_array(cash_flows, "cash_flows")
    if arr.ndim == 0 or arr.size == 1:
        amount = as_scalar(float(arr.reshape(-1)[0]), "cash_flows")
        if amount == 0.0:
            return amt, pct
        ends = period_end_rows(period_ids(cal, CALENDAR_FREQUENCIES[frequency]))
        if flow_type == "percent":
            if not -1.0 <= amount <= 1.0:
                raise InputError(f"cash_flows: a percentage flow of {amount:.4g} is outside -1..1; enter a fraction "
                                 "of the portfolio per flow date (-0.01 withdraws 1%).")
            pct[ends] = amount
        elif flow_type == "inflation_adjusted":
            amt[ends] = amount * (1.0 + inflation) ** years[ends]
        else:
            amt[ends] = amount
        return amt, pct
    if flow_type == "percent":
        raise InputError("cash_flows: a percentage flow takes one number (the fraction per flow date), not a list.")
    sched = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if sched.ndim != 1 or sched.size != n_rows_input:
        raise InputError(f"cash_flows: expected one number or one per row of the history ({n_rows_input}), "
                         f"got {sched.size}.")
    sched = np.nan_to_num(sched, nan=0.0)
    if np.any(~np.isfinite(sched)):
        raise InputError("cash_flows: an entry is infinite; enter amounts of currency.")
    inside = rows >= 0
    amt[inside] = sched[rows[inside]]
    if flow_type == "inflation_adjusted":
        amt *= (1.0 + inflation) ** years
    amt[0] = 0.0  # a flow on the first row is part of start_value
    return amt, pct


def _review_rows(policy: str, cal) -> NDArray[np.bool_]:
    n_obs = cal.n_rows
    if policy in ("none", "cash_flow"):
        return np.zeros(n_obs, np.bool_)
    if policy in ("daily", "bands"):
        review = np.ones(n_obs, np.bool_)
        review[0] = False
        return review
    return period_end_rows(period_ids(cal, CALENDAR_FREQUENCIES[policy]))


def backtest(
    prices_or_returns: ArrayLike,
    weights: ArrayLike,
    *,
    kind: str = "prices",
    dates: ArrayLike | None = None,
    periods_per_year: int | None = None,
    rebalance: str = "annual",
    band: ArrayLike | None = None,
    relative_band: float | None = None,
    mode: str = "to_target",
    cash_flows: ArrayLike = 0.0,
    cash_flow_type: str = "fixed",
    cash_flow_frequency: str = "annual",
    inflation: float = 0.025,
    costs: ArrayLike = 0.0,
    fees: float = 0.0,
    yields: ArrayLike = 0.0,
    income: str = "reinvest",
    start_value: float = 10_000.0,
    risk_free: float = 0.0,
    benchmark: ArrayLike | str | None = None,
) -> BacktestResult:
    """Backtest one or several weight sets under a rebalancing policy.

    Parameters
    ----------
    prices_or_returns : array_like of shape (n_rows, n_assets), or a pandas DataFrame
        Prices (> 0; adjusted closes include dividends) or periodic returns (decimal fractions), one column
        per asset, oldest row first. Blanks (NaN) before an asset starts, after it ends, or as gaps: the
        common period of the held assets is used and ``note`` says which.
    weights : array_like of shape (n_assets,) or (n_sets, n_assets)
        Target weights (>= 0, each set summing to 1); one result row per set.
    kind : {"prices", "returns"}, default "prices"
        What the rows hold. Returns: the start is one period before the first row.
    dates : array_like of shape (n_rows,), optional
        Dates of the rows (a DataFrame's DatetimeIndex is used when not given); Excel date numbers work.
    periods_per_year : int, optional
        Rows per year when there are no dates (default 12: monthly rows; 252 daily); with dated returns,
        where the start lies (one period before the first row).
    rebalance : {"none", "daily", "monthly", "quarterly", "semiannual", "annual", "bands", "cash_flow"}
        When the weights are reviewed: never (buy and hold), every row, at the last row of each calendar
        period (the final row included), every row against the bands, or only through cash flows
        (deposits to the most underweight holdings, withdrawals from the most overweight).
    band, relative_band : optional
        Bands of :func:`kernels.rebalance_trades` (weight points; fraction of each target; the narrower
        applies). With a calendar policy the bands are checked on its review dates only.
    mode : {"to_target", "to_band"}, default "to_target"
        Once a band is crossed, trade back to the targets or only to the band edges.
    cash_flows : float or array_like of shape (n_rows,), default 0
        Deposit (> 0) or withdrawal (< 0) on each flow date (a currency amount, or with ``"percent"`` a
        fraction of the value), or one amount per row of the history.
    cash_flow_type : {"fixed", "inflation_adjusted", "percent"}, default "fixed"
        Fixed amounts, amounts growing with ``inflation`` from the start, or a fraction of the value.
    cash_flow_frequency : {"monthly", "quarterly", "semiannual", "annual"}, default "annual"
        Flow dates: the last row of each period.
    inflation : float, default 0.025
        Yearly inflation for inflation-adjusted flows.
    costs : float or array_like of shape (n_assets,), default 0
        Transaction costs in basis points of the value traded (10 = 0.10%).
    fees : float, default 0
        Yearly fee as a fraction of the value (0.005 = 0.5%), charged every row pro rata.
    yields : float or array_like of shape (n_assets,), default 0
        Yearly income yield of each asset (leave 0 when the prices already include dividends).
    income : {"reinvest", "pay_out"}, default "reinvest"
        Reinvest the income in the holding that paid it, or pay it out.
    start_value : float, default 10,000
        Value invested at the first row at the target weights, currency.
    risk_free : float, default 0
        Yearly risk-free rate for the Sharpe and Sortino ratios.
    benchmark : array_like of shape (n_rows,) or str, optional
        Benchmark prices or returns (same kind and rows), or a DataFrame column name.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InputError
        Text or blanks where numbers belong, shapes that do not match, weights not summing to 1, prices
        <= 0 or returns <= -100%, unknown words, a common period shorter than two rows, values that overflow.

    Examples
    --------
    The 60/40 example: $100,000, stocks +10% and bonds +3% in a year, rebalanced at the year end:

    >>> r = backtest([[100.0, 100.0], [110.0, 103.0]], [0.6, 0.4], dates=["2023-12-31", "2024-12-31"],
    ...              start_value=100_000)
    >>> r.trades[0, 1].round(2).tolist(), (r.weights[0, 1] * r.values[0, 1]).round(2).tolist()
    ([-1680.0, 1680.0], [64320.0, 42880.0])
    """
    kind = check_choice(kind, "kind", HISTORY_KINDS)
    policy = check_choice(rebalance, "rebalance", REBALANCE_POLICIES)
    flow_type = check_choice(cash_flow_type, "cash_flow_type", CASH_FLOW_TYPES)
    frequency = check_choice(cash_flow_frequency, "cash_flow_frequency", CASH_FLOW_FREQUENCIES)
    income_word = check_choice(income, "income", INCOME_OPTIONS)
    v0 = as_scalar(start_value, "start_value", low=0.0, low_inclusive=False)
    infl = as_scalar(inflation, "inflation", low=-0.5, high=1.0)
    fee = as_scalar(fees, "fees", low=0.0, high=1.0, high_inclusive=False)
    rf = as_scalar(risk_free, "risk_free", low=-0.5, high=1.0)
    ppy = 12 if periods_per_year is None else int(as_scalar(periods_per_year, "periods_per_year", low=1.0,
                                                            high=100_000.0, integer=True))
    if np.ndim(prices_or_returns) not in (1, 2) or np.size(prices_or_returns) == 0:
        raise InputError("prices_or_returns: expected a table with one column per asset and one row per date.")
    raw_rows = np.shape(prices_or_returns)[0]
    n_assets = np.shape(prices_or_returns)[1] if np.ndim(prices_or_returns) == 2 else 1
    w = _weight_sets(weights, n_assets)
    n_sets = w.shape[0]
    band_abs, band_rel, has_band = check_bands(band, relative_band, n_assets)
    to_band = check_mode(mode, has_band)
    if policy == "bands" and not has_band:
        raise InputError("rebalance: 'bands' needs band or relative_band; give a band (0.05 = 5 points).")
    if has_band and policy in ("none", "cash_flow"):
        raise InputError(f"band: has no effect with rebalance={policy!r}; choose 'bands' or a calendar policy.")
    cost_rate = as_bounds(costs, n_assets, "costs")
    if np.any(cost_rate < 0) or np.any(cost_rate >= 10_000):
        raise InputError("costs: expected basis points of the value traded between 0 and 10,000 (10 = 0.10%).")
    cost_rate = cost_rate / 10_000.0
    y = as_bounds(yields, n_assets, "yields")
    if np.any(y < 0) or np.any(y >= 1):
        raise InputError("yields: expected yearly yields as fractions between 0 and 1 (0.03 = 3%).")

    hist = prepare_history(prices_or_returns, kind=kind, dates=dates, held=np.any(w > 0, axis=0),
                           benchmark=benchmark, periods_per_year=periods_per_year)
    prices, dts = hist.prices, hist.dates
    if not np.all(np.isfinite(prices)):
        raise InputError(_OVERFLOW)
    n_obs = prices.shape[0]
    cal = calendar(dts, n_obs, ppy)
    dt = year_fractions(cal)
    elapsed = cal.elapsed
    growth = np.ones_like(prices)
    growth[1:] = prices[1:] / prices[:-1]
    none = np.zeros_like(prices)
    ydt = y * dt[:, None] if np.any(y) else none
    fdt = fee * dt[:, None] if fee else none
    kept = growth * (1.0 + ydt) if income_word == "reinvest" and np.any(y) else growth
    f = kept * (1.0 - fdt) if fee else kept
    fee_f = kept * fdt if fee else none
    inc_f = growth * ydt if np.any(y) else none
    flow_amt, flow_pct = _flow_schedule(cash_flows, flow_type, frequency, infl, raw_rows, hist.rows, cal)
    review = _review_rows(policy, cal)

    shape2, shape3 = (n_sets, n_obs), (n_sets, n_obs, n_assets)
    values, weights_path, trades = np.zeros(shape2), np.zeros(shape3), np.zeros(shape3)
    inc, fees_paid, costs_paid, flows, turnover, shortfall = (np.zeros(shape2) for _ in range(6))
    with np.errstate(over="ignore", invalid="ignore"):  # plain-Python mode: an overflow is reported below
        _run_backtest(f, inc_f, fee_f, flow_amt, flow_pct, review, w, band_abs, band_rel, has_band, to_band,
                      policy == "cash_flow", cost_rate, v0,
                      values, weights_path, trades, inc, fees_paid, costs_paid, flows, turnover, shortfall)
    if not np.all(np.isfinite(values)):
        raise InputError(_OVERFLOW)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # huge values give inf/NaN, not warnings
        paid = inc if income_word == "pay_out" else np.zeros_like(inc)
        index = time_weighted_index(values, flows, paid)
        month_rows = np.flatnonzero(period_end_rows(period_ids(cal, 12)))
        year_rows = np.flatnonzero(period_end_rows(period_ids(cal, 1)))
        monthly = sampled_returns(index, month_rows)
        annual = sampled_returns(index, year_rows)
        years_total = float(elapsed[-1])
        month_times = np.concatenate([[0.0], elapsed[month_rows]])
        rf_monthly = (1.0 + rf) ** np.diff(month_times) - 1.0
        stdev, sharpe, sortino = annualised_ratios(monthly, rf_monthly)
        bench_monthly = None
        if hist.benchmark is not None:
            bench_monthly = sampled_returns(hist.benchmark[None, :], month_rows)[0]
        points = np.concatenate([index[:, :1], index[:, month_rows]], axis=1)
        dd, peak_at, trough_at, recovery_at = drawdown(points)
        balance_points = np.concatenate([values[:, :1], values[:, month_rows]], axis=1)
        dd_balance = drawdown(balance_points)[0]
        point_dates = np.concatenate([[dts[0]], dts[month_rows]]) if dts is not None else None

        def when(k):
            return np.array([point_dates[i] if (point_dates is not None and i >= 0) else _NAT for i in k],
                            dtype="datetime64[D]")

        mwrr = np.empty(n_sets)
        for s in range(n_sets):
            amounts = -flows[s] + paid[s]
            amounts[0] = -v0
            amounts[-1] += values[s, -1]
            mwrr[s] = internal_rate(elapsed, amounts)
        stats = BacktestStatistics(
            start_balance=np.full(n_sets, v0),
            end_balance=values[:, -1].copy(),
            cagr=growth_rate(values[:, -1] / v0, years_total),
            twrr=growth_rate(index[:, -1], years_total),
            mwrr=mwrr,
            stdev=stdev,
            best_year=annual.max(axis=1),
            worst_year=annual.min(axis=1),
            max_drawdown=dd.min(axis=1),
            drawdown_peak=when(np.where(dd.min(axis=1) < 0, peak_at, -1)),
            drawdown_trough=when(np.where(dd.min(axis=1) < 0, trough_at, -1)),
            drawdown_recovery=when(recovery_at),
            max_drawdown_balance=dd_balance.min(axis=1),
            sharpe=sharpe,
            sortino=sortino,
            benchmark_correlation=correlation(monthly, bench_monthly),
            total_income=inc.sum(axis=1),
            total_contributions=np.where(flows > 0, flows, 0.0).sum(axis=1),
            total_withdrawals=np.where(flows < 0, -flows, 0.0).sum(axis=1),
            shortfall=shortfall.sum(axis=1),
            turnover_per_year=turnover.sum(axis=1) / years_total if years_total > 0 else np.full(n_sets, np.nan),
            costs_paid=costs_paid.sum(axis=1),
            fees_paid=fees_paid.sum(axis=1),
            years=np.full(n_sets, years_total),
        )
    if dts is not None:
        year_labels = dts[year_rows].astype("datetime64[Y]").astype(np.int64) + 1970
    else:
        year_labels = np.arange(1, year_rows.size + 1)
    return BacktestResult(
        statistics=stats, values=values, weights=weights_path, trades=trades, income=inc, cash_flows=flows,
        costs=costs_paid, fees=fees_paid, turnover=turnover,
        dates=dts if dts is not None else np.full(n_obs, _NAT),
        rows=hist.rows,
        month_ends=dts[month_rows] if dts is not None else np.full(month_rows.size, _NAT),
        monthly_values=balance_points, monthly_returns=monthly, drawdowns=dd, years=year_labels.astype(np.int64), annual_returns=annual,
        names=tuple(hist.names), note=hist.note,
    )
