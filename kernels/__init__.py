"""xlfolio's compiled portfolio math: usable from plain Python, no Excel needed.

Every public function validates its inputs and raises :class:`InputError` (a
``ValueError``) with a one-line message naming the input and the fix.

The public names below are loaded on first use (PEP 562): ``import kernels`` imports no kernel module (nor
Numba); ``kernels.X`` and ``from kernels import X`` import X's module then, and only it. A kernel module is also
reached as an attribute (``kernels.household``), as after ``import kernels.household``.
"""

import importlib.util


def __getattr__(name: str):
    where = _PUBLIC.get(name)
    if where is not None:
        module, _, attr = where.partition(":")
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr or name)
        globals()[name] = value  # found directly from now on
        return value
    if not name.startswith("__") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    import pkgutil

    return sorted(set(globals()) | set(_PUBLIC) | {m.name for m in pkgutil.iter_modules(__path__)})


#: Public name -> the module that defines it, ``"module:its_name"`` when it is known there by another name.
#: New names go in a block at the end, marked ``# --- <feature> (issue N)``.
_PUBLIC = {
    "ConvergenceError": "errors",
    "InfeasibleError": "errors",
    "InputError": "errors",
    "PortfolioError": "errors",
    # --- risk and estimates (issue 2)
    "NearestCorrelationResult": "correlation",
    "as_correlation": "correlation",
    "correlation_from_covariance": "correlation",
    "covariance_from_correlation": "correlation",
    "nearest_correlation": "correlation",
    "Concentration": "risk",
    "RiskContributions": "risk",
    "batch_volatility": "risk",
    "concentration": "risk",
    "diversification_ratio": "risk",
    "portfolio_return": "risk",
    "portfolio_volatility": "risk",
    "portfolio_volatility_from_correlation": "risk",
    "risk_contributions": "risk",
    # --- covariance (issue 2)
    "COVARIANCE_METHODS": "estimators",
    "EXPECTED_RETURN_METHODS": "estimators",
    "CovarianceEstimate": "estimators",
    "ExpectedReturnsEstimate": "estimators",
    "covariance": "estimators",
    "expected_returns": "estimators",
    # --- frontier (issue 3)
    "FrontierResult": "mean_variance",
    "LinearConstraints": "mean_variance",
    "PortfolioResult": "mean_variance",
    "TurningPoints": "mean_variance",
    "efficient_frontier": "mean_variance",
    "efficient_portfolio": "mean_variance",
    "group_constraints": "mean_variance",
    "max_sharpe": "mean_variance",
    "min_variance": "mean_variance",
    # --- risk parity (issue 4)
    "RiskParityResult": "risk_budgeting",
    "inverse_volatility": "risk_budgeting",
    "risk_parity": "risk_budgeting",
    # --- rebalancing and models (issue 5)
    "DEFAULT_GLIDE_PATH": "allocation_models",
    "HierarchicalAllocation": "allocation_models",
    "StockBondAllocation": "allocation_models",
    "age_based_allocation": "allocation_models",
    "glide_path_allocation": "allocation_models",
    "hierarchical_allocation": "allocation_models",
    "sixty_forty": "allocation_models",
    "REBALANCE_MODES": "rebalance",
    "REBALANCE_STATUS_MESSAGES": "rebalance:STATUS_MESSAGES",
    "TARGET_SUM_ATOL": "rebalance",
    "RebalanceResult": "rebalance",
    "rebalance_trades": "rebalance",
    "DriftResult": "weight_drift",
    "drift": "weight_drift",
    "needs_rebalancing": "weight_drift",
    "BatchRebalanceResult": "book_rebalance",
    "rebalance_batch": "book_rebalance",
    "LotRounding": "whole_shares",
    "round_to_lots": "whole_shares",
    # --- income and tax (issue 6)
    "IncomeProjection": "income",
    "PortfolioIncome": "income",
    "income_projection": "income",
    "portfolio_income": "income",
    "portfolio_yield": "income",
    "IncomeFrontier": "mean_variance",
    "IncomePortfolio": "mean_variance",
    "income_frontier": "mean_variance",
    "max_attainable_yield": "mean_variance",
    "max_yield_for_volatility": "mean_variance",
    "min_volatility_for_income": "mean_variance",
    "ACCOUNT_TYPES": "tax",
    "AssetLocation": "tax",
    "after_tax_yield": "tax",
    "asset_location": "tax",
    "tax_equivalent_yield": "tax",
    "yearly_tax_drag": "tax",
    # --- views, estimators and cash allocation (issue 16)
    "ALL_COVARIANCE_METHODS": "estimators",
    "CovarianceMethod": "estimators",
    "ReturnMethod": "estimators",
    "ALLOCATION_MODES": "share_allocation",
    "ALLOCATION_STATUS_MESSAGES": "share_allocation",
    "AllocationMode": "share_allocation",
    "AllocationStatus": "share_allocation",
    "CashAllocation": "share_allocation",
    "allocate_cash": "share_allocation",
    "OMEGA_METHODS": "views",
    "BlackLittermanResult": "views",
    "OmegaMethod": "views",
    "black_litterman": "views",
    "market_implied_returns": "views",
    "market_implied_risk_aversion": "views",
    # --- simulation: backtests and Monte Carlo income plans (issue 15)
    "CASH_FLOW_FREQUENCIES": "backtesting",
    "CASH_FLOW_TYPES": "backtesting",
    "INCOME_OPTIONS": "backtesting",
    "REBALANCE_POLICIES": "backtesting",
    "BacktestResult": "backtesting",
    "BacktestStatistics": "backtesting",
    "backtest": "backtesting",
    "ASSET_CLASS_ASSUMPTIONS": "montecarlo",
    "PLAN_DISTRIBUTIONS": "montecarlo",
    "PLAN_REBALANCE": "montecarlo",
    "RETURN_MODELS": "montecarlo",
    "WITHDRAWAL_TYPES": "montecarlo",
    "AssetClassAssumptions": "montecarlo",
    "PlanResult": "montecarlo",
    "simulate_plan": "montecarlo",
    # --- tax-aware household rebalancing (issue 17)
    "LOT_METHODS": "household",
    "HOUSEHOLD_STATUS_MESSAGES": "household:STATUS_MESSAGES",
    "Account": "household",
    "AccountSummary": "household",
    "ClassDrift": "household",
    "Costs": "household",
    "Holding": "household",
    "HouseholdRebalance": "household",
    "Lot": "household",
    "LotSales": "household",
    "PositionTrades": "household",
    "RecentTrade": "household",
    "Substitute": "household",
    "TaxRates": "household",
    "WashSale": "household",
    "rebalance_household": "household",
    # --- optimiser options (issue 16)
    "MarketLinePortfolio": "mean_variance",
    "capital_market_line": "mean_variance",
    "CashRiskParityResult": "risk_free",
    "risk_parity_with_cash": "risk_free",
}

__all__ = list(_PUBLIC)
