"""Rebalance Household button (issue 17): tax-aware trades for the Household sheet's accounts.

Reads the sheet's input blocks (settings, accounts, holdings, lots, targets, substitutes, recent trades),
calls :func:`kernels.rebalance_household` and writes the trades by account and by lot, the accounts
after the trades, the asset classes' drift, wash-sale conflicts and a summary. On bad input nothing is
written: the message names the block and its sheet cell (``HH_Lots: row 3 (Household!A50, Taxable VTI)
was acquired ...``). A plan that is not proven optimal (a time limit, an open gap) is written, and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import kernels
from addin import cells
from addin.book import Book, ExcelBook
from addin.cells.normalise import book_value
from addin.cells.scalars import is_omitted
from addin.functions import household as F
from addin.functions import household_tables as T
from workbook.grid import a1, parse_ref

from ._run import Macro, MacroResult, Outcome, run, table

TABLES = {"HH_Accounts": T.ACCOUNTS, "HH_Holdings": T.HOLDINGS, "HH_Lots": T.LOTS, "HH_Targets": T.TARGETS,
          "HH_Substitutes": T.SUBSTITUTES, "HH_Recent": T.RECENT_TRADES}
#: The kernel's table name -> the block the user sees.
BLOCK_OF = {spec.name: name for name, spec in TABLES.items()}
SETTINGS = ("HH_AsOf", "HH_Rates", "HH_Costs", "HH_Band", "HH_RelativeBand", "HH_Mode", "HH_MaxTurnover",
            "HH_DriftPenalty", "HH_LotMethod", "HH_WholeShares", "HH_HarvestThreshold", "HH_MipGap", "HH_TimeLimit")
READS = SETTINGS + tuple(TABLES)
WRITES = ("HH_Info", "HH_Summary", "HH_Trades", "HH_LotSales", "HH_AccountSummary", "HH_Classes", "HH_WashSales")
#: The kernel's argument names -> the blocks, for the first word of its messages.
RENAMES = {"as_of": "HH_AsOf", "tax_rates": "HH_Rates", "tax_rates.short_term": "HH_Rates",
           "tax_rates.long_term": "HH_Rates", "tax_rates.state": "HH_Rates", "costs": "HH_Costs",
           "costs.bps": "HH_Costs", "costs.per_trade": "HH_Costs", "band": "HH_Band", "relative_band": "HH_RelativeBand",
           "mode": "HH_Mode", "max_turnover": "HH_MaxTurnover", "drift_penalty": "HH_DriftPenalty",
           "lot_method": "HH_LotMethod", "harvest_threshold": "HH_HarvestThreshold", "mip_gap": "HH_MipGap",
           "time_limit": "HH_TimeLimit", "cash_flows": "HH_Accounts", **BLOCK_OF}
#: Excel's day 0 (a date cell's serial counts days from it).
EXCEL_DAY0 = dt.date(1899, 12, 30)
#: Where a block starts on its sheet: name -> (sheet, first row, first column), 0-based.
Locator = Callable[[str], tuple[str, int, int]]


def _value(inputs, name: str) -> Any:
    value = book_value(inputs[name])
    return None if is_omitted(value) else value


def _optional_number(inputs, name: str, default=None):
    value = _value(inputs, name)
    return default if value is None else cells.number(value, name)


def _optional_word(inputs, name: str, default: str) -> str:
    value = _value(inputs, name)
    return default if value is None else cells.text(value, name)


def _cell_namer(locate: Locator | None, name: str) -> T.CellNamer | None:
    if locate is None:
        return None

    def cell(i: int, j: int) -> str:
        sheet, row, col = locate(name)
        return f"{sheet}!{a1(row + i, col + j)}"

    return cell


def read_inputs(inputs, locate: Locator | None = None) -> tuple[dict[str, T.Read], dict[str, Any]]:
    """The household's tables (by kernel table name) and the kernel's keyword arguments, from the blocks."""
    read = {}
    for name, spec in TABLES.items():
        optional = name in ("HH_Lots", "HH_Substitutes", "HH_Recent")
        read[spec.name] = T.read_table(book_value(inputs[name]), spec, name, _cell_namer(locate, name), optional)
    acc = read["accounts"]
    flows = {a.name: f for a, f in zip(acc.rows, acc.extra["cash flow"]) if f}
    as_of = _value(inputs, "HH_AsOf")
    rates = _value(inputs, "HH_Rates")
    costs = _value(inputs, "HH_Costs")
    kwargs = {
        "accounts": acc.rows, "lots": read["lots"].rows, "substitutes": read["substitutes"].rows or None,
        "recent_trades": read["recent_trades"].rows or None,
        "as_of": dt.date.today() if as_of is None else F.as_of_date(as_of, "HH_AsOf"),
        "tax_rates": None if rates is None else F.rates_of(rates, "HH_Rates"),
        "costs": kernels.Costs() if costs is None else F.costs_of(costs, "HH_Costs"),
        "band": _optional_number(inputs, "HH_Band"), "relative_band": _optional_number(inputs, "HH_RelativeBand"),
        "mode": _optional_word(inputs, "HH_Mode", "to_target"), "cash_flows": flows or None,
        "max_turnover": _optional_number(inputs, "HH_MaxTurnover"),
        "drift_penalty": _optional_number(inputs, "HH_DriftPenalty", 1.0),
        "lot_method": _optional_word(inputs, "HH_LotMethod", "min_tax"),
        "whole_shares": False if _value(inputs, "HH_WholeShares") is None else cells.flag(
            _value(inputs, "HH_WholeShares"), "HH_WholeShares"),
        "harvest_threshold": _optional_number(inputs, "HH_HarvestThreshold"),
        "mip_gap": _optional_number(inputs, "HH_MipGap", kernels.household.DEFAULT_MIP_GAP),
        "time_limit": _optional_number(inputs, "HH_TimeLimit", 10.0)}
    return read, kwargs


def _row_namer(read: dict[str, T.Read], locate: Locator | None) -> T.RowNamer:
    def row_name(table: str, k: int) -> str:
        rows = read[table].range_rows if table in read else []
        i = rows[k - 1] if 0 < k <= len(rows) else k
        if locate is None or table not in BLOCK_OF:
            return f"row {i}"
        sheet, row, col = locate(BLOCK_OF[table])
        return f"row {i} ({sheet}!{a1(row + i - 1, col)})"

    return row_name


def message(result: kernels.HouseholdRebalance) -> str:
    """One line for the user and the Log."""
    n = int((result.positions.shares_traded != 0).sum())
    text = (f"{n} trades, tax {result.tax:,.2f} (short-term gains {result.short_term_gain:,.2f}, long-term "
            f"{result.long_term_gain:,.2f}), costs {result.costs:,.2f}, largest drift {result.max_drift_before:.1%} -> "
            f"{result.max_drift_after:.1%}")
    if result.harvested_loss > 0:
        text += f"; harvested {result.harvested_loss:,.2f} of losses, saving {result.tax_saved:,.2f} of tax"
    if result.wash_sales:
        text += f"; {len(result.wash_sales)} wash-sale conflicts (see the table)"
    if result.status != "optimal":
        text += f"; {F.status_text(result)}"
    return text


def compute(inputs, shapes, locate: Locator | None = None) -> Outcome:
    read, kwargs = read_inputs(inputs, locate)
    holdings, targets = read["holdings"].rows, read["targets"].rows
    try:
        result = kernels.rebalance_household(holdings, targets, **kwargs)
    except kernels.PortfolioError as exc:
        raise type(exc)(T.locate(str(exc), _row_namer(read, locate), lambda t: BLOCK_OF.get(t, t))) from None
    text = message(result)
    summary = [[value] for _, value in F.summary_rows(result)]
    return Outcome({
        "HH_Info": [[text]],
        "HH_Summary": table(summary),
        "HH_Trades": table(F.trade_rows(result)),
        "HH_LotSales": table(F.lot_rows(result)),
        "HH_AccountSummary": table(F.account_rows(result)),
        "HH_Classes": table(F.class_rows(result)),
        "HH_WashSales": table(F.wash_rows(result)),
    }, text)


MACRO = Macro("rebalance_household", "Rebalance Household", READS, WRITES, compute,
              "rebalancing the household (tax-aware)", RENAMES)


def block_locator(book: Book) -> Locator:
    """Where each block starts, from the book's names (read once per block, when a message needs it)."""
    found: dict[str, tuple[str, int, int]] = {}

    def locate(name: str) -> tuple[str, int, int]:
        if name not in found:
            b = parse_ref(book.address(name))
            found[name] = (b.sheet, b.row, b.col)
        return found[name]

    return locate


