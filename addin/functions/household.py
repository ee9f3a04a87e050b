"""Cell function of household rebalancing (issue 17): HOUSEHOLD_REBALANCE, and the result tables it spills.

The tables (:func:`summary_rows`, :func:`trade_rows`, ...) are also what the Rebalance Household
button writes (:mod:`addin.macros.household`), so the cell and the sheet always show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import kernels
from addin import cells
from addin.catalogue import cell_function
from addin.cells.normalise import EXCEL_EPOCH
from addin.cells.scalars import single_cell
from kernels import HOUSEHOLD_STATUS_MESSAGES, HouseholdRebalance, InputError

from . import household_tables as T

#: Seconds a whole-share programme may take in a cell (a recalculation must never hang Excel).
CELL_TIME_LIMIT = 2.0

#: The summary: label, and the result's attribute (or a function of the result).
SUMMARY = (
    ("Status", lambda r: r.status),
    ("Number of trades", lambda r: float((r.positions.shares_traded != 0).sum())),
    ("Bought", lambda r: float(r.accounts.bought.sum())),
    ("Sold", lambda r: float(r.accounts.sold.sum())),
    ("Short-term gain", "short_term_gain"),
    ("Long-term gain", "long_term_gain"),
    ("Federal tax", "federal_tax"),
    ("State tax", "state_tax"),
    ("Tax", "tax"),
    ("Harvested loss", "harvested_loss"),
    ("Tax saved", "tax_saved"),
    ("Costs", "costs"),
    ("Turnover", "turnover"),
    ("Largest drift before", "max_drift_before"),
    ("Largest drift after", "max_drift_after"),
    ("Cash left", lambda r: float(r.accounts.cash_after.sum())),
    ("Objective", "objective"),
    ("Gap (currency)", "gap_amount"),
)
#: One figure of the summary by its ``output`` word.
FIGURES = {label.lower().replace(" (currency)", "").replace("-", "_").replace(" ", "_"): get for label, get in SUMMARY}
FIGURES.update({"max_drift_before": FIGURES["largest_drift_before"], "max_drift_after": FIGURES["largest_drift_after"],
                "gap_amount": FIGURES["gap"]})
TRADE_HEADER = ("Account", "Symbol", "Asset class", "Shares before", "Trade (shares)", "Trade (value)", "Shares after",
                "Value after", "Cost", "Realised gain", "Tax", "Note")
LOT_HEADER = ("Account", "Symbol", "Acquired", "Term", "Shares sold", "Proceeds", "Basis sold", "Gain", "Tax",
              "Harvest", "Replacement", "Wash sale")
ACCOUNT_HEADER = ("Account", "Type", "Cash before", "Cash flow", "Cash after", "Value before", "Value after", "Bought",
                  "Sold", "Costs", "Realised gain", "Tax")
CLASS_HEADER = ("Asset class", "Target", "Band", "Weight before", "Weight after", "Drift before", "Drift after")
WASH_HEADER = ("Symbol", "Account", "Lot row", "Loss disallowed", "Bought in", "On")
TABLES = ("summary", "trades", "lots", "accounts", "classes")


def _f(x: Any) -> Any:
    x = x.item() if hasattr(x, "item") else x
    return x + 0.0 if isinstance(x, float) else x  # no -0.0 in a cell


def figure(result: HouseholdRebalance, get) -> Any:
    value = get(result) if callable(get) else getattr(result, get)
    return _f(value) if not isinstance(value, str) else value


def summary_rows(result: HouseholdRebalance) -> list[list[Any]]:
    """Label / value rows (the status as its word)."""
    return [[label, figure(result, get)] for label, get in SUMMARY]


def status_text(result: HouseholdRebalance) -> str:
    return HOUSEHOLD_STATUS_MESSAGES[result.status]


def excel_date(d: dt.date) -> float:
    """A date as Excel's serial number (what a date-formatted cell holds)."""
    return float((dt.datetime(d.year, d.month, d.day) - EXCEL_EPOCH).days)


def trade_rows(result: HouseholdRebalance) -> list[list[Any]]:
    """One row per position (holdings rows in order, then replacements added for harvesting)."""
    p = result.positions
    out = []
    for i in range(len(p.symbol)):
        note = p.buy_blocked[i] and f"no buy: {p.buy_blocked[i]}"
        if p.added[i]:
            note = "replacement for harvesting"
        out.append([p.account[i], p.symbol[i], p.asset_class[i], *(_f(x) for x in (
            p.shares_before[i], p.shares_traded[i], p.value_traded[i], p.shares_after[i], p.value_after[i], p.cost[i],
            p.realized_gain[i], p.tax[i])), note or None])
    return out


