"""Portfolio Visualizer's backtest statistics, from month-end values, as it defines them.

- Time-weighted return of a row: ``(V_t - flow_t + paid_income_t) / V_{t-1} - 1`` (cash flows excluded,
  income paid out counted as return); chained into an index, sampled at month ends (the first point is
  the start) to give the *monthly returns*; calendar-year returns likewise at year ends.
- CAGR: ``(end balance / start balance) ** (1 / years) - 1`` (balances, flows included, as PV's CAGR);
  TWRR the same from the time-weighted index; MWRR the internal rate of return of the start balance, the
  flows, the income paid out and the end balance.
- Stdev: sample standard deviation (ddof 1) of the monthly returns times ``sqrt(12)``.
- Sharpe: ``mean(e) / std(e, ddof=1) * sqrt(12)`` of the monthly excess returns ``e = r - rf``;
  Sortino: ``mean(e) / sqrt(mean(min(e, 0)**2)) * sqrt(12)`` (downside deviation over all months, target rf).
- Maximum drawdown: the largest fall of the month-end index from its running peak, with the peak, the
  trough and the recovery (first month end back at the peak) dates; ``max_drawdown_balance`` the same of
  the balances (flows included, PV's number in parentheses).
- Benchmark correlation: Pearson correlation of the monthly returns.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray


class BacktestStatistics(NamedTuple):
    """Summary of each weight set; every field has shape (n_sets,). Rates are decimal fractions a year.

    Attributes
    ----------
    start_balance, end_balance : ndarray
        Value at the start and at the end, currency.
    cagr : ndarray
        Compound annual growth of the balance (flows included).
    twrr, mwrr : ndarray
        Annualised time-weighted and money-weighted (IRR) returns.
    stdev : ndarray
        Annualised standard deviation of the monthly returns.
    best_year, worst_year : ndarray
        Best and worst calendar-year return (a partial first or last year as far as the data go).
    max_drawdown : ndarray
        Largest fall of the month-end time-weighted index from its peak (a negative fraction, 0 if none).
    drawdown_peak, drawdown_trough, drawdown_recovery : ndarray of datetime64[D]
        Dates of that drawdown (NaT without dates; recovery NaT if not recovered).
    max_drawdown_balance : ndarray
        The same for the month-end balance, cash flows included.
    sharpe, sortino : ndarray
        Annualised from the monthly excess returns over ``risk_free`` (NaN with fewer than 2 months).
    benchmark_correlation : ndarray
        Correlation of the monthly returns with the benchmark's (NaN without a benchmark).
    total_income : ndarray
        Income the holdings paid (reinvested or paid out), currency.
    total_contributions, total_withdrawals : ndarray
        Sum of the deposits and of the withdrawals actually made (positive numbers), currency.
    shortfall : ndarray
        Withdrawals that could not be paid because the portfolio was empty, currency.
    turnover_per_year : ndarray
        One-way turnover (``min(buys, sells) / value`` summed over trades) per year.
    costs_paid, fees_paid : ndarray
        Transaction costs and fees, currency.
    years : ndarray
        Length of the period in years.
    """

    start_balance: NDArray[np.float64]
    end_balance: NDArray[np.float64]
    cagr: NDArray[np.float64]
    twrr: NDArray[np.float64]
    mwrr: NDArray[np.float64]
    stdev: NDArray[np.float64]
    best_year: NDArray[np.float64]
    worst_year: NDArray[np.float64]
    max_drawdown: NDArray[np.float64]
    drawdown_peak: NDArray[np.datetime64]
    drawdown_trough: NDArray[np.datetime64]
    drawdown_recovery: NDArray[np.datetime64]
    max_drawdown_balance: NDArray[np.float64]
    sharpe: NDArray[np.float64]
    sortino: NDArray[np.float64]
    benchmark_correlation: NDArray[np.float64]
    total_income: NDArray[np.float64]
    total_contributions: NDArray[np.float64]
    total_withdrawals: NDArray[np.float64]
    shortfall: NDArray[np.float64]
    turnover_per_year: NDArray[np.float64]
    costs_paid: NDArray[np.float64]
    fees_paid: NDArray[np.float64]
    years: NDArray[np.float64]


def time_weighted_index(values: NDArray[np.float64], flows: NDArray[np.float64],
                        paid: NDArray[np.float64]) -> NDArray[np.float64]:
    """Growth of 1 from the start, cash flows excluded: ``(n_sets, n_obs)``."""
    prev = values[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(prev > 0.0, (values[:, 1:] - flows[:, 1:] + paid[:, 1:]) / prev, 1.0)
    index = np.ones_like(values)
    index[:, 1:] = np.cumprod(growth, axis=1)
    return index


def sampled_returns(index: NDArray[np.float64], rows: NDArray[np.int64]) -> NDArray[np.float64]:
    """Returns between the start (row 0) and the given rows, chained: ``(n_sets, len(rows))``."""
    points = np.concatenate([index[:, :1], index[:, rows]], axis=1)
    return points[:, 1:] / points[:, :-1] - 1.0


def drawdown(points: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64],
                                                  NDArray[np.int64]]:
    """Drawdown path of ``points`` (n_sets, n_points), and per set the peak, trough and recovery (-1) points."""
    peak = np.maximum.accumulate(points, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0.0, points / peak - 1.0, 0.0)
    trough = np.argmin(dd, axis=1)
    n_sets = points.shape[0]
    peak_at = np.zeros(n_sets, np.int64)
    recovery = np.full(n_sets, -1, np.int64)
    for s in range(n_sets):
        k = int(trough[s])
        peak_at[s] = int(np.argmax(points[s, :k + 1]))
        back = np.flatnonzero(points[s, k + 1:] >= points[s, peak_at[s]])
        if dd[s, k] < 0.0 and back.size:
            recovery[s] = k + 1 + int(back[0])
    return dd, peak_at, trough.astype(np.int64), recovery


def annualised_ratios(monthly: NDArray[np.float64], rf: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """``(stdev, sharpe, sortino)`` per set from monthly returns (n_sets, n_months) and rf (n_months,)."""
    n_months = monthly.shape[1]
    if n_months < 2:
        nan = np.full(monthly.shape[0], np.nan)
        return nan, nan.copy(), nan.copy()
    excess = monthly - rf
    stdev = monthly.std(axis=1, ddof=1) * np.sqrt(12.0)
    mean = excess.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = mean / excess.std(axis=1, ddof=1) * np.sqrt(12.0)
        downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2, axis=1))
        sortino = mean / downside * np.sqrt(12.0)
    return stdev, sharpe, sortino


def correlation(monthly: NDArray[np.float64], bench: NDArray[np.float64] | None) -> NDArray[np.float64]:
    """Pearson correlation of each set's monthly returns with the benchmark's (NaN when undefined)."""
    out = np.full(monthly.shape[0], np.nan)
    if bench is None or bench.size < 2:
        return out
    b = bench - bench.mean()
    for s in range(monthly.shape[0]):
        m = monthly[s] - monthly[s].mean()
        denom = np.sqrt((m * m).sum() * (b * b).sum())
        if denom > 0.0:
            out[s] = (m * b).sum() / denom
    return out


def internal_rate(times: NDArray[np.float64], amounts: NDArray[np.float64]) -> float:
    """Annual rate ``r`` with ``sum_k amounts_k (1 + r) ** -times_k == 0`` (NaN when no sign change).

    ``times`` in years from the start; amounts from the investor's side (money in negative).
    Bisection on ``log(1 + r)`` in [-0.99, 10] to full double precision.
    """
    keep = amounts != 0.0
    times, amounts = times[keep], amounts[keep]
    if not (np.any(amounts > 0.0) and np.any(amounts < 0.0)):
        return np.nan
    if amounts.size == 2 and times[0] == 0.0 and times[1] > 0.0 and amounts[0] < 0.0:
        return float((-amounts[1] / amounts[0]) ** (1.0 / times[1]) - 1.0)  # no flows: the growth rate

    def npv(x):
        return float(np.sum(amounts * np.exp(-x * times)))

    lo, hi = np.log(0.01), np.log(11.0)
    f_lo, f_hi = npv(lo), npv(hi)
    if f_lo * f_hi > 0.0:
        return np.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv(mid)
        if f_mid == 0.0 or hi - lo < 1e-15:
            break
        if (f_mid > 0.0) == (f_lo > 0.0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return float(np.expm1(0.5 * (lo + hi)))


def growth_rate(ratio: NDArray[np.float64], years: float) -> NDArray[np.float64]:
    """``ratio ** (1 / years) - 1`` (-1 for a ratio <= 0, NaN for a zero-length period)."""
    if years <= 0.0:
        return np.full(ratio.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ratio > 0.0, np.power(np.maximum(ratio, 0.0), 1.0 / years) - 1.0, -1.0)
