"""Household rebalancing: hand-worked cases (every number below is worked out in the comments)."""

import datetime as dt

import numpy as np
import pytest

from kernels import (
    Account,
    Costs,
    Holding,
    Lot,
    RecentTrade,
    TaxRates,
    rebalance_household,
    rebalance_trades,
)
from tests.tolerances import ATOL_MONEY

AS_OF = dt.date(2026, 11, 30)
RATES = TaxRates(0.35, 0.15, 0.05)  # short-term 35% + 5% state = 40%; long-term 15% + 5% = 20%
LONG_AGO = dt.date(2015, 6, 1)


def _by_symbol(r, account, symbol):
    i = [k for k, (a, s) in enumerate(zip(r.positions.account, r.positions.symbol)) if (a, s) == (account, symbol)]
    return float(r.positions.shares_traded[i[0]])


# ------------------------------------------------------------------ selling in the IRA avoids all tax
# Brokerage VTI 400 x 250 = 100,000 (bought for 40,000: a 60,000 long-term gain); IRA VTI 200 x 250 = 50,000 and
# BND 500 x 100 = 50,000. Household 200,000 at 75/25 against 60/40: stocks must fall by 30,000 (120 VTI shares).
IRA_CASE = dict(
    holdings=[Holding("Brokerage", "VTI", 400, 250.0, "Stocks"), Holding("Brokerage", "BND", 0, 100.0, "Bonds"),
              Holding("IRA", "VTI", 200, 250.0, "Stocks"), Holding("IRA", "BND", 500, 100.0, "Bonds")],
    targets={"Stocks": 0.6, "Bonds": 0.4},
    accounts=[Account("Brokerage", "taxable"), Account("IRA", "IRA")],
    lots=[Lot("Brokerage", "VTI", 400, 40_000.0, LONG_AGO)], as_of=AS_OF, tax_rates=RATES)


def test_selling_in_the_ira_avoids_all_tax():
    r = rebalance_household(**IRA_CASE)
    assert _by_symbol(r, "IRA", "VTI") == pytest.approx(-120.0, abs=1e-9)
    assert _by_symbol(r, "IRA", "BND") == pytest.approx(300.0, abs=1e-9)
    assert _by_symbol(r, "Brokerage", "VTI") == 0.0 and _by_symbol(r, "Brokerage", "BND") == 0.0
    assert r.tax == 0.0 and r.short_term_gain == 0.0 and r.long_term_gain == 0.0
    np.testing.assert_allclose(r.classes.weight_after, [0.6, 0.4], atol=1e-12)
    assert r.status == "optimal" and r.proven_optimal and r.gap_amount == 0.0


def test_when_the_ira_may_not_sell_the_brokerage_pays_the_long_term_rate():
    # IRA VTI no_sell: 120 shares leave the brokerage lot (cost 100 a share): gain 120 x 150 = 18,000 long-term,
    # federal 15% = 2,700, state 5% = 900, tax 3,600.
    case = dict(IRA_CASE, holdings=[h._replace(no_sell=True) if h[:2] == ("IRA", "VTI") else h
                                    for h in IRA_CASE["holdings"]])
    r = rebalance_household(**case)
    assert _by_symbol(r, "Brokerage", "VTI") == pytest.approx(-120.0, abs=1e-9)
    assert _by_symbol(r, "Brokerage", "BND") == pytest.approx(300.0, abs=1e-9)
    assert r.long_term_gain == pytest.approx(18_000.0, abs=ATOL_MONEY)
    assert (r.federal_tax, r.state_tax, r.tax) == pytest.approx((2_700.0, 900.0, 3_600.0), abs=ATOL_MONEY)
    assert r.lots.gain[0] == pytest.approx(18_000.0) and r.lots.long_term[0]
    assert r.accounts.tax.tolist() == pytest.approx([3_600.0, 0.0])
    # objective: nothing out of place, 3,600 of tax
    assert r.objective == pytest.approx(3_600.0, abs=1e-6)


