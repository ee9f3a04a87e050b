"""The Household sheet (issue 17): a household's accounts, holdings, tax lots, targets and tax settings, and
the results of the Rebalance Household button (trades by account and by lot, gains, tax, costs, drift).

The sample household (``workbook/data/household/``) is the sample client's three accounts with the cost
basis of its taxable VTI split into two lots. Beside the button's summary, a few cells call the
HOUSEHOLD_REBALANCE function on the same inputs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workbook import layout as L
from workbook.formulas import Functions, evaluate_udf
from workbook.grid import Block, Grid, a1
from workbook.household_blocks import (
    N_HOLDINGS,
    N_LOTS,
    RESULT_TABLES,
    RESULTS_ROW,
    SETTINGS_ROW,
    SHEET,
    SIDE_TABLES,
    result_rows,
)

from ._parts import list_validation, pct_validation

NAME = SHEET
CODE_NAME = "Sheet12"
DATA = Path(L.HERE) / "data" / "household"

#: The account types the dropdown offers (all read by the kernel's aliases).
ACCOUNT_TYPES = ("Taxable", "Brokerage", "IRA", "401(k)", "Roth IRA", "Roth 401(k)", "HSA")
MODES = ("to_target", "to_band")
LOT_METHODS = ("min_tax", "hifo")
#: Settings: label, value of the sample household (None: blank, the kernel's default), format.
SETTING_ROWS = (
    ("Trade date (as of)", "as_of", "date"),
    ("Federal short-term rate", "short_term", "in_pct"),
    ("Federal long-term rate", "long_term", "in_pct"),
    ("State rate", "state", "in_pct"),
    ("Cost (basis points a trade)", 0.0, "in_num"),
    ("Fee per trade", 0.0, "in_money"),
    ("Band (+/- weight; blank: none)", None, "in_pct"),
    ("Relative band (blank: none)", None, "in_pct"),
    ("Mode", "to_target", "in_text"),
    ("Max turnover (blank: none)", None, "in_pct"),
    ("Drift penalty (tax worth paying per $1 moved)", 1.0, "in_num"),
    ("Lot method", "min_tax", "in_text"),
    ("Whole shares (TRUE: a mixed-integer programme)", False, "in_text"),
    ("Harvest losses beyond (of cost; blank: no)", 0.10, "in_pct"),
    ("MIP gap (of the household's value)", 0.0001, "in_num"),
    ("Time limit (seconds)", 10.0, "in_num"),
)
SIDE_HEADERS = {
    "HH_Accounts": ("Accounts", ("Account", "Type", "Cash", "Cash flow (+/-)"), ("in_text", "in_text", "in_money",
                                                                                "in_money")),
    "HH_Targets": ("Household targets", ("Asset class", "Target"), ("in_text", "in_pct")),
    "HH_Substitutes": ("Substitutes (harvesting)", ("Symbol", "Replacement", "Price"), ("in_text", "in_text",
                                                                                       "in_money")),
    "HH_Recent": ("Trades of the last 30 days (wash sales)", ("Account", "Symbol", "Shares (+buy/-sell)", "Date",
                                                                "Gain"), ("in_text", "in_text", "in_num", "date",
                                                                          "in_money")),
}
HOLDING_HEADERS = ("Account", "Symbol", "Asset class", "Shares", "Price", "No sell", "No buy", "Value",
                   "Cost basis (lots)", "Unrealised gain (lots)")
HOLDING_FORMATS = ("in_text", "in_text", "in_text", "in_num", "in_money", "in_text", "in_text")
LOT_HEADERS = ("Account", "Symbol", "Shares", "Cost basis (total)", "Acquired")
LOT_FORMATS = ("in_text", "in_text", "in_num", "in_money", "date")
#: Result tables: title, column headers (the add-in's) and formats.
RESULT_FORMATS = {
    "HH_Trades": ("text", "text", "text", "num", "num", "money2", "num", "money", "money2", "money2", "money2", "text"),
    "HH_LotSales": ("text", "text", "date", "text", "num", "money2", "money2", "money2", "money2", "text", "text",
                    "text"),
    "HH_AccountSummary": ("text", "text", "money", "money", "money2", "money", "money", "money", "money", "money2",
                          "money2", "money2"),
    "HH_Classes": ("text", "pct", "pct", "pct2", "pct2", "pct2", "pct2"),
    "HH_WashSales": ("text", "text", "int", "money2", "text", "date"),
}
RESULT_TITLES = {"HH_Trades": "Trades by account", "HH_LotSales": "Lots: sales, gains and tax",
                 "HH_AccountSummary": "Accounts after the trades", "HH_Classes": "Asset classes: drift before and after",
                 "HH_WashSales": "Wash-sale conflicts (losses disallowed)"}
RESULT_HEADERS = {
    "HH_Trades": ("Account", "Symbol", "Asset class", "Shares before", "Trade (shares)", "Trade (value)",
                  "Shares after", "Value after", "Cost", "Realised gain", "Tax", "Note"),
    "HH_LotSales": ("Account", "Symbol", "Acquired", "Term", "Shares sold", "Proceeds", "Basis sold", "Gain", "Tax",
                    "Harvest", "Replacement", "Wash sale"),
    "HH_AccountSummary": ("Account", "Type", "Cash before", "Cash flow", "Cash after", "Value before", "Value after",
                          "Bought", "Sold", "Costs", "Realised gain", "Tax"),
    "HH_Classes": ("Asset class", "Target", "Band", "Weight before", "Weight after", "Drift before", "Drift after"),
    "HH_WashSales": ("Symbol", "Account", "Lot row", "Loss disallowed", "Bought in", "On"),
}
SUMMARY_LABELS = ("Status", "Number of trades", "Bought", "Sold", "Short-term gain", "Long-term gain", "Federal tax",
                  "State tax", "Tax", "Harvested loss", "Tax saved", "Costs", "Turnover", "Largest drift before",
                  "Largest drift after", "Cash left", "Objective", "Gap (currency)")
SUMMARY_FORMATS = ("text", "int", "money", "money", "money2", "money2", "money2", "money2", "money2", "money2",
                   "money2", "money2", "pct2", "pct2", "pct2", "money2", "money2", "money2")
#: Summary rows beside which a cell calls HOUSEHOLD_REBALANCE on the same inputs (its ``output`` word).
CELL_FIGURES = {"Status": "status", "Tax": "tax", "Costs": "costs", "Largest drift after": "max_drift_after"}
CELL_ARGS = ("HH_Accounts, HH_Holdings, HH_Targets, HH_Lots, HH_Rates, HH_AsOf, HH_Costs, HH_Band, HH_WholeShares, "
             "HH_HarvestThreshold, HH_Substitutes")


def sample_household() -> dict[str, list[dict[str, str]]]:
    """The sample household's files (``workbook/data/household``), by name."""
    return {name: L.read_csv(DATA / f"{name}.csv") for name in
            ("households", "accounts", "holdings", "lots", "targets", "substitutes")}


