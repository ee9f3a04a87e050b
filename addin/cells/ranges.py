"""Range arguments: vectors, matrices, histories, label lists and group limits, as arrays.

The rules: a vector is one row or one column (results spill in its orientation); trailing blank
rows and columns of a selection are ignored; any other blank cell in a required range is an error
naming the argument and the cell's position, except in a history table, where a blank is a gap
the estimators handle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import chain
from typing import Any, NamedTuple, Sequence

import numpy as np
from numpy.typing import NDArray

from kernels import InputError

from .grids import Grid, grid, to_floats, trim_trailing_blanks
from .scalars import number
from .values import describe, is_blank, is_cell_error


class Vector(NamedTuple):
    """A one-row or one-column range as a float vector, with the orientation to spill results in."""

    values: NDArray[np.float64]
    orientation: str  # "column" or "row"


class Table(NamedTuple):
    """A history table: numbers, and the labels found in its header row (``None`` without one)."""

    values: NDArray[np.float64]
    labels: list[str] | None


def vector(value: Any, name: str) -> Vector:
    """A required one-row or one-column range (or a single cell) as a float vector."""
    rows = trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select one row or one column of numbers.")
    n_rows, n_cols = len(rows), len(rows[0])
    if n_rows > 1 and n_cols > 1:
        raise InputError(
            f"{name}: expected one row or one column, got a {n_rows} x {n_cols} range; select a single row or column."
        )
    arr = to_floats(rows, name)
    orientation = "row" if n_rows == 1 and n_cols > 1 else "column"
    return Vector(np.ascontiguousarray(arr.reshape(-1)), orientation)


def matrix(value: Any, name: str) -> NDArray[np.float64]:
    """A required rectangular range (a covariance or correlation matrix...) as a 2-D float array."""
    rows = trim_trailing_blanks(grid(value))
    return np.ascontiguousarray(to_floats(rows, name))


def vector_or_matrix(value: Any, name: str) -> NDArray[np.float64]:
    """A range that may be a vector or a matrix: 1-D if it is one row or one column, else 2-D."""
    rows = trim_trailing_blanks(grid(value))
    arr = to_floats(rows, name)
    return np.ascontiguousarray(arr.reshape(-1) if 1 in arr.shape else arr)


def number_or_vector(value: Any, name: str) -> float | NDArray[np.float64]:
    """One number for every asset, or one per asset (bounds such as ``lower`` and ``upper``)."""
    rows = trim_trailing_blanks(grid(value))
    if len(rows) == 1 and len(rows[0]) == 1:
        return number(rows[0][0], name)
    return vector(rows, name).values


def ragged(value: Any, name: str, *, by_column: bool = False) -> list[NDArray[np.float64]]:
    """One list of numbers per row (per column with ``by_column``); blank cells at the end of a list are ignored."""
    rows = trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select one row of numbers per class.")
    if by_column:
        rows = tuple(zip(*rows))
    out = []
    for k, r in enumerate(rows):
        n = len(r)
        while n and is_blank(r[n - 1]):
            n -= 1
        if n == 0:
            where = "column" if by_column else "row"
            raise InputError(f"{name}: {where} {k + 1} is blank; give at least one number per class.")
        arr = to_floats((tuple(r[:n]),), name)
        if by_column:
            arr = arr.T
        out.append(np.ascontiguousarray(arr.reshape(-1)))
    return out


def _is_label_row(r: Sequence[Any]) -> bool:
    return all(isinstance(v, str) or is_blank(v) for v in r) and any(isinstance(v, str) and v.strip() for v in r)


def _history_margins(rows: Grid) -> tuple[int, int]:
    """(1 if the first row is a row of names else 0, 1 if the first column is dates else 0)."""
    row0 = 1 if len(rows) > 1 and _is_label_row(rows[0]) else 0
    body = rows[row0:]
    col0 = 1 if (body and len(body[0]) > 1 and all(isinstance(r[0], dt.datetime) or is_blank(r[0]) for r in body)
                 and any(isinstance(r[0], dt.datetime) for r in body)) else 0
    return row0, col0


def is_square_matrix(value: Any) -> bool:
    """True when a range is read as a matrix rather than a history: square (after trailing blanks), with
    neither a header row of names nor a date column (which mark a history)."""
    rows = trim_trailing_blanks(grid(value))
    return bool(rows) and len(rows) == len(rows[0]) and _history_margins(rows) == (0, 0)


def history(value: Any, name: str) -> Table:
    """A history table (one row per date, one column per asset), as a user selects it.

    A first row of text (asset names) and a first column of dates are recognised and set
    aside; blank cells inside are gaps (NaN), which the estimators drop and report.
    """
    rows = trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select the history, one row per date and one column per asset.")
    row0, col0 = _history_margins(rows)
    labels = ["" if is_blank(v) else str(v).strip() for v in rows[0]] if row0 else None
    body = tuple(r[col0:] for r in rows[row0:])
    if labels is not None and col0:
        labels = labels[1:]
    if not body:
        raise InputError(f"{name}: has a header row but no numbers below it; select the history too.")
    arr = to_floats(body, name, blanks_as_nan=True, offset=(row0, col0))
    return Table(np.ascontiguousarray(arr), labels)


def labels(value: Any, name: str) -> list[Any]:
    """One label per asset (text or numbers) from a row or a column; blank labels stay None."""
    rows = trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; give one label per asset.")
    if len(rows) > 1 and len(rows[0]) > 1:
        raise InputError(f"{name}: expected one row or one column, got a {len(rows)} x {len(rows[0])} range.")
    out = []
    for k, v in enumerate(chain.from_iterable(rows)):
        if is_cell_error(v) or isinstance(v, dt.datetime):
            raise InputError(f"{name}: {describe(v)} at position {k + 1}; give a label such as stock or bond.")
        if isinstance(v, str):
            v = v.strip() or None
        elif isinstance(v, (bool, Decimal)):
            v = str(v) if isinstance(v, bool) else float(v)
        out.append(v)
    return out


def group_limits(value: Any, name: str, group_labels: Sequence[Any]) -> tuple[dict, dict]:
    """Per-group (lower, upper) limits from rows ``label, min, max`` or ``min, max`` (groups in order of first appearance).

    A blank min or max means no limit on that side (so trailing blank columns are kept).
    """
    rows = trim_trailing_blanks(grid(value), columns=False)
    order = list(dict.fromkeys(v for v in group_labels if v is not None))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; give one row per group: label, min, max.")
    width = len(rows[0])
    if width == 3:
        keys = labels(tuple((r[0],) for r in rows), name)
        numbers_part = tuple(r[1:] for r in rows)
        offset = (0, 1)
    elif width == 2:
        if len(rows) > len(order):
            raise InputError(f"{name}: {len(rows)} rows but there are {len(order)} groups; give one row per group.")
        keys = order[: len(rows)]
        numbers_part, offset = rows, (0, 0)
    else:
        raise InputError(f"{name}: expected 3 columns (label, min, max) or 2 (min, max), got {width}.")
    limits = to_floats(numbers_part, name, blanks_as_nan=True, offset=offset)
    lower, upper = {}, {}
    for key, (lo, hi) in zip(keys, limits):
        if key not in order:
            raise InputError(f"{name}: unknown group '{key}'; groups are {', '.join(map(str, order))}.")
        if not np.isnan(lo):
            lower[key] = float(lo)
        if not np.isnan(hi):
            upper[key] = float(hi)
    return lower, upper
