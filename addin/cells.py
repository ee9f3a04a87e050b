"""Excel cell values in, arrays out; results back to cells; errors as one-line cell messages.

Excel's UDF server hands every argument over exactly as COM's ``Range.Value`` gives it
(the Excel functions in :mod:`addin.udfs` read their arguments ``"raw"``):

* a tuple of row tuples for a range, a bare value for a single cell;
* ``float`` for numbers, ``Decimal`` for currency-formatted cells, ``bool`` for TRUE/FALSE,
  ``str`` for text, ``None`` for an empty cell, a ``datetime`` for a date;
* an ``int`` error code for a cell error (``#N/A`` is -2146826246);
* -2147352572 (:data:`MISSING`) for an omitted optional argument (xlwings' ``call_udf``
  replaces it by the Python default before the function runs).

The rules every Excel function follows:

* a vector is one row or one column; results spill in the orientation of the input vector;
* trailing blank rows (and trailing blank columns) of a selected range are ignored; any other
  blank cell in a required range is an error naming the argument and the cell's position
  (history tables are the exception: a blank there is a gap the estimators handle);
* an optional argument that is omitted, or points at blank cells, takes its default;
* text, TRUE/FALSE, dates and cell errors (``#N/A``...) in a numeric range give a message;
* every failure comes back as one line of text that starts with :data:`ERROR_PREFIX`, so a
  formula detects it with ``=LEFT(A1, 7)="#ERROR:"`` (or ``ISTEXT`` for functions returning a number).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import numbers
import re
from decimal import Decimal
from itertools import chain
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
from numpy.typing import NDArray

from kernels import InputError, PortfolioError

logger = logging.getLogger(__name__)

#: Every error message a cell shows starts with this text.
ERROR_PREFIX = "#ERROR: "
#: Longest message put in a cell (Excel shows a long text badly; ours are one line).
MAX_MESSAGE_CHARS = 250
#: What COM passes for an omitted optional argument (DISP_E_PARAMNOTFOUND).
MISSING = -2147352572
#: COM error codes of cell errors: 0x800A0000 + Excel's xlErr code, as a signed 32-bit int.
_XL_ERR_BASE = -2146828288
CELL_ERRORS = {
    _XL_ERR_BASE + 2000: "#NULL!",
    _XL_ERR_BASE + 2007: "#DIV/0!",
    _XL_ERR_BASE + 2015: "#VALUE!",
    _XL_ERR_BASE + 2023: "#REF!",
    _XL_ERR_BASE + 2029: "#NAME?",
    _XL_ERR_BASE + 2036: "#NUM!",
    _XL_ERR_BASE + 2042: "#N/A",
    _XL_ERR_BASE + 2043: "#GETTING_DATA",
    _XL_ERR_BASE + 2045: "#SPILL!",
    _XL_ERR_BASE + 2046: "#CONNECT!",
    _XL_ERR_BASE + 2047: "#BLOCKED!",
    _XL_ERR_BASE + 2048: "#UNKNOWN!",
    _XL_ERR_BASE + 2049: "#FIELD!",
    _XL_ERR_BASE + 2050: "#CALC!",
}
_ERR_LOW = _XL_ERR_BASE + 2000
_ERR_HIGH = _XL_ERR_BASE + 2060

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Grid = tuple  # a tuple of row tuples, as COM gives a range


class Vector(NamedTuple):
    """A one-row or one-column range as a float vector, with the orientation to spill results in."""

    values: NDArray[np.float64]
    orientation: str  # "column" or "row"


class Table(NamedTuple):
    """A history table: numbers, and the labels found in its header row (``None`` without one)."""

    values: NDArray[np.float64]
    labels: list[str] | None


# ----------------------------------------------------------------------------- cell kinds


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _is_cell_error(v: Any) -> bool:
    return type(v) is int and _ERR_LOW <= v <= _ERR_HIGH


def _describe(v: Any) -> str:
    """What a non-numeric cell holds, for a message."""
    if _is_blank(v):
        return "a blank cell"
    if _is_cell_error(v):
        return CELL_ERRORS.get(v, "a cell error")
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return f"a date ({v:%Y-%m-%d})"
    if isinstance(v, str):
        text = v if len(v) <= 20 else v[:17] + "..."
        return f"text '{text}'"
    return f"a {type(v).__name__}"


def _fix_for(v: Any) -> str:
    if _is_blank(v):
        return "fill in a number or shorten the range"
    if _is_cell_error(v):
        return "fix the cell it comes from"
    if isinstance(v, str):
        try:
            float(v)
            return "it is a number stored as text; convert it to a number"
        except ValueError:
            return "enter a number"
    return "enter a number"


def _number_or_none(v: Any) -> float | None:
    """The cell as a float, or None when it does not hold a number (bools, dates and text do not)."""
    if type(v) is float:
        return v
    if isinstance(v, (bool, dt.datetime)) or _is_cell_error(v):
        return None
    if isinstance(v, (numbers.Real, Decimal)):
        return float(v)
    return None


# ----------------------------------------------------------------------------- ranges


def grid(value: Any) -> Grid:
    """Any argument as a tuple of row tuples (a single cell becomes ``((value,),)``)."""
    if isinstance(value, (tuple, list)):
        if not value:
            return ((),)
        if isinstance(value[0], (tuple, list)):
            return tuple(tuple(r) for r in value)
        return (tuple(value),)
    if isinstance(value, np.ndarray):
        return grid(value.tolist())
    return ((value,),)


def _trim_trailing_blanks(rows: Grid, *, columns: bool = True) -> Grid:
    """Drop trailing all-blank rows and (with ``columns``) trailing all-blank columns: the unused end of a selection."""
    n_rows = len(rows)
    while n_rows and all(_is_blank(v) for v in rows[n_rows - 1]):
        n_rows -= 1
    rows = rows[:n_rows]
    if not rows or not columns:
        return rows
    n_cols = len(rows[0])
    while n_cols and all(_is_blank(r[n_cols - 1]) for r in rows):
        n_cols -= 1
    if n_cols != len(rows[0]):
        rows = tuple(r[:n_cols] for r in rows)
    return rows


def _position(i: int, j: int, shape: tuple[int, int], offset: tuple[int, int] = (0, 0)) -> str:
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


def _to_floats(rows: Grid, name: str, *, blanks_as_nan: bool = False,
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
        suspicious = (arr >= _ERR_LOW) & (arr <= _ERR_HIGH)
        if not suspicious.any() and not _hides_a_bool(rows, arr):
            return arr
    shape = (len(rows), width)
    out = np.empty(shape)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            x = _number_or_none(v)
            if x is None:
                if blanks_as_nan and _is_blank(v):
                    x = np.nan
                else:
                    raise InputError(
                        f"{name}: {_describe(v)} at {_position(i, j, shape, offset)}; {_fix_for(v)}."
                    )
            out[i, j] = x
    return out


def vector(value: Any, name: str) -> Vector:
    """A required one-row or one-column range (or a single cell) as a float vector."""
    rows = _trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select one row or one column of numbers.")
    n_rows, n_cols = len(rows), len(rows[0])
    if n_rows > 1 and n_cols > 1:
        raise InputError(
            f"{name}: expected one row or one column, got a {n_rows} x {n_cols} range; select a single row or column."
        )
    arr = _to_floats(rows, name)
    orientation = "row" if n_rows == 1 and n_cols > 1 else "column"
    return Vector(np.ascontiguousarray(arr.reshape(-1)), orientation)


def matrix(value: Any, name: str) -> NDArray[np.float64]:
    """A required rectangular range (a covariance or correlation matrix...) as a 2-D float array."""
    rows = _trim_trailing_blanks(grid(value))
    return np.ascontiguousarray(_to_floats(rows, name))


def vector_or_matrix(value: Any, name: str) -> NDArray[np.float64]:
    """A range that may be a vector or a matrix: 1-D if it is one row or one column, else 2-D."""
    rows = _trim_trailing_blanks(grid(value))
    arr = _to_floats(rows, name)
    return np.ascontiguousarray(arr.reshape(-1) if 1 in arr.shape else arr)


def ragged(value: Any, name: str, *, by_column: bool = False) -> list[NDArray[np.float64]]:
    """One list of numbers per row (per column with ``by_column``); blank cells at the end of a list are ignored."""
    rows = _trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select one row of numbers per class.")
    if by_column:
        rows = tuple(zip(*rows))
    out = []
    for k, r in enumerate(rows):
        n = len(r)
        while n and _is_blank(r[n - 1]):
            n -= 1
        if n == 0:
            where = "column" if by_column else "row"
            raise InputError(f"{name}: {where} {k + 1} is blank; give at least one number per class.")
        arr = _to_floats((tuple(r[:n]),), name)
        if by_column:
            arr = arr.T
        out.append(np.ascontiguousarray(arr.reshape(-1)))
    return out


def _is_label_row(r: Sequence[Any]) -> bool:
    return all(isinstance(v, str) or _is_blank(v) for v in r) and any(isinstance(v, str) and v.strip() for v in r)


def history(value: Any, name: str) -> Table:
    """A history table (one row per date, one column per asset), as a user selects it.

    A first row of text (asset names) and a first column of dates are recognised and set
    aside; blank cells inside are gaps (NaN), which the estimators drop and report.
    """
    rows = _trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; select the history, one row per date and one column per asset.")
    labels = None
    row0 = 0
    if len(rows) > 1 and _is_label_row(rows[0]):
        labels = ["" if _is_blank(v) else str(v).strip() for v in rows[0]]
        row0 = 1
    col0 = 0
    body = rows[row0:]
    if body and len(body[0]) > 1 and all(isinstance(r[0], dt.datetime) or _is_blank(r[0]) for r in body) and any(
        isinstance(r[0], dt.datetime) for r in body
    ):
        col0 = 1
        body = tuple(r[1:] for r in body)
        if labels is not None:
            labels = labels[1:]
    if not body:
        raise InputError(f"{name}: has a header row but no numbers below it; select the history too.")
    arr = _to_floats(body, name, blanks_as_nan=True, offset=(row0, col0))
    return Table(np.ascontiguousarray(arr), labels)


# ----------------------------------------------------------------------------- single values


def _single_cell(value: Any, name: str) -> Any:
    if isinstance(value, (tuple, list, np.ndarray)):
        rows = _trim_trailing_blanks(grid(value))
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if not rows:
            return None
        raise InputError(f"{name}: expected a single cell, got a {len(rows)} x {len(rows[0])} range.")
    return value


def number(value: Any, name: str) -> float:
    """A required single number."""
    v = _single_cell(value, name)
    x = _number_or_none(v)
    if x is None:
        if _is_blank(v):
            raise InputError(f"{name}: is empty; enter a number.")
        raise InputError(f"{name}: expected a number, got {_describe(v)}; {_fix_for(v)}.")
    return x


def integer(value: Any, name: str) -> int:
    """A required whole number."""
    x = number(value, name)
    if not np.isfinite(x) or x != int(x):
        raise InputError(f"{name}: expected a whole number, got {x:g}.")
    return int(x)


def text(value: Any, name: str) -> str:
    """A required option word, e.g. a method name (``"sample"``)."""
    v = _single_cell(value, name)
    if isinstance(v, str) and v.strip():
        return v.strip()
    if _is_blank(v):
        raise InputError(f"{name}: is empty; enter one of the option words.")
    raise InputError(f"{name}: expected a word such as a method name, got {_describe(v)}.")


def flag(value: Any, name: str) -> bool:
    """TRUE/FALSE (also 1/0)."""
    v = _single_cell(value, name)
    if isinstance(v, bool):
        return v
    x = _number_or_none(v)
    if x in (0.0, 1.0):
        return bool(x)
    if isinstance(v, str) and v.strip().upper() in ("TRUE", "FALSE"):
        return v.strip().upper() == "TRUE"
    raise InputError(f"{name}: expected TRUE or FALSE, got {_describe(v) if x is None else format(x, 'g')}.")


def number_or_flag(value: Any, name: str) -> float:
    """A number, with TRUE read as 1 and FALSE as 0 (e.g. the share of income reinvested)."""
    v = _single_cell(value, name)
    if isinstance(v, bool):
        return float(v)
    return number(v, name)


def choice(value: Any, name: str, table: dict[str, Any]) -> Any:
    """An option word looked up in ``table`` (case-insensitive; spaces and dashes read as underscores)."""
    key = text(value, name).lower().replace("-", "_").replace(" ", "_")
    if key not in table:
        raise InputError(f"{name}: expected one of {', '.join(table)}, got '{text(value, name)}'.")
    return table[key]


def labels(value: Any, name: str) -> list[Any]:
    """One label per asset (text or numbers) from a row or a column; blank labels stay None."""
    rows = _trim_trailing_blanks(grid(value))
    if not rows or not rows[0]:
        raise InputError(f"{name}: is empty; give one label per asset.")
    if len(rows) > 1 and len(rows[0]) > 1:
        raise InputError(f"{name}: expected one row or one column, got a {len(rows)} x {len(rows[0])} range.")
    out = []
    for k, v in enumerate(chain.from_iterable(rows)):
        if _is_cell_error(v) or isinstance(v, dt.datetime):
            raise InputError(f"{name}: {_describe(v)} at position {k + 1}; give a label such as stock or bond.")
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
    rows = _trim_trailing_blanks(grid(value), columns=False)
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
    limits = _to_floats(numbers_part, name, blanks_as_nan=True, offset=offset)
    lower, upper = {}, {}
    for key, (lo, hi) in zip(keys, limits):
        if key not in order:
            raise InputError(f"{name}: unknown group '{key}'; groups are {', '.join(map(str, order))}.")
        if not np.isnan(lo):
            lower[key] = float(lo)
        if not np.isnan(hi):
            upper[key] = float(hi)
    return lower, upper


def number_or_vector(value: Any, name: str) -> float | NDArray[np.float64]:
    """One number for every asset, or one per asset (bounds such as ``lower`` and ``upper``)."""
    rows = _trim_trailing_blanks(grid(value))
    if len(rows) == 1 and len(rows[0]) == 1:
        return number(rows[0][0], name)
    return vector(rows, name).values


def is_omitted(value: Any) -> bool:
    """An omitted optional argument: COM's 'missing', or a reference to blank cells only."""
    if isinstance(value, int) and not isinstance(value, bool) and value == MISSING:
        return True
    if isinstance(value, (tuple, list)):
        return all(_is_blank(v) for v in chain.from_iterable(grid(value)))
    return _is_blank(value)


