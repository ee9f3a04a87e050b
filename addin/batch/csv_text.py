"""The trades file's rows as CSV text, formatted by a compiled loop (the book's largest single cost was polars
turning 18.7 M numbers into text: 1.1-1.3 CPU-s per 100,000 accounts).

The numbers written are those the polars writer wrote, read back equal: a column rounded to ``D`` decimals
holds ``k / 10**D`` (NumPy's ``round``: ``rint(x * 10**D) / 10**D``, ``k`` an exact integer), the double
nearest the decimal ``k / 10**D``; writing that decimal (trailing zeros dropped, ``.0`` kept as Python
writes a whole number) reads back as the same double. A column not rounded whose values are known
beforehand (``target``: the models' targets) gets the text polars writes for each value: written by the loop
for a value from 1e-5 to 1e5 with at most 10 decimals (polars writes those without exponent, in their shortest
digits), else polars' own text, made once (:func:`own_text`: polars is imported only then); any other
gets the fewest decimals ``d <= 17`` whose ``rint(x * 10**d) / 10**d`` gives ``x`` back, the same test (it
may then take a 17th digit other than polars'). A value that passes none of these (beyond 9e18 in units of
its last decimal, infinities, a value not among the known ones) stops the loop: :func:`_format_rows`
reports the row, and the caller writes the rest of the chunk another way. NaN is an empty field (as polars writes a
null). Names are quoted as polars quotes them (a delimiter, a quote, a line break; an empty name).

Used only when the kernels are compiled; in the plain-Python mode the trades go through polars.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kernels._jit import PURE_PYTHON, jit

#: Decimals searched for a column that was not rounded (``-1`` in ``decimals``).
MAX_DECIMALS = 17
#: ``decimals`` of a column whose values are among the known ones (written as polars writes them).
KNOWN = -2
#: Bytes a number may take: sign, 19 digits, point, 17 decimals.
NUMBER_BYTES = 40
#: Size of the text buffer handed to the file at a time.
BUFFER_BYTES = 1 << 22
#: Chunks of at least this many rows are formatted in two threads.
SPLIT_ROWS = 20_000
#: 10**i as int64, i = 0..18.
_INT_POWERS = np.array([10**i for i in range(19)], np.int64)
#: "00" to "99" as bytes: digits written two at a time.
_PAIRS = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), np.uint8).copy()
#: |k| below this converts to int64 exactly (and its digits fit :data:`NUMBER_BYTES`).
_K_LIMIT = 9.0e18
#: A value of a :data:`KNOWN` column in ``[_OWN_LOW, _OWN_HIGH)`` (or 0) with at most ``_OWN_DECIMALS`` decimals is
#: written by the loop itself: polars writes such numbers without exponent, in their shortest digits (``0.00001``;
#: below 1e-5 it writes ``9.9e-6``). Only the other known values need polars' text (:func:`own_text`).
_OWN_LOW, _OWN_HIGH, _OWN_DECIMALS = 1e-5, 1e5, 10

AVAILABLE = not PURE_PYTHON


@jit
def _format_rows(row, stop, account, symbol, numbers, decimals, names, name_at, symbols, symbol_at, buf, powers,
                 known, known_text, known_at):
    """Rows ``row:stop`` as CSV lines into ``buf`` until it is nearly full (``known``: sorted values of the
    columns whose ``decimals`` is :data:`KNOWN`, their text ``known_text[known_at[i]:known_at[i + 1]]``).

    Returns ``(next_row, n_bytes, failed)``: ``failed`` when row ``next_row`` holds a number that cannot be
    written exactly (nothing of it was written). One function, no calls taking arrays: each such call costs
    reference counting of every array, more than the formatting itself.
    """
    n_cols = numbers.shape[0]
    size = buf.shape[0]
    at = 0
    while row < stop:
        a = account[row]
        s = symbol[row]
        a0, a1 = name_at[a], name_at[a + 1]
        s0, s1 = symbol_at[s], symbol_at[s + 1]
        if at + (a1 - a0) + (s1 - s0) + n_cols * (NUMBER_BYTES + 1) + 2 > size:
            return row, at, False
        start = at
        for i in range(a0, a1):
            buf[at] = names[i]
            at += 1
        buf[at] = 44
        at += 1
        for i in range(s0, s1):
            buf[at] = symbols[i]
            at += 1
        for c in range(n_cols):
            buf[at] = 44  # ","
            at += 1
            x = numbers[c, row]
            if np.isnan(x):  # an empty field
                continue
            decimal = decimals[c]
            if decimal == KNOWN and (x == 0.0 or _OWN_LOW <= abs(x) < _OWN_HIGH):
                # at most 10 decimals here make at most 15 significant digits: a decimal that gives x back
                # is then its shortest text, the one polars writes (no exponent in this range)
                for e in range(_OWN_DECIMALS + 1):
                    k = np.rint(x * powers[e])
                    if k / powers[e] == x:
                        decimal = e
                        break
            if decimal == KNOWN:
                i = np.searchsorted(known, x)
                if i >= known.size or known[i] != x:
                    return row, start, True
                for b in range(known_at[i], known_at[i + 1]):
                    buf[at] = known_text[b]
                    at += 1
                continue
            d = -1
            k = 0.0
            if decimal >= 0:
                k = np.rint(x * powers[decimal])
                if abs(k) < _K_LIMIT and k / powers[decimal] == x:
                    d = decimal
            else:  # the fewest decimals that give x back
                for e in range(MAX_DECIMALS + 1):
                    k = np.rint(x * powers[e])
                    if not (abs(k) < _K_LIMIT):
                        break
                    if k / powers[e] == x:
                        d = e
                        break
            if d < 0:
                return row, start, True
            if k < 0.0:
                buf[at] = 45  # "-" (k is not -0.0 here: -0.0 < 0 is false)
                at += 1
                k = -k
            u = np.int64(k)
            scale = _INT_POWERS[d]
            whole = u // scale
            frac = u - whole * scale
            n = 1  # digits of the whole part (compared, not divided)
            while n < 19 and whole >= _INT_POWERS[n]:
                n += 1
            i = at + n  # the whole part, two digits at a time
            while i - at >= 2:
                q = whole // 100
                r = 2 * (whole - 100 * q)
                buf[i - 1] = _PAIRS[r + 1]
                buf[i - 2] = _PAIRS[r]
                whole = q
                i -= 2
            if i > at:
                buf[at] = 48 + whole
            at += n
            buf[at] = 46  # "."
            at += 1
            if frac == 0:
                buf[at] = 48  # "x.0", as Python writes a whole number
                at += 1
                continue
            i = at + d  # the decimals, zero-padded to d digits
            while i - at >= 2:
                q = frac // 100
                r = 2 * (frac - 100 * q)
                buf[i - 1] = _PAIRS[r + 1]
                buf[i - 2] = _PAIRS[r]
                frac = q
                i -= 2
            if i > at:
                buf[at] = 48 + frac
            at += d
            while buf[at - 1] == 48:  # trailing zeros (the decimals are not all 0: stops before the point)
                at -= 1
        buf[at] = 10
        at += 1
        row += 1
    return row, at, False


POWERS = 10.0 ** np.arange(MAX_DECIMALS + 1)


def encode_names(names: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of each name as a CSV field, quoted where polars quotes (``data``, ``offsets``)."""
    names = names.cast(pa.string())
    needs = pc.match_substring_regex(names, '[,"\\r\\n]|^$')
    if len(names) and pc.any(needs).as_py():
        quoted = ['"' + s.replace('"', '""') + '"' if q else s for s, q in zip(names.to_pylist(), needs.to_pylist())]
        names = pa.array(quoted, pa.string())
    if names.offset:
        names = pa.concat_arrays([names])
    offsets = np.frombuffer(names.buffers()[1], np.int32, len(names) + 1).astype(np.int64)
    data_buffer = names.buffers()[2]
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    return data, offsets


