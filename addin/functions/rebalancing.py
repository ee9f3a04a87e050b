"""Cell functions of rebalancing: trades back to the targets and drift from them."""

from __future__ import annotations

import kernels
from addin import cells
from addin.catalogue import cell_function

from ._docs import VALUES_DOC

TARGETS_DOC = "Target weights: one per holding, summing to 1 (same orientation as values)."


@cell_function(
    args={"values": VALUES_DOC, "targets": TARGETS_DOC,
          "cash_flow": "Optional deposit (positive) or withdrawal (negative) to make now, currency. Default 0.",
          "band": ("Optional tolerance band in weight points (0.05 lets 60% drift from 55% to 65%), one or per "
                   "holding. Default none."),
          "min_trade": "Optional smallest trade worth making, currency. Default 0.",
          "prices": "Optional price per share of each holding; with prices, trades are whole lots.",
          "lot_size": "Optional shares per lot: 1 whole shares, 100 round lots, one or per holding. Default 1."},
    result="Trade per holding in currency (positive buys, negative sells), spilled like the values.",
    example="=REBALANCE(F2:F6, G2:G6, 10000, 0.05)")
def REBALANCE(values, targets, cash_flow=0.0, band=None, min_trade=0.0, prices=None, lot_size=1.0):
    """Trades that bring holdings back to their target weights, with optional bands, cash flow and whole lots."""
    v = cells.vector(values, "values")
    result = kernels.rebalance_trades(
        v.values, cells.vector(targets, "targets").values,
        cash_flow=cells.number(cash_flow, "cash_flow"),
        band=None if band is None else cells.number_or_vector(band, "band"),
        min_trade=cells.number(min_trade, "min_trade"),
        prices=None if prices is None else cells.vector(prices, "prices").values,
        lot_size=cells.number_or_vector(lot_size, "lot_size"),
    )
    return cells.spill(result.trades, v.orientation)


@cell_function(args={"values": VALUES_DOC, "targets": TARGETS_DOC},
               result="Current weight minus target per holding, in weight points, spilled like the values.",
               example="=DRIFT(F2:F6, G2:G6)")
def DRIFT(values, targets):
    """How far each holding's weight has drifted from its target (0.02 is 2 points overweight)."""
    v = cells.vector(values, "values")
    return cells.spill(kernels.drift(v.values, cells.vector(targets, "targets").values).drift, v.orientation)
