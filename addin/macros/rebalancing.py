"""Rebalance and Check Drift buttons: trades back to the targets, and drift against the band."""

from __future__ import annotations

import numpy as np

import kernels
from kernels import InputError

from ._inputs import HOLDING_NAMES, holdings
from ._run import Book, Macro, MacroResult, Outcome, amount, column, number, run, table

READS = HOLDING_NAMES + ("CashFlow", "Rebalance_Band")


def _band(inputs) -> float:
    band = number(inputs, "Rebalance_Band")
    if not 0.0 <= band <= 1.0:
        raise InputError(f"Rebalance_Band: expected a weight from 0% to 100%, got {band:.4g}; fix the cell.")
    return band


def _targets_sum_to_one(targets: np.ndarray) -> None:
    total = float(targets.sum())
    if abs(total - 1.0) > 1e-6:
        raise InputError(f"Holdings_Target: target weights add up to {total:.2%}, not 100%; fix them.")


def compute_rebalance(inputs, shapes) -> Outcome:
    h = holdings(inputs)
    _targets_sum_to_one(h.targets)
    band = _band(inputs)
    min_trade = number(inputs, "Rebalance_MinTrade")
    if min_trade < 0:
        raise InputError(f"Rebalance_MinTrade: expected 0 or more, got {min_trade:.4g}; fix the cell.")
    cash_flow = number(inputs, "CashFlow")
    res = kernels.rebalance_trades(h.values, h.targets, cash_flow=cash_flow, band=band, min_trade=min_trade,
                                   prices=h.prices)
    before = kernels.drift(h.values, h.targets, band=band)
    rows = [[h.values[i], before.weights[i], h.targets[i], res.trades[i], res.shares[i], res.values[i],
             res.weights[i], "outside" if before.outside_band[i] else None] for i in range(len(h.assets))]
    summary = [[h.total, float(before.weights.sum()), float(h.targets.sum()), float(res.trades.sum()), None,
                float(res.values.sum()), float(res.weights.sum()), None]]
    if res.n_trades:
        message = (f"{res.n_trades} trades, turnover {res.turnover:.1%}, new cash {amount(cash_flow)}, "
                   f"cash left {amount(res.cash, 2)}")
    else:
        message = f"no trade needed: every holding is within the {band:.1%} band"
    return Outcome({"Rebalance_Assets": column(h.assets), "Rebalance_Table": table(rows),
                    "Rebalance_Summary": table(summary),
                    "Rebalance_Info": [[message]]}, message)


def compute_drift(inputs, shapes) -> Outcome:
    h = holdings(inputs)
    _targets_sum_to_one(h.targets)
    band = _band(inputs)
    d = kernels.drift(h.values, h.targets, band=band)
    rows = [[d.weights[i], h.targets[i], d.drift[i], "outside" if d.outside_band[i] else "ok"]
            for i in range(len(h.assets))]
    n_out = int(np.count_nonzero(d.outside_band))
    message = (f"{n_out} of {len(h.assets)} holdings outside the +/-{band:.1%} band (largest drift "
               f"{d.max_abs_drift:.1%}): " + ("click Rebalance" if d.needs_rebalancing else "no rebalancing needed"))
    return Outcome({"Drift_Assets": column(h.assets), "Drift_Table": table(rows), "Drift_Info": [[message]]},
                   message)


RENAMES = {"values": "Holdings_Shares", "targets": "Holdings_Target", "cash_flow": "CashFlow",
           "band": "Rebalance_Band", "min_trade": "Rebalance_MinTrade", "prices": "Holdings_Price"}
REBALANCE = Macro("rebalance", "Rebalance", READS + ("Rebalance_MinTrade",),
                  ("Rebalance_Assets", "Rebalance_Table", "Rebalance_Summary", "Rebalance_Info"), compute_rebalance,
                  "computing the trades", RENAMES)
CHECK_DRIFT = Macro("check_drift", "Check Drift", READS, ("Drift_Assets", "Drift_Table", "Drift_Info"), compute_drift,
                    "checking drift", RENAMES)


def rebalance(book: Book | None = None) -> MacroResult:
    """Rebalance button: trades to the target weights (new cash included) on the Rebalance sheet."""
    return run(REBALANCE, book)


def check_drift(book: Book | None = None) -> MacroResult:
    """Check Drift button: each holding's drift from its target and whether it is outside the band."""
    return run(CHECK_DRIFT, book)
