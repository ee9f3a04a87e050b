"""Cell functions of optimal portfolios: minimum variance, maximum Sharpe, target portfolios, the frontier."""

from __future__ import annotations

import numpy as np

import kernels
from addin import cells
from addin.catalogue import cell_function

from ._docs import COV_DOC, HEADER_DOC, LOWER_DOC, MU_DOC, UPPER_DOC

GROUPS_DOC = "Optional asset class of each asset (a label per asset, e.g. stock, bond), same length as the weights."
GROUP_LIMITS_DOC = ("Optional limits per group, one row per group: label, min, max (or just min, max in order of "
                    "first appearance); blank = no limit.")

#: The kernels' names of the group limits -> the Excel argument that holds them.
GROUP_RENAMES = {"group_lower": "group_limits", "group_upper": "group_limits", "constraints": "group_limits"}

#: EFFICIENT_PORTFOLIO's target_kind words -> the keyword of kernels.efficient_portfolio.
TARGET_KINDS = {"return": "target_return", "risk": "target_risk", "volatility": "target_risk"}


def _bounds_and_groups(lower, upper, groups, group_limits):
    """Keyword arguments for the frontier kernels from the optional cells."""
    kwargs = {"lower": cells.number_or_vector(lower, "lower"), "upper": cells.number_or_vector(upper, "upper")}
    if groups is not None:
        labels = cells.labels(groups, "groups")
        kwargs["groups"] = labels
        if group_limits is not None:
            kwargs["group_lower"], kwargs["group_upper"] = cells.group_limits(group_limits, "group_limits", labels)
    elif group_limits is not None:
        raise kernels.InputError("group_limits: given without groups; give each asset's group too.")
    return kwargs


@cell_function(args={"cov": COV_DOC, "lower": LOWER_DOC, "upper": UPPER_DOC, "groups": GROUPS_DOC,
                     "group_limits": GROUP_LIMITS_DOC},
               result="Weights of the minimum-variance portfolio, spilled as a column.",
               example="=MIN_VARIANCE(Cov, 0, 0.4)", renames=GROUP_RENAMES, call_in_wizard=False)
def MIN_VARIANCE(cov, lower=0.0, upper=1.0, groups=None, group_limits=None):
    """The least volatile fully invested portfolio within the weight and group limits."""
    C = cells.matrix(cov, "cov")
    result = kernels.min_variance(C, **_bounds_and_groups(lower, upper, groups, group_limits))
    return cells.spill(result.weights)


@cell_function(args={"expected_returns": MU_DOC, "cov": COV_DOC,
                     "risk_free": "Optional risk-free rate, in the units of the expected returns. Default 0.",
                     "lower": LOWER_DOC, "upper": UPPER_DOC, "groups": GROUPS_DOC, "group_limits": GROUP_LIMITS_DOC},
               result="Weights of the maximum Sharpe ratio portfolio, spilled like the expected returns.",
               example="=MAX_SHARPE(C2:C6, Cov, 0.03)", renames=GROUP_RENAMES, call_in_wizard=False)
def MAX_SHARPE(expected_returns, cov, risk_free=0.0, lower=0.0, upper=1.0, groups=None, group_limits=None):
    """The portfolio with the highest Sharpe ratio (excess return per unit of volatility)."""
    mu = cells.vector(expected_returns, "expected_returns")
    C = cells.matrix(cov, "cov")
    result = kernels.max_sharpe(mu.values, C, cells.number(risk_free, "risk_free"),
                                **_bounds_and_groups(lower, upper, groups, group_limits))
    return cells.spill(result.weights, mu.orientation)


@cell_function(
    args={"expected_returns": MU_DOC, "cov": COV_DOC,
          "target": "Target expected return (or volatility, with target_kind risk), e.g. 0.06.",
          "target_kind": ("Optional: return (least risk for at least this return) or risk (most return within this "
                          "volatility). Default return."),
          "lower": LOWER_DOC, "upper": UPPER_DOC, "groups": GROUPS_DOC, "group_limits": GROUP_LIMITS_DOC},
    result="Weights of the efficient portfolio for the target, spilled like the expected returns.",
    example='=EFFICIENT_PORTFOLIO(C2:C6, Cov, 0.12, "risk")',
    renames={"target_return": "target", "target_risk": "target", **GROUP_RENAMES}, call_in_wizard=False)