def lot_rows(result: HouseholdRebalance) -> list[list[Any]]:
    """One row per lot, in the order given (lots of sheltered accounts show no sale)."""
    lots = result.lots
    return [[lots.account[k] or None, lots.symbol[k] or None, excel_date(lots.acquired[k]),
             "long" if lots.long_term[k] else "short", *(_f(x) for x in (
                 lots.shares_sold[k], lots.proceeds[k], lots.basis_sold[k], lots.gain[k], lots.tax[k])),
             "yes" if lots.harvest_candidate[k] else None, lots.replacement[k] or None, lots.wash_sale[k] or None]
            for k in range(len(lots.acquired))]


def account_rows(result: HouseholdRebalance) -> list[list[Any]]:
    a = result.accounts
    return [[a.name[i], a.type[i], *(_f(x) for x in (
        a.cash_before[i], a.cash_flow[i], a.cash_after[i], a.value_before[i], a.value_after[i], a.bought[i],
        a.sold[i], a.costs[i], a.realized_gain[i], a.tax[i]))] for i in range(len(a.name))]


def class_rows(result: HouseholdRebalance) -> list[list[Any]]:
    c = result.classes
    return [[c.asset_class[i], _f(c.target[i]), _f(c.band[i]) if c.band[i] < float("inf") else None,
             *(_f(x) for x in (c.weight_before[i], c.weight_after[i], c.drift_before[i], c.drift_after[i]))]
            for i in range(len(c.asset_class))]


def wash_rows(result: HouseholdRebalance) -> list[list[Any]]:
    return [[w.symbol, w.account, w.lot, w.loss, w.purchase_account, excel_date(w.purchase_date)]
            for w in result.wash_sales]


_TABLE_ROWS = {"summary": (None, summary_rows), "trades": (TRADE_HEADER, trade_rows), "lots": (LOT_HEADER, lot_rows),
               "accounts": (ACCOUNT_HEADER, account_rows), "classes": (CLASS_HEADER, class_rows)}


def example_arguments() -> tuple:
    """HOUSEHOLD_REBALANCE's example as COM hands it over (the warm-up's): a taxable account with two VTI lots
    (one bought above today's price) and an IRA, 70/30 against 60/40."""
    accounts = (("Taxable", "Taxable"), ("IRA", "IRA"))
    holdings = (("Taxable", "VTI", "Stocks", 100.0, 250.0), ("Taxable", "BND", "Bonds", 0.0, 72.0),
                ("IRA", "VTI", "Stocks", 60.0, 250.0), ("IRA", "BND", "Bonds", 160.0, 72.0))
    targets = (("Stocks", 0.6), ("Bonds", 0.4))
    lots = (("Taxable", "VTI", 60.0, 9_000.0, dt.datetime(2018, 3, 1)),
            ("Taxable", "VTI", 40.0, 11_000.0, dt.datetime(2026, 5, 4)))
    return accounts, holdings, targets, lots, ((0.35, 0.15, 0.05),), dt.datetime(2026, 11, 30)


def as_of_date(value: Any, name: str = "as_of") -> dt.date:
    """A single date cell (date, Excel serial or ISO text)."""
    return T.as_date(single_cell(value, name), name)


def rates_of(value: Any, name: str = "rates") -> kernels.TaxRates:
    r = cells.vector(value, name).values
    if not 2 <= r.size <= 3:
        raise InputError(f"{name}: expected 2 or 3 rates (short-term, long-term[, state]), got {r.size}; select "
                         "them in that order.")
    return kernels.TaxRates(*(float(x) for x in r))


def costs_of(value: Any, name: str = "costs") -> kernels.Costs:
    c = cells.vector(value, name).values
    if c.size > 2:
        raise InputError(f"{name}: expected basis points[, fee per trade], got {c.size} values; select one or two.")
    return kernels.Costs(*(float(x) for x in c))


def kernel_messages(read: dict[str, T.Read], call):
    """Run ``call()``; a kernel message naming a row gets the row of the range it came from."""
    try:
        return call()
    except kernels.PortfolioError as exc:
        def row_name(table: str, k: int) -> str:
            rows = read[table].range_rows if table in read else []
            return f"row {rows[k - 1] if 0 < k <= len(rows) else k}"

        raise type(exc)(T.locate(str(exc), row_name)) from None


