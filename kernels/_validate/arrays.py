"""Conversion and checks of plain inputs: numbers, vectors, matrices, bounds, option words.

Each helper takes the argument's ``name`` so that messages say which input is
wrong, what was expected, what came and how to fix it, in one line that fits
an Excel cell, e.g. ``"weights: expected 5 values (n_assets), got 4."``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from .echo import echo


def _shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 0:
        return "a single value"
    if len(shape) == 1:
        return f"{shape[0]} values"
    return " x ".join(str(s) for s in shape)


def _to_float_array(x: ArrayLike, name: str) -> NDArray[np.float64]:
    if x is None:
        raise InputError(f"{name}: is empty; enter numbers.")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, found text or an empty entry; enter numbers only.") from None
    return arr


def _check_finite(arr: NDArray[np.float64], name: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr.ravel()))[0]
        if arr.ndim == 2:
            r, c = divmod(int(bad), arr.shape[1])
            where = f"row {r + 1}, column {c + 1}"
        else:
            where = f"position {int(bad) + 1}"
        raise InputError(f"{name}: missing or non-finite value at {where}; fill in a number.")


def as_vector(
    x: ArrayLike,
    name: str,
    *,
    size: int | None = None,
    size_name: str = "n_assets",
    finite: bool = True,
) -> NDArray[np.float64]:
    """Convert ``x`` to a contiguous 1-D float64 array.

    A row (1 x n) or a column (n x 1) is accepted, as are plain sequences and
    pandas objects. With ``size`` the length must match (``size_name`` says what it
    must match in the message).

    Raises
    ------
    InputError
        Not numeric, not one-dimensional, wrong length, or (``finite=True``) NaN/inf.
    """
    arr = _to_float_array(x, name)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    elif arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    elif arr.ndim != 1:
        raise InputError(f"{name}: expected one row or one column of values, got a {_shape_text(arr.shape)} range.")
    if arr.size == 0:
        raise InputError(f"{name}: is empty; enter at least one value.")
    if size is not None and arr.size != size:
        raise InputError(f"{name}: expected {size} values (one per asset, {size_name}={size}), got {arr.size}.")
    if finite:
        _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def as_matrix(
    x: ArrayLike,
    name: str,
    *,
    min_rows: int = 1,
    n_cols: int | None = None,
    finite: bool = True,
) -> NDArray[np.float64]:
    """Convert ``x`` to a C-contiguous 2-D float64 array (a 1-D input is one column)."""
    arr = _to_float_array(x, name)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise InputError(f"{name}: expected a table (rows x columns), got {arr.ndim} dimensions.")
    if arr.shape[0] < min_rows:
        raise InputError(f"{name}: expected at least {min_rows} rows, got {arr.shape[0]}.")
    if n_cols is not None and arr.shape[1] != n_cols:
        raise InputError(f"{name}: expected {n_cols} columns (one per asset), got {arr.shape[1]}.")
    if finite:
        _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def as_scalar(
    x: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """A finite real number within optional limits (``integer=True`` also requires a whole number)."""
    if isinstance(x, np.ndarray) and x.size == 1:
        x = x.reshape(()).item()
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise InputError(f"{name}: expected a number, got {type(x).__name__ if x is not None else 'an empty cell'}.")
    value = float(x)
    if not math.isfinite(value):
        raise InputError(f"{name}: expected a finite number, got {value:.4g}.")
    if integer and value != int(value):
        raise InputError(f"{name}: expected a whole number, got {value:g}.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise InputError(f"{name}: must be {op} {low:g}, got {value:g}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise InputError(f"{name}: must be {op} {high:g}, got {value:g}.")
    return value


def as_bounds(bound: ArrayLike, n_assets: int, name: str) -> NDArray[np.float64]:
    """A scalar or one value per asset, broadcast to ``(n_assets,)``."""
    arr = _to_float_array(bound, name)
    if arr.ndim == 0 or arr.size == 1:
        out = np.full(n_assets, float(arr.reshape(-1)[0]))
        _check_finite(out, name)
        return out
    return as_vector(arr, name, size=n_assets)


def check_ordered(lower: NDArray[np.float64], upper: NDArray[np.float64], *, lower_name: str = "lower",
                  item: str = "asset") -> None:
    """Raise :class:`InputError` at the first ``item`` whose lower limit is above its upper limit.

    The one rule (and message) for every pair of limits: weight bounds, group limits, linear rows.

    Parameters
    ----------
    lower, upper : ndarray of shape (n_items,)
        Limits, same units (weights are decimal fractions).
    lower_name : str
        Name of the lower limits as the user sees them (``"lower"``, ``"group_lower"``).
    item : str
        What one entry is (``"asset"``, ``"row"``, ``"group"``).
    """
    bad = np.flatnonzero(lower > upper)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{lower_name}: {lower[i]:.4g} for {item} {i + 1} is above its upper limit "
                         f"{upper[i]:.4g}; make lower <= upper.")


def check_choice(value: str, name: str, choices) -> str:
    """A string option from ``choices`` (case-insensitive; spaces and dashes read as underscores)."""
    if not isinstance(value, str):
        raise InputError(f"{name}: expected one of {', '.join(choices)}, got {echo(value)}.")
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in choices:
        raise InputError(f"{name}: expected one of {', '.join(choices)}, got {echo(value)}.")
    return key
