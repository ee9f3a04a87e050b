"""Buttons drawn on the sheets for xlwings Lite: a named shape with a hyperlink to the cell under it.

Lite runs a script when the cell named in its ``@script(button="[shape]Sheet!D3")`` is selected; a
click on a shape that links to that cell selects it (Lite's documentation, "Running a script via
sheet button"; the shape's name and the hyperlink are what a workbook saved by Lite holds). The
add-in decides which buttons go where (:class:`SheetButton`); this module draws them with
XlsxWriter's text boxes (:func:`draw`) and gives each its name in the finished package
(:func:`name_shapes`: XlsxWriter names every text box ``TextBox N``).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from typing import NamedTuple, Sequence

from lxml import etree

from .grid import Grid, a1, quote_sheet

XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
#: Excel's default column width in pixels (8.43 characters).
DEFAULT_COL_PX = 64
HEIGHT_PX = 22
STYLE = {"font": {"bold": True, "color": "white", "size": 10},
         "align": {"vertical": "middle", "horizontal": "center"},
         "fill": {"color": "#1F3864"}, "line": {"color": "#1F3864"}}


class SheetButton(NamedTuple):
    """A button on a sheet: the shape's name, its text, and the cell it sits on and links to (0-based)."""

    shape: str
    label: str
    sheet: str
    row: int
    col: int
    #: Columns it spans, from ``col``.
    n_cols: int = 2

    @property
    def target(self) -> str:
        """The hyperlink's target in the package: ``#Sheet!D3``."""
        return f"#{quote_sheet(self.sheet)}!{a1(self.row, self.col)}"


def _col_px(width: float | None) -> int:
    if width is None:
        return DEFAULT_COL_PX
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


def draw(ws, grid: Grid, buttons: Sequence[SheetButton]) -> None:
    """Insert the text boxes of ``buttons`` that sit on ``ws`` (an XlsxWriter worksheet of ``grid``)."""
    widths = grid.sheets[ws.name].col_widths
    for b in buttons:
        if b.sheet != ws.name:
            continue
        width = sum(_col_px(widths.get(c)) for c in range(b.col, b.col + b.n_cols)) - 6
        ws.insert_textbox(b.row, b.col, b.label, {
            **STYLE, "width": width, "height": HEIGHT_PX, "x_offset": 3, "y_offset": 0,
            "url": f"internal:{quote_sheet(b.sheet)}!{a1(b.row, b.col)}", "tip": f"Run {b.label} (xlwings Lite)"})


def name_shapes(data: bytes, buttons: Sequence[SheetButton]) -> bytes:
    """The package with each button's text box named ``button.shape`` (found by its hyperlink's target)."""
    by_target = {b.target: b.shape for b in buttons}
    found: set[str] = set()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if re.fullmatch(r"xl/drawings/drawing\d+\.xml", info.filename):
                rels_name = posixpath.join("xl/drawings/_rels", posixpath.basename(info.filename) + ".rels")
                if rels_name in zin.namelist():
                    body = _name_in_drawing(body, zin.read(rels_name), by_target, found)
            zout.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), body, zipfile.ZIP_DEFLATED)
    missing = sorted(set(by_target.values()) - found)
    if missing:
        raise ValueError(f"sheet buttons not found in the package: {missing}")
    return out.getvalue()


def _name_in_drawing(body: bytes, rels: bytes, by_target: dict[str, str], found: set[str]) -> bytes:
    targets = {r.get("Id"): r.get("Target") for r in etree.fromstring(rels).iterfind(f"{{{PKG_REL_NS}}}Relationship")}
    root = etree.fromstring(body)
    changed = False
    for c_nv_pr in root.iterfind(f".//{{{XDR_NS}}}sp/{{{XDR_NS}}}nvSpPr/{{{XDR_NS}}}cNvPr"):
        link = c_nv_pr.find(f"{{{A_NS}}}hlinkClick")
        shape = by_target.get(targets.get(link.get(f"{{{R_NS}}}id"))) if link is not None else None
        if shape is not None:
            c_nv_pr.set("name", shape)
            found.add(shape)
            changed = True
    if not changed:
        return body
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
