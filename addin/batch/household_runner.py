"""One run of ``xlfolio rebalance --households``: tax-aware trades for a book of households (issue 17).

1. Check the options (with the kernel's own rules) and that no output is an input; start the worker processes.
2. Read every file, check every row, group the rows by household (:mod:`addin.batch.household_book`).
3. Rebalance the usable households in chunks on the workers (:mod:`addin.batch.household_solve`), writing
   each chunk's rows, in household order, to temporary files; a progress bar per household.
4. Report every problem (file, line, column, value, fix; the household skipped) and rename the four
   files into place; a run that writes nothing moves earlier files aside (``NAME.stale``).

Exit codes as the account book's (:data:`addin.batch.problems.EXIT_CODES`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

import numpy as np

from .household_book import Inputs, _Stop, check_book, make_chunk, read_inputs
from .household_output import Outputs, default_paths
from .household_report import refusal
from .household_solve import Options, Shared, solve_chunk, solve_task, warm_worker
from .output import HOUSEHOLD_ERROR_COLUMNS, check_target, mark_stale, write_errors
from .problems import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    BookInputError,
    RowError,
)
from .progress import Phases, ProgressBar
from .runner import SHOWN_ON_STDERR, Report, StrictStop, return_freed_memory

#: Households per task sent to a worker (about a second of work; the progress bar moves once per task).
CHUNK_HOUSEHOLDS = 100
#: Output kind -> the option that names it.
OUTPUT_OPTIONS = {"trades": "--out", "lots": "--lot-sales", "accounts": "--account-summary", "summary": "--summary"}
#: Options of the account book that mean nothing for households.
BOOK_ONLY = {"min_trade": 0.0, "no_sells": False, "partition": None}


def household_options(args: argparse.Namespace) -> Options:
    """The run's options, checked by the kernel itself on a one-holding household."""
    for name, default in BOOK_ONLY.items():
        if getattr(args, name, default) != default:
            raise BookInputError(f"--{name.replace('_', '-')} is for the account book; households do not use it.")
    if args.engine != "local":
        raise BookInputError("--engine dask is for the account book; households run on local worker processes "
                             "(--workers N).")
    opt = Options(args.band, args.relative_band, args.mode, args.costs_bp, args.fee, args.lot_method,
                  args.whole_shares, args.mip_gap, args.time_limit, args.drift_penalty, args.max_turnover,
                  args.harvest_threshold)
    from kernels import Account, Costs, Holding, InputError, rebalance_household

    try:
        rebalance_household([Holding("a", "x", 1.0, 1.0)], {"x": 1.0}, accounts=[Account("a", "tax_free")],
                            costs=Costs(opt.costs_bps, opt.fee), band=opt.band, relative_band=opt.relative_band,
                            mode=opt.mode, lot_method=opt.lot_method, mip_gap=opt.mip_gap, time_limit=opt.time_limit,
                            drift_penalty=1.0 if opt.drift_penalty is None else opt.drift_penalty,
                            max_turnover=opt.max_turnover, harvest_threshold=opt.harvest_threshold)
    except InputError as exc:
        raise BookInputError(f"options: {exc}") from None
    return opt


def as_of_option(text: str | None) -> int:
    """``--as-of`` (default today) as a date ordinal."""
    if text is None:
        return dt.date.today().toordinal()
    try:
        return dt.date.fromisoformat(text.strip()).toordinal()
    except ValueError:
        raise BookInputError(f"--as-of {text}: not a date; write it as YYYY-MM-DD.") from None


def output_paths(args: argparse.Namespace) -> dict[str, Path]:
    paths = {"trades": args.out, **default_paths(args.out)}
    for kind, given in (("lots", args.lot_sales), ("accounts", args.account_summary), ("summary", args.summary)):
        if given is not None:
            paths[kind] = given
    seen = {}
    for kind, path in paths.items():
        key = os.path.realpath(path)
        if key in seen:
            raise BookInputError(f"the {kind} and {seen[key]} outputs are both {path}; give each its own file.")
        seen[key] = kind
    return paths


