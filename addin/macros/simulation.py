"""Simulate button: backtest the client's targets against alternatives, and run the Monte Carlo income plan.

The backtest (:func:`kernels.backtest`) runs up to four weight sets over the Simulation sheet's monthly
history of the asset classes: the client's targets (the holdings' target weights summed by class), the
alternative mix typed on the sheet (60/40 by default), and the max-Sharpe and risk-parity mixes the
Efficient Frontier and Risk Parity buttons left on their sheets (a set whose block is still blank is
left out, and the status line says which button fills it). The Monte Carlo plan
(:func:`kernels.simulate_plan`) runs the client's targets on the Assumptions sheet's figures.

Both read everything first and write nothing on bad input (:func:`addin.macros._run.run`); a kernel's
message names the sheet's block (``Sim_Rebalance: ...``), not the kernel's argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

import kernels
from addin.cells.grids import to_floats
from addin.cells.values import describe, is_blank
from kernels import InputError
from workbook import simulation_blocks as B

from ._inputs import ASSUMPTION_NAMES, HOLDING_NAMES, assumptions, holdings
from ._run import Book, Macro, MacroResult, Outcome, integer, number, run, text

#: The Monte Carlo's most paths a click runs (the sheet's validation says the same).
MAX_PATHS = 1_000_000
#: Blocks of other buttons whose results are compared: name, set name, the button that fills it.
RESULT_SETS = (("Optimal_Weights", "Max Sharpe", "Efficient Frontier"), ("RP_Weights", "Risk parity", "Risk Parity"))
#: Excel's day 0 (serial numbers of dates).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)

#: The backtest kernel's argument -> the Simulation sheet's block.
BACKTEST_RENAMES = {
    "prices_or_returns": "Sim_History", "dates": "Sim_HistoryDates", "kind": "Sim_HistoryKind",
    "rebalance": "Sim_Rebalance", "band": "Sim_Band", "costs": "Sim_Costs", "start_value": "Sim_StartBalance",
    "cash_flows": "Sim_CashFlow", "cash_flow_type": "Sim_CashFlowType", "cash_flow_frequency": "Sim_CashFlowFreq",
    "inflation": "Sim_Inflation", "fees": "Sim_Fees", "risk_free": "RiskFreeRate",
}
#: The Monte Carlo kernel's argument -> the block.
PLAN_RENAMES = {
    "weights": "Holdings_Target", "years": "Sim_Years", "start_value": "Sim_StartValue", "withdrawal": "Sim_Withdrawal",
    "withdrawal_type": "Sim_WithdrawalType", "withdrawal_start": "Sim_WithdrawalStart",
    "contribution": "Sim_Contribution", "contribution_years": "Sim_ContributionYears", "inflation": "Sim_Inflation",
    "fees": "Sim_Fees", "rebalance": "Sim_PlanRebalance", "distribution": "Sim_Distribution", "n_paths": "Sim_Paths",
    "seed": "Sim_Seed", "success_target": "Sim_SuccessTarget", "cov": "Correlation", "yields": "Yields",
}


class WeightSet(NamedTuple):
    name: str
    weights: np.ndarray
    block: str  # where the weights come from, for messages
    column: int  # its column in the output blocks (0-3)


def _renamed(call: Callable[[], Any], renames: dict[str, str]) -> Any:
    """``call()``, with the leading argument name of a kernel's InputError replaced by the sheet's block (and,
    for a word that is not one of a dropdown's, the hint to pick one)."""
    try:
        return call()
    except InputError as exc:
        head, sep, rest = str(exc).partition(":")
        if not (sep and head in renames):
            raise
        if " expected one of " in rest and rest.endswith("."):
            rest = rest[:-1] + "; pick one from the list."
        raise InputError(f"{renames[head]}:{rest}") from None


def _serial(value: Any) -> float | None:
    """A date cell as Excel's serial number (FileBook and Lite read serials, Excel through xlwings a datetime)."""
    if isinstance(value, dt.datetime):
        return (value - EXCEL_EPOCH).total_seconds() / 86_400.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _to_serial(day: np.datetime64) -> float | None:
    if np.isnat(day):
        return None
    return float((day.astype("datetime64[D]") - np.datetime64("1899-12-30", "D")).astype(np.int64))


def history(inputs) -> tuple[np.ndarray, np.ndarray]:
    """``(dates as serial numbers, values with NaN gaps)`` of the monthly history; trailing blank rows dropped."""
    values = [list(r) for r in inputs["Sim_History"]]
    dates = [r[0] for r in inputs["Sim_HistoryDates"]]
    n = len(values)
    while n and is_blank(dates[n - 1]) and all(is_blank(v) for v in values[n - 1]):
        n -= 1
    if n < 2:
        raise InputError("Sim_History: fewer than 2 rows filled in; paste the monthly history, one row per month.")
    serials = np.empty(n)
    for i, d in enumerate(dates[:n]):
        x = _serial(d)
        if x is None:
            if is_blank(d):
                raise InputError(f"Sim_HistoryDates: row {i + 1} is blank; give every row of the history its date.")
            raise InputError(f"Sim_HistoryDates: {describe(d)} at row {i + 1}; enter a date.")
        serials[i] = x
    return serials, to_floats(tuple(tuple(r) for r in values[:n]), "Sim_History", blanks_as_nan=True)


def _result_set(inputs, name: str, k: int) -> np.ndarray | None:
    """The weights another button left in ``name`` (a row for Optimal_Weights' max Sharpe, else a column);
    None while the block is blank."""
    rows = inputs[name]
    cells = tuple(rows[0]) if name == "Optimal_Weights" else tuple(r[0] for r in rows)
    if all(is_blank(v) for v in cells):
        return None
    grid = (cells,) if name == "Optimal_Weights" else tuple((v,) for v in cells)
    return to_floats(grid, name).reshape(-1)[:k]


def weight_sets(inputs, classes: list[str], client_targets: np.ndarray) -> tuple[list[WeightSet], list[str]]:
    """The weight sets to compare, and a note per set left out."""
    k = len(classes)
    mix = to_floats(tuple((r[0],) for r in inputs["Sim_Mix"]), "Sim_Mix").reshape(-1)
    if mix.size != k:
        raise InputError(f"Sim_Mix: {mix.size} weights for {k} asset classes; give one per class.")
    mix_name = inputs["Sim_MixName"][0][0]
    mix_name = str(mix_name).strip() if not is_blank(mix_name) else "Alternative mix"
    sets = [WeightSet("Client target", client_targets, "Holdings_Target", 0), WeightSet(mix_name, mix, "Sim_Mix", 1)]
    left_out = []
    for j, (block, label, button) in enumerate(RESULT_SETS):
        w = _result_set(inputs, block, k)
        if w is None:
            left_out.append(f"{label} left out (click {button} first)")
        elif w.size != k:
            raise InputError(f"{block}: {w.size} weights for {k} asset classes; click {button} again.")
        else:
            sets.append(WeightSet(label, w, block, 2 + j))
    return sets, left_out


def _set_renames(sets: list[WeightSet]) -> dict[str, str]:
    """The kernel names a bad weight set ``weights (set i)`` (``weights`` when there is one): the set's block."""
    names = {f"weights (set {i + 1})": s.block for i, s in enumerate(sets)}
    if len(sets) == 1:
        names["weights"] = sets[0].block
    return names


def _stat_cell(stats, field: str, s: int) -> Any:
    value = getattr(stats, field)[s]
    if field.startswith("drawdown_"):
        if stats.max_drawdown[s] == 0:
            return "none"
        serial = _to_serial(value)
        return serial if serial is not None else "not recovered"
    x = float(value)
    return x if np.isfinite(x) else "n/a"


def _columns(sets: list[WeightSet], rows: list[list[Any]], values: Callable[[int], list[Any]],
             offset: int = 0) -> list[list[Any]]:
    """``rows`` with each set's values (``values(s)``, one per row) in its column, after ``offset`` columns."""
    for s, ws in enumerate(sets):
        for i, v in enumerate(values(s)):
            rows[i][offset + ws.column] = v
    return rows


def backtest_outputs(result, sets: list[WeightSet], k: int) -> dict[str, list[list[Any]]]:
    """The backtest's blocks: set names, weights, statistics, annual returns, growth and drawdowns."""
    blank = lambda n_rows, n_cols: [[None] * n_cols for _ in range(n_rows)]
    names = _columns(sets, blank(1, B.N_SETS), lambda s: [sets[s].name])
    point_dates = [_to_serial(d) for d in np.concatenate([result.dates[:1], result.month_ends])]
    header = lambda first: [first] + names[0]
    n_points = len(point_dates)
    return {
        "Sim_SetNames": names,
        "Sim_Weights": _columns(sets, blank(k, B.N_SETS), lambda s: sets[s].weights.tolist()),
        "Sim_Stats": _columns(sets, blank(len(B.STAT_ROWS), B.N_SETS),
                              lambda s: [_stat_cell(result.statistics, row.field, s) for row in B.STAT_ROWS]),
        "Sim_Annual": [header("Year")] + _columns(
            sets, [[int(y)] + [None] * B.N_SETS for y in result.years], lambda s: result.annual_returns[s].tolist(), 1),
        "Sim_Growth": [header("Month end")] + _columns(
            sets, [[d] + [None] * B.N_SETS for d in point_dates], lambda s: result.monthly_values[s].tolist(), 1),
        "Sim_Drawdowns": [names[0]] + _columns(sets, blank(n_points, B.N_SETS), lambda s: result.drawdowns[s].tolist()),
    }


def plan_outputs(plan, years: int) -> dict[str, list[list[Any]]]:
    """The Monte Carlo's blocks: its figures, the table by year, the fan chart's bands and title."""
    real = plan.real_value  # (5 percentiles, years + 1)
    median = B.PLAN_PERCENTILES.index(0.5)
    figures = {"success_probability": plan.success_probability, "safe_withdrawal_rate": plan.safe_withdrawal_rate,
               "perpetual_withdrawal_rate": plan.perpetual_withdrawal_rate, "median_end": real[median, -1],
               "low_end": real[0, -1], "median_return_real": plan.annual_return_real[median], "n_paths": plan.n_paths}
    stats = [[float(figures[row.field])] for row in B.PLAN_ROWS]
    fan = [[int(y), *real[:, y].tolist(), float(plan.real_income[median, y]), float(plan.survival[y])]
           for y in plan.years]
    bands = [[real[0, y], *np.diff(real[:, y]).tolist()] for y in plan.years]
    title = (f"Success {plan.success_probability:.0%} over {years} years "
             f"(safe withdrawal rate {plan.safe_withdrawal_rate:.1%})")
    return {"Sim_PlanStats": [[x if np.isfinite(x) else "n/a" for x in r] for r in stats], "Sim_Fan": fan,
            "Sim_FanBands": bands, "Sim_FanTitle": [[title]]}


def _backtest(inputs, a, sets: list[WeightSet]):
    dates, values = history(inputs)
    band = inputs["Sim_Band"][0][0]
    options = dict(
        kind=text(inputs, "Sim_HistoryKind"), dates=dates, periods_per_year=12, rebalance=text(inputs, "Sim_Rebalance"),
        band=None if is_blank(band) else number(inputs, "Sim_Band"), costs=number(inputs, "Sim_Costs"),
        start_value=number(inputs, "Sim_StartBalance"), cash_flows=number(inputs, "Sim_CashFlow"),
        cash_flow_type=text(inputs, "Sim_CashFlowType"), cash_flow_frequency=text(inputs, "Sim_CashFlowFreq"),
        inflation=number(inputs, "Sim_Inflation"), fees=number(inputs, "Sim_Fees"), risk_free=a.risk_free)
    weights = np.array([s.weights for s in sets])
    table = pd.DataFrame(values, columns=a.classes)  # the classes' names in messages and the note
    return _renamed(lambda: kernels.backtest(table, weights, **options), BACKTEST_RENAMES | _set_renames(sets))


def _plan(inputs, a, client_targets: np.ndarray, portfolio_value: float):
    n_paths = integer(inputs, "Sim_Paths")
    if n_paths > MAX_PATHS:
        raise InputError(f"Sim_Paths: at most {MAX_PATHS:,} paths a click, got {n_paths:,}; use xlfolio simulate "
                         "for more.")
    options = dict(
        cov=a.cov, expected_returns=a.expected_returns, yields=a.yields, years=integer(inputs, "Sim_Years"),
        start_value=portfolio_value if is_blank(inputs["Sim_StartValue"][0][0]) else number(inputs, "Sim_StartValue"),
        withdrawal=number(inputs, "Sim_Withdrawal"),
        withdrawal_type=text(inputs, "Sim_WithdrawalType"), withdrawal_start=integer(inputs, "Sim_WithdrawalStart"),
        contribution=number(inputs, "Sim_Contribution"), contribution_years=integer(inputs, "Sim_ContributionYears"),
        inflation=number(inputs, "Sim_Inflation"), fees=number(inputs, "Sim_Fees"),
        rebalance=text(inputs, "Sim_PlanRebalance"), distribution=text(inputs, "Sim_Distribution"), n_paths=n_paths,
        seed=integer(inputs, "Sim_Seed"), success_target=number(inputs, "Sim_SuccessTarget"),
        percentiles=B.PLAN_PERCENTILES)
    return _renamed(lambda: kernels.simulate_plan(client_targets, **options), PLAN_RENAMES)


def compute(inputs, shapes) -> Outcome:
    a = assumptions(inputs)
    h = holdings(inputs, a.classes)
    k = len(a.classes)
    client_targets = np.zeros(k)
    for cls, target in zip(h.classes, h.targets):
        client_targets[a.classes.index(cls)] += target
    sets, left_out = weight_sets(inputs, a.classes, client_targets)
    result = _backtest(inputs, a, sets)
    plan = _plan(inputs, a, client_targets, h.total)
    years = integer(inputs, "Sim_Years")
    outputs = backtest_outputs(result, sets, k) | plan_outputs(plan, years)
    stats = result.statistics
    message = (f"backtest {result.note.removeprefix('common period ')}: " + ", ".join(
        f"{s.name} {stats.cagr[i]:.1%} a year" for i, s in enumerate(sets))
        + f"; plan: success {plan.success_probability:.0%} over {years} years ({plan.n_paths:,} paths)")
    if left_out:
        message += "; " + "; ".join(left_out)
    outputs["Sim_Info"] = [[message]]
    return Outcome(outputs, message)


MACRO = Macro(
    name="simulate",
    label="Simulate",
    reads=ASSUMPTION_NAMES + HOLDING_NAMES + B.INPUT_NAMES + tuple(name for name, _, _ in RESULT_SETS),
    writes=B.OUTPUT_NAMES,
    compute=compute,
    progress="backtesting and simulating the plan",
    renames={"correlation": "Correlation", "vols": "Vols", "expected_returns": "ExpReturns"},
)


def simulate(book: Book | None = None) -> MacroResult:
    """Simulate button: fill the Simulation sheet (backtest of the weight sets, Monte Carlo plan, charts)."""
    return run(MACRO, book)
