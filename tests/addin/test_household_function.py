"""HOUSEHOLD_REBALANCE, called as a cell calls it: the same numbers as the kernel, its tables, its messages word for word."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from addin.cells.guard import cell_callable
from addin.cells.normalise import lite_value
from addin.functions import household as F
from addin.functions import household_tables as T
from addin.functions.household import HOUSEHOLD_REBALANCE, example_arguments
from kernels import (
    Account,
    Costs,
    Holding,
    Lot,
    Substitute,
    TaxRates,
    rebalance_household,
)
from tests.naive import HOUSEHOLD_AS_OF, random_household

CALL = cell_callable(HOUSEHOLD_REBALANCE)
LITE = cell_callable(HOUSEHOLD_REBALANCE, lite_value)
RATES = (0.35, 0.15, 0.05)
AS_OF = dt.datetime(2026, 11, 30)
MISSING = -2147352572


def cells_of(hh):
    """A random household (tests.naive) as COM hands its ranges over: accounts with their cash flow, dates as datetimes."""
    accounts, holdings, lots, targets, flows = hh
    acc = tuple((n, t, c, flows.get(n, 0.0)) for n, t, c in accounts)
    hold = tuple((a, s, c, q, p, ns, nb) for a, s, q, p, c, ns, nb in holdings)
    lot = tuple((a, s, q, b, dt.datetime(d.year, d.month, d.day)) for a, s, q, b, d in lots)
    return acc, hold, tuple(targets.items()), lot


def kernel(hh, **kw):
    accounts, holdings, lots, targets, flows = hh
    return rebalance_household([Holding(*h) for h in holdings], targets, accounts=[Account(*a) for a in accounts],
                               lots=[Lot(*x) for x in lots], as_of=HOUSEHOLD_AS_OF, tax_rates=TaxRates(*RATES),
                               cash_flows=flows, **kw)


def call(acc, hold, targets, lots, *rest, output="summary", **named):
    args = [acc, hold, targets, lots, (RATES,), AS_OF, *rest]
    args += [MISSING] * (11 - len(args))
    for name, value in named.items():
        args[[a.name for a in HOUSEHOLD_REBALANCE.arguments].index(name)] = value
    return CALL(*args, output)


# ----------------------------------------------------------------------------- the kernel's numbers


@pytest.mark.parametrize("seed", range(8))
def test_every_table_holds_the_kernels_numbers(seed):
    hh = random_household(seed, 3, 10, 15)
    r = kernel(hh)
    acc, hold, targets, lots = cells_of(hh)
    summary = dict((label, value) for label, value in call(acc, hold, targets, lots))
    assert summary["Status"] == r.status == "optimal"
    for label, attr in (("Tax", "tax"), ("Short-term gain", "short_term_gain"), ("Long-term gain", "long_term_gain"),
                        ("Federal tax", "federal_tax"), ("State tax", "state_tax"), ("Costs", "costs"),
                        ("Turnover", "turnover"), ("Largest drift after", "max_drift_after"),
                        ("Objective", "objective")):
        assert summary[label] == getattr(r, attr) + 0.0, label
    assert summary["Number of trades"] == np.count_nonzero(r.positions.shares_traded)
    assert summary["Cash left"] == r.accounts.cash_after.sum()
    trades = call(acc, hold, targets, lots, output="trades")
    assert trades[0] == list(F.TRADE_HEADER)
    body = trades[1:]
    assert [row[:3] for row in body] == [list(x) for x in zip(r.positions.account, r.positions.symbol,
                                                              r.positions.asset_class)]
    np.testing.assert_array_equal([row[4] for row in body], r.positions.shares_traded)
    np.testing.assert_array_equal([row[10] for row in body], r.positions.tax)
    lot_rows = call(acc, hold, targets, lots, output="lots")[1:]
    np.testing.assert_array_equal([row[4] for row in lot_rows], r.lots.shares_sold)
    np.testing.assert_array_equal([row[7] for row in lot_rows], r.lots.gain)
    assert [row[3] for row in lot_rows] == ["long" if x else "short" for x in r.lots.long_term]
    assert [row[2] for row in lot_rows] == [float((d - dt.date(1899, 12, 30)).days) for d in r.lots.acquired]
    accounts = call(acc, hold, targets, lots, output="accounts")[1:]
    np.testing.assert_array_equal([row[4] for row in accounts], r.accounts.cash_after)
    classes = call(acc, hold, targets, lots, output="classes")[1:]
    np.testing.assert_array_equal([row[6] for row in classes], r.classes.drift_after)
    assert call(acc, hold, targets, lots, output="tax") == r.tax + 0.0
    assert call(acc, hold, targets, lots, output="Max drift after") == r.max_drift_after + 0.0


def test_whole_shares_harvesting_costs_and_band_reach_the_kernel():
    hh = random_household(3, 3, 10, 15)
    acc, hold, targets, lots = cells_of(hh)
    subs = ((hh[1][0][1], "REPL", 50.0),)
    r = kernel(hh, whole_shares=True, costs=Costs(5.0, 0.0), band=0.01, harvest_threshold=0.05,
               substitutes=[Substitute(*subs[0])], time_limit=F.CELL_TIME_LIMIT)
    got = call(acc, hold, targets, lots, ((5.0,),), 0.01, True, 0.05, subs, output="trades")
    np.testing.assert_array_equal([row[4] for row in got[1:]], r.positions.shares_traded)
    assert [row[11] for row in got[1:]] == [("replacement for harvesting" if added else None)
                                            for added in r.positions.added]


def test_the_example_sells_in_the_ira_and_pays_no_tax():
    """Issue 17's first hand-worked case: 70/30 against 60/40; the taxable VTI carries a gain, the IRA's none."""
    summary = dict(map(tuple, CALL(*example_arguments())))
    assert summary["Tax"] == 0.0 and summary["Status"] == "optimal"
    trades = CALL(*example_arguments(), None, None, None, None, None, "trades")[1:]
    assert [(r[0], r[1]) for r in trades if r[4]] == [("IRA", "VTI"), ("IRA", "BND")]


def test_lite_values_give_the_desktop_result():
    """Lite passes whole numbers as int, dates as serial numbers, blanks as "": the same tables come out."""
    args = example_arguments()

    def lite(v):
        if isinstance(v, dt.datetime):
            return (v - dt.datetime(1899, 12, 30)).days
        if isinstance(v, float) and v == int(v):
            return int(v)
        return v

    lite_args = [[[lite(v) for v in row] for row in a] if isinstance(a, tuple) else [[lite(a)]] for a in args]
    for output in ("summary", "trades", "lots"):
        assert LITE(*lite_args, "", "", "", "", "", output) == CALL(*args, None, None, None, None, None, output)


def test_omitted_date_is_today():
    acc, hold, targets, lots = example_arguments()[:4]
    today = CALL(acc, hold, targets, lots, (RATES,), MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, "lots")
    explicit = CALL(acc, hold, targets, lots, (RATES,), dt.datetime.combine(dt.date.today(), dt.time()), MISSING,
                    MISSING, MISSING, MISSING, MISSING, "lots")
    assert today == explicit


def test_a_title_row_and_blank_rows_are_skipped_and_rows_keep_their_range_numbers():
    acc, hold, targets, lots = example_arguments()[:4]
    titled = (("Account", "Symbol", "Shares", "Cost basis", "Acquired"), lots[0], (None,) * 5, lots[1])
    assert call(acc, hold, targets, titled) == call(acc, hold, targets, lots)
    future = (lots[0], (None,) * 5, ("Taxable", "VTI", 40.0, 11_000.0, dt.datetime(2027, 1, 2)))
    assert call(acc, hold, targets, future) == (
        "#ERROR: lots: row 3 (Taxable VTI) was acquired 2027-01-02, after as_of 2026-11-30; check the date.")


# ----------------------------------------------------------------------------- messages, word for word

ACC, HOLD, TARGETS, LOTS = example_arguments()[:4]

BAD = [
    ("unknown account type", dict(accounts=(("Taxable", "Taxable"), ("IRA", "pension"))),
     "accounts: row 2 ('IRA') has type 'pension'; expected one of taxable, tax_deferred, tax_free (or IRA, 401(k), "
     "Roth IRA, ...)."),
    ("lots not adding up", dict(lots=LOTS[:1]),
     "lots: VTI in 'Taxable' adds up to 60 shares but holdings row 1 has 100; fix the lots or the holding."),
    ("lots not adding up, after a title row", dict(
        lots=LOTS[:1], holdings=(("Account", "Symbol", "Asset class", "Shares", "Price"),) + HOLD),
     "lots: VTI in 'Taxable' adds up to 60 shares but holdings row 2 has 100; fix the lots or the holding."),
    ("targets not summing to 1", dict(targets=(("Stocks", 0.6), ("Bonds", 0.3))),
     "targets: must sum to 1 (100%), got 0.9; adjust the weights so they add up to 1."),
    ("infeasible restriction", dict(
        accounts=(("Taxable", "Taxable", 0.0, 0.0), ("IRA", "IRA", 0.0, -30_000.0)),
        holdings=tuple(h + (h == HOLD[2], None) for h in HOLD)),
     "accounts: 'IRA' must raise 30,000.00 but can sell only 11,520.00 (no_sell holdings excluded, after costs); "
     "withdraw less or allow sales."),
    ("a cell error", dict(holdings=HOLD[:1] + (("Taxable", "BND", "Bonds", -2146826246, 72.0),) + HOLD[2:]),
     "holdings: #N/A at row 2, column 4; fix the cell it comes from."),
    ("text for a number", dict(holdings=(("Taxable", "VTI", "Stocks", "lots", 250.0),) + HOLD[1:]),
     "holdings: text 'lots' at row 1, column 4; enter a number."),
    ("a number stored as text", dict(holdings=(("Taxable", "VTI", "Stocks", "100", 250.0),) + HOLD[1:]),
     "holdings: text '100' at row 1, column 4; it is a number stored as text; convert it to a number."),
    ("a blank price", dict(holdings=(("Taxable", "VTI", "Stocks", 100.0, None),) + HOLD[1:]),
     "holdings: a blank cell at row 1, column 5; fill in a number or shorten the range."),
    ("a bad date", dict(lots=(LOTS[0], ("Taxable", "VTI", 40.0, 11_000.0, "soon"))),
     "lots: text 'soon' at row 2, column 5; enter a date (2024-03-15)."),
    ("a flag that is not one", dict(holdings=(("Taxable", "VTI", "Stocks", 100.0, 250.0, "maybe"),) + HOLD[1:]),
     "holdings: text 'maybe' at row 1, column 6; enter TRUE or FALSE (or leave it blank)."),
    ("a single cell for a table", dict(accounts="Taxable"),
     "accounts: expected a table (name, type[, cash, cash flow]), got text 'Taxable'; select the table, one row each."),
    ("too many columns", dict(targets=(("Stocks", 0.6, 1.0), ("Bonds", 0.4, 1.0))),
     "targets: expected 2 columns (asset class, target), got 3; select the table's columns only."),
    ("rates", dict(rates=((0.35,),)),
     "rates: expected 2 or 3 rates (short-term, long-term[, state]), got 1; select them in that order."),
    ("rate above 1", dict(rates=((35.0, 0.15),)),
     "rates: 35 is outside 0..1; enter rates as decimal fractions (0.03 for 3%)."),
    ("a date that is not one", dict(as_of="tomorrow"),
     "as_of: expected a date (2024-03-15), got text 'tomorrow'; enter a date."),
    ("a repeated holding", dict(holdings=HOLD + (("Taxable", "VTI", "Stocks", 0.0, 250.0),)),
     "holdings: row 5 repeats VTI in 'Taxable' (row 1); merge the two rows."),
]


@pytest.mark.parametrize(("case", "change", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_named_word_for_word(case, change, expected):
    args = {"accounts": ACC, "holdings": HOLD, "targets": TARGETS, "lots": LOTS, "rates": (RATES,), "as_of": AS_OF}
    args.update(change)
    got = CALL(args["accounts"], args["holdings"], args["targets"], args["lots"], args["rates"], args["as_of"])
    assert got == "#ERROR: " + expected


def test_a_taxable_account_needs_rates():
    got = CALL(ACC, HOLD, TARGETS, LOTS)
    assert got == ("#ERROR: rates: the household has a taxable account; give TaxRates(short_term, long_term, "
                   "state) (zeros to ignore tax).")


def test_an_unknown_output_word_lists_the_choices():
    got = CALL(ACC, HOLD, TARGETS, LOTS, (RATES,), AS_OF, None, None, None, None, None, "everything")
    assert got == ("#ERROR: output: expected one of summary, trades, lots, accounts, classes or a figure (status, "
                   "number_of_trades, bought, sold, short_term_gain, long_term_gain, ...), got 'everything'.")


def test_kernel_rows_are_located_in_the_users_terms():
    read = {"lots": T.Read([], [2, 5, 9], {}), "holdings": T.Read([], [1, 4], {}), "accounts": T.Read([], [3, 7], {})}

    def row_name(table, k):
        return f"row {read[table].range_rows[k - 1]} (Sheet!A{read[table].range_rows[k - 1] + 10})"

    blocks = {"lots": "HH_Lots", "holdings": "HH_Holdings", "accounts": "HH_Accounts"}

    def names(table):
        return blocks.get(table, table)

    assert T.locate("lots: row 3 (Tax VTI) was acquired 2027-01-02, after as_of 2026-11-30; check the date.",
                    row_name, names) == ("HH_Lots: row 9 (Sheet!A19, Tax VTI) was acquired 2027-01-02, after as_of "
                                         "2026-11-30; check the date.")
    assert T.locate("lots: VTI in 'Tax' adds up to 90 shares but holdings row 2 has 100; fix the lots or the holding.",
                    row_name, names) == ("HH_Lots: VTI in 'Tax' adds up to 90 shares but HH_Holdings row 4 (Sheet!A14) "
                                         "has 100; fix the lots or the holding.")
    assert T.locate("accounts: 'IRA' is listed twice (rows 1 and 2); give each account one row.", row_name, names) \
        == "HH_Accounts: 'IRA' is listed twice (row 3 (Sheet!A13) and row 7 (Sheet!A17)); give each account one row."
    assert T.locate("targets: must sum to 1 (100%), got 0.9; adjust the weights.", row_name, names) == \
        "targets: must sum to 1 (100%), got 0.9; adjust the weights."
