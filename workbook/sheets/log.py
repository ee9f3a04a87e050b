"""The Log sheet: one row per macro run (the book adapters append them)."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Grid

NAME = "Log"
CODE_NAME = "Sheet9"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    S = NAME
    sh = grid.sheets[S]
    grid.put(S, 0, 0, "Macro log", "title")
    grid.put(S, 1, 0, "One row per macro run: when, what it read, which ranges it overwrote, and how it went.",
             "note")
    grid.put_row(S, 3, 0, list(L.LOG_COLUMNS), "header")
    sh.freeze = (4, 0)
    sh.col_widths.update({0: 20, 1: 18, 2: 8, 3: 50, 4: 60, 5: 80})

