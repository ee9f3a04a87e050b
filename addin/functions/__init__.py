"""The cell functions, one domain a module, and :data:`FUNCTIONS`: the one ordered registry of them.

Every front-end reads :data:`FUNCTIONS` (see :mod:`addin.catalogue`); its order is the order of
the README's function reference and of the warm-up. To add a function: write it with
:func:`addin.catalogue.cell_function` in the module of its domain (or a new module here), add it to
:data:`FUNCTIONS`, and give it a warm-up example in :mod:`addin.warmup`.
"""

from addin import numba_cache

numba_cache.configure()  # before kernels are imported: Numba picks its cache folder at decoration

from addin.catalogue import CellFunction  # noqa: E402

from . import allocation, estimates, household, income, portfolios, rebalancing, risk, risk_budgets, tax  # noqa: E402
from . import simulation  # noqa: E402  (issue 15)
from . import views  # noqa: E402  (issue 16)

#: Every Excel function of xlfolio, in the order the README reference lists them.
FUNCTIONS: tuple[CellFunction, ...] = (
    risk.PORTFOLIO_RETURN,
    risk.PORTFOLIO_RISK,
    risk.RISK_CONTRIBUTIONS,
    risk.DIVERSIFICATION_RATIO,
    estimates.COVARIANCE,
    estimates.CORRELATION,
    estimates.COV_FROM_CORR,
    estimates.EXPECTED_RETURNS,
    estimates.NEAREST_CORRELATION,
    views.BLACK_LITTERMAN,
    risk.EFFECTIVE_ASSETS,
    portfolios.MIN_VARIANCE,
    portfolios.MAX_SHARPE,
    portfolios.EFFICIENT_PORTFOLIO,
    portfolios.EFFICIENT_FRONTIER,
    portfolios.TURNING_POINTS,
    risk_budgets.RISK_PARITY,
    rebalancing.REBALANCE,
    rebalancing.DRIFT,
    household.HOUSEHOLD_REBALANCE,
    allocation.AGE_ALLOCATION,
    allocation.ALLOCATE,
    income.PORTFOLIO_YIELD,
    income.PORTFOLIO_INCOME,
    income.INCOME_PROJECTION,
    income.INCOME_PORTFOLIO,
    tax.TAX_EQUIVALENT_YIELD,
    tax.ASSET_LOCATION,
    simulation.BACKTEST,
    simulation.BACKTEST_SERIES,
    simulation.PLAN_SUCCESS,
    simulation.SAFE_WITHDRAWAL_RATE,
    simulation.PERPETUAL_WITHDRAWAL_RATE,
    simulation.PLAN_SUMMARY,
    simulation.PLAN_PERCENTILES,
    simulation.PLAN_HISTORY,
)

def by_name() -> dict[str, CellFunction]:
    """The registry by Excel name."""
    return {f.name: f for f in FUNCTIONS}
