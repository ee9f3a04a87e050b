"""The Rebalance sheet: band and minimum trade, the trade table, the drift check."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Block, Grid

from ._parts import pct_validation, put_inputs

NAME = "Rebalance"
CODE_NAME = "Sheet6"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    lay, client = sources.layout, sources.client
    S = NAME
    sh = grid.sheets[S]
    h = lay.n_holdings
    grid.put(S, 0, 0, "Rebalance", "title")
    grid.put(S, 1, 0, "Click Rebalance for trades back to the target weights of the Portfolio sheet (new cash "
                      "included); Check Drift flags holdings outside the band without trading.", "note")
    put_inputs(grid, S, 3, 0, [("Drift band (+/- weight)", 0.05, "in_pct"), ("Minimum trade", 100.0, "in_money")])
    grid.put(S, 5, 0, "Status", "label")
    sh.validations.append((grid.names["Rebalance_Band"], pct_validation("Drift band")))
    sh.validations.append((grid.names["Rebalance_MinTrade"], {
        "validate": "decimal", "criteria": ">=", "value": 0, "error_title": "Minimum trade",
        "error_message": "Minimum trade: enter an amount of 0 or more."}))
    grid.put_row(S, 7, 0, ["Asset", "Current value", "Current weight", "Target weight", "Trade", "Trade shares",
                           "Post-trade value", "Post-trade weight", "Outside band"], "header")
    for i, c in enumerate(client):
        grid.put(S, 8 + i, 0, c["asset"], "label")
        grid.put(S, 13 + h + i, 0, c["asset"], "label")
    grid.put(S, 9 + h, 0, "Total / cash left", "label")
    fmts = ["money", "pct", "pct", "money", "num", "money", "pct", "text"]
    for j, f in enumerate(fmts):
        blk = grid.names["Rebalance_Table"]
        grid.put_block(Block(S, blk.row, blk.col + j, blk.n_rows, 1), [], f)
        grid.put_block(Block(S, 9 + h, 1 + j, 1, 1), [], f)
    grid.put(S, 11 + h, 0, "Drift check", "subtitle")
    grid.put_row(S, 12 + h, 0, ["Asset", "Weight", "Target", "Drift", "Outside band"], "header")
    for j, f in enumerate(("pct", "pct", "pct", "text")):
        grid.put_block(Block(S, 13 + h, 1 + j, h, 1), [], f)
    sh.freeze = (8, 1)
    sh.col_widths.update({0: 22, 1: 14, 2: 14, 3: 13, 4: 12, 5: 12, 6: 15, 7: 15, 8: 12})

