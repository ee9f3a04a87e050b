"""Shared by the macro tests: the template with its output blocks blanked, and which blocks each macro writes.

It holds no tests itself.
"""

from __future__ import annotations

from addin.book import FileBook
from tests.workbook.template_support import template_bytes

CLOCK = "2026-01-02 03:04:05"

OUTPUTS = {
    "efficient_frontier": ("Frontier_Returns", "Frontier_Vols", "Frontier_Sharpe", "Frontier_Weights",
                           "Optimal_Stats", "Optimal_Weights", "Frontier_Info", "Views_Returns"),
    "rebalance": ("Rebalance_Assets", "Rebalance_Table", "Rebalance_Summary", "Rebalance_Info"),
    "check_drift": ("Drift_Assets", "Drift_Table", "Drift_Info"),
    "income_plan": ("Income_Table", "IncomeTarget_Weights", "IncomeTarget_Stats", "Income_Info"),
    "refresh_estimates": ("Est_Returns", "Est_Vols", "Est_Cov", "Est_Info"),
    "risk_parity": ("RP_Weights", "RP_Contrib", "RP_Relative", "RP_Stats"),
    "simulate": ("Sim_SetNames", "Sim_Weights", "Sim_Stats", "Sim_Annual", "Sim_Growth", "Sim_Drawdowns",  # issue 15
                 "Sim_PlanStats", "Sim_Fan", "Sim_FanBands", "Sim_FanTitle", "Sim_Info"),
    "rebalance_household": ("HH_Info", "HH_Summary", "HH_Trades", "HH_LotSales", "HH_AccountSummary", "HH_Classes",
                            "HH_WashSales"),
}
ALL_OUTPUTS = {n for names in OUTPUTS.values() for n in names}


def fresh() -> FileBook:
    """The template with every output block blanked, so each test sees what its macro writes."""
    book = FileBook(template_bytes(), clock=lambda: CLOCK)
    for name in ALL_OUTPUTS:
        n_rows, n_cols = book.shape(name)
        book.write(name, [[None] * n_cols for _ in range(n_rows)])
    return book
