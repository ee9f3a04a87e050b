"""The template's VBA project, written with pyOpenVBA.

xlwings' standalone module and its ``Dictionary`` class from the installed xlwings package, the
modules the add-in passes (the UDF wrapper xlwings generates) and the ``.bas`` files of
``workbook/vba`` (the ribbon callbacks). The ``_VBA_PROJECT`` stream is set to the [MS-OVBA] write
form (version 0xFFFF, no performance cache), so Office compiles the project from source on first
open, as with the workbooks xlwings ships.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Mapping

import xlsxwriter

from . import layout as L

VBA_PROJECT_WRITE_FORM = b"\xcc\x61\xff\xff\x00\x01\x00"
"""``_VBA_PROJECT`` stream in its [MS-OVBA] 2.3.4.1 write form: Reserved1 0x61CC, Version 0xFFFF,
Reserved2 0x00, Reserved3 0x0001 and no PerformanceCache (the bytes of xlwings' quickstart workbooks)."""


def xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def vba_sources(modules: Mapping[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Module name -> (kind ``"standard"`` or ``"class"``, source text with CRLF line ends).

    In project order: xlwings' standalone module and its ``Dictionary`` class from the installed
    xlwings, then ``modules`` (standard modules the add-in passes: the UDF wrapper), then the
    ``.bas`` files of ``workbook/vba`` (the ribbon callbacks).
    """
    sources: dict[str, tuple[str, str]] = {
        "xlwings": ("standard", _crlf((xlwings_dir() / "xlwings.bas").read_text(encoding="utf-8"))),
        "Dictionary": ("class", class_stream_form((xlwings_dir() / "addin" / "Dictionary.cls").read_text(
            encoding="utf-8"))),
    }
    for name, source in (modules or {}).items():
        sources[name] = ("standard", _crlf(source))
    for path in sorted(L.VBA_DIR.glob("*.bas")):
        sources[path.stem] = ("standard", _crlf(path.read_text(encoding="utf-8")))
    return sources


CLASS_BASE = 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'


def class_stream_form(exported: str) -> str:
    """A class module exported by the VBA editor (``VERSION 1.0 CLASS`` ... ``END`` preamble) in the form
    the project stores it: no preamble, the ``VB_Base`` attribute after ``VB_Name``."""
    lines = _crlf(exported).split("\r\n")
    if lines and lines[0].startswith("VERSION "):
        end = lines.index("END")
        lines = lines[end + 1:]
    if CLASS_BASE not in lines:
        lines.insert(1, CLASS_BASE)
    return "\r\n".join(lines)


def _skeleton_xlsm(path: Path, sheets: Mapping[str, str]) -> None:
    """A workbook with the template's sheets and code names only (pyOpenVBA reads the code names)."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_vba_name("ThisWorkbook")
    for name, code in sheets.items():
        wb.add_worksheet(name).set_vba_name(code)
    wb.close()


def vba_project_bin(tmp_dir: Path, sheets: Mapping[str, str], sources: Mapping[str, tuple[str, str]]) -> bytes:
    """``vbaProject.bin`` with ``sources`` (:func:`vba_sources`) and the document modules of ``sheets``
    (sheet name -> code name), in the [MS-OVBA] write form."""
    from pyopenvba import ExcelFile, VBAModuleKind
    from pyopenvba.cfb import CFB

    skeleton = tmp_dir / "skeleton.xlsm"
    _skeleton_xlsm(skeleton, sheets)
    with ExcelFile(skeleton) as book:
        project = book.add_vba_project()
        for name, (kind, source) in sources.items():
            project.add_module(name, source,
                               kind=VBAModuleKind.other if kind == "class" else VBAModuleKind.standard)
        for module in project.modules:
            # Rewritten from source: the document modules of pyOpenVBA's Excel-made template also lose
            # their compiled cache (MODULEOFFSET 0), so nothing but source text is in the project.
            module.dirty = True
        book.save(tmp_dir / "with_vba.xlsm")
    with zipfile.ZipFile(tmp_dir / "with_vba.xlsm") as z:
        cfb = CFB.from_bytes(z.read("xl/vbaProject.bin"))
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", VBA_PROJECT_WRITE_FORM)
    return cfb.to_bytes()
