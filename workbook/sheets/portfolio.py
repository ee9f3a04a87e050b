"""The Portfolio sheet: the client's holdings, the class weights and the current portfolio's figures."""

from __future__ import annotations

import numpy as np

from workbook import layout as L
from workbook.formulas import Functions, evaluate_udf
from workbook.grid import Grid

from ._parts import list_validation, pct_validation, put_inputs

NAME = "Portfolio"
CODE_NAME = "Sheet4"


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    lay, client, classes = sources.layout, sources.client, sources.classes
    S = NAME
    sh = grid.sheets[S]
    hr, h = lay.holdings_row, lay.n_holdings
    grid.put(S, 0, 0, "Client portfolio", "title")
    grid.put(S, 1, 0, "Yellow cells are inputs. Sample client: illustrative holdings and prices, not a quote. "
                      "Insert rows inside the table to add holdings.", "note")
    put_inputs(grid, S, 2, 0, [("Client", "Sample client", "in_text"),
                               ("New cash (+ deposit / - withdrawal)", 10000.0, "in_money")])
    headers = ["Asset", "Asset class", "Account", "Shares", "Price", "Value", "Weight", "Target weight",
               "Yield", "Cost basis", "Unrealised gain"]
    grid.put_row(S, hr - 1, 0, headers, "header")
    shares = np.array([float(c["shares"]) for c in client])
    price = np.array([float(c["price"]) for c in client])
    value = shares * price
    total = float(value.sum())
    yields = {a: y for a, y in zip(classes, grid.read("Yields"))}
    first, last = hr + 1, hr + h
    for i, c in enumerate(client):
        r = hr + i
        x = r + 1
        grid.put(S, r, 0, c["asset"], "in_text")
        grid.put(S, r, 1, c["asset_class"], "in_text")
        grid.put(S, r, 2, c["account"], "in_text")
        grid.put(S, r, 3, float(c["shares"]), "in_num")
        grid.put(S, r, 4, float(c["price"]), "in_money")
        grid.put(S, r, 5, float(value[i]), "money", formula=f"=D{x}*E{x}")
        grid.put(S, r, 6, float(value[i] / total), "pct", formula=f"=F{x}/SUM($F${first}:$F${last})")
        grid.put(S, r, 7, float(c["target_weight"]), "in_pct")
        grid.put(S, r, 8, float(yields[c["asset_class"]][0]), "pct",
                 formula=f"=INDEX(Yields,MATCH(B{x},AssetClasses,0))")
        grid.put(S, r, 9, float(c["cost_basis"]), "in_money")
        grid.put(S, r, 10, float(value[i] - float(c["cost_basis"])), "money", formula=f"=F{x}-J{x}")
    tr = lay.total_row
    grid.put(S, tr, 0, "Total", "label")
    grid.put(S, tr, 5, total, "money", formula=f"=SUM(F{first}:F{last})")
    grid.put(S, tr, 6, 1.0, "pct", formula=f"=SUM(G{first}:G{last})")
    grid.put(S, tr, 7, float(sum(float(c["target_weight"]) for c in client)), "pct",
             formula=f"=SUM(H{first}:H{last})")
    sh.validations.append((grid.names["Holdings_Class"], {  # follows the Assumptions sheet's classes
        "validate": "list", "source": "=AssetClasses", "error_title": "Asset class",
        "error_message": "Asset class: pick one of the classes on the Assumptions sheet."}))
    sh.validations.append((grid.names["Holdings_Account"], list_validation("Account", L.ACCOUNT_TYPES)))
    sh.validations.append((grid.names["Holdings_Target"], pct_validation("Target weight")))

    grid.put(S, hr - 1, 12, "Asset class", "header")
    grid.put(S, hr - 1, 13, "Weight", "header")
    grid.put(S, hr - 1, 14, "Target", "header")
    classes_of = [c["asset_class"] for c in client]
    targets = np.array([float(c["target_weight"]) for c in client])
    for i, cls in enumerate(classes):
        r = hr + i
        mask = np.array([c == cls for c in classes_of])
        grid.put(S, r, 12, cls, "label")
        grid.put(S, r, 13, float(value[mask].sum() / total), "pct",
                 formula=f"=SUMIF(Holdings_Class,M{r + 1},Holdings_Value)/Portfolio_Value")
        grid.put(S, r, 14, float(targets[mask].sum()), "pct",
                 formula=f"=SUMIF(Holdings_Class,M{r + 1},Holdings_Target)")
    mr = lay.metrics_row
    grid.put(S, mr - 1, 12, "Current portfolio", "header")
    grid.put(S, mr - 1, 13, "", "header")
    for i, (label, name, formula, fmt) in enumerate(METRICS):
        grid.put(S, mr + i, 12, label, "label")
        value = _formula_value(grid, formula, functions)
        grid.put(S, mr + i, 13, value, fmt, formula=formula)
    sh.freeze = (hr, 1)
    sh.col_widths.update({0: 36, 1: 20, 2: 10, 3: 10, 4: 10, 5: 12, 6: 9, 7: 9, 8: 8, 9: 12, 10: 13,
                          12: 20, 13: 11, 14: 9})


#: The current portfolio's figures on the Portfolio sheet: label, name, formula, format.
METRICS = (
    ("Expected return", "Current_Return", "=PORTFOLIO_RETURN(Class_Weights, ExpReturns)", "pct"),
    ("Volatility", "Current_Risk", "=PORTFOLIO_RISK(Class_Weights, Cov)", "pct"),
    ("Sharpe ratio", "Current_Sharpe", "=(Current_Return-RiskFreeRate)/Current_Risk", "corr"),
    ("Yield", "Current_Yield", "=PORTFOLIO_YIELD(Holdings_Weight, Holdings_Yield)", "pct2"),
    ("Yearly income", "Current_Income", "=PORTFOLIO_INCOME(Holdings_Value, Holdings_Yield)", "money"),
    ("Diversification ratio", "Current_Diversification", "=DIVERSIFICATION_RATIO(Class_Weights, Cov)", "corr"),
    ("Effective number of holdings", "Current_EffectiveN", "=EFFECTIVE_ASSETS(Holdings_Weight)", "corr"),
)


def _formula_value(grid: Grid, formula: str, functions: Functions):
    """The value the build stores with ``formula``."""
    if formula == "=(Current_Return-RiskFreeRate)/Current_Risk":
        ret, rf, risk = (grid.read(n)[0][0] for n in ("Current_Return", "RiskFreeRate", "Current_Risk"))
        return (ret - rf) / risk
    value = evaluate_udf(formula, grid.read, functions)
    if isinstance(value, str):
        raise ValueError(f"{formula}: the sample data gives {value!r}; fix the sources in workbook/")
    return float(value)

