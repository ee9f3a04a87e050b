"""Cell functions of portfolio risk: return, volatility, risk contributions, diversification, concentration."""

from __future__ import annotations

import kernels
from addin import cells
from addin.catalogue import cell_function

from ._docs import COV_DOC, MU_DOC, WEIGHTS_DOC


@cell_function(args={"weights": WEIGHTS_DOC, "expected_returns": MU_DOC},
               result="Expected portfolio return (a number).", example="=PORTFOLIO_RETURN(B2:B6, C2:C6)")
def PORTFOLIO_RETURN(weights, expected_returns):
    """Expected portfolio return: the sum of weight x expected return."""
    return kernels.portfolio_return(cells.vector(weights, "weights").values,
                                    cells.vector(expected_returns, "expected_returns").values)


@cell_function(
    args={"weights": WEIGHTS_DOC,
          "cov_or_vols": ("Covariance matrix (square range); or, with a correlation matrix as third argument, "
                          "asset volatilities."),
          "correlation": "Optional correlation matrix; give it to use volatilities in the second argument."},
    result=("Portfolio volatility (a number, in the units of the covariance: annual if it is annual). The matrix is "
            "checked positive semi-definite, a factorisation: about a second at 3,000 assets."),
    example="=PORTFOLIO_RISK(B2:B6, Cov)  or  =PORTFOLIO_RISK(B2:B6, D2:D6, Corr)",
    renames={"cov": "cov_or_vols", "vols": "cov_or_vols"}, call_in_wizard=False)
def PORTFOLIO_RISK(weights, cov_or_vols, correlation=None):
    """Portfolio volatility sqrt(w' C w), from a covariance matrix or from volatilities and correlations."""
    w = cells.vector(weights, "weights").values
    if correlation is None:
        return kernels.portfolio_volatility(w, cells.matrix(cov_or_vols, "cov_or_vols"))
    return kernels.portfolio_volatility_from_correlation(
        w, cells.vector(cov_or_vols, "cov_or_vols").values, cells.matrix(correlation, "correlation"))


@cell_function(
    args={"weights": WEIGHTS_DOC, "cov": COV_DOC,
          "relative": ("Optional TRUE: shares of total risk (sum to 1); FALSE: contributions to volatility (sum to "
                       "it). Default TRUE.")},
    result=("One risk contribution per asset, spilled like the weights. The covariance is checked positive "
            "semi-definite (about a second at 3,000 assets)."),
    example="=RISK_CONTRIBUTIONS(B2:B6, Cov)", call_in_wizard=False)
def RISK_CONTRIBUTIONS(weights, cov, relative=True):
    """Each asset's contribution to portfolio risk (Euler decomposition)."""
    w = cells.vector(weights, "weights")
    rc = kernels.risk_contributions(w.values, cells.matrix(cov, "cov"))
    return cells.spill(rc.relative if cells.flag(relative, "relative") else rc.absolute, w.orientation)


@cell_function(args={"weights": WEIGHTS_DOC, "cov": COV_DOC},
               result=("Diversification ratio (a number, 1 for a single asset, higher is more diversified). The "
                       "covariance is checked positive semi-definite (about a second at 3,000 assets)."),
               example="=DIVERSIFICATION_RATIO(B2:B6, Cov)", call_in_wizard=False)
def DIVERSIFICATION_RATIO(weights, cov):
    """Weighted average of asset volatilities divided by portfolio volatility."""
    return kernels.diversification_ratio(cells.vector(weights, "weights").values, cells.matrix(cov, "cov"))


@cell_function(args={"weights": WEIGHTS_DOC},
               result="Effective number of assets, 1 / Herfindahl index (a number).",
               example="=EFFECTIVE_ASSETS(B2:B6)")
def EFFECTIVE_ASSETS(weights):
    """Effective number of assets of a weight vector (1 / sum of squared weight shares)."""
    return kernels.concentration(cells.vector(weights, "weights").values).effective_n
