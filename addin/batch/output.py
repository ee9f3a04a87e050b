"""Writing results safely: never over an input, never half-written, never a stale file left looking current.

Every file is written to a temporary name in its own folder and renamed over the target when complete
(a rename within a folder is atomic: a reader sees the old file or the new one, never a mix). A run
that ends without a new result moves the previous one aside as ``NAME.stale`` and says so. The
target is compared with every input by device and inode (:func:`os.path.samefile`), so a hard link, a
symbolic link or another spelling of an input's path is refused like the path itself.

CSV is written with polars (multithreaded, numbers written as Python writes them) and Parquet with
pyarrow, one chunk of accounts at a time.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa

from .problems import EXIT_OUTPUT, BookInputError, RowError
from .reading import is_parquet
from .trades import COLUMNS, DECIMALS

STALE_SUFFIX = ".stale"
#: CSV trades formatted by the compiled loop (:mod:`addin.batch.csv_text`) when the kernels are compiled;
#: ``XLFOLIO_BOOK_TEXT_ROWS=0`` (and the plain-Python mode) writes them with polars (benchmarks/bench_book.py measures both).
TEXT_ROWS = os.environ.get("XLFOLIO_BOOK_TEXT_ROWS", "1") != "0"
#: File that marks a folder of trades written by this command (only such a folder is ever replaced).
FOLDER_MARK = "_xlfolio_trades"


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_target(target: Path, inputs: list[Path], option: str) -> None:
    """Refuse ``target`` when it is an input (any path to it), lies inside an input folder, or is a folder."""
    for source in inputs:
        if same_file(target, source):
            raise BookInputError(f"{option} {target}: is the input file {source}; choose another file for the output.")
        if source.is_dir():
            real, folder = Path(os.path.realpath(target)), Path(os.path.realpath(source))
            if folder == real or folder in real.parents:
                raise BookInputError(f"{option} {target}: is inside the input folder {source}; write it elsewhere.")
    if target.is_dir() and target.suffix:
        raise BookInputError(f"{option} {target}: is a folder; give a file name.")
    if target.is_dir() and any(target.iterdir()) and not (target / FOLDER_MARK).exists():
        raise BookInputError(f"{option} {target}: a folder of other files (not trades this command wrote); give a new "
                             "or empty folder.")


def final_path(target: Path) -> Path:
    """Where the result goes: through a symbolic link to the file it points at."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def mark_stale(target: Path) -> str:
    """Move a previous result aside (``NAME.stale``); the message saying so, or "" when there was none."""
    path = final_path(target)
    if not path.exists():
        return ""
    stale = path.with_name(path.name + STALE_SUFFIX)
    try:
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        os.replace(path, stale)
    except OSError as exc:
        return f"the previous {path.name} could not be moved aside ({exc}); do not use it: it is not from this run."
    return f"the previous {path.name} is not from this run: moved to {stale.name}."


