"""One run of ``xlfolio rebalance``: the order of things, the report and the exit code.

1. Check the options (with the kernel's own rules) and that no output is an input.
2. Read and check the models, then the holdings; print every problem (``--errors FILE`` gets them all).
3. Only then write: trades go to a temporary file renamed into place at the end.
4. One summary line on stdout; progress and problems on stderr.
A run that writes no trades moves an earlier trades file aside (``NAME.stale``).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

import numpy as np

from .book import (
    ROWS_KERNEL,
    PartResult,
    fallback_symbols,
    read_holdings,
    rebalance_part,
)
from .checks import check_models
from .memory import return_freed_memory
from .output import TradesWriter, check_target, mark_stale, write_errors
from .partitions import list_partitions, scan_partitions
from .problems import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    BookInputError,
    RowError,
)
from .progress import Phases
from .reading import read_table
from .schema import MODELS
from .trades import Options

#: Problems printed on stderr; the rest are counted (all of them go to --errors FILE).
SHOWN_ON_STDERR = 50


class Report:
    """Prints problems on stderr as they are found (the first ``SHOWN_ON_STDERR``) and keeps them all."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, errors: list[RowError]) -> None:
        for e in errors:
            if len(self.errors) < SHOWN_ON_STDERR:
                print(e.message(), file=sys.stderr)
            self.errors.append(e)

    def close(self, errors_file: Path | None) -> None:
        hidden = len(self.errors) - SHOWN_ON_STDERR
        if hidden > 0:
            where = f"all in {errors_file}" if errors_file else "write them all with --errors FILE"
            print(f"... and {hidden:,} more problems ({where}).", file=sys.stderr)

    @property
    def bad_rows(self) -> int:
        return sum(1 for e in self.errors if e.file and e.line)


class StrictStop(Exception):
    pass


class Prefetch:
    """``fn()`` run in a daemon thread from now; :meth:`result` waits for it and returns its value or raises
    its exception (so that an error is reported where the run would have met it, in the same order).

    The command reads a single holdings file this way while its own thread imports the kernels and loads
    the compiled batch kernel (Python work, ~0.5 CPU-s, holding the GIL): Arrow's reader parses without
    the GIL, so the two overlap. A daemon: a run stopped by a bad option does not wait for the read.
    """

    def __init__(self, fn) -> None:
        self._done = threading.Event()
        self._value = self._error = None
        threading.Thread(target=self._run, args=(fn,), name="xlfolio-read", daemon=True).start()

    def _run(self, fn) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # noqa: BLE001 - raised again by result(), in the caller's thread
            self._error = exc
        finally:
            self._done.set()

    def result(self):
        self._done.wait()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        value, self._value = self._value, None  # the caller holds the only reference (memory)
        return value


def options_of(args: argparse.Namespace) -> Options:
    opt = Options(args.band, args.relative_band, args.mode, args.min_trade, args.whole_shares, not args.no_sells)
    from kernels.errors import InputError

    try:  # the kernel's own checks of the options, on a one-account book (and the kernel loaded meanwhile)
        if ROWS_KERNEL:
            from kernels.book_rows import BookHoldings, BookModels, rebalance_book_rows

            one, none = np.ones(1), np.zeros(0)
            rebalance_book_rows(BookHoldings(np.array([0, 1]), np.zeros(1, np.int32), one, none, none,
                                             np.zeros(1, bool), np.zeros(1, np.int64), np.zeros(1), np.zeros(1)),
                                BookModels(np.array([0, 1]), np.zeros(1, np.int64), one, none, np.zeros(1)), 0, 1,
                                band=opt.band, relative_band=opt.relative_band, mode=opt.mode, min_trade=opt.min_trade)
        else:
            from kernels.book_rebalance import rebalance_batch

            rebalance_batch(np.ones((1, 1)), [1.0], band=opt.band, relative_band=opt.relative_band, mode=opt.mode,
                            min_trade=opt.min_trade)
    except InputError as exc:
        raise BookInputError(f"options: {exc}") from None
    return opt


