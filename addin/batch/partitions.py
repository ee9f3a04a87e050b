"""A holdings dataset: a folder of CSV or Parquet files, each holding whole accounts.

A firm with more accounts than one process should handle splits its holdings into files of whole
accounts (``xlfolio rebalance HOLDINGS.csv --partition FOLDER`` does it); each file is then rebalanced
on its own, in this process or on a Dask worker. :func:`scan_partitions` makes the two facts that
cross files agree with a single-file run: an account found in two files is refused (its trades would
be computed from half its holdings), and the price of a model security an account does not hold is
the book's first price of it (when the models file has none).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from .problems import BookInputError, RowError
from .reading import PARQUET_SUFFIXES, read_table
from .schema import NUMBER, TEXT, Column, Schema

SCAN = Schema("holdings", (Column("account", TEXT, required=True), Column("symbol", TEXT), Column("price", NUMBER)))
#: Accounts per file written by --partition.
ACCOUNTS_PER_PART = 100_000


def list_partitions(path: Path) -> list[tuple[Path, str]]:
    """``[(file, name in messages)]``: the file itself, or the CSV/Parquet files under a folder, sorted."""
    if not path.is_dir():
        return [(path, path.name)]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PARQUET_SUFFIXES + (".csv",)
                   and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
    if not files:
        raise BookInputError(f"{path}: a folder with no .csv or .parquet files; give a holdings file or dataset.")
    return [(p, str(p.relative_to(path))) for p in files]


def scan_one(path: Path, name: str, symbols: set[str], encoding: str | None) -> tuple[np.ndarray, dict]:
    """The account names of one partition and the first price there of each of ``symbols``."""
    table = read_table(path, SCAN, encoding, name)
    acc = table.text["account"]
    used = np.zeros(acc.values.size, bool)
    used[acc.codes] = True
    names = acc.values[used]
    names = names[names != ""]
    prices = {}
    if symbols and "price" in table.numbers and "symbol" in table.text:
        sym, p = table.text["symbol"], table.numbers["price"].values
        wanted = np.fromiter((s in symbols for s in sym.values), bool, sym.values.size)
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(wanted[sym.codes] & (p > 0))
        codes, first = np.unique(sym.codes[rows], return_index=True)
        prices = {sym.values[c]: float(p[rows[i]]) for c, i in zip(codes, first)}
    return names, prices


def combine_scans(parts: list[tuple[Path, str]], scans: list) -> tuple[dict, dict]:
    """``(fallback prices, refused accounts)`` from the scans of every partition, in partition order."""
    fallback: dict[str, float] = {}
    for _, prices in scans:
        for s, p in prices.items():
            fallback.setdefault(s, p)
    all_names = np.concatenate([names for names, _ in scans]) if scans else np.zeros(0, object)
    part_of = np.repeat(np.arange(len(scans)), [names.size for names, _ in scans])
    refused: dict[str, str] = {}
    if all_names.size:
        keys = all_names.astype(str)
        order = np.argsort(keys, kind="stable")
        sorted_names = keys[order]
        dup = np.flatnonzero(sorted_names[1:] == sorted_names[:-1])
        for name in dict.fromkeys(sorted_names[dup]):
            lo, hi = np.searchsorted(sorted_names, name, "left"), np.searchsorted(sorted_names, name, "right")
            where = ", ".join(parts[i][1] for i in sorted(set(part_of[order[lo:hi]])))
            refused[name] = (f"account {name} is in more than one partition ({where}); a partition must hold whole "
                             "accounts: re-partition by account")
    return fallback, refused


def scan_partitions(parts, symbols: set[str], encoding: str | None) -> tuple[dict, dict, list[RowError]]:
    scans = [scan_one(path, name, symbols, encoding) for path, name in parts]
    fallback, refused = combine_scans(parts, scans)
    return fallback, refused, []


def write_partitions(holdings: Path, folder: Path, accounts_per_part: int, encoding: str | None) -> tuple[int, int]:
    """Write ``holdings`` as Parquet files of whole accounts in ``folder``; ``(files, rows)`` written.

    Text columns are written as text; a number column as float64 when every value in it reads as a
    number, else as the text it holds (so its bad values are reported, by partition and row, when the
    dataset is rebalanced). Accounts keep the order they first appear in.
    """
    import pyarrow.parquet as pq

    from .schema import HOLDINGS

    table = read_table(holdings, HOLDINGS, encoding)
    if table.errors:
        raise BookInputError(f"{table.name}: {len(table.errors)} malformed rows (first: "
                             f"{table.errors[0].message()}); fix them before partitioning.")
    acc = table.text["account"]
    first = np.full(acc.values.size, table.n_rows, np.int64)
    np.minimum.at(first, acc.codes, np.arange(table.n_rows))
    rank = np.empty(acc.values.size, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(acc.values.size)
    part = rank[acc.codes] // max(accounts_per_part, 1)
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(part.max() + 2 if part.size else 1))
    columns = {}
    for name, col in table.text.items():
        columns[name] = pa.array(col.values[col.codes], pa.string())
    for name, num in table.numbers.items():
        columns[name] = num.source if num.bad.any() and num.source is not None else pa.array(
            num.values, pa.float64(), mask=num.blank)
    full = pa.table(columns)
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for i in range(bounds.size - 1):
        rows = order[bounds[i]:bounds[i + 1]]
        if rows.size:
            pq.write_table(full.take(pa.array(rows)), folder / f"part-{i:05d}.parquet")
            files += 1
    return files, table.n_rows
