"""``xlfolio rebalance HOLDINGS.csv --targets MODELS.csv --out TRADES.csv`` on small files."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addin.cli import main
from addin.commands.rebalance import SAMPLE_HOLDINGS, SAMPLE_MODELS
from kernels import rebalance_trades

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data_batch"

MODELS = """model,symbol,target,price
balanced,STOCKS,0.6,100
balanced,BONDS,0.4,40
growth,STOCKS,0.8,100
growth,BONDS,0.2,40
"""

HOLDINGS = """account,model,symbol,value,price,lot_size,locked,cash_flow
A1,balanced,STOCKS,66000,100,1,,
A1,balanced,BONDS,41200,40,1,,
A2,growth,STOCKS,50000,100,1,,
A2,growth,CASH,1000,,,,500
A3,balanced,BONDS,20000,40,1,yes,
A3,balanced,STOCKS,10000,100,1,,
A3,balanced,OLD,5000,25,1,,
"""


def write(tmp_path, holdings=HOLDINGS, models=MODELS):
    h, m = tmp_path / "holdings.csv", tmp_path / "models.csv"
    h.write_text(holdings)
    m.write_text(models)
    return h, m, tmp_path / "out" / "trades.csv"


def run(h, m, out, *extra):
    return main(["rebalance", str(h), "--targets", str(m), "--out", str(out), "--quiet", *extra])


def test_trades_match_the_library_account_by_account(tmp_path, capsys):
    h, m, out = write(tmp_path)
    assert run(h, m, out) == 0
    trades = pd.read_csv(out)
    a1 = trades[trades.account == "A1"].set_index("symbol")
    np.testing.assert_allclose(a1.loc[["STOCKS", "BONDS"], "trade"], [-1_680.0, 1_680.0], atol=1e-3)
    # A2: 50,000 of stocks, 1,000 cash + 500 deposit, growth 80/20 of 51,500 -> bonds 10,300, stocks -8,800
    a2 = trades[trades.account == "A2"].set_index("symbol")
    expected = rebalance_trades([0.0, 50_000.0], [0.2, 0.8], cash=1_000.0, cash_flow=500.0)
    np.testing.assert_allclose(a2.loc[["BONDS", "STOCKS"], "trade"], expected.trades, atol=1e-3)
    # A3: BONDS locked, OLD (not in the model) sold, STOCKS gets the rest
    a3 = trades[trades.account == "A3"].set_index("symbol")
    assert a3.loc["BONDS", "trade"] == 0.0
    assert a3.loc["OLD", "trade"] == pytest.approx(-5_000.0)
    assert a3.loc["STOCKS", "trade"] == pytest.approx(5_000.0)
    # each account's trade column, CASH row included, sums to zero
    assert np.allclose(trades.groupby("account")["trade"].sum(), 0.0, atol=1e-3)
    summary = capsys.readouterr().out
    assert "3 accounts read, 3 rebalanced, 0 skipped for bad rows (0 bad rows), 0 infeasible" in summary
    assert summary.count("\n") == 1  # one line on stdout


def test_whole_shares_and_bands(tmp_path):
    h, m, out = write(tmp_path)
    assert run(h, m, out, "--whole-shares", "--band", "0.05") == 0
    trades = pd.read_csv(out).set_index(["account", "symbol"])
    assert trades.loc[("A1", "STOCKS"), "trade"] == 0.0  # 1.57 points of drift: inside 5 points
    shares = trades["shares"].dropna()
    np.testing.assert_array_equal(shares, np.round(shares))
    assert (trades.xs("CASH", level="symbol")["value_after"] >= 0).all()


BAD_ROWS = [
    ("A1,balanced,STOCKS,abc,100,1,,",
     "holdings.csv line 2: value 'abc' is not a number; write a plain number like 1234.56; account A1 skipped."),
    ("A1,balanced,STOCKS,-5,100,1,,",
     "holdings.csv line 2: value -5 is negative; market values must be >= 0; account A1 skipped."),
    ("A1,income,STOCKS,100,100,1,,",
     "holdings.csv line 2: model income is not in models.csv; add it or fix the name; account A1 skipped."),
    (",balanced,STOCKS,100,100,1,,", "holdings.csv line 2: account is blank; fill in the account."),
    ("A1,balanced,STOCKS,100,100,1,maybe,",
     "holdings.csv line 2: locked 'maybe' is not 1/0, true/false or yes/no; account A1 skipped."),
    ("A1,balanced,BONDS,100,40,1,,",
     "holdings.csv line 3: symbol BONDS appears twice in account A1; keep one row; account A1 skipped."),
]


@pytest.mark.parametrize("first_row,message", BAD_ROWS)
def test_bad_rows_are_reported_with_line_numbers_and_their_account_skipped(tmp_path, capsys, first_row, message):
    lines = HOLDINGS.splitlines()
    h, m, out = write(tmp_path, "\n".join([lines[0], first_row] + lines[2:]) + "\n")
    assert run(h, m, out) == 1
    err = capsys.readouterr().err
    assert message in err.splitlines()
    written = set(pd.read_csv(out)["account"])
    assert "A2" in written and "A3" in written  # the other accounts still rebalanced
    if "skipped" in message:
        assert "A1" not in written  # never silently half-done


def test_strict_stops_and_writes_nothing(tmp_path, capsys):
    lines = HOLDINGS.splitlines()
    h, m, out = write(tmp_path, "\n".join([lines[0], "A1,balanced,STOCKS,abc,100,1,,"] + lines[2:]) + "\n")
    assert run(h, m, out, "--strict") == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "holdings.csv line 2: value 'abc' is not a number; write a plain number like 1234.56; account A1 skipped." in err
    assert "1 bad rows; nothing written (--strict)" in err


def test_bad_model_rows_skip_the_accounts_using_the_model(tmp_path, capsys):
    models = MODELS.replace("growth,BONDS,0.2,40", "growth,BONDS,0.3,40")
    h, m, out = write(tmp_path, models=models)
    assert run(h, m, out) == 1
    err = capsys.readouterr().err.splitlines()
    assert "models.csv lines 4-5: targets of model growth sum to 1.1, expected 1; fix the targets; model growth not used." in err
    assert "holdings.csv line 4: model growth has bad rows in models.csv; account A2 skipped." in err
    assert set(pd.read_csv(out)["account"]) == {"A1", "A3"}


def test_infeasible_account_is_reported(tmp_path, capsys):
    holdings = HOLDINGS.replace("A2,growth,CASH,1000,,,,500", "A2,growth,CASH,1000,,,,-90000")
    h, m, out = write(tmp_path, holdings)
    assert run(h, m, out) == 1
    err = capsys.readouterr().err
    assert ("holdings.csv: account A2: cash_flow: the withdrawal exceeds the account's value; withdraw less; "
            "account A2 skipped.") in err


def test_whole_shares_need_prices(tmp_path, capsys):
    holdings = "account,model,symbol,value\nA1,balanced,STOCKS,100\n"
    h, m, out = write(tmp_path, holdings)
    assert run(h, m, out, "--whole-shares") == 2
    assert "holdings.csv: --whole-shares needs a price column" in capsys.readouterr().err


def test_missing_columns_and_missing_file(tmp_path, capsys):
    h, m, out = write(tmp_path, "account,symbol,value\nA1,STOCKS,100\n")
    assert run(h, m, out) == 2
    assert ("holdings.csv: needs columns account, model, symbol, value; missing model (the header has: account, symbol, "
            "value).") in capsys.readouterr().err
    assert run(tmp_path / "nope.csv", m, out) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_never_overwrites_an_input_and_says_when_it_replaces_the_output(tmp_path, capsys):
    h, m, out = write(tmp_path)
    before = h.read_text()
    assert run(h, m, h) == 2
    assert h.read_text() == before
    assert "is the input file" in capsys.readouterr().err
    assert run(h, m, out) == 0 and "(replaced the previous file)" not in capsys.readouterr().out
    assert run(h, m, out) == 0 and "(replaced the previous file)" in capsys.readouterr().out


def test_subprocess_on_the_bundled_sample(tmp_path):
    out = tmp_path / "trades.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "addin", "rebalance", str(SAMPLE_HOLDINGS), "--targets", str(SAMPLE_MODELS),
         "--out", str(out), "--whole-shares", "--band", "0.02"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "5 accounts read, 5 rebalanced" in proc.stdout
    assert "rebalancing |" in proc.stderr  # the progress bar
    # the README example's trades, byte for byte as the command wrote them before it moved to Arrow
    assert out.read_bytes() == (DATA / "readme_trades.csv").read_bytes()
    trades = pd.read_csv(out)
    assert (trades[trades.symbol == "CASH"]["value_after"] >= 0).all()
    assert np.allclose(trades.groupby("account")["trade"].sum(), 0.0, atol=1e-3)
