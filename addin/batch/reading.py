"""Read one input file of a :class:`~addin.batch.schema.Schema` from CSV or Parquet, losing nothing.

The result, :class:`Table`, holds each column as NumPy arrays (text as codes into a list of trimmed
strings, numbers as float64 with blank and bad masks), the malformed rows as :class:`RowError`, and
a way to turn row numbers into the file's physical line numbers (computed only when needed).

CSV goes through Arrow's multithreaded reader: text columns dictionary-encoded (an account's name is
stored once), numbers parsed as float64. When a number column holds something Arrow cannot read
(``1,5``), the file is read again with that column as text and parsed strictly
(:mod:`addin.batch.numbers`), so every bad value is reported, not just the first. A file that is not
UTF-8 is read again as Windows-1252 (the "CSV" Excel writes on Windows); UTF-16 and UTF-32 are
recognised by their byte-order mark.
"""

from __future__ import annotations

import csv
import io
import itertools
import mmap
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .lines import RecordIndex, index_records, record_text
from .numbers import parse_text_numbers, why_not_a_number
from .problems import BookInputError, RowError
from .schema import DATE, FLAG, NUMBER, TEXT, Schema
from .textformat import FALLBACK_ENCODING, TextFormat, label_of, sniff

#: Extensions read as Parquet (anything else is read as CSV).
PARQUET_SUFFIXES = (".parquet", ".pq")
#: Bytes per block of Arrow's CSV reader (the unit of its parallelism).
BLOCK_BYTES = 1 << 20
#: Longest row text quoted in a message.
TEXT_SHOWN = 120


class Codes(NamedTuple):
    """A text column: ``values[codes[i]]`` is row ``i``'s trimmed text."""

    codes: np.ndarray  # int32, shape (n_rows,)
    values: np.ndarray  # object (str), shape (n_distinct,)


class Numbers(NamedTuple):
    """A number column: NaN where ``blank`` or ``bad``; ``text(rows)`` gives what the file says there."""

    values: np.ndarray  # float64, shape (n_rows,)
    blank: np.ndarray  # bool
    bad: np.ndarray  # bool: written but not a finite number
    source: pa.Array | None  # the text, when the column was read as text

    def text(self, rows: np.ndarray) -> list[str]:
        if self.source is not None:
            return self.source.take(pa.array(rows, pa.int64())).to_pylist()
        return [repr(float(v)).replace("'", "") for v in self.values[rows]]


class Table:
    """One file (or partition) read against a schema.

    Attributes
    ----------
    name : str
        What messages call the file.
    unit : str
        ``"line"`` (CSV: physical lines, header = 1) or ``"row"`` (Parquet: data rows from 1).
    n_rows : int
    text, numbers : dict
        :class:`Codes` and :class:`Numbers` by column name (flag columns are in ``text``).
    errors : list of RowError
        Malformed rows (wrong number of fields); they are not in the columns.
    encoding : str
        The encoding's name for the summary ("" for Parquet).
    """

    def __init__(self, name: str, unit: str, n_rows: int, text: dict, numbers: dict, errors: list,
                 encoding: str, locate=None) -> None:
        self.name, self.unit, self.n_rows = name, unit, n_rows
        self.text, self.numbers, self.errors, self.encoding = text, numbers, errors, encoding
        self._locate = locate

    def lines(self, rows: np.ndarray) -> np.ndarray:
        """Physical line (CSV) or data row (Parquet) of each row index; 0 where it cannot be known."""
        rows = np.asarray(rows, np.int64)
        if rows.size == 0:
            return rows
        if self._locate is None:
            return rows + 1
        return self._locate(rows)

    def has(self, column: str) -> bool:
        return column in self.text or column in self.numbers

    def strings(self, column: str, rows: np.ndarray) -> np.ndarray:
        col = self.text[column]
        return col.values[col.codes[rows]]


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


def read_table(path: Path, schema: Schema, encoding: str | None = None, name: str | None = None,
               blank_only: frozenset[str] = frozenset()) -> Table:
    """Read ``path`` (CSV, or Parquet by extension) against ``schema``.

    Of the number columns in ``blank_only`` only which rows are blank is kept (their values read as
    NaN, never bad): for columns a run does not use (prices without ``--whole-shares``), whose cells
    still make a row not empty. That saves their memory (25 MB per 3 M rows).

    Raises
    ------
    BookInputError
        Missing file, a required column missing, an unreadable encoding: nothing can be read.
    """
    name = name or path.name
    if not path.exists():
        raise BookInputError(f"{name}: no such file ({path}); check the path.")
    if path.is_dir():
        raise BookInputError(f"{name}: is a folder; give a CSV or Parquet file.")
    if is_parquet(path):
        table = _read_parquet(path, schema, name)
    else:
        table = _read_csv(path, schema, encoding, name, blank_only)
    for column in blank_only & set(table.numbers):
        table.numbers[column] = _blank_only(table.numbers[column].blank)
    return table


