"""Cell functions of simulation: backtests of weight sets, and Monte Carlo income plans.

Every function is deterministic (the Monte Carlo's ``seed`` defaults to 0), so a value Excel stored
stays right until an input changes. The Monte Carlo functions take at most :data:`MAX_CELL_PATHS`
paths: a cell recalculates often; the Simulate button and ``xlfolio simulate`` run more.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import kernels
from addin import cells
from addin.catalogue import cell_function

from . import _simulation_inputs as inputs
from ._docs import HEADER_DOC, MU_DOC, WEIGHTS_DOC

#: Most Monte Carlo paths a cell runs.
MAX_CELL_PATHS = 100_000
PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
_EPOCH = np.datetime64("1899-12-30", "D")

HISTORY_DOC = ("History, one row per date (oldest first), one column per asset: prices or returns; a first column "
               "of dates and a header row of names are allowed; blanks are gaps.")
SETS_DOC = ("Target weights: one column per weight set (a header row of set names allowed), one row per asset of "
            "prices; or one row or column for one set. Each set sums to 1.")
BACKTEST_DOCS = {
    "rebalance": "Optional: none, daily, monthly, quarterly, semiannual, annual, bands or cash_flow. Default annual.",
    "band": "Optional band in weight points (0.05: trade when a weight is 5 points off its target). Default none.",
    "costs_bp": "Optional transaction costs in basis points of the value traded (10 is 0.10%). Default 0.",
    "start_value": "Optional value invested at the start, currency. Default 10,000.",
    "cash_flow": ("Optional deposit (+) or withdrawal (-) on each flow date, currency (with cash_flow_type percent "
                  "a fraction of the value). Default 0."),
    "cash_flow_type": "Optional: fixed, inflation_adjusted or percent. Default fixed.",
    "cash_flow_frequency": "Optional: monthly, quarterly, semiannual or annual. Default annual.",
    "inflation": "Optional yearly inflation for inflation-adjusted cash flows. Default 0.025.",
    "fees": "Optional yearly fee, a fraction of the value (0.005 is 0.5%). Default 0.",
    "risk_free": "Optional yearly risk-free rate for the Sharpe and Sortino ratios. Default 0.",
    "benchmark": ("Optional benchmark: the name of a column of prices (its header), or a column of its prices (or "
                  "returns), one per row. Adds its correlation."),
    "data_kind": "Optional: prices or returns (what the history holds). Default prices.",
    "periods_per_year": "Optional rows per year when the history has no date column: 12 monthly, 252 daily. Default 12.",
    "relative_band": "Optional band as a fraction of each target (0.25: a 40% target may drift 10 points). Default none.",
    "mode": "Optional: to_target or to_band (trade only back to the band's edge). Default to_target.",
    "yields": ("Optional yearly income yield per asset, one or one per asset (leave 0 when prices include "
               "dividends). Default 0."),
    "income": "Optional: reinvest or pay_out. Default reinvest.",
}
BACKTEST_RENAMES = {"prices_or_returns": "prices", "dates": "prices", "costs": "costs_bp", "kind": "data_kind",
                    "cash_flows": "cash_flow"}
SERIES_OUTPUTS = ("values", "drawdowns", "annual", "monthly", "weights")

PLAN_MODEL_DOCS = {
    "expected_returns": "Optional " + MU_DOC[0].lower() + MU_DOC[1:] + " Default: the 5 asset classes' figures.",
    "volatilities": "Optional yearly volatility per asset (0.16 is 16%). Default: the 5 asset classes' figures.",
    "correlations": "Optional correlation matrix of the assets (square). Default: the 5 asset classes' (none: 0).",
}
PLAN_DOCS = {
    "years": "Optional length of the plan in years, 1 to 100. Default 30.",
    "start_value": "Optional value today, currency. Default 1,000,000.",
    "withdrawal": ("Optional yearly withdrawal: currency (fixed_real: in today's money) or a fraction of the value "
                   "(percent). Default 40,000."),
    "withdrawal_type": "Optional: fixed_real, fixed_nominal, percent or income (spend the yields). Default fixed_real.",
    "inflation": "Optional yearly inflation. Default 0.025.",
    "withdrawal_start": "Optional years from now until withdrawals start. Default 0.",
    "contribution": "Optional yearly contribution in today's money. Default 0.",
    "contribution_years": "Optional years of contributions, from now. Default 0.",
    "fees": "Optional yearly fee, a fraction of the value (0.005 is 0.5%). Default 0.",
    "rebalance": "Optional: none, monthly, quarterly, semiannual or annual. Default annual.",
    "yields": "Optional yearly income yield, one or one per asset. Default: the 5 asset classes' yields, else 0.",
    "distribution": "Optional: normal, lognormal or student_t (5 degrees of freedom). Default normal.",
    "n_paths": f"Optional number of simulated paths, 1 to {MAX_CELL_PATHS:,}. Default 2,000.",
    "seed": "Optional seed of the random numbers: the same seed gives the same result. Default 0.",
}
TARGET_DOC = "Optional probability the rate must succeed with (0.9 is 90%). Default 0.9."
PLAN_RENAMES = {"cov": "volatilities"}


def _text(value, name: str) -> str:
    return cells.text(value, name)


def _optional_vector(value, name: str):
    return None if value is None else cells.vector(value, name).values


def _backtest(prices, weights, rebalance, band, costs_bp, start_value, cash_flow, cash_flow_type,
              cash_flow_frequency, inflation, fees, risk_free, benchmark, data_kind, periods_per_year, relative_band,
              mode, yields, income):
    """Read the cells and run :func:`kernels.backtest`; returns (result, set names, history)."""
    hist = inputs.history(prices, "prices")
    n_assets = hist.values.shape[1]
    sets = inputs.weight_sets(weights, "weights", n_assets)
    data = hist.values if hist.labels is None else pd.DataFrame(hist.values, columns=hist.labels)
    options = dict(
        kind=_text(data_kind, "data_kind"), dates=hist.dates,  # rows per year: from the dates when there are any
        periods_per_year=None if hist.dates is not None else cells.integer(periods_per_year, "periods_per_year"),
        rebalance=_text(rebalance, "rebalance"),
        band=None if band is None else cells.number_or_vector(band, "band"),
        relative_band=None if relative_band is None else cells.number(relative_band, "relative_band"),
        mode=_text(mode, "mode"), cash_flows=cells.number(cash_flow, "cash_flow"),
        cash_flow_type=_text(cash_flow_type, "cash_flow_type"),
        cash_flow_frequency=_text(cash_flow_frequency, "cash_flow_frequency"),
        inflation=cells.number(inflation, "inflation"), costs=cells.number_or_vector(costs_bp, "costs_bp"),
        fees=cells.number(fees, "fees"), yields=cells.number_or_vector(yields, "yields"), income=_text(income, "income"),
        start_value=cells.number(start_value, "start_value"), risk_free=cells.number(risk_free, "risk_free"),
        benchmark=None if benchmark is None else inputs.benchmark(benchmark, "benchmark", hist))
    try:
        result = kernels.backtest(data, sets.weights, **options)
    except kernels.InputError as exc:
        message = str(exc)
        if message.split(":", 1)[0] in ("prices_or_returns", "dates"):
            message = inputs.in_selection(message, hist.offset)
        raise kernels.InputError(message) from None
    return result, sets.names, hist


def _date_text(day: np.datetime64) -> str | None:
    return None if np.isnat(day) else str(day.astype("datetime64[D]"))


def _serials(days: np.ndarray) -> list[float]:
    return [float((d - _EPOCH).astype(np.int64)) for d in days.astype("datetime64[D]")]


def _number(x: float) -> Any:
    return float(x) if np.isfinite(x) else "n/a"


#: BACKTEST's rows: label, field of kernels.BacktestStatistics, how a value shows ("number" or "date").
STATISTICS = (
    ("Start balance", "start_balance", "number"), ("End balance", "end_balance", "number"),
    ("CAGR", "cagr", "number"), ("Time-weighted return", "twrr", "number"),
    ("Money-weighted return", "mwrr", "number"), ("Stdev", "stdev", "number"),
    ("Best year", "best_year", "number"), ("Worst year", "worst_year", "number"),
    ("Max. drawdown", "max_drawdown", "number"), ("Max. drawdown (balance)", "max_drawdown_balance", "number"),
    ("Drawdown peak", "drawdown_peak", "date"), ("Drawdown trough", "drawdown_trough", "date"),
    ("Recovery", "drawdown_recovery", "date"), ("Sharpe ratio", "sharpe", "number"),
    ("Sortino ratio", "sortino", "number"), ("Benchmark correlation", "benchmark_correlation", "number"),
    ("Total income", "total_income", "number"), ("Contributions", "total_contributions", "number"),
    ("Withdrawals", "total_withdrawals", "number"), ("Shortfall", "shortfall", "number"),
    ("Turnover / year", "turnover_per_year", "number"), ("Costs paid", "costs_paid", "number"),
    ("Fees paid", "fees_paid", "number"), ("Years", "years", "number"),
)
STATISTIC_LABELS = ", ".join(label for label, _, _ in STATISTICS)


def _statistic(stats, field: str, how: str, s: int, dated: bool) -> Any:
    if how == "date":
        if stats.max_drawdown[s] == 0:
            return "none"
        if not dated:
            return "n/a (no dates)"
        text = _date_text(getattr(stats, field)[s])
        return text if text is not None else "not recovered"
    return _number(getattr(stats, field)[s])


@cell_function(
    args={"prices": HISTORY_DOC, "weights": SETS_DOC, **BACKTEST_DOCS, "header": HEADER_DOC},
    result=("Statistics table, one column per weight set (header: the set names): " + STATISTIC_LABELS
            + " (benchmark correlation only with a benchmark; dates as text), then the period used."),
    example='=BACKTEST(Prices!A4:U2524, Sets!B1:D21, "quarterly", , 10)', renames=BACKTEST_RENAMES,
    call_in_wizard=False)
def BACKTEST(prices, weights, rebalance="annual", band=None, costs_bp=0.0, start_value=10_000.0, cash_flow=0.0,
             cash_flow_type="fixed", cash_flow_frequency="annual", inflation=0.025, fees=0.0, risk_free=0.0,
             benchmark=None, data_kind="prices", periods_per_year=12.0, relative_band=None, mode="to_target",
             yields=0.0, income="reinvest", header=True):
    """Backtest of weight sets under a rebalancing policy: Portfolio Visualizer's statistics, one column per set."""
    result, names, hist = _backtest(prices, weights, rebalance, band, costs_bp, start_value, cash_flow,
                                    cash_flow_type, cash_flow_frequency, inflation, fees, risk_free, benchmark,
                                    data_kind, periods_per_year, relative_band, mode, yields, income)
    stats, dated = result.statistics, hist.dates is not None
    rows = [["Statistic", *names]] if cells.flag(header, "header") else []
    for label, field, how in STATISTICS:
        if field == "benchmark_correlation" and benchmark is None:
            continue
        rows.append([label, *(_statistic(stats, field, how, s, dated) for s in range(len(names)))])
    rows.append(["Period", *[result.note] * len(names)])
    return rows


