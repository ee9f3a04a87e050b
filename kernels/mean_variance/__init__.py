"""Mean-variance portfolios, exact: the efficient frontier, minimum variance, maximum Sharpe, targets, income.

Every function solves

    minimise w' C w   subject to   sum(w) = 1,   lower <= w <= upper,   lo_r <= a_r' w <= hi_r,

along the whole range of expected returns with the critical line algorithm (:mod:`.cla`):
all turning (corner) portfolios are found exactly, and between two of them the efficient weights
are linear in the target return, so sampled points, the maximum-Sharpe portfolio (maximised in
closed form on each segment) and target-return / target-risk portfolios are exact too, not the
output of an iterative solver.

Constraints (one type, honoured by every function)
--------------------------------------------------
* ``lower`` / ``upper``: per-asset bounds, a scalar or one value per asset; negative lower bounds
  allow short positions (long-short).
* ``constraints=LinearConstraints(A, lower, upper)``: any rows ``lower <= A @ w <= upper``
  (``-inf`` / ``inf`` for a missing side, ``lower == upper`` for an equality).
* ``groups``, ``group_lower``, ``group_upper``: asset classes, e.g. one label per asset
  (``["bond", "stock", ...]``) with ``group_lower={"bond": 0.3}``, ``group_upper={"bond": 0.5}``;
  :func:`~.constraints.group_constraints` turns them into :class:`~.constraints.LinearConstraints`,
  stacked with ``constraints``.

Re-use by other features (income targets, floors, volatility caps)
------------------------------------------------------------------
* minimum variance under any linear rows: ``min_variance(cov, constraints=LinearConstraints(...))``
  (e.g. ``yields @ w >= 0.04`` is the row ``A=[yields], lower=[0.04], upper=[inf]``);
* the frontier of any linear "return" vector: pass it as ``expected_returns`` (yields instead of
  expected returns give the income frontier), with or without extra rows;
* maximum return under a volatility cap: ``efficient_portfolio(mu, cov, target_risk=cap, ...)``;
  minimum volatility for a return floor: ``efficient_portfolio(mu, cov, target_return=floor, ...)``.

Errors: :class:`InputError` for malformed inputs (shape, NaN, bounds crossed),
:class:`InfeasibleError` when no portfolio satisfies the constraints or a target is out of reach
(the message gives the attainable range), :class:`ConvergenceError` if the path does not close.

Modules (each does one thing; the public names are re-exported here and by :mod:`kernels`)
------------------------------------------------------------------------------------------
* :mod:`.constraints`: bounds, linear and group limits validated into one problem; its standard form;
* :mod:`.status`: the one status vocabulary of the kernels and its message table;
* :mod:`.simplex`, :mod:`.kkt`, :mod:`.active_set`: the QP machinery (a feasible vertex, the KKT
  inverse of the free set, the active-set update and the face QP);
* :mod:`.cla`: the critical-line path (compiled); :mod:`.path`: its turning points and exact points
  between them;
* :mod:`.box_active_set`: the certified fast paths for box bounds only (its small dense Cholesky is
  :mod:`kernels.risk_budgeting.linalg`'s, the one home of that algorithm); :mod:`.box_path`: the same
  box QP with a linear term, walked in ``lambda`` for risk aversion, target return, target risk and
  capped max Sharpe; :mod:`.box_l2_risk`: target risk with L2 (``gamma``) under box bounds;
* :mod:`.income_cash`: the income optimisers' cash options;
* :mod:`.frontier` (:func:`efficient_frontier`), :mod:`.portfolios` (:func:`min_variance`,
  :func:`max_sharpe`, :func:`efficient_portfolio`), :mod:`.income_targets` (income-target portfolios);
* :mod:`.regularised`: L2 (``gamma``) and quadratic utility (``risk_aversion``) on the path;
* :mod:`.market_line` (:func:`capital_market_line`); the cash sleeve options ``risk_free_asset`` and
  ``cash_weight`` of the optimisers are in :mod:`kernels.risk_free.sleeve`.

Optimiser options (issue 16), the same words in every optimiser
----------------------------------------------------------------
* ``gamma``: L2 regularisation, ``gamma * ||w||^2`` added to the objective (PyPortfolioOpt's ``L2_reg``);
* ``risk_aversion`` (``efficient_portfolio``): quadratic utility ``w'mu - delta/2 w'Cw``;
* ``risk_free_asset``: the position of cash in the inputs (its return is the risk-free rate, its
  covariance row ignored); ``cash_weight``: the cash weight fixed by the user, the risky assets
  optimised for the rest with every limit still on the final weights.
"""

from .constraints import LinearConstraints, group_constraints
from .frontier import FrontierResult, TurningPoints, efficient_frontier
from .income_targets import (
    IncomeFrontier,
    IncomePortfolio,
    income_frontier,
    max_attainable_yield,
    max_yield_for_volatility,
    min_volatility_for_income,
)
from .market_line import MarketLinePortfolio, capital_market_line
from .portfolios import PortfolioResult, efficient_portfolio, max_sharpe, min_variance
from .status import Status

__all__ = [
    "FrontierResult",
    "IncomeFrontier",
    "IncomePortfolio",
    "LinearConstraints",
    "MarketLinePortfolio",
    "PortfolioResult",
    "Status",
    "TurningPoints",
    "capital_market_line",
    "efficient_frontier",
    "efficient_portfolio",
    "group_constraints",
    "income_frontier",
    "max_attainable_yield",
    "max_sharpe",
    "max_yield_for_volatility",
    "min_variance",
    "min_volatility_for_income",
]
