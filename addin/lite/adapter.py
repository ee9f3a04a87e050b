"""The :class:`addin.book.Book` a button's macro runs on inside xlwings Lite.

A Lite script receives an ``xw.Book`` that reads a *snapshot* of the workbook taken when the button
was clicked and *queues* its writes: Lite applies them after the script returns, and only if it
returns without an exception. So a macro's reads never see its own writes, the status bar does not
exist, and a message box shows after the run. :class:`LiteBook` keeps to what that book offers:

* names through ``book.names[name].refers_to_range`` (Lite loads names that refer to ranges);
* reads with ``options(ndim=2, err_to_str=True)``, each cell put in the canonical form by
  :func:`addin.cells.normalise.lite_cell` (whole numbers as floats, errors as COM's codes), so a
  macro's messages name a ``#N/A`` cell as the desktop's cell functions do;
* writes as one queued ``value`` per block, exactly the block's shape;
* the Log: the Log sheet's snapshot is read once and the next free row counted here;
* status: nothing (Lite has no status bar); alert: ``book.app.alert`` (shown after the run).
"""

from __future__ import annotations

from typing import Any, Sequence

from addin.book import LOG_FIRST_ROW, LOG_SHEET, Rows, utc_now
from addin.cells.normalise import lite_cell
from workbook.grid import Block


class LiteBook:
    """A :class:`addin.book.Book` over the ``xw.Book`` an xlwings Lite script receives.

    Parameters
    ----------
    book : xlwings.Book
        What Lite passes to a ``@script`` function.
    """

    #: A person clicked: an unexpected failure is logged and shown, not raised (nothing gets written then).
    interactive = True

    def __init__(self, book: Any) -> None:
        self.book = book
        self._next_log_row: int | None = None  # 0-based

    def _range(self, name: str):
        return self.book.names[name].refers_to_range

    def read(self, name: str) -> Rows:
        values = self._range(name).options(ndim=2, err_to_str=True).value
        return [[lite_cell(v) for v in row] for row in values]

    def shape(self, name: str) -> tuple[int, int]:
        n_rows, n_cols = self._range(name).shape
        return int(n_rows), int(n_cols)

    def address(self, name: str) -> str:
        rng = self._range(name)
        n_rows, n_cols = rng.shape
        return Block(rng.sheet.name, rng.row - 1, rng.column - 1, n_rows, n_cols).ref()

    def write(self, name: str, rows: Rows) -> None:
        n_rows, n_cols = self.shape(name)
        if len(rows) != n_rows or any(len(r) != n_cols for r in rows):
            raise ValueError(f"{name}: expected {n_rows} x {n_cols} values to write")
        self._range(name).value = [list(r) for r in rows]

    def _last_log_row(self) -> int:
        """Last 0-based row of the Log sheet with a value in column A, in the snapshot (-1 if none)."""
        used = self.book.sheets[LOG_SHEET].used_range
        values = used.options(ndim=2).value
        filled = [i for i, row in enumerate(values) if row and row[0] not in (None, "")]
        return used.row - 1 + filled[-1] if filled else -1

    def append_log(self, row: Sequence[Any]) -> None:
        if self._next_log_row is None:
            self._next_log_row = max(LOG_FIRST_ROW, self._last_log_row() + 1)
        target = self._next_log_row + 1  # 1-based
        sheet = self.book.sheets[LOG_SHEET]
        sheet.range((target, 1), (target, len(row))).value = [list(row)]
        self._next_log_row += 1

    def status(self, text: str | None) -> None:
        """Lite has no status bar (``app.status_bar`` raises there): nothing to show."""

    def alert(self, text: str) -> None:
        self.book.app.alert(text, title="xlfolio")

    def now(self) -> str:
        return utc_now()

    def activate(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()
