"""The four files of a household run (trades, lots sold, accounts, summary), written safely and in household order.

Each file is written chunk by chunk to a temporary file beside its target (CSV with polars, Parquet with
pyarrow, by extension) and renamed into place only when the run succeeds (:mod:`addin.batch.output`).
Money is written to 1/100 of a cent, shares to 6 decimals, weights to 10 (the kernel's own numbers,
rounded: enough for any custodian, and the files stay readable).
"""

from __future__ import annotations

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
from .output import ChunkedFile
from .problems import BookInputError

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


class TableWriter(ChunkedFile):
    """One output file, written chunk by chunk to a temporary file; :meth:`commit` renames it into place."""

    def __init__(self, target: Path, kind: str) -> None:
        super().__init__(target)
        self.kind, self.columns = kind, COLUMNS[kind]

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
        self._append(pa.table(arrays))

    def finish(self) -> None:
        """Complete the temporary file (a header alone when no row was written)."""
        self._finish(pa.table({c: pa.array([], pa.string() if c in TEXT else (
            pa.bool_() if c in FLAGS else pa.float64())) for c in self.columns}))


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
