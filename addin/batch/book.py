"""Rebalance one holdings file (or one partition of a dataset): read, check, lay out, trade, write.

The same function runs in the command's own process and on a Dask worker; what differs is where its
trades go (the run's temporary output, or a part file) and who prints its problems.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from .checks import Counts, Models, check_holdings, first_prices
from .layout import build_chunk, code_models
from .memory import chunk_arrays
from .problems import BookInputError, RowError
from .progress import Phases, ProgressBar
from .reading import Table, read_table
from .schema import CASH_SYMBOL, HOLDINGS
from .trades import COLUMNS, Options, book_arrays, rebalance_chunk, rebalance_rows

#: Columns used without whole shares only to tell a row from an empty one (their values are not kept).
UNPRICED = frozenset({"price", "lot_size"})
#: Accounts per call of the compiled batch and per chunk written (5,000: same speed as 20,000, a quarter of the
#: memory; the progress bar moves once per chunk).
CHUNK_ACCOUNTS = 5_000


#: Lay out, rebalance and gather each chunk in one compiled call (:func:`kernels.book_rows.rebalance_book_rows`);
#: ``XLFOLIO_BOOK_ROWS_KERNEL=0`` takes the NumPy layout and gathering around :func:`kernels.rebalance_batch`.
ROWS_KERNEL = os.environ.get("XLFOLIO_BOOK_ROWS_KERNEL", "1") != "0"

#: Write chunk k in a thread while chunk k + 1 is laid out and rebalanced (polars, pyarrow and the compiled
#: kernel release the GIL, so the two share the cores). The phases' wall times then show the waits only,
#: and their CPU times include the writing done meanwhile. ``XLFOLIO_BOOK_WRITE_BEHIND=0`` writes in line
#: (benchmarks/bench_book.py measures both).
OVERLAP_WRITES = os.environ.get("XLFOLIO_BOOK_WRITE_BEHIND", "1") != "0"


class WriteBehind:
    """Hands chunks to ``writer.write`` one at a time, in a thread when ``overlap``; at most one is pending.

    A failure in the writing thread is raised in the caller at the next :meth:`write` or :meth:`wait`;
    :meth:`close` waits for the pending chunk (the caller may then abort the writer safely).
    """

    def __init__(self, writer, names: pa.Array, symbols: pa.Array, overlap: bool | None = None,
                 targets: np.ndarray | None = None) -> None:
        self.writer, self.names, self.symbols, self.targets = writer, names, symbols, targets
        self.overlap = OVERLAP_WRITES if overlap is None else overlap
        self._pool = None
        self._pending = None

    def _write(self, account: np.ndarray, symbol: np.ndarray, numbers: dict) -> None:
        sym = np.where(symbol < 0, len(self.symbols) - 1, symbol)  # the last symbol is CASH
        write_rows = getattr(self.writer, "write_rows", None)
        if write_rows is not None:  # the names are looked up by the writer (TradesWriter)
            write_rows(account, sym, numbers, self.names, self.symbols, self.targets)
            return
        if isinstance(numbers, np.ndarray):
            numbers = dict(zip(COLUMNS[2:], numbers))
        self.writer.write(self.names.take(pa.array(account)), self.symbols.take(pa.array(sym)), numbers)

    def write(self, account: np.ndarray, symbol: np.ndarray, numbers: dict) -> None:
        self.wait()
        if not self.overlap:
            self._write(account, symbol, numbers)
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(1, thread_name_prefix="xlfolio-write")
        self._pending = self._pool.submit(self._write, account, symbol, numbers)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            if self._pending is not None:
                self._pending.exception()  # wait; an error was (or will be) raised by wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            self._pool = self._pending = None


class PartResult(NamedTuple):
    """What one file or partition gave: its problems and the numbers for the summary."""

    name: str
    errors: list
    counts: Counts
    encoding: str
    rebalanced: int
    infeasible: int
    n_trades: int
    bought: float
    sold: float
    triggered: int
    turnover: np.ndarray  # float32, one per account rebalanced
    rows_written: int
    phases: Phases
    stopped: bool  # the caller's check said not to write
    kernel_errors: tuple | list = ()  # accounts the kernel could not rebalance (reported after the trades)


def fallback_symbols(models: Models, whole: bool) -> set[str]:
    """Model securities without a price in the models file (with whole shares they need one from the holdings)."""
    if not whole:
        return set()
    return {s for syms, prices in zip(models.symbols, models.prices) for s, p in zip(syms, prices) if not (p > 0)}


def read_holdings(path: Path, whole: bool, encoding: str | None = None, name: str | None = None) -> Table:
    """The holdings file ``path`` read for a run with (``whole``) or without whole shares."""
    return read_table(path, HOLDINGS, encoding, name, blank_only=frozenset() if whole else UNPRICED)


def rebalance_part(
    path: Path,
    models: Models,
    opt: Options,
    writer,
    *,
    name: str | None = None,
    encoding: str | None = None,
    fallback: dict[str, float] | None = None,
    refused: dict[str, str] | None = None,
    before_writing: Callable[[list[RowError], Counts, int], bool] | None = None,
    progress: bool = False,
    chunk_accounts: int = CHUNK_ACCOUNTS,
    overlap: bool | None = None,
    read: Callable[[], Table] | None = None,
) -> PartResult:
    """Rebalance every good account of the holdings file ``path`` and hand its trades to ``writer``.

    ``before_writing(errors, counts, n_good_accounts)`` is called once the file is checked and before any
    trade is written; returning False stops there (``--strict``). ``fallback``: prices of model securities
    without one in the models file (from the whole book); computed from this file when None.
    ``overlap``: write each chunk while the next is computed (default :data:`OVERLAP_WRITES`).
    ``read``: gives the file as :func:`read_holdings` reads it (a read started earlier); by default it is read here.
    """
    phases = Phases()
    table = read() if read is not None else read_holdings(path, opt.whole, encoding, name)
    if opt.whole and "price" not in table.numbers:
        raise BookInputError(f"{table.name}: --whole-shares needs a price column (and optionally lot_size).")
    phases.lap("read")
    if fallback is None:
        fallback = first_prices(table, fallback_symbols(models, opt.whole))
    holdings, errors, counts = check_holdings(table, models, opt.whole, fallback, refused)
    file, label = table.name, table.encoding
    del table
    phases.lap("check")
    m = holdings.names.size
    if before_writing is not None and not before_writing(errors, counts, m):
        return PartResult(file, errors, counts, label, 0, 0, 0, 0.0, 0.0, 0, np.zeros(0, np.float32), 0,
                          phases, True, [])
    ma = code_models(models, holdings.symbols, fallback)
    names = pa.array(holdings.names, pa.string())
    symbols = pa.array(list(holdings.symbols) + [CASH_SYMBOL], pa.string())
    bar = ProgressBar("rebalancing", m, "accounts", progress)
    n_ok = n_trades = triggered = rows = 0
    bought = sold = 0.0
    turnover, problems = [], []
    phases.lap("layout")
    behind = WriteBehind(writer, names, symbols, overlap=overlap, targets=np.r_[ma.target, ma.cash_target, 0.0])
    book, book_models = book_arrays(holdings, ma, opt.whole) if ROWS_KERNEL else (None, None)
    with chunk_arrays():  # a chunk's tables are reused, not mapped anew (addin.batch.memory)
        try:
            for lo in range(0, m, chunk_accounts):
                hi = min(m, lo + chunk_accounts)
                out = None
                if book is not None:  # laid out, rebalanced and gathered in one compiled call
                    out = rebalance_rows(book, book_models, opt, lo, hi, holdings.names, file, len(symbols) - 1)
                if out is None:
                    chunk = build_chunk(holdings, ma, lo, hi, opt.whole)
                    phases.lap("layout")
                    out = rebalance_chunk(chunk, opt, holdings.names, file)
                    del chunk
                phases.lap("kernel")
                behind.write(out.account, out.symbol, out.numbers)
                phases.lap("write")
                n_ok += out.n_ok
                n_trades += out.n_traded
                bought += out.bought
                sold += out.sold
                triggered += out.triggered
                rows += out.account.size
                turnover.append(out.turnover.astype(np.float32))
                problems.extend(out.problems)
                bar.update(hi)
            behind.wait()
            phases.lap("write")
        finally:
            behind.close()
    return PartResult(file, errors, counts, label, n_ok, len(problems), n_trades, bought, sold,
                      triggered, np.concatenate(turnover) if turnover else np.zeros(0, np.float32), rows,
                      phases, False, problems)