def _temp_name(path: Path, is_dir: bool = False) -> Path:
    """A new temporary file (or folder) beside ``path``, so that the final rename stays in one folder."""
    try:
        blocker = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise NotADirectoryError(20, f"{blocker} is a file, not a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        if is_dir:
            return Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise BookInputError(f"could not write {path}: {exc.strerror or exc}.", EXIT_OUTPUT) from None
    os.close(fd)
    return Path(name)


def commit(temp: Path, target: Path) -> bool:
    """Rename ``temp`` over ``target``; True when it replaced a previous result."""
    path = final_path(target)
    replaced = path.exists()
    try:
        if temp.is_dir():
            if replaced:
                old = _temp_name(path, is_dir=True)
                os.replace(path, old / path.name)
                os.replace(temp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(temp, path)
        else:
            os.chmod(temp, 0o666 & ~_umask())
            os.replace(temp, path)
    except OSError as exc:
        discard(temp)
        raise BookInputError(f"could not write {path}: {exc.strerror or exc}.", EXIT_OUTPUT) from None
    return replaced


def discard(temp: Path | None) -> None:
    if temp is None:
        return
    if temp.is_dir():
        shutil.rmtree(temp, ignore_errors=True)
    else:
        try:
            temp.unlink()
        except OSError:
            pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class ChunkedFile:
    """One output table written chunk by chunk to a temporary file (CSV by polars, or Parquet), renamed into
    place by :meth:`commit`; :meth:`abort` closes and removes the temporary file."""

    def __init__(self, target: Path, parquet: bool | None = None, dictionary: list[str] | None = None) -> None:
        self.target = target
        self.parquet = is_parquet(target) if parquet is None else parquet
        self.temp = _temp_name(final_path(target))
        self.rows = 0
        self._dictionary = dictionary
        self._handle = None
        self._parquet = None

    def _append(self, table: pa.Table) -> None:
        try:
            if self.parquet:
                import pyarrow.parquet as pq

                if self._parquet is None:
                    options = {} if self._dictionary is None else {"use_dictionary": self._dictionary}
                    self._parquet = pq.ParquetWriter(self.temp, table.schema, write_statistics=False, **options)
                self._parquet.write_table(table)
            else:
                import polars as pl

                if self._handle is None:
                    self._handle = open(self.temp, "wb")  # noqa: SIM115 - open across chunks, closed in _finish()
                pl.from_arrow(table).write_csv(self._handle, include_header=self._handle.tell() == 0)
        except OSError as exc:
            self.abort()
            raise BookInputError(f"could not write {self.target}: {exc.strerror or exc}.", EXIT_OUTPUT) from None
        self.rows += table.num_rows

    def _finish(self, empty: pa.Table) -> None:
        """Complete the temporary file; ``empty`` (no rows) gives its columns when nothing was written."""
        if self.parquet and self._parquet is None:  # no rows at all: still a valid, empty file
            import pyarrow.parquet as pq

            pq.write_table(empty, self.temp)
        if self._parquet is not None:
            self._parquet.close()
        if not self.parquet:
            if self._handle is None:
                self._handle = open(self.temp, "wb")  # noqa: SIM115 - closed just below
            if self._handle.tell() == 0:
                self._handle.write((",".join(empty.column_names) + "\n").encode())
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()

    def commit(self) -> bool:
        """Rename into place; True when a previous file was replaced."""
        return commit(self.temp, self.target)

    def abort(self) -> None:
        for closing in (self._handle, self._parquet):
            try:
                if closing is not None:
                    closing.close()
            except Exception:  # noqa: BLE001, S110 - already failing; the temp file goes anyway
                pass
        discard(self.temp)


def _text_rows() -> bool:
    if not TEXT_ROWS:
        return False
    # imports the kernels' settings (and Numba): only once the kernels are loaded
    from .csv_text import AVAILABLE

    return AVAILABLE


class TradesWriter(ChunkedFile):
    """The trades table, chunk by chunk; :meth:`close` renames it into place."""

    def __init__(self, target: Path, parquet: bool | None = None) -> None:
        # dictionaries for the names only: a third of the time of the defaults
        super().__init__(target, parquet, dictionary=["account", "symbol"])
        self._text = None

    def write(self, account: pa.Array, symbol: pa.Array, numbers: dict) -> None:
        self._append(pa.table({"account": account, "symbol": symbol,
                               **{c: pa.array(numbers[c], pa.float64(), from_pandas=True) for c in COLUMNS[2:]}}))

    def write_rows(self, account: np.ndarray, symbol: np.ndarray, numbers: dict | np.ndarray, names: pa.Array,
                   symbols: pa.Array, targets: np.ndarray | None = None) -> None:
        """Rows given as codes into ``names`` and ``symbols`` (the names are looked up only when written);
        ``numbers``: column -> values, or the columns ``COLUMNS[2:]`` as the rows of one array; ``targets``:
        the values the target column can hold (the models' targets, 0), written as polars writes them.

        CSV is formatted by the compiled loop of :mod:`addin.batch.csv_text` when the kernels are compiled
        (the same numbers as polars writes, read back equal); a row it cannot write exactly, and the rest of
        its chunk, go through polars.
        """
        done = 0
        if not self.parquet and _text_rows():
            from .csv_text import KNOWN, RowText

            if self._text is None or self._text[0] is not names or self._text[1] is not symbols:
                self._close_text()
                decimals = [DECIMALS.get(c, KNOWN if c == "target" else -1) for c in COLUMNS[2:]]
                self._text = (names, symbols, RowText(names, symbols, decimals, targets))
            try:
                if self._handle is None:
                    self._handle = open(self.temp, "wb")  # noqa: SIM115 - open across chunks, closed in _finish()
                if self._handle.tell() == 0:
                    self._handle.write((",".join(COLUMNS) + "\n").encode())
                table = numbers if isinstance(numbers, np.ndarray) else np.stack([numbers[c] for c in COLUMNS[2:]])
                done = self._text[2].write(self._handle, account, symbol, table)
            except OSError as exc:
                self.abort()
                raise BookInputError(f"could not write {self.target}: {exc.strerror or exc}.", EXIT_OUTPUT) from None
            self.rows += done
            if done == account.size:
                return
        rest = slice(done, None)
        self.write(names.take(pa.array(account[rest])), symbols.take(pa.array(symbol[rest])),
                   {c: numbers[i if isinstance(numbers, np.ndarray) else c][rest] for i, c in enumerate(COLUMNS[2:])})

    def _close_text(self) -> None:
        if self._text is not None:
            self._text[2].close()
            self._text = None

    def abort(self) -> None:
        self._close_text()
        super().abort()

    def close(self) -> bool:
        """Finish and rename into place; True when a previous file was replaced."""
        self._close_text()
        self._finish(pa.table({c: pa.array([], pa.string() if c in ("account", "symbol") else pa.float64())
                               for c in COLUMNS}))
        return self.commit()


ERROR_COLUMNS = ("file", "line", "column", "value", "account", "model", "problem", "message")
#: The --errors report of a household run: the household first (the unit that is skipped).
HOUSEHOLD_ERROR_COLUMNS = ("file", "line", "column", "value", "household", "account", "model", "problem", "message")


def write_errors(target: Path, errors: list[RowError], columns: tuple[str, ...] = ERROR_COLUMNS) -> None:
    """The bad rows as CSV (one per problem, in the order found), written atomically."""
    temp = _temp_name(final_path(target))
    try:
        with open(temp, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(columns)
            for e in errors:
                fields = {"line": e.line or "", "message": e.message()}
                out.writerow([fields[c] if c in fields else getattr(e, c) for c in columns])
    except OSError as exc:
        discard(temp)
        raise BookInputError(f"could not write {target}: {exc.strerror or exc}.", EXIT_OUTPUT) from None
    commit(temp, target)


def string_array(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(object) if values.dtype != object else values, pa.string())
