"""Dates of a history: conversion, calendar periods (month, quarter, half-year, year) and year fractions.

Time is measured in calendar months, ``month_position(d) = 12 * year + (month - 1) + day / days_in_month``,
so that month ends fall on whole numbers: from 2012-12-31 to 2022-12-31 is exactly 120 months (10 years),
as Portfolio Visualizer counts its monthly data, and a daily history gets the fraction of its partial months.

Without dates, rows are consecutive periods of ``periods_per_year`` (12 monthly, 252 daily): row ``t``
is ``t / periods_per_year`` years after the first row, and a calendar period of ``k`` per year ends
every ``periods_per_year / k`` rows.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError

#: Calendar words -> periods per year.
CALENDAR_FREQUENCIES = {"monthly": 12, "quarterly": 4, "semiannual": 2, "annual": 1}

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def as_dates(dates: ArrayLike, n_rows: int, name: str = "dates") -> NDArray[np.datetime64]:
    """Dates as ``datetime64[D]``, one per row, strictly increasing.

    Accepts a pandas ``DatetimeIndex``, ``datetime64`` values, ISO strings (``"2012-12-26"``),
    ``datetime.date`` objects or Excel serial numbers (days since 1899-12-30, as cells hold dates).
    """
    raw = np.asarray(dates)
    if raw.ndim == 2 and 1 in raw.shape:
        raw = raw.reshape(-1)
    if raw.ndim != 1:
        raise InputError(f"{name}: expected one row or one column of dates, got {raw.ndim} dimensions.")
    if raw.size != n_rows:
        raise InputError(f"{name}: expected {n_rows} dates (one per row of the history), got {raw.size}.")
    try:
        if raw.dtype.kind in "iuf" or (raw.dtype == object and raw.size and isinstance(raw[0], numbers.Real)):
            serial = raw.astype(np.float64)
            if not np.all(np.isfinite(serial)):
                raise ValueError
            out = _EXCEL_EPOCH + np.floor(serial).astype(np.int64).astype("timedelta64[D]")
        else:
            out = raw.astype("datetime64[D]")
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected dates (or Excel date numbers); a row holds text or a blank.") from None
    if np.any(np.isnat(out)):
        i = int(np.flatnonzero(np.isnat(out))[0])
        raise InputError(f"{name}: row {i + 1} is blank; every row of the history needs a date.")
    if out.size > 1 and np.any(np.diff(out) <= np.timedelta64(0, "D")):
        i = int(np.flatnonzero(np.diff(out) <= np.timedelta64(0, "D"))[0])
        raise InputError(f"{name}: row {i + 2} ({out[i + 1]}) is not after row {i + 1} ({out[i]}); "
                         "sort the history by date, one row per date.")
    return out


class Calendar(NamedTuple):
    """The calendar facts of a history's rows, computed once."""

    n_rows: int
    periods_per_year: int
    year: NDArray[np.int64] | None
    """(n_rows,) calendar year of each row (None without dates)."""
    month: NDArray[np.int64] | None
    """(n_rows,) month 1..12 of each row (None without dates)."""
    elapsed: NDArray[np.float64]
    """(n_rows,) years from the first row."""


def month_position(dates: NDArray[np.datetime64]) -> NDArray[np.float64]:
    """Calendar months since year 0: ``12 * year + (month - 1) + day / days_in_month``."""
    first = dates.astype("datetime64[M]")
    months = first.astype(np.int64)  # months since 1970-01
    start = first.astype("datetime64[D]")
    day = (dates - start).astype(np.int64) + 1
    days_in_month = ((first + 1).astype("datetime64[D]") - start).astype(np.int64)
    return 12.0 * 1970 + months + day / days_in_month


def calendar(dates: NDArray[np.datetime64] | None, n_rows: int, periods_per_year: int) -> Calendar:
    """Years, months and elapsed years of each row (rows as periods of ``periods_per_year`` without dates)."""
    if dates is None:
        return Calendar(n_rows, periods_per_year, None, None, np.arange(n_rows) / periods_per_year)
    months = dates.astype("datetime64[M]").astype(np.int64)
    pos = month_position(dates)
    return Calendar(n_rows, periods_per_year, months // 12 + 1970, months % 12 + 1, (pos - pos[0]) / 12.0)


def period_ids(cal: Calendar, per_year: int) -> NDArray[np.int64]:
    """Calendar period of each row (``per_year`` periods a year); rows of one period share an id.

    Without dates, row ``t >= 1`` belongs to period ``ceil(t * per_year / periods_per_year) - 1`` (row 0,
    the start, to period -1).
    """
    if cal.year is None:
        t = np.arange(cal.n_rows, dtype=np.int64)
        return (t * per_year + cal.periods_per_year - 1) // cal.periods_per_year - 1
    return cal.year * per_year + (cal.month - 1) * per_year // 12


def period_end_rows(ids: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Rows that end their period (the last row of the history ends its period); never row 0 (the start)."""
    end = np.ones(ids.size, np.bool_)
    end[:-1] = ids[:-1] != ids[1:]
    end[0] = False
    return end


def year_fractions(cal: Calendar) -> NDArray[np.float64]:
    """Years elapsed from each row's predecessor to the row (0 for row 0)."""
    dt = np.zeros(cal.n_rows)
    dt[1:] = np.diff(cal.elapsed)
    return dt


def step_back(dates: NDArray[np.datetime64], periods_per_year: int | None = None) -> np.datetime64:
    """The date one period before the first row (the start of a returns history).

    With ``periods_per_year`` dividing 12, ``12 / periods_per_year`` months back (month ends stay month
    ends); with other frequencies ``365.25 / periods_per_year`` days back; without it, the previous month
    end for month-end dates, else one median gap back.
    """
    first = dates[0]
    month_end = (first + 1).astype("datetime64[M]") != first.astype("datetime64[M]")
    if periods_per_year is not None and 12 % periods_per_year == 0:
        months = first.astype("datetime64[M]") - 12 // periods_per_year
        if month_end:
            return (months + 1).astype("datetime64[D]") - 1
        day = (first - first.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
        return min(months.astype("datetime64[D]") + day, (months + 1).astype("datetime64[D]") - 1)
    if periods_per_year is not None:
        return first - np.timedelta64(max(int(round(365.25 / periods_per_year)), 1), "D")
    if np.all((dates + 1).astype("datetime64[M]") != dates.astype("datetime64[M]")):
        return first.astype("datetime64[M]").astype("datetime64[D]") - 1
    gap = np.median(np.diff(dates).astype(np.int64)) if dates.size > 1 else 1
    return first - np.timedelta64(max(int(gap), 1), "D")
