"""Every ribbon button as an xlwings Lite script, run on a stand-in for the book Lite passes a script
(a snapshot of the template's values; writes queued, applied only if the script returns normally).

Each is compared with the same macro run headless on the file (:class:`addin.book.FileBook`): the
same output blocks with the same values, the same Log line, nothing else written, and on bad input
nothing but the Log line and the message.
"""

from __future__ import annotations

import functools

import pytest

import addin.macros as m
from addin.functions import FUNCTIONS
from addin.lite.adapter import LiteBook
from addin.lite.scripts import scripts
from addin.lite.source import main_py
from tests.addin import lite_standin as lite
from tests.addin import lite_standin_book as lite_book_standin
from tests.addin.macro_support import ALL_OUTPUTS, OUTPUTS, fresh
from tests.workbook.template_support import template_bytes
from workbook.grid import parse_ref

LOG_TIME = 0  # the Log's first column: the time stamp


@functools.lru_cache(maxsize=1)
def _snapshot():
    return lite_book_standin.snapshot(template_bytes())


@pytest.fixture(scope="module")
def main():
    _snapshot()  # the template is built with the real xlwings, before the stand-in replaces it
    with pytest.MonkeyPatch.context() as patch:
        yield lite.load_main(main_py(xlfolio="0.0.test"), patch)


def blocks():
    _, names = _snapshot()
    return {n: parse_ref(f"'{s}'!{a}") for n, (s, a) in names.items()}


def lite_book(main, name, changes=None) -> lite_book_standin.FakeBook:
    """The template as Lite's script sees it after its outputs were cleared (and ``changes`` typed in)."""
    sheets, names = _snapshot()
    sheets = {s: [list(r) for r in rows] for s, rows in sheets.items()}
    b = blocks()
    for out in ALL_OUTPUTS:
        for r, c in b[out].cells():
            sheets[b[out].sheet][r][c] = ""
    for name_, value in (changes or {}).items():
        sheets[b[name_].sheet][b[name_].row][b[name_].col] = value
    include = getattr(main, name).__xlscript__["include"]
    return lite_book_standin.FakeBook(sheets, names, include=include)


def written_cells(book: lite_book_standin.FakeBook) -> set[tuple[str, int, int]]:
    """Every cell the applied actions wrote (the book keeps its actions after a successful run)."""
    out = set()
    for action in book.actions:
        if action[0] == "setValues":
            _, sheet, r0, c0, rows = action
            out |= {(sheet, r0 + i, c0 + j) for i, row in enumerate(rows) for j in range(len(row))}
    return out


def block_cells(names) -> set[tuple[str, int, int]]:
    b = blocks()
    return {(b[n].sheet, r, c) for n in names for r, c in b[n].cells()}


def log_row(book: lite_book_standin.FakeBook, row: int) -> list:
    return [book.cell("Log", row, c) or None for c in range(6)]


def shown(value):
    """A written cell as the Book protocol reads it back (Lite writes None as "")."""
    return None if value == "" else value


def desktop(name, changes=None):
    book = fresh()
    for name_, value in (changes or {}).items():
        block = book.block(name_)
        book.sheet(block.sheet).set(block.row, block.col, value)
    return book, m.button(name).function(book)


# ----------------------------------------------------------------------------- the catalogue


def test_every_button_is_a_script_named_like_the_ribbon(main):
    _, found = lite.registered(main)
    assert list(found) == list(m.BUTTONS)
    for b in m.CATALOGUE:
        meta = found[b.name].__xlscript__
        assert meta["name"] == b.label
        assert meta["include"] and "Log" in meta["include"]
    assert [s.name for s in scripts()] == list(m.BUTTONS)


def test_each_script_asks_for_the_sheets_of_its_blocks(main):
    b = blocks()
    for button in m.CATALOGUE:
        include = getattr(main, button.name).__xlscript__["include"]
        assert {b[n].sheet for n in (*button.macro.reads, *button.macro.writes)} <= set(include)


def test_computing_buttons_sit_on_the_sheet_they_fill(main):
    for button in m.CATALOGUE:
        text = getattr(main, button.name).__xlscript__["button"]
        if not button.computes:
            assert text is None
            continue
        sheet = blocks()[button.macro.writes[0]].sheet
        assert text.startswith(f"[xlfolio_{button.name}]{sheet}!")


# ----------------------------------------------------------------------------- runs


@pytest.mark.parametrize("name", m.COMPUTING)
def test_script_writes_what_the_desktop_macro_writes(main, name):
    book = lite_book(main, name)
    before = {s: [list(r) for r in rows] for s, rows in book.workbook.items()}
    assert book.run(getattr(main, name)), book.error
    file_book, result = desktop(name)
    assert result.ok, result.message
    for out in OUTPUTS[name]:
        b = blocks()[out]
        got = [[shown(book.cell(b.sheet, r, c)) for c in range(b.col, b.last_col + 1)]
               for r in range(b.row, b.last_row + 1)]
        assert got == file_book.read(out), out
    # nothing but its output blocks and one Log row
    log_row_index = len(before["Log"])
    assert written_cells(book) <= block_cells(OUTPUTS[name]) | {("Log", log_row_index, c) for c in range(6)}
    for sheet, rows in before.items():
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (sheet, r, c) not in written_cells(book):
                    assert book.cell(sheet, r, c) == value, (sheet, r, c)
    expected_log = file_book.log_rows()[-1]
    got_log = log_row(book, log_row_index)
    assert got_log[1:] == expected_log[1:] and got_log[2] == "ok"
    assert book.alerts == []