@cell_function(
    args={"prices": HISTORY_DOC, "weights": SETS_DOC,
          "output": ("Optional: values (month-end value of each set: the growth chart), drawdowns, monthly "
                     "(returns), annual (returns) or weights (the first set's). Default values."),
          **BACKTEST_DOCS, "header": HEADER_DOC},
    result=("A date column (Excel dates; years for annual; periods without dates), then one column per weight set "
            "(one per asset for weights): the start and every month end."),
    example='=BACKTEST_SERIES(Prices!A4:U2524, Sets!B1:D21, "drawdowns", "quarterly")', renames=BACKTEST_RENAMES,
    call_in_wizard=False)
def BACKTEST_SERIES(prices, weights, output="values", rebalance="annual", band=None, costs_bp=0.0,
                    start_value=10_000.0, cash_flow=0.0, cash_flow_type="fixed", cash_flow_frequency="annual",
                    inflation=0.025, fees=0.0, risk_free=0.0, benchmark=None, data_kind="prices",
                    periods_per_year=12.0, relative_band=None, mode="to_target", yields=0.0, income="reinvest",
                    header=True):
    """Paths of a backtest for charts: month-end values, drawdowns, monthly or annual returns, or weights."""
    what = cells.choice(output, "output", {w: w for w in SERIES_OUTPUTS})
    result, names, hist = _backtest(prices, weights, rebalance, band, costs_bp, start_value, cash_flow,
                                    cash_flow_type, cash_flow_frequency, inflation, fees, risk_free, benchmark,
                                    data_kind, periods_per_year, relative_band, mode, yields, income)
    dated = hist.dates is not None
    points = np.concatenate([result.dates[:1], result.month_ends])
    first = _serials(points) if dated else list(map(float, range(points.size)))
    label = "Date" if dated else "Period"
    if what == "annual":
        first, label = [float(y) for y in result.years], "Year"
        body = result.annual_returns.T
    elif what == "monthly":
        first = first[1:]
        body = result.monthly_returns.T
    elif what == "drawdowns":
        body = result.drawdowns.T
    elif what == "weights":
        rows = np.searchsorted(result.dates, points) if dated else np.arange(result.dates.size)
        first = first if dated else list(map(float, rows))
        body = result.weights[0][rows]
        names = list(hist.labels) if hist.labels is not None else cells.asset_labels(body.shape[1])
    else:
        body = result.monthly_values.T
    table = np.column_stack([first, body])
    return cells.spill_table(table, [label, *names] if cells.flag(header, "header") else None)


