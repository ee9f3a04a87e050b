"""What issue 18's speed work changed must not change results: Arrow's multithreaded CSV reader against Python's
csv module, prices not kept without whole shares, writing behind the computation, and the
``xlfolio rebalance`` command importing only what it needs."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from addin.batch import book as book_module
from addin.batch.checks import check_holdings, check_models
from addin.batch.problems import BookInputError
from addin.batch.reading import read_table
from addin.batch.schema import HOLDINGS, MODELS
from addin.batch.trades import Options

ROOT = Path(__file__).resolve().parents[2]
HEADER = "account,model,symbol,value,price,lot_size,locked,cash_flow\n"
MODELS_CSV = "model,symbol,target,price\nm1,AAA,0.5,10\nm1,BBB,0.5,20\nm2,AAA,1,10\n"


def _book(n_accounts: int, seed: int = 1) -> str:
    """A holdings file with the awkward parts: padded and quoted names, a quoted empty value, blank lines,
    a malformed row, rows out of order, CASH rows, an account on two models."""
    rng = np.random.default_rng(seed)
    lines = [HEADER]
    for a in range(n_accounts):
        name = f" A{a} " if a % 7 == 0 else f'"A{a}"' if a % 11 == 0 else f"A{a}"
        model = "m1" if a % 3 else "m2"
        for sym in rng.permutation(["BBB", "AAA", "CASH", "CCC"])[: rng.integers(1, 5)]:
            price = "" if sym == "CASH" else f"{rng.uniform(5, 50):.2f}"
            lines.append(f"{name},{model},{sym},{rng.integers(0, 10_000)}.5,{price},,{'yes' if a % 5 == 0 else ''},\n")
        if a % 13 == 0:
            lines.append("\n")
    lines.insert(5, 'A1,m1,"",100,,,,\n')  # a quoted empty symbol: blank
    lines.insert(9, "A2,m1,AAA,1,000,,,,\n")  # malformed: one field too many
    return "".join(lines)


@pytest.mark.parametrize("n_accounts", [0, 3, 4000])
def test_the_reader_equals_pythons_csv_module(tmp_path, monkeypatch, n_accounts):
    """Arrow's multithreaded reader, in many blocks (each with its own dictionaries), against the csv module: the
    same rows (blank lines and the malformed row left out, and the latter reported at its line), trimmed text,
    the same numbers and blanks."""
    path = tmp_path / "holdings.csv"
    path.write_text(_book(n_accounts) if n_accounts else HEADER, encoding="utf-8")
    from addin.batch import reading

    monkeypatch.setattr(reading, "BLOCK_BYTES", 4096)
    table = read_table(path, HOLDINGS)
    with open(path, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    header, lines, rows = records[0], [], []
    for line, record in enumerate(records[1:], start=2):  # no quoted line breaks here: record k is line k + 1
        if record and len(record) != len(header):
            lines.append(line)
        elif record:
            rows.append(record)
    assert table.n_rows == len(rows)
    assert [e.line for e in table.errors] == lines and bool(lines) == (n_accounts > 0)
    for k, column in enumerate(header):
        if column in table.text:
            assert list(table.strings(column, np.arange(len(rows)))) == [r[k].strip() for r in rows], column
        else:
            num = table.numbers[column]
            blank = np.array([not r[k].strip() for r in rows], bool)
            np.testing.assert_array_equal(num.blank, blank)
            np.testing.assert_array_equal(num.values, [np.nan if b else float(r[k]) for r, b in zip(rows, blank)])
            assert not num.bad.any()


def test_streamed_codes_are_in_first_seen_order(tmp_path):
    path = tmp_path / "holdings.csv"
    path.write_text(HEADER + "".join(f"B{i % 50},m1,AAA,1,,,,\n" for i in range(200)) + '"B7",m1,BBB,2,,,,\n  B8 ,m1,BBB,2,,,,\n')
    table = read_table(path, HOLDINGS)
    acc = table.text["account"]
    assert list(acc.values[:50]) == [f"B{i}" for i in range(50)]
    assert acc.codes[-2:].tolist() == [7, 8]  # quoted, padded: the same accounts


def test_blank_only_columns_keep_blanks_and_no_values(tmp_path):
    path = tmp_path / "holdings.csv"
    path.write_text(HEADER + "A1,m1,AAA,100,12.5,,,\nA1,m1,BBB,100,,,,\n,,,,7,,,\n", encoding="utf-8")
    table = read_table(path, HOLDINGS, blank_only=book_module.UNPRICED)
    price = table.numbers["price"]
    assert price.blank.tolist() == [False, True, False]
    assert np.isnan(price.values).all() and not price.bad.any()
    assert price.values.strides == (0,) and price.bad.strides == (0,)  # one value seen at every row: no memory
    full = read_table(path, HOLDINGS)
    assert full.numbers["price"].values[0] == 12.5
    # a row holding only a price is still a row (its blank account is reported), with or without the values
    models, _ = check_models(read_table(_models(tmp_path), MODELS), False)
    for t in (table, full):
        _, errors, counts = check_holdings(t, models, False, {})
        assert [(e.line, e.column) for e in errors] == [(4, "account")] and counts.rows == 3


def _models(tmp_path):
    path = tmp_path / "models.csv"
    path.write_text(MODELS_CSV, encoding="utf-8")
    return path


class _Collect:
    def __init__(self, fail_at=None):
        self.chunks, self.fail_at = [], fail_at

    def write(self, account, symbol, numbers):
        if self.fail_at is not None and len(self.chunks) == self.fail_at:
            raise BookInputError("could not write trades.csv: disk full.")
        self.chunks.append((account.to_pylist(), symbol.to_pylist(), {k: v.copy() for k, v in numbers.items()}))


def _part(tmp_path, writer, overlap):
    path = tmp_path / "holdings.csv"
    if not path.exists():
        path.write_text(_book(300), encoding="utf-8")
    models, _ = check_models(read_table(_models(tmp_path), MODELS), False)
    return book_module.rebalance_part(path, models, Options(), writer, chunk_accounts=40, overlap=overlap)


def test_writing_behind_gives_the_same_rows_in_the_same_order(tmp_path):
    behind, inline = _Collect(), _Collect()
    a = _part(tmp_path, behind, overlap=True)
    b = _part(tmp_path, inline, overlap=False)
    assert len(behind.chunks) == len(inline.chunks) > 5
    for (acc1, sym1, num1), (acc2, sym2, num2) in zip(behind.chunks, inline.chunks):
        assert acc1 == acc2 and sym1 == sym2
        for k in num1:
            np.testing.assert_array_equal(num1[k], num2[k])
    assert a.rows_written == b.rows_written and a.n_trades == b.n_trades


@pytest.mark.parametrize("overlap", [True, False])
def test_a_write_failure_behind_is_raised_and_nothing_runs_on(tmp_path, overlap):
    writer = _Collect(fail_at=2)
    with pytest.raises(BookInputError, match="disk full"):
        _part(tmp_path, writer, overlap=overlap)
    assert len(writer.chunks) == 2


def test_the_rebalance_command_imports_neither_pandas_nor_the_macros(tmp_path):
    code = ("import sys\nfrom addin.cli import main\ntry:\n    main(['rebalance', '--help'])\nexcept SystemExit:\n"
            "    pass\nprint(sorted(m for m in ('pandas', 'addin.macros', 'workbook.sample_data') if m in sys.modules))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "--whole-shares" in out.stdout


def test_the_full_command_list_is_still_there():
    from addin.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"rebalance", "risk", "build-template", "warmup"} <= set(commands) and len(commands) > 3


def test_the_rebalance_defaults_are_the_sample_files():
    from addin.commands.rebalance import DATA_DIR, SAMPLE_HOLDINGS
    from workbook.sample_data import DATA_DIR as SAMPLE_DIR

    assert DATA_DIR == SAMPLE_DIR and SAMPLE_HOLDINGS.exists()


def test_arrow_table_path_is_still_used_for_text_numbers(tmp_path):
    path = tmp_path / "holdings.csv"
    path.write_text(HEADER + 'A1,m1,AAA,"1,5",,,,\nA1,m1,BBB,2,,,,\n', encoding="utf-8")
    table = read_table(path, HOLDINGS)
    value = table.numbers["value"]
    assert value.bad.tolist() == [True, False] and isinstance(value.source, pa.Array)
