"""``xlfolio rebalance --households``: tax-aware trades for a book of households from files (issue 17).

The oracle: every household's written trades, lots sold, accounts and summary equal a direct call of
:func:`kernels.rebalance_household` on that household's rows. Then what operations read: bad rows by file
line, column and value, the household skipped and the others written, encodings, Parquet, --strict, exit codes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addin.cli import main
from kernels import (
    Account,
    Holding,
    Lot,
    RecentTrade,
    Substitute,
    TaxRates,
    rebalance_household,
)
from tests.naive import HOUSEHOLD_AS_OF, random_household
from workbook.sheets.household import DATA as SAMPLE

RATES = (0.35, 0.15, 0.05)
FILES = ("households", "accounts", "holdings", "lots", "targets")


def book_rows(households: dict) -> dict[str, list[list]]:
    """Rows of the five files for ``{name: random_household tuple}`` (each household its own model)."""
    rows = {"households": [["household", "model", "short_term", "long_term", "state", "as_of"]],
            "accounts": [["household", "account", "type", "cash", "cash_flow"]],
            "holdings": [["household", "account", "symbol", "shares", "price", "asset_class", "no_sell", "no_buy"]],
            "lots": [["household", "account", "symbol", "shares", "cost_basis", "acquired"]],
            "targets": [["model", "asset_class", "target"]]}
    for h, (accounts, holdings, lots, targets, flows) in households.items():
        rows["households"].append([h, f"model {h}", *RATES, HOUSEHOLD_AS_OF.isoformat()])
        for name, kind, cash in accounts:
            rows["accounts"].append([h, name, kind, repr(cash), repr(flows.get(name, 0.0))])
        for a, s, q, p, c, ns, nb in holdings:
            rows["holdings"].append([h, a, s, repr(q), repr(p), c, "yes" if ns else "", "yes" if nb else ""])
        for a, s, q, b, d in lots:
            rows["lots"].append([h, a, s, repr(q), repr(b), d.isoformat()])
        for c, t in targets.items():
            rows["targets"].append([f"model {h}", c, repr(float(t))])
    return rows


def write_book(folder: Path, rows: dict, *, encoding="utf-8", delimiter=",", suffix=".csv") -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, table in rows.items():
        path = folder / f"{kind}{suffix}"
        if suffix == ".parquet":
            pd.DataFrame(table[1:], columns=table[0]).to_parquet(path)
        else:
            text = io.StringIO()
            csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(table)
            path.write_bytes(text.getvalue().encode(encoding))
        paths[kind] = path
    return paths


def run(paths: dict, out: Path, *extra) -> int:
    args = ["rebalance", str(paths["holdings"]), "--households", str(paths["households"]), "--targets",
            str(paths["targets"]), "--out", str(out), "--quiet", "--workers", "1"]
    for kind in ("accounts", "lots", "substitutes", "recent"):
        if kind in paths:
            args += [f"--{kind}", str(paths[kind])]
    return main(args + [str(x) for x in extra])


def read_outputs(out: Path) -> dict[str, pd.DataFrame]:
    kinds = {"trades": out, "lots": out.with_name(f"{out.stem}_lots{out.suffix}"),
             "accounts": out.with_name(f"{out.stem}_accounts{out.suffix}"),
             "summary": out.with_name(f"{out.stem}_summary{out.suffix}")}
    read = pd.read_parquet if out.suffix == ".parquet" else lambda p: pd.read_csv(p, keep_default_na=False,
                                                                                  na_values=[""])
    return {k: read(p) for k, p in kinds.items()}


def direct(hh, **kw):
    accounts, holdings, lots, targets, flows = hh
    return rebalance_household([Holding(*h) for h in holdings], targets, accounts=[Account(*a) for a in accounts],
                               lots=[Lot(*x) for x in lots], as_of=HOUSEHOLD_AS_OF, tax_rates=TaxRates(*RATES),
                               cash_flows=flows, **kw)


def assert_household_written(outputs: dict, name: str, r) -> None:
    """The four files' rows of household ``name`` are the kernel's result ``r``, to the file's decimals."""
    t = outputs["trades"][outputs["trades"].household == name]
    assert list(t.account) == r.positions.account and list(t.symbol) == r.positions.symbol
    np.testing.assert_array_equal(t.trade_shares, np.round(r.positions.shares_traded, 6) + 0.0)
    np.testing.assert_array_equal(t.trade_value, np.round(r.positions.value_traded, 4) + 0.0)
    np.testing.assert_array_equal(t.realized_gain, np.round(r.positions.realized_gain, 4) + 0.0)
    np.testing.assert_array_equal(t.tax, np.round(r.positions.tax, 4) + 0.0)
    lots = outputs["lots"][outputs["lots"].household == name]
    sold = np.flatnonzero(r.lots.shares_sold > 0)
    np.testing.assert_array_equal(lots.shares_sold, np.round(r.lots.shares_sold[sold], 6))
    np.testing.assert_array_equal(lots.gain, np.round(r.lots.gain[sold], 4) + 0.0)
    assert list(lots.acquired) == [r.lots.acquired[k].isoformat() for k in sold]
    assert list(lots.term) == ["long" if r.lots.long_term[k] else "short" for k in sold]
    a = outputs["accounts"][outputs["accounts"].household == name]
    np.testing.assert_array_equal(a.cash_after, np.round(r.accounts.cash_after, 4) + 0.0)
    s = outputs["summary"][outputs["summary"].household == name].iloc[0]
    assert s.status == r.status
    assert s.tax == round(r.tax, 4) + 0.0 and s.max_drift_after == round(r.max_drift_after, 10) + 0.0


