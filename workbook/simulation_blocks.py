"""Where the Simulation sheet's named blocks sit, and what its tables hold.

The sheet (:mod:`workbook.sheets.simulation`) draws them, the Simulate button
(:mod:`addin.macros.simulation`) reads the inputs and fills the outputs by these names only;
:func:`simulation_blocks` is added to :meth:`workbook.layout.Layout.names`.

Layout (0-based rows; ``k`` asset classes):

* rows 3-16: the backtest's inputs (columns A-B) and the Monte Carlo's (G-H), its results below them;
* row 19: the weight sets (client target, an alternative mix typed in, max Sharpe, risk parity),
  one row per class; below them the backtest statistics, one column per set, and the annual returns;
* the Monte Carlo table (percentiles of the value in today's money by year) and the fan chart's bands;
* last, the monthly history (an input: one column per asset class) side by side with the growth and
  drawdown tables, so that rows inserted inside the history grow those tables (and their charts) too.
"""

from __future__ import annotations

from typing import NamedTuple

from .grid import Block

SHEET = "Simulation"
#: Months of the sample history (the history table's rows).
HISTORY_MONTHS = 120
#: Years the Monte Carlo table has room for (its rows: years 0 to this).
PLAN_YEARS = 30
#: Weight sets compared: the client's targets, the alternative mix, max Sharpe, risk parity.
N_SETS = 4
#: Calendar years a history of HISTORY_MONTHS months can touch.
ANNUAL_ROWS = HISTORY_MONTHS // 12 + 1
#: Percentile levels of the Monte Carlo table (the kernel's defaults).
PLAN_PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)


class Row(NamedTuple):
    """One row of a results table: its label, the result field it shows, the cell format."""

    label: str
    field: str
    fmt: str


#: The backtest statistics the sheet shows (fields of kernels.BacktestStatistics).
STAT_ROWS = (
    Row("Start balance", "start_balance", "money"),
    Row("End balance", "end_balance", "money"),
    Row("CAGR", "cagr", "pct2"),
    Row("Time-weighted return a year", "twrr", "pct2"),
    Row("Standard deviation a year", "stdev", "pct2"),
    Row("Best year", "best_year", "pct"),
    Row("Worst year", "worst_year", "pct"),
    Row("Maximum drawdown", "max_drawdown", "pct"),
    Row("Drawdown peak", "drawdown_peak", "date"),
    Row("Drawdown trough", "drawdown_trough", "date"),
    Row("Recovered by", "drawdown_recovery", "date"),
    Row("Sharpe ratio", "sharpe", "corr"),
    Row("Sortino ratio", "sortino", "corr"),
    Row("Turnover a year", "turnover_per_year", "pct"),
    Row("Costs paid", "costs_paid", "money"),
    Row("Fees paid", "fees_paid", "money"),
    Row("Contributions", "total_contributions", "money"),
    Row("Withdrawals", "total_withdrawals", "money"),
)

#: The Monte Carlo results the sheet shows (computed from kernels.PlanResult by the button).
PLAN_ROWS = (
    Row("Success probability", "success_probability", "pct"),
    Row("Safe withdrawal rate", "safe_withdrawal_rate", "pct2"),
    Row("Perpetual withdrawal rate", "perpetual_withdrawal_rate", "pct2"),
    Row("Median real value at the end", "median_end", "money"),
    Row("10th percentile real value at the end", "low_end", "money"),
    Row("Median yearly return (real)", "median_return_real", "pct2"),
    Row("Paths simulated", "n_paths", "int"),
)

#: The Monte Carlo table's columns after the year (value in today's money by percentile, then income, survival).
FAN_COLUMNS = ("10th percentile", "25th percentile", "Median", "75th percentile", "90th percentile",
               "Median income (today's money)", "Paths still paying")
#: The fan chart's stacked bands: the 10th percentile (drawn invisible), then each band's width.
BAND_COLUMNS = ("10th (base)", "25th - 10th", "Median - 25th", "75th - median", "90th - 75th")

#: Backtest inputs (column B), top to bottom: name, label.
BACKTEST_INPUTS = (
    ("Sim_Rebalance", "Rebalance"),
    ("Sim_Band", "Band (weight points; blank: none)"),
    ("Sim_Costs", "Costs (basis points of value traded)"),
    ("Sim_StartBalance", "Start balance"),
    ("Sim_CashFlow", "Cash flow per period (+ in / - out)"),
    ("Sim_CashFlowType", "Cash flow type"),
    ("Sim_CashFlowFreq", "Cash flow frequency"),
    ("Sim_HistoryKind", "History holds"),
)
#: Monte Carlo inputs (column E), top to bottom: name, label.
PLAN_INPUTS = (
    ("Sim_Years", "Years"),
    ("Sim_StartValue", "Start value (blank: the portfolio)"),
    ("Sim_Withdrawal", "Yearly withdrawal"),
    ("Sim_WithdrawalType", "Withdrawal type"),
    ("Sim_WithdrawalStart", "Withdrawals start after (years)"),
    ("Sim_Contribution", "Yearly contribution"),
    ("Sim_ContributionYears", "Contribution years"),
    ("Sim_Inflation", "Inflation a year"),
    ("Sim_Fees", "Fees a year (both)"),
    ("Sim_PlanRebalance", "Rebalance"),
    ("Sim_Distribution", "Distribution"),
    ("Sim_Paths", "Paths"),
    ("Sim_Seed", "Seed"),
    ("Sim_SuccessTarget", "Success target"),
)

