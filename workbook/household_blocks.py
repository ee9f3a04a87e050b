"""Where the Household sheet's named blocks sit (issue 17): inputs at the top, the button's results below.

:func:`household_blocks` is merged into :meth:`workbook.layout.Layout.names`; the sheet
(:mod:`workbook.sheets.household`) draws around these blocks and the Rebalance Household button
(:mod:`addin.macros.household`) reads and writes them by name only.
"""

from __future__ import annotations

from .grid import Block

SHEET = "Household"

#: Rows of each table (insert rows inside a table to grow it: its name grows with it).
N_ACCOUNTS, N_TARGETS, N_SUBSTITUTES, N_RECENT = 6, 8, 6, 6
N_HOLDINGS, N_LOTS, N_WASH_SALES = 20, 30, 8
#: The settings column (labels in A, values in B), from row 4, in this order.
SETTINGS = (
    ("HH_AsOf", 1), ("HH_Rates", 3), ("HH_Costs", 2), ("HH_Band", 1), ("HH_RelativeBand", 1), ("HH_Mode", 1),
    ("HH_MaxTurnover", 1), ("HH_DriftPenalty", 1), ("HH_LotMethod", 1), ("HH_WholeShares", 1),
    ("HH_HarvestThreshold", 1), ("HH_MipGap", 1), ("HH_TimeLimit", 1),
)
SETTINGS_ROW = 3
INFO_ROW = SETTINGS_ROW + sum(n for _, n in SETTINGS) + 1
#: Side tables beside the settings: (name, title row, first column, rows, columns).
SIDE_TABLES = (("HH_Accounts", 3, 3, N_ACCOUNTS, 4), ("HH_Targets", 3, 8, N_TARGETS, 2),
               ("HH_Substitutes", 3, 11, N_SUBSTITUTES, 3), ("HH_Recent", 12, 3, N_RECENT, 5))
HOLDINGS_ROW = INFO_ROW + 3  # the title; the column headers below it, then the rows
LOTS_ROW = HOLDINGS_ROW + N_HOLDINGS + 3
RESULTS_ROW = LOTS_ROW + N_LOTS + 3
N_SUMMARY = 18
#: Result tables below the summary: (name, rows, columns).
RESULT_TABLES = (("HH_Trades", N_HOLDINGS + N_SUBSTITUTES, 12), ("HH_LotSales", N_LOTS, 12),
                 ("HH_AccountSummary", N_ACCOUNTS, 12), ("HH_Classes", N_TARGETS, 7),
                 ("HH_WashSales", N_WASH_SALES, 6))


def result_rows() -> dict[str, int]:
    """Title row of each result table."""
    rows, r = {}, RESULTS_ROW + 2 + N_SUMMARY + 1
    for name, n, _ in RESULT_TABLES:
        rows[name] = r
        r += n + 3
    return rows


def household_blocks() -> dict[str, Block]:
    """Every named block of the Household sheet."""
    S = SHEET
    names, r = {}, SETTINGS_ROW
    for name, n in SETTINGS:
        names[name] = Block(S, r, 1, n)
        r += n
    names["HH_Info"] = Block(S, INFO_ROW, 1)
    for name, title_row, col, n, width in SIDE_TABLES:
        names[name] = Block(S, title_row + 2, col, n, width)
    names["HH_Holdings"] = Block(S, HOLDINGS_ROW + 2, 0, N_HOLDINGS, 7)
    names["HH_Lots"] = Block(S, LOTS_ROW + 2, 0, N_LOTS, 5)
    names["HH_Summary"] = Block(S, RESULTS_ROW + 2, 1, N_SUMMARY)
    for name, n, width in RESULT_TABLES:
        names[name] = Block(S, result_rows()[name] + 2, 0, n, width)
    return names