@pytest.fixture(scope="module")
def households():
    return {f"H{seed}": random_household(seed, 3, 10, 15) for seed in range(12)}


# ----------------------------------------------------------------------------- the oracle


def test_written_trades_equal_direct_kernel_calls(tmp_path, households, capsys):
    paths = write_book(tmp_path / "in", book_rows(households))
    out = tmp_path / "out" / "trades.csv"
    assert run(paths, out) == 0
    outputs = read_outputs(out)
    for name, hh in households.items():
        assert_household_written(outputs, name, direct(hh))
    line = capsys.readouterr().out
    assert line.startswith("xlfolio rebalance: 12 households read, 12 rebalanced (12 optimal), 0 skipped (0 bad "
                           "rows); ")
    assert "(holdings.csv: UTF-8; households.csv: UTF-8; targets.csv: UTF-8; accounts.csv: UTF-8; lots.csv: UTF-8)" \
        in line


@pytest.mark.slow
def test_two_worker_processes_write_the_same_files(tmp_path, households):
    paths = write_book(tmp_path / "in", book_rows(households))
    one, two = tmp_path / "one" / "t.csv", tmp_path / "two" / "t.csv"
    assert run(paths, one) == 0
    assert main(["rebalance", str(paths["holdings"]), "--households", str(paths["households"]), "--targets",
                 str(paths["targets"]), "--accounts", str(paths["accounts"]), "--lots", str(paths["lots"]), "--out",
                 str(two), "--quiet", "--workers", "2"]) == 0
    for name in ("t.csv", "t_lots.csv", "t_accounts.csv", "t_summary.csv"):
        assert (one.parent / name).read_bytes() == (two.parent / name).read_bytes(), name


def test_parquet_in_and_out_equal_csv(tmp_path, households):
    rows = book_rows(dict(list(households.items())[:4]))
    csv_out, pq_out = tmp_path / "c" / "t.csv", tmp_path / "p" / "t.parquet"
    assert run(write_book(tmp_path / "csv", rows), csv_out) == 0
    assert run(write_book(tmp_path / "pq", rows, suffix=".parquet"), pq_out) == 0
    a, b = read_outputs(csv_out), read_outputs(pq_out)
    for kind in a:
        assert list(a[kind].columns) == list(b[kind].columns)
        for c in a[kind].columns:
            x, y = a[kind][c].tolist(), b[kind][c].tolist()
            assert [None if v != v or v is None else v for v in x] == [None if v != v or v is None else v for v in y], c


@pytest.mark.parametrize(("encoding", "delimiter", "label"), [
    ("cp1252", ";", "Windows-1252"), ("utf-16", "\t", "UTF-16 LE"), ("utf-8-sig", ",", "UTF-8 with BOM")])
