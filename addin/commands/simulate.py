"""``xlfolio simulate``: a backtest and a Monte Carlo income plan from CSV files, printed (and written as CSVs).

Input files (UTF-8 CSV, a header line first; "line N" in messages counts lines as an editor does):

PRICES.csv
    ``date, <asset>, <asset>, ...``: ISO dates (oldest first), then prices (or returns with
    ``--returns``) per asset; a blank is a gap. Default: the bundled 20 stocks (2012-12-26 to 2022-12-28).
WEIGHTS.csv
    ``asset, <set name>, <set name>, ...``: one line per asset of PRICES (assets left out get 0), one
    column per weight set. Default: the bundled sample portfolio and equal weights.
PLAN_WEIGHTS.csv
    ``asset, weight``: the plan's weights, one line per asset class of the assumptions (or per asset of
    PRICES with ``--model bootstrap`` or ``statistical``). Default: the sample client's targets by class.
ASSUMPTIONS.csv, CORRELATIONS.csv
    The Assumptions sheet's text sources (``asset_class, expected_return, volatility, yield, ...`` and
    the correlation matrix with the classes as first column). Default: those of the template.

With the defaults the plan is the Simulation sheet's: the sample client's targets, its value today and a
first withdrawal of 4% of it. A progress bar on stderr follows Monte Carlo runs of 20,000 paths or more.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from kernels import (
    CASH_FLOW_FREQUENCIES,
    CASH_FLOW_TYPES,
    PLAN_DISTRIBUTIONS,
    PLAN_REBALANCE,
    REBALANCE_POLICIES,
    RETURN_MODELS,
    WITHDRAWAL_TYPES,
    PortfolioError,
    backtest,
    simulate_plan,
)
from workbook import layout as L
from workbook.sample_data import SAMPLE_PRICES
from workbook.sheets.simulation import SAMPLE_WITHDRAWAL_RATE

SAMPLE_WEIGHTS = L.HERE / "data" / "sample_portfolio.csv"
#: A progress bar is drawn for runs of at least this many paths.
PROGRESS_PATHS = 20_000
PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
#: Statistics printed: label, field of kernels.BacktestStatistics, format.
STATISTICS = (
    ("Start balance", "start_balance", "money"), ("End balance", "end_balance", "money"), ("CAGR", "cagr", "pct"),
    ("Stdev", "stdev", "pct"), ("Best year", "best_year", "pct"), ("Worst year", "worst_year", "pct"),
    ("Max. drawdown", "max_drawdown", "pct"), ("Drawdown peak", "drawdown_peak", "date"),
    ("Drawdown trough", "drawdown_trough", "date"), ("Recovery", "drawdown_recovery", "date"),
    ("Sharpe ratio", "sharpe", "ratio"), ("Sortino ratio", "sortino", "ratio"),
    ("Benchmark correlation", "benchmark_correlation", "ratio"), ("Turnover / year", "turnover_per_year", "pct"),
    ("Costs paid", "costs_paid", "money"), ("Contributions", "total_contributions", "money"),
    ("Withdrawals", "total_withdrawals", "money"),
)


class InputFileError(PortfolioError):
    """A bad input file: the message names the file and the line."""


# ----------------------------------------------------------------------------- reading the files

def _rows(path: Path) -> list[list[str]]:
    """The lines of a CSV file (blank lines at the end dropped)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a folder; give a CSV file.") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text (byte {exc.start + 1}); save it as CSV UTF-8.") from None
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise InputFileError(f"{path}: is empty; it needs a header line and data lines.")
    width = len(rows[0])
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != width:
            raise InputFileError(f"{path} line {i}: {len(r)} fields, the header has {width}; one field per column.")
    return rows


