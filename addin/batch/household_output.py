"""The four files of a household run (trades, lots sold, accounts, summary), written safely and in household order.

Each file is written chunk by chunk to a temporary file beside its target (CSV with polars, Parquet with
pyarrow, by extension) and renamed into place only when the run succeeds (:mod:`addin.batch.output`).
Money is written to 1/100 of a cent, shares to 6 decimals, weights to 10 (the kernel's own numbers,
rounded: enough for any custodian, and the files stay readable).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa

from .household_solve import (
    ACCOUNT_COLUMNS,
    FLAGS,
    LOT_COLUMNS,
    SUMMARY_COLUMNS,
    TEXT,
    TRADE_COLUMNS,
)
from .output import _temp_name, commit, discard, final_path
from .problems import EXIT_OUTPUT, BookInputError
from .reading import is_parquet

#: Output kind -> its columns.
COLUMNS = {"trades": TRADE_COLUMNS, "lots": LOT_COLUMNS, "accounts": ACCOUNT_COLUMNS, "summary": SUMMARY_COLUMNS}
#: Decimals of the number columns (the rest: 4, money).
DECIMALS = {"shares_before": 6, "trade_shares": 6, "shares_after": 6, "shares_sold": 6, "turnover": 10,
            "max_drift_before": 10, "max_drift_after": 10, "wash_sales": 0, "programmes": 0}


def default_paths(out: Path) -> dict[str, Path]:
    """``trades.csv`` -> ``trades_lots.csv``, ``trades_accounts.csv``, ``trades_summary.csv`` beside it."""
    return {kind: out.with_name(f"{out.stem}_{kind}{out.suffix}") for kind in ("lots", "accounts", "summary")}


def _number_column(values: np.ndarray, column: str) -> pa.Array:
    v = np.round(np.asarray(values, float), DECIMALS.get(column, 4)) + 0.0  # no "-0.0" in the file
    return pa.array(v, pa.float64())


class TableWriter:
    """One output file, written chunk by chunk to a temporary file; :meth:`close` renames it into place."""

    def __init__(self, target: Path, kind: str) -> None:
        self.target, self.kind, self.columns = target, kind, COLUMNS[kind]
        self.parquet = is_parquet(target)
        self.temp = _temp_name(final_path(target))
        self.rows = 0
        self._handle = None
        self._parquet = None

    def write(self, columns: dict, names: np.ndarray) -> None:
        """Rows of one chunk: ``columns`` as :func:`~addin.batch.household_solve.solve_chunk` returns them;
        ``names``: household names by index."""
        n = len(columns["household"])
        if n == 0:
            return
        arrays = {}
        for c in self.columns:
            v = columns[c]
            if c == "household":
                arrays[c] = pa.array(names[v], pa.string())
            elif c in TEXT:  # "" is written as an empty field, not as ""
                arrays[c] = pa.array(v, pa.string(), mask=np.fromiter((x == "" for x in v), bool, n))
            elif c in FLAGS:
                arrays[c] = pa.array(np.asarray(v, bool), pa.bool_())
            else:
                arrays[c] = _number_column(v, c)
        self._write(pa.table(arrays))
        self.rows += n

    def _write(self, table: pa.Table) -> None:
        try:
            if self.parquet:
                import pyarrow.parquet as pq

                if self._parquet is None:
                    self._parquet = pq.ParquetWriter(self.temp, table.schema, write_statistics=False)
                self._parquet.write_table(table)
            else:
                import polars as pl

                if self._handle is None:
                    self._handle = open(self.temp, "wb")  # noqa: SIM115 - open across chunks, closed in close()
                pl.from_arrow(table).write_csv(self._handle, include_header=self._handle.tell() == 0)
        except OSError as exc:
            self.abort()
            raise BookInputError(f"could not write {self.target}: {exc.strerror or exc}.", EXIT_OUTPUT) from None

    def finish(self) -> None:
        """Complete the temporary file (a header alone when no row was written)."""
        if self.parquet and self._parquet is None:
            import pyarrow.parquet as pq

            pq.write_table(pa.table({c: pa.array([], pa.string() if c in TEXT else (
                pa.bool_() if c in FLAGS else pa.float64())) for c in self.columns}), self.temp)
        if self._parquet is not None:
            self._parquet.close()
        if not self.parquet:
            if self._handle is None:
                self._handle = open(self.temp, "wb")  # noqa: SIM115 - closed just below
            if self._handle.tell() == 0:
                self._handle.write((",".join(self.columns) + "\n").encode())
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()

    def commit(self) -> bool:
        return commit(self.temp, self.target)

    def abort(self) -> None:
        for closing in (self._handle, self._parquet):
            try:
                if closing is not None:
                    closing.close()
            except Exception:  # noqa: BLE001, S110 - already failing; the temp file goes anyway
                pass
        discard(self.temp)


class Outputs:
    """The four writers of a run: every file is finished first, then all are renamed into place."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.writers: dict[str, TableWriter] = {}
        try:
            for kind, path in paths.items():
                self.writers[kind] = TableWriter(path, kind)
        except BookInputError:
            self.abort()
            raise

    def write(self, result, names: np.ndarray) -> None:
        for kind, writer in self.writers.items():
            writer.write(getattr(result, kind), names)

    def close(self) -> list[str]:
        """Finish and rename every file; the names of those that replaced a previous file."""
        for w in self.writers.values():
            w.finish()
        return [w.target.name for w in self.writers.values() if w.commit()]

    def abort(self) -> None:
        for w in self.writers.values():
            w.abort()

    @property
    def rows(self) -> dict[str, int]:
        return {kind: w.rows for kind, w in self.writers.items()}