def skip_pandas_probe() -> None:
    """Tell pyarrow that pandas is absent, so that its first conversion does not import it (0.2-0.3 s a run).

    pyarrow looks for pandas on its first conversion of a NumPy array or a Python value (to treat a pandas
    Series specially) and imports it when it is installed. The book's own process hands pyarrow no pandas
    object, so the look is answered "absent" (``import pandas`` fails while it is made). A real need later
    (``Table.to_pandas``) still imports pandas: pyarrow tries again whenever pandas is required.
    Only for a process that is the command's own (``xlfolio rebalance`` run from the command line).
    """
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(_NoPandas)


class _NoPandas:
    """A module finder under which ``import pandas`` fails (see :func:`skip_pandas_probe`)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas":
            raise ModuleNotFoundError("pandas is not used by xlfolio rebalance", name=name)


def run(args: argparse.Namespace) -> int:
    """Run ``xlfolio rebalance``; returns the exit code (see :data:`addin.batch.problems.EXIT_CODES`)."""
    own = getattr(args, "own_process", False) and args.engine == "local"
    try:
        return _run(args, own)
    finally:
        if own:
            before_exit()


def before_exit() -> None:
    """The command's own process ends next: its objects are moved out of the cyclic collector's reach
    (``gc.freeze``), so that the interpreter's exit does not walk Numba's, LLVM's and Arrow's object graphs
    (0.25 of the 0.3 CPU-s the exit took). By then the trades and the report are written, closed and renamed
    (or, after a failure, the temporary file is removed and an older result marked stale) and the writing
    threads are joined; the exit still runs ``atexit``, flushes the output and frees memory as usual. Only for
    a process that is the command's own: one that goes on would keep its cycles.
    """
    import gc

    gc.freeze()


def _run(args: argparse.Namespace, own: bool) -> int:
    return_freed_memory()
    if own:
        skip_pandas_probe()
    phases = Phases()
    report = Report()
    writer = None
    out_checked = False
    prefetch = None
    if args.engine == "local" and not args.holdings.is_dir():
        prefetch = Prefetch(lambda: read_holdings(args.holdings, args.whole_shares, args.encoding))
    try:
        opt = options_of(args)
        inputs = [args.holdings, args.targets]
        check_target(args.out, inputs, "--out")
        if args.errors:
            check_target(args.errors, inputs + [args.out], "--errors")
        out_checked = True
        if not args.quiet:
            print(f"reading {args.holdings} and {args.targets} ...", file=sys.stderr, flush=True)
        models_table = read_table(args.targets, MODELS, args.encoding)
        models, model_errors = check_models(models_table, opt.whole)
        report.add(model_errors)
        encodings = [f"{models_table.name}: {models_table.encoding}"]
        del models_table
        phases.lap("models")
        if args.engine == "dask":
            from .distributed import run_dask

            results, replaced = run_dask(args, models, opt, report, phases)
        else:
            parts = list_partitions(args.holdings)
            writer = TradesWriter(args.out)
            results = _run_local(args, parts, models, opt, report, writer, phases, prefetch)
        if not results:
            raise BookInputError("nothing to rebalance.")
        encodings.insert(0, _encodings(results))
        summary = _summary(results, report, args, phases, encodings)
        if writer is not None:
            replaced = writer.close()
            writer = None
        report.close(args.errors)
        if args.errors:
            write_errors(args.errors, report.errors)
        phases.lap("write")
        print(summary.replace("{replaced}", " (replaced the previous file)" if replaced else "")
              .replace("{seconds}", f"{phases.total():.2f}"))
        if args.timings:
            print(phases.line(), file=sys.stderr)
        return EXIT_PARTIAL if report.errors else EXIT_OK
    except (BookInputError, StrictStop, KeyboardInterrupt, Exception) as exc:
        if writer is not None:
            writer.abort()
        if isinstance(exc, KeyboardInterrupt):
            message, code = "interrupted; nothing written.", EXIT_INTERRUPTED
        elif not isinstance(exc, (BookInputError, StrictStop)):
            if os.environ.get("XLFOLIO_DEBUG"):
                raise
            message = (f"unexpected error ({type(exc).__name__}: {str(exc)[:200]}); nothing written. Please report "
                       "it with the traceback XLFOLIO_DEBUG=1 prints.")
            code = EXIT_INTERNAL
        elif isinstance(exc, StrictStop):
            message, code = str(exc), EXIT_INPUT
        else:
            message, code = str(exc), exc.exit_code
        report.close(args.errors)
        print(f"xlfolio rebalance: {message}", file=sys.stderr)
        if out_checked:
            stale = mark_stale(args.out)
            if stale:
                print(f"xlfolio rebalance: {stale}", file=sys.stderr)
            if args.errors:
                fatal = [] if isinstance(exc, StrictStop) else [RowError("", 0, "", "", message.rstrip("."))]
                try:
                    write_errors(args.errors, report.errors + fatal)
                except BookInputError as again:
                    print(f"xlfolio rebalance: {again}", file=sys.stderr)
        return code


def _run_local(args, parts, models, opt: Options, report: Report, writer, phases: Phases,
               prefetch: Prefetch | None = None) -> list[PartResult]:
    """Every partition in this process, one after the other, into one trades file (``prefetch``: the single
    file's reading, started by :func:`run`)."""
    single = len(parts) == 1
    fallback, refused = None, None
    if not single:
        fallback, refused, scan_errors = scan_partitions(parts, fallback_symbols(models, opt.whole), args.encoding)
        report.add(scan_errors)
        if args.strict:  # every partition checked before anything is written
            for path, name in parts:
                rebalance_part(path, models, opt, None, name=name, encoding=args.encoding, fallback=fallback,
                               refused=refused, before_writing=lambda e, c, m: report.add(e) or False)
            if report.errors:
                raise StrictStop(f"{len(report.errors):,} problems; nothing written (--strict).")
    results = []

    def before_writing(errors, counts, n_good):
        if single or not args.strict:
            report.add(errors)
        if single:
            if counts.rows == 0:
                raise BookInputError(f"{parts[0][1]}: no rows under the header; nothing to rebalance.")
            if args.strict and report.errors:
                raise StrictStop(f"{report.bad_rows} bad rows; nothing written (--strict).")
            if n_good == 0:
                raise BookInputError(f"no account can be rebalanced: all {counts.accounts:,} have problems "
                                     "(listed above); nothing written.")
        return True

    for path, name in parts:
        try:
            result = rebalance_part(path, models, opt, writer, name=name, encoding=args.encoding, fallback=fallback,
                                    refused=refused, before_writing=before_writing, progress=not args.quiet,
                                    read=prefetch.result if single and prefetch is not None else None)
        except BookInputError as exc:
            if single:
                raise
            from .distributed import unreadable

            result = unreadable(name, str(exc))
            report.add(result.errors)
        report.add(result.kernel_errors)
        phases.add(result.phases)
        results.append(result)
    phases.skip()
    _check_something_written(results)
    return results


def _check_something_written(results: list[PartResult]) -> None:
    if sum(r.counts.rows for r in results) == 0:
        raise BookInputError("no rows under the header in any file; nothing to rebalance.")
    if sum(r.rebalanced for r in results) == 0:
        accounts = sum(r.counts.accounts for r in results)
        raise BookInputError(f"no account could be rebalanced (all {accounts:,} have problems, listed above); "
                             "nothing written.")


def _encodings(results: list[PartResult]) -> str:
    labels = sorted({r.encoding for r in results})
    if len(results) == 1:
        return f"{results[0].name}: {labels[0]}"
    return f"{len(results)} partitions: {', '.join(labels)}"


def _summary(results: list[PartResult], report: Report, args, phases: Phases, encodings: list[str]) -> str:
    accounts = sum(r.counts.accounts for r in results)
    ok = sum(r.rebalanced for r in results)
    infeasible = sum(r.infeasible for r in results)
    skipped = accounts - ok - infeasible
    rows = sum(r.rows_written for r in results)
    turnover = np.concatenate([r.turnover for r in results]) if results else np.zeros(0)
    median = float(np.median(turnover)) if turnover.size else 0.0
    return (
        f"xlfolio rebalance: {accounts:,} accounts read, {ok:,} rebalanced, {skipped:,} skipped for bad rows "
        f"({report.bad_rows} bad rows), {infeasible:,} infeasible; "
        f"{sum(r.n_trades for r in results):,} trades, bought {sum(r.bought for r in results):,.2f}, "
        f"sold {sum(r.sold for r in results):,.2f}, median turnover {median:.2%}, "
        f"bands triggered in {sum(r.triggered for r in results):,}; "
        f"wrote {rows:,} rows to {args.out}{{replaced}} in {{seconds}} s ({'; '.join(encodings)})"
    )
