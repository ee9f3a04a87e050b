"""A stand-in for the ``xw.Book`` xlwings Lite passes a script, written from Lite's documented and observed
behaviour (research notes /work/notes/lite.md, section 2.3), not from its code. No tests here.

:class:`FakeBook`: a snapshot of the included sheets' values (Office.js's form: ``""`` for empty, errors
as their text, whole numbers as ``int``, dates as serials), reads that never see the script's writes,
writes queued as actions and applied to the workbook only if the script returns without an exception,
``app.alert`` queued, ``app.status_bar`` unsupported. :func:`snapshot` reads a workbook file's stored
values with openpyxl (not with xlfolio's reader).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np

from tests.addin.lite_standin import EXCEL_EPOCH, clean, js_number, read_argument
from workbook.grid import a1, col_index

_A1_RANGE = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


class _App:
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self._book.actions.append(("alert", prompt, title))

    @property
    def status_bar(self):
        raise NotImplementedError("status_bar is not supported by xlwings Lite: it has no equivalent setting.")

    @status_bar.setter
    def status_bar(self, value):
        raise NotImplementedError("status_bar is not supported by xlwings Lite: it has no equivalent setting.")


class FakeRange:
    """A rectangle of one sheet (1-based ``row``/``column`` like xlwings)."""

    def __init__(self, sheet: FakeSheet, row: int, column: int, n_rows: int = 1, n_cols: int = 1,
                 options: dict | None = None) -> None:
        self.sheet, self.row, self.column = sheet, row, column
        self.shape = (n_rows, n_cols)
        self._options = options or {}

    def options(self, **options) -> FakeRange:
        return FakeRange(self.sheet, self.row, self.column, *self.shape, options=options)

    @property
    def address(self) -> str:
        first = a1(self.row - 1, self.column - 1, True)
        if self.shape == (1, 1):
            return first
        return f"{first}:{a1(self.row + self.shape[0] - 2, self.column + self.shape[1] - 2, True)}"

    @property
    def value(self):
        grid = self.sheet.snapshot
        rows = []
        for r in range(self.row - 1, self.row - 1 + self.shape[0]):
            line = grid[r] if r < len(grid) else []
            rows.append([line[c] if c < len(line) else "" for c in range(self.column - 1, self.column - 1 + self.shape[1])])
        return read_argument(rows, self._options) if self._options.get("ndim") == 2 or self.shape != (1, 1) \
            else clean(rows[0][0], self._options.get("err_to_str", False))

    @value.setter
    def value(self, data) -> None:
        if not isinstance(data, list):
            data = [[data]]
        elif data and not isinstance(data[0], list):
            data = [data]
        rows = [[_write_cell(v) for v in r] for r in data]
        self.sheet.book.actions.append(("setValues", self.sheet.name, self.row - 1, self.column - 1, rows))


def _write_cell(v):
    if v is None:
        return ""
    if isinstance(v, (np.floating, np.integer)):
        v = float(v)
    if isinstance(v, float) and not math.isfinite(v):
        return "" if math.isnan(v) else v
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return v


class FakeSheet:
    def __init__(self, book: FakeBook, name: str, snapshot: list[list[Any]]) -> None:
        self.book, self.name, self.snapshot = book, name, snapshot

    def range(self, cell1, cell2=None) -> FakeRange:
        if isinstance(cell1, str):
            m = _A1_RANGE.match(cell1.upper())
            r0, c0 = int(m.group(2)), col_index(m.group(1)) + 1
            r1, c1 = (int(m.group(4)), col_index(m.group(3)) + 1) if m.group(3) else (r0, c0)
        else:
            r0, c0 = cell1
            r1, c1 = cell2 if cell2 is not None else cell1
        return FakeRange(self, r0, c0, r1 - r0 + 1, c1 - c0 + 1)

    def __getitem__(self, address: str) -> FakeRange:
        return self.range(address)

    @property
    def used_range(self) -> FakeRange:
        n_rows = max(len(self.snapshot), 1)
        n_cols = max((len(r) for r in self.snapshot), default=1) or 1
        return FakeRange(self, 1, 1, n_rows, n_cols)

    def activate(self) -> None:
        self.book.actions.append(("activateSheet", self.name))


class _Sheets:
    def __init__(self, sheets: dict[str, FakeSheet]) -> None:
        self._sheets = sheets

    def __getitem__(self, key):
        if isinstance(key, int):
            return list(self._sheets.values())[key]
        return self._sheets[key]

    def __iter__(self):
        return iter(self._sheets.values())


class _Name:
    def __init__(self, book: FakeBook, name: str, sheet: str, address: str) -> None:
        self.book, self.name, self._sheet, self._address = book, name, sheet, address

    @property
    def refers_to_range(self) -> FakeRange:
        return self.book.sheets[self._sheet].range(self._address.replace("$", ""))


class _Names:
    def __init__(self, book: FakeBook, names: dict[str, tuple[str, str]]) -> None:
        self._names = {n: _Name(book, n, s, a) for n, (s, a) in names.items()}

    def __getitem__(self, name: str) -> _Name:
        return self._names[name]

    def __contains__(self, name: str) -> bool:
        return name in self._names


class FakeBook:
    """The ``xw.Book`` a Lite script gets, over ``workbook``: sheet -> rows of Office.js values
    (``""`` for empty, errors as their text, whole numbers as ``int``, dates as serials), and
    ``names``: name -> (sheet, ``$A$1:$B$2``), range names only.

    Only the sheets in ``include`` (all when None) have values in the snapshot; the others are empty,
    as Lite sends only the included sheets' values.
    """

    def __init__(self, workbook: dict[str, list[list[Any]]], names: dict[str, tuple[str, str]],
                 include: list[str] | None = None) -> None:
        self.workbook = {s: [list(r) for r in rows] for s, rows in workbook.items()}
        sheets = {s: FakeSheet(self, s, rows if include is None or s in include else [])
                  for s, rows in self.workbook.items()}
        self.sheets = _Sheets(sheets)
        self.names = _Names(self, names)
        self.app = _App(self)
        self.actions: list[tuple] = []
        self.alerts: list[str] = []
        self.active_sheet: str | None = None
        self.error: BaseException | None = None

    def run(self, script_fn) -> bool:
        """Run a ``@script`` on this book as Lite does: queued actions applied only if it returned normally."""
        self.actions.clear()
        try:
            script_fn(self)
        except Exception as exc:  # Lite shows it in the task pane and writes nothing
            self.error = exc
            self.actions.clear()
            return False
        for action in self.actions:
            if action[0] == "setValues":
                _, sheet, r0, c0, rows = action
                grid = self.workbook[sheet]
                for i, row in enumerate(rows):
                    while len(grid) <= r0 + i:
                        grid.append([])
                    line = grid[r0 + i]
                    while len(line) < c0 + len(row):
                        line.append("")
                    line[c0:c0 + len(row)] = row
            elif action[0] == "alert":
                self.alerts.append(action[1])
            elif action[0] == "activateSheet":
                self.active_sheet = action[1]
        return True

    def cell(self, sheet: str, row: int, col: int) -> Any:
        """The workbook's value at 0-based (row, col) after the runs."""
        grid = self.workbook[sheet]
        return grid[row][col] if row < len(grid) and col < len(grid[row]) else ""


def snapshot(data: bytes) -> tuple[dict[str, list[list[Any]]], dict[str, tuple[str, str]]]:
    """Every sheet's values (``A1`` to the last cell holding a value) as Office.js reads them, and the
    workbook's range names, from a workbook file's stored values (read by openpyxl, not by xlfolio)."""
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_vba=False)
    sheets = {}
    for ws in wb.worksheets:
        filled = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value not in (None, "")]
        n_rows = max((r for r, _ in filled), default=0)
        n_cols = max((c for _, c in filled), default=0)
        grid = [["" for _ in range(n_cols)] for _ in range(n_rows)]
        for row in ws.iter_rows(max_row=n_rows, max_col=n_cols):
            for c in row:
                grid[c.row - 1][c.column - 1] = _office_js_cell(c.value)
        sheets[ws.title] = grid
    names = {}
    for name, dn in wb.defined_names.items():
        for sheet, address in dn.destinations:
            names[name] = (sheet, address)
    return sheets, names


def _office_js_cell(v):
    if v is None:
        return ""
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, dt.datetime):
        return js_number((v - EXCEL_EPOCH) / dt.timedelta(days=1))
    if isinstance(v, (int, float)):
        return js_number(float(v))
    return v