def _number(path: Path, line: int, column: str, text: str, blank_ok: bool) -> float:
    if text == "" and blank_ok:
        return np.nan
    try:
        x = float(text)
    except ValueError:
        x = None
    if x is None or not np.isfinite(x):
        what = "blank" if text == "" else f"'{text}'"
        raise InputFileError(f"{path} line {line}, column {column}: {what} is not a number; fix the file.")
    return x


def read_history(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(asset names, dates, values with NaN gaps)`` of a PRICES file."""
    rows = _rows(path)
    if len(rows) < 3 or len(rows[0]) < 2:
        raise InputFileError(f"{path}: needs a header line (date, asset names) and at least 2 lines of data.")
    names = rows[0][1:]
    dates = []
    for i, r in enumerate(rows[1:], start=2):
        try:
            dates.append(np.datetime64(r[0], "D"))
        except ValueError:
            raise InputFileError(f"{path} line {i}: '{r[0]}' is not a date; write dates as YYYY-MM-DD.") from None
    values = np.array([[_number(path, i, names[j], c, True) for j, c in enumerate(r[1:])]
                       for i, r in enumerate(rows[1:], start=2)])
    return names, np.array(dates, dtype="datetime64[D]"), values


def read_weights(path: Path, assets: list[str], what: str) -> tuple[list[str], np.ndarray]:
    """``(set names, weights (n_sets, n_assets))`` of a WEIGHTS file; ``assets`` not listed get 0."""
    rows = _rows(path)
    if len(rows) < 2 or len(rows[0]) < 2:
        raise InputFileError(f"{path}: needs a header line (asset, set names) and one line per asset.")
    names = rows[0][1:]
    weights = np.zeros((len(names), len(assets)))
    seen = set()
    for i, r in enumerate(rows[1:], start=2):
        if r[0] not in assets:
            raise InputFileError(f"{path} line {i}: '{r[0]}' is not one of the {what}; use its name there.")
        if r[0] in seen:
            raise InputFileError(f"{path} line {i}: '{r[0]}' is listed twice; give each asset one line.")
        seen.add(r[0])
        weights[:, assets.index(r[0])] = [_number(path, i, names[j], c, False) for j, c in enumerate(r[1:])]
    return names, weights


def read_assumptions(assumptions: Path, correlations: Path) -> dict[str, Any]:
    """Asset classes, expected returns, volatilities, yields and correlations of the Assumptions sheet's sources."""
    rows = _rows(assumptions)
    header = [c.lower() for c in rows[0]]
    need = ("asset_class", "expected_return", "volatility", "yield")
    missing = [c for c in need if c not in header]
    if missing:
        raise InputFileError(f"{assumptions} line 1: missing column(s) {', '.join(missing)}.")
    col = {c: header.index(c) for c in need}
    classes = [r[col["asset_class"]] for r in rows[1:]]
    numbers = {c: np.array([_number(assumptions, i, c, r[col[c]], False) for i, r in enumerate(rows[1:], start=2)])
               for c in need[1:]}
    corr_rows = _rows(correlations)
    order = [r[0] for r in corr_rows[1:]]
    if order != classes or corr_rows[0][1:] != classes:
        raise InputFileError(f"{correlations}: its rows and columns must list the classes of {assumptions} in order "
                             f"({', '.join(classes)}).")
    corr = np.array([[_number(correlations, i, classes[j], c, False) for j, c in enumerate(r[1:])]
                     for i, r in enumerate(corr_rows[1:], start=2)])
    return {"classes": classes, "expected_returns": numbers["expected_return"],
            "volatilities": numbers["volatility"], "yields": numbers["yield"], "correlations": corr}


def sample_client() -> tuple[list[str], np.ndarray, float]:
    """The sample client's (classes, target weight by class, value today) from the template's sources."""
    classes = [r["asset_class"] for r in L.read_csv(L.ASSUMPTIONS_CSV)]
    targets = np.zeros(len(classes))
    value = 0.0
    for h in L.read_csv(L.SAMPLE_CLIENT_CSV):
        targets[classes.index(h["asset_class"])] += float(h["target_weight"])
        value += float(h["shares"]) * float(h["price"])
    return classes, targets, value


# ----------------------------------------------------------------------------- output

class ProgressBar:
    """``label |#####     | done/total paths`` on stderr, redrawn in place."""

    def __init__(self, label: str, stream=None, width: int = 30) -> None:
        self.label, self.width = label, width
        self.stream = stream if stream is not None else sys.stderr

    def __call__(self, done: int, total: int) -> None:
        filled = int(self.width * done / max(total, 1))
        self.stream.write(f"\r{self.label} |{'#' * filled}{' ' * (self.width - filled)}| "
                          f"{done / max(total, 1):4.0%} {done:,}/{total:,} paths")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _show(value: Any, fmt: str, recovered_from: float = -1.0) -> str:
    if fmt == "date":
        if recovered_from == 0:
            return "none"
        return "not recovered" if np.isnat(value) else str(value)
    x = float(value)
    if not np.isfinite(x):
        return "n/a"
    return {"money": f"{x:,.0f}", "pct": f"{x:.2%}", "ratio": f"{x:.2f}"}[fmt]


def statistics_table(stats, names: list[str], has_benchmark: bool) -> list[list[str]]:
    """Rows ``[label, value per set]`` of the backtest statistics, as text."""
    rows = []
    for label, field, fmt in STATISTICS:
        if field == "benchmark_correlation" and not has_benchmark:
            continue
        rows.append([label, *(_show(getattr(stats, field)[s], fmt, stats.max_drawdown[s]) for s in range(len(names)))])
    return rows


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[j])) for r in [header, *rows]) for j in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) if j == 0 else str(c).rjust(w) for j, (c, w) in enumerate(zip(r, widths)))
             for r in [header, *rows]]
    return "\n".join(lines)


