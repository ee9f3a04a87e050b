"""The template for xlwings Lite: ``xlfolio-lite.xlsx``, the same sheets without VBA or ribbon.

What differs from the desktop template (:func:`workbook.build.build_package`), and why:

* no VBA project and no ribbon (``customUI``): a macro-free ``.xlsx`` (mail filters pass it; Excel on
  the web and on Mac runs no VBA anyway); the buttons are Lite scripts instead, and the computing
  ones also sit on their sheets as Lite's sheet buttons (:mod:`workbook.sheet_buttons`);
* formulas calling xlfolio's functions are stored as ``_xldudf_NAME(...)``, the form Excel saves for a
  call of an add-in's custom function and binds to the function once the add-in registers it (a
  plain ``NAME(...)`` written where the function did not exist stays unbound until re-entered);
  each keeps the value the build computed, which readers without Python show;
* the add-in (xlwings Lite, store id :data:`LITE_STORE_ID`) and its settings ``main.py`` and
  ``requirements.txt``, which the add-in passes in (:mod:`workbook.webextension`), so that opening
  the file with Lite is all a colleague does (after Lite's trust prompt).

Like the rest of the build it never imports the add-in: the cell functions, the buttons and the two
texts are arguments.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path
from typing import Mapping, Sequence

from .build import lay_out
from .formulas import Functions, calls
from .grid import Grid
from .package import without_full_calc, write_xlsm
from .sheet_buttons import SheetButton, name_shapes
from .webextension import add_webextension

#: xlwings Lite in the Office add-in store.
LITE_STORE_ID = "WA200008175"
#: The prefix Excel stores before a custom function's name in a formula.
UDF_PREFIX = "_xldudf_"
#: The add-in's id in this workbook (any GUID; a fixed one keeps the build repeatable).
LITE_GUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "xlfolio:xlwings-lite-template"))


def stored_formula(formula: str, names: set[str]) -> str:
    """``formula`` as the file stores it: every call of a function in ``names`` as ``_xldudf_NAME(``
    (a dotted name, ``NS.NAME``, becomes ``_xldudf_NS_NAME``)."""
    called = {c.name for c in calls(formula)} & names
    if not called:
        return formula
    pattern = re.compile(r"(?<![\w.$!'])(" + "|".join(map(re.escape, sorted(called, key=len, reverse=True))) + r")\(")
    return pattern.sub(lambda m: UDF_PREFIX + m.group(1).replace(".", "_") + "(", formula)


def lite_grid(functions: Functions) -> Grid:
    """The template's sheets, with calls of the add-in's functions in their stored form."""
    grid = lay_out(functions)
    names = set(functions)
    for sheet in grid.sheets.values():
        for cell in sheet.cells.values():
            if cell.formula is not None:
                cell.formula = stored_formula(cell.formula, names)
    return grid


def lite_package(functions: Functions, buttons: Sequence[SheetButton], settings: Mapping[str, str]) -> bytes:
    """The Lite template's package, output blocks blank.

    Parameters
    ----------
    functions : Functions
        The add-in's cell functions by Excel name (the Start sheet's reference, the formulas' values).
    buttons : sequence of SheetButton
        The sheet buttons of Lite's scripts.
    settings : mapping of str to str
        The add-in's settings, e.g. ``{"main.py": ..., "requirements.txt": ...}``.
    """
    grid = lite_grid(functions)
    for b in buttons:
        taken = [c for c in range(b.col, b.col + b.n_cols) if (b.row, c) in grid.sheets[b.sheet].cells]
        if taken:
            raise ValueError(f"sheet button {b.shape} would cover filled cells of {b.sheet} (row {b.row + 1})")
    with tempfile.TemporaryDirectory(prefix="xlfolio-lite-") as tmp:
        path = Path(tmp) / "template.xlsx"
        write_xlsm(grid, path, None, buttons)
        data = without_full_calc(path.read_bytes())
    if buttons:
        data = name_shapes(data, buttons)
    return add_webextension(data, LITE_STORE_ID, settings, LITE_GUID)
