"""The ribbon macros, run headless on the template through the book adapter (the code a button runs)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import addin.macros as m
import kernels
from addin.book import ExcelBook, FileBook
from kernels import min_volatility_for_income
from tests.addin.macro_support import ALL_OUTPUTS, CLOCK, fresh
from tests.tolerances import RTOL_CELLS
from tests.workbook.template_support import (
    package,
    source_assumptions,
    source_class_weights,
    source_client,
    source_cov,
    template_bytes,
)
from workbook import layout as L
from workbook.sample_data import load_sample_prices
from workbook.sheets import SHEETS


def col(book, name):
    return np.array([r[0] for r in book.read(name)], dtype=float)


def grid(book, name):
    return np.array(book.read(name), dtype=float)


@pytest.fixture(scope="module")
def ran() -> FileBook:
    book = fresh()
    for name in m.COMPUTING:
        getattr(m, name)(book)
    return book


def _mu_rf():
    a = source_assumptions()
    return a.expected_return.to_numpy(), float(a["yield"][a.asset_class == "Cash"].iloc[0])


def _sleeve_problem():
    """The whole-portfolio problem with Cash as the risk-free asset: its return the risk-free rate, no variance,
    its weight fixed by its limits (Min = Max weight); every class within the Assumptions sheet's limits."""
    a = source_assumptions()
    mu, rf = _mu_rf()
    cash = int(np.flatnonzero(a.asset_class == "Cash")[0])
    mu = mu.copy()
    mu[cash] = rf
    cov = np.array(source_cov(), dtype=float)
    cov[cash, :] = cov[:, cash] = 0.0
    return mu, cov, rf, a.min_weight.to_numpy(), a.max_weight.to_numpy(), cash


def test_frontier_equals_the_kernels(ran):
    # an independent route: the kernels on all five classes (a singular covariance, cash pinned by its bounds)
    mu, cov, rf, lo, hi, cash = _sleeve_problem()
    front = kernels.efficient_frontier(mu, cov, L.FRONTIER_POINTS, lo, hi)
    np.testing.assert_allclose(col(ran, "Frontier_Returns"), front.returns, rtol=1e-9)
    np.testing.assert_allclose(col(ran, "Frontier_Vols"), front.volatilities, rtol=1e-9)
    np.testing.assert_allclose(grid(ran, "Frontier_Weights"), front.weights, rtol=1e-9, atol=1e-12)
    w = grid(ran, "Frontier_Weights")
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(w[:, cash], lo[cash], rtol=1e-12)
    assert np.all(w >= lo - 1e-12) and np.all(w <= hi + 1e-12)
    # the table's numbers are consistent among themselves (NumPy, not the kernels)
    np.testing.assert_allclose(col(ran, "Frontier_Returns"), w @ mu, rtol=1e-9)
    vols = np.sqrt(np.einsum("ij,jk,ik->i", w, cov, w))
    np.testing.assert_allclose(col(ran, "Frontier_Vols"), vols, rtol=1e-9)
    np.testing.assert_allclose(col(ran, "Frontier_Sharpe"), (w @ mu - rf) / vols, rtol=1e-9)
    stats, weights = grid(ran, "Optimal_Stats"), grid(ran, "Optimal_Weights")
    best = kernels.max_sharpe(mu, cov, risk_free=rf, lower=lo, upper=hi)
    np.testing.assert_allclose(weights[0], best.weights, rtol=1e-9, atol=1e-12)
    assert stats[0, 2] >= col(ran, "Frontier_Sharpe").max() - 1e-9  # max Sharpe beats every frontier point
    safest = kernels.min_variance(cov, lo, hi, expected_returns=mu)
    np.testing.assert_allclose(weights[1], safest.weights, rtol=1e-9, atol=1e-12)
    assert stats[1, 1] <= col(ran, "Frontier_Vols").min() + 1e-12
    w_now = source_class_weights()
    np.testing.assert_allclose(weights[2], w_now, rtol=RTOL_CELLS)
    np.testing.assert_allclose(stats[2], [w_now @ mu, np.sqrt(w_now @ cov @ w_now),
                                          (w_now @ mu - rf) / np.sqrt(w_now @ cov @ w_now)], rtol=1e-10)
    # no views on the template: the expected returns used are the sheet's own
    np.testing.assert_allclose(grid(ran, "Views_Returns")[0], source_assumptions().expected_return, rtol=1e-12)