def own_text(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` the loop writes itself in a :data:`KNOWN` column (the same test, by whole arrays)."""
    size = np.abs(values)
    powers = POWERS[: _OWN_DECIMALS + 1]
    exact = (np.rint(values[:, None] * powers) / powers == values[:, None]).any(axis=1)
    return (values == 0.0) | ((size >= _OWN_LOW) & (size < _OWN_HIGH) & exact)


def polars_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each of ``values`` (finite) as polars writes it in a CSV file (``data``, ``offsets``)."""
    import io

    import polars as pl

    sink = io.BytesIO()
    pl.DataFrame({"x": values}, schema={"x": pl.Float64}).write_csv(sink, include_header=False)
    return encode_names(pa.array(sink.getvalue().decode().splitlines(), pa.string()))


class RowText:
    """Formats chunks of trades for one file: ``account``/``symbol`` name lists, ``decimals`` per number column
    (-1: not rounded; :data:`KNOWN`: among ``known``, the values such columns can hold)."""

    def __init__(self, names: pa.Array, symbols: pa.Array, decimals: list[int], known=None) -> None:
        self.names, self.name_at = encode_names(names)
        self.symbols, self.symbol_at = encode_names(symbols)
        self.decimals = np.asarray(decimals, np.int64)
        known = np.zeros(0) if known is None else np.unique(np.asarray(known, float))
        known = known[np.isfinite(known)] + 0.0
        if not known.size:
            self.decimals[self.decimals == KNOWN] = -1
        self.known = known[~own_text(known)]  # polars (and its import) only for the values the loop cannot write
        self.known_text, self.known_at = polars_text(self.known) if self.known.size else (np.zeros(0, np.uint8),
                                                                                           np.zeros(1, np.int64))
        self.buf = np.empty(BUFFER_BYTES, np.uint8)
        self._pool = self._buf2 = None

    def write(self, handle, account: np.ndarray, symbol: np.ndarray, numbers: np.ndarray) -> int:
        """Write rows to ``handle`` (binary) until one cannot be written exactly; returns the rows written.

        From :data:`SPLIT_ROWS` rows, the second half is formatted in a second thread meanwhile (the loop
        releases the GIL) and written after the first.
        """
        stop = account.size
        account = np.ascontiguousarray(account, np.int64)
        symbol = np.ascontiguousarray(symbol, np.int64)
        if stop < SPLIT_ROWS:
            return self._format(handle, account, symbol, numbers, 0, stop, self.buf)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(1, thread_name_prefix="xlfolio-text")
            self._buf2 = np.empty(BUFFER_BYTES, np.uint8)
        mid = stop // 2
        second = _Pieces()
        pending = self._pool.submit(self._format, second, account, symbol, numbers, mid, stop, self._buf2)
        try:
            row = self._format(handle, account, symbol, numbers, 0, mid, self.buf)
        finally:
            reached = pending.result()
        if row < mid:
            return row
        for piece in second.pieces:
            handle.write(piece)
        return reached

    def _format(self, sink, account, symbol, numbers, row: int, stop: int, buf: np.ndarray) -> int:
        while row < stop:
            row, n, failed = _format_rows(row, stop, account, symbol, numbers, self.decimals, self.names,
                                          self.name_at, self.symbols, self.symbol_at, buf, POWERS,
                                          self.known, self.known_text, self.known_at)
            sink.write(memoryview(buf)[:n])
            if failed:
                break
        return row

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class _Pieces:
    """Bytes kept in order until they can be written (the second half of a chunk)."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def write(self, data) -> None:
        self.pieces.append(bytes(data))
