"""Reading input files: strict numbers, physical lines, encodings and delimiters, Parquet."""

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.batch import lines as lines_module
from addin.batch.lines import index_records
from addin.batch.numbers import parse_text_numbers, why_not_a_number
from addin.batch.problems import BookInputError
from addin.batch.reading import read_table
from addin.batch.schema import HOLDINGS
from addin.batch.textformat import sniff

ACCEPTED = {"100": 100.0, " 100 ": 100.0, "-1250.5": -1250.5, ".5": 0.5, "1e3": 1000.0, "+7": 7.0,
            "1,250.50": 1250.5, "1,250,000": 1_250_000.0, "-1,234.5": -1234.5, "0": 0.0}
REJECTED = {
    "1,5": "has a decimal comma; write 1.5",
    "0,600": "has a decimal comma; write 0.600",
    "1.234,56": "uses . for thousands and , for decimals; write 1234.56",
    "1.234.567": "uses . as a thousands separator; write 1234567",
    "1,000": "is ambiguous (1000 with a thousands separator, or 1.000 with a decimal comma); write 1000 or 1.000",
    "25%": "is a percentage; write it as a fraction (0.25 for 25%)",
    "$100": "has a currency sign; write the number alone",
    "1 000": "has spaces inside; write 1000",
    "inf": "is not a finite number; write a number",
    "1e999": "is too large; write a number below 1e308",
    "#N/A": "is not a number; write a plain number like 1234.56",
    "12,34,5": "has a comma that is not a thousands separator; write a plain number like 1234.56",
}


def test_numbers_are_read_strictly():
    texts = list(ACCEPTED) + list(REJECTED) + ["", "  "]
    values, blank, bad = parse_text_numbers(pa.array(texts))
    n_ok = len(ACCEPTED)
    np.testing.assert_array_equal(values[:n_ok], list(ACCEPTED.values()))
    assert bad[n_ok:n_ok + len(REJECTED)].all() and not bad[:n_ok].any() and not bad[-2:].any()
    assert blank[-2:].all() and not blank[:-2].any()
    assert np.isnan(values[n_ok:]).all()
    for text, reason in REJECTED.items():
        assert why_not_a_number(text) == reason


def _csv_records(text, delimiter=","):
    """Python's csv module as the oracle: (first line, fields, blank) of every record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out, done = [], 0
    for row in reader:
        out.append((done + 1, len(row) if row else 1, not row))
        done = reader.line_num
    return out


FIELD = st.one_of(st.sampled_from(["", "a", "12.5", "x y", "é", '"q"', "a,b", "two\nlines", "cr\r\nlf"]),
                  st.text(alphabet="ab,;\n\r\" 1", max_size=6))


def _quote(field):
    return '"' + field.replace('"', '""') + '"' if any(c in field for c in ',"\r\n') or field[:1] == " " else field


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(FIELD, min_size=1, max_size=4), min_size=1, max_size=12),
       blank_after=st.sets(st.integers(0, 11)), newline=st.sampled_from(["\n", "\r\n"]),
       chunk=st.sampled_from([7, 64, 1 << 24]))
def test_record_lines_match_pythons_csv_module(rows, blank_after, newline, chunk):
    lines_module.CHUNK_BYTES, saved = chunk, lines_module.CHUNK_BYTES
    try:
        parts = []
        for i, row in enumerate(rows):
            parts.append(",".join(_quote(f) for f in row) + newline)
            if i in blank_after:
                parts.append(newline)
        text = "".join(parts)
        got = index_records(text.encode(), ",")
        want = _csv_records(text)
        assert [(int(a), int(b) if not c else 1, bool(c)) for a, b, c in zip(got.line, got.n_fields, got.blank)] == \
            [(a, b, c) for a, b, c in want]
    finally:
        lines_module.CHUNK_BYTES = saved


def test_a_quote_inside_an_unquoted_value_falls_back_to_the_csv_module():
    text = 'a,b\n5" screen,2\n"x\ny",3\nlast,4\n'
    got = index_records(text.encode(), ",")
    assert got.texts  # the slow, exact scan was used
    assert got.line.tolist() == [1, 2, 3, 5] and got.n_fields.tolist() == [2, 2, 2, 2]


HEADER = "account,model,symbol,value\n"


@pytest.mark.parametrize("encoding,bom,label", [
    ("utf-8", b"", "UTF-8"), ("utf-8", b"\xef\xbb\xbf", "UTF-8 with BOM"), ("utf-16-le", b"\xff\xfe", "UTF-16 LE"),
    ("utf-16-be", b"\xfe\xff", "UTF-16 BE"), ("cp1252", b"", "Windows-1252"), ("utf-16-le", b"", "UTF-16 LE (no BOM)"),
])
def test_encodings_are_detected(tmp_path, encoding, bom, label):
    path = tmp_path / "h.csv"
    path.write_bytes(bom + (HEADER + "Zürich Ünïon,m,S,1\n\nB,m,S,x\n").encode(encoding))
    table = read_table(path, HOLDINGS)
    assert table.encoding == label
    assert list(table.text["account"].values[table.text["account"].codes]) == ["Zürich Ünïon", "B"]
    assert table.numbers["value"].bad.tolist() == [False, True]
    assert table.lines(np.array([1])).tolist() == [4]  # after the blank line, in every encoding


def test_a_file_that_is_utf8_at_the_start_and_cp1252_later_is_read_as_cp1252(tmp_path):
    path = tmp_path / "h.csv"
    body = "".join(f"A{i},m,S,1\n" for i in range(30_000)) + "Café,m,S,2\n"
    path.write_bytes((HEADER + body).encode("cp1252"))
    table = read_table(path, HOLDINGS)
    assert table.encoding == "Windows-1252" and table.text["account"].values[-2] == "Café"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_read(tmp_path, delimiter):
    path = tmp_path / "h.csv"
    path.write_text(HEADER.replace(",", delimiter) + delimiter.join(["A", "m", "S", "2.5"]) + "\n")
    assert sniff(path).delimiter == delimiter
    assert read_table(path, HOLDINGS).numbers["value"].values.tolist() == [2.5]


def test_unreadable_files_are_one_line_messages(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(BookInputError, match=r"^empty.csv: the file is empty; export the table again"):
        read_table(empty, HOLDINGS)
    twice = tmp_path / "twice.csv"
    twice.write_text("account,model,symbol,value,Value\nA,m,S,1,2\n")
    with pytest.raises(BookInputError, match="^twice.csv: column value appears twice in the header; keep one.$"):
        read_table(twice, HOLDINGS)
    with pytest.raises(BookInputError, match=r"--encoding nope: not an encoding Python knows"):
        read_table(twice, HOLDINGS, encoding="nope")


def test_parquet_columns_of_any_type_are_read_like_csv(tmp_path):
    path = tmp_path / "h.parquet"
    pq.write_table(pa.table({
        "Account": pa.array([1001, 1002, None]),  # numbers as names, a null
        "model": pa.array(["m", "m", "m"]).dictionary_encode(),
        "symbol": ["S", "T", "S"],
        "value": pa.array(["1,5", "2", "3"]),  # text numbers are read strictly too
        "locked": pa.array([True, False, None]),
    }), path)
    table = read_table(path, HOLDINGS)
    assert table.unit == "row" and table.encoding == "Parquet"
    assert list(table.text["account"].values[table.text["account"].codes]) == ["1001", "1002", ""]
    assert table.numbers["value"].bad.tolist() == [True, False, False]
    assert list(table.text["locked"].values[table.text["locked"].codes]) == ["true", "false", ""]
    assert table.lines(np.array([0, 2])).tolist() == [1, 3]
