"""A household's tables (accounts, holdings, lots, targets, substitutes, recent trades) read from cells.

Shared by the cell function :func:`~addin.functions.household.HOUSEHOLD_REBALANCE` and the Rebalance
Household button (:mod:`addin.macros.household`): both read ranges in the canonical cell form
(:mod:`addin.cells.values`), one row per item, and hand the kernel lists of its row types
(:class:`kernels.Account`, :class:`kernels.Holding`, ...).

The rules: blank rows are skipped (anywhere in the range); a first row of column titles is skipped; a
text column takes text (a whole number reads as its digits: a numeric symbol or account number); a
number column takes numbers (a blank is an error where a number is required, 0 where it is optional);
a flag column takes TRUE/FALSE, 1/0, yes/no, x or blank; a date column takes dates, Excel date serials
(xlwings Lite gives dates as numbers) or ISO text. A cell error, or a cell of the wrong kind, is named
by its place. The kernel's own messages (``"lots: row 3 ..."``) count the rows it was given; the
:class:`Read` table keeps, for each, the row of the range it came from, and :func:`locate` rewrites
the message in the user's terms (the range row, or the sheet cell).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import kernels
from addin.cells.grids import grid, position, trim_trailing_blanks
from addin.cells.normalise import DATE_SERIALS, EXCEL_EPOCH
from addin.cells.values import (
    describe,
    fix_for,
    is_blank,
    is_cell_error,
    number_or_none,
)
from kernels import InputError

TEXT, NUMBER, OPTIONAL_NUMBER, FLAG, DATE = "text", "number", "optional number", "flag", "date"

#: Words read as TRUE / FALSE in a flag column (lower case, trimmed).
FLAG_WORDS = {"true": True, "yes": True, "y": True, "x": True, "1": True,
              "false": False, "no": False, "n": False, "0": False}


class Column(NamedTuple):
    """One column of a table as the user lays it out: its title, how it is read, and (optional numbers)
    what a blank cell means."""

    title: str
    kind: str
    blank: float = 0.0


class TableSpec(NamedTuple):
    """A household table: its kernel name, its row type and its columns in the order of the range."""

    name: str  # the kernel's table name, the first word of its messages
    row_type: type
    columns: tuple[Column, ...]
    min_columns: int
    #: Row-type field filled from each column, in column order (None: a column the kernel does not take).
    fields: tuple[str | None, ...]

    def describe(self) -> str:
        required = ", ".join(c.title for c in self.columns[: self.min_columns])
        optional = ", ".join(c.title for c in self.columns[self.min_columns:])
        return f"{required}[, {optional}]" if optional else required


ACCOUNTS = TableSpec("accounts", kernels.Account, (
    Column("name", TEXT), Column("type", TEXT), Column("cash", OPTIONAL_NUMBER), Column("cash flow", OPTIONAL_NUMBER),
), 2, ("name", "type", "cash", None))
HOLDINGS = TableSpec("holdings", kernels.Holding, (
    Column("account", TEXT), Column("symbol", TEXT), Column("asset class", TEXT), Column("shares", NUMBER),
    Column("price", NUMBER), Column("no sell", FLAG), Column("no buy", FLAG),
), 5, ("account", "symbol", "asset_class", "shares", "price", "no_sell", "no_buy"))
LOTS = TableSpec("lots", kernels.Lot, (
    Column("account", TEXT), Column("symbol", TEXT), Column("shares", NUMBER), Column("cost basis", NUMBER),
    Column("acquired", DATE),
), 5, ("account", "symbol", "shares", "cost_basis", "acquired"))
TARGETS = TableSpec("targets", tuple, (Column("asset class", TEXT), Column("target", NUMBER)), 2,
                    ("asset_class", "target"))
SUBSTITUTES = TableSpec("substitutes", kernels.Substitute, (
    Column("symbol", TEXT), Column("replacement", TEXT), Column("price", OPTIONAL_NUMBER, float("nan")),
), 2, ("symbol", "replacement", "price"))
RECENT_TRADES = TableSpec("recent_trades", kernels.RecentTrade, (
    Column("account", TEXT), Column("symbol", TEXT), Column("shares", NUMBER), Column("date", DATE),
    Column("gain", OPTIONAL_NUMBER),
), 4, ("account", "symbol", "shares", "date", "gain"))


class Read(NamedTuple):
    """A table read from a range: the kernel's rows, the range row (1-based) of each, and extra columns."""

    rows: list
    range_rows: list[int]
    extra: dict  # column title -> values of a column the kernel does not take (accounts' cash flow)