# ----------------------------------------------------------------------------- results


def _cell(x: Any) -> Any:
    if isinstance(x, (np.floating, np.integer)):
        return float(x)
    return x


def spill(values: Sequence[float] | NDArray[np.float64], orientation: str = "column") -> list[list[Any]]:
    """A vector as a spill range: a column (one value per row) or a row."""
    flat = [_cell(x) for x in np.asarray(values, dtype=np.float64).reshape(-1).tolist()]
    if orientation == "row":
        return [flat]
    return [[x] for x in flat]


def spill_table(columns: Sequence[Sequence[Any]] | NDArray[np.float64], header: Sequence[str] | None = None) -> list[list[Any]]:
    """A table as a spill range: ``columns`` is a 2-D array (rows x columns), ``header`` an optional first row.

    Infinite or undefined entries (a Sharpe ratio at zero risk, an unbounded risk tolerance) become empty cells.
    """
    body = np.asarray(columns, dtype=np.float64)
    if body.ndim == 1:
        body = body.reshape(-1, 1)
    out: list[list[Any]] = [list(header)] if header is not None else []
    out.extend([[x if np.isfinite(x) else None for x in r] for r in body.tolist()])
    return out


def asset_labels(n_assets: int, prefix: str = "w") -> list[str]:
    """Default column labels for per-asset columns: w1, w2, ..."""
    return [f"{prefix}{i + 1}" for i in range(n_assets)]