def test_a_low_drift_penalty_keeps_a_gain_unrealised():
    # Each dollar moved costs 150 / 250 x 20% = 0.12 of tax, more than drift_penalty 0.1: no trade. Staying put
    # costs 0.1 / 2 x (30,000 over + 30,000 under) = 3,000.
    case = dict(IRA_CASE, holdings=[h._replace(no_sell=True) if h[:2] == ("IRA", "VTI") else h
                                    for h in IRA_CASE["holdings"]])
    r = rebalance_household(**case, drift_penalty=0.1)
    assert not np.any(r.positions.shares_traded) and r.tax == 0.0
    assert r.objective == pytest.approx(3_000.0, abs=1e-6)
    np.testing.assert_allclose(r.classes.drift_after, r.classes.drift_before, atol=1e-15)


# ------------------------------------------------------------------ harvesting a loss pays for a gain
# One taxable account, 20,000: VTI 100 x 100 (cost 5,000, long-term), BND 50 x 100 (cost 5,000), VEA 50 x 100
# (cost 6,000: a 1,000 long-term loss, 16.7% of its cost). Targets US 40%, bonds 35%, international 25%:
# sell 20 VTI (gain 20 x 50 = 1,000, tax 20% = 200) and buy 20 BND.
HARVEST_CASE = dict(
    holdings=[Holding("Taxable", "VTI", 100, 100.0, "US"), Holding("Taxable", "BND", 50, 100.0, "Bonds"),
              Holding("Taxable", "VEA", 50, 100.0, "Intl")],
    targets={"US": 0.4, "Bonds": 0.35, "Intl": 0.25}, accounts=[Account("Taxable", "taxable")],
    lots=[Lot("Taxable", "VTI", 100, 5_000.0, LONG_AGO), Lot("Taxable", "BND", 50, 5_000.0, LONG_AGO),
          Lot("Taxable", "VEA", 50, 6_000.0, LONG_AGO)],
    as_of=AS_OF, tax_rates=RATES, substitutes=[("VEA", "IEFA", 50.0)])


def test_without_harvesting_the_gain_is_taxed():
    r = rebalance_household(**HARVEST_CASE)
    np.testing.assert_allclose(r.positions.shares_traded, [-20.0, 20.0, 0.0], atol=1e-9)
    assert r.tax == pytest.approx(200.0, abs=ATOL_MONEY) and r.harvested_loss == 0.0
    assert r.positions.symbol == ["VTI", "BND", "VEA"]  # no replacement added without harvesting


def test_harvesting_a_loss_pays_for_the_gain():
    # Harvest VEA (loss 1,000 >= 10% of 6,000): sell all 50, buy 100 IEFA at 50; the 200 saved pays the 200 due.
    r = rebalance_household(**HARVEST_CASE, harvest_threshold=0.10)
    assert r.positions.symbol == ["VTI", "BND", "VEA", "IEFA"] and r.positions.asset_class[3] == "Intl"
    assert r.positions.added.tolist() == [False, False, False, True]
    np.testing.assert_allclose(r.positions.shares_traded, [-20.0, 20.0, -50.0, 100.0], atol=1e-9)
    np.testing.assert_allclose(r.lots.gain, [1_000.0, 0.0, -1_000.0], atol=ATOL_MONEY)
    assert r.lots.harvest_candidate.tolist() == [False, False, True]
    assert r.lots.replacement == ["", "", "IEFA"]
    assert r.harvested_loss == pytest.approx(1_000.0) and r.tax_saved == pytest.approx(200.0)
    assert r.tax == pytest.approx(0.0, abs=ATOL_MONEY) and r.long_term_gain == pytest.approx(0.0, abs=ATOL_MONEY)
    np.testing.assert_allclose(r.classes.weight_after, [0.4, 0.35, 0.25], atol=1e-12)


