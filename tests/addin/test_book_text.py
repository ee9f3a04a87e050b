"""The book's trades as rows: the compiled CSV text and the compiled layout against the paths they replace.

- ``addin.batch.csv_text`` writes the numbers polars wrote, read back equal (and the same bytes for the
  numbers a trades file holds); what it cannot write exactly goes through polars.
- ``kernels.book_rows`` (one compiled call per chunk) writes the rows the NumPy layout around
  ``kernels.rebalance_batch`` wrote: same accounts, symbols and order, numbers within a unit of their last
  decimal (sums may be taken in another order), on random books with every option.
"""

import csv
import io
import zlib

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from addin.batch import book, csv_text, output
from addin.batch.trades import COLUMNS, DECIMALS
from addin.cli import main
from kernels.book_rows import ROW_DECIMALS

pytestmark = pytest.mark.skipif(not csv_text.AVAILABLE, reason="the compiled text needs the compiled kernels")

NUMBER_COLUMNS = COLUMNS[2:]


def polars_text(names, symbols, account, symbol, numbers):
    table = pa.table({"account": names.take(pa.array(account)), "symbol": symbols.take(pa.array(symbol)),
                      **{c: pa.array(numbers[i], pa.float64(), from_pandas=True) for i, c in enumerate(NUMBER_COLUMNS)}})
    sink = io.BytesIO()
    pl.from_arrow(table).write_csv(sink, include_header=False)
    return sink.getvalue()


def compiled_text(names, symbols, account, symbol, numbers, decimals, known=None):
    sink = io.BytesIO()
    done = csv_text.RowText(names, symbols, decimals, known).write(sink, account, symbol, numbers)
    return sink.getvalue(), done


def read_back(text: bytes) -> np.ndarray:
    rows = list(csv.reader(io.StringIO(text.decode(), newline="")))
    return np.array([r[:2] + [float(x) if x else np.nan for x in r[2:]] for r in rows], object)


def random_rows(rng, n=20_000):
    money = lambda: np.round(rng.choice([1.0, 1e3, 1e6, 1e9]) * rng.standard_normal(n), 4)
    numbers = np.stack([
        np.abs(money()), rng.choice([0.0, 0.0239, 0.1, 1 / 3, 0.05, 1.0, 2 / 7, 1e-7], n), money(),
        np.where(rng.uniform(size=n) < 0.5, np.nan, np.round(rng.integers(-500, 500, n) * rng.choice([1, 0.01, 5], n), 6)),
        np.abs(money()), np.round(rng.uniform(size=n) * rng.choice([1.0, 1e-3, 1e-6, 0.0], n), 10)])
    numbers += 0.0
    return numbers


def test_the_columns_decimals_are_the_kernels():
    assert tuple(DECIMALS.get(c, -1) for c in NUMBER_COLUMNS) == ROW_DECIMALS


