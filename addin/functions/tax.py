"""Cell functions of tax: taxable-equivalent yield and asset location across accounts."""

from __future__ import annotations

import kernels
from addin import cells
from addin.catalogue import cell_function

from ._docs import VALUES_DOC


@cell_function(
    args={"yield_": "Yield of the tax-exempt (municipal) bond (0.03 is 3%).",
          "federal_rate": "Marginal federal tax rate on ordinary income (0.24 is 24%).",
          "state_rate": "Optional marginal state tax rate. Default 0.",
          "state_exempt": "Optional TRUE when the bond is also free of state tax (in-state). Default TRUE."},
    result="Taxable-equivalent yield (a number).", example="=TAX_EQUIVALENT_YIELD(0.03, 0.24, 0.05)",
    renames={"tax_free_yield": "yield_"})
def TAX_EQUIVALENT_YIELD(yield_, federal_rate, state_rate=0.0, state_exempt=True):
    """Taxable yield that leaves as much after tax as a tax-exempt (municipal) yield."""
    return kernels.tax_equivalent_yield(cells.number(yield_, "yield_"), cells.number(federal_rate, "federal_rate"),
                                        cells.number(state_rate, "state_rate"),
                                        state_exempt=cells.flag(state_exempt, "state_exempt"))


@cell_function(
    args={"values": VALUES_DOC,
          "tax_drag": "Yearly tax per unit of value: one row per asset, one column per account (0.0096 is 0.96% a year).",
          "account_capacities": "Room in each account, currency: one value per column of tax_drag.",
          "split": "Optional FALSE to keep each holding whole in one account. Default TRUE."},
    result="Amount of each asset in each account (n_assets x n_accounts), least total tax drag.",
    example="=ASSET_LOCATION(F2:F6, H2:J6, H8:J8)", call_in_wizard=False)
def ASSET_LOCATION(values, tax_drag, account_capacities, split=True):
    """Place holdings in taxable and sheltered accounts so that the yearly tax is smallest."""
    location = kernels.asset_location(cells.vector(values, "values").values, cells.matrix(tax_drag, "tax_drag"),
                                      cells.vector(account_capacities, "account_capacities").values,
                                      split=cells.flag(split, "split"))
    return cells.spill_matrix(location.amounts)
