"""The template workbooks ``xlfolio.xlsm`` (desktop) and ``xlfolio-lite.xlsx`` (xlwings Lite), composed with the add-in.

:mod:`workbook.build` lays the sheets out and writes the package from the text sources in
``workbook/``; it never imports the add-in. This module passes it what the add-in owns: the cell
functions of the catalogue (:data:`addin.functions.FUNCTIONS`, for the Start sheet's reference and
the values of the formulas calling them) and the UDF wrapper VBA module (:mod:`addin.vba`); then it
runs every computing button of the button catalogue (:data:`addin.macros.COMPUTING`) headless on the
sample client through :class:`addin.book.FileBook`, so the output blocks and charts ship filled (the
Log records those runs as ``template build``).

The Lite template (:func:`build_lite_template`) is the same sheets without VBA or ribbon
(:mod:`workbook.lite_package`), with xlwings Lite's ``main.py`` and ``requirements.txt`` stored in it
(:mod:`addin.lite.source`) and the computing buttons drawn on their sheets (:mod:`addin.lite.scripts`).
"""

from __future__ import annotations

from pathlib import Path

from workbook.formulas import FormulaFunction
from workbook.sheet_buttons import SheetButton
from workbook.vba_project import vba_sources as _workbook_vba_sources

#: The template's file name: it decides how the UDF wrapper names its workbook (ThisWorkbook).
TEMPLATE_NAME = "xlfolio.xlsm"
#: The xlwings Lite template's file name.
LITE_TEMPLATE_NAME = "xlfolio-lite.xlsx"
#: The Log's time stamp of the runs made by the build.
BUILD_CLOCK = "template build"


def formula_functions() -> dict[str, FormulaFunction]:
    """Every cell function as the build calls it: with cell values as a :class:`~addin.book.Book` reads them."""
    from addin.cells.guard import cell_callable
    from addin.cells.normalise import book_value
    from addin.functions import FUNCTIONS

    return {f.name: FormulaFunction(f.name, cell_callable(f, book_value), f.n_required, len(f.arguments),
                                    f.description) for f in FUNCTIONS}


def vba_modules() -> dict[str, str]:
    """The add-in's VBA modules of the template: the UDF wrapper xlwings generates for :mod:`addin.udfs`."""
    from addin.vba import VBA_MODULE_NAME, udf_wrapper_module

    return {VBA_MODULE_NAME: udf_wrapper_module(TEMPLATE_NAME)}


def vba_sources() -> dict[str, tuple[str, str]]:
    """Every module of the template's VBA project: name -> (kind, source with CRLF line ends), in order."""
    return _workbook_vba_sources(vba_modules())


def build_template(out: str | Path | None = None) -> bytes:
    """Build the template: lay out and package, then fill the output blocks by running every computing
    button headless on the sample client.

    Returns the ``.xlsm`` bytes and writes them to ``out`` when given. Byte-for-byte repeatable.
    """
    from workbook.build import build_package

    return _fill(build_package(formula_functions(), vba_modules()), out)


def _fill(package: bytes, out: str | Path | None) -> bytes:
    """Run every computing button headless on ``package``; write the result to ``out`` when given."""
    from addin import macros
    from addin.book import FileBook

    book = FileBook(package, clock=lambda: BUILD_CLOCK)
    for name in macros.COMPUTING:
        macros.button(name).function(book)
    data = book.to_bytes()
    if out is not None:
        Path(out).write_bytes(data)
    return data


def lite_files(xlfolio_requirement: str | None = None) -> dict[str, str]:
    """The xlwings Lite code of the template: ``main.py`` and ``requirements.txt`` by file name."""
    from addin.lite.source import main_py, requirements_txt

    return {"main.py": main_py(), "requirements.txt": requirements_txt(xlfolio_requirement)}


def sheet_buttons() -> list[SheetButton]:
    """The Lite scripts' sheet buttons: one per computing button, on the sheet it fills."""
    from addin.lite.scripts import BUTTON_COLS, scripts

    return [SheetButton(s.shape_name, s.label, *s.button_cell, BUTTON_COLS) for s in scripts()
            if s.button_cell is not None]


def build_lite_template(out: str | Path | None = None, xlfolio_requirement: str | None = None) -> bytes:
    """Build the xlwings Lite template: the same sheets without VBA, the Lite code stored in it, the
    output blocks filled as in :func:`build_template`.

    Returns the ``.xlsx`` bytes and writes them to ``out`` when given. Byte-for-byte repeatable.
    ``xlfolio_requirement`` replaces ``xlfolio==<version>`` in the stored ``requirements.txt``.
    """
    from workbook.lite_package import lite_package

    package = lite_package(formula_functions(), sheet_buttons(), lite_files(xlfolio_requirement))
    return _fill(package, out)
