"""The template workbook ``xlfolio.xlsm``: the workbook's sheets and package, composed with the add-in.

:mod:`workbook.build` lays the sheets out and writes the package from the text sources in
``workbook/``; it never imports the add-in. This module passes it what the add-in owns: the cell
functions of the catalogue (:data:`addin.functions.FUNCTIONS`, for the Start sheet's reference and
the values of the formulas calling them) and the UDF wrapper VBA module (:mod:`addin.vba`); then it
runs every computing button of the button catalogue (:data:`addin.macros.COMPUTING`) headless on the
sample client through :class:`addin.book.FileBook`, so the output blocks and charts ship filled (the
Log records those runs as ``template build``).
"""

from __future__ import annotations

from pathlib import Path

from workbook.formulas import FormulaFunction
from workbook.vba_project import vba_sources as _workbook_vba_sources

#: The template's file name: it decides how the UDF wrapper names its workbook (ThisWorkbook).
TEMPLATE_NAME = "xlfolio.xlsm"
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
    from addin import macros
    from addin.book import FileBook
    from workbook.build import build_package

    book = FileBook(build_package(formula_functions(), vba_modules()), clock=lambda: BUILD_CLOCK)
    for name in macros.COMPUTING:
        macros.button(name).function(book)
    data = book.to_bytes()
    if out is not None:
        Path(out).write_bytes(data)
    return data
