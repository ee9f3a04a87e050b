"""The template's package: XlsxWriter writes the sheets, names, validation, formats, charts and VBA
project of a :class:`~workbook.grid.Grid`, then :func:`add_ribbon` adds ``customUI/customUI14.xml``
and its ``ui/extensibility`` relationship (openpyxl's round trip would drop it).

Everything is time-stamped with fixed dates, so a build is byte-for-byte repeatable.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np
import xlsxwriter

from . import layout as L
from .charts import add_chart
from .grid import Grid
from .sheet_buttons import SheetButton
from .sheet_buttons import draw as draw_buttons

EXTENSIBILITY_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_PART = "customUI/customUI14.xml"
FIXED_TIME = dt.datetime(2024, 1, 1)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

FORMATS = {
    "title": {"bold": True, "font_size": 16, "font_color": "#1F3864"},
    "subtitle": {"bold": True, "font_size": 12, "font_color": "#1F3864"},
    "note": {"italic": True, "font_color": "#595959"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "header": {"bold": True, "bottom": 1, "bg_color": "#D9E1F2", "text_wrap": True, "valign": "top"},
    "label": {"bold": True},
    "text": {},
    "pct": {"num_format": "0.0%"},
    "pct2": {"num_format": "0.00%"},
    "money": {"num_format": "$#,##0"},
    "money2": {"num_format": "$#,##0.00"},
    "num": {"num_format": "#,##0.####"},
    "int": {"num_format": "0"},
    "corr": {"num_format": "0.00"},
    "cov": {"num_format": "0.00000"},
    "date": {"num_format": "yyyy-mm-dd"},
    "price": {"num_format": "#,##0.00"},
    "in_pct": {"num_format": "0.0%", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"},
    "in_money": {"num_format": "$#,##0.00", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"},
    "in_num": {"num_format": "#,##0.####", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"},
    "in_int": {"num_format": "0", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"},
    "in_corr": {"num_format": "0.00", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"},
    "in_text": {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"},
}


def write_xlsm(grid: Grid, path: Path, vba_bin: bytes | None, buttons: Sequence[SheetButton] = ()) -> None:
    """Write ``grid`` as a workbook with XlsxWriter (``.xlsm`` with the VBA project when given; ``buttons``:
    xlwings Lite's sheet buttons, :mod:`workbook.sheet_buttons`)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": "xlfolio template", "author": "xlfolio", "created": FIXED_TIME,
                       "comments": "Built by `xlfolio build-template` from workbook/ in the xlfolio sources."})
    formats = {name: wb.add_format(spec) for name, spec in FORMATS.items()}
    if vba_bin is not None:
        wb.set_vba_name("ThisWorkbook")
        wb.add_vba_project(io.BytesIO(vba_bin), is_stream=True)
    for sheet in grid.sheets.values():
        ws = wb.add_worksheet(sheet.name)
        if vba_bin is not None:
            ws.set_vba_name(sheet.code_name)
        for col, width in sheet.col_widths.items():
            ws.set_column(col, col, width)
        for (r, c), cell in sorted(sheet.cells.items()):
            fmt = formats.get(cell.fmt) if cell.fmt else None
            if cell.formula is not None:
                value = cell.value
                ws.write_formula(r, c, cell.formula, fmt, value if value is not None else "")
            elif cell.value is None:
                ws.write_blank(r, c, None, fmt)
            elif isinstance(cell.value, bool):
                ws.write_boolean(r, c, cell.value, fmt)
            elif isinstance(cell.value, dt.datetime):
                ws.write_datetime(r, c, cell.value, fmt)
            elif isinstance(cell.value, (int, float, np.floating, np.integer)):
                ws.write_number(r, c, float(cell.value), fmt)
            else:
                ws.write_string(r, c, str(cell.value), fmt)
        for block, spec in sheet.validations:
            ws.data_validation(block.row, block.col, block.last_row, block.last_col, dict(spec))
        if sheet.freeze:
            ws.freeze_panes(*sheet.freeze)
        if sheet.name != "Prices":  # printed one page wide (the price history is too wide for that)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
        for kind, opts in sheet.charts:
            add_chart(wb, ws, grid, kind, opts["anchor"])
        if buttons:
            draw_buttons(ws, grid, buttons)
    for name, block in sorted(grid.names.items()):
        wb.define_name(name, "=" + block.ref())
    wb.close()


_FULL_CALC = re.compile(rb'\s+fullCalcOnLoad="1"')


def add_ribbon(data: bytes, ribbon_xml: bytes) -> bytes:
    """Return the package ``data`` with ``customUI/customUI14.xml`` and its extensibility relationship.

    Also drops XlsxWriter's ``fullCalcOnLoad`` flag, so readers without xlfolio (LibreOffice, previews)
    show the computed values stored in the file; Excel recalculates on open anyway, since the file's
    ``calcId`` is older than its own. Entries get a fixed time stamp so a build is byte-for-byte repeatable.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "_rels/.rels":
                if EXTENSIBILITY_REL.encode() not in body:
                    rel = (f'<Relationship Id="rIdXlfolioUI" Type="{EXTENSIBILITY_REL}" '
                           f'Target="{CUSTOM_UI_PART}"/>').encode()
                    body = body.replace(b"</Relationships>", rel + b"</Relationships>")
            elif info.filename == "xl/workbook.xml":
                body = _FULL_CALC.sub(b"", body)
            if info.filename == CUSTOM_UI_PART:
                continue
            zout.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), body, zipfile.ZIP_DEFLATED)
        zout.writestr(zipfile.ZipInfo(CUSTOM_UI_PART, ZIP_TIME), ribbon_xml, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def without_full_calc(data: bytes) -> bytes:
    """The package ``data`` without XlsxWriter's ``fullCalcOnLoad`` flag (see :func:`add_ribbon`), for a
    package without a ribbon; fixed entry time stamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                body = _FULL_CALC.sub(b"", body)
            zout.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def package_bytes(grid: Grid, tmp_dir: Path, vba_bin: bytes | None) -> bytes:
    """The finished package for ``grid`` (``.xlsm`` with ``vba_bin``), with the ribbon, as bytes."""
    path = tmp_dir / "template.xlsm"
    write_xlsm(grid, path, vba_bin)
    return add_ribbon(path.read_bytes(), L.RIBBON_XML.read_bytes())