def _blank_only(blank: np.ndarray) -> Numbers:
    """A number column of which only the blanks are kept: NaN values, none bad (read-only, no memory)."""
    n = blank.size
    return Numbers(np.broadcast_to(np.nan, n), blank, np.broadcast_to(False, n), None)


def map_columns(header: list[str], schema: Schema, name: str) -> dict[str, str]:
    """Schema column -> the header's spelling (trimmed, any case)."""
    found: dict[str, str] = {}
    for raw in header:
        key = str(raw).strip().lower()
        if key in found and any(c.name == key for c in schema.columns):
            raise BookInputError(f"{name}: column {key} appears twice in the header; keep one.")
        found.setdefault(key, raw)
    missing = [c for c in schema.required if c not in found]
    if missing:
        raise BookInputError(
            f"{name}: needs columns {', '.join(schema.required)}; missing {', '.join(missing)} "
            f"(the header has: {', '.join(str(h).strip() for h in header)[:150]})."
        )
    return {c.name: found[c.name] for c in schema.columns if c.name in found}


# ------------------------------------------------------------------------------------------- CSV


def _read_csv(path: Path, schema: Schema, encoding: str | None, name: str, blank_only=frozenset()) -> Table:
    fmt = sniff(path, encoding)
    columns = map_columns(fmt.header, schema, name)
    as_text: set[str] = set()
    while True:
        invalid: list[str] = []
        try:
            arrow = _arrow_csv(path, schema, fmt, columns, as_text, invalid)
            n_rows = arrow.num_rows
            text, numbers = _columns(arrow, schema, columns, blank_only)
            del arrow
            break
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            text = str(exc)
            if ("UTF8" in text or "UTF-8" in text) and not encoding and fmt.encoding == "utf-8":
                fmt = fmt._replace(encoding=FALLBACK_ENCODING, label=label_of(FALLBACK_ENCODING))
                continue
            if "conversion error" in text and not as_text:
                as_text = {c.name for c in schema.columns if c.kind == NUMBER and c.name in columns}
                continue
            if isinstance(exc, UnicodeDecodeError) or "decode" in text.lower():
                raise BookInputError(
                    f"{name}: not readable as {fmt.label}; save it from Excel as 'CSV UTF-8' or give --encoding."
                ) from None
            raise BookInputError(f"{name}: {text.splitlines()[0][:160]}") from None
    locator = _Locator(path, fmt, n_rows)
    if not as_text and any(num.bad.any() for num in numbers.values()):  # inf, nan: read the text they were
        del text, numbers
        return _read_csv_as_text(path, schema, fmt, columns, name)
    pa.default_memory_pool().release_unused()
    errors = _malformed(locator, fmt, columns, name) if invalid else []
    return Table(name, "line", locator.n_rows, text, numbers, errors, fmt.label, locator)


def _read_csv_as_text(path, schema, fmt, columns, name) -> Table:
    invalid: list[str] = []
    as_text = {c.name for c in schema.columns if c.kind == NUMBER and c.name in columns}
    arrow = _arrow_csv(path, schema, fmt, columns, as_text, invalid)
    locator = _Locator(path, fmt, arrow.num_rows)
    text, numbers = _columns(arrow, schema, columns)
    del arrow
    errors = _malformed(locator, fmt, columns, name) if invalid else []
    return Table(name, "line", locator.n_rows, text, numbers, errors, fmt.label, locator)


def _csv_options(schema, fmt: TextFormat, columns, as_text, invalid) -> dict:
    """Arrow's CSV options for ``schema``: text as dictionaries, numbers as float64 unless in ``as_text``."""
    types = {}
    for col in schema.columns:
        if col.name in columns:
            numeric = col.kind == NUMBER and col.name not in as_text
            types[columns[col.name]] = pa.float64() if numeric else (
                pa.string() if col.kind == NUMBER else pa.dictionary(pa.int32(), pa.string()))

    def handler(row):
        invalid.append(row.text)
        return "skip"

    return {
        "read_options": pacsv.ReadOptions(use_threads=True, block_size=BLOCK_BYTES,
                                          encoding="utf8" if fmt.encoding == "utf-8" else fmt.encoding),
        "parse_options": pacsv.ParseOptions(delimiter=fmt.delimiter, newlines_in_values=True,
                                            invalid_row_handler=handler),
        "convert_options": pacsv.ConvertOptions(column_types=types, include_columns=list(types), null_values=[""],
                                                strings_can_be_null=False, quoted_strings_can_be_null=True),
    }