def rebalance_household(book: Book | None = None) -> MacroResult:
    """Rebalance Household button: tax-aware trades for the Household sheet's accounts, lots and targets."""
    book = ExcelBook.caller() if book is None else book
    return run(MACRO._replace(compute=partial(compute, locate=block_locator(book))), book)


def demo_lines(book: Book, result: MacroResult | None) -> list[str]:
    """What ``xlfolio demo`` prints about the Household sheet, read back from the blocks the button wrote."""
    if result is None or not result.ok:
        return [f"Household (Rebalance Household): not computed: {result.message if result else 'not run'}"]
    accounts = [r for r in book.read("HH_AccountSummary") if r[0] is not None]
    lines = [f"Household ({len(accounts)} accounts, Household sheet): {result.message}"]
    for r in book.read("HH_Trades"):
        if r[0] is not None and r[4]:
            side = "buy" if r[4] > 0 else "sell"
            gain = f", realised {r[9]:,.2f}, tax {r[10]:,.2f}" if r[9] else ""
            note = f" ({r[11]})" if r[11] else ""
            lines.append(f"  {r[0]:<9} {side:4} {abs(r[4]):>8,.0f} {r[1]:<6} ${abs(r[5]):>10,.2f}{gain}{note}")
    for r in book.read("HH_LotSales"):
        if r[0] is not None and r[4]:
            acquired = (EXCEL_DAY0 + dt.timedelta(days=int(r[2]))).isoformat()
            lines.append(f"  lot: {r[0]} {r[1]} bought {acquired} ({r[3]}-term): {r[4]:,.0f} shares sold, gain "
                         f"{r[7]:,.2f}, tax {r[8]:,.2f}" + (f", harvested into {r[10]}" if r[10] else ""))
    drift = {label: value[0] for label, value in zip(("before", "after"), book.read("HH_Summary")[13:15])}
    lines.append(f"  tax {book.read('HH_Summary')[8][0]:,.2f}, costs {book.read('HH_Summary')[11][0]:,.2f}, largest "
                 f"drift {drift['before']:.2%} -> {drift['after']:.2%}; cash left by account: "
                 + ", ".join(f"{r[0]} {r[4]:,.2f}" for r in accounts))
    return lines
