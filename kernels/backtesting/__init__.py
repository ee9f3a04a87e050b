"""Backtests of weight sets under rebalancing policies, with cash flows, costs and income.

Modules: :mod:`.calendar` (dates and periods), :mod:`.history` (common period and gaps), :mod:`.engine`
(the compiled row loop), :mod:`.statistics` (Portfolio Visualizer's statistics) and :mod:`.run`
(the public :func:`backtest`).
"""

from .run import (
    CASH_FLOW_FREQUENCIES,
    CASH_FLOW_TYPES,
    INCOME_OPTIONS,
    REBALANCE_POLICIES,
    BacktestResult,
    backtest,
)
from .statistics import BacktestStatistics

__all__ = [
    "CASH_FLOW_FREQUENCIES",
    "CASH_FLOW_TYPES",
    "INCOME_OPTIONS",
    "REBALANCE_POLICIES",
    "BacktestResult",
    "BacktestStatistics",
    "backtest",
]
