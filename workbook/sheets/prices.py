"""The Prices sheet: the sample price history and the Refresh Estimates block beside it."""

from __future__ import annotations

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Grid

from ._parts import list_validation, put_inputs

NAME = "Prices"
CODE_NAME = "Sheet3"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    lay, prices = sources.layout, sources.prices
    S = NAME
    sh = grid.sheets[S]
    t = lay.n_tickers
    grid.put(S, 0, 0, "Sample price history", "title")
    grid.put(S, 1, 0, "Daily adjusted closes of 20 S&P 500 stocks, 2012-12-26 to 2022-12-28 (2,520 trading days), "
                      "from skfolio's load_sp500_dataset, BSD-3-Clause licence (copyright the skfolio developers). "
                      "Paste your own history over it: dates down column A, one column per asset.", "note")
    grid.put(S, 3, 0, "Date", "header")
    grid.put_row(S, 3, 1, list(prices.columns), "header")
    values = prices.to_numpy()
    for i, day in enumerate(prices.index):
        r = 4 + i
        grid.put(S, r, 0, day.to_pydatetime(), "date")
        for j in range(t):
            grid.put(S, r, 1 + j, float(values[i, j]), "price")

    c0 = t + 2
    grid.put(S, 3, c0, "Estimates (Refresh Estimates)", "header")
    grid.put(S, 3, c0 + 1, "", "header")
    put_inputs(grid, S, 4, c0, [("Covariance method", "ledoit_wolf", "in_text"),
                                ("Expected-return method", "mean", "in_text")])
    sh.validations.append((grid.names["Est_CovMethod"], list_validation("Covariance method", L.COVARIANCE_METHODS)))
    sh.validations.append((grid.names["Est_ReturnMethod"], list_validation("Expected-return method",
                                                                            L.RETURN_METHODS)))
    grid.put(S, 6, c0, "Status", "label")
    grid.put(S, 8, c0, "Ticker", "header")
    grid.put(S, 8, c0 + 1, "Expected return", "header")
    grid.put(S, 8, c0 + 2, "Volatility", "header")
    grid.put_row(S, 8, c0 + 3, list(prices.columns), "header")
    for j, ticker in enumerate(prices.columns):
        grid.put(S, 9 + j, c0, ticker, "label")
    for name, fmt in (("Est_Returns", "pct"), ("Est_Vols", "pct"), ("Est_Cov", "cov")):
        grid.put_block(grid.names[name], [], fmt)
    sh.freeze = (4, 1)
    sh.col_widths.update({0: 11, c0: 24, c0 + 1: 14, c0 + 2: 11})