# ----------------------------------------------------------------------------- errors


def error_text(message: str) -> str:
    """A failure as the one line a cell shows (terminal colour codes and control characters removed)."""
    plain = _ANSI_ESCAPE.sub("", str(message))
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in plain).split())
    if len(line) > MAX_MESSAGE_CHARS:
        line = line[: MAX_MESSAGE_CHARS - 3] + "..."
    return ERROR_PREFIX + line


def _rename(message: str, renames: dict[str, str]) -> str:
    head, sep, rest = message.partition(":")
    if sep and head in renames:
        return f"{renames[head]}:{rest}"
    return message


def _finite_or_raise(result: Any) -> Any:
    """The result, unless it holds an inf or NaN (a division by zero or an overflow on extreme inputs)."""
    values = [result] if not isinstance(result, list) else chain.from_iterable(result)
    if any(isinstance(x, float) and not np.isfinite(x) for x in values):
        raise InputError("result: not a finite number for these inputs (a division by zero or an overflow); "
                         "check the inputs for zeros or extreme values.")
    return result


def excel_function(*, result: str, example: str, renames: dict[str, str] | None = None) -> Callable:
    """Make a Python function safe to call from a cell, and record its reference metadata.

    The wrapper (1) gives omitted optional arguments, and optional arguments pointing at
    blank cells, their Python default; (2) refuses a result holding inf or NaN, which Excel
    cannot show (NumPy's floating-point warnings are silenced for the call: the result is
    checked instead); (3) turns every exception into a one-line cell
    message (:func:`error_text`) so nothing escapes to Excel's UDF server; the message of a
    :class:`kernels.PortfolioError` is what the user reads, with the argument names the
    kernel uses mapped to the Excel argument names by ``renames``.

    ``result`` and ``example`` feed the README function reference (:mod:`addin.function_reference`)
    next to the description and argument docs xlwings shows in the function wizard.
    """
    renames = dict(renames or {})

    def decorate(func: Callable) -> Callable:
        params = list(inspect.signature(func).parameters.values())
        defaults = [p.default if p.default is not inspect.Parameter.empty else None for p in params]
        optional = [p.default is not inspect.Parameter.empty for p in params]

        @functools.wraps(func)
        def call_from_cell(*args):
            args = list(args)
            for i, value in enumerate(args[: len(params)]):
                if optional[i] and value is not defaults[i] and is_omitted(value):
                    args[i] = defaults[i]
            try:
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    result = func(*args)
                return _finite_or_raise(result)
            except PortfolioError as exc:
                return error_text(_rename(str(exc), renames))
            except Exception as exc:  # a bug of ours: never a traceback in a cell or a dead UDF server
                logger.exception("%s failed", func.__name__)
                return error_text(f"internal error in {func.__name__} ({type(exc).__name__}: {exc}); please report it.")

        call_from_cell.__xlfolio__ = {"result": result, "example": example}
        return call_from_cell

    return decorate