def test_rebalance_equals_the_kernel(ran):
    c = source_client()
    band, min_trade, cash_flow = 0.05, 100.0, 10000.0  # the template's defaults
    res = kernels.rebalance_trades(c.value.to_numpy(), c.target_weight.to_numpy(), cash_flow=cash_flow, band=band,
                                   min_trade=min_trade, prices=c.price.to_numpy())
    table = np.array([r[:7] for r in ran.read("Rebalance_Table")], dtype=float)
    np.testing.assert_allclose(table[:, 0], c.value, rtol=RTOL_CELLS)
    np.testing.assert_allclose(table[:, 1], c.value / c.value.sum(), rtol=RTOL_CELLS)
    np.testing.assert_allclose(table[:, 3], res.trades, rtol=RTOL_CELLS)
    np.testing.assert_allclose(table[:, 4], res.shares, rtol=RTOL_CELLS)
    np.testing.assert_allclose(table[:, 5], res.values, rtol=RTOL_CELLS)
    # independent bookkeeping: value after = value before + trade; trades are whole shares
    np.testing.assert_allclose(table[:, 5], table[:, 0] + table[:, 3], rtol=1e-12)
    np.testing.assert_allclose(table[:, 3], table[:, 4] * c.price, rtol=1e-12)
    assert np.all(table[:, 4] == np.round(table[:, 4]))
    assert abs(table[:, 3].sum() - (cash_flow - res.cash)) < 1e-6
    np.testing.assert_allclose(table[:, 6], c.target_weight, atol=0.01)
    flags = [r[7] for r in ran.read("Rebalance_Table")]
    drift = c.value / c.value.sum() - c.target_weight
    assert flags == ["outside" if abs(d) > band else None for d in drift]


def test_check_drift_equals_numpy(ran):
    c = source_client()
    w = c.value / c.value.sum()
    rows = ran.read("Drift_Table")
    np.testing.assert_allclose([r[0] for r in rows], w, rtol=1e-12)
    np.testing.assert_allclose([r[2] for r in rows], w - c.target_weight, rtol=1e-10, atol=1e-15)
    assert [r[3] for r in rows] == ["outside" if abs(d) > 0.05 else "ok" for d in w - c.target_weight]
    n_out = int((abs(w - c.target_weight) > 0.05).sum())
    assert ran.read("Drift_Info")[0][0].startswith(f"{n_out} of {len(c)} holdings outside")


def test_income_equals_the_kernels(ran):
    a, c = source_assumptions(), source_client()
    w = source_class_weights()
    mu = a.expected_return.to_numpy()
    y = float(w @ a["yield"].to_numpy())
    proj = kernels.income_projection(float(c.value.sum()), y, L.INCOME_YEARS, payout_growth=0.02,
                                     price_growth=float(w @ mu) - y, inflation=0.025)
    table = grid(ran, "Income_Table")
    np.testing.assert_allclose(table[:, 0], np.arange(1, L.INCOME_YEARS + 1))
    np.testing.assert_allclose(table[:, 1], proj.start_value, rtol=RTOL_CELLS)
    np.testing.assert_allclose(table[:, 2], proj.income, rtol=RTOL_CELLS)
    np.testing.assert_allclose(table[:, 3], proj.income_real, rtol=RTOL_CELLS)
    np.testing.assert_allclose(table[:, 4], np.cumsum(proj.cash_income), rtol=1e-12)
    np.testing.assert_allclose(table[0, 2], c.value.sum() * y, rtol=1e-12)  # year 1: value x yield
    mu_s, cov_s, _, lo, hi, cash = _sleeve_problem()
    best = min_volatility_for_income(cov_s, a["yield"].to_numpy(), 0.03, expected_returns=mu_s, lower=lo, upper=hi)
    np.testing.assert_allclose(col(ran, "IncomeTarget_Weights"), best.weights, rtol=1e-7, atol=1e-9)
    assert col(ran, "IncomeTarget_Weights")[cash] == pytest.approx(lo[cash], rel=1e-12)
    stats = col(ran, "IncomeTarget_Stats")
    assert stats[0] >= 0.03 - 1e-9  # reaches the income target
    np.testing.assert_allclose(stats[0], col(ran, "IncomeTarget_Weights") @ a["yield"].to_numpy(), rtol=1e-9)