def test_a_loss_below_the_threshold_only_offsets_the_gain():
    # 16.7% is below a 20% threshold: VEA is no harvest candidate, its loss counts only against the gain realised
    # in the same plan. Selling all 50 (loss 1,000) offsets the 1,000 gain exactly: tax 0, nothing "harvested".
    r = rebalance_household(**HARVEST_CASE, harvest_threshold=0.20)
    assert not r.lots.harvest_candidate.any()
    assert _by_symbol(r, "Taxable", "VEA") == pytest.approx(-50.0) and r.tax == pytest.approx(0.0, abs=ATOL_MONEY)
    assert r.harvested_loss == 0.0 and r.tax_saved == 0.0


# ------------------------------------------------------------------ wash sales
# Taxable: VTI 100 x 100 bought for 12,000 (a 2,000 loss), AGG 100 x 100 bought for 5,000 (a 5,000 gain).
# IRA: BND 100 x 100 and VTI (none held, may buy). Household 30,000 at 33/67 against 50/50: US +5,000.
# Plan B (the optimum): the IRA sells 50 BND and buys 50 VTI, no tax. Plan C would harvest VTI in the taxable
# account (saving 400) while the IRA buys VTI: a wash sale, so not allowed. Plan A harvests VTI and buys ITOT
# instead, but then the taxable account must also sell 50 AGG (gain 2,500, tax 500): 100 of net tax.
WASH_CASE = dict(
    holdings=[Holding("Taxable", "VTI", 100, 100.0, "US"), Holding("Taxable", "AGG", 100, 100.0, "Bonds"),
              Holding("IRA", "VTI", 0, 100.0, "US"), Holding("IRA", "BND", 100, 100.0, "Bonds")],
    targets={"US": 0.5, "Bonds": 0.5}, accounts=[Account("Taxable", "taxable"), Account("IRA", "IRA")],
    lots=[Lot("Taxable", "VTI", 100, 12_000.0, LONG_AGO), Lot("Taxable", "AGG", 100, 5_000.0, LONG_AGO)],
    as_of=AS_OF, tax_rates=RATES, substitutes=[("VTI", "ITOT", 100.0)], harvest_threshold=0.1)


def test_a_loss_is_never_harvested_while_another_account_buys_the_security():
    r = rebalance_household(**WASH_CASE)
    assert _by_symbol(r, "IRA", "VTI") == pytest.approx(50.0, abs=1e-9)
    assert _by_symbol(r, "IRA", "BND") == pytest.approx(-50.0, abs=1e-9)
    assert _by_symbol(r, "Taxable", "VTI") == 0.0 and r.lots.shares_sold.tolist() == [0.0, 0.0]
    assert r.tax == 0.0 and r.wash_sales == []
    assert r.n_solves == 2  # the first plan broke the wash-sale rule; the second carries its binary


def test_when_the_ira_cannot_buy_the_plan_harvests_and_pays_100():
    # IRA VTI no_buy: plan A. Harvest VTI (-400), sell 50 AGG (+500), buy 150 ITOT.
    case = dict(WASH_CASE, holdings=[h._replace(no_buy=True) if h[:2] == ("IRA", "VTI") else h
                                     for h in WASH_CASE["holdings"]])
    r = rebalance_household(**case)
    assert _by_symbol(r, "Taxable", "VTI") == pytest.approx(-100.0)
    assert _by_symbol(r, "Taxable", "AGG") == pytest.approx(-50.0)
    assert _by_symbol(r, "Taxable", "ITOT") == pytest.approx(150.0)
    assert r.tax == pytest.approx(-400.0 + 500.0, abs=ATOL_MONEY) and r.tax_saved == pytest.approx(400.0)


