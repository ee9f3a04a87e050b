"""The Assumptions sheet's optional views block (Black-Litterman, issue 16), read for the optimising buttons.

Each filled row is one view: asset-class weights ``P`` (blank cells are 0), its return ``Q`` and an
optional confidence. The prior is the sheet's own expected returns (the house's capital market
assumptions) with the sheet's covariance; the posterior returns replace them in the optimisers. With
every row blank there are no views and the expected returns are used as they are.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import kernels
from kernels import InputError

from ._inputs import Assumptions
from ._run import Rows

VIEW_NAMES = ("Views_P", "Views_Q", "Views_Confidence", "Views_Tau")


class Views(NamedTuple):
    returns: np.ndarray  # expected returns after the views (the sheet's own when there are none)
    n_views: int
    omega: str  # "proportional" or "idzorek"; "" without views


def _cell(value, name: str, row: int) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name}: view row {row} has {value!r}; enter a number or leave the cell blank.")
    return float(value)


def read_views(inputs: dict[str, Rows], a: Assumptions) -> Views:
    """The expected returns the optimisers use: the posterior when views are filled in, else the sheet's."""
    k = len(a.classes)
    tau = _cell(inputs["Views_Tau"][0][0], "Views_Tau", 1)
    tau = 0.05 if tau is None else tau
    if not 0.0 < tau <= 1.0:
        raise InputError(f"Views_Tau: expected a number above 0 and at most 1 (0.05 is usual), got {tau:.4g}; "
                         "fix the cell.")
    P, Q, conf = [], [], []
    for i, (p_row, q_row, c_row) in enumerate(zip(inputs["Views_P"], inputs["Views_Q"], inputs["Views_Confidence"])):
        row = i + 1
        p = [_cell(v, "Views_P", row) for v in p_row[:k]]
        q = _cell(q_row[0], "Views_Q", row)
        c = _cell(c_row[0], "Views_Confidence", row)
        if all(v is None for v in p):
            if q is not None or c is not None:
                raise InputError(f"Views_P: view row {row} has a return but no asset weights; put 1 under the "
                                 "asset class (or 1 and -1), or clear the row.")
            continue
        if q is None:
            raise InputError(f"Views_Q: view row {row} has no return; enter the view's expected return.")
        P.append([0.0 if v is None else v for v in p])
        Q.append(q)
        conf.append(c)
    if not P:
        return Views(a.expected_returns, 0, "")
    given = [c is not None for c in conf]
    if any(given) and not all(given):
        raise InputError("Views_Confidence: give a confidence for every view or for none (He-Litterman's rule).")
    bl = kernels.black_litterman(a.cov, prior_returns=a.expected_returns, P=P, Q=Q,
                                 confidences=conf if all(given) else None, tau=tau)
    return Views(bl.returns, len(P), bl.omega_method)


#: The kernels' argument names -> the blocks of the sheet that hold them (a Macro's ``renames``).
RENAMES = {"P": "Views_P", "Q": "Views_Q", "confidences": "Views_Confidence", "tau": "Views_Tau",
           "prior_returns": "ExpReturns"}