def test_estimates_equal_the_kernels(ran):
    prices = load_sample_prices().to_numpy()
    est = kernels.covariance(prices, "ledoit_wolf", data_kind="prices")
    np.testing.assert_allclose(grid(ran, "Est_Cov"), est.matrix, rtol=RTOL_CELLS)
    np.testing.assert_allclose(col(ran, "Est_Vols"), np.sqrt(np.diag(est.matrix)), rtol=RTOL_CELLS)
    np.testing.assert_allclose(col(ran, "Est_Returns"), kernels.expected_returns(prices).values, rtol=RTOL_CELLS)
    # mean daily simple return x 252, from pandas (an independent oracle for the default method)
    mean = load_sample_prices().pct_change().dropna().mean().to_numpy() * 252
    np.testing.assert_allclose(col(ran, "Est_Returns"), mean, rtol=1e-9)


def test_risk_parity_equals_the_kernel():
    book = fresh()
    result = m.risk_parity(book)
    assert result.ok, result.message
    _, cov, _, lo, hi, cash = _sleeve_problem()
    w = col(book, "RP_Weights")
    assert w[cash] == pytest.approx(lo[cash], rel=1e-12)  # the risk-free sleeve at its weight
    assert np.all(w >= lo - 1e-9) and np.all(w <= hi + 1e-9)
    np.testing.assert_allclose(col(book, "RP_Contrib"), w * (cov @ w) / np.sqrt(w @ cov @ w), rtol=1e-9, atol=1e-15)
    assert book.read("RP_Stats")[2][0] == "yes"
    np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-9)
    rc = w * (cov @ w) / (w @ cov @ w)
    np.testing.assert_allclose(col(book, "RP_Relative"), rc, atol=1e-9)
    # equal budgets among the risky classes the limits leave free (Bonds sits at its 60% cap)
    free = [i for i in range(len(w)) if i != cash and lo[i] + 1e-9 < w[i] < hi[i] - 1e-9]
    assert len(free) >= 2
    np.testing.assert_allclose(rc[free], rc[free[0]], rtol=1e-6)


# ----------------------------------------------------------------------------- behaviour of a run

def _cells(book: FileBook) -> dict:
    out = {}
    for sheet in SHEETS:
        part = book.sheet(sheet)
        for (r, c) in part.cells:
            out[(sheet, r, c)] = (part.value(r, c), part.formula(r, c))
    return out


def _in_outputs(book, key) -> bool:
    sheet, r, c = key
    if sheet == "Log":
        return True
    for name in ALL_OUTPUTS:
        b = book.names[name]
        if b.sheet == sheet and b.row <= r <= b.last_row and b.col <= c <= b.last_col:
            return True
    return False