def test_a_loss_after_a_purchase_in_the_last_30_days_is_flagged_and_saves_no_tax():
    # The taxable account must raise 5,000: it sells 50 VTI at a 20 loss each (1,000). The IRA bought VTI 10 days
    # ago: the loss is disallowed (a wash sale), flagged, and counted as no saving.
    case = dict(holdings=[Holding("Taxable", "VTI", 100, 100.0, "US"), Holding("IRA", "VTI", 10, 100.0, "US")],
                targets={"US": 1.0}, accounts=[Account("Taxable", "taxable"), Account("IRA", "IRA")],
                lots=[Lot("Taxable", "VTI", 100, 12_000.0, LONG_AGO)], as_of=AS_OF, tax_rates=RATES,
                cash_flows={"Taxable": -5_000.0},
                recent_trades=[RecentTrade("IRA", "VTI", 10, AS_OF - dt.timedelta(days=10))])
    r = rebalance_household(**case)
    assert _by_symbol(r, "Taxable", "VTI") == pytest.approx(-50.0)
    assert r.lots.gain[0] == pytest.approx(-1_000.0) and r.lots.tax[0] == 0.0 and r.tax == 0.0
    assert r.lots.wash_sale == ["bought in IRA on 2026-11-20"]
    assert r.wash_sales == [("VTI", "Taxable", 1, pytest.approx(1_000.0), "IRA", dt.date(2026, 11, 20))]


def test_a_loss_sale_in_the_last_30_days_blocks_buying_the_security():
    # VTI was sold at a loss 5 days ago: buying it now would make that loss a wash sale. The IRA buys VXF instead.
    case = dict(holdings=[Holding("IRA", "VTI", 0, 100.0, "US"), Holding("IRA", "VXF", 0, 50.0, "US"),
                          Holding("IRA", "BND", 100, 100.0, "Bonds")],
                targets={"US": 0.5, "Bonds": 0.5}, accounts=[Account("IRA", "IRA"), Account("Taxable", "taxable")],
                as_of=AS_OF, recent_trades=[RecentTrade("Taxable", "VTI", -10, AS_OF - dt.timedelta(days=5), -300.0)])
    r = rebalance_household(**case)
    assert _by_symbol(r, "IRA", "VTI") == 0.0 and _by_symbol(r, "IRA", "VXF") == pytest.approx(100.0)
    assert r.positions.buy_blocked[0] == "a loss sale in Taxable on 2026-11-25 (wash-sale window)"
    assert r.positions.buy_blocked[1:] == ["", ""]


# ------------------------------------------------------------------ lot selection
# X 30 x 100 in three lots of 10: A cost 85 (short-term: gain 15 x 40% = 6.00 a share), B cost 80 (long-term:
# 20 x 20% = 4.00), C cost 110 (long-term loss: -10 x 20% = -2.00). Y 15 x 100. Targets 1/3, 2/3 of 4,500: sell 15 X.
LOT_CASE = dict(
    holdings=[Holding("T", "X", 30, 100.0), Holding("T", "Y", 15, 100.0)], targets={"X": 1 / 3, "Y": 2 / 3},
    accounts=[Account("T", "taxable")],
    lots=[Lot("T", "X", 10, 850.0, AS_OF - dt.timedelta(days=100)), Lot("T", "X", 10, 800.0, LONG_AGO),
          Lot("T", "X", 10, 1_100.0, LONG_AGO), Lot("T", "Y", 15, 1_500.0, LONG_AGO)],
    as_of=AS_OF, tax_rates=RATES)


def test_min_tax_sells_the_loss_then_the_cheapest_gain():
    # C (all 10: -20) then 5 of B (+20): tax 0.
    r = rebalance_household(**LOT_CASE)
    np.testing.assert_allclose(r.lots.shares_sold, [0.0, 5.0, 10.0, 0.0], atol=1e-9)
    assert r.tax == pytest.approx(0.0, abs=ATOL_MONEY)
    assert (r.short_term_gain, r.long_term_gain) == pytest.approx((0.0, 0.0), abs=ATOL_MONEY)


def test_highest_cost_first_sells_c_then_a():
    # C (110) then A (85): C -100 long-term, A 5 x 15 = 75 short-term: tax -20 + 30 = 10.
    r = rebalance_household(**LOT_CASE, lot_method="hifo")
    np.testing.assert_allclose(r.lots.shares_sold, [5.0, 0.0, 10.0, 0.0], atol=1e-9)
    assert (r.short_term_gain, r.long_term_gain) == pytest.approx((75.0, -100.0), abs=ATOL_MONEY)
    assert r.tax == pytest.approx(10.0, abs=ATOL_MONEY)
    assert r.lots.long_term.tolist() == [False, True, True, True]