def plan_lines(plan, years: int, start_value: float, withdrawal: float, withdrawal_type: str) -> list[str]:
    real, m = plan.real_value, PERCENTILES.index(0.5)
    amount = f"{withdrawal:.1%} of the value" if withdrawal_type == "percent" else f"{withdrawal:,.0f}"
    lines = [f"Monte Carlo plan: {years} years from {start_value:,.0f}, withdrawing {amount} a year "
             f"({withdrawal_type}); {plan.n_paths:,} paths, seed {plan.seed}",
             f"  success probability {plan.success_probability:.1%}; safe withdrawal rate "
             f"{plan.safe_withdrawal_rate:.2%}, perpetual {plan.perpetual_withdrawal_rate:.2%} "
             f"(succeeding on {plan.success_target:.0%} of paths)",
             f"  value at the end in today's money: median {real[m, -1]:,.0f}, 10th percentile {real[0, -1]:,.0f}, "
             f"90th {real[-1, -1]:,.0f}; median yearly return {plan.annual_return[m]:.2%} "
             f"({plan.annual_return_real[m]:.2%} real)"]
    step = max(1, years // 6)
    shown = sorted(set(range(0, years + 1, step)) | {years})
    header = ["Year", *(f"{100 * q:g}%" for q in PERCENTILES), "still paying"]
    rows = [[str(y), *(f"{real[i, y]:,.0f}" for i in range(len(PERCENTILES))), f"{plan.survival[y]:.1%}"]
            for y in shown]
    lines.append(text_table(header, rows))
    return lines


def write_csvs(out: Path, result, names: list[str] | None, plan) -> list[Path]:
    """The backtest's statistics, month-end values and drawdowns, and the plan's percentiles, as CSV files."""
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name: str, header: list[str], rows) -> None:
        path = out / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
        written.append(path)

    if result is not None:
        stats = result.statistics
        write("backtest_statistics.csv", ["statistic", *names],
              [[field, *(str(v) if isinstance(v, np.datetime64) else repr(float(v)) for v in getattr(stats, field))]
               for field in stats._fields])
        dates = np.concatenate([result.dates[:1], result.month_ends])
        for name, table in (("backtest_values.csv", result.monthly_values), ("backtest_drawdowns.csv",
                                                                             result.drawdowns)):
            write(name, ["date", *names], [[str(d), *map(repr, map(float, table[:, i]))] for i, d in enumerate(dates)])
    if plan is not None:
        levels = [f"{100 * q:g}%" for q in plan.percentiles]
        write("plan_percentiles.csv", ["year", *(f"real {q}" for q in levels), *(f"nominal {q}" for q in levels),
                                       "mean real income", "still paying"],
              [[int(y), *map(repr, map(float, plan.real_value[:, y])), *map(repr, map(float, plan.nominal_value[:, y])),
                repr(float(plan.mean_real_income[y])), repr(float(plan.survival[y]))] for y in plan.years])
        write("plan_summary.csv", ["figure", "value"],
              [[f, repr(float(getattr(plan, f)))] for f in ("success_probability", "safe_withdrawal_rate",
                                                             "perpetual_withdrawal_rate", "success_target")])
    return written