def test_numbers_read_back_equal_and_as_polars_writes_them(rng):
    names = pa.array(["A1", "B 2", "Ünïcode"])
    symbols = pa.array(["S1", "CASH"])
    numbers = random_rows(rng)
    n = numbers.shape[1]
    account, symbol = rng.integers(0, 3, n), rng.integers(0, 2, n)
    text, done = compiled_text(names, symbols, account, symbol, numbers, list(ROW_DECIMALS))
    assert done == n
    back = read_back(text)  # Python's float(): correctly rounded
    np.testing.assert_array_equal(back[:, 2:].astype(float).T, numbers)
    assert back[:, 0].tolist() == [names[int(a)].as_py() for a in account]
    ours, theirs = text.splitlines(), polars_text(names, symbols, account, symbol, numbers).splitlines()
    differ = [(a, b) for a, b in zip(ours, theirs) if a != b]
    # polars writes tiny numbers in exponent form (1e-7), this module as decimals (0.0000001): the same number
    assert all("e" in b.decode() for _, b in differ), differ[:3]
    # with the target column's values known, its text is polars' (exponent form and 17th digits included)
    decimals = list(ROW_DECIMALS)
    decimals[1] = csv_text.KNOWN
    numbers[1] = rng.choice([0.0, 0.0239, 1 / 3, 1e-7, 0.15736651367480453, 2 / 7, 1.0, 99999.5, 1e5 / 3, 0.001,
                             0.0009, 12.5e-4], n)
    numbers[1, : n // 2] = np.round(rng.uniform(size=n // 2) * rng.choice([1, 1e-3, 1e4, 1e6], n // 2), 4)
    text, done = compiled_text(names, symbols, account, symbol, numbers, decimals, known=np.unique(numbers[1]))
    assert done == n
    theirs = polars_text(names, symbols, account, symbol, numbers).splitlines()
    assert [a.split(b",")[3] for a in text.splitlines()] == [b.split(b",")[3] for b in theirs]
    np.testing.assert_array_equal(read_back(text)[:, 2:].astype(float).T, numbers)
    text, done = compiled_text(names, symbols, account, symbol, numbers, decimals, known=[0.0239])
    assert done < n  # a value not among the known ones stops the loop there


def test_known_values_from_1e_5_are_written_by_the_loop_as_polars_writes_them(rng):
    """polars writes 1e-5 as 0.00001 and 9.9e-6 as 9.9e-6: the loop writes the first kind itself (no polars text
    needed for them, nor polars' import when all the models' targets are such), polars' text is kept for the rest."""
    k = np.r_[rng.integers(1, 10**7, 3000), 1, 10, 99, 100, 1000, 123456]
    values = np.unique(np.r_[k / 1e10, k / 1e8, k / 1e6, 1e-5, np.nextafter(1e-5, 0), 9.9e-6, 1e-7, 1 / 3, 0.0, 1.0])
    n = values.size
    numbers = np.zeros((6, n))
    numbers[1] = values
    decimals = list(ROW_DECIMALS)
    decimals[1] = csv_text.KNOWN
    names, symbols = pa.array(["A"]), pa.array(["S"])
    account, symbol = np.zeros(n, np.int64), np.zeros(n, np.int64)
    text, done = compiled_text(names, symbols, account, symbol, numbers, decimals, known=values)
    assert done == n
    theirs = polars_text(names, symbols, account, symbol, numbers).splitlines()
    assert [a.split(b",")[3] for a in text.splitlines()] == [b.split(b",")[3] for b in theirs]
    own = csv_text.own_text(values)
    nice = (values >= 1e-5) & (values != 1 / 3)  # every other value has at most 10 decimals
    assert own[nice].all() and own[values == 0].all() and not own[~nice & (values != 0)].any()
    row_text = csv_text.RowText(names, symbols, decimals, known=values)
    np.testing.assert_array_equal(row_text.known, values[~own])  # polars' text only for these
    assert csv_text.RowText(names, symbols, decimals, known=[0.0, 0.25, 0.0001, 1.0]).known.size == 0


def test_what_cannot_be_written_exactly_goes_through_polars(tmp_path):
    names, symbols = pa.array(["A"]), pa.array(["S", "CASH"])
    numbers = np.array([[1.5, 2e16, 3.25], [0.5, 0.5, 0.5], [0.0, 1.0, 2.0], [np.nan] * 3, [1.0] * 3, [0.1] * 3])
    account, symbol = np.zeros(3, np.int64), np.array([0, 0, 1])
    text, done = compiled_text(names, symbols, account, symbol, numbers, list(ROW_DECIMALS))
    assert done == 1 and text == b"A,S,1.5,0.5,0.0,,1.0,0.1\n"  # stops before the row it cannot write
    writer = output.TradesWriter(tmp_path / "t.csv")
    writer.write_rows(account, symbol, numbers, names, symbols)
    writer.close()
    header, body = (tmp_path / "t.csv").read_bytes().split(b"\n", 1)
    assert header.decode() == ",".join(COLUMNS)
    back = read_back(body)
    assert back[:, 2].tolist() == [1.5, 2e16, 3.25] and back[:, 1].tolist() == ["S", "S", "CASH"]


@pytest.mark.parametrize("name", ['a,b', 'say "hi"', "two\nlines", "cr\rhere", "plain", "é,è"])
def test_names_are_quoted_as_polars_quotes_them(name):
    names, symbols = pa.array([name, "x"]), pa.array(["S", name])
    numbers = np.ones((6, 2))
    account, symbol = np.array([0, 1]), np.array([1, 0])
    text, _ = compiled_text(names, symbols, account, symbol, numbers, list(ROW_DECIMALS))
    assert text == polars_text(names, symbols, account, symbol, numbers)


def random_files(tmp_path, seed, n_accounts=150):
    """A holdings and a models file: extras, cash targets, locked rows, flows, whole-share prices."""
    rng = np.random.default_rng(seed)
    syms = [f"S{i:02d}" for i in range(14)]
    prices = {s: float(rng.choice([12.5, 40.0, 99.0, 250.0])) for s in syms}
    models = []
    for k in range(5):
        chosen = sorted(rng.choice(syms[:10], rng.integers(2, 7), replace=False))
        cash = 0.05 if k % 2 else 0.0
        t = rng.dirichlet(np.ones(len(chosen))) * (1 - cash)
        models += [(f"m{k}", s, repr(float(x)), prices[s]) for s, x in zip(chosen, t)]
        if cash:
            models.append((f"m{k}", "CASH", "0.05", ""))
    rows = []
    for a in range(n_accounts):
        model = f"m{rng.integers(5)}"
        own = [s for m, s, _, _ in models if m == model and s != "CASH"]
        held = set(rng.choice(own, rng.integers(0, len(own) + 1), replace=False))
        if rng.uniform() < 0.3:
            held.add(str(rng.choice(syms[10:])))
        for s in held:
            rows.append((f"ACC{a:04d}", model, s, float(rng.integers(0, 300)) * prices[s], prices[s],
                         float(rng.choice([1, 1, 5])), "yes" if rng.uniform() < 0.1 else "", ""))
        rows.append((f"ACC{a:04d}", model, "CASH", float(rng.integers(0, 4) * 1000), "", "", "",
                     float(rng.choice([0, 0, 2500, -1500]))))
    rows = [rows[i] for i in rng.permutation(len(rows))]
    h, m = tmp_path / "holdings.csv", tmp_path / "models.csv"
    pd.DataFrame(rows, columns=["account", "model", "symbol", "value", "price", "lot_size", "locked",
                                "cash_flow"]).to_csv(h, index=False)
    pd.DataFrame(models, columns=["model", "symbol", "target", "price"]).to_csv(m, index=False)
    return h, m


FLAGS = {"plain": [], "bands": ["--band", "0.03", "--relative-band", "0.25", "--mode", "to_band", "--min-trade", "250"],
         "whole": ["--whole-shares", "--band", "0.02"], "whole_no_sells": ["--whole-shares", "--no-sells", "--min-trade", "100"]}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("name", list(FLAGS))
def test_rows_kernel_writes_what_the_chunk_path_wrote(tmp_path, monkeypatch, capsys, name, fmt):
    h, m = random_files(tmp_path, zlib.crc32(name.encode()))
    out = {}
    for rows_kernel in (True, False):
        monkeypatch.setattr(book, "ROWS_KERNEL", rows_kernel)
        monkeypatch.setattr(book, "CHUNK_ACCOUNTS", 40)
        target = tmp_path / f"{rows_kernel}.{fmt}"
        code = main(["rebalance", str(h), "--targets", str(m), "--out", str(target), "--quiet", *FLAGS[name]])
        assert code in (0, 1)
        out[rows_kernel] = (pd.read_csv(target) if fmt == "csv" else pd.read_parquet(target),
                            capsys.readouterr().out)
    new, old = out[True][0], out[False][0]
    assert new.account.tolist() == old.account.tolist() and new.symbol.tolist() == old.symbol.tolist()
    assert len(new) > 300
    for c in NUMBER_COLUMNS:
        d = DECIMALS.get(c)
        np.testing.assert_allclose(new[c].to_numpy(float), old[c].to_numpy(float), rtol=0,
                                   atol=1.01 * 10.0 ** -d if d else 0.0)
    summary = lambda text: text.split(" trades, bought")[0]
    assert summary(out[True][1]) == summary(out[False][1])


@pytest.mark.parametrize("text_rows", [True, False])
def test_the_trades_file_is_the_same_bytes_with_compiled_text_or_polars(tmp_path, monkeypatch, text_rows):
    h, m = random_files(tmp_path, 11)
    monkeypatch.setattr(output, "TEXT_ROWS", text_rows)
    target = tmp_path / f"{text_rows}.csv"
    assert main(["rebalance", str(h), "--targets", str(m), "--out", str(target), "--quiet"]) in (0, 1)
    monkeypatch.setattr(output, "TEXT_ROWS", not text_rows)
    other = tmp_path / "other.csv"
    assert main(["rebalance", str(h), "--targets", str(m), "--out", str(other), "--quiet"]) in (0, 1)
    assert target.read_bytes() == other.read_bytes()