def test_files_as_excel_saves_them(tmp_path, households, encoding, delimiter, label, capsys):
    hh = households["H1"]
    rows = book_rows({"Zoë & Noël": hh})
    paths = write_book(tmp_path / "in", rows, encoding=encoding, delimiter=delimiter)
    out = tmp_path / "out" / "t.csv"
    assert run(paths, out) == 0
    assert f"holdings.csv: {label}" in capsys.readouterr().out
    assert_household_written(read_outputs(out), "Zoë & Noël", direct(hh))


def test_sample_household_gives_the_templates_plan(tmp_path, capsys):
    """The files beside the template's Household sheet: the same plan as the sheet's button (harvesting on)."""
    paths = {k: SAMPLE / f"{k}.csv" for k in (*FILES, "substitutes")}
    out = tmp_path / "t.csv"
    assert run(paths, out, "--harvest-threshold", "0.1") == 0
    lots = read_outputs(out)["lots"]
    assert lots[["account", "symbol", "acquired", "term", "shares_sold", "gain", "replacement"]].values.tolist() == [
        ["Taxable", "VTI", "2026-05-01", "short", 200.0, -6000.0, "ITOT"]]


def test_account_types_and_cash_in_the_holdings_file(tmp_path, households):
    """No accounts file: each account's type in an account_type column, its cash in a CASH row, flows summed."""
    hh = households["H2"]
    accounts, holdings, lots, targets, flows = hh
    rows = book_rows({"H2": hh})
    kinds = {a[0]: a[1] for a in accounts}
    table = [rows["holdings"][0] + ["account_type", "cash_flow"]]
    for r in rows["holdings"][1:]:
        table.append(r + [kinds[r[1]], ""])
    for name, kind, cash in accounts:
        table.append(["H2", name, "CASH", repr(cash), "", "", "", "", kind, repr(flows.get(name, 0.0))])
    rows["holdings"] = table
    del rows["accounts"]
    out = tmp_path / "out" / "t.csv"
    assert run(write_book(tmp_path / "in", rows), out) == 0
    assert_household_written(read_outputs(out), "H2", direct(hh))


def test_substitutes_and_recent_trades_reach_the_kernel(tmp_path, households):
    hh = households["H3"]
    accounts, holdings, lots, targets, flows = hh
    loss_symbol = next(x[1] for x in lots if x[3] > x[2] * next(h[3] for h in holdings if h[1] == x[1]))
    recent = [RecentTrade(accounts[1][0], holdings[0][1], 5.0, HOUSEHOLD_AS_OF - dt.timedelta(days=3), 0.0)]
    rows = book_rows({"H3": hh})
    rows["substitutes"] = [["symbol", "replacement", "price"], [loss_symbol, "NEW", "99.5"], ["ZZZ", "YYY", ""]]
    rows["recent"] = [["household", "account", "symbol", "shares", "date"],
                      ["H3", recent[0].account, recent[0].symbol, "5", recent[0].date.isoformat()]]
    out = tmp_path / "out" / "t.csv"
    assert run(write_book(tmp_path / "in", rows), out, "--harvest-threshold", "0.05", "--lot-method", "hifo",
               "--costs-bp", "5") == 0
    r = direct(hh, harvest_threshold=0.05, lot_method="hifo", costs=(5.0, 0.0),
               substitutes=[Substitute(loss_symbol, "NEW", 99.5)], recent_trades=recent)
    assert_household_written(read_outputs(out), "H3", r)


# ----------------------------------------------------------------------------- nothing lost

