"""Where everything sits in the template: every named block, sized from the text sources.

The sheets (:mod:`workbook.sheets`) are laid out at these positions; the macros only ever use the
names. Sizes that depend on the data (asset classes, holdings, tickers, price rows) come from the
text sources, read once by :func:`read_sources`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kernels import ALL_COVARIANCE_METHODS as _COVARIANCE_METHODS
from kernels import EXPECTED_RETURN_METHODS as _EXPECTED_RETURN_METHODS

from .grid import Block
from .household_blocks import household_blocks
from .sample_data import load_sample_prices
from .simulation_blocks import simulation_blocks

HERE = Path(__file__).resolve().parent
ASSUMPTIONS_CSV = HERE / "assumptions.csv"
CORRELATIONS_CSV = HERE / "correlations.csv"
SAMPLE_CLIENT_CSV = HERE / "data" / "sample_client.csv"
RIBBON_XML = HERE / "ribbon" / "customUI14.xml"
VBA_DIR = HERE / "vba"

ACCOUNT_TYPES = ("Taxable", "IRA", "Roth IRA", "401(k)")
# The dropdowns list the words the kernels take.
COVARIANCE_METHODS = _COVARIANCE_METHODS
RETURN_METHODS = _EXPECTED_RETURN_METHODS
FRONTIER_POINTS = 20
VIEW_ROWS = 3  # rows of the Assumptions sheet's views block (Black-Litterman, issue 16)
INCOME_YEARS = 30
LOG_COLUMNS = ("Time (UTC)", "Macro", "Status", "Read", "Wrote (overwritten)", "Message")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Layout:
    """Positions of every block, sized for ``n_classes`` asset classes, ``n_holdings`` holdings and
    ``n_tickers`` x ``n_days`` prices."""

    n_classes: int
    n_holdings: int
    n_tickers: int
    n_days: int

    # Assumptions: table at row 5 (0-based 4), correlation and covariance below it.
    @property
    def class_row(self) -> int:
        return 4

    @property
    def corr_row(self) -> int:
        return self.class_row + self.n_classes + 3

    @property
    def cov_row(self) -> int:
        return self.corr_row + self.n_classes + 3

    @property
    def rf_row(self) -> int:
        return self.cov_row + self.n_classes + 1

    @property
    def views_row(self) -> int:
        """First row of the views (Black-Litterman) block, below the risk-free rate."""
        return self.rf_row + 4

    # Portfolio: holdings from row 8 (0-based 7).
    @property
    def holdings_row(self) -> int:
        return 7

    @property
    def total_row(self) -> int:
        return self.holdings_row + self.n_holdings

    @property
    def metrics_row(self) -> int:
        return self.holdings_row + self.n_classes + 2

    def names(self) -> dict[str, Block]:
        """Every named block: inputs, outputs and the labels beside them."""
        k, h, t = self.n_classes, self.n_holdings, self.n_tickers
        A, P, F, R, RP, I = "Assumptions", "Portfolio", "Frontier", "Rebalance", "Risk Parity", "Income"
        cr, hr, mr = self.class_row, self.holdings_row, self.metrics_row
        names = {
            # Assumptions (inputs)
            "AssetClasses": Block(A, cr, 0, k),
            "ExpReturns": Block(A, cr, 1, k),
            "Vols": Block(A, cr, 4, k),
            "Yields": Block(A, cr, 5, k),
            "MinWeights": Block(A, cr, 6, k),
            "MaxWeights": Block(A, cr, 7, k),
            "TaxTreatment": Block(A, cr, 8, k),
            "Correlation": Block(A, self.corr_row + 1, 1, k, k),
            "Cov": Block(A, self.cov_row + 1, 1, k, k),
            "RiskFreeRate": Block(A, self.rf_row, 1),
            # Assumptions: the views block (issue 16; blank = no views), posterior written by Efficient Frontier
            "Views_Labels": Block(A, self.views_row, 0, VIEW_ROWS),
            "Views_P": Block(A, self.views_row, 1, VIEW_ROWS, k),
            "Views_Q": Block(A, self.views_row, k + 1, VIEW_ROWS),
            "Views_Confidence": Block(A, self.views_row, k + 2, VIEW_ROWS),
            "Views_Tau": Block(A, self.views_row + VIEW_ROWS, 1),
            "Views_Returns": Block(A, self.views_row + VIEW_ROWS + 1, 1, 1, k),
            # Prices (inputs) and the estimates block (Refresh Estimates output)
            "Prices_Tickers": Block("Prices", 3, 1, 1, t),
            "Prices_Dates": Block("Prices", 4, 0, self.n_days),
            "Prices": Block("Prices", 4, 1, self.n_days, t),
            "Est_CovMethod": Block("Prices", 4, t + 3),
            "Est_ReturnMethod": Block("Prices", 5, t + 3),
            "Est_Returns": Block("Prices", 9, t + 3, t),
            "Est_Vols": Block("Prices", 9, t + 4, t),
            "Est_Cov": Block("Prices", 9, t + 5, t, t),
            "Est_Info": Block("Prices", 6, t + 3),
            # Portfolio (inputs, then formulas)
            "ClientName": Block(P, 2, 1),
            "CashFlow": Block(P, 3, 1),
            "Holdings_Asset": Block(P, hr, 0, h),
            "Holdings_Class": Block(P, hr, 1, h),
            "Holdings_Account": Block(P, hr, 2, h),
            "Holdings_Shares": Block(P, hr, 3, h),
            "Holdings_Price": Block(P, hr, 4, h),
            "Holdings_Value": Block(P, hr, 5, h),
            "Holdings_Weight": Block(P, hr, 6, h),
            "Holdings_Target": Block(P, hr, 7, h),
            "Holdings_Yield": Block(P, hr, 8, h),
            "Holdings_CostBasis": Block(P, hr, 9, h),
            "Portfolio_Value": Block(P, self.total_row, 5),
            "Class_Weights": Block(P, hr, 13, k),
            "Class_Targets": Block(P, hr, 14, k),
            "Current_Return": Block(P, mr, 13),
            "Current_Risk": Block(P, mr + 1, 13),
            "Current_Sharpe": Block(P, mr + 2, 13),
            "Current_Yield": Block(P, mr + 3, 13),
            "Current_Income": Block(P, mr + 4, 13),
            "Current_Diversification": Block(P, mr + 5, 13),
            "Current_EffectiveN": Block(P, mr + 6, 13),
            # Frontier (inputs, outputs)
            "Frontier_MinWeight": Block(F, 3, 1),
            "Frontier_MaxWeight": Block(F, 4, 1),
            "Frontier_Returns": Block(F, 8, 1, FRONTIER_POINTS),
            "Frontier_Vols": Block(F, 8, 2, FRONTIER_POINTS),
            "Frontier_Sharpe": Block(F, 8, 3, FRONTIER_POINTS),
            "Frontier_Weights": Block(F, 8, 4, FRONTIER_POINTS, k),
            "Optimal_Stats": Block(F, 9 + FRONTIER_POINTS, 1, 3, 3),
            "Optimal_Weights": Block(F, 9 + FRONTIER_POINTS, 4, 3, k),
            "Frontier_Info": Block(F, 5, 1),
            # Rebalance (inputs, outputs)
            "Rebalance_Band": Block(R, 3, 1),
            "Rebalance_MinTrade": Block(R, 4, 1),
            "Rebalance_Assets": Block(R, 8, 0, h),
            "Rebalance_Table": Block(R, 8, 1, h, 8),
            "Rebalance_Summary": Block(R, 9 + h, 1, 1, 8),
            "Rebalance_Info": Block(R, 5, 1),
            "Drift_Assets": Block(R, 13 + h, 0, h),
            "Drift_Table": Block(R, 13 + h, 1, h, 4),
            "Drift_Info": Block(R, 11 + h, 1),
            # Risk parity (inputs, outputs)
            "RP_Budgets": Block(RP, 4, 1, k),
            "RP_Weights": Block(RP, 4, 2, k),
            "RP_Contrib": Block(RP, 4, 3, k),
            "RP_Relative": Block(RP, 4, 4, k),
            "RP_Stats": Block(RP, 5 + k, 2, 4),
            # Income (inputs, outputs)
            "Income_Years": Block(I, 3, 1),
            "Income_Growth": Block(I, 4, 1),
            "Income_Inflation": Block(I, 5, 1),
            "Income_Target": Block(I, 6, 1),
            "Income_Table": Block(I, 10, 0, INCOME_YEARS, 5),
            "IncomeTarget_Weights": Block(I, 10, 7, k),
            "IncomeTarget_Stats": Block(I, 11 + k, 7, 4),
            "Income_Info": Block(I, 7, 1),
        }
        names.update(simulation_blocks(k))  # the Simulation sheet (issue 15)
        names.update(household_blocks())  # the Household sheet (issue 17)
        return names


@dataclass(frozen=True)
class Sources:
    """The template's text sources, read and checked against each other, and the layout sized for them."""

    assumptions: list[dict[str, str]]
    correlations: list[dict[str, str]]
    client: list[dict[str, str]]
    prices: pd.DataFrame
    layout: Layout

    @property
    def classes(self) -> list[str]:
        return [a["asset_class"] for a in self.assumptions]


def read_sources() -> Sources:
    """Read ``assumptions.csv``, ``correlations.csv``, the sample client and the sample prices."""
    assumptions = read_csv(ASSUMPTIONS_CSV)
    correlations = read_csv(CORRELATIONS_CSV)
    client = read_csv(SAMPLE_CLIENT_CSV)
    prices = load_sample_prices()
    classes = [a["asset_class"] for a in assumptions]
    if [r["asset_class"] for r in correlations] != classes:
        raise ValueError("correlations.csv: its rows must list the asset classes of assumptions.csv in order")
    unknown = sorted({h["asset_class"] for h in client} - set(classes))
    if unknown:
        raise ValueError(f"sample_client.csv: asset classes {unknown} are not in assumptions.csv")
    layout = Layout(len(assumptions), len(client), prices.shape[1], prices.shape[0])
    return Sources(assumptions, correlations, client, prices, layout)


def sizes() -> Layout:
    """The layout of the template built from the text sources."""
    return read_sources().layout
