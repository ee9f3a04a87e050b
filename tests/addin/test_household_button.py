"""Rebalance Household on the template (FileBook) and in xlwings Lite (the stand-in): the kernel's numbers on the
sample household, bad input that writes nothing and names the block and cell, inputs never touched."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
import pytest

import addin.macros as m
from addin.book import FileBook
from addin.lite.scripts import run_script
from addin.macros.household import READS, WRITES
from kernels import (
    Account,
    Costs,
    Holding,
    Lot,
    Substitute,
    TaxRates,
    rebalance_household,
)
from tests.addin import lite_standin_book as lite_book
from tests.workbook.template_support import template_bytes
from workbook.grid import parse_ref
from workbook.sheets import household as sheet

CLOCK = "2026-01-02 03:04:05"
EPOCH = dt.date(1899, 12, 30)


def serial(text: str) -> float:
    return float((dt.date.fromisoformat(text) - EPOCH).days)


def blank_outputs(book: FileBook) -> FileBook:
    for name in WRITES:
        n_rows, n_cols = book.shape(name)
        book.write(name, [[None] * n_cols for _ in range(n_rows)])
    return book


def fresh() -> FileBook:
    return blank_outputs(FileBook(template_bytes(), clock=lambda: CLOCK))


@functools.lru_cache(maxsize=1)
def expected():
    """The kernel on the sample household, read from its files with pandas (not with the add-in's readers), with
    the template's settings: fractional shares, harvesting beyond 10%, the substitutes, as of the household's date."""
    d = sheet.DATA
    h = pd.read_csv(d / "households.csv").iloc[0]
    acc = pd.read_csv(d / "accounts.csv")
    hold = pd.read_csv(d / "holdings.csv")
    lots = pd.read_csv(d / "lots.csv")
    targets = pd.read_csv(d / "targets.csv")
    subs = pd.read_csv(d / "substitutes.csv")
    return rebalance_household(
        [Holding(r.account, r.symbol, float(r.shares), float(r.price), r.asset_class) for r in hold.itertuples()],
        list(zip(targets.asset_class, targets.target)),
        accounts=[Account(r.account, r.type, float(r.cash)) for r in acc.itertuples()],
        lots=[Lot(r.account, r.symbol, float(r.shares), float(r.cost_basis), dt.date.fromisoformat(r.acquired))
              for r in lots.itertuples()],
        as_of=h.as_of, tax_rates=TaxRates(h.short_term, h.long_term, h.state), costs=Costs(0.0, 0.0),
        cash_flows=dict(zip(acc.account, acc.cash_flow.astype(float))), whole_shares=False, harvest_threshold=0.10,
        substitutes=[Substitute(r.symbol, r.replacement, float(r.price)) for r in subs.itertuples()])


def filled(rows):
    return [r for r in rows if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def ran():
    book = fresh()
    result = m.rebalance_household(book)
    assert result.ok, result.message
    return book, result


# ----------------------------------------------------------------------------- the kernel's numbers


def test_trades_by_account_and_lot_are_the_kernels(ran):
    book, result = ran
    r = expected()
    trades = filled(book.read("HH_Trades"))
    assert [(t[0], t[1], t[2]) for t in trades] == list(zip(r.positions.account, r.positions.symbol,
                                                            r.positions.asset_class))
    np.testing.assert_array_equal([t[4] for t in trades], r.positions.shares_traded)
    np.testing.assert_array_equal([t[9] for t in trades], r.positions.realized_gain)
    np.testing.assert_array_equal([t[10] for t in trades], r.positions.tax)
    lots = filled(book.read("HH_LotSales"))
    np.testing.assert_array_equal([x[4] for x in lots], r.lots.shares_sold)
    np.testing.assert_array_equal([x[7] for x in lots], r.lots.gain)
    assert [x[2] for x in lots] == [float((d - EPOCH).days) for d in r.lots.acquired]
    assert [x[10] for x in lots] == [x or None for x in r.lots.replacement]
    accounts = filled(book.read("HH_AccountSummary"))
    np.testing.assert_array_equal([a[4] for a in accounts], r.accounts.cash_after)
    assert min(a[4] for a in accounts) >= 0.0  # never overspend an account's cash
    summary = [row[0] for row in book.read("HH_Summary")]
    assert summary[0] == r.status == "optimal"
    assert summary[8] == r.tax and summary[14] == r.max_drift_after
    assert book.read("HH_WashSales") == [[None] * 6] * len(book.read("HH_WashSales"))
    assert book.read("HH_Info")[0][0] == result.message


def test_the_sample_harvests_the_short_term_loss_and_pays_no_tax(ran):
    """The May 2026 VTI lot (250 a share, 220 now) is sold in full and replaced by ITOT; no gain is realised."""
    book, _ = ran
    lots = {(x[0], x[1], x[2]): x for x in filled(book.read("HH_LotSales"))}
    short = lots[("Taxable", "VTI", serial("2026-05-01"))]
    assert short[3] == "short" and short[4] == 200.0 and short[7] == -6000.0 and short[9] == "yes"
    assert short[10] == "ITOT"
    assert lots[("Taxable", "VTI", serial("2016-03-01"))][4] == 0.0  # the long-term gain lot is kept
    summary = dict(zip(sheet.SUMMARY_LABELS, (row[0] for row in book.read("HH_Summary"))))
    assert summary["Tax"] == -2400.0 and summary["Harvested loss"] == 6000.0 and summary["Tax saved"] == 2400.0


def test_the_template_ships_the_buttons_results_and_the_cell_functions_agree():
    shipped = FileBook(template_bytes())
    book = fresh()
    m.rebalance_household(book)
    for name in WRITES:
        assert shipped.read(name) == book.read(name), name
    summary = shipped.read_block(parse_ref("Household!$A$82:$C$99"))
    assert [row[0] for row in summary] == list(sheet.SUMMARY_LABELS)
    shown = {row[0]: row for row in summary}
    for label in sheet.CELL_FIGURES:
        assert shown[label][2] == shown[label][1], label  # the formula's stored value = the button's
    log = [r for r in shipped.log_rows() if r[1] == "rebalance_household"]
    assert log and log[-1][0] == "template build" and log[-1][2] == "ok"


def test_the_sheets_result_headers_are_the_functions():
    from addin.functions import household as F

    assert sheet.RESULT_HEADERS["HH_Trades"] == F.TRADE_HEADER
    assert sheet.RESULT_HEADERS["HH_LotSales"] == F.LOT_HEADER
    assert sheet.RESULT_HEADERS["HH_AccountSummary"] == F.ACCOUNT_HEADER
    assert sheet.RESULT_HEADERS["HH_Classes"] == F.CLASS_HEADER
    assert sheet.RESULT_HEADERS["HH_WashSales"] == F.WASH_HEADER
    assert sheet.SUMMARY_LABELS == tuple(label for label, _ in F.SUMMARY)


def test_the_sample_household_is_the_sample_clients():
    """Same accounts, shares, prices and classes as workbook/data/sample_client.csv; the lots add up to its cost
    basis; the targets are its targets by class."""
    client = pd.read_csv(sheet.DATA.parent / "sample_client.csv")
    hold = pd.read_csv(sheet.DATA / "holdings.csv")
    held = hold[hold.shares > 0].set_index("symbol")
    assert sorted(held.index) == sorted(client.asset)
    for c in client.itertuples():
        assert (held.loc[c.asset, "account"], held.loc[c.asset, "shares"], held.loc[c.asset, "price"],
                held.loc[c.asset, "asset_class"]) == (c.account, c.shares, c.price, c.asset_class)
    lots = pd.read_csv(sheet.DATA / "lots.csv").groupby("symbol").cost_basis.sum()
    for c in client[client.account == "Taxable"].itertuples():
        assert lots[c.asset] == c.cost_basis
    targets = pd.read_csv(sheet.DATA / "targets.csv").set_index("asset_class").target
    assert targets.to_dict() == client.groupby("asset_class").target_weight.sum().to_dict()


# ----------------------------------------------------------------------------- bad input writes nothing


def _cell(book, name, row, col):
    b = book.block(name)
    return b.sheet, b.row + row, b.col + col


BAD = [
    ("a lot bought after the trade date", [("HH_Lots", 1, 4, serial("2027-01-02"))],
     "HH_Lots: row 2 (Household!A50, Taxable VTI) was acquired 2027-01-02, after as_of 2026-11-30; check the date."),
    ("lots not adding up to the holding", [("HH_Lots", 0, 2, 400.0)],
     "HH_Lots: VTI in 'Taxable' adds up to 600 shares but HH_Holdings row 1 (Household!A26) has 700; fix the lots or "
     "the holding."),
    ("an unknown account type", [("HH_Accounts", 1, 1, "pension")],
     "HH_Accounts: row 2 (Household!D7, 'IRA') has type 'pension'; expected one of taxable, tax_deferred, tax_free "
     "(or IRA, 401(k), Roth IRA, ...)."),
    ("targets not summing to 1", [("HH_Targets", 0, 1, 0.3)],
     "HH_Targets: must sum to 1 (100%), got 0.9; adjust the weights so they add up to 1."),
    ("an infeasible restriction", [("HH_Accounts", 1, 3, -150_000.0)],
     "HH_Accounts: 'IRA' must raise 150,000.00 but can sell only 132,800.00 (no_sell holdings excluded, after "
     "costs); withdraw less or allow sales."),
    ("a restriction that leaves no plan", [("HH_Holdings", 3, 5, True), ("HH_Holdings", 4, 5, True),
                                           ("HH_Accounts", 1, 3, -1_000.0)],
     "HH_Accounts: 'IRA' must raise 1,000.00 but can sell only 0.00 (no_sell holdings excluded, after costs); "
     "withdraw less or allow sales."),
    ("text for shares", [("HH_Holdings", 2, 3, "none")],
     "HH_Holdings: text 'none' at Household!D28; enter a number."),
    ("a date that is not one", [("HH_AsOf", 0, 0, "soon")],
     "HH_AsOf: expected a date (2024-03-15), got text 'soon'; enter a date."),
    ("a repeated account", [("HH_Accounts", 2, 0, "IRA")],
     "HH_Accounts: 'IRA' is listed twice (row 2 (Household!D7) and row 3 (Household!D8)); give each account one row."),
    ("a mode that is not one", [("HH_Mode", 0, 0, "sometimes")],
     "HH_Mode: expected one of to_target, to_band, got 'sometimes'."),
]


@pytest.mark.parametrize(("case", "changes", "expected_message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_writes_nothing_and_names_the_block_and_cell(case, changes, expected_message):
    book = FileBook(template_bytes(), clock=lambda: CLOCK)
    for name, row, col, value in changes:
        book.sheet(book.block(name).sheet).set(*_cell(book, name, row, col)[1:], value)
    before = {name: book.read(name) for name in (*READS, *WRITES)}
    result = m.rebalance_household(book)
    assert not result.ok
    assert result.message == expected_message
    assert book.messages == [f"Rebalance Household: {expected_message}"]
    assert {name: book.read(name) for name in (*READS, *WRITES)} == before
    assert book.log_rows()[-1][1:] == ["rebalance_household", "error", ", ".join(READS), "nothing", expected_message]


def test_a_run_touches_nothing_but_its_output_blocks_and_the_log():
    original = FileBook(template_bytes())
    book = FileBook(template_bytes(), clock=lambda: CLOCK)
    m.rebalance_household(book)
    outputs = {(b.sheet, r, c) for b in (book.block(n) for n in WRITES) for r, c in b.cells()}
    for name in original._sheet_paths:
        if name == "Log":
            continue
        before, after = original.sheet(name), book.sheet(name)
        for key in set(before.cells) | set(after.cells):
            if (name, *key) not in outputs:
                assert before.value(*key) == after.value(*key), (name, key)
                assert before.formula(*key) == after.formula(*key), (name, key)


# ----------------------------------------------------------------------------- xlwings Lite (the stand-in)


@functools.lru_cache(maxsize=1)
def _snapshot():
    return lite_book.snapshot(template_bytes())


def _lite(changes=()):
    sheets, names = _snapshot()
    sheets = {s: [list(r) for r in rows] for s, rows in sheets.items()}
    blocks = {n: parse_ref(f"'{s}'!{a}") for n, (s, a) in names.items()}
    for name in WRITES:
        b = blocks[name]
        for r, c in b.cells():
            if r < len(sheets[b.sheet]) and c < len(sheets[b.sheet][r]):
                sheets[b.sheet][r][c] = ""
    for name, row, col, value in changes:
        b = blocks[name]
        sheets[b.sheet][b.row + row][b.col + col] = value
    return lite_book.FakeBook(sheets, names, include=["Household", "Log"]), blocks


def test_lite_writes_what_the_desktop_writes(ran):
    book, blocks = _lite()
    assert book.run(lambda xw_book: run_script("rebalance_household", xw_book)), book.error
    desktop, _ = ran
    for name in WRITES:
        b = blocks[name]
        got = [[None if book.cell(b.sheet, r, c) == "" else book.cell(b.sheet, r, c) for c in range(b.col,
                b.last_col + 1)] for r in range(b.row, b.last_row + 1)]
        assert got == desktop.read(name), name
    assert book.alerts == []


def test_lite_bad_input_says_what_the_desktop_says():
    case = BAD[0]
    changes = [(n, r, c, int(v) if isinstance(v, float) else v) for n, r, c, v in case[1]]
    book, _ = _lite(changes)
    assert book.run(lambda xw_book: run_script("rebalance_household", xw_book)), book.error
    assert book.alerts == [f"Rebalance Household: {case[2]}"]
    written = {a[1] for a in book.actions if a[0] == "setValues"}
    assert written <= {"Log"}
