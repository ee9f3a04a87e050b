"""A price or return history made ready for a backtest: one common period, gaps filled, a note saying so.

Histories start and end on different dates (a fund launched later, a stock delisted) and have holes (a
market holiday in one country). The backtest runs over the *common period* of the assets it holds
(non-zero weight in some weight set) and of the benchmark: from the latest first price to the earliest
last price. Inside it, a missing price carries the last one forward (no trading that day, a return of 0);
a missing return counts as 0. Assets that no weight set holds are ignored.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from .calendar import as_dates, step_back

#: Input words: what the rows hold.
HISTORY_KINDS = ("prices", "returns")


class History(NamedTuple):
    """Prices on the common period (a returns history becomes an index starting at 1)."""

    prices: NDArray[np.float64]
    """(n_obs, n_assets) positive prices, no gaps."""
    benchmark: NDArray[np.float64] | None
    """(n_obs,) benchmark prices, or None."""
    dates: NDArray[np.datetime64] | None
    """(n_obs,) dates, or None without dates."""
    rows: NDArray[np.int64]
    """(n_obs,) the input row (0-based) of each row; -1 for the start added before a returns history."""
    names: list[str]
    note: str


def _table(data, name: str):
    """``(values 2-D float with NaN gaps, dates or None, column names or None)`` of a table-like input."""
    dates = names = None
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(data, (pd.DataFrame, pd.Series)):
        frame = data.to_frame() if isinstance(data, pd.Series) else data
        names = [str(c) for c in frame.columns]
        if isinstance(frame.index, pd.DatetimeIndex):
            dates = frame.index.to_numpy().astype("datetime64[D]")
        data = frame.to_numpy()
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, found text; use blanks (not text) for missing values.") from None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.size == 0:
        raise InputError(f"{name}: expected a table with one column per asset and one row per date.")
    if np.any(np.isinf(arr)):
        r, c = np.argwhere(np.isinf(arr))[0]
        raise InputError(f"{name}: row {r + 1}, column {c + 1} is infinite; enter a finite number or leave it blank.")
    return arr, dates, names


def _valid_span(col: NDArray[np.float64]) -> tuple[int, int]:
    ok = np.flatnonzero(np.isfinite(col))
    return (int(ok[0]), int(ok[-1])) if ok.size else (-1, -1)


def _returns_to_prices(ret: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    """An index starting at 1 one row before the first return; NaN before an asset starts and after it ends."""
    bad = np.isfinite(ret) & (ret <= -1.0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(f"{name}: row {r + 1}, column {c + 1} is a return of {ret[r, c]:.4g} (-100% or less); "
                         "returns are decimal fractions above -1 (0.05 = 5%).")
    n_obs, n_assets = ret.shape
    prices = np.full((n_obs + 1, n_assets), np.nan)
    for c in range(n_assets):
        first, last = _valid_span(ret[:, c])
        if first < 0:
            continue
        growth = 1.0 + np.nan_to_num(ret[first:last + 1, c])
        prices[first, c] = 1.0
        with np.errstate(over="ignore"):
            prices[first + 1:last + 2, c] = np.cumprod(growth)
        if np.isinf(prices[first + 1:last + 2, c]).any():
            raise InputError(f"{name}: column {c + 1} compounds to more than a computer can count; check for "
                             "typos (50 for 0.50; returns are decimal fractions).")
        gaps = ~np.isfinite(ret[first:last + 1, c])
        prices[first + 1:last + 2, c][gaps] = np.nan  # a missing return: the price is carried forward later
    return prices


def prepare_history(data: ArrayLike, *, kind: str, dates: ArrayLike | None, held: NDArray[np.bool_] | None,
                    benchmark: ArrayLike | str | None, name: str = "prices_or_returns",
                    periods_per_year: int | None = None) -> History:
    """Common period, gaps and checks of a history (see the module docstring).

    Parameters
    ----------
    data : array_like of shape (n_rows, n_assets), or a pandas DataFrame (dates in its index)
        Prices (> 0) or periodic returns (decimal fractions, > -1); blanks (NaN) are gaps.
    kind : {"prices", "returns"}
    dates : array_like of shape (n_rows,), optional
        One date per row (overrides a DataFrame's index).
    held : ndarray of shape (n_assets,), bool, optional
        Assets that some weight set holds (None: all).
    benchmark : array_like of shape (n_rows,) or str, optional
        The benchmark's prices or returns (same kind and rows), or a DataFrame column's name.
    periods_per_year : int, optional
        Rows per year; with dated returns it places the start one period before the first row.
    """
    values, frame_dates, names = _table(data, name)
    n_rows, n_assets = values.shape
    names = names or [f"asset {i + 1}" for i in range(n_assets)]
    if isinstance(benchmark, str):
        if benchmark not in names:
            raise InputError(f"benchmark: no column named {benchmark!r}; use one of {', '.join(names[:5])}...")
        bench = values[:, names.index(benchmark)].copy()
    elif benchmark is not None:
        bench, _, _ = _table(benchmark, "benchmark")
        if bench.shape[1] != 1 or bench.shape[0] != n_rows:
            raise InputError(f"benchmark: expected one column of {n_rows} values (one per row of {name}), "
                             f"got {bench.shape[0]} x {bench.shape[1]}.")
        bench = bench[:, 0]
    else:
        bench = None
    if dates is not None:
        dates = as_dates(dates, n_rows)
    elif frame_dates is not None:
        dates = as_dates(frame_dates, n_rows, name=f"{name} (its dates)")
    held = np.ones(n_assets, np.bool_) if held is None else held
    table = values if bench is None else np.column_stack([values, bench])
    rows = np.arange(n_rows, dtype=np.int64)
    if kind == "returns":
        table = _returns_to_prices(table, name if bench is None else f"{name} or benchmark")
        rows = np.concatenate([[-1], rows])
        if dates is not None:
            dates = np.concatenate([[step_back(dates, periods_per_year)], dates])
    else:
        bad = np.isfinite(table) & (table <= 0.0)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            what = "the benchmark" if c == n_assets else f"column {c + 1} ({names[c]})"
            raise InputError(f"{name}: row {r + 1}, {what} is a price of {table[r, c]:.4g}; prices must be > 0.")
    used = np.concatenate([held, [True]]) if bench is not None else held
    finite = np.isfinite(table)
    has = finite.any(axis=0)
    firsts = np.where(has, np.argmax(finite, axis=0), -1)
    lasts = np.where(has, table.shape[0] - 1 - np.argmax(finite[::-1], axis=0), -1)
    spans = [(int(firsts[c]), int(lasts[c])) if used[c] else (0, table.shape[0] - 1) for c in range(table.shape[1])]
    empty = [c for c in range(table.shape[1]) if spans[c][0] < 0]
    if empty:
        c = empty[0]
        what = "benchmark" if c == n_assets else f"column {c + 1} ({names[c]})"
        raise InputError(f"{name}: {what} has no values; fill it in or give it weight 0 everywhere.")
    start = max(s[0] for s in spans)
    end = min(s[1] for s in spans)
    if end - start < 1:
        raise InputError(f"{name}: the histories overlap on {max(end - start + 1, 0)} row(s); a backtest needs "
                         "at least 2 rows (a start and one period) where every held asset has a price.")
    window = table[start:end + 1].copy()
    n_filled = 0
    for c in range(window.shape[1]):
        if not used[c]:
            window[:, c] = 1.0
            continue
        col = window[:, c]
        missing = ~np.isfinite(col)
        n_filled += int(missing.sum())
        if missing.any():
            idx = np.where(missing, 0, np.arange(col.size))
            np.maximum.accumulate(idx, out=idx)
            window[:, c] = col[idx]
    where = (lambda i: str(dates[i])) if dates is not None else (lambda i: f"row {rows[i] + 1}")
    note = f"common period {where(start)} to {where(end)}"
    reasons = []
    if start > 0:
        c = max(range(table.shape[1]), key=lambda k: spans[k][0])
        reasons.append(f"{'the benchmark' if c == n_assets else names[c]} starts then")
    if end < table.shape[0] - 1:
        c = min(range(table.shape[1]), key=lambda k: spans[k][1])
        reasons.append(f"{'the benchmark' if c == n_assets else names[c]} ends then")
    if reasons:
        note += " (" + "; ".join(reasons) + ")"
    if n_filled:
        note += f"; {n_filled} missing value(s) inside it carried forward"
    prices = np.ascontiguousarray(window[:, :n_assets])
    bench_prices = np.ascontiguousarray(window[:, n_assets]) if bench is not None else None
    return History(prices, bench_prices, None if dates is None else dates[start:end + 1], rows[start:end + 1],
                   names, note)
