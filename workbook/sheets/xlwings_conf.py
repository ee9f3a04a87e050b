"""The xlwings.conf sheet: xlwings' settings for this workbook (UDF module, UDF server)."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Grid

NAME = "xlwings.conf"
CODE_NAME = "Sheet10"

#: xlwings' settings: the UDF module is the add-in's COM front-end (``addin.vba.UDF_MODULE``).
CONF = (
    ("Interpreter_Win", ""),
    ("Interpreter_Mac", ""),
    ("PYTHONPATH", ""),
    ("Conda Path", ""),
    ("Conda Env", ""),
    ("UDF Modules", "addin.udfs"),
    ("Debug UDFs", False),
    ("Use UDF Server", True),
    ("Show Console", False),
)


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    S = NAME
    for i, (key, value) in enumerate(CONF):
        grid.put(S, i, 0, key, "label")
        grid.put(S, i, 1, value, "in_text")
    grid.sheets[S].col_widths.update({0: 18, 1: 40})