@pytest.mark.parametrize("acquired, as_of, long_term", [
    (dt.date(2025, 11, 30), dt.date(2026, 11, 30), False),  # exactly one year: short-term
    (dt.date(2025, 11, 30), dt.date(2026, 12, 1), True),  # one year and a day: long-term
    (dt.date(2024, 2, 29), dt.date(2025, 2, 28), False),  # a leap-day purchase's anniversary is 28 February
    (dt.date(2024, 2, 29), dt.date(2025, 3, 1), True),
])
def test_holding_period_is_more_than_one_year(acquired, as_of, long_term):
    r = rebalance_household([Holding("T", "X", 10, 100.0)], {"X": 1.0}, accounts=[Account("T", "taxable")],
                            lots=[Lot("T", "X", 10, 900.0, acquired)], as_of=as_of, tax_rates=RATES)
    assert r.lots.long_term.tolist() == [long_term]


# ------------------------------------------------------------------ cash, costs, restrictions, bands
def test_costs_come_out_of_each_accounts_cash():
    # IRA 60,000 stocks / 40,000 bonds -> 50/50 with 10 bp and 5.00 a trade. Selling s raises 0.999 s - 5, buying b
    # costs 1.001 b + 5; level classes (60,000 - s = 40,000 + b) and no cash left (0.999 s - 10 = 1.001 b) give
    # s = 20,030 / 2 = 10,015 and b = 9,985; costs 0.001 x 20,000 + 10 = 30.
    s, b = 10_015.0, 9_985.0
    r = rebalance_household([Holding("IRA", "STK", 600, 100.0, "S"), Holding("IRA", "BND", 400, 100.0, "B")],
                            {"S": 0.5, "B": 0.5}, accounts=[Account("IRA", "tax_deferred")],
                            costs=Costs(bps=10, per_trade=5.0))
    np.testing.assert_allclose(r.positions.value_traded, [-s, b], rtol=1e-9)
    assert r.costs == pytest.approx(0.001 * (s + b) + 10.0, rel=1e-9)
    assert r.accounts.cash_after[0] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(r.classes.weight_after, [0.5, 0.5], atol=1e-9)


def test_a_withdrawal_comes_from_its_own_account_and_no_cash_is_overspent():
    # The IRA pays out 5,000; its own sales raise it (the taxable account's cash cannot).
    r = rebalance_household(**IRA_CASE, cash_flows={"IRA": -5_000.0})
    assert r.accounts.cash_after.tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    assert r.accounts.value_after.sum() == pytest.approx(195_000.0)
    np.testing.assert_allclose(r.classes.weight_after, [0.6, 0.4], atol=1e-12)
    assert r.tax == 0.0


def test_whole_shares_never_overspend_and_leave_less_than_a_share():
    r = rebalance_household([Holding("IRA", "A", 10, 33.0), Holding("IRA", "B", 0, 47.0)], {"A": 0.5, "B": 0.5},
                            accounts=[Account("IRA", "IRA", cash=1_000.0)], whole_shares=True, mip_gap=0.0)
    assert np.all(r.positions.shares_traded == np.round(r.positions.shares_traded))
    assert 0.0 <= r.accounts.cash_after[0] < 47.0
    assert r.status == "optimal"


def test_a_fund_only_in_the_401k_is_bought_there():
    # Stable value sits only in the 401(k); its 10% target is met by the 401(k) selling its stock fund.
    r = rebalance_household(
        [Holding("Brokerage", "VTI", 100, 100.0, "Stocks"), Holding("401k", "FUND", 100, 100.0, "Stocks"),
         Holding("401k", "STABLE", 0, 10.0, "Stable")], {"Stocks": 0.9, "Stable": 0.1},
        accounts=[Account("Brokerage", "taxable"), Account("401k", "401(k)")],
        lots=[Lot("Brokerage", "VTI", 100, 5_000.0, LONG_AGO)], as_of=AS_OF, tax_rates=RATES)
    assert _by_symbol(r, "401k", "STABLE") == pytest.approx(200.0)
    assert _by_symbol(r, "401k", "FUND") == pytest.approx(-20.0)
    assert _by_symbol(r, "Brokerage", "VTI") == 0.0 and r.tax == 0.0


