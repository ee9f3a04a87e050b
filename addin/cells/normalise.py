"""Each front-end's cell values, normalised in one place to the canonical form before the shared conversion.

The shared conversion (:mod:`addin.cells.grids`, :mod:`~addin.cells.scalars`,
:mod:`~addin.cells.ranges`) reads one form only: COM's ``Range.Value``, described in
:mod:`addin.cells.values`. A front-end whose values arrive in another form hands
:func:`addin.cells.guard.cell_callable` a *normaliser*: a function from one argument as that
front-end gives it to the same argument in the canonical form. Messages, defaults and results
then come out the same whatever the front-end.

* Desktop Excel (COM, through xlwings' ``call_udf``): already canonical, :func:`com_value`.
* A :class:`addin.book.Book` (buttons, the template build) reads a named block as rows, a list of
  row lists, each cell through :func:`book_cell` (a cell error's text -> its code): :func:`book_value`.
* xlwings Lite (Office.js), every argument declared ``@arg(name, ndim=2, err_to_str=True)``: a list of
  row lists, whole numbers as ``int``, ``None`` (or ``""``) for an empty cell, cell errors as their
  text (``"#N/A"``), dates as serial numbers: :func:`lite_value` (and :func:`lite_cell` for one cell,
  which the Lite book adapter uses for the buttons' reads).
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any, Callable

from .values import CELL_ERRORS

#: A front-end's argument -> the same argument in the canonical form.
Normaliser = Callable[[Any], Any]
#: A cell error as text (Office.js's and xlwings' ``err_to_str=True``, a file's error cell) -> its COM code.
ERROR_CODES = {text: code for code, text in CELL_ERRORS.items()}


def com_value(value: Any) -> Any:
    """A COM argument: already in the canonical form."""
    return value


def book_cell(value: Any) -> Any:
    """One cell as a :class:`~addin.book.Book` adapter receives it -> the canonical form.

    The one conversion both adapters apply to what they read: a cell error comes as its text (a
    file stores ``<c t="e"><v>#N/A</v></c>``; xlwings reads Excel's with ``err_to_str=True``) and
    becomes its COM code, so a button's message says "#N/A at row 2" whichever adapter read it.
    Anything else is unchanged.
    """
    if type(value) is str and value in ERROR_CODES:
        return ERROR_CODES[value]
    return value


def book_value(value: Any) -> Any:
    """A value as a :class:`~addin.book.Book` reads it: rows (a list of row lists) become what COM passes
    for the same cells, a bare value for one cell, else a tuple of row tuples; anything else is unchanged."""
    if not isinstance(value, list):
        return value
    if len(value) == 1 and len(value[0]) == 1:
        return value[0][0]
    return tuple(tuple(r) for r in value)


# ---------------------------------------------------------------------------------------------
# xlwings Lite (Office.js)
# ---------------------------------------------------------------------------------------------

#: Excel's day 0 in the 1900 date system (serial 1 is 1900-01-01, counting the 1900 leap-year bug).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
#: Date serials read back as dates in a history's first column: 1950-01-01 to 2100-12-31.
DATE_SERIALS = (18264, 73415)
#: Fewest dates in a first column before it is read as a date column.
MIN_DATE_ROWS = 3


def lite_cell(value: Any) -> Any:
    """One cell as xlwings Lite gives it -> the canonical form.

    Whole numbers come as ``int`` (COM gives ``float``), an empty cell as ``None`` or ``""``, a cell
    error as its text (``"#N/A"``, with ``err_to_str=True``; COM gives an ``int`` code). Other text,
    ``bool``, ``float``, ``None`` and ``datetime`` are already canonical and come back unchanged.
    """
    if type(value) is int:
        return float(value)
    if isinstance(value, str):
        if value == "":
            return None
        return ERROR_CODES.get(value, value)
    return value


def lite_value(value: Any) -> Any:
    """One argument as xlwings Lite passes it (``@arg(name, ndim=2, err_to_str=True)``) -> the canonical form.

    A list of row lists becomes what COM passes for the same cells: the bare cell for one cell, else a
    tuple of row tuples, each cell through :func:`lite_cell`. A value that is not a list (an optional
    argument's default, which Lite passes unconverted for an omitted argument or a blank cell) goes
    through :func:`lite_cell` alone, so the default comes back as the same object.

    Office.js gives dates as serial numbers: a history's first column of dates (whole numbers from
    1950 to 2100, one per row, strictly rising or falling, at least :data:`MIN_DATE_ROWS`, beside
    columns that hold other numbers) is read back as dates, as COM gives it, so a history table
    selected with its date column reads the same in both front-ends. A lone date elsewhere cannot be
    told from a number in Lite.
    """
    if not isinstance(value, list):
        return lite_cell(value)
    if not value:
        return ()
    if not isinstance(value[0], list):
        value = [value]
    if len(value) == 1 and len(value[0]) == 1:
        return lite_cell(value[0][0])
    rows = [_lite_row(r) for r in value]
    _dates_in_first_column(rows, value)
    return tuple(tuple(r) for r in rows)


def _lite_row(row: list[Any]) -> list[Any]:
    """:func:`lite_cell` of every cell of a row (a row of numbers, the common case, in one pass)."""
    out = [float(v) if type(v) is int else v for v in row]
    if str in set(map(type, out)):
        return [lite_cell(v) for v in row]
    return out


def _is_date_serial(v: Any) -> bool:
    return type(v) is int and DATE_SERIALS[0] <= v <= DATE_SERIALS[1]


def _dates_in_first_column(rows: list[list[Any]], raw: list[list[Any]]) -> None:
    """Turn a history's first column of date serials (in ``raw``, Lite's values) into datetimes, in place."""
    if len(raw[0]) < 2 or any(len(r) != len(raw[0]) for r in raw):
        return
    first = 1 if raw and not _is_date_serial(raw[0][0]) and (raw[0][0] is None or isinstance(raw[0][0], str)) else 0
    body = raw[first:]
    while body and all(v is None or v == "" for v in body[-1]):
        body = body[:-1]
    serials = [r[0] for r in body]
    if len(serials) < MIN_DATE_ROWS or not all(_is_date_serial(v) for v in serials):
        return
    steps = [b - a for a, b in pairwise(serials)]
    if not (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
        return
    if all(_is_date_serial(v) or v is None or v == "" for r in body for v in r[1:]):
        return  # nothing but whole numbers in date range: a table of amounts, not a history
    for k, serial in enumerate(serials):
        rows[first + k][0] = EXCEL_EPOCH + dt.timedelta(days=serial)