def test_macros_write_only_their_outputs_and_log_each_run():
    book = fresh()
    before = _cells(book)
    n_log = len(book.log_rows())
    for name in m.COMPUTING:
        getattr(m, name)(book)
    after = _cells(book)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed and all(_in_outputs(book, k) for k in changed)
    rows = book.log_rows()[n_log:]
    assert [r[1] for r in rows] == list(m.COMPUTING)
    assert all(r[0] == CLOCK for r in rows)
    frontier = rows[list(m.COMPUTING).index("efficient_frontier")]
    assert frontier[2] == "ok"
    assert "Frontier_Returns (Frontier!$B$9:$B$28)" in frontier[4]
    assert "ExpReturns" in frontier[3]
    assert book.status_history[0] == "xlfolio: estimating from the price history..."
    assert book.status_history[-1] is None


def test_running_a_macro_twice_gives_the_same_workbook():
    once, twice = fresh(), fresh()
    for name in m.COMPUTING:
        getattr(m, name)(once)
        getattr(m, name)(twice)
        getattr(m, name)(twice)
    a, b = package(once.to_bytes()), package(twice.to_bytes())
    log_part = once._sheet_paths["Log"]
    assert a.namelist() == b.namelist()
    for part in a.namelist():
        if part != log_part:
            assert a.read(part) == b.read(part), part
    assert len(twice.log_rows()) == len(once.log_rows()) + len(m.COMPUTING)


BAD_INPUTS = [
    ("efficient_frontier", "ExpReturns", (1, 0), "abc", r"^ExpReturns: text 'abc' at row 2; enter a number\.$"),
    ("efficient_frontier", "RiskFreeRate", (0, 0), None, r"^RiskFreeRate: is empty; enter a number\.$"),
    ("efficient_frontier", "Frontier_MinWeight", (0, 0), 0.3,
     r"^Frontier_MinWeight: 30\.0% is above the Max weight of REITs \(15\.0%\); lower it\.$"),
    # issue 16: the Assumptions sheet's class limits and views block
    ("efficient_frontier", "MinWeights", (1, 0), 0.5,
     r"^MinWeights: International Stocks has 50\.0%, above its Max weight 40\.0%; lower it\.$"),
    ("risk_parity", "MaxWeights", (4, 0), 0.10,
     (r"^MaxWeights: Cash \(the risk-free sleeve\) is held at its Min weight 5\.0%; set its Max weight equal "
      r"\(it is 10\.0%\)\.$")),
    ("income_plan", "MaxWeights", (1, 0), "n/a", r"^MaxWeights: text 'n/a' at row 2; enter a number\.$"),
    ("efficient_frontier", "Views_Q", (0, 0), 0.02,
     r"^Views_P: view row 1 has a return but no asset weights; put 1 under the asset class"),
    ("efficient_frontier", "Views_P", (1, 2), 1.0, r"^Views_Q: view row 2 has no return; enter the view's expected"),
    ("efficient_frontier", "Views_P", (0, 0), "US", r"^Views_P: view row 1 has 'US'; enter a number or leave the"),
    ("efficient_frontier", "Views_Tau", (0, 0), 2.0, r"^Views_Tau: expected a number above 0 and at most 1 \(0\.05 is usual\), got 2; fix the cell\.$"),
    ("efficient_frontier", "Frontier_MaxWeight", (0, 0), 1.5,
     r"^Frontier_MaxWeight: expected a weight from 0% to 100%, got 1\.5; fix the cell\.$"),
    ("efficient_frontier", "Correlation", (0, 1), -0.9, r"^Correlation: not symmetric"),
    ("efficient_frontier", "Holdings_Class", (1, 0), "Crypto",
     r"^Holdings_Class: 'Crypto' is not an asset class of the Assumptions sheet; pick one from the list\.$"),
    ("rebalance", "Holdings_Target", (0, 0), 0.5,
     r"^Holdings_Target: target weights add up to 110\.00%, not 100%; fix them\.$"),
    ("rebalance", "Holdings_Price", (2, 0), None,
     r"^Holdings_Price: a blank cell at row 3; fill in a number or shorten the range\.$"),
    ("rebalance", "Holdings_Price", (4, 0), None,
     r"^Holdings_Price: 4 values for 5 holdings; give one per row of the table\.$"),
    ("rebalance", "Holdings_Shares", (1, 0), -5.0,
     r"^Holdings_Shares: row 2 is negative; enter 0 or more shares\.$"),
    ("check_drift", "Rebalance_Band", (0, 0), 2.0,
     r"^Rebalance_Band: expected a weight from 0% to 100%, got 2; fix the cell\.$"),
    ("risk_parity", "RP_Budgets", (0, 0), -0.1,
     r"^RP_Budgets: budget of asset 1 is -0\.1; every budget must be > 0 \(drop the asset instead\)\.$"),
    ("risk_parity", "Vols", (2, 0), "n/a", r"^Vols: text 'n/a' at row 3; enter a number\.$"),
    ("income_plan", "Income_Years", (0, 0), 0.0, r"^Income_Years: expected 1 to 30 years, got 0; change the cell\.$"),
    ("income_plan", "Income_Target", (0, 0), 0.2, r"^Income_Target: 0\.2 is out of reach"),
    ("refresh_estimates", "Prices", (3, 2), "#N/A", r"^Prices: text '#N/A' at row 4, column 3; enter a number\.$"),
    ("refresh_estimates", "Est_CovMethod", (0, 0), "magic",
     (r"^Est_CovMethod: 'magic' is not a method; pick one from the list \(sample, ewma, ledoit_wolf, oas, "
      r"semicovariance, exp_cov, \.\.\.\)\.$")),
    ("refresh_estimates", "Est_ReturnMethod", (0, 0), "median",
     r"^Est_ReturnMethod: expected one of mean, geometric, ewma, got 'median'; pick one from the list\.$"),
]