def test_a_turnover_limit_stops_the_trades_short():
    # Full rebalance moves 30,000 of 200,000 (turnover 0.15); a 5% limit moves 10,000 each way.
    r = rebalance_household(**IRA_CASE, max_turnover=0.05)
    assert r.turnover == pytest.approx(0.05, rel=1e-9)
    np.testing.assert_allclose(r.classes.weight_after, [0.7, 0.3], atol=1e-12)


def test_bands_wider_than_the_drift_trade_nothing_and_to_band_stops_at_the_edge():
    # One IRA at 66/34 against 60/40.
    case = dict(holdings=[Holding("IRA", "S", 660, 100.0), Holding("IRA", "B", 340, 100.0)],
                targets={"S": 0.6, "B": 0.4}, accounts=[Account("IRA", "IRA")])
    assert not np.any(rebalance_household(**case, band=0.07).positions.shares_traded)
    assert not rebalance_household(**case, band=0.07).bands_triggered
    full = rebalance_household(**case, band=0.05)  # to_target: all the way back
    np.testing.assert_allclose(full.positions.shares_traded, [-60.0, 60.0], atol=1e-9)
    edge = rebalance_household(**case, band=0.05, mode="to_band")  # to the edge: 65/35
    np.testing.assert_allclose(edge.positions.shares_traded, [-10.0, 10.0], atol=1e-9)
    np.testing.assert_allclose(edge.classes.weight_after, [0.65, 0.35], atol=1e-12)


def test_one_tax_deferred_account_matches_rebalance_trades():
    values, targets = [66_000.0, 41_200.0], [0.6, 0.4]
    plain = rebalance_trades(values, targets, cash=800.0, cash_flow=2_000.0)
    r = rebalance_household([Holding("IRA", "S", 660, 100.0), Holding("IRA", "B", 1_030, 40.0)],
                            {"S": 0.6, "B": 0.4}, accounts=[Account("IRA", "IRA", 800.0)],
                            cash_flows={"IRA": 2_000.0})
    np.testing.assert_allclose(r.positions.value_traded, plain.trades, atol=1e-6)
    np.testing.assert_allclose(r.classes.weight_after, plain.weights, atol=1e-12)


# ------------------------------------------------------------------ the same household from CSV rows
def test_rows_from_csv_text_dicts_and_dataframes_give_the_same_plan():
    import pandas as pd

    base = rebalance_household(**IRA_CASE)
    text_rows = [{"Account": h.account, "Symbol": h.symbol, "Shares": str(h.shares), "Price": f"{h.price:,.2f}",
                  "Asset Class": h.asset_class, "No Sell": "", "No Buy": "no"} for h in IRA_CASE["holdings"]]
    lots = [{"account": "Brokerage", "symbol": "VTI", "shares": "400", "cost_basis": "40,000.00",
             "acquired": "2015-06-01"}]
    accounts = pd.DataFrame({"name": ["Brokerage", "IRA"], "type": ["Taxable", "Traditional IRA"], "cash": [0, None]})
    r = rebalance_household(text_rows, pd.DataFrame({"asset_class": ["Stocks", "Bonds"], "target": [0.6, 0.4]}),
                            accounts=accounts, lots=lots, as_of="2026-11-30", tax_rates=(0.35, 0.15, 0.05))
    np.testing.assert_array_equal(r.positions.shares_traded, base.positions.shares_traded)
    assert r.accounts.type == ["taxable", "tax_deferred"]


def test_whole_shares_keep_a_binding_turnover_limit():
    # Rounding the fractional plan's trades up would pass the limit: the whole-share plan stays inside it.
    r = rebalance_household(**IRA_CASE, max_turnover=0.0333, whole_shares=True)
    assert r.turnover <= 0.0333 and r.status == "optimal"
    assert np.all(r.positions.shares_traded == np.round(r.positions.shares_traded))
    assert np.all(r.accounts.cash_after >= 0.0)
