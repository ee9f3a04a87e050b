"""The Assumptions sheet: the asset-class table with its sources, correlations, covariance, risk-free rate."""

from __future__ import annotations

import numpy as np

from workbook import layout as L
from workbook.formulas import Functions
from workbook.grid import Grid, col_letter

from ._parts import pct_validation

NAME = "Assumptions"
CODE_NAME = "Sheet2"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    lay, assumptions, corr_rows, classes = sources.layout, sources.assumptions, sources.correlations, sources.classes
    S = NAME
    sh = grid.sheets[S]
    k = lay.n_classes
    grid.put(S, 0, 0, "Capital market assumptions", "title")
    grid.put(S, 1, 0, "Yearly figures as decimal fractions. Yellow cells are inputs: replace the defaults with "
                      "your firm's views. Every number's source is in the columns on the right.", "note")
    headers = ["Asset class", "Expected return", "Low", "High", "Volatility", "Yield", "Min weight", "Max weight",
               "Tax treatment", "Source: expected return", "Source: volatility", "Source: yield"]
    grid.put_row(S, lay.class_row - 1, 0, headers, "header")
    for i, a in enumerate(assumptions):
        r = lay.class_row + i
        grid.put(S, r, 0, a["asset_class"], "label")
        grid.put(S, r, 1, float(a["expected_return"]), "in_pct")
        grid.put(S, r, 2, float(a["low"]), "pct")
        grid.put(S, r, 3, float(a["high"]), "pct")
        grid.put(S, r, 4, float(a["volatility"]), "in_pct")
        grid.put(S, r, 5, float(a["yield"]), "in_pct")
        grid.put(S, r, 6, float(a["min_weight"]), "in_pct")
        grid.put(S, r, 7, float(a["max_weight"]), "in_pct")
        grid.put(S, r, 8, a["tax_treatment"], "in_text")
        grid.put(S, r, 9, a["return_source"], "note")
        grid.put(S, r, 10, a["volatility_source"], "note")
        grid.put(S, r, 11, a["yield_source"], "note")
    grid.put(S, lay.class_row + k, 6, "Limits of every optimising button; Cash is the risk-free sleeve, held at its "
                                      "Min weight (set Max weight equal).", "note")
    for name in ("ExpReturns", "Vols", "Yields", "MinWeights", "MaxWeights"):
        sh.validations.append((grid.names[name], pct_validation(name)))

    cr = lay.corr_row
    grid.put(S, cr - 1, 0, "Correlation of yearly returns", "subtitle")
    grid.put(S, cr - 1, 2, "Source: rounded long-run estimates, illustrative; replace with your house view. "
                           "It must be symmetric with ones on the diagonal.", "note")
    grid.put(S, cr, 0, "", "header")
    grid.put_row(S, cr, 1, classes, "header")
    corr = np.array([[float(r[c]) for c in classes] for r in corr_rows])
    for i, c in enumerate(classes):
        grid.put(S, cr + 1 + i, 0, c, "label")
        for j in range(k):
            grid.put(S, cr + 1 + i, 1 + j, float(corr[i, j]), "in_corr")
    sh.validations.append((grid.names["Correlation"], {
        "validate": "decimal", "criteria": "between", "minimum": -1, "maximum": 1,
        "error_title": "Correlation", "error_message": "Correlation: enter a number between -1 and 1."}))

    vr = lay.cov_row
    grid.put(S, vr - 1, 0, "Covariance (volatility x volatility x correlation)", "subtitle")
    grid.put(S, vr - 1, 2, "Formulas: do not type here.", "note")
    grid.put(S, vr, 0, "", "header")
    grid.put_row(S, vr, 1, classes, "header")
    vols = np.array([float(a["volatility"]) for a in assumptions])
    cov = np.outer(vols, vols) * corr
    vol_col = col_letter(4)
    for i, c in enumerate(classes):
        grid.put(S, vr + 1 + i, 0, c, "label")
        for j in range(k):
            corr_cell = f"{col_letter(1 + j)}{cr + 2 + i}"
            formula = (f"=${vol_col}${lay.class_row + 1 + i}*${vol_col}${lay.class_row + 1 + j}*{corr_cell}")
            grid.put(S, vr + 1 + i, 1 + j, float(cov[i, j]), "cov", formula=formula)

    grid.put(S, lay.rf_row, 0, "Risk-free rate", "label")
    grid.put(S, lay.rf_row, 1, float(assumptions[classes.index("Cash")]["yield"])
             if "Cash" in classes else 0.0, "in_pct")
    grid.put(S, lay.rf_row, 2, "The return of the Cash sleeve and of Sharpe ratios; default: the Cash yield.", "note")
    sh.validations.append((grid.names["RiskFreeRate"], pct_validation("RiskFreeRate")))
    _views_block(grid, lay, classes)
    sh.freeze = (lay.class_row, 1)
    sh.col_widths.update({0: 22, 1: 12, 2: 9, 3: 9, 4: 11, 5: 9, 6: 11, 7: 11, 8: 34, 9: 48, 10: 48, 11: 40})


def _views_block(grid: Grid, lay: L.Layout, classes: list[str]) -> None:
    """The optional Black-Litterman views: one row per view (asset weights P, return Q, confidence), blank = none."""
    S, k, vr = NAME, lay.n_classes, lay.views_row
    grid.put(S, vr - 2, 0, "Views (optional, Black-Litterman)", "subtitle")
    grid.put(S, vr - 2, 2, "A row per view: 1 under an asset class for an absolute view; 1 and -1 for 'A beats B'. "
                           "Blank rows are no view. Efficient Frontier blends the filled rows with the expected "
                           "returns above.", "note")
    grid.put_row(S, vr - 1, 0, ["View", *classes, "Return (Q)", "Confidence"], "header")
    for i in range(L.VIEW_ROWS):
        grid.put(S, vr + i, 0, None, "in_text")
        for j in range(k + 2):
            grid.put(S, vr + i, 1 + j, None, "in_pct" if j >= k else "in_num")
    grid.put(S, vr + L.VIEW_ROWS, 0, "tau", "label")
    grid.put(S, vr + L.VIEW_ROWS, 1, 0.05, "in_num")
    grid.put(S, vr + L.VIEW_ROWS, 2, "Uncertainty of the expected returns relative to the covariance (0-1); "
                                     "Confidence blank = He-Litterman's rule, 0-100% = Idzorek's.", "note")
    grid.put(S, vr + L.VIEW_ROWS + 1, 0, "Return with views", "label")
    grid.put_block(grid.names["Views_Returns"], [], "pct")
    grid.put(S, vr + L.VIEW_ROWS + 2, 1, "Written by Efficient Frontier (the expected returns it used).", "note")
    sheet = grid.sheets[S]
    sheet.validations.append((grid.names["Views_Confidence"], pct_validation("Confidence")))
    sheet.validations.append((grid.names["Views_Tau"], {
        "validate": "decimal", "criteria": "between", "minimum": 0.0001, "maximum": 1,
        "error_title": "tau", "error_message": "tau: enter a number above 0 and at most 1 (0.05 is usual)."}))