@pytest.mark.parametrize("macro, name, offset, value, message", BAD_INPUTS,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in BAD_INPUTS])
def test_bad_input_writes_nothing_and_says_what_to_fix(macro, name, offset, value, message):
    import re

    book = FileBook(template_bytes(), clock=lambda: CLOCK)  # outputs filled by the build
    block = book.names[name]
    book.sheet(block.sheet).set(block.row + offset[0], block.col + offset[1], value)
    before = {n: book.read(n) for n in ALL_OUTPUTS}
    n_log = len(book.log_rows())
    result = getattr(m, macro)(book)
    assert not result.ok and result.wrote == ()
    assert re.search(message, result.message), result.message
    assert len(result.message) < 160 and "\n" not in result.message
    assert {n: book.read(n) for n in ALL_OUTPUTS} == before
    log = book.log_rows()
    assert len(log) == n_log + 1
    assert log[-1][1:3] == [macro, "error"] and log[-1][4] == "nothing" and log[-1][5] == result.message
    assert book.messages and book.messages[-1].endswith(result.message)


def test_help_and_warm_up():
    book = fresh()
    assert m.show_help(book).ok and book.active_sheet == "Start"
    result = m.warm_up(book)
    assert result.ok and "Excel functions and the button kernels" in result.message
    assert "failed" not in result.message
    assert [r[1] for r in book.log_rows()[-2:]] == ["show_help", "warm_up"]


# ----------------------------------------------------------------------------- the Excel side (xlwings API)

#: xlwings._xlwindows.cell_errors: the COM codes xlwings turns into text with err_to_str=True.
_XLWINGS_ERROR_TEXT = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?", -2146826288: "#NULL!",
                       -2146826252: "#NUM!", -2146826265: "#REF!", -2146826273: "#VALUE!"}


class _FakeRange:
    def __init__(self, sheet, ref):
        self.sheet, self.ref = sheet, ref
        self.shape = (len(sheet.values.get(ref, [[None]])), len(sheet.values.get(ref, [[None]])[0]))

    def options(self, **kw):
        assert kw == {"ndim": 2, "err_to_str": True}
        return self

    @property
    def value(self):
        # as xlwings on Windows with err_to_str=True: a cell error's COM code comes back as its text
        return [[_XLWINGS_ERROR_TEXT.get(v, v) if type(v) is int else v for v in r] for r in self.sheet.values[self.ref]]

    @value.setter
    def value(self, rows):
        self.sheet.writes.append((self.ref, rows))

    def get_address(self, include_sheetname=False):
        return f"{self.sheet.name}!{self.ref}"


