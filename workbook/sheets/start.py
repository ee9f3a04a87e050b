"""The Start sheet: what the workbook is, setup steps, the buttons and the function reference."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Grid

NAME = "Start"
CODE_NAME = "Sheet1"


def _text_block(grid: Grid, sheet: str, row: int, lines, fmt: str = "text") -> int:
    for line in lines:
        style = fmt
        if isinstance(line, tuple):
            line, style = line
        grid.put(sheet, row, 0, line, style)
        row += 1
    return row


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    S = NAME
    sh = grid.sheets[S]
    lines = [
        ("xlfolio: portfolio construction in Excel", "title"),
        ("Risk, efficient frontier, risk parity, rebalancing and income on Numba-compiled kernels.", "note"),
        "",
        ("What this workbook is", "subtitle"),
        "Assumptions: expected return, volatility, yield, tax treatment and correlation of each asset class, "
        "with the source of every number. Prices: sample daily history. Portfolio: the client's holdings.",
        "Frontier, Rebalance, Household, Risk Parity, Income, Simulation: results of the buttons on the Portfolio "
        "ribbon tab. "
        "Log: every button click, what it read and what it overwrote. Yellow cells are inputs.",
        "Buttons write only to their own result blocks and never change an input; on bad input they write "
        "nothing and say what to fix.",
        "",
        ("1. Enable macros", "subtitle"),
        "Save the file in a trusted location, or right-click it > Properties > Unblock; open it and click "
        "Enable Content. The Portfolio tab appears on the ribbon.",
        "",
        ("2. Connect Python", "subtitle"),
        "Install Python 3.11+, then run: pip install xlfolio  (on Windows it brings xlwings, numpy, numba, scipy, pandas).",
        "If Python is not on your PATH, put the full path of python.exe (pythonw.exe) next to Interpreter_Win on "
        "the xlwings.conf sheet. This workbook carries xlwings' own VBA module: no add-in install is needed.",
        "Click Warm Up once per session: it starts Python and compiles the kernels, so later clicks are instant. "
        "Use UDF Server is on, so the buttons reuse that warm process.",
        "Formulas show the values stored by the build until Python is connected; then Excel recalculates them.",
        "",
        ("Buttons (Portfolio tab)", "subtitle"),
        "Rebalance: trades to the target weights, with new cash. Check Drift: holdings outside the band.",
        "Efficient Frontier: frontier table and chart, max-Sharpe and min-variance portfolios.",
        "Risk Parity: weights with equal (or budgeted) risk contributions. Income Plan: income projection and "
        "the lowest-risk portfolio that reaches the income target.",
        "Refresh Estimates: covariance and expected returns of the Prices sheet. Help: this sheet.",
        "Rebalance Household: tax-aware trades for the household's accounts and tax lots (Household sheet). "
        "Simulate: backtest of the mixes and the Monte Carlo income plan (Simulation sheet).",
        "",
        ("Function reference", "subtitle"),
    ]
    row = _text_block(grid, S, 0, lines)
    grid.put(S, row, 0, "Function", "header")
    grid.put(S, row, 1, "What it does", "header")
    row += 1
    for name, function in sorted(functions.items()):
        grid.put(S, row, 0, name, "label")
        grid.put(S, row, 1, function.description, "text")
        row += 1
    sh.col_widths.update({0: 26, 1: 110})