# ----------------------------------------------------------------------------- Monte Carlo plans

def _paths(n_paths) -> int:
    n = cells.integer(n_paths, "n_paths")
    if n > MAX_CELL_PATHS:
        raise kernels.InputError(f"n_paths: at most {MAX_CELL_PATHS:,} in a cell, got {n:,}; use the Simulate "
                                 "button or xlfolio simulate for more.")
    return n


def _model(expected_returns, volatilities, correlations) -> dict:
    return {"expected_returns": _optional_vector(expected_returns, "expected_returns"),
            "volatilities": _optional_vector(volatilities, "volatilities"),
            "correlations": None if correlations is None else cells.matrix(correlations, "correlations")}


def _plan(weights, model: dict, years, start_value, inflation, withdrawal_start, contribution, contribution_years,
          fees, rebalance, yields, distribution, n_paths, seed, **options):
    """Read the cells and run :func:`kernels.simulate_plan`."""
    return kernels.simulate_plan(
        cells.vector(weights, "weights").values, **model, years=cells.integer(years, "years"),
        start_value=cells.number(start_value, "start_value"), inflation=cells.number(inflation, "inflation"),
        withdrawal_start=cells.integer(withdrawal_start, "withdrawal_start"),
        contribution=cells.number(contribution, "contribution"),
        contribution_years=cells.integer(contribution_years, "contribution_years"), fees=cells.number(fees, "fees"),
        rebalance=_text(rebalance, "rebalance"),
        yields=None if yields is None else cells.number_or_vector(yields, "yields"),
        distribution=_text(distribution, "distribution"), n_paths=_paths(n_paths), seed=cells.integer(seed, "seed"),
        **options)


