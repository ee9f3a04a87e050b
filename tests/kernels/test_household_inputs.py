"""Household rebalancing: every bad input gets one line naming the input and the fix (word for word)."""

import datetime as dt
import re

import pytest

from kernels import (
    Account,
    Costs,
    Holding,
    InfeasibleError,
    InputError,
    Lot,
    RecentTrade,
    TaxRates,
    rebalance_household,
)

AS_OF = dt.date(2026, 11, 30)
H = [Holding("Brokerage", "VTI", 100, 100.0, "Stocks"), Holding("IRA", "BND", 100, 100.0, "Bonds")]
A = [Account("Brokerage", "taxable"), Account("IRA", "IRA")]
L = [Lot("Brokerage", "VTI", 100, 8_000.0, "2020-01-02")]
T = {"Stocks": 0.6, "Bonds": 0.4}
BASE = dict(holdings=H, targets=T, accounts=A, lots=L, as_of=AS_OF, tax_rates=TaxRates(0.35, 0.15, 0.05))

CASES = [
    (dict(accounts=[]), InputError,
     'accounts: is empty; list each account with its name and type (taxable, tax_deferred, tax_free).'),
    (dict(accounts=[Account("", "taxable"), A[1]]), InputError,
     'accounts: row 1 has no name; name every account.'),
    (dict(accounts=[A[0], A[1], Account("IRA", "roth")]), InputError,
     "accounts: 'IRA' is listed twice (rows 2 and 3); give each account one row."),
    (dict(accounts=[Account("Brokerage", "brokerage"), Account("IRA", "pension")]), InputError,
     "accounts: row 2 ('IRA') has type 'pension'; expected one of taxable, tax_deferred, tax_free (or IRA, 401(k), Roth IRA, ...)."),
    (dict(accounts=[Account("Brokerage", "taxable", -5.0), A[1]]), InputError,
     "accounts: 'Brokerage' has cash -5.00; cash must be >= 0 (a withdrawal goes in cash_flows)."),
    (dict(accounts=[Account("Brokerage", "taxable", "abc"), A[1]]), InputError,
     "accounts: row 1, cash: expected a number, got 'abc'; enter a number."),
    (dict(accounts=[{"name": "Brokerage", "cash": 1}]), InputError,
     'accounts: row 1 has no type column; columns are name, type, cash.'),
    (dict(accounts=[("Brokerage",), A[1]]), InputError,
     'accounts: row 1 has 1 values; expected 2 to 3 (name, type, cash).'),
    (dict(accounts="Brokerage"), InputError,
     'accounts: expected a table (a list of rows or a DataFrame), got str.'),
    (dict(accounts={"name": ["Brokerage", "IRA"], "type": ["taxable"]}), InputError,
     'accounts: the columns have different lengths ([1, 2]); give one value per row.'),
    (dict(cash_flows=[1.0]), InputError,
     'cash_flows: 1 values for 2 accounts; give one per account or a dict {account: amount}.'),
    (dict(cash_flows={"Roth": 100.0}), InputError,
     "cash_flows: account 'Roth' is not in accounts; use one of Brokerage, IRA."),
    (dict(holdings=[]), InputError,
     "holdings: is empty; list each account's holdings (account, symbol, shares, price)."),
    (dict(holdings=H + [Holding("Roth", "VTI", 1, 100.0, "Stocks")]), InputError,
     "holdings: row 3 is in account 'Roth', which accounts does not list; add the account or fix the name."),
    (dict(holdings=H + [Holding("IRA", "", 1, 100.0, "Stocks")]), InputError,
     'holdings: row 3 has no symbol; fill it in or delete the row.'),
    (dict(holdings=H + [Holding("IRA", "BND", 1, 100.0, "Bonds")]), InputError,
     "holdings: row 3 repeats BND in 'IRA' (row 2); merge the two rows."),
    (dict(holdings=[H[0], Holding("IRA", "BND", -1, 100.0, "Bonds")]), InputError,
     'holdings: row 2 (BND) has -1 shares; shares must be >= 0 (no short sales).'),
    (dict(holdings=[H[0], Holding("IRA", "BND", 1, 0.0, "Bonds")]), InputError,
     'holdings: row 2 (BND) has price 0; prices must be > 0.'),
    (dict(holdings=[H[0], Holding("IRA", "BND", 1, 10.0, "Bonds", "maybe")]), InputError,
     "holdings: row 2, no_sell: expected True/False (or 1/0, yes/no), got 'maybe'."),
    (dict(holdings=[H[0], Holding("IRA", "BND", float("nan"), 10.0, "Bonds")]), InputError,
     'holdings: row 2, shares: is blank; enter a number.'),
    (dict(holdings=[H[0], Holding("IRA", "BND", float("inf"), 10.0, "Bonds")]), InputError,
     'holdings: row 2, shares: expected a finite number, got inf; enter a number.'),
    (dict(targets={}), InputError,
     'targets: is empty; give a weight for each asset class (or symbol), summing to 1.'),
    (dict(targets={"Stocks": 0.6, "Bonds": 0.35}), InputError,
     'targets: must sum to 1 (100%), got 0.95; adjust the weights so they add up to 1.'),
    (dict(targets={"Stocks": 1.2, "Bonds": -0.2}), InputError,
     "targets: 'Bonds' is -0.2; targets must be >= 0."),
    (dict(targets=[("Stocks", 0.5), ("Stocks", 0.1), ("Bonds", 0.4)]), InputError,
     "targets: 'Stocks' is listed twice; give each asset class one target."),
    (dict(targets={"Stocks": 1.0}), InputError,
     "holdings: row 2 counts towards 'Bonds', which has no target; add it to targets (0 to sell it) or fix its asset_class."),
    (dict(targets={"Stocks": 0.5, "Bonds": 0.4, "Gold": 0.1}), InputError,
     "targets: 'Gold' (0.1) matches no holding's asset_class or symbol; list a security for it (0 shares) in an account that may buy it, or fix the name."),
    (dict(targets=[("Stocks", 0.6, 1), ("Bonds", 0.4)]), InputError,
     'targets: row 1 should be a pair (asset_class, target).'),
    (dict(targets={"Stocks": "sixty", "Bonds": 0.4}), InputError,
     "targets: 'Stocks': expected a number, got 'sixty'; enter a number."),
    (dict(band={"Stocks": 0.05}), InputError,
     "band: no band for 'Bonds'; give one per asset class or a single number."),
    (dict(band=1.5), InputError,
     'band: holding 1 has band 1.5; bands are weight points between 0 and 1 (0.05 = 5%).'),
    (dict(mode="to_band"), InputError,
     "mode: 'to_band' needs band or relative_band; give a band or use mode='to_target'."),
    (dict(mode="halfway", band=0.05), InputError,
     "mode: expected one of to_target, to_band, got 'halfway'."),
    (dict(substitutes={"XYZ": "ABC"}, harvest_threshold=0.1), InputError,
     "substitutes: row 1 names 'XYZ', which no account holds; fix the symbol or delete the row."),
    (dict(substitutes={"VTI": "VTI"}, harvest_threshold=0.1), InputError,
     'substitutes: row 1 (VTI) needs a replacement other than itself.'),
    (dict(substitutes={"VTI": "ITOT"}, harvest_threshold=0.1), InputError,
     'substitutes: row 1: ITOT is listed in no account, so its price is needed; add a price > 0.'),
    (dict(substitutes=[("VTI", "ITOT", 100.0), ("VTI", "SCHB", 50.0)], harvest_threshold=0.1), InputError,
     'substitutes: row 2 gives VTI a second replacement; keep one.'),
    (dict(tax_rates=None), InputError,
     'tax_rates: the household has a taxable account; give TaxRates(short_term, long_term, state) (zeros to ignore tax).'),
    (dict(tax_rates=(0.3,)), InputError,
     'tax_rates: expected TaxRates(short_term, long_term, state), e.g. (0.35, 0.15, 0.05).'),
    (dict(tax_rates=TaxRates(1.2, 0.15, 0.05)), InputError,
     'tax_rates.short_term: 1.2 is outside 0..1; enter rates as decimal fractions (0.03 for 3%).'),
    (dict(tax_rates=TaxRates(0.6, 0.15, 0.45)), InputError,
     'tax_rates: federal 0.6 + state 0.45 leaves nothing (must be below 1); check the rates.'),
    (dict(as_of=None), InputError,
     "as_of: the trade date is needed for holding periods and the wash-sale window; give as_of='YYYY-MM-DD'."),
    (dict(as_of="30/11/2026"), InputError,
     "as_of: expected a date (2024-03-15), got '30/11/2026'; enter the date as YYYY-MM-DD."),
    (dict(lots=L + [Lot("IRA", "VTI", 1, 10.0, "2020-01-02")]), InputError,
     'lots: row 2 (IRA VTI) matches no holding; add the holding or fix the account and symbol.'),
    (dict(lots=[Lot("Brokerage", "VTI", 0, 0.0, "2020-01-02"), L[0]]), InputError,
     'lots: row 1 (Brokerage VTI) has 0 shares; a lot holds > 0 shares.'),
    (dict(lots=[Lot("Brokerage", "VTI", 100, -1.0, "2020-01-02")]), InputError,
     "lots: row 1 (Brokerage VTI) has cost basis -1.00; enter the lot's total cost (>= 0)."),
    (dict(lots=[Lot("Brokerage", "VTI", 100, 8_000.0, "2027-01-02")]), InputError,
     'lots: row 1 (Brokerage VTI) was acquired 2027-01-02, after as_of 2026-11-30; check the date.'),
    (dict(lots=[Lot("Brokerage", "VTI", 90, 8_000.0, "2020-01-02")]), InputError,
     "lots: VTI in 'Brokerage' adds up to 90 shares but holdings row 1 has 100; fix the lots or the holding."),
    (dict(lots=None), InputError,
     "lots: none for VTI in 'Brokerage' (holdings row 1, 100 shares); a taxable holding needs its tax lots (shares, cost basis, date)."),
    (dict(lots=[Lot("Brokerage", "VTI", 100, 8_000.0, "someday")]), InputError,
     "lots: row 1, acquired: expected a date (2024-03-15), got 'someday'; enter the date as YYYY-MM-DD."),
    (dict(recent_trades=[RecentTrade("Roth", "VTI", 1, "2026-11-20")]), InputError,
     'recent_trades: row 1 (Roth VTI): account not in accounts; add it or fix the name.'),
    (dict(recent_trades=[RecentTrade("IRA", "VTI", 1, "2026-12-20")]), InputError,
     'recent_trades: row 1 (IRA VTI) is dated 2026-12-20, after as_of 2026-11-30; check the date.'),
    (dict(costs=(1, 2, 3)), InputError,
     'costs: expected Costs(bps, per_trade), e.g. Costs(5, 4.95) for 5 bp and $4.95 a trade.'),
    (dict(costs=Costs(-1, 0)), InputError,
     'costs.bps: must be >= 0, got -1.'),
    (dict(costs=Costs(1, -1)), InputError,
     'costs.per_trade: must be >= 0, got -1.'),
    (dict(max_turnover=-0.1), InputError,
     'max_turnover: must be >= 0, got -0.1.'),
    (dict(drift_penalty=0), InputError,
     'drift_penalty: must be > 0, got 0.'),
    (dict(lot_method="fifo"), InputError,
     "lot_method: expected one of min_tax, hifo, got 'fifo'."),
    (dict(harvest_threshold=1.5), InputError,
     'harvest_threshold: must be <= 1, got 1.5.'),
    (dict(mip_gap=-1), InputError,
     'mip_gap: must be >= 0, got -1.'),
    (dict(time_limit=0), InputError,
     'time_limit: must be > 0, got 0.'),
    (dict(holdings=[Holding("Brokerage", "VTI", 0, 100.0, "Stocks"), Holding("IRA", "BND", 0, 100.0, "Bonds")], lots=[]), InputError,
     'holdings: the household is worth 0.00 after the cash flows; nothing to rebalance (check shares, prices and withdrawals).'),
    (dict(cash_flows={"IRA": -15_000.0}), InfeasibleError,
     "cash_flows: 'IRA' must raise 15,000.00 but can sell only 10,000.00 (no_sell holdings excluded, after costs); withdraw less or allow sales."),
    (dict(holdings=[H[0], Holding("IRA", "BND", 100, 100.0, "Bonds", True)], cash_flows={"IRA": -100.0}), InfeasibleError,
     "cash_flows: 'IRA' must raise 100.00 but can sell only 0.00 (no_sell holdings excluded, after costs); withdraw less or allow sales."),
    (dict(cash_flows={"IRA": -5_000.0}, max_turnover=0.001), InfeasibleError,
     'max_turnover: 0.001 is too low for the withdrawals (they need about 0.1667); raise it or withdraw less.'),
]


def test_the_base_household_is_fine():
    assert rebalance_household(**BASE).status == "optimal"


@pytest.mark.parametrize("change, error, message", CASES)
def test_bad_input_gets_one_line_naming_the_input(change, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        rebalance_household(**dict(BASE, **change))
    assert "\n" not in message and len(message) < 200


def test_errors_are_value_errors_and_portfolio_errors():
    from kernels import PortfolioError

    assert issubclass(InputError, ValueError) and issubclass(InfeasibleError, PortfolioError)