class _FakeSheet:
    def __init__(self, name):
        self.name, self.values, self.writes, self.activated = name, {}, [], False

    def range(self, ref):
        return _FakeRange(self, ref)

    def activate(self):
        self.activated = True

    @property
    def used_range(self):
        class _U:
            last_cell = type("C", (), {"row": 7})

        return _U()


def test_excel_book_maps_the_protocol_onto_xlwings_calls():
    """ExcelBook against a stand-in with the xlwings API it uses (no Excel here): names, ranges, Log,
    status bar, alert, activate."""
    sheet, log = _FakeSheet("Frontier"), _FakeSheet("Log")
    sheet.values["B4"] = [[0.25]]

    class _Names(dict):
        pass

    names = _Names(Frontier_MinWeight=type("N", (), {"refers_to_range": sheet.range("B4")})())
    app = type("App", (), {"status_bar": None, "alerts": []})()
    app.alert = lambda text, title: app.alerts.append((title, text))
    xl_book = type("Book", (), {"names": names, "sheets": {"Frontier": sheet, "Log": log, "Start": _FakeSheet("Start")},
                                "app": app})()
    book = ExcelBook(xl_book)
    assert book.read("Frontier_MinWeight") == [[0.25]]
    assert book.shape("Frontier_MinWeight") == (1, 1)
    book.write("Frontier_MinWeight", [[0.5]])
    assert sheet.writes == [("B4", [[0.5]])]
    book.append_log(["t", "m", "ok", "r", "w", "msg"])
    assert log.writes == [((8, 1), [["t", "m", "ok", "r", "w", "msg"]])]
    book.status("working")
    assert app.status_bar == "working"
    book.status(None)
    assert app.status_bar is False
    book.alert("fix it")
    assert app.alerts == [("xlfolio", "fix it")]
    book.activate("Start")
    assert xl_book.sheets["Start"].activated


def test_file_book_runs_on_a_workbook_another_writer_saved(tmp_path):
    """openpyxl's save (shared strings, its own XML, no stored formula values) still runs every macro with the
    same numbers; it also drops the ribbon relationship, which is why FileBook edits the package in place."""
    import openpyxl

    from workbook.package import EXTENSIBILITY_REL

    src = tmp_path / "t.xlsm"
    src.write_bytes(template_bytes())
    wb = openpyxl.load_workbook(src, keep_vba=True)
    wb.save(tmp_path / "resaved.xlsm")
    resaved = (tmp_path / "resaved.xlsm").read_bytes()
    assert EXTENSIBILITY_REL.encode() not in package(resaved).read("_rels/.rels")
    theirs, ours = FileBook(resaved, clock=lambda: CLOCK), FileBook(template_bytes(), clock=lambda: CLOCK)
    assert theirs.read("Current_Risk") == [[None]]  # openpyxl keeps formulas, not their values
    for name in m.COMPUTING:
        assert getattr(m, name)(theirs).ok
        getattr(m, name)(ours)
    for name in ALL_OUTPUTS:
        assert theirs.read(name) == ours.read(name), name
    assert package(theirs.to_bytes()).read("xl/vbaProject.bin") == package(resaved).read("xl/vbaProject.bin")


def test_results_larger_than_their_block_ask_for_rows():
    from addin.macros._run import fit

    with pytest.raises(kernels.InputError, match=r"^Rebalance_Table: room for 5 rows of results but 7 are needed; "
                                                  r"insert rows inside the table \(its named range grows with them\)\.$"):
        fit([[1.0]] * 7, (5, 8), "Rebalance_Table")
    assert fit([[1.0, 2.0]], (2, 3), "x") == [[1.0, 2.0, None], [None, None, None]]


