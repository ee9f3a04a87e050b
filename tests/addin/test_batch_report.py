"""What the operations team reads: exit codes, the --errors report, --strict, Parquet in and out, the summary."""

import csv

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.batch.problems import EXIT_CODES
from addin.cli import main
from addin.commands.rebalance import EXIT_CODES_HELP, REBALANCE_MODES
from kernels import REBALANCE_MODES as KERNEL_MODES

MODELS = "model,symbol,target,price\nbalanced,STOCKS,0.6,100\nbalanced,BONDS,0.4,40\n"
HOLDINGS = """account,model,symbol,value,price
A1,balanced,STOCKS,66000,100
A1,balanced,BONDS,41200,40
A2,balanced,STOCKS,50000,100
A2,balanced,CASH,1000,
"""


def files(tmp_path, holdings=HOLDINGS, models=MODELS):
    h, m = tmp_path / "holdings.csv", tmp_path / "models.csv"
    h.write_text(holdings)
    m.write_text(models)
    return h, m


def read_report(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def run(*argv):
    return main(["rebalance", *map(str, argv), "--quiet"])


def test_the_exit_code_table_is_the_one_documented():
    for code, meaning in EXIT_CODES.items():
        assert f"  {code:<4} {meaning}" in EXIT_CODES_HELP
    assert set(REBALANCE_MODES) == set(KERNEL_MODES)


def test_exit_0_1_2_and_the_errors_report(tmp_path, capsys):
    h, m = files(tmp_path)
    out, errors = tmp_path / "trades.csv", tmp_path / "errors.csv"
    assert run(h, "--targets", m, "--out", out, "--errors", errors) == 0
    assert errors.read_text().splitlines() == ["file,line,column,value,account,model,problem,message"]
    bad = HOLDINGS.replace("41200", "4l200") + "A3,balanced,BONDS,-1,40\n"
    h, m = files(tmp_path, bad, MODELS + "income,BONDS,0.5,40\n")
    assert run(h, "--targets", m, "--out", out, "--errors", errors) == 1
    report = read_report(errors)
    assert [(r["file"], r["line"], r["column"], r["value"], r["account"], r["model"]) for r in report] == [
        ("models.csv", "4", "target", "0.5", "", "income"),
        ("holdings.csv", "3", "value", "4l200", "A1", ""),
        ("holdings.csv", "6", "value", "-1", "A3", ""),
    ]
    assert report[1]["message"] == ("holdings.csv line 3: value '4l200' is not a number; write a plain number like "
                                    "1234.56; account A1 skipped.")
    assert set(pd.read_csv(out).account) == {"A2"}
    capsys.readouterr()
    # --strict: nothing written, the report still written, the previous trades moved aside
    assert run(h, "--targets", m, "--out", out, "--errors", errors, "--strict") == 2
    err = capsys.readouterr().err
    assert "3 bad rows; nothing written (--strict)." in err and not out.exists()
    assert (tmp_path / "trades.csv.stale").exists() and len(read_report(errors)) == 3


@pytest.mark.parametrize("argv,message", [
    (["--band", "2"], "options: band: holding 1 has band 2; bands are weight points between 0 and 1"),
    (["--mode", "to_band"], "options: mode: 'to_band' needs band or relative_band"),
    (["--min-trade", "-5"], "options: min_trade"),
])
def test_bad_options_are_exit_2_before_reading(tmp_path, capsys, argv, message):
    h, m = files(tmp_path)
    assert run(h, "--targets", m, "--out", tmp_path / "t.csv", *argv) == 2
    assert message in capsys.readouterr().err


def test_errors_file_may_not_be_an_input_or_the_output(tmp_path, capsys):
    h, m = files(tmp_path)
    assert run(h, "--targets", m, "--out", tmp_path / "t.csv", "--errors", m) == 2
    assert f"--errors {m}: is the input file {m}" in capsys.readouterr().err
    assert m.read_text() == MODELS


def test_parquet_in_and_out_give_the_csv_results(tmp_path):
    h, m = files(tmp_path, HOLDINGS + "A3,balanced,BONDS,20000,40\n")
    assert run(h, "--targets", m, "--out", tmp_path / "t.csv") == 0
    dataset = tmp_path / "parts"
    assert run(h, "--partition", dataset, "--accounts-per-part", 2) == 0
    parquet_in = dataset / "part-00000.parquet"
    assert run(parquet_in, "--targets", m, "--out", tmp_path / "t.parquet") == 0
    got = pq.read_table(tmp_path / "t.parquet").to_pandas()
    want = pd.read_csv(tmp_path / "t.csv")
    want = want[want.account.isin(["A1", "A2"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert run(dataset, "--targets", m, "--out", tmp_path / "all.parquet") == 0
    pd.testing.assert_frame_equal(pq.read_table(tmp_path / "all.parquet").to_pandas(), pd.read_csv(tmp_path / "t.csv"),
                                  check_dtype=False)


def test_the_summary_is_one_line_and_names_the_encodings(tmp_path, capsys):
    h, m = files(tmp_path)
    h.write_bytes(HOLDINGS.encode("utf-16"))
    assert run(h, "--targets", m, "--out", tmp_path / "t.csv") == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("xlfolio rebalance: 2 accounts read, 2 rebalanced, 0 skipped for bad rows (0 bad rows), "
                          "0 infeasible; ")
    assert out.rstrip().endswith("(holdings.csv: UTF-16 LE; models.csv: UTF-8)")


def test_stderr_lists_the_first_problems_and_counts_the_rest(tmp_path, capsys):
    rows = "".join(f"B{i},balanced,STOCKS,x{i},100\n" for i in range(60))
    h, m = files(tmp_path, HOLDINGS + rows)
    errors = tmp_path / "e.csv"
    assert run(h, "--targets", m, "--out", tmp_path / "t.csv", "--errors", errors) == 1
    err = capsys.readouterr().err.splitlines()
    assert len([e for e in err if "is not a number" in e]) == 50
    assert "... and 10 more problems (all in " in err[-1]
    assert len(read_report(errors)) == 60


@pytest.mark.parametrize("junk_first", [True, False])
def test_non_finite_numbers_are_reported_with_their_text(tmp_path, capsys, junk_first):
    rows = ["C3,balanced,STOCKS,NaN,100", "C5,balanced,STOCKS,1e999,100"]
    h, m = files(tmp_path, HOLDINGS + "\n".join(rows if junk_first else rows + ["C6,balanced,STOCKS,12%,100"]) + "\n")
    assert run(h, "--targets", m, "--out", tmp_path / "t.csv") == 1
    err = capsys.readouterr().err
    assert "holdings.csv line 6: value 'NaN' is not a finite number; write a number; account C3 skipped." in err
    assert "holdings.csv line 7: value '1e999' is too large; write a number below 1e308; account C5 skipped." in err


def test_every_good_account_is_written_whatever_the_other_rows_hold(tmp_path):
    """A hostile mix: malformed rows, blank lines, every kind of bad value; the clean accounts are all there."""
    junk = [
        "C1,balanced,STOCKS,1,000,100",  # too many fields
        "C2,balanced,STOCKS",  # too few
        "",
        ",,,,",  # an empty row Excel writes: ignored
        "C3,balanced,STOCKS,NaN,100",
        "C4,nomodel,STOCKS,5,100",
        'C5,balanced,"STOCKS",1e999,100',
        "C6,balanced,STOCKS,12%,100",
        "C7,,STOCKS,5,100",
    ]
    h, m = files(tmp_path, HOLDINGS + "\n".join(junk) + "\nA9,balanced,BONDS,500,40\n")
    out = tmp_path / "t.csv"
    assert run(h, "--targets", m, "--out", out) == 1
    assert list(dict.fromkeys(pd.read_csv(out).account)) == ["A1", "A2", "A9"]
    np.testing.assert_allclose(pd.read_csv(out).groupby("account").trade.sum(), 0.0, atol=1e-6)


HOSTILE = st.text(alphabet='abAB01,.;"\r\n \t%$-eé', max_size=12)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(HOSTILE, min_size=0, max_size=7), max_size=8), whole=st.booleans())
def test_no_input_however_bad_gives_a_traceback_or_an_unexpected_error(tmp_path_factory, rows, whole):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    body = "\n".join(",".join(r) for r in rows)
    h, m = files(tmp_path, HOLDINGS + body + "\n")
    out = tmp_path / "t.csv"
    code = run(h, "--targets", m, "--out", out, *(["--whole-shares"] if whole else []))
    assert code in (0, 1, 2)
    if code in (0, 1):
        trades = pd.read_csv(out)
        assert {"A1", "A2"} <= set(trades.account)  # the clean accounts always come through


def test_ctrl_c_is_exit_130_and_leaves_no_partial_file(tmp_path, capsys, monkeypatch):
    from addin.batch import book

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(book, "rebalance_chunk", interrupted)
    monkeypatch.setattr(book, "rebalance_rows", interrupted)
    h, m = files(tmp_path)
    out = tmp_path / "t.csv"
    out.write_text("old trades\n")
    assert run(h, "--targets", m, "--out", out) == 130
    assert "interrupted; nothing written." in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holdings.csv", "models.csv", "t.csv.stale"]


def test_an_unexpected_error_is_exit_4_with_one_line_and_no_partial_file(tmp_path, capsys, monkeypatch):
    from addin.batch import book

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(book, "rebalance_chunk", broken)
    monkeypatch.setattr(book, "rebalance_rows", broken)
    monkeypatch.delenv("XLFOLIO_DEBUG", raising=False)
    h, m = files(tmp_path)
    assert run(h, "--targets", m, "--out", tmp_path / "t.csv") == 4
    err = capsys.readouterr().err
    assert ("xlfolio rebalance: unexpected error (RuntimeError: a bug); nothing written. Please report it with the "
            "traceback XLFOLIO_DEBUG=1 prints.") in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holdings.csv", "models.csv"]