def simulation_summary(book) -> list[str]:
    """``xlfolio demo``'s lines on the Simulation sheet (read back from ``book`` after the Simulate button)."""
    from workbook import simulation_blocks as B

    names = book.read("Sim_SetNames")[0]
    columns = [j for j, n in enumerate(names) if n not in (None, "")]
    stats = {row.field: values for row, values in zip(B.STAT_ROWS, book.read("Sim_Stats"))}
    shown = (("CAGR", "cagr", "pct"), ("Stdev", "stdev", "pct"), ("Max. drawdown", "max_drawdown", "pct"),
             ("Sharpe ratio", "sharpe", "ratio"), ("End balance", "end_balance", "money"))
    rows = [[label, *(_show(stats[field][j], fmt) if isinstance(stats[field][j], float) else str(stats[field][j])
                      for j in columns)] for label, field, fmt in shown]
    plan = {row.field: values[0] for row, values in zip(B.PLAN_ROWS, book.read("Sim_PlanStats"))}
    info = book.read("Sim_Info")[0][0] or ""
    return [f"Backtest (Simulation sheet, illustrative class history; {info.split(':')[0]}):",
            text_table(["", *(names[j] for j in columns)], rows),
            f"Monte Carlo plan (client targets, {int(book.read('Sim_Years')[0][0])} years, "
            f"{int(plan['n_paths']):,} paths): success {plan['success_probability']:.1%}, safe withdrawal rate "
            f"{plan['safe_withdrawal_rate']:.2%}, perpetual {plan['perpetual_withdrawal_rate']:.2%}; median value at "
            f"the end {plan['median_end']:,.0f} in today's money"]


# ----------------------------------------------------------------------------- the command

def run_backtest(args: argparse.Namespace):
    """``(result, set names, asset names, dates, values)`` of the backtest the arguments ask for."""
    assets, dates, values = read_history(args.prices)
    equal = np.full(len(assets), 1.0 / len(assets))
    if args.weights is None and args.prices == SAMPLE_PRICES:
        sample = read_weights(SAMPLE_WEIGHTS, assets, f"columns of {args.prices}")[1][0]
        names, weights = ["Sample portfolio", "Equal weight"], np.vstack([sample, equal])
    elif args.weights is None:
        names, weights = ["Equal weight"], equal[None, :]
    else:
        names, weights = read_weights(args.weights, assets, f"columns of {args.prices}")
    benchmark = args.benchmark
    if benchmark is not None and benchmark not in assets:
        raise InputFileError(f"--benchmark: no column '{benchmark}' in {args.prices}; use one of {', '.join(assets[:5])}...")
    import pandas as pd

    frame = pd.DataFrame(values, columns=assets)
    result = backtest(frame, weights, kind="returns" if args.returns else "prices", dates=dates,
                      rebalance=args.rebalance, band=args.band, costs=args.costs, start_value=args.start_value,
                      cash_flows=args.cash_flow, cash_flow_type=args.cash_flow_type,
                      cash_flow_frequency=args.cash_flow_frequency, inflation=args.inflation, fees=args.fees,
                      risk_free=args.risk_free, benchmark=benchmark)
    return result, names, assets, dates, values


