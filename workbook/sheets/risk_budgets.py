"""The Risk Parity sheet: the risk budgets, the weights and contributions, their figures."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Block, Grid

from ._parts import pct_validation

NAME = "Risk Parity"
CODE_NAME = "Sheet7"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    lay, classes = sources.layout, sources.classes
    S = NAME
    sh = grid.sheets[S]
    k = lay.n_classes
    grid.put(S, 0, 0, "Risk parity", "title")
    grid.put(S, 1, 0, "Weights whose contributions to volatility match the risk budgets (equal by default). "
                      "Inputs: the budgets here and the Assumptions sheet.", "note")
    grid.put_row(S, 3, 0, ["Asset class", "Risk budget", "Weight", "Risk contribution", "Share of risk"], "header")
    for i, c in enumerate(classes):
        grid.put(S, 4 + i, 0, c, "label")
        grid.put(S, 4 + i, 1, 1.0 / k, "in_pct")
    sh.validations.append((grid.names["RP_Budgets"], pct_validation("Risk budget")))
    for name, fmt in (("RP_Weights", "pct"), ("RP_Contrib", "pct2"), ("RP_Relative", "pct")):
        grid.put_block(grid.names[name], [], fmt)
    for i, label in enumerate(("Volatility", "Expected return", "Converged", "Iterations")):
        grid.put(S, 5 + k + i, 1, label, "label")
    stats = grid.names["RP_Stats"]
    grid.put_block(Block(S, stats.row, stats.col, 2), [], "pct")
    grid.put_block(Block(S, stats.row + 2, stats.col, 2), [], "text")
    sh.freeze = (4, 1)
    sh.col_widths.update({0: 22, 1: 16, 2: 12, 3: 17, 4: 13})