def _withdrawals(withdrawal, withdrawal_type) -> dict:
    return {"withdrawal": cells.number(withdrawal, "withdrawal"),
            "withdrawal_type": _text(withdrawal_type, "withdrawal_type")}


def _rate(rate: float) -> float:
    if not np.isfinite(rate):
        raise kernels.InputError("start_value: is 0; withdrawal rates are fractions of the start value, enter one.")
    return float(rate)


PLAN_ARGS = {"weights": WEIGHTS_DOC, **PLAN_MODEL_DOCS, **PLAN_DOCS}
RATE_ARGS = {"weights": WEIGHTS_DOC, **PLAN_MODEL_DOCS, "success_target": TARGET_DOC,
             **{k: v for k, v in PLAN_DOCS.items() if k not in ("withdrawal", "withdrawal_type")}}


@cell_function(args=PLAN_ARGS,
               result="Probability (0 to 1) that every fixed withdrawal is paid in full to the end of the plan.",
               example="=PLAN_SUCCESS(B2:B6, ExpReturns, Vols, Correlation, 30, 1000000, 40000)",
               renames=PLAN_RENAMES, call_in_wizard=False)
def PLAN_SUCCESS(weights, expected_returns=None, volatilities=None, correlations=None, years=30.0,
                 start_value=1_000_000.0, withdrawal=40_000.0, withdrawal_type="fixed_real", inflation=0.025,
                 withdrawal_start=0.0, contribution=0.0, contribution_years=0.0, fees=0.0, rebalance="annual",
                 yields=None, distribution="normal", n_paths=2_000.0, seed=0.0):
    """Monte Carlo probability that a plan's withdrawals last: monthly paths, rebalanced, with inflation."""
    plan = _plan(weights, _model(expected_returns, volatilities, correlations), years, start_value, inflation,
                 withdrawal_start, contribution, contribution_years, fees, rebalance, yields, distribution, n_paths,
                 seed, **_withdrawals(withdrawal, withdrawal_type))
    return plan.success_probability


@cell_function(args=RATE_ARGS,
               result=("Yearly withdrawal as a fraction of the start value, raised with inflation, that lasts on "
                       "success_target of the paths (0.035 is 3.5%)."),
               example="=SAFE_WITHDRAWAL_RATE(B2:B6, ExpReturns, Vols, Correlation, 0.9, 30)",
               renames=PLAN_RENAMES, call_in_wizard=False)
