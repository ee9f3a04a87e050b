"""A range argument as a rectangular grid of cells, and a grid of numbers as a float array.

Every range reader (:mod:`addin.cells.ranges`, :mod:`addin.cells.scalars`) starts here: any
argument becomes a tuple of row tuples, the unused end of a selection is dropped, and a grid
that must hold numbers becomes a 2-D float array or an :class:`~kernels.InputError` naming the
first cell that is not a number by its place in the selection.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from kernels import InputError

from .values import ERR_HIGH, ERR_LOW, describe, fix_for, is_blank, number_or_none

Grid = tuple  # a tuple of row tuples, as COM gives a range


def grid(value: Any) -> Grid:
    """Any argument as a tuple of row tuples (a single cell becomes ``((value,),)``)."""
    if type(value) is tuple and value and all(type(r) is tuple for r in value):
        return value  # already rows of cells, as COM gives a range: no copy
    if isinstance(value, (tuple, list)):
        if not value:
            return ((),)
        if isinstance(value[0], (tuple, list)):
            return tuple(tuple(r) for r in value)
        return (tuple(value),)
    if isinstance(value, np.ndarray):
        return grid(value.tolist())
    return ((value,),)


def trim_trailing_blanks(rows: Grid, *, columns: bool = True) -> Grid:
    """Drop trailing all-blank rows and (with ``columns``) trailing all-blank columns: the unused end of a selection."""
    n_rows = len(rows)
    while n_rows and all(is_blank(v) for v in rows[n_rows - 1]):
        n_rows -= 1
    rows = rows[:n_rows]
    if not rows or not columns:
        return rows
    n_cols = len(rows[0])
    while n_cols and all(is_blank(r[n_cols - 1]) for r in rows):
        n_cols -= 1
    if n_cols != len(rows[0]):
        rows = tuple(r[:n_cols] for r in rows)
    return rows


def position(i: int, j: int, shape: tuple[int, int], offset: tuple[int, int] = (0, 0)) -> str:
    """A cell's place in the selected range, as the user counts it (1-based)."""
    r, c = i + offset[0] + 1, j + offset[1] + 1
    if shape[1] == 1 and offset[1] == 0:
        return f"row {r}"
    if shape[0] == 1 and offset[0] == 0:
        return f"column {c}"
    return f"row {r}, column {c}"


def _hides_a_bool(rows: Grid, arr: NDArray[np.float64]) -> bool:
    """True when a TRUE/FALSE cell was read as 1.0/0.0 (only cells equal to 0 or 1 are looked at)."""
    candidates = np.flatnonzero((arr == 0.0) | (arr == 1.0))
    if candidates.size == 0:
        return False
    width = arr.shape[1]
    return any(type(rows[k // width][k % width]) is bool for k in candidates.tolist())


def to_floats(rows: Grid, name: str, *, blanks_as_nan: bool = False,
              offset: tuple[int, int] = (0, 0)) -> NDArray[np.float64]:
    """A rectangular grid of cells as a 2-D float array, or an InputError naming the first bad cell.

    The fast path lets NumPy convert the grid in C: text gives a string array, blanks, dates
    and Decimal an object array, so a float64 array means numbers, cell-error codes (ints,
    looked for by value) or TRUE/FALSE mixed with numbers (read as 1.0/0.0, looked for by
    type at those values only). Anything else takes the cell-by-cell path, which also writes
    the message.
    """
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select the cells with the numbers.")
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise InputError(f"{name}: rows have different lengths; select a rectangular range.")
    try:
        arr = np.array(rows)
    except ValueError:
        arr = None
    if arr is not None and arr.dtype == np.float64 and arr.ndim == 2:
        suspicious = (arr >= ERR_LOW) & (arr <= ERR_HIGH)
        if not suspicious.any() and not _hides_a_bool(rows, arr):
            return arr
    shape = (len(rows), width)
    out = np.empty(shape)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            x = number_or_none(v)
            if x is None:
                if blanks_as_nan and is_blank(v):
                    x = np.nan
                else:
                    raise InputError(
                        f"{name}: {describe(v)} at {position(i, j, shape, offset)}; {fix_for(v)}."
                    )
            out[i, j] = x
    return out
