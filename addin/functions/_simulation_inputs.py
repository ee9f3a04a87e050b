"""Reading the simulation functions' ranges: a dated history table, weight sets in columns, a benchmark.

A history is what a user selects on a prices sheet: an optional header row of asset names, an optional
first column of dates (Excel dates; without it rows are periods of ``periods_per_year``), then one
column per asset with blanks as gaps. Kernel messages count the rows and columns of the numbers;
:func:`in_selection` moves them to the cell the user selected, so a message points at the right cell.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

import numpy as np

from addin.cells.grids import grid, to_floats, trim_trailing_blanks
from addin.cells.values import describe, is_blank
from kernels import InputError

#: Excel's day 0: dates go to the kernels as serial numbers (which they read as Excel dates).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_POSITION = re.compile(r"\b(row|column) (\d+)\b")


class History(NamedTuple):
    """A history range: numbers (NaN gaps), dates as serial numbers (None without a date column),
    asset names (None without a header row), and where the numbers start in the selection."""

    values: np.ndarray
    dates: np.ndarray | None
    labels: list[str] | None
    offset: tuple[int, int]


class WeightSets(NamedTuple):
    """Weight sets (n_sets, n_assets) and their names."""

    weights: np.ndarray
    names: list[str]


def _is_label_row(row) -> bool:
    return all(isinstance(v, str) or is_blank(v) for v in row) and any(isinstance(v, str) and v.strip() for v in row)


def serial(value: dt.datetime) -> float:
    return (value - EXCEL_EPOCH).total_seconds() / 86_400.0


def history(value: Any, name: str) -> History:
    """A history range as the user selects it (see the module docstring)."""
    rows = trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select the history, one row per date and one column per asset.")
    labels, row0, col0 = None, 0, 0
    if len(rows) > 1 and _is_label_row(rows[0]):
        labels = ["" if is_blank(v) else str(v).strip() for v in rows[0]]
        row0 = 1
    body = rows[row0:]
    dates = None
    if body and len(body[0]) > 1 and any(isinstance(r[0], dt.datetime) for r in body):
        col0 = 1
        dates = np.empty(len(body))
        for i, r in enumerate(body):
            if not isinstance(r[0], dt.datetime):
                raise InputError(f"{name}: {describe(r[0])} at row {row0 + i + 1}, column 1 (the dates); "
                                 "give every row its date.")
            dates[i] = serial(r[0])
        body = tuple(r[1:] for r in body)
        if labels is not None:
            labels = labels[1:]
    if not body:
        raise InputError(f"{name}: has a header row but no numbers below it; select the history too.")
    values = to_floats(body, name, blanks_as_nan=True, offset=(row0, col0))
    return History(np.ascontiguousarray(values), dates, labels, (row0, col0))


def in_selection(message: str, offset: tuple[int, int]) -> str:
    """A kernel message about a history's numbers with its row and column numbers moved to the selection."""
    row0, col0 = offset
    return _POSITION.sub(lambda m: f"{m.group(1)} {int(m.group(2)) + (row0 if m.group(1) == 'row' else col0)}",
                         message)


def weight_sets(value: Any, name: str, n_assets: int) -> WeightSets:
    """Weight sets as columns (one row per asset, an optional header row of set names and first column of
    asset names), or one set as a single row or column."""
    rows = trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select one column of weights per weight set, one row per asset.")
    names, row0, col0 = None, 0, 0
    if len(rows) > 1 and _is_label_row(rows[0]):
        names = ["" if is_blank(v) else str(v).strip() for v in rows[0]]
        row0 = 1
    body = rows[row0:]
    if body and len(body[0]) > 1 and all(isinstance(r[0], str) for r in body):
        col0 = 1
        body = tuple(r[1:] for r in body)
        names = names[1:] if names is not None else None
    if not body or not body[0]:
        raise InputError(f"{name}: has labels but no numbers; select the weights too.")
    w = to_floats(body, name, offset=(row0, col0))
    if w.shape[0] == 1 and w.shape[1] == n_assets and names is None:
        w = w.T  # one set typed as a row
    if w.shape[0] != n_assets:
        raise InputError(f"{name}: expected {n_assets} rows (one per asset of the history) and one column per "
                         f"weight set, got {w.shape[0]} x {w.shape[1]}.")
    n_sets = w.shape[1]
    default = ["Portfolio"] if n_sets == 1 else [f"Set {j + 1}" for j in range(n_sets)]
    names = [n or d for n, d in zip(names, default)] if names is not None else default
    return WeightSets(np.ascontiguousarray(w.T), names)


def benchmark(value: Any, name: str, hist: History) -> np.ndarray | str:
    """A benchmark: the name of a column of the history (its header), or a column of prices or returns, one
    per row of the history (a text first cell is its header)."""
    rows = trim_trailing_blanks(grid(value))
    if len(rows) == 1 and len(rows[0]) == 1 and isinstance(rows[0][0], str):
        label = rows[0][0].strip()
        if hist.labels is None:
            raise InputError(f"{name}: '{label}' names a column, but the history has no header row; select the "
                             "benchmark's prices instead.")
        if label not in hist.labels:
            raise InputError(f"{name}: no column named '{label}' in the history's header row; "
                             f"use one of {', '.join(hist.labels[:5])}.")
        return label
    if len(rows) > 1 and isinstance(rows[0][0], str):
        rows = rows[1:]
    x = to_floats(rows, name, blanks_as_nan=True)
    if 1 not in x.shape:
        raise InputError(f"{name}: expected one column (or the name of a column of the history), got a "
                         f"{x.shape[0]} x {x.shape[1]} range.")
    x = x.reshape(-1)
    if x.size != hist.values.shape[0]:
        raise InputError(f"{name}: {x.size} values for {hist.values.shape[0]} rows of the history; give one per row.")
    return x
