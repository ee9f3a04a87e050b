"""The Income sheet: projection inputs and table, the income-target portfolio, the chart."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Block, Grid

from ._parts import pct_validation, put_inputs

NAME = "Income"
CODE_NAME = "Sheet8"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    lay, classes = sources.layout, sources.classes
    S = NAME
    sh = grid.sheets[S]
    k = lay.n_classes
    grid.put(S, 0, 0, "Income plan", "title")
    grid.put(S, 1, 0, "Projected yearly income of the current portfolio, and the lowest-risk portfolio that "
                      "reaches the income target. Inputs: here, the Portfolio and Assumptions sheets.", "note")
    put_inputs(grid, S, 3, 0, [("Years", L.INCOME_YEARS, "in_int"), ("Income growth a year", 0.02, "in_pct"),
                               ("Inflation a year", 0.025, "in_pct"), ("Income target (yield)", 0.03, "in_pct")])
    grid.put(S, 7, 0, "Status", "label")
    sh.validations.append((grid.names["Income_Years"], {
        "validate": "integer", "criteria": "between", "minimum": 1, "maximum": L.INCOME_YEARS,
        "error_title": "Years", "error_message": f"Years: enter a whole number from 1 to {L.INCOME_YEARS}."}))
    for name in ("Income_Growth", "Income_Inflation", "Income_Target"):
        sh.validations.append((grid.names[name], pct_validation(name)))
    grid.put_row(S, 9, 0, ["Year", "Portfolio value", "Income", "Income in today's money", "Cumulative income"],
                 "header")
    blk = grid.names["Income_Table"]
    for j, f in enumerate(("int", "money", "money", "money", "money")):
        grid.put_block(Block(S, blk.row, j, blk.n_rows, 1), [], f)
    grid.put_row(S, 9, 6, ["Income-target portfolio", "Weight"], "header")
    for i, c in enumerate(classes):
        grid.put(S, 10 + i, 6, c, "label")
    grid.put_block(grid.names["IncomeTarget_Weights"], [], "pct")
    for i, label in enumerate(("Yield", "Expected return", "Volatility", "Yearly income")):
        grid.put(S, 11 + k + i, 6, label, "label")
    stats = grid.names["IncomeTarget_Stats"]
    grid.put_block(Block(S, stats.row, stats.col, 3), [], "pct")
    grid.put_block(Block(S, stats.row + 3, stats.col), [], "money")
    sh.freeze = (10, 1)
    sh.col_widths.update({0: 22, 1: 16, 2: 12, 3: 22, 4: 18, 6: 24, 7: 12})
    sh.charts.append(("income", {"anchor": (3, 9)}))