BAD_BOOK = {
    "households.csv": """household,model,short_term,long_term,state,as_of
Good,m1,0.35,0.15,0.05,2026-11-30
LotsShort,m1,0.35,0.15,0.05,2026-11-30
Future,m1,0.35,0.15,0.05,2026-11-30
BadType,m1,0.35,0.15,0.05,2026-11-30
BadModel,m2,0.35,0.15,0.05,2026-11-30
Withdraw,m1,0.35,0.15,0.05,2026-11-30
Comma,m1,0.35,0.15,0.05,2026-11-30
NoModel,m9,0.35,0.15,0.05,2026-11-30
BadRate,m1,35,0.15,0.05,2026-11-30
""",
    "targets.csv": """model,asset_class,target
m1,Stocks,0.6
m1,Bonds,0.4
m2,Stocks,0.6
m2,Bonds,0.3
""",
    "accounts.csv": """household,account,type,cash,cash_flow
Good,Tax,Taxable,0,0
Good,IRA,IRA,0,0
LotsShort,Tax,Taxable,0,0
Future,Tax,Taxable,0,0
BadType,Tax,pension,0,0
BadModel,Tax,Taxable,0,0
Withdraw,IRA,IRA,0,-5000
Withdraw,Tax,Taxable,0,0
Comma,Tax,Taxable,0,0
NoModel,Tax,Taxable,0,0
BadRate,Tax,Taxable,0,0
Orphan,Tax,Taxable,0,0
""",
    "holdings.csv": """household,account,symbol,shares,price,asset_class,no_sell
Good,Tax,VTI,100,250,Stocks,
Good,Tax,BND,0,72,Bonds,
Good,IRA,BND,100,72,Bonds,
Good,IRA,VTI,20,250,Stocks,
LotsShort,Tax,VTI,100,250,Stocks,
LotsShort,Tax,BND,0,72,Bonds,
Future,Tax,VTI,100,250,Stocks,
Future,Tax,BND,0,72,Bonds,
BadType,Tax,VTI,100,250,Stocks,
BadType,Tax,BND,0,72,Bonds,
BadModel,Tax,VTI,100,250,Stocks,
BadModel,Tax,BND,0,72,Bonds,
Withdraw,IRA,VTI,100,250,Stocks,yes
Withdraw,Tax,BND,10,72,Bonds,
Comma,Tax,VTI,"1,5",250,Stocks,
Comma,Tax,BND,0,72,Bonds,
NoModel,Tax,VTI,100,250,Stocks,
NoModel,Tax,BND,0,72,Bonds,
"BadRate",Tax,VTI,100,250,"Stocks
",
BadRate,Tax,BND,0,72,Bonds,
Orphan,Tax,VTI,1,1,Stocks,
""",
    "lots.csv": """household,account,symbol,shares,cost_basis,acquired
Good,Tax,VTI,60,9000,2018-03-01
Good,Tax,VTI,40,11000,2026-05-04
LotsShort,Tax,VTI,90,9000,2018-03-01

Future,Tax,VTI,100,9000,2027-01-02
BadType,Tax,VTI,100,9000,2018-03-01
BadModel,Tax,VTI,100,9000,2018-03-01
Withdraw,Tax,BND,10,700,2018-03-01
Comma,Tax,VTI,100,9000,2018-03-01
NoModel,Tax,VTI,100,9000,03/01/2018
BadRate,Tax,VTI,100,9000,2018-03-01
""",
}

#: Every problem of BAD_BOOK, in the order reported (file, then line), with the household skipped.
BAD_MESSAGES = [
    "targets.csv lines 4-5: targets of model m2 sum to 0.9, expected 1; fix the targets; model m2 not used.",
    "households.csv line 10: short_term 35 must be below 1; give a fraction; household BadRate skipped.",
    "holdings.csv line 16: shares '1,5' has a decimal comma; write 1.5; household Comma skipped.",
    "accounts.csv line 6: type 'pension' is not an account type; use taxable, tax_deferred, tax_free (or IRA, "
    "401(k), Roth IRA, Brokerage, ...); household BadType skipped.",
    "lots.csv line 11: acquired '03/01/2018' is not a date; write it as YYYY-MM-DD (2024-03-15); household NoModel "
    "skipped.",
    "households.csv line 6: model m2 has bad rows in targets.csv; household BadModel skipped.",
    "holdings.csv line 23: household Orphan is not in households.csv; add it (model, tax rates) or fix the name; "
    "household Orphan skipped.",
    "holdings.csv line 6: the lots of VTI in 'Tax' add up to 90 shares, the holding has 100; fix the lots or the "
    "holding; household LotsShort skipped.",
    "lots.csv line 6: lot (Tax VTI) was acquired 2027-01-02, after as_of 2026-11-30; check the date; household "
    "Future skipped.",
    "accounts.csv line 8: cash_flows: 'IRA' must raise 5,000.00 but can sell only 0.00 (no_sell holdings excluded, "
    "after costs); withdraw less or allow sales; household Withdraw skipped.",
]