INPUT_ROW = 3
STATUS_ROW = INPUT_ROW + len(PLAN_INPUTS)
WEIGHTS_ROW = STATUS_ROW + 2  # the weight sets' header row, and the first row of the Monte Carlo results
#: The Monte Carlo's inputs and results: values in this column, labels left of it.
PLAN_COL = 7


class Rows(NamedTuple):
    """First rows of the sheet's sections, for ``n_classes`` asset classes."""

    stats: int  # section title; statistics from the next row
    annual: int  # section title; the block (header row written by the button) from the next row
    fan: int  # section title; column headers on the next row, the block below them
    monthly: int  # section title; column headers on the next row, the history below them


def section_rows(n_classes: int) -> Rows:
    stats = WEIGHTS_ROW + n_classes + 2
    annual = stats + len(STAT_ROWS) + 2
    fan = annual + 1 + (1 + ANNUAL_ROWS) + 1
    monthly = fan + 2 + (PLAN_YEARS + 1) + 1
    return Rows(stats, annual, fan, monthly)


def simulation_blocks(n_classes: int) -> dict[str, Block]:
    """Every named block of the Simulation sheet, for ``n_classes`` asset classes."""
    S, k = SHEET, n_classes
    rows = section_rows(k)
    names = {name: Block(S, INPUT_ROW + i, 1) for i, (name, _) in enumerate(BACKTEST_INPUTS)}
    names.update({name: Block(S, INPUT_ROW + i, PLAN_COL) for i, (name, _) in enumerate(PLAN_INPUTS)})
    history = rows.monthly + 2
    names.update({
        "Sim_PlanStats": Block(S, WEIGHTS_ROW, PLAN_COL, len(PLAN_ROWS)),
        "Sim_FanTitle": Block(S, WEIGHTS_ROW + len(PLAN_ROWS) + 1, PLAN_COL),
        "Sim_Info": Block(S, STATUS_ROW, 1),
        "Sim_MixName": Block(S, WEIGHTS_ROW, 1),
        "Sim_SetNames": Block(S, WEIGHTS_ROW, 2, 1, N_SETS),
        "Sim_Mix": Block(S, WEIGHTS_ROW + 1, 1, k),
        "Sim_Weights": Block(S, WEIGHTS_ROW + 1, 2, k, N_SETS),
        "Sim_Stats": Block(S, rows.stats + 1, 2, len(STAT_ROWS), N_SETS),
        "Sim_Annual": Block(S, rows.annual + 1, 0, 1 + ANNUAL_ROWS, 1 + N_SETS),
        "Sim_Fan": Block(S, rows.fan + 2, 0, PLAN_YEARS + 1, 1 + len(FAN_COLUMNS)),
        "Sim_FanBands": Block(S, rows.fan + 2, 2 + len(FAN_COLUMNS), PLAN_YEARS + 1, len(BAND_COLUMNS)),
        "Sim_HistoryDates": Block(S, history, 0, HISTORY_MONTHS),
        "Sim_History": Block(S, history, 1, HISTORY_MONTHS, k),
        # header row (written by the button), the start, one row per month: one row longer than the history
        "Sim_Growth": Block(S, rows.monthly + 1, k + 2, HISTORY_MONTHS + 2, 1 + N_SETS),
        "Sim_Drawdowns": Block(S, rows.monthly + 1, k + 3 + 1 + N_SETS, HISTORY_MONTHS + 2, N_SETS),
    })
    return names


#: The button's inputs on this sheet.
INPUT_NAMES = tuple(n for n, _ in BACKTEST_INPUTS) + tuple(n for n, _ in PLAN_INPUTS) + (
    "Sim_MixName", "Sim_Mix", "Sim_HistoryDates", "Sim_History")
#: The button's outputs, in the order it writes them.
OUTPUT_NAMES = ("Sim_SetNames", "Sim_Weights", "Sim_Stats", "Sim_Annual", "Sim_Growth", "Sim_Drawdowns",
                "Sim_PlanStats", "Sim_Fan", "Sim_FanBands", "Sim_FanTitle", "Sim_Info")