def _pool(workers: int):
    if workers <= 1:
        return None
    import multiprocessing

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def run(args: argparse.Namespace) -> int:
    """Run ``xlfolio rebalance --households ...``; returns the exit code."""
    return_freed_memory()
    phases = Phases()
    report = Report()
    outputs, pool, out_checked = None, None, False
    try:
        opt = household_options(args)
        default_as_of = as_of_option(args.as_of)
        files = Inputs(args.holdings, args.households, args.targets, args.accounts, args.lots, args.substitutes,
                       args.recent)
        inputs = [p for p in files if p is not None]
        paths = output_paths(args)
        for kind, path in paths.items():
            check_target(path, inputs, OUTPUT_OPTIONS[kind])
        if args.errors:
            check_target(args.errors, inputs + list(paths.values()), "--errors")
        out_checked = True
        workers = args.workers or os.cpu_count() or 1
        pool = _pool(workers)
        if pool is not None:  # the workers start (and import SciPy) while this process reads
            warm = [pool.submit(warm_worker) for _ in range(workers)]
        if not args.quiet:
            print(f"reading {', '.join(str(p) for p in inputs)} ...", file=sys.stderr, flush=True)
        tables = read_inputs(files, args.encoding)
        phases.lap("read")
        try:
            book = check_book(tables)
        except _Stop as stop:
            report.add(stop.errors)
            raise
        del tables
        report.add(book.errors)
        phases.lap("check")
        usable = np.flatnonzero(book.usable)
        if book.holdings.table.n_rows == 0:
            raise BookInputError(f"{book.holdings.table.name}: no rows under the header; nothing to rebalance.")
        if args.strict and report.errors:
            raise StrictStop(f"{report.bad_rows} bad rows; nothing written (--strict).")
        if usable.size == 0:
            raise BookInputError(f"no household can be rebalanced: all {len(book.names):,} have problems (listed "
                                 "above); nothing written.")
        shared = Shared(opt, book.models.targets, book.substitutes)
        outputs = Outputs(paths)
        names = np.array(book.names, object)
        size = max(1, min(CHUNK_HOUSEHOLDS, -(-usable.size // (4 * workers))))
        chunks = (make_chunk(book, usable[i:i + size], default_as_of, opt) for i in range(0, usable.size, size))
        bar = ProgressBar("rebalancing", usable.size, "households", not args.quiet)
        totals = _Totals()
        phases.lap("group")
        if pool is not None:
            for f in warm:
                f.result()
            results = _in_order(pool, ((c, shared) for c in chunks), ahead=3 * workers)
        else:
            results = (solve_chunk(c, shared) for c in chunks)
        done = 0
        for result in results:
            outputs.write(result, names)
            totals.add(result)
            refused = [refusal(book, h, kind, message, which) for h, kind, message, which in result.refused]
            report.add(refused)
            done += result.ids.size
            bar.update(done)
        phases.lap("solve")
        if args.strict and report.errors:
            raise StrictStop(f"{len(report.errors):,} problems; nothing written (--strict).")
        if totals.ok == 0:
            raise BookInputError(f"no household could be rebalanced (all {len(book.names):,} have problems, listed "
                                 "above); nothing written.")
        replaced = outputs.close()
        outputs = None
        report.close(args.errors)
        if args.errors:
            write_errors(args.errors, report.errors, HOUSEHOLD_ERROR_COLUMNS)
        phases.lap("write")
        print(_summary(book, totals, report, paths, replaced, phases))
        if args.timings:
            print(phases.line() + f"; worker CPU {totals.cpu:.3f} s", file=sys.stderr)
        return EXIT_PARTIAL if report.errors else EXIT_OK
    except (BookInputError, StrictStop, KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 - every failure reported
        if outputs is not None:
            outputs.abort()
        message, code = _failure(exc)
        report.close(args.errors)
        print(f"xlfolio rebalance: {message}", file=sys.stderr)
        if out_checked:
            for path in paths.values():
                stale = mark_stale(path)
                if stale:
                    print(f"xlfolio rebalance: {stale}", file=sys.stderr)
            if args.errors:
                fatal = [] if isinstance(exc, StrictStop) else [RowError("", 0, "", "", message.rstrip("."))]
                try:
                    write_errors(args.errors, report.errors + fatal, HOUSEHOLD_ERROR_COLUMNS)
                except BookInputError as again:
                    print(f"xlfolio rebalance: {again}", file=sys.stderr)
        return code
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _in_order(pool: ProcessPoolExecutor, tasks, ahead: int):
    """The tasks' results in order, with at most ``ahead`` tasks queued (chunks are built as the workers need them)."""
    pending = deque(pool.submit(solve_task, t) for t in islice(tasks, ahead))
    while pending:
        result = pending.popleft().result()
        for t in islice(tasks, 1):
            pending.append(pool.submit(solve_task, t))
        yield result


def _failure(exc: BaseException) -> tuple[str, int]:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted; nothing written.", EXIT_INTERRUPTED
    if isinstance(exc, StrictStop):
        return str(exc), EXIT_INPUT
    if isinstance(exc, BookInputError):
        return str(exc), exc.exit_code
    if os.environ.get("XLFOLIO_DEBUG"):
        raise exc
    return (f"unexpected error ({type(exc).__name__}: {str(exc)[:200]}); nothing written. Please report it with "
            "the traceback XLFOLIO_DEBUG=1 prints."), EXIT_INTERNAL


class _Totals:
    """What the summary line counts, added up over chunks."""

    def __init__(self) -> None:
        self.ok = self.trades = self.lots_sold = 0
        self.tax = self.short = self.long = self.harvested = self.bought = self.sold = self.cpu = 0.0
        self.statuses: dict[str, int] = {}

    def add(self, r) -> None:
        self.ok += int(r.ok.sum())
        self.trades += int(np.count_nonzero(r.trades["trade_shares"]))
        self.lots_sold += len(r.lots["household"])
        for key, value in r.statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + value
        s = r.summary
        self.tax += float(np.sum(s["tax"]))
        self.short += float(np.sum(s["short_term_gain"]))
        self.long += float(np.sum(s["long_term_gain"]))
        self.harvested += float(np.sum(s["harvested_loss"]))
        self.bought += float(np.sum(r.accounts["bought"]))
        self.sold += float(np.sum(r.accounts["sold"]))
        self.cpu += r.cpu


def _summary(book, totals: _Totals, report: Report, paths: dict, replaced: list[str], phases: Phases) -> str:
    n = len(book.names)
    skipped = n - totals.ok
    statuses = ", ".join(f"{v:,} {k}" for k, v in sorted(totals.statuses.items()))
    again = f" (replaced {', '.join(replaced)})" if replaced else ""
    return (f"xlfolio rebalance: {n:,} households read, {totals.ok:,} rebalanced ({statuses}), {skipped:,} skipped "
            f"({report.bad_rows} bad rows); {totals.trades:,} trades, {totals.lots_sold:,} lots sold, bought "
            f"{totals.bought:,.2f}, sold {totals.sold:,.2f}, gains {totals.short + totals.long:,.2f} (short-term "
            f"{totals.short:,.2f}, long-term {totals.long:,.2f}), tax {totals.tax:,.2f}, harvested losses "
            f"{totals.harvested:,.2f}; wrote {paths['trades']}, {paths['lots'].name}, {paths['accounts'].name}, "
            f"{paths['summary'].name}{again} in {phases.total():.2f} s ({'; '.join(book.encodings)})")


__all__ = ["SHOWN_ON_STDERR", "run"]