#: Names a cell for a message: (0-based row, 0-based column) of the range -> text.
CellNamer = Callable[[int, int], str]


def _in_range(shape: tuple[int, int]) -> CellNamer:
    return lambda i, j: position(i, j, shape)


class _Where:
    """A cell's name for a message, worked out only when a message is written."""

    __slots__ = ("cell", "i", "j")

    def __init__(self, cell: CellNamer, i: int, j: int) -> None:
        self.cell, self.i, self.j = cell, i, j

    def __str__(self) -> str:
        return self.cell(self.i, self.j)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def as_date(v: Any, name: str, where: Any = None) -> dt.date:
    """A date cell: a date, an Excel date serial (1950 to 2100) or ISO text ``2024-03-15``; ``where`` names the
    cell of a range (None: a single-cell argument)."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    x = number_or_none(v)
    if x is not None and x == int(x) and DATE_SERIALS[0] <= x <= DATE_SERIALS[1]:
        return (EXCEL_EPOCH + dt.timedelta(days=int(x))).date()
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip()[:10])
        except ValueError:
            pass
    shown = describe(v) if x is None else f"the number {x:g}"
    if where is None:
        raise InputError(f"{name}: expected a date (2024-03-15), got {shown}; enter a date.")
    raise InputError(f"{name}: {shown} at {where}; enter a date (2024-03-15).")


def _text(v: Any, name: str, where: str) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if is_cell_error(v) or isinstance(v, (bool, dt.datetime)):
        raise InputError(f"{name}: {describe(v)} at {where}; {'fix the cell it comes from' if is_cell_error(v) else 'type the text'}.")
    x = number_or_none(v)
    if x is not None:
        return str(int(x)) if x == int(x) else repr(x)
    raise InputError(f"{name}: {describe(v)} at {where}; type the text.")


def _number(v: Any, name: str, where: str, column: Column) -> float:
    x = number_or_none(v)
    if x is not None:
        return x
    if column.kind == OPTIONAL_NUMBER and is_blank(v):
        return column.blank
    raise InputError(f"{name}: {describe(v)} at {where}; {fix_for(v)}.")


def _flag(v: Any, name: str, where: str) -> bool:
    if isinstance(v, bool):
        return v
    if is_blank(v):
        return False
    x = number_or_none(v)
    if x in (0.0, 1.0):
        return bool(x)
    if isinstance(v, str) and v.strip().lower() in FLAG_WORDS:
        return FLAG_WORDS[v.strip().lower()]
    raise InputError(f"{name}: {describe(v) if x is None else format(x, 'g')} at {where}; enter TRUE or FALSE "
                     "(or leave it blank).")


#: Words a column's title may hold (besides its own title), to recognise a first row of titles.
TITLE_WORDS = {"target": ("weight",), "shares": ("quantity", "qty", "units"), "cost basis": ("cost", "basis"),
               "acquired": ("date", "bought", "purchased"), "cash flow": ("flow", "deposit", "withdrawal")}


def _key(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _is_title_row(row: tuple, spec: TableSpec) -> bool:
    """A first row of column titles: all text, and a number or date column titled as such (``Shares``)."""
    if not all(isinstance(v, str) or is_blank(v) for v in row):
        return False
    for v, c in zip(row, spec.columns):
        if c.kind in (NUMBER, OPTIONAL_NUMBER, DATE) and isinstance(v, str):
            words = (c.title, *TITLE_WORDS.get(c.title, ()))
            if any(w in _key(v) for w in words):
                return True
    return False


def _trim(rows: tuple, min_columns: int) -> tuple:
    """Trailing blank rows and columns dropped, keeping at least ``min_columns`` (their blanks are then named)."""
    rows = trim_trailing_blanks(rows, columns=False)
    if not rows or not rows[0]:
        return rows
    n = len(rows[0])
    while n > min_columns and all(is_blank(r[n - 1]) for r in rows):
        n -= 1
    return rows if n == len(rows[0]) else tuple(r[:n] for r in rows)


def read_table(value: Any, spec: TableSpec, name: str | None = None, cell: CellNamer | None = None,
               optional: bool = False) -> Read:
    """Rows of ``spec.row_type`` from a range (canonical cell values).

    ``name`` is what messages call the range (default: the kernel's table name); ``cell`` names a cell
    of the range for a message (default: ``row r, column c`` of the range). ``optional``: a blank range
    is an empty table (else it is an error).
    """
    name = name or spec.name
    if not isinstance(value, (tuple, list)) and not is_blank(value):
        raise InputError(f"{name}: expected a table ({spec.describe()}), got {describe(value)}; select the table, "
                         "one row each.")
    rows = _trim(grid(value), spec.min_columns)
    if not rows or not rows[0] or all(is_blank(v) for r in rows for v in r):
        if optional:
            return Read([], [], {})
        raise InputError(f"{name}: is empty; select the table ({spec.describe()}), one row each.")
    width = len(rows[0])
    if not spec.min_columns <= width <= len(spec.columns):
        expected = (f"{spec.min_columns} to {len(spec.columns)}" if spec.min_columns < len(spec.columns)
                    else str(spec.min_columns))
        raise InputError(f"{name}: expected {expected} columns ({spec.describe()}), got {width}; select the "
                         "table's columns only.")
    cell = cell or _in_range((len(rows), width))
    start = 1 if len(rows) > 1 and _is_title_row(rows[0], spec) else 0
    out, range_rows, extra = [], [], {c.title: [] for c, f in zip(spec.columns, spec.fields) if f is None}
    for i in range(start, len(rows)):
        r = rows[i]
        if all(is_blank(v) for v in r):
            continue
        values = {}
        for j, (col, field) in enumerate(zip(spec.columns[:width], spec.fields)):
            v, where = r[j], _Where(cell, i, j)
            if col.kind == TEXT:
                x = _text(v, name, where)
            elif col.kind in (NUMBER, OPTIONAL_NUMBER):
                x = _number(v, name, where, col)
            elif col.kind == FLAG:
                x = _flag(v, name, where)
            else:
                x = as_date(v, name, where)
            if field is None:
                extra[col.title].append(x)
            else:
                values[field] = x
        for col, field in zip(spec.columns[width:], spec.fields[width:]):
            if field is None:
                extra[col.title].append(col.blank)
        out.append(tuple(values[f] for f in spec.fields) if spec.row_type is tuple else spec.row_type(**values))
        range_rows.append(i + 1)
    if not out and not optional:
        raise InputError(f"{name}: has no rows under its titles; fill in the table ({spec.describe()}).")
    return Read(out, range_rows, extra)


# ----------------------------------------------------------------------------- the kernel's messages

_ROW_PREFIX = re.compile(r"^(accounts|holdings|lots|substitutes|recent_trades): row (\d+)")
_HOLDINGS_ROW = re.compile(r"holdings row (\d+)")
_TWO_ROWS = re.compile(r"\(rows (\d+) and (\d+)\)")
_ONE_ROW = re.compile(r"\(row (\d+)\)")

#: Locates a kernel row for a message: (table name, 1-based kernel row) -> how the user finds it.
RowNamer = Callable[[str, int], str]


def locate(message: str, row_name: RowNamer, table_name: Callable[[str], str] = lambda t: t) -> str:
    """The kernel's ``message`` with its rows (``"lots: row 3"``, ``"holdings row 2"``, ``"(rows 1 and 2)"``)
    named by ``row_name`` and its leading table name by ``table_name``."""
    m = _ROW_PREFIX.match(message)
    if m:
        table, k = m.group(1), int(m.group(2))
        rest, row = message[m.end():], row_name(table, k)
        if row.endswith(")") and rest.startswith(" ("):  # "row 3 (Household!A47)" + " (Taxable VTI) ..."
            row, rest = row[:-1] + ", ", rest[2:]
        message = f"{table_name(table)}: {row}{rest}"
        inner = table
    else:
        inner = message.partition(":")[0]
        if inner in ("accounts", "holdings", "lots", "targets", "substitutes", "recent_trades"):
            message = table_name(inner) + message[len(inner):]
    message = _HOLDINGS_ROW.sub(lambda g: f"{table_name('holdings')} {row_name('holdings', int(g.group(1)))}",
                                message)
    if inner == "accounts":
        message = _TWO_ROWS.sub(lambda g: f"({row_name('accounts', int(g.group(1)))} and "
                                          f"{row_name('accounts', int(g.group(2)))})", message)
    if inner == "holdings":
        message = _ONE_ROW.sub(lambda g: f"({row_name('holdings', int(g.group(1)))})", message)
    return message
