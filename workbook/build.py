"""Build the template's package from the text sources in ``workbook/`` and what the add-in passes in.

Steps (each reproducible, nothing edited by hand):

1. :func:`lay_out` draws every sheet of :data:`workbook.sheets.ORDER` into an in-memory
   :class:`~workbook.grid.Grid`, at the positions of :mod:`workbook.layout`: the asset-class table and
   its sources, the sample prices, the sample client, input cells with validation, formulas with the
   values they compute, the (blank) output blocks of the macros;
2. :func:`workbook.vba_project.vba_project_bin` writes the VBA project;
3. :func:`workbook.package.package_bytes` writes the package and adds the ribbon.

The workbook never imports the add-in (the layers run addin -> workbook -> kernels): the add-in passes
its cell functions (:data:`workbook.formulas.Functions`: the Start sheet's reference and the values of
formulas calling them) and its VBA modules (the UDF wrapper), and fills the output blocks afterwards
by running its buttons on the package (``addin.template.build_template``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Mapping

from . import layout as L
from .formulas import Functions
from .grid import Grid
from .package import package_bytes
from .sheets import ORDER, SHEETS
from .vba_project import vba_project_bin, vba_sources


def lay_out(functions: Functions) -> Grid:
    """Lay the whole template out in memory, outputs of the macros left blank."""
    sources = L.read_sources()
    grid = Grid()
    for sheet in ORDER:
        grid.add_sheet(sheet.NAME, sheet.CODE_NAME)
    for name, block in sources.layout.names().items():
        grid.name(name, block)
    for sheet in ORDER:
        sheet.lay_out(grid, sources, functions)
    return grid


def build_package(functions: Functions, vba_modules: Mapping[str, str] | None) -> bytes:
    """The template's package with the macros' output blocks blank.

    Parameters
    ----------
    functions : Functions
        The add-in's cell functions by Excel name.
    vba_modules : mapping of str to str, or None
        Standard VBA modules from the add-in (name -> source), put between xlwings' modules and the
        ribbon callbacks; None for a package without a VBA project.
    """
    grid = lay_out(functions)
    with tempfile.TemporaryDirectory(prefix="xlfolio-build-") as tmp:
        tmp_dir = Path(tmp)
        vba_bin = None if vba_modules is None else vba_project_bin(tmp_dir, SHEETS, vba_sources(vba_modules))
        return package_bytes(grid, tmp_dir, vba_bin)