def _excel_book(values: dict[str, list]) -> ExcelBook:
    """An ExcelBook over the stand-in, one named block per entry of ``values`` (cells as COM gives them)."""
    sheet = _FakeSheet("Portfolio")
    names = {}
    for k, (name, rows) in enumerate(values.items()):
        ref = f"A{k + 1}"
        sheet.values[ref] = rows
        names[name] = type("N", (), {"refers_to_range": sheet.range(ref)})()
    app = type("App", (), {"status_bar": None})()
    return ExcelBook(type("Book", (), {"names": names, "sheets": {"Portfolio": sheet}, "app": app})())


def _put_error(book: FileBook, name: str, i: int, j: int, text: str) -> None:
    """Make cell (i, j) of a named block an error cell, as Excel stores one: ``<c t="e"><v>#N/A</v></c>``."""
    from lxml import etree

    from addin.book import _qn

    b = book.block(name)
    part = book.sheet(b.sheet)
    part.set(b.row + i, b.col + j, None)
    cell = part.cells[(b.row + i, b.col + j)]
    cell.set("t", "e")
    etree.SubElement(cell, _qn("v")).text = text


@pytest.mark.parametrize("text", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!"])
def test_both_adapters_read_an_error_cell_as_its_code(text):
    """Issue 19: the file adapter read #N/A as the text "#N/A", Excel's adapter as a blank; one conversion
    (addin.cells.normalise.book_cell) now gives the cell's COM code on both, as a COM argument has it."""
    from addin.cells.normalise import ERROR_CODES

    file_book = fresh()
    rows = file_book.read("Holdings_Price")
    _put_error(file_book, "Holdings_Price", 1, 0, text)
    com_rows = [list(r) for r in rows]
    com_rows[1][0] = ERROR_CODES[text]
    excel_book = _excel_book({"Holdings_Price": com_rows})
    assert file_book.read("Holdings_Price") == excel_book.read("Holdings_Price") == com_rows
    saved = FileBook(file_book.to_bytes())
    assert saved.read("Holdings_Price") == com_rows


def test_an_error_cell_in_a_named_block_names_itself_in_the_button_message():
    book = fresh()
    _put_error(book, "Holdings_Price", 1, 0, "#N/A")
    result = m.rebalance(book)
    assert not result.ok
    assert result.message == "Holdings_Price: #N/A at row 2; fix the cell it comes from."


def test_refresh_estimates_refuses_a_result_that_is_not_finite():
    """Issue 19: one price of 1e-300 made returns of 1e+300 and covariances beyond float range; the button
    logged "ok" and wrote 400 blank cells. Now it refuses, names the block, and writes nothing."""
    book = fresh()
    b = book.block("Prices")
    part = book.sheet(b.sheet)
    part.set(b.row + 5, b.col + 2, 1e-300)
    before = {name: book.read(name) for name in ("Est_Returns", "Est_Vols", "Est_Cov", "Est_Info")}
    result = m.refresh_estimates(book)
    assert not result.ok and result.wrote == ()
    assert re.match(r"^Est_(Returns|Vols|Cov): no finite result at row \d+, column \d+ for these inputs \(an overflow "
                    r"or a division by zero\); check the inputs for extreme values or zeros\.$", result.message)
    assert {name: book.read(name) for name in before} == before
    assert book.log_rows()[-1][1:3] == ["refresh_estimates", "error"]


def test_a_meant_blank_is_written_and_a_non_finite_number_is_refused():
    from addin.macros._run import fit

    assert fit([[1.0, None]], (1, 2), "Optimal_Stats") == [[1.0, None]]
    with pytest.raises(kernels.InputError, match=r"^Optimal_Stats: no finite result at row 1, column 2 "):
        fit([[1.0, float("nan")]], (1, 2), "Optimal_Stats")