def run_plan(args: argparse.Namespace, history=None):
    """``(plan, start value, withdrawal)`` of the Monte Carlo plan the arguments ask for."""
    options: dict[str, Any] = {}
    client_classes, client_targets, client_value = sample_client()
    if args.model == "parameterised":
        a = read_assumptions(args.assumptions, args.correlations)
        options.update(expected_returns=a["expected_returns"], volatilities=a["volatilities"],
                       correlations=a["correlations"], yields=a["yields"])
        if args.plan_weights is not None:
            weights = read_weights(args.plan_weights, a["classes"], f"asset classes of {args.assumptions}")[1][0]
        elif a["classes"] == client_classes:
            weights = client_targets
        else:
            raise InputFileError(f"--plan-weights: needed with {args.assumptions} (its classes are not the sample "
                                 "client's); give a CSV of asset, weight.")
    else:
        assets, dates, values = history
        options.update(returns_model=args.model, history=values, history_dates=dates, block_months=args.block_months,
                       history_kind="returns" if args.returns else "prices")
        if args.plan_weights is None:
            raise InputFileError(f"--plan-weights: needed with --model {args.model}: a CSV of asset, weight over "
                                 f"the columns of {args.prices}.")
        weights = read_weights(args.plan_weights, assets, f"columns of {args.prices}")[1][0]
    start_value = client_value if args.plan_value is None else args.plan_value
    withdrawal = args.withdrawal
    if withdrawal is None:
        withdrawal = round(SAMPLE_WITHDRAWAL_RATE * start_value, -3) if args.withdrawal_type.startswith("fixed") \
            else SAMPLE_WITHDRAWAL_RATE
    progress = None
    if args.progress == "on" or (args.progress == "auto" and args.paths >= PROGRESS_PATHS):
        progress = ProgressBar("Monte Carlo")
    plan = simulate_plan(weights, **options, distribution=args.distribution, years=args.years,
                         start_value=start_value, withdrawal=withdrawal, withdrawal_type=args.withdrawal_type,
                         withdrawal_start=args.withdrawal_start, contribution=args.contribution,
                         contribution_years=args.contribution_years, inflation=args.inflation, fees=args.fees,
                         rebalance=args.plan_rebalance, n_paths=args.paths, seed=args.seed,
                         success_target=args.success_target, percentiles=PERCENTILES, progress=progress)
    return plan, start_value, withdrawal


