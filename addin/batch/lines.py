"""Physical line numbers of the records of a CSV file (blank lines and quoted line breaks counted).

Arrow's reader gives rows, not lines: a blank line is skipped and a quoted value may hold a line
break, so row ``i`` is not line ``i + 2``. :func:`index_records` scans the bytes once with NumPy and
returns, for each record, the line it starts on, its number of fields and whether it is blank. It is
only needed when something must be reported, so a clean file never pays for it.

Quotes are read the way Arrow and Python's ``csv`` read them: a quote opens a quoted value only at
the start of a field, and ``""`` inside one is a quote. The fast scan counts quotes; when a file has a
quote in the middle of an unquoted value (``5" screen``), where counting would be wrong, the scan is
done again with Python's ``csv`` module (slower, same answers).
"""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

import numpy as np

CHUNK_BYTES = 1 << 24
QUOTE, LF, CR = 34, 10, 13


class RecordIndex(NamedTuple):
    """One entry per record (the header is record 0), all of shape (n_records,)."""

    line: np.ndarray  # int64: physical line the record starts on (1 = first line of the file)
    n_fields: np.ndarray  # int64
    blank: np.ndarray  # bool: an empty line
    start: np.ndarray  # int64 byte offsets into the scanned bytes (-1 when unknown)
    end: np.ndarray  # int64, exclusive, line break not included
    texts: dict  # record -> text, filled only by the slow scan


def index_records(data: bytes | memoryview, delimiter: str) -> RecordIndex:
    """Index the records of ``data`` (UTF-8 or another encoding that keeps ASCII bytes as they are)."""
    fast = _scan(np.frombuffer(data, np.uint8), ord(delimiter))
    return fast if fast is not None else _scan_with_csv(bytes(data).decode("utf-8", "replace"), delimiter)


def record_text(data: bytes | memoryview, index: RecordIndex, k: int, encoding: str = "utf-8") -> str:
    if k in index.texts:
        return index.texts[k]
    return bytes(data[index.start[k]: index.end[k]]).decode(encoding, "replace").rstrip("\r")


def _scan(buf: np.ndarray, delim: int) -> RecordIndex | None:
    n = buf.size
    all_terms, out_terms, fields = [], [], []
    parity = 0  # quotes seen so far, mod 2
    prev_byte = LF  # the byte before the current chunk (start of data = start of a field)
    open_fields = 1  # fields of the record still open at the end of the previous chunk
    for lo in range(0, n, CHUNK_BYTES):
        chunk = buf[lo: lo + CHUNK_BYTES]
        q = np.flatnonzero(chunk == QUOTE)
        if q.size:
            opening = q[((parity + np.arange(q.size)) & 1) == 0]
            before = np.where(opening > 0, chunk[np.maximum(opening - 1, 0)], prev_byte)
            if not np.all((before == delim) | (before == LF) | (before == CR) | (before == QUOTE)):
                return None
        lf = np.flatnonzero(chunk == LF)
        cr = np.flatnonzero(chunk == CR)
        if cr.size:
            nxt = np.where(cr + 1 < chunk.size, chunk[np.minimum(cr + 1, chunk.size - 1)],
                           buf[lo + chunk.size] if lo + chunk.size < n else 0)
            lone = cr[nxt != LF]
            terms = np.union1d(lf, lone) if lone.size else lf
        else:
            terms = lf
        d = np.flatnonzero(chunk == delim)
        if q.size:
            outside_t = terms[((parity + np.searchsorted(q, terms)) & 1) == 0]
            d = d[((parity + np.searchsorted(q, d)) & 1) == 0]
        elif parity:  # the whole chunk is inside a quoted value
            outside_t, d = terms[:0], d[:0]
        else:
            outside_t = terms
        counts = np.bincount(np.searchsorted(outside_t, d), minlength=outside_t.size + 1)
        if outside_t.size:
            closed = counts[: outside_t.size].astype(np.int64)
            closed[0] += open_fields - 1
            fields.append(closed + 1)
            open_fields = int(counts[outside_t.size]) + 1
        else:
            open_fields += int(counts[0])
        all_terms.append(terms + lo)
        out_terms.append(outside_t + lo)
        parity = (parity + q.size) & 1
        prev_byte = int(chunk[-1])
    all_t = np.concatenate(all_terms) if all_terms else np.zeros(0, np.int64)
    out_t = np.concatenate(out_terms) if out_terms else np.zeros(0, np.int64)
    n_fields = np.concatenate(fields) if fields else np.zeros(0, np.int64)
    start = np.concatenate([[0], out_t + 1]).astype(np.int64)
    end = np.concatenate([out_t, [n]]).astype(np.int64)
    n_fields = np.concatenate([n_fields, [open_fields]])
    if start[-1] >= n:  # the file ends with a line break: no record after it
        start, end, n_fields = start[:-1], end[:-1], n_fields[:-1]
    length = end - start
    last = buf[np.maximum(end - 1, 0)] if n else np.zeros(0, np.uint8)
    blank = (length == 0) | ((length == 1) & (last == CR))
    line = 1 + np.searchsorted(all_t, start)
    return RecordIndex(line.astype(np.int64), n_fields.astype(np.int64), blank, start, end, {})


def _scan_with_csv(text: str, delimiter: str) -> RecordIndex:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line, n_fields, blank, texts = [], [], [], {}
    done = 0
    for k, row in enumerate(reader):
        line.append(done + 1)
        done = reader.line_num
        n_fields.append(len(row))
        blank.append(not row)
        texts[k] = delimiter.join(row)
    none = np.full(len(line), -1, np.int64)
    return RecordIndex(np.array(line, np.int64), np.array(n_fields, np.int64), np.array(blank, bool), none,
                       none, texts)
