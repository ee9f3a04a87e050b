"""Each defect issue 18 lists, as a user meets it with ``xlfolio rebalance`` (each failed before the fix)."""

import os

import numpy as np
import pandas as pd
import pytest

from addin.cli import main
from kernels import rebalance_trades

MODELS = """model,symbol,target,price
balanced,STOCKS,0.6,100
balanced,BONDS,0.4,40
"""

HOLDINGS = """account,model,symbol,value,price,lot_size,locked,cash_flow
A1,balanced,STOCKS,66000,100,1,,
A1,balanced,BONDS,41200,40,1,,
A2,balanced,STOCKS,50000,100,1,,
A2,balanced,CASH,1000,,,,500
A3,balanced,BONDS,20000,40,1,,
A3,balanced,STOCKS,10000,100,1,,
"""


def files(tmp_path, holdings=HOLDINGS, models=MODELS, encoding="utf-8", raw=None):
    h, m = tmp_path / "holdings.csv", tmp_path / "models.csv"
    if raw is not None:
        h.write_bytes(raw)
    else:
        h.write_bytes(holdings.encode(encoding))
    m.write_text(models)
    return h, m, tmp_path / "trades.csv"


def rebalance(h, m, out, *extra):
    return main(["rebalance", str(h), "--targets", str(m), "--out", str(out), "--quiet", *extra])


def test_every_account_bad_is_a_message_and_exit_2_and_the_old_trades_are_moved_aside(tmp_path, capsys):
    bad = HOLDINGS.replace("66000", "x").replace("50000", "y").replace("20000", "z")
    h, m, out = files(tmp_path, bad)
    out.write_text("yesterday's trades\n")
    assert rebalance(h, m, out) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "holdings.csv line 2: value 'x' is not a number" in err  # the bad rows are listed
    assert "no account can be rebalanced: all 3 have problems (listed above); nothing written." in err
    assert not out.exists()  # nothing there that looks like this run's trades
    assert (tmp_path / "trades.csv.stale").read_text() == "yesterday's trades\n"
    assert "the previous trades.csv is not from this run: moved to trades.csv.stale." in err


def test_header_only_holdings_is_a_message_and_exit_2(tmp_path, capsys):
    h, m, out = files(tmp_path, HOLDINGS.splitlines()[0] + "\n")
    assert rebalance(h, m, out) == 2
    err = capsys.readouterr().err
    assert "holdings.csv: no rows under the header; nothing to rebalance." in err
    assert "Traceback" not in err and not out.exists()


def test_an_unquoted_thousands_separator_is_one_bad_row_not_a_stopped_run(tmp_path, capsys):
    h, m, out = files(tmp_path, HOLDINGS.replace("A3,balanced,BONDS,20000", "A3,balanced,BONDS,20,000"))
    assert rebalance(h, m, out) == 1
    err = capsys.readouterr().err
    assert ("holdings.csv line 6: has 9 fields where the header has 8 ('A3,balanced,BONDS,20,000,40,1,,'); the number "
            "20,000 is split by its thousands separator; write it without the comma or in quotes; account A3 skipped."
            ) in err
    assert set(pd.read_csv(out).account) == {"A1", "A2"}


@pytest.mark.parametrize("encoding,label", [("cp1252", "Windows-1252"), ("utf-16", "UTF-16 LE"),
                                            ("utf-8-sig", "UTF-8 with BOM")])
def test_excel_encodings_are_read_and_named(tmp_path, capsys, encoding, label):
    accented = HOLDINGS.replace("A1,", "Société Générale,")
    h, m, out = files(tmp_path, accented, encoding=encoding)
    assert rebalance(h, m, out) == 0
    assert f"holdings.csv: {label}" in capsys.readouterr().out
    assert "Société Générale" in set(pd.read_csv(out).account)


@pytest.mark.parametrize("text,problem", [
    ('"1,5"', "value '1,5' has a decimal comma; write 1.5"),
    ('"1.234,56"', "value '1.234,56' uses . for thousands and , for decimals; write 1234.56"),
    ('"1,000"', ("value '1,000' is ambiguous (1000 with a thousands separator, or 1.000 with a decimal comma); "
                "write 1000 or 1.000")),
])
def test_decimal_commas_are_reported_never_guessed(tmp_path, capsys, text, problem):
    h, m, out = files(tmp_path, HOLDINGS.replace("A1,balanced,BONDS,41200", f"A1,balanced,BONDS,{text}"))
    assert rebalance(h, m, out) == 1
    assert f"holdings.csv line 3: {problem}; account A1 skipped." in capsys.readouterr().err
    assert "A1" not in set(pd.read_csv(out).account)