def run(args: argparse.Namespace) -> int:
    if args.no_backtest and args.no_plan:
        print("xlfolio simulate: --no-backtest and --no-plan leave nothing to do.", file=sys.stderr)
        return 2
    result = names = plan = None
    try:
        history = None
        if not args.no_backtest:
            result, names, *history = run_backtest(args)
        elif args.model != "parameterised":
            history = list(read_history(args.prices))
        if result is not None:
            print(f"Backtest of {args.prices.name}: {', '.join(names)}; rebalance {args.rebalance}, costs "
                  f"{args.costs:g} bp; {result.note}")
            print(text_table(["", *names], statistics_table(result.statistics, names, args.benchmark is not None)))
        if not args.no_plan:
            plan, start_value, withdrawal = run_plan(args, history)
            if result is not None:
                print()
            print("\n".join(plan_lines(plan, args.years, start_value, withdrawal, args.withdrawal_type)))
    except PortfolioError as exc:
        print(f"xlfolio simulate: {exc}", file=sys.stderr)
        return 2
    if args.out is not None:
        written = write_csvs(args.out, result, names, plan)
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("simulate", help="backtest weight sets and run a Monte Carlo income plan from CSV files",
                              description="Backtest weight sets on a price history and run a Monte Carlo income "
                                          "plan; print the statistics and the plan (see the module's docstring for "
                                          "the files). Defaults: the bundled sample prices and the template's plan.")
    g = p.add_argument_group("backtest")
    g.add_argument("--prices", type=Path, default=SAMPLE_PRICES, help="CSV: date, one column per asset (default: "
                   "the bundled 20 stocks)")
    g.add_argument("--returns", action="store_true", help="the file holds periodic returns, not prices")
    g.add_argument("--weights", type=Path, default=None, help="CSV: asset, one column per weight set (default: the "
                   "sample portfolio and equal weights)")
    g.add_argument("--rebalance", choices=REBALANCE_POLICIES, default="quarterly")
    g.add_argument("--band", type=float, default=None, help="band in weight points (0.05 = 5 points)")
    g.add_argument("--costs", type=float, default=10.0, help="transaction costs, basis points (default 10)")
    g.add_argument("--start-value", type=float, default=10_000.0, help="value invested at the start")
    g.add_argument("--cash-flow", type=float, default=0.0, help="deposit (+) or withdrawal (-) per flow date")
    g.add_argument("--cash-flow-type", choices=CASH_FLOW_TYPES, default="fixed")
    g.add_argument("--cash-flow-frequency", choices=tuple(CASH_FLOW_FREQUENCIES), default="annual")
    g.add_argument("--risk-free", type=float, default=0.0, help="yearly risk-free rate for Sharpe and Sortino")
    g.add_argument("--benchmark", default=None, help="a column of PRICES to correlate with")
    g.add_argument("--no-backtest", action="store_true", help="only the Monte Carlo plan")
    g = p.add_argument_group("Monte Carlo plan")
    g.add_argument("--model", choices=RETURN_MODELS, default="parameterised",
                   help="returns from the assumptions (default), or from PRICES (bootstrap, statistical)")
    g.add_argument("--assumptions", type=Path, default=L.ASSUMPTIONS_CSV, help="CSV of the asset classes' figures")
    g.add_argument("--correlations", type=Path, default=L.CORRELATIONS_CSV, help="CSV of their correlations")
    g.add_argument("--plan-weights", type=Path, default=None, help="CSV: asset, weight (default: the sample "
                   "client's targets)")
    g.add_argument("--block-months", type=int, default=1, help="bootstrap blocks of this many months")
    g.add_argument("--distribution", choices=PLAN_DISTRIBUTIONS, default="normal")
    g.add_argument("--years", type=int, default=30)
    g.add_argument("--plan-value", type=float, default=None, help="value today (default: the sample client's)")
    g.add_argument("--withdrawal", type=float, default=None, help="yearly withdrawal (default: 4%% of the value)")
    g.add_argument("--withdrawal-type", choices=WITHDRAWAL_TYPES, default="fixed_real")
    g.add_argument("--withdrawal-start", type=int, default=0, help="years until withdrawals start")
    g.add_argument("--contribution", type=float, default=0.0, help="yearly contribution in today's money")
    g.add_argument("--contribution-years", type=int, default=0)
    g.add_argument("--inflation", type=float, default=0.025)
    g.add_argument("--fees", type=float, default=0.0, help="yearly fee, a fraction of the value (both runs)")
    g.add_argument("--plan-rebalance", choices=PLAN_REBALANCE, default="annual")
    g.add_argument("--paths", type=int, default=10_000)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--success-target", type=float, default=0.9)
    g.add_argument("--no-plan", action="store_true", help="only the backtest")
    p.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                   help=f"progress bar on stderr (auto: from {PROGRESS_PATHS:,} paths)")
    p.add_argument("--out", type=Path, default=None, help="folder for CSV files of the results")
    p.set_defaults(func=run)