def _bad_book(tmp_path) -> dict[str, Path]:
    for name, text in BAD_BOOK.items():
        (tmp_path / name).write_text(text)
    return {k: tmp_path / f"{k}.csv" for k in FILES}


def test_bad_rows_skip_their_household_and_the_others_are_written(tmp_path, capsys):
    paths = _bad_book(tmp_path)
    out, errors = tmp_path / "out" / "t.csv", tmp_path / "errors.csv"
    assert run(paths, out, "--errors", errors) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == BAD_MESSAGES
    assert captured.out.startswith("xlfolio rebalance: 10 households read, 1 rebalanced (1 optimal), 9 skipped")
    outputs = read_outputs(out)
    assert set(outputs["trades"].household) == set(outputs["summary"].household) == {"Good"}
    with errors.open(newline="") as handle:
        report = list(csv.DictReader(handle))
    assert [r["message"] for r in report] == BAD_MESSAGES
    assert [(r["file"], r["line"], r["column"], r["value"], r["household"]) for r in report][1:5] == [
        ("households.csv", "10", "short_term", "35", "BadRate"), ("holdings.csv", "16", "shares", "1,5", "Comma"),
        ("accounts.csv", "6", "type", "pension", "BadType"),
        ("lots.csv", "11", "acquired", "03/01/2018", "NoModel")]


def test_strict_writes_nothing_and_moves_earlier_results_aside(tmp_path, capsys):
    paths = _bad_book(tmp_path)
    out = tmp_path / "out" / "t.csv"
    out.parent.mkdir()
    out.write_text("yesterday\n")
    assert run(paths, out, "--strict") == 2
    err = capsys.readouterr().err
    assert "bad rows; nothing written (--strict)." in err
    assert not out.exists() and (out.parent / "t.csv.stale").read_text() == "yesterday\n"
    assert not (out.parent / "t_lots.csv").exists()


@pytest.mark.parametrize(("extra", "message"), [
    (("--band", "-0.1"), "options: band: holding 1 has band -0.1; bands are weight points between 0 and 1 (0.05 = 5%)."),
    (("--min-trade", "50"), "--min-trade is for the account book; households do not use it."),
    (("--as-of", "30/11/2026"), "--as-of 30/11/2026: not a date; write it as YYYY-MM-DD."),
    (("--lot-sales", "{holdings}"), "--lot-sales {holdings}: is the input file {holdings}; choose another file for the "
                                    "output."),
])
def test_options_and_outputs_are_checked_before_anything_is_read(tmp_path, capsys, extra, message):
    paths = write_book(tmp_path / "in", book_rows({"H": random_household(5, 3, 10, 15)}))
    extra = [e.format(holdings=paths["holdings"]) for e in extra]
    assert run(paths, tmp_path / "t.csv", *extra) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "xlfolio rebalance: " + message.format(
        holdings=paths["holdings"])


def test_a_bad_substitutes_row_stops_the_run(tmp_path, capsys):
    paths = write_book(tmp_path / "in", book_rows({"H": random_household(5, 3, 10, 15)}))
    paths["substitutes"] = tmp_path / "subs.csv"
    paths["substitutes"].write_text("symbol,replacement,price\nS1,S2,abc\n")
    assert run(paths, tmp_path / "t.csv") == 2
    assert capsys.readouterr().err.splitlines() == [
        "subs.csv line 2: price 'abc' is not a number; write a plain number like 1234.56.",
        "xlfolio rebalance: subs.csv: 1 bad rows; every household uses this file, so nothing is rebalanced until they "
        "are fixed."]


def test_account_types_given_twice_or_nowhere(tmp_path, capsys):
    rows = book_rows({"H": random_household(5, 3, 10, 15)})
    paths = write_book(tmp_path / "in", rows)
    del paths["accounts"]
    assert run(paths, tmp_path / "t.csv") == 2
    assert capsys.readouterr().err.strip().endswith(
        "the account types are needed: --accounts ACCOUNTS (household,account,type[,cash,cash_flow]) or an "
        "account_type column in holdings.csv.")