BAD_INPUT = {
    "efficient_frontier": ("Frontier_MinWeight", "abc"),
    "risk_parity": ("Vols", "abc"),
    "income_plan": ("Income_Years", -3),
    "rebalance": ("Holdings_Shares", "abc"),
    "check_drift": ("Holdings_Price", 0),
    "refresh_estimates": ("Est_CovMethod", "nonsense"),
    "simulate": ("Sim_Rebalance", "sometimes"),  # issue 15
    "rebalance_household": ("HH_Rates", "abc"),
}


@pytest.mark.parametrize("name", m.COMPUTING)
def test_bad_input_writes_nothing_but_the_log_and_says_what_the_desktop_says(main, name):
    change = dict([BAD_INPUT[name]])
    book = lite_book(main, name, change)
    log_row_index = len(book.workbook["Log"])
    assert book.run(getattr(main, name)), book.error
    file_book, result = desktop(name, change)
    assert not result.ok
    assert written_cells(book) <= {("Log", log_row_index, c) for c in range(6)}
    assert book.alerts == file_book.messages
    assert log_row(book, log_row_index)[1:] == file_book.log_rows()[-1][1:]


def test_a_cell_error_in_an_input_is_named(main):
    book = lite_book(main, "risk_parity", {"Vols": "#N/A"})
    assert book.run(main.risk_parity)
    assert len(book.alerts) == 1
    assert book.alerts[0].startswith("Risk Parity: Vols: #N/A at row 1; fix the cell it comes from")
    assert written_cells(book) <= {("Log", len(book.workbook["Log"]) - 1, c) for c in range(6)}


def test_a_failure_while_writing_writes_nothing_at_all(main, monkeypatch):
    calls = []
    original = LiteBook.write

    def fail_on_second(self, name, rows):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("the connection to Excel dropped")
        original(self, name, rows)

    monkeypatch.setattr(LiteBook, "write", fail_on_second)
    book = lite_book(main, "efficient_frontier")
    before = {s: [list(r) for r in rows] for s, rows in book.workbook.items()}
    assert not book.run(main.efficient_frontier)
    assert isinstance(book.error, OSError)
    assert book.workbook == before  # Lite applies no queued write of a script that raised
    assert len(calls) == 2


def test_warm_up_runs_every_lite_function_and_logs(main):
    book = lite_book(main, "warm_up")
    log_row_index = len(book.workbook["Log"])
    assert book.run(main.warm_up), book.error
    row = log_row(book, log_row_index)
    assert row[1:3] == ["warm_up", "ok"] and row[4] == "nothing"
    assert row[5].startswith(f"{len(FUNCTIONS)} Excel functions ran in ")
    assert "failed" not in row[5]
    assert written_cells(book) == {("Log", log_row_index, c) for c in range(6)}


def test_help_brings_the_start_sheet_to_the_front(main):
    book = lite_book(main, "show_help")
    assert book.run(main.show_help), book.error
    assert book.active_sheet == "Start"


def test_the_log_counts_its_rows_itself(main):
    """Reads never see the script's writes: two lines in one run go to two rows."""
    book = lite_book(main, "warm_up")
    first = len(book.workbook["Log"])

    def two_lines(xw_book):
        adapter = LiteBook(xw_book)
        adapter.append_log(["t", "a", "ok", "", "nothing", "one"])
        adapter.append_log(["t", "b", "ok", "", "nothing", "two"])

    assert book.run(two_lines)
    assert [book.cell("Log", first, 5), book.cell("Log", first + 1, 5)] == ["one", "two"]


def test_the_log_starts_under_its_header_when_empty(main):
    sheets, names = _snapshot()
    sheets = {s: [list(r) for r in rows] for s, rows in sheets.items()}
    sheets["Log"] = sheets["Log"][:4]  # title, note, blank, header
    book = lite_book_standin.FakeBook(sheets, names, include=["Log"])
    assert book.run(lambda b: LiteBook(b).append_log(["t", "x", "ok", "", "nothing", "first"]))
    assert book.cell("Log", 4, 5) == "first"


def test_the_adapter_never_touches_the_status_bar(main):
    book = lite_book(main, "rebalance")
    with pytest.raises(NotImplementedError):
        book.app.status_bar = "busy"  # the stand-in refuses it, as Lite does
    assert book.run(main.rebalance), book.error  # run() shows progress through Book.status: a no-op here