def _arrow_csv(path, schema, fmt: TextFormat, columns, as_text, invalid) -> pa.Table:
    return pacsv.read_csv(path, **_csv_options(schema, fmt, columns, as_text, invalid))


class _Locator:
    """Row index -> physical line, from :func:`index_records` (built on first use)."""

    def __init__(self, path: Path, fmt: TextFormat, n_rows: int) -> None:
        self.path, self.fmt, self.n_rows = path, fmt, n_rows
        self._index: RecordIndex | None = None
        self._rows: np.ndarray | None = None
        self._data = None

    def data(self):
        if self._data is None:
            if _ascii_compatible(self.fmt.encoding):
                with open(self.path, "rb") as handle:
                    try:
                        self._data = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
                    except ValueError:  # an empty file cannot be mapped
                        self._data = memoryview(b"")
                self._data = self._data[len(self.fmt.bom):]
            else:
                text = self.path.read_bytes().decode(self.fmt.encoding, "replace").lstrip("\ufeff")
                self._data = memoryview(text.encode("utf-8"))
        return self._data

    def index(self) -> RecordIndex:
        if self._index is None:
            self._index = index_records(self.data(), self.fmt.delimiter)
        return self._index

    def header_record(self) -> int:
        nonblank = np.flatnonzero(~self.index().blank)
        return int(nonblank[0]) if nonblank.size else 0

    def malformed_records(self) -> np.ndarray:
        idx = self.index()
        k = np.arange(idx.line.size)
        return np.flatnonzero((k > self.header_record()) & ~idx.blank & (idx.n_fields != len(self.fmt.header)))

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        if self._rows is None:
            idx = self.index()
            k = np.arange(idx.line.size)
            self._rows = np.flatnonzero((k > self.header_record()) & ~idx.blank
                                        & (idx.n_fields == len(self.fmt.header)))
            if self._rows.size != self.n_rows:  # should not happen; never report a wrong line
                self._rows = None
                return np.zeros(rows.size, np.int64)
        return self.index().line[self._rows[rows]]

    def text(self, k: int) -> str:
        enc = self.fmt.encoding if _ascii_compatible(self.fmt.encoding) else "utf-8"
        return record_text(self.data(), self.index(), k, enc)


def _ascii_compatible(encoding: str) -> bool:
    try:
        return 'a,"\n\r'.encode(encoding) == b'a,"\n\r' and "é".encode(encoding) != "é".encode("utf-16-le")
    except (LookupError, UnicodeError):
        return False


_SPLIT_NUMBER = re.compile(r"^[+-]?\d{1,3}$")
_GROUP = re.compile(r"^\d{3}(\.\d*)?$")


def _malformed(locator: _Locator, fmt: TextFormat, columns: dict, name: str) -> list[RowError]:
    """A RowError per record whose number of fields differs from the header's."""
    errors = []
    expected = len(fmt.header)
    account_at = next((i for i, h in enumerate(fmt.header) if h == columns.get("account")), None)
    household_at = next((i for i, h in enumerate(fmt.header) if h == columns.get("household")), None)
    idx = locator.index()
    for k in locator.malformed_records():
        text = locator.text(int(k))
        try:
            fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter), [])
        except csv.Error:
            fields = text.split(fmt.delimiter)
        n = int(idx.n_fields[k])
        if n > expected:
            split = next((f"{a},{b}" for a, b in itertools.pairwise(fields)
                          if _SPLIT_NUMBER.match(a.strip()) and _GROUP.match(b.strip())), None)
            hint = (f"the number {split} is split by its thousands separator; write it without the comma "
                    "or in quotes" if split else f"a value holding '{fmt.delimiter}' must be in quotes")
        else:
            hint = "every row needs all the header's columns (leave optional ones empty)"
        account = fields[account_at].strip() if account_at is not None and account_at < len(fields) else ""
        household = fields[household_at].strip() if household_at is not None and household_at < len(fields) else ""
        shown = text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN] + "..."
        errors.append(RowError(name, int(idx.line[k]), "", text,
                               f"has {n} fields where the header has {expected} ({shown!r}); {hint}", account,
                               household=household))
    return errors


# --------------------------------------------------------------------------------------- Parquet


