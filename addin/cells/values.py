"""One cell's value in the canonical form: what it holds, and how a message names it.

The canonical form is COM's ``Range.Value`` (what xlwings hands an argument read ``"raw"``):

* ``float`` for numbers, ``Decimal`` for currency-formatted cells, ``bool`` for TRUE/FALSE,
  ``str`` for text, ``None`` for an empty cell, a ``datetime`` for a date;
* an ``int`` error code for a cell error (``#N/A`` is -2146826246, see :data:`CELL_ERRORS`);
* :data:`MISSING` for an omitted optional argument.

A front-end whose values come in another form converts them to this one first
(:mod:`addin.cells.normalise`).
"""

from __future__ import annotations

import datetime as dt
import numbers
from decimal import Decimal
from typing import Any

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
#: The range of codes read as cell errors (Excel's own and the ones it may add).
ERR_LOW = _XL_ERR_BASE + 2000
ERR_HIGH = _XL_ERR_BASE + 2060


def is_blank(v: Any) -> bool:
    """An empty cell (or one holding only spaces)."""
    return v is None or (isinstance(v, str) and v.strip() == "")


def is_cell_error(v: Any) -> bool:
    """A cell error (``#N/A``, ``#DIV/0!``...) as its COM code."""
    return type(v) is int and ERR_LOW <= v <= ERR_HIGH


def describe(v: Any) -> str:
    """What a non-numeric cell holds, for a message."""
    if is_blank(v):
        return "a blank cell"
    if is_cell_error(v):
        return CELL_ERRORS.get(v, "a cell error")
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return f"a date ({v:%Y-%m-%d})"
    if isinstance(v, str):
        text = v if len(v) <= 20 else v[:17] + "..."
        return f"text '{text}'"
    return f"a {type(v).__name__}"


def fix_for(v: Any) -> str:
    """What the user should do about a cell that is not a number, for a message."""
    if is_blank(v):
        return "fill in a number or shorten the range"
    if is_cell_error(v):
        return "fix the cell it comes from"
    if isinstance(v, str):
        try:
            float(v)
            return "it is a number stored as text; convert it to a number"
        except ValueError:
            return "enter a number"
    return "enter a number"


def number_or_none(v: Any) -> float | None:
    """The cell as a float, or None when it does not hold a number (bools, dates and text do not)."""
    if type(v) is float:
        return v
    if isinstance(v, (bool, dt.datetime)) or is_cell_error(v):
        return None
    if isinstance(v, (numbers.Real, Decimal)):
        return float(v)
    return None