def SAFE_WITHDRAWAL_RATE(weights, expected_returns=None, volatilities=None, correlations=None, success_target=0.9,
                         years=30.0, start_value=1_000_000.0, inflation=0.025, withdrawal_start=0.0,
                         contribution=0.0, contribution_years=0.0, fees=0.0, rebalance="annual", yields=None,
                         distribution="normal", n_paths=2_000.0, seed=0.0):
    """The highest inflation-adjusted withdrawal rate that succeeds with the target probability (Monte Carlo)."""
    plan = _plan(weights, _model(expected_returns, volatilities, correlations), years, start_value, inflation,
                 withdrawal_start, contribution, contribution_years, fees, rebalance, yields, distribution, n_paths,
                 seed, success_target=cells.number(success_target, "success_target"))
    return _rate(plan.safe_withdrawal_rate)


@cell_function(args=RATE_ARGS,
               result=("Yearly withdrawal as a fraction of the start value, raised with inflation, that keeps the "
                       "value in today's money at least the start value on success_target of the paths."),
               example="=PERPETUAL_WITHDRAWAL_RATE(B2:B6, ExpReturns, Vols, Correlation, 0.9, 30)",
               renames=PLAN_RENAMES, call_in_wizard=False)
def PERPETUAL_WITHDRAWAL_RATE(weights, expected_returns=None, volatilities=None, correlations=None,
                              success_target=0.9, years=30.0, start_value=1_000_000.0, inflation=0.025,
                              withdrawal_start=0.0, contribution=0.0, contribution_years=0.0, fees=0.0,
                              rebalance="annual", yields=None, distribution="normal", n_paths=2_000.0, seed=0.0):
    """The highest inflation-adjusted withdrawal rate that also keeps the real value (Monte Carlo)."""
    plan = _plan(weights, _model(expected_returns, volatilities, correlations), years, start_value, inflation,
                 withdrawal_start, contribution, contribution_years, fees, rebalance, yields, distribution, n_paths,
                 seed, success_target=cells.number(success_target, "success_target"))
    return _rate(plan.perpetual_withdrawal_rate)


SUMMARY_LABELS = ("Success probability", "Safe withdrawal rate", "Perpetual withdrawal rate", "Success target",
                  "Median value at the end (today's money)", "10th percentile at the end (today's money)",
                  "90th percentile at the end (today's money)", "Median yearly return", "Median yearly return (real)",
                  "Paths", "Seed")


def _summary(plan) -> list[list[Any]]:
    real, m = plan.real_value, PERCENTILES.index(0.5)
    values = (plan.success_probability, plan.safe_withdrawal_rate, plan.perpetual_withdrawal_rate,
              plan.success_target, real[m, -1], real[0, -1], real[-1, -1], plan.annual_return[m],
              plan.annual_return_real[m], plan.n_paths, plan.seed)
    return [[label, _number(v)] for label, v in zip(SUMMARY_LABELS, values)]


@cell_function(args={**PLAN_ARGS, "success_target": TARGET_DOC},
               result="Two columns, label and value: " + ", ".join(SUMMARY_LABELS) + ".",
               example="=PLAN_SUMMARY(B2:B6, ExpReturns, Vols, Correlation, 30, 1000000, 40000)",
               renames=PLAN_RENAMES, call_in_wizard=False)
def PLAN_SUMMARY(weights, expected_returns=None, volatilities=None, correlations=None, years=30.0,
                 start_value=1_000_000.0, withdrawal=40_000.0, withdrawal_type="fixed_real", inflation=0.025,
                 withdrawal_start=0.0, contribution=0.0, contribution_years=0.0, fees=0.0, rebalance="annual",
                 yields=None, distribution="normal", n_paths=2_000.0, seed=0.0, success_target=0.9):
    """Monte Carlo summary of a plan: success probability, safe and perpetual withdrawal rates, end values."""
    return _summary(_plan(weights, _model(expected_returns, volatilities, correlations), years, start_value,
                          inflation, withdrawal_start, contribution, contribution_years, fees, rebalance, yields,
                          distribution, n_paths, seed, success_target=cells.number(success_target, "success_target"),
                          **_withdrawals(withdrawal, withdrawal_type)))


PERCENTILE_OUTPUTS = {"real": "real_value", "nominal": "nominal_value", "income": "real_income"}


