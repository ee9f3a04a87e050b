"""The book adapter: one small interface over an open Excel workbook or a workbook file.

The ribbon macros (:mod:`addin.macros`) read and write named blocks only through a :class:`Book`, so
the code a button runs in Excel (:class:`ExcelBook`, over xlwings) is exactly the code the CLI and the
tests run on a file (:class:`FileBook`).

:class:`FileBook` edits the package in place: it rewrites the ``<c>`` elements of the cells a macro
writes and copies every other part byte for byte, so the VBA project, the ribbon (``customUI``), the
charts, the validation and the computed values of formulas all survive a headless run (a load and
save through openpyxl would drop the ribbon relationship, the charts and the stored formula values).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from lxml import etree

from addin.cells.normalise import book_cell
from workbook.grid import Block, a1, col_index, parse_ref

Rows = list[list[Any]]

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_Q = "{%s}" % NS
LOG_SHEET = "Log"
LOG_FIRST_ROW = 4  # 0-based: the row under the Log sheet's header
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


class Book(Protocol):
    """What a macro may do with a workbook."""

    def read(self, name: str) -> Rows:
        """Values of the named block as rows (blank cells are ``None``, a cell error its COM code,
        :func:`addin.cells.normalise.book_cell`)."""

    def shape(self, name: str) -> tuple[int, int]:
        """(rows, columns) of the named block."""

    def address(self, name: str) -> str:
        """``Sheet!$A$1:$B$2`` of the named block (for the Log)."""

    def write(self, name: str, rows: Rows) -> None:
        """Write values into the named block; ``rows`` has exactly its shape."""

    def append_log(self, row: Sequence[Any]) -> None:
        """Add one row to the Log sheet."""

    def status(self, text: str | None) -> None:
        """Show ``text`` in the status bar (``None`` gives it back to Excel)."""

    def alert(self, text: str) -> None:
        """Tell the user (a message box in Excel)."""

    def now(self) -> str:
        """Current time for the Log, ``YYYY-MM-DD HH:MM:SS`` UTC."""

    def activate(self, sheet: str) -> None:
        """Bring ``sheet`` to the front."""


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------------------------------
# Excel, through xlwings
# ---------------------------------------------------------------------------------------------

class ExcelBook:
    """A :class:`Book` over an open workbook (``xlwings.Book``), as a ribbon click gives it."""

    interactive = True

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> ExcelBook:
        import xlwings as xw

        return cls(xw.Book.caller())

    def _range(self, name: str):
        return self.book.names[name].refers_to_range

    def read(self, name: str) -> Rows:
        values = self._range(name).options(ndim=2, err_to_str=True).value
        return [[book_cell(v) for v in row] for row in values]

    def shape(self, name: str) -> tuple[int, int]:
        return tuple(self._range(name).shape)

    def address(self, name: str) -> str:
        return self._range(name).get_address(include_sheetname=True)

    def write(self, name: str, rows: Rows) -> None:
        self._range(name).value = [list(r) for r in rows]

    def append_log(self, row: Sequence[Any]) -> None:
        sheet = self.book.sheets[LOG_SHEET]
        last = sheet.used_range.last_cell.row  # 1-based
        target = max(LOG_FIRST_ROW + 1, last + 1)
        sheet.range((target, 1)).value = [list(row)]

    def status(self, text: str | None) -> None:
        self.book.app.status_bar = text if text else False

    def alert(self, text: str) -> None:
        self.book.app.alert(text, title="xlfolio")

    def now(self) -> str:
        return utc_now()

    def activate(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()


# ---------------------------------------------------------------------------------------------
# A workbook file, headless
# ---------------------------------------------------------------------------------------------

def _qn(tag: str) -> str:
    return _Q + tag


def _cell_pos(ref: str) -> tuple[int, int]:
    m = _CELL_REF.match(ref)
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    return int(m.group(2)) - 1, col_index(m.group(1))


class _SheetPart:
    """One worksheet's XML with an index of its rows and cells."""

    def __init__(self, data: bytes, shared: list[str]) -> None:
        self.tree = etree.fromstring(data)
        self.shared = shared
        self.data = self.tree.find(_qn("sheetData"))
        self.rows: dict[int, Any] = {}
        self.cells: dict[tuple[int, int], Any] = {}
        for row in self.data.iterfind(_qn("row")):
            r = int(row.get("r")) - 1
            self.rows[r] = row
            for c in row.iterfind(_qn("c")):
                self.cells[_cell_pos(c.get("r"))] = c
        self.dirty = False

    def value(self, r: int, c: int) -> Any:
        cell = self.cells.get((r, c))
        if cell is None:
            return None
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return "".join(cell.find(_qn("is")).itertext())
        v = cell.find(_qn("v"))
        if v is None or v.text is None:
            return None
        if kind == "s":
            return self.shared[int(v.text)]
        if kind == "e":
            return book_cell(v.text)
        if kind == "str":
            return v.text
        if kind == "b":
            return v.text == "1"
        return float(v.text)

    def formula(self, r: int, c: int) -> str | None:
        cell = self.cells.get((r, c))
        f = None if cell is None else cell.find(_qn("f"))
        return None if f is None else "=" + (f.text or "")

    def _row(self, r: int):
        row = self.rows.get(r)
        if row is None:
            row = etree.Element(_qn("row"), r=str(r + 1))
            later = [k for k in self.rows if k > r]
            if later:
                self.rows[min(later)].addprevious(row)
            else:
                self.data.append(row)
            self.rows[r] = row
        row.attrib.pop("spans", None)
        return row

    def _cell(self, r: int, c: int):
        cell = self.cells.get((r, c))
        if cell is None:
            row = self._row(r)
            cell = etree.Element(_qn("c"), r=a1(r, c))
            later = [k[1] for k in self.cells if k[0] == r and k[1] > c]
            if later:
                self.cells[(r, min(later))].addprevious(cell)
            else:
                row.append(cell)
            self.cells[(r, c)] = cell
        return cell

    def set(self, r: int, c: int, value: Any) -> None:
        cell = self._cell(r, c)
        for child in list(cell):
            cell.remove(child)
        cell.attrib.pop("t", None)
        self.dirty = True
        if value is None:
            return
        if isinstance(value, bool):
            cell.set("t", "b")
            etree.SubElement(cell, _qn("v")).text = "1" if value else "0"
        elif isinstance(value, (int, float)) and not isinstance(value, bool) or hasattr(value, "dtype"):
            x = float(value)
            if math.isfinite(x):
                etree.SubElement(cell, _qn("v")).text = repr(x)
            else:
                cell.set("t", "e")
                etree.SubElement(cell, _qn("v")).text = "#NUM!"
        else:
            cell.set("t", "inlineStr")
            t = etree.SubElement(etree.SubElement(cell, _qn("is")), _qn("t"))
            text = str(value)
            t.text = text
            if text != text.strip():
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")

    def last_row(self, col: int) -> int:
        """Last 0-based row with a value in column ``col`` (-1 if none)."""
        rows = [r for (r, c) in self.cells if c == col and self.value(r, c) not in (None, "")]
        return max(rows, default=-1)

    def to_bytes(self) -> bytes:
        if self.cells:
            r0 = min(r for r, _ in self.cells)
            r1 = max(r for r, _ in self.cells)
            c0 = min(c for _, c in self.cells)
            c1 = max(c for _, c in self.cells)
            dim = self.tree.find(_qn("dimension"))
            if dim is not None:
                dim.set("ref", f"{a1(r0, c0)}:{a1(r1, c1)}")
        return etree.tostring(self.tree, xml_declaration=True, encoding="UTF-8", standalone=True)


