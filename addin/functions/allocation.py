"""Cell functions of allocation models: rules of thumb and splitting an amount by weights."""

from __future__ import annotations

import kernels
from addin import cells
from addin.catalogue import cell_function


@cell_function(args={"age": "Investor's age in years.",
                     "rule": "Optional N in 'N minus age' percent in stocks: 100, 110 or 120. Default 110."},
               result="Two cells in a column: the stock weight, then the bond weight.",
               example="=AGE_ALLOCATION(45, 120)")
def AGE_ALLOCATION(age, rule=110.0):
    """Stock/bond split by the 'N minus age' rule of thumb."""
    allocation = kernels.age_based_allocation(cells.number(age, "age"), cells.number(rule, "rule"))
    return cells.spill([allocation.stocks, allocation.bonds])


@cell_function(
    args={"amount": "Amount to invest, currency.",
          "weights": "Weights of the asset classes, summing to 1: one row or one column.",
          "sub_weights": ("Optional sub-weights within each class: one row per class (one column if weights is a "
                          "row), each summing to 1.")},
    result="Amount per class, or per sub-class with sub_weights, spilled like the weights.",
    example="=ALLOCATE(100000, B2:B3, C2:E3)", renames={"class_weights": "weights", "total": "amount"})
def ALLOCATE(amount, weights, sub_weights=None):
    """Split an amount by class weights, and optionally by sub-weights within each class."""
    w = cells.vector(weights, "weights")
    if sub_weights is None:
        subs = [[1.0]] * w.values.size
    else:
        subs = cells.ragged(sub_weights, "sub_weights", by_column=w.orientation == "row")
    allocation = kernels.hierarchical_allocation(w.values, subs, cells.number(amount, "amount"))
    return cells.spill(allocation.amounts, w.orientation)