def EFFICIENT_PORTFOLIO(expected_returns, cov, target, target_kind="return", lower=0.0, upper=1.0, groups=None,
                        group_limits=None):
    """The efficient portfolio for a target expected return or a target volatility."""
    mu = cells.vector(expected_returns, "expected_returns")
    C = cells.matrix(cov, "cov")
    keyword = cells.choice(target_kind, "target_kind", TARGET_KINDS)
    result = kernels.efficient_portfolio(mu.values, C, **{keyword: cells.number(target, "target")},
                                         **_bounds_and_groups(lower, upper, groups, group_limits))
    return cells.spill(result.weights, mu.orientation)


@cell_function(
    args={"expected_returns": MU_DOC, "cov": COV_DOC,
          "n_points": "Optional number of portfolios from minimum variance to maximum return. Default 20.",
          "lower": LOWER_DOC, "upper": UPPER_DOC,
          "risk_free": "Optional risk-free rate for the Sharpe ratio column. Default 0.", "header": HEADER_DOC},
    result=("One row per portfolio: risk, return, sharpe (blank at zero risk), then one weight column per asset "
            "(w1, w2, ...)."),
    example="=EFFICIENT_FRONTIER(C2:C6, Cov, 25)", call_in_wizard=False)
def EFFICIENT_FRONTIER(expected_returns, cov, n_points=20.0, lower=0.0, upper=1.0, risk_free=0.0, header=True):
    """Portfolios evenly spaced along the efficient frontier, from minimum variance to maximum return."""
    mu = cells.vector(expected_returns, "expected_returns").values
    rf = cells.number(risk_free, "risk_free")
    f = kernels.efficient_frontier(mu, cells.matrix(cov, "cov"), cells.integer(n_points, "n_points"),
                                   cells.number_or_vector(lower, "lower"), cells.number_or_vector(upper, "upper"))
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = (f.returns - rf) / f.volatilities
    body = np.column_stack([f.volatilities, f.returns, sharpe, f.weights])
    blanks = np.zeros(body.shape, dtype=bool)
    blanks[:, 2] = f.volatilities == 0.0  # the Sharpe ratio of a riskless portfolio is undefined: a blank
    labels = ["risk", "return", "sharpe", *cells.asset_labels(mu.size)]
    return cells.spill_table(body, labels if cells.flag(header, "header") else None, blanks)


@cell_function(args={"expected_returns": MU_DOC, "cov": COV_DOC, "lower": LOWER_DOC, "upper": UPPER_DOC,
                     "header": HEADER_DOC},
               result=("One row per turning point: risk, return, risk_tolerance (blank where unbounded), then one "
                       "weight column per asset."),
               example="=TURNING_POINTS(C2:C6, Cov)", call_in_wizard=False)
def TURNING_POINTS(expected_returns, cov, lower=0.0, upper=1.0, header=True):
    """The corner portfolios of the efficient frontier (where an asset enters or leaves), by increasing return."""
    mu = cells.vector(expected_returns, "expected_returns").values
    f = kernels.efficient_frontier(mu, cells.matrix(cov, "cov"), 2, cells.number_or_vector(lower, "lower"),
                                   cells.number_or_vector(upper, "upper"))
    tp = f.turning_points
    body = np.column_stack([tp.volatilities, tp.returns, tp.risk_tolerances, tp.weights])
    blanks = np.zeros(body.shape, dtype=bool)
    blanks[:, 2] = tp.risk_tolerances == np.inf  # the top turning point holds for any larger tolerance: a blank
    labels = ["risk", "return", "risk_tolerance", *cells.asset_labels(mu.size)]
    return cells.spill_table(body, labels if cells.flag(header, "header") else None, blanks)
