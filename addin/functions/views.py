"""Cell functions of views: Black-Litterman posterior returns and covariance (issue 16)."""

from __future__ import annotations

import numpy as np

import kernels
from addin import cells
from addin.catalogue import cell_function
from addin.cells.grids import grid, to_floats, trim_trailing_blanks

from ._docs import COV_DOC

#: BLACK_LITTERMAN's output words -> what it spills.
OUTPUTS = {"returns": "returns", "prior": "implied_returns", "cov": "cov", "weights": "weights"}


def view_rows(P, name: str = "P") -> np.ndarray:
    """The views' asset weights: one row per view, blank cells read as 0 (a view names only its assets)."""
    rows = trim_trailing_blanks(grid(P), columns=False)  # a blank last column is a weight of 0, not a narrower P
    arr = to_floats(rows, name, blanks_as_nan=True)
    return np.ascontiguousarray(np.nan_to_num(arr, nan=0.0))


@cell_function(
    args={"cov": COV_DOC,
          "market_weights": ("Market weights (or market capitalisations) of the assets: one row or one column; the prior "
                             "is the return that makes them optimal."),
          "risk_aversion": "Optional risk aversion of the market, e.g. 2.5 (He & Litterman). Default 2.5.",
          "P": ("Optional views, one row per view and one column per asset: 1 under an asset for an absolute view, 1 "
                "and -1 for 'A beats B'; blank cells are 0. Blank: no views."),
          "Q": "Optional expected return of each view, one per row of P (0.02 is 2% a year).",
          "confidences": ("Optional confidence of each view from 0% to 100% (Idzorek). Blank: He & Litterman's rule "
                          "(view variance proportional to tau x the view's variance)."),
          "tau": "Optional uncertainty of the prior relative to the covariance, above 0 and at most 1. Default 0.05.",
          "output": ("Optional: returns (posterior expected returns), prior (market-implied returns), cov (posterior "
                     "covariance) or weights (unconstrained optimal weights). Default returns.")},
    result=("Posterior expected returns spilled like market_weights (or the prior, the weights, or the n_assets x "
            "n_assets posterior covariance, by output)."),
    example="=BLACK_LITTERMAN(Cov, D2:D6, 2.5, G2:K3, L2:L3, M2:M3)",
    renames={"market_sharpe": "risk_aversion", "omega": "confidences"}, call_in_wizard=False)
def BLACK_LITTERMAN(cov, market_weights, risk_aversion=2.5, P=None, Q=None, confidences=None, tau=0.05,
                    output="returns"):
    """Expected returns that blend the market's implied returns with your views (Black-Litterman)."""
    C = cells.matrix(cov, "cov")
    w = cells.vector(market_weights, "market_weights")
    what = cells.choice(output, "output", OUTPUTS)
    views = {}
    if P is not None or Q is not None:
        if P is None or Q is None:
            missing = "Q" if Q is None else "P"
            raise kernels.InputError(f"{missing}: missing; give P (the views' asset weights) and Q (their returns) "
                                     "together, or neither.")
        views = {"P": view_rows(P), "Q": cells.vector(Q, "Q").values}
        if confidences is not None:
            views["confidences"] = cells.vector(confidences, "confidences").values
    elif confidences is not None:
        raise kernels.InputError("confidences: given without views; give P and Q too, or leave confidences blank.")
    result = kernels.black_litterman(C, market_weights=w.values, risk_aversion=cells.number(risk_aversion,
                                                                                          "risk_aversion"),
                                     tau=cells.number(tau, "tau"), **views)
    values = getattr(result, what)
    if what == "cov":
        return cells.spill_matrix(values)
    return cells.spill(values, w.orientation)