def _date(text: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())


def _number(text: str):
    return float(text) if text.strip() else None


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    S = NAME
    sh = grid.sheets[S]
    data = sample_household()
    household = data["households"][0]
    grid.put(S, 0, 0, "Household rebalancing", "title")
    grid.put(S, 1, 0, "Tax-aware trades for all the household's accounts together, to targets for the household: "
                      "sell in the IRA rather than realise a gain, losses before gains, whole shares. Yellow cells "
                      "are inputs; click Rebalance Household.", "note")
    _settings(grid, sh, household)
    _side_tables(grid, sh, data)
    _holdings_and_lots(grid, data)
    _results(grid, functions)
    sh.freeze = (3, 1)
    sh.col_widths.update({0: 40, 1: 16, 2: 16, 3: 13, 4: 13, 5: 13, 6: 13, 7: 13, 8: 17, 9: 15, 10: 13, 11: 14,
                          12: 13, 13: 11})


def _settings(grid: Grid, sh, household: dict[str, str]) -> None:
    S = NAME
    grid.put(S, SETTINGS_ROW - 1, 0, "Settings", "subtitle")
    for i, (label, value, fmt) in enumerate(SETTING_ROWS):
        if value == "as_of":
            value = _date(household["as_of"])
        elif value in ("short_term", "long_term", "state"):
            value = float(household[value])
        grid.put(S, SETTINGS_ROW + i, 0, label, "label")
        grid.put(S, SETTINGS_ROW + i, 1, value, fmt)
    info = grid.names["HH_Info"]
    grid.put(S, info.row, 0, "Status", "label")
    grid.put(S, info.row, 1, None, "text")
    sh.validations.append((grid.names["HH_Rates"], pct_validation("Tax rate")))
    sh.validations.append((grid.names["HH_Mode"], list_validation("Mode", MODES)))
    sh.validations.append((grid.names["HH_LotMethod"], list_validation("Lot method", LOT_METHODS)))
    for name in ("HH_Band", "HH_RelativeBand", "HH_MaxTurnover", "HH_HarvestThreshold"):
        sh.validations.append((grid.names[name], pct_validation(name)))


def _side_tables(grid: Grid, sh, data) -> None:
    S = NAME
    seeds = {
        "HH_Accounts": [[a["account"], a["type"], _number(a["cash"]), _number(a["cash_flow"])]
                        for a in data["accounts"]],
        "HH_Targets": [[t["asset_class"], float(t["target"])] for t in data["targets"]],
        "HH_Substitutes": [[s["symbol"], s["replacement"], _number(s["price"])] for s in data["substitutes"]],
        "HH_Recent": [],
    }
    for name, title_row, col, n, width in SIDE_TABLES:
        title, headers, formats = SIDE_HEADERS[name]
        grid.put(S, title_row, col, title, "subtitle")
        grid.put_row(S, title_row + 1, col, headers, "header")
        block = grid.names[name]
        for j, fmt in enumerate(formats):
            grid.put_block(Block(S, block.row, block.col + j, block.n_rows, 1), [[r[j]] for r in seeds[name]], fmt)
    targets = grid.names["HH_Targets"]
    total = sum(float(t["target"]) for t in data["targets"])
    grid.put(S, targets.last_row + 1, targets.col, "Total (must be 100%)", "label")
    col = a1(targets.row, targets.col + 1)[0]
    grid.put(S, targets.last_row + 1, targets.col + 1, total, "pct",
             formula=f"=SUM({col}{targets.row + 1}:{col}{targets.last_row + 1})")
    accounts = grid.names["HH_Accounts"]
    sh.validations.append((Block(S, accounts.row, accounts.col + 1, accounts.n_rows),
                           list_validation("Account type", ACCOUNT_TYPES)))
    sh.validations.append((Block(S, targets.row, targets.col + 1, targets.n_rows), pct_validation("Target")))


