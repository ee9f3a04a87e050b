"""The Simulation sheet: a backtest of the client's targets against alternatives, and a Monte Carlo income plan.

Inputs (yellow): the backtest's policy, the Monte Carlo plan, an alternative mix, and a monthly history
of the asset classes. The Simulate button fills the rest (:mod:`workbook.simulation_blocks` names every
block): the weight sets compared, their statistics and annual returns, the growth and drawdown tables
and the Monte Carlo table, which the three charts draw (:mod:`workbook.simulation_charts`).

The template's history is *illustrative*: monthly returns drawn at build time from the Assumptions
sheet's figures (:func:`sample_history`), not market data; the sheet says so above the table.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from kernels import (
    CASH_FLOW_FREQUENCIES,
    CASH_FLOW_TYPES,
    PLAN_DISTRIBUTIONS,
    PLAN_REBALANCE,
    REBALANCE_POLICIES,
    WITHDRAWAL_TYPES,
)
from workbook import layout as L
from workbook import simulation_blocks as B
from workbook.formulas import Functions
from workbook.grid import Block, Grid

from ._parts import list_validation, pct_validation

NAME = B.SHEET
CODE_NAME = "Sheet11"

#: Seed of the illustrative history's random numbers.
SAMPLE_SEED = 15
#: First month end of the illustrative history.
SAMPLE_START = (2015, 1)
#: The alternative mix typed in by default: 60% stocks (70/30 US/international), 40% bonds.
DEFAULT_MIX_NAME = "60/40"
DEFAULT_MIX = {"US Stocks": 0.42, "International Stocks": 0.18, "Bonds": 0.40}
HISTORY_KINDS = ("returns", "prices")
#: Default inputs: name -> (value, cell format).
BACKTEST_DEFAULTS = {
    "Sim_Rebalance": ("quarterly", "in_text"), "Sim_Band": (None, "in_pct"), "Sim_Costs": (10.0, "in_num"),
    "Sim_StartBalance": (10_000.0, "in_money"), "Sim_CashFlow": (0.0, "in_money"),
    "Sim_CashFlowType": ("fixed", "in_text"), "Sim_CashFlowFreq": ("annual", "in_text"),
    "Sim_HistoryKind": ("returns", "in_text"),
}
PLAN_DEFAULTS = {
    "Sim_Years": (float(B.PLAN_YEARS), "in_int"), "Sim_StartValue": (None, "in_money"),
    "Sim_Withdrawal": (None, "in_money"), "Sim_WithdrawalType": ("fixed_real", "in_text"),
    "Sim_WithdrawalStart": (0.0, "in_int"), "Sim_Contribution": (0.0, "in_money"),
    "Sim_ContributionYears": (0.0, "in_int"), "Sim_Inflation": (0.025, "in_pct"), "Sim_Fees": (0.0, "in_pct"),
    "Sim_PlanRebalance": ("annual", "in_text"), "Sim_Distribution": ("normal", "in_text"),
    "Sim_Paths": (10_000.0, "in_int"), "Sim_Seed": (0.0, "in_int"), "Sim_SuccessTarget": (0.9, "in_pct"),
}
#: The first yearly withdrawal of the sample plan, as a share of the portfolio (rounded to $1,000).
SAMPLE_WITHDRAWAL_RATE = 0.04
#: Most paths the sheet's validation accepts (the button's run stays within seconds).
MAX_PATHS = 1_000_000


def month_ends(n: int, start: tuple[int, int] = SAMPLE_START) -> list[dt.datetime]:
    """``n`` consecutive month ends from the month ``start`` (year, month)."""
    out = []
    year, month = start
    for _ in range(n):
        nxt = dt.datetime(year + month // 12, month % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
        year, month = nxt.year, nxt.month
    return out


def sample_history(expected_returns, volatilities, correlations, n_months: int = B.HISTORY_MONTHS,
                   seed: int = SAMPLE_SEED) -> np.ndarray:
    """Illustrative monthly returns (n_months, n_assets) drawn from yearly assumptions: not market data.

    Normal monthly returns whose 12-month compound return has the yearly means and covariance
    (``m = (1 + mu)^(1/12) - 1``, ``C = (S + aa')^(1/12) - (aa')^(1/12)``, ``a = 1 + mu``), from NumPy's
    PCG64 generator with ``seed``; rounded to 6 decimals so the build gives the same cells everywhere.
    """
    mu, vol = np.asarray(expected_returns, float), np.asarray(volatilities, float)
    cov = np.asarray(correlations, float) * np.outer(vol, vol)
    aa = np.outer(1.0 + mu, 1.0 + mu)
    monthly_cov = (cov + aa) ** (1.0 / 12.0) - aa ** (1.0 / 12.0)
    root = np.linalg.cholesky(0.5 * (monthly_cov + monthly_cov.T))
    z = np.random.default_rng(seed).standard_normal((n_months, mu.size))
    return np.round((1.0 + mu) ** (1.0 / 12.0) - 1.0 + z @ root.T, 6)


def default_mix(classes: list[str]) -> tuple[str, list[float]]:
    """The alternative mix typed in by default: 60/40 when the classes have those names, else equal weights."""
    if set(DEFAULT_MIX) <= set(classes):
        return DEFAULT_MIX_NAME, [DEFAULT_MIX.get(c, 0.0) for c in classes]
    return "Equal weight", [1.0 / len(classes)] * len(classes)


def _validations(grid: Grid) -> list[tuple[Block, dict]]:
    n = grid.names

    def whole(title: str, low: int, high: int) -> dict:
        return {"validate": "integer", "criteria": "between", "minimum": low, "maximum": high, "error_title": title,
                "error_message": f"{title}: enter a whole number from {low:,} to {high:,}."}

    def at_least(title: str, low: float) -> dict:
        return {"validate": "decimal", "criteria": ">=", "value": low, "error_title": title,
                "error_message": f"{title}: enter a number of at least {low:g}."}

    return [
        (n["Sim_Rebalance"], list_validation("Rebalance", REBALANCE_POLICIES)),
        (n["Sim_Band"], pct_validation("Band")),
        (n["Sim_Costs"], at_least("Costs", 0)),
        (n["Sim_CashFlowType"], list_validation("Cash flow type", CASH_FLOW_TYPES)),
        (n["Sim_CashFlowFreq"], list_validation("Cash flow frequency", CASH_FLOW_FREQUENCIES)),
        (n["Sim_HistoryKind"], list_validation("History holds", HISTORY_KINDS)),
        (n["Sim_Years"], whole("Years", 1, 100)),
        (n["Sim_Withdrawal"], at_least("Yearly withdrawal", 0)),
        (n["Sim_WithdrawalType"], list_validation("Withdrawal type", WITHDRAWAL_TYPES)),
        (n["Sim_WithdrawalStart"], whole("Withdrawals start after", 0, 99)),
        (n["Sim_Contribution"], at_least("Yearly contribution", 0)),
        (n["Sim_ContributionYears"], whole("Contribution years", 0, 100)),
        (n["Sim_Fees"], pct_validation("Fees")),
        (n["Sim_PlanRebalance"], list_validation("Rebalance", PLAN_REBALANCE)),
        (n["Sim_Distribution"], list_validation("Distribution", PLAN_DISTRIBUTIONS)),
        (n["Sim_Paths"], whole("Paths", 1, MAX_PATHS)),
        (n["Sim_Seed"], whole("Seed", 0, 2_000_000_000)),
        (n["Sim_SuccessTarget"], pct_validation("Success target")),
        (n["Sim_Mix"], pct_validation("Alternative mix")),
    ]


def _inputs(grid: Grid, total: float) -> None:
    S = NAME
    for names, defaults in ((B.BACKTEST_INPUTS, BACKTEST_DEFAULTS), (B.PLAN_INPUTS, PLAN_DEFAULTS)):
        for name, label in names:
            block = grid.names[name]
            value, fmt = defaults[name]
            grid.put(S, block.row, block.col - 1, label, "label")
            if name == "Sim_StartValue":
                grid.put(S, block.row, block.col, total, fmt, formula="=Portfolio_Value")
            elif name == "Sim_Withdrawal":
                grid.put(S, block.row, block.col, round(SAMPLE_WITHDRAWAL_RATE * total, -3), fmt)
            else:
                grid.put(S, block.row, block.col, value, fmt)
    stats = grid.names["Sim_PlanStats"]
    grid.put(S, B.INPUT_ROW - 1, stats.col - 1, "Monte Carlo plan (the client's targets)", "subtitle")
    grid.put(S, stats.row - 1, stats.col - 1, "Monte Carlo results", "subtitle")
    for i, row in enumerate(B.PLAN_ROWS):
        grid.put(S, stats.row + i, stats.col - 1, row.label, "label")
        grid.put(S, stats.row + i, stats.col, None, row.fmt)
    title = grid.names["Sim_FanTitle"]
    grid.put(S, title.row, title.col - 1, "Fan chart title", "label")
    grid.put(S, title.row, title.col, None, "text")
    info = grid.names["Sim_Info"]
    grid.put(S, info.row, 0, "Status", "label")
    grid.put(S, info.row, info.col, None, "text")


def _weights_and_statistics(grid: Grid, classes: list[str], rows: B.Rows) -> None:
    S = NAME
    mix_name, mix = default_mix(classes)
    names = grid.names["Sim_SetNames"]
    grid.put(S, names.row, 0, "Asset class", "header")
    grid.put(S, names.row, 1, mix_name, "in_text")
    grid.put_block(names, [], "header")
    for i, c in enumerate(classes):
        grid.put(S, names.row + 1 + i, 0, c, "label")
    grid.put_block(grid.names["Sim_Mix"], [[w] for w in mix], "in_pct")
    grid.put_block(grid.names["Sim_Weights"], [], "pct")
    grid.put(S, names.row - 1, 0, "Weight sets: your alternative mix (yellow, named above it) and, filled by "
                                  "Simulate, the client's targets and the Frontier and Risk Parity results",
             "note")
    grid.put(S, rows.stats, 0, "Backtest statistics (one column per weight set above)", "subtitle")
    stats = grid.names["Sim_Stats"]
    for i, row in enumerate(B.STAT_ROWS):
        grid.put(S, stats.row + i, 0, row.label, "label")
        grid.put_block(Block(S, stats.row + i, stats.col, 1, stats.n_cols), [], row.fmt)
    grid.put(S, rows.annual, 0, "Annual returns", "subtitle")
    annual = grid.names["Sim_Annual"]
    grid.put_block(Block(S, annual.row, annual.col, 1, annual.n_cols), [], "header")
    grid.put_block(Block(S, annual.row + 1, annual.col, annual.n_rows - 1), [], "int")
    grid.put_block(Block(S, annual.row + 1, annual.col + 1, annual.n_rows - 1, annual.n_cols - 1), [], "pct")


def _plan_table(grid: Grid, rows: B.Rows) -> None:
    S = NAME
    grid.put(S, rows.fan, 0, "Monte Carlo: the plan's value in today's money, by year (the fan chart)", "subtitle")
    fan, bands = grid.names["Sim_Fan"], grid.names["Sim_FanBands"]
    grid.put_row(S, rows.fan + 1, fan.col, ["Year", *B.FAN_COLUMNS], "header")
    grid.put_row(S, rows.fan + 1, bands.col, list(B.BAND_COLUMNS), "header")
    # the chart's categories are known before Simulate runs: the years (so the file's chart caches hold numbers)
    grid.put_block(Block(S, fan.row, fan.col, fan.n_rows), [[float(y)] for y in range(fan.n_rows)], "int")
    grid.put_block(Block(S, fan.row, fan.col + 1, fan.n_rows, fan.n_cols - 2), [], "money")
    grid.put_block(Block(S, fan.row, fan.last_col, fan.n_rows), [], "pct")
    grid.put_block(bands, [], "money")


def _monthly(grid: Grid, sources: L.Sources, rows: B.Rows) -> None:
    S = NAME
    a = sources.assumptions
    by_class = {r["asset_class"]: r for r in sources.correlations}
    classes = sources.classes
    corr = [[float(by_class[c][d]) for d in classes] for c in classes]
    history = sample_history([float(r["expected_return"]) for r in a], [float(r["volatility"]) for r in a], corr)
    dates_block, values_block = grid.names["Sim_HistoryDates"], grid.names["Sim_History"]
    grid.put(S, rows.monthly, 0, "Monthly history of the asset classes (input). ILLUSTRATIVE: returns simulated "
                                 "from the Assumptions sheet, not market data; paste your indices' or funds' "
                                 "monthly total returns (or prices, see History holds) over it.", "note")
    grid.put_row(S, rows.monthly + 1, 0, ["Month end", *classes], "header")
    grid.put_block(dates_block, [[d] for d in month_ends(dates_block.n_rows)], "date")
    grid.put_block(values_block, history.tolist(), "in_pct")
    growth, drawdowns = grid.names["Sim_Growth"], grid.names["Sim_Drawdowns"]
    grid.put_block(Block(S, growth.row, growth.col, 1, growth.n_cols), [], "header")
    start = month_ends(1, (SAMPLE_START[0] - 1, 12))  # the month end before the first return: the start
    grid.put_block(Block(S, growth.row + 1, growth.col, growth.n_rows - 1),
                   [[d] for d in start + month_ends(dates_block.n_rows)], "date")
    grid.put_block(Block(S, growth.row + 1, growth.col + 1, growth.n_rows - 1, growth.n_cols - 1), [], "money")
    grid.put_block(Block(S, drawdowns.row, drawdowns.col, 1, drawdowns.n_cols), [], "header")
    grid.put_block(Block(S, drawdowns.row + 1, drawdowns.col, drawdowns.n_rows - 1, drawdowns.n_cols), [], "pct")
    grid.put(S, rows.monthly, growth.col, "Growth (filled by Simulate)", "subtitle")
    grid.put(S, rows.monthly, drawdowns.col, "Drawdowns", "subtitle")


def lay_out(grid: Grid, sources: L.Sources, functions: Functions) -> None:
    S = NAME
    sh = grid.sheets[S]
    classes = sources.classes
    rows = B.section_rows(len(classes))
    grid.put(S, 0, 0, "Simulation: backtest and Monte Carlo income plan", "title")
    grid.put(S, 1, 0, "Click Simulate on the Portfolio tab. The backtest runs the weight sets over the monthly "
                      "history below; the Monte Carlo runs the client's targets on the Assumptions sheet's "
                      "figures. Yellow cells are inputs.", "note")
    grid.put(S, B.INPUT_ROW - 1, 0, "Backtest", "subtitle")
    _inputs(grid, float(grid.read("Portfolio_Value")[0][0]))
    _weights_and_statistics(grid, classes, rows)
    _plan_table(grid, rows)
    _monthly(grid, sources, rows)
    sh.validations.extend(_validations(grid))
    sh.col_widths.update({0: 34, 1: 14, 2: 14, 3: 14, 4: 14, 5: 14, 6: 36, 7: 14})
    sh.charts.extend([("sim_growth", {"anchor": (B.INPUT_ROW, 9)}), ("sim_drawdown", {"anchor": (B.INPUT_ROW + 19, 9)}),
                      ("sim_fan", {"anchor": (B.INPUT_ROW + 38, 9)})])