@cell_function(
    args={"weights": WEIGHTS_DOC, **PLAN_MODEL_DOCS,
          "output": ("Optional: real (value in today's money), nominal (in money of the day) or income (paid each "
                     "year, today's money). Default real."),
          "percentiles": "Optional percentile levels, a row or column of fractions (0.1 is the 10th). Default 0.1 to 0.9.",
          **PLAN_DOCS, "header": HEADER_DOC},
    result="One row per year (0 is today): the year, then one column per percentile. The fan chart's data.",
    example='=PLAN_PERCENTILES(B2:B6, ExpReturns, Vols, Correlation, "real")', renames=PLAN_RENAMES,
    call_in_wizard=False)
def PLAN_PERCENTILES(weights, expected_returns=None, volatilities=None, correlations=None, output="real",
                     percentiles=None, years=30.0, start_value=1_000_000.0, withdrawal=40_000.0,
                     withdrawal_type="fixed_real", inflation=0.025, withdrawal_start=0.0, contribution=0.0,
                     contribution_years=0.0, fees=0.0, rebalance="annual", yields=None, distribution="normal",
                     n_paths=2_000.0, seed=0.0, header=True):
    """Percentiles of a plan's value (or income) by year, from Monte Carlo paths: the fan chart."""
    field = cells.choice(output, "output", PERCENTILE_OUTPUTS)
    levels = PERCENTILES if percentiles is None else cells.vector(percentiles, "percentiles").values
    plan = _plan(weights, _model(expected_returns, volatilities, correlations), years, start_value, inflation,
                 withdrawal_start, contribution, contribution_years, fees, rebalance, yields, distribution, n_paths,
                 seed, percentiles=levels, **_withdrawals(withdrawal, withdrawal_type))
    table = np.column_stack([plan.years.astype(float), getattr(plan, field).T])
    labels = ["Year", *(f"{100 * q:g}%" for q in plan.percentiles)]
    return cells.spill_table(table, labels if cells.flag(header, "header") else None)


HISTORY_MODELS = {"bootstrap": "bootstrap", "statistical": "statistical"}


@cell_function(
    args={"history": HISTORY_DOC.replace("one column per asset", "one column per asset of weights"),
          "weights": WEIGHTS_DOC,
          "returns_model": ("Optional: bootstrap (draw whole historical months) or statistical (normal with the "
                            "history's monthly mean and covariance). Default bootstrap."),
          "block_months": "Optional months per bootstrap block (12 keeps a year's months together). Default 1.",
          "data_kind": "Optional: prices or returns (what the history holds). Default prices.",
          "periods_per_year": "Optional rows per year when the history has no date column: 12 monthly. Default 12.",
          **{k: v for k, v in PLAN_DOCS.items() if k != "yields"}, "success_target": TARGET_DOC},
    result="Two columns, label and value, as PLAN_SUMMARY: " + ", ".join(SUMMARY_LABELS[:3]) + ", ...",
    example='=PLAN_HISTORY(Prices!A4:U2524, Sets!B2:B21, "bootstrap", 12)', renames={"history_kind": "data_kind",
    "history_periods_per_year": "periods_per_year", "dates": "history", "history_dates": "history"},
    call_in_wizard=False)
def PLAN_HISTORY(history, weights, returns_model="bootstrap", block_months=1.0, data_kind="prices",
                 periods_per_year=12.0, years=30.0, start_value=1_000_000.0, withdrawal=40_000.0,
                 withdrawal_type="fixed_real", inflation=0.025, withdrawal_start=0.0, contribution=0.0,
                 contribution_years=0.0, fees=0.0, rebalance="annual", distribution="normal", n_paths=2_000.0,
                 seed=0.0, success_target=0.9):
    """Monte Carlo summary of a plan whose returns come from a history: bootstrapped months or their statistics."""
    hist = inputs.history(history, "history")
    model = {"returns_model": cells.choice(returns_model, "returns_model", HISTORY_MODELS),
             "history": hist.values, "history_kind": _text(data_kind, "data_kind"), "history_dates": hist.dates,
             "history_periods_per_year": cells.integer(periods_per_year, "periods_per_year"),
             "block_months": cells.integer(block_months, "block_months")}
    try:
        plan = _plan(weights, model, years, start_value, inflation, withdrawal_start, contribution,
                     contribution_years, fees, rebalance, None, distribution, n_paths, seed,
                     success_target=cells.number(success_target, "success_target"),
                     **_withdrawals(withdrawal, withdrawal_type))
    except kernels.InputError as exc:
        message = str(exc)
        if message.split(":", 1)[0] in ("history", "dates"):
            message = inputs.in_selection(message, hist.offset)
        raise kernels.InputError(message) from None
    return _summary(plan)