def _holdings_and_lots(grid: Grid, data) -> None:
    S = NAME
    holdings, lots = grid.names["HH_Holdings"], grid.names["HH_Lots"]
    grid.put(S, holdings.row - 2, 0, "Holdings (a row of 0 shares: a security the account may buy)", "subtitle")
    grid.put_row(S, holdings.row - 1, 0, HOLDING_HEADERS, "header")
    grid.put(S, lots.row - 2, 0, "Tax lots of the taxable accounts (they add up to each holding)", "subtitle")
    grid.put_row(S, lots.row - 1, 0, LOT_HEADERS, "header")
    seed_h = [[h["account"], h["symbol"], h["asset_class"], float(h["shares"]), float(h["price"]),
               h["no_sell"] or None, h["no_buy"] or None] for h in data["holdings"]]
    seed_l = [[x["account"], x["symbol"], float(x["shares"]), float(x["cost_basis"]), _date(x["acquired"])]
              for x in data["lots"]]
    for j, fmt in enumerate(HOLDING_FORMATS):
        grid.put_block(Block(S, holdings.row, j, N_HOLDINGS, 1), [[r[j]] for r in seed_h], fmt)
    for j, fmt in enumerate(LOT_FORMATS):
        grid.put_block(Block(S, lots.row, j, N_LOTS, 1), [[r[j]] for r in seed_l], fmt)
    # value, and cost basis and unrealised gain of the holding's lots (0 for a holding without lots)
    first, last = lots.row + 1, lots.last_row + 1
    match = "($A${f}:$A${l}={a})*($B${f}:$B${l}={b})"
    for i in range(N_HOLDINGS):
        r = holdings.row + i
        x = r + 1
        h = seed_h[i] if i < len(seed_h) else [None, None, None, 0.0, 0.0]
        mine = [lt for lt in seed_l if h[0] is not None and (lt[0], lt[1]) == (h[0], h[1])]
        basis = sum(lt[3] for lt in mine)
        gain = sum(lt[2] for lt in mine) * (h[4] or 0.0) - basis
        m = match.format(f=first, l=last, a=f"A{x}", b=f"B{x}")
        grid.put(S, r, 7, (h[3] or 0.0) * (h[4] or 0.0), "money", formula=f"=D{x}*E{x}")
        grid.put(S, r, 8, basis, "money", formula=f"=SUMPRODUCT({m}*$D${first}:$D${last})")
        grid.put(S, r, 9, gain, "money", formula=f"=SUMPRODUCT({m}*($C${first}:$C${last}*E{x}-$D${first}:$D${last}))")


def _results(grid: Grid, functions: Functions) -> None:
    S = NAME
    summary = grid.names["HH_Summary"]
    grid.put(S, RESULTS_ROW, 0, "Results of Rebalance Household", "subtitle")
    grid.put_row(S, summary.row - 1, 0, ("Summary", "Rebalance Household", "HOUSEHOLD_REBALANCE (same inputs)"),
                 "header")
    for i, (label, fmt) in enumerate(zip(SUMMARY_LABELS, SUMMARY_FORMATS)):
        grid.put(S, summary.row + i, 0, label, "label")
        grid.put(S, summary.row + i, 1, None, fmt)
        if label in CELL_FIGURES:
            formula = f'=HOUSEHOLD_REBALANCE({CELL_ARGS}, "{CELL_FIGURES[label]}")'
            value = evaluate_udf(formula, grid.read, functions)
            if isinstance(value, str) and value.startswith("#ERROR"):
                raise ValueError(f"{formula}: the sample household gives {value!r}; fix workbook/data/household/")
            grid.put(S, summary.row + i, 2, value, fmt, formula=formula)
    rows = result_rows()
    for name, n, width in RESULT_TABLES:
        grid.put(S, rows[name], 0, RESULT_TITLES[name], "subtitle")
        grid.put_row(S, rows[name] + 1, 0, RESULT_HEADERS[name], "header")
        block = grid.names[name]
        for j, fmt in enumerate(RESULT_FORMATS[name]):
            grid.put_block(Block(S, block.row, j, n, 1), [], fmt)
    last = grid.names[RESULT_TABLES[-1][0]]
    grid.put(S, last.last_row + 2, 0, "Every run of the button is recorded on the Log sheet (what it read, what it "
                                      "wrote, the message).", "note")