def test_unambiguous_thousands_separators_are_read(tmp_path):
    h, m, out = files(tmp_path, HOLDINGS.replace("66000", '"66,000.00"'))
    assert rebalance(h, m, out) == 0
    a1 = pd.read_csv(out).set_index(["account", "symbol"])
    assert a1.loc[("A1", "STOCKS"), "value"] == 66_000.0


def test_lines_count_blank_lines_and_quoted_line_breaks(tmp_path, capsys):
    lines = HOLDINGS.splitlines()
    text = "\n".join(lines[:2] + ["", '"A1",balanced,"BONDS",41200,40,1,"",""', 'A2,balanced,"STOCKS\nX",50000,100,1,,',
                                  lines[4], "A3,balanced,BONDS,oops,40,1,,", lines[6]]) + "\n"
    h, m, out = files(tmp_path, text)
    assert rebalance(h, m, out) == 1
    # line 1 header, 2 A1, 3 blank, 4 A1, 5-6 the quoted line break, 7 A2 CASH, 8 the bad row
    assert "holdings.csv line 8: value 'oops' is not a number" in capsys.readouterr().err


def test_a_cash_target_keeps_cash_and_never_buys_a_security_named_cash(tmp_path):
    models = MODELS.replace("balanced,BONDS,0.4,40", "balanced,BONDS,0.35,40\nbalanced,CASH,0.05,")
    h, m, out = files(tmp_path, models=models)
    assert rebalance(h, m, out) == 0
    trades = pd.read_csv(out)
    assert (trades.groupby("account").symbol.apply(lambda s: (s == "CASH").sum()) == 1).all()
    cash = trades[trades.symbol == "CASH"].set_index("account")
    np.testing.assert_allclose(cash.weight_after, 0.05, atol=1e-9)
    np.testing.assert_allclose(cash.target, 0.05)
    stocks = trades[trades.symbol == "STOCKS"].set_index("account")
    np.testing.assert_allclose(stocks.weight_after, 0.6, atol=1e-9)
    assert np.allclose(trades.groupby("account").trade.sum(), 0.0, atol=1e-6)
    # A2: 50,000 stocks, 1,000 cash + 500 deposit = 51,500: keeps 5% = 2,575 in cash
    assert cash.loc["A2", "value_after"] == pytest.approx(2_575.0)


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_out_as_a_link_to_the_holdings_never_overwrites_them(tmp_path, capsys, link):
    h, m, _ = files(tmp_path)
    out = tmp_path / "trades.csv"
    (os.link if link == "hard" else os.symlink)(h, out)
    before = h.read_bytes()
    assert rebalance(h, m, out) == 2
    assert h.read_bytes() == before
    assert f"--out {out}: is the input file {h}; choose another file for the output." in capsys.readouterr().err


def test_an_output_that_cannot_be_written_is_exit_3_and_leaves_nothing(tmp_path, capsys):
    h, m, _ = files(tmp_path)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    assert rebalance(h, m, blocker / "trades.csv") == 3
    err = capsys.readouterr().err
    assert f"could not write {blocker / 'trades.csv'}: {blocker} is a file, not a folder." in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holdings.csv", "models.csv", "not_a_folder"]


def test_the_trades_equal_the_library_for_the_untouched_accounts(tmp_path):
    """With a bad row in A3, A1 and A2 are what rebalance_trades gives for them."""
    h, m, out = files(tmp_path, HOLDINGS.replace("A3,balanced,STOCKS,10000", "A3,balanced,STOCKS,1.0.0"))
    assert rebalance(h, m, out) == 1
    trades = pd.read_csv(out).set_index(["account", "symbol"])
    a2 = rebalance_trades([0.0, 50_000.0], [0.4, 0.6], cash=1_000.0, cash_flow=500.0)
    np.testing.assert_allclose(trades.loc["A2"].loc[["BONDS", "STOCKS"], "trade"], a2.trades.round(4))
