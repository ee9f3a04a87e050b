"""xlfolio's compiled portfolio math: usable from plain Python, no Excel needed.

Every public function validates its inputs and raises :class:`InputError` (a
``ValueError``) with a one-line message naming the input and the fix.
"""

from .errors import ConvergenceError, InfeasibleError, InputError, PortfolioError

# --- risk and estimates (issue 2)
from .correlation import (
    NearestCorrelationResult,
    as_correlation,
    correlation_from_covariance,
    covariance_from_correlation,
    nearest_correlation,
)
from .risk import (
    Concentration,
    RiskContributions,
    batch_volatility,
    concentration,
    diversification_ratio,
    portfolio_return,
    portfolio_volatility,
    portfolio_volatility_from_correlation,
    risk_contributions,
)
# --- covariance (issue 2)
from .estimators import (
    COVARIANCE_METHODS,
    EXPECTED_RETURN_METHODS,
    CovarianceEstimate,
    ExpectedReturnsEstimate,
    covariance,
    expected_returns,
)
# --- frontier (issue 3)
from .mean_variance import (
    FrontierResult,
    LinearConstraints,
    PortfolioResult,
    TurningPoints,
    efficient_frontier,
    efficient_portfolio,
    group_constraints,
    max_sharpe,
    min_variance,
)
# --- risk parity (issue 4)
from .risk_budgeting import RiskParityResult, inverse_volatility, risk_parity
# --- rebalancing and models (issue 5)
from .allocation_models import (
    DEFAULT_GLIDE_PATH,
    HierarchicalAllocation,
    StockBondAllocation,
    age_based_allocation,
    glide_path_allocation,
    hierarchical_allocation,
    sixty_forty,
)
from .rebalance import (
    REBALANCE_MODES,
    STATUS_MESSAGES as REBALANCE_STATUS_MESSAGES,
    TARGET_SUM_ATOL,
    RebalanceResult,
    rebalance_trades,
)
from .weight_drift import DriftResult, drift, needs_rebalancing
from .book_rebalance import BatchRebalanceResult, rebalance_batch
from .whole_shares import LotRounding, round_to_lots
# --- income and tax (issue 6): add imports here
from .income import IncomeProjection, PortfolioIncome, income_projection, portfolio_income, portfolio_yield
from .mean_variance import (
    IncomeFrontier,
    IncomePortfolio,
    income_frontier,
    max_attainable_yield,
    max_yield_for_volatility,
    min_volatility_for_income,
)
from .tax import (
    ACCOUNT_TYPES,
    AssetLocation,
    after_tax_yield,
    asset_location,
    tax_equivalent_yield,
    yearly_tax_drag,
)
# --- views, estimators and cash allocation (issue 16)
from .estimators import ALL_COVARIANCE_METHODS, CovarianceMethod, ReturnMethod
from .share_allocation import (
    ALLOCATION_MODES,
    ALLOCATION_STATUS_MESSAGES,
    AllocationMode,
    AllocationStatus,
    CashAllocation,
    allocate_cash,
)
from .views import (
    OMEGA_METHODS,
    BlackLittermanResult,
    OmegaMethod,
    black_litterman,
    market_implied_returns,
    market_implied_risk_aversion,
)
# --- simulation: backtests and Monte Carlo income plans (issue 15)
from .backtesting import (
    CASH_FLOW_FREQUENCIES,
    CASH_FLOW_TYPES,
    INCOME_OPTIONS,
    REBALANCE_POLICIES,
    BacktestResult,
    BacktestStatistics,
    backtest,
)
from .montecarlo import (
    ASSET_CLASS_ASSUMPTIONS,
    PLAN_DISTRIBUTIONS,
    PLAN_REBALANCE,
    RETURN_MODELS,
    WITHDRAWAL_TYPES,
    AssetClassAssumptions,
    PlanResult,
    simulate_plan,
)
# --- tax-aware household rebalancing (issue 17)
from .household import (
    LOT_METHODS,
    STATUS_MESSAGES as HOUSEHOLD_STATUS_MESSAGES,
    Account,
    AccountSummary,
    ClassDrift,
    Costs,
    Holding,
    HouseholdRebalance,
    Lot,
    LotSales,
    PositionTrades,
    RecentTrade,
    Substitute,
    TaxRates,
    WashSale,
    rebalance_household,
)
# --- optimiser options (issue 16)
from .mean_variance import MarketLinePortfolio, capital_market_line
from .risk_free import CashRiskParityResult, risk_parity_with_cash
