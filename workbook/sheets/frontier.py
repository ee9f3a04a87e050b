"""The Frontier sheet: bounds, the frontier table, the optimal portfolios and the chart."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Block, Grid

from ._parts import pct_validation, put_inputs

NAME = "Frontier"
CODE_NAME = "Sheet5"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    classes = sources.classes
    S = NAME
    sh = grid.sheets[S]
    grid.put(S, 0, 0, "Efficient frontier", "title")
    grid.put(S, 1, 0, "Click Efficient Frontier on the Portfolio tab. Long-only, fully invested, per-class bounds below; "
                      "inputs: the Assumptions sheet.", "note")
    put_inputs(grid, S, 3, 0, [("Min weight per class", 0.0, "in_pct"), ("Max weight per class", 1.0, "in_pct")])
    grid.put(S, 5, 0, "Status", "label")
    sh.validations.append((grid.names["Frontier_MinWeight"], pct_validation("Min weight")))
    sh.validations.append((grid.names["Frontier_MaxWeight"], pct_validation("Max weight")))
    grid.put_row(S, 7, 0, ["Point", "Expected return", "Volatility", "Sharpe ratio", *classes], "header")
    for i in range(L.FRONTIER_POINTS):
        grid.put(S, 8 + i, 0, i + 1, "int")
    grid.put_block(grid.names["Frontier_Returns"], [], "pct")
    grid.put_block(grid.names["Frontier_Vols"], [], "pct")
    grid.put_block(grid.names["Frontier_Sharpe"], [], "corr")
    grid.put_block(grid.names["Frontier_Weights"], [], "pct")
    base = 9 + L.FRONTIER_POINTS
    grid.put_row(S, base - 1, 0, ["Portfolio", "Expected return", "Volatility", "Sharpe ratio", *classes], "header")
    for i, label in enumerate(("Max Sharpe", "Min variance", "Current")):
        grid.put(S, base + i, 0, label, "label")
    stats = grid.names["Optimal_Stats"]
    grid.put_block(Block(S, stats.row, stats.col, stats.n_rows, 2), [], "pct")
    grid.put_block(Block(S, stats.row, stats.col + 2, stats.n_rows, 1), [], "corr")
    grid.put_block(grid.names["Optimal_Weights"], [], "pct")
    sh.freeze = (8, 1)
    sh.col_widths.update({0: 20, 1: 14, 2: 11, 3: 11, **{4 + j: 12 for j in range(len(classes))}})
    sh.charts.append(("frontier", {"anchor": (base + 5, 0)}))