def _read_parquet(path: Path, schema: Schema, name: str) -> Table:
    import pyarrow.parquet as pq

    try:
        names = pq.ParquetFile(path).schema_arrow.names
        columns = map_columns(names, schema, name)
        text = [columns[c.name] for c in schema.columns if c.kind != NUMBER and c.name in columns]
        pf = pq.ParquetFile(path, read_dictionary=text)  # names come as dictionaries, as they are stored
    except (pa.ArrowException, OSError) as exc:
        raise BookInputError(f"{name}: not a readable Parquet file ({str(exc)[:120]}).") from None
    text, numbers = {}, {}
    for col in schema.columns:  # one column at a time: the file's pages and the result are never all in memory
        if col.name in columns:
            one = pf.read(columns=[columns[col.name]], use_threads=True)
            text_one, numbers_one = _columns(one, schema, {col.name: columns[col.name]})
            text.update(text_one)
            numbers.update(numbers_one)
            del one
    return Table(name, "row", pf.metadata.num_rows, text, numbers, [], "Parquet")


# ------------------------------------------------------------------------------------- to NumPy


def _columns(arrow: pa.Table, schema: Schema, columns: dict, blank_only=frozenset()) -> tuple[dict, dict]:
    """NumPy columns; each Arrow column is let go as soon as it is converted (peak memory). Of a number column in
    ``blank_only`` read as numbers only its nulls are kept (see :func:`read_table`)."""
    text, numbers = {}, {}
    for col in schema.columns:
        if col.name not in columns:
            continue
        data = arrow.column(columns[col.name])
        arrow = arrow.drop_columns([columns[col.name]])
        if col.kind in (TEXT, FLAG, DATE):
            text[col.name] = _codes(data)
        elif col.name in blank_only and pa.types.is_floating(data.type):
            numbers[col.name] = _blank_only(data.is_null().to_numpy(zero_copy_only=False))
        else:
            numbers[col.name] = _numbers(data)
        del data
        pa.default_memory_pool().release_unused()
    return text, numbers


def _codes(data: pa.ChunkedArray) -> Codes:
    """Codes into trimmed distinct strings, chunk by chunk (no copy of the whole column at once)."""
    if not pa.types.is_dictionary(data.type):
        if not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
            data = pc.cast(data, pa.string())
        data = pc.dictionary_encode(data)
    n = len(data)
    if data.num_chunks == 0 or n == 0:
        return Codes(np.zeros(0, np.int32), np.zeros(0, object))
    data = data.unify_dictionaries()
    dictionary = data.chunk(0).dictionary
    if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
        dictionary = pc.cast(dictionary, pa.string())
    trimmed = pc.utf8_trim_whitespace(dictionary).dictionary_encode()  # " A1" and "A1" are one account
    remap = trimmed.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    values = np.array(trimmed.dictionary.to_pylist() + [""], dtype=object)  # last: nulls (Parquet) read as blank
    codes = np.empty(n, np.int32)
    at = 0
    for chunk in data.chunks:
        indices = chunk.indices
        k = len(indices)
        if chunk.null_count:
            idx = indices.fill_null(0).to_numpy(zero_copy_only=False)
            codes[at:at + k] = np.where(chunk.is_null().to_numpy(zero_copy_only=False), values.size - 1, remap[idx])
        else:
            codes[at:at + k] = remap[indices.to_numpy(zero_copy_only=False)]
        at += k
    return Codes(codes, values)


def _numbers(data: pa.ChunkedArray) -> Numbers:
    t = data.type
    if pa.types.is_dictionary(t):
        data, t = pc.cast(data, t.value_type), t.value_type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        source = data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data
        values, blank, bad = parse_text_numbers(source)
        return Numbers(values, blank, bad, source)
    if not (pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
        raise BookInputError(f"a number column has type {t}; store numbers as numbers or text.")
    n = len(data)
    values = np.empty(n, np.float64)
    blank = np.zeros(n, bool)
    at = 0
    for chunk in data.chunks:
        k = len(chunk)
        if not pa.types.is_float64(chunk.type):
            chunk = pc.cast(chunk, pa.float64())
        values[at:at + k] = chunk.to_numpy(zero_copy_only=False)
        if chunk.null_count:
            blank[at:at + k] = chunk.is_null().to_numpy(zero_copy_only=False)
        at += k
    finite = np.isfinite(values)
    bad = ~blank & ~finite
    if bad.any():
        source = pa.array(np.where(bad, values, 0.0).astype(str))
        values[bad] = np.nan
        return Numbers(values, blank, bad, source)
    return Numbers(values, blank, bad, None)


__all__ = ["Codes", "Numbers", "Table", "is_parquet", "map_columns", "read_table", "why_not_a_number"]