@cell_function(
    args={
        "accounts": "Accounts, one row each: name, type (Taxable, IRA, Roth IRA, 401(k), ...)[, cash[, cash flow: "
                    "+ deposit, - withdrawal]].",
        "holdings": "Holdings: account, symbol, asset class, shares, price[, no sell, no buy]. A row of 0 shares "
                    "lists a security the account may buy.",
        "targets": "Household targets: asset class (or symbol), weight; the weights sum to 100%.",
        "lots": "Optional tax lots of the taxable holdings: account, symbol, shares, cost basis (the lot's total), "
                "acquired (a date).",
        "rates": "Optional tax rates on gains: federal short-term, long-term[, state] (0.35 is 35%). Needed with "
                 "a taxable account.",
        "as_of": "Optional trade date, for holding periods and the 30-day wash-sale window. Default today.",
        "costs": "Optional costs: basis points of each trade[, fee per trade]. Default none.",
        "band": "Optional band in weight points: 0.05 lets a 40% target sit from 35% to 45% untraded. Default none.",
        "whole_shares": "Optional TRUE to trade whole shares (a mixed-integer programme, 2 s at most in a cell). "
                        "Default FALSE.",
        "harvest_threshold": "Optional: harvest losses of lots down at least this fraction of their cost (0.1 is "
                             "10%). Default none.",
        "substitutes": "Optional replacements to buy after harvesting: symbol, replacement[, price].",
        "output": "Optional: summary (default), trades, lots, accounts, classes, or one figure: tax, status, "
                  "max_drift_after, costs, turnover, ...",
    },
    result="A summary (label, value) of the tax-aware plan, or its trades, lots, accounts or classes with a "
           "header row, or one figure.",
    example="=HOUSEHOLD_REBALANCE(HH_Accounts, HH_Holdings, HH_Targets, HH_Lots, HH_Rates, HH_AsOf)",
    renames={"tax_rates": "rates", "tax_rates.short_term": "rates", "tax_rates.long_term": "rates",
             "tax_rates.state": "rates", "costs.bps": "costs", "costs.per_trade": "costs", "cash_flows": "accounts"},
    call_in_wizard=False)
def HOUSEHOLD_REBALANCE(accounts, holdings, targets, lots=None, rates=None, as_of=None, costs=None, band=None,
                        whole_shares=False, harvest_threshold=None, substitutes=None, output="summary"):
    """Tax-aware trades for a household's accounts (taxable, IRA, Roth) to its targets: tax, costs and drift."""
    word = cells.text(output, "output").lower().replace("-", "_").replace(" ", "_")
    if word not in _TABLE_ROWS and word not in FIGURES:
        raise InputError(f"output: expected one of {', '.join(TABLES)} or a figure ({', '.join(list(FIGURES)[:6])}, "
                         f"...), got '{cells.text(output, 'output')}'.")
    read = {"accounts": T.read_table(accounts, T.ACCOUNTS), "holdings": T.read_table(holdings, T.HOLDINGS),
            "targets": T.read_table(targets, T.TARGETS)}
    if lots is not None:
        read["lots"] = T.read_table(lots, T.LOTS, optional=True)
    if substitutes is not None:
        read["substitutes"] = T.read_table(substitutes, T.SUBSTITUTES, optional=True)
    acc = read["accounts"]
    flows = {a.name: f for a, f in zip(acc.rows, acc.extra["cash flow"]) if f}
    whole = cells.flag(whole_shares, "whole_shares")
    kwargs = {
        "accounts": acc.rows, "lots": read["lots"].rows if "lots" in read else None,
        "as_of": dt.date.today() if as_of is None else as_of_date(as_of),
        "tax_rates": None if rates is None else rates_of(rates),
        "costs": kernels.Costs() if costs is None else costs_of(costs),
        "band": None if band is None else cells.number(band, "band"),
        "cash_flows": flows or None, "whole_shares": whole,
        "harvest_threshold": None if harvest_threshold is None else cells.number(harvest_threshold, "harvest_threshold"),
        "substitutes": read["substitutes"].rows if "substitutes" in read else None,
        "time_limit": CELL_TIME_LIMIT}
    result = kernel_messages(read, lambda: kernels.rebalance_household(
        read["holdings"].rows, read["targets"].rows, **kwargs))
    if word not in _TABLE_ROWS:
        return figure(result, FIGURES[word])
    header, rows = _TABLE_ROWS[word]
    return ([list(header)] if header else []) + rows(result)