class FileBook:
    """A :class:`Book` over a workbook file (``.xlsm``/``.xlsx``), read and written without Excel.

    Parameters
    ----------
    source : path or bytes
        The workbook. It is read once and never written to: :meth:`save` takes a target.
    clock : callable, optional
        Returns the Log's time stamp (default: :func:`utc_now`); tests pass a fixed one.
    """

    interactive = False

    def __init__(self, source: str | Path | bytes, clock: Callable[[], str] | None = None) -> None:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self._parts = {info.filename: self._zip.read(info.filename) for info in self._zip.infolist()}
        self._infos = self._zip.infolist()
        self.clock = clock or utc_now
        self.messages: list[str] = []
        self.status_history: list[str | None] = []
        self.active_sheet: str | None = None
        self._shared = self._shared_strings()
        self._sheet_paths = self._sheet_part_paths()
        self._sheets: dict[str, _SheetPart] = {}
        self.names = self._defined_names()

    # --- package -------------------------------------------------------------------------
    def _shared_strings(self) -> list[str]:
        data = self._parts.get("xl/sharedStrings.xml")
        if data is None:
            return []
        root = etree.fromstring(data)
        return ["".join(si.itertext()) for si in root.iterfind(_qn("si"))]

    def _sheet_part_paths(self) -> dict[str, str]:
        book = etree.fromstring(self._parts["xl/workbook.xml"])
        rels = etree.fromstring(self._parts["xl/_rels/workbook.xml.rels"])
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.iterfind("{%s}Relationship" % PKG_REL_NS)}
        paths = {}
        for sheet in book.find(_qn("sheets")).iterfind(_qn("sheet")):
            target = targets[sheet.get("{%s}id" % REL_NS)]
            paths[sheet.get("name")] = (target.lstrip("/") if target.startswith("/")
                                        else posixpath.normpath(posixpath.join("xl", target)))
        return paths

    def _defined_names(self) -> dict[str, Block]:
        book = etree.fromstring(self._parts["xl/workbook.xml"])
        names = {}
        container = book.find(_qn("definedNames"))
        if container is not None:
            for dn in container.iterfind(_qn("definedName")):
                if dn.get("localSheetId") is None and not dn.get("name").startswith("_xlnm"):
                    try:
                        names[dn.get("name")] = parse_ref(dn.text)
                    except ValueError:
                        continue  # a name that is not a plain range (a constant, a formula)
        return names

    def sheet(self, name: str) -> _SheetPart:
        if name not in self._sheets:
            if name not in self._sheet_paths:
                raise KeyError(f"workbook has no sheet {name!r}")
            self._sheets[name] = _SheetPart(self._parts[self._sheet_paths[name]], self._shared)
        return self._sheets[name]

    def block(self, name: str) -> Block:
        try:
            return self.names[name]
        except KeyError:
            raise KeyError(f"workbook has no named range {name!r}; is it an xlfolio template?") from None

    # --- Book ----------------------------------------------------------------------------
    def read(self, name: str) -> Rows:
        return self.read_block(self.block(name))

    def read_block(self, b: Block) -> Rows:
        part = self.sheet(b.sheet)
        return [[part.value(r, c) for c in range(b.col, b.last_col + 1)] for r in range(b.row, b.last_row + 1)]

    def formula(self, sheet: str, row: int, col: int) -> str | None:
        return self.sheet(sheet).formula(row, col)

    def formulas(self) -> dict[tuple[str, int, int], str]:
        """Every formula in the book: ``(sheet, row, col) -> "=..."``."""
        out = {}
        for name in self._sheet_paths:
            part = self.sheet(name)
            for (r, c) in part.cells:
                f = part.formula(r, c)
                if f is not None:
                    out[(name, r, c)] = f
        return out

    def shape(self, name: str) -> tuple[int, int]:
        b = self.block(name)
        return b.n_rows, b.n_cols

    def address(self, name: str) -> str:
        return self.block(name).ref()

    def write(self, name: str, rows: Rows) -> None:
        b = self.block(name)
        if len(rows) != b.n_rows or any(len(r) != b.n_cols for r in rows):
            raise ValueError(f"{name}: expected {b.n_rows} x {b.n_cols} values to write")
        part = self.sheet(b.sheet)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                part.set(b.row + i, b.col + j, v)

    def append_log(self, row: Sequence[Any]) -> None:
        part = self.sheet(LOG_SHEET)
        target = max(LOG_FIRST_ROW, part.last_row(0) + 1)
        for j, v in enumerate(row):
            part.set(target, j, v)

    def log_rows(self) -> Rows:
        part = self.sheet(LOG_SHEET)
        last = part.last_row(0)
        return [[part.value(r, c) for c in range(6)] for r in range(LOG_FIRST_ROW, last + 1)]

    def status(self, text: str | None) -> None:
        self.status_history.append(text)

    def alert(self, text: str) -> None:
        self.messages.append(text)

    def now(self) -> str:
        return self.clock()

    def activate(self, sheet: str) -> None:
        self.sheet(sheet)
        self.active_sheet = sheet

    # --- output --------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The package with the edited sheets; every other part is copied unchanged."""
        edited = {self._sheet_paths[n]: p.to_bytes() for n, p in self._sheets.items() if p.dirty}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in self._infos:
                body = edited.get(info.filename, self._parts[info.filename])
                z.writestr(zipfile.ZipInfo(info.filename, info.date_time), body, zipfile.ZIP_DEFLATED)
        return out.getvalue()

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(self.to_bytes())
        return path
