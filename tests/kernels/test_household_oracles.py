"""Household rebalancing against independent oracles (tests/naive.py) and properties.

- A brute force over every whole-share plan (every lot choice) of tiny households: the least objective.
- The same programme written the obvious way in cvxpy (every wash-sale and lot-order binary up front) on HiGHS.
- The stated objective re-evaluated from the plan alone (``household_objective``): the report tells the truth.
- Properties: zero tax rates are the plain household rebalance, bands wider than the drift trade nothing, the
  report's weights, cash, gains and taxes follow from the shares traded.
"""

import numpy as np
import pytest

from kernels import Costs, TaxRates, rebalance_household
from tests.naive import (
    HOUSEHOLD_AS_OF,
    brute_force_household,
    cvxpy_household,
    household_objective,
    household_plans,
    household_spec,
    random_household,
    tiny_household,
)
from tests.tolerances import RTOL_HOUSEHOLD, RTOL_TIE_BREAK

RATES = (0.35, 0.15, 0.05)
#: option sets shared by the oracles: (options for rebalance_household and household_spec)
OPTIONS = [
    {},
    {"lot_method": "hifo"},
    {"costs": (10.0, 1.0)},
    {"harvest_threshold": 0.05},
    {"band": 0.05, "mode": "to_band"},
    {"band": 0.03},
    {"max_turnover": 0.02},
]


def _ours(accounts, holdings, lots, targets, opts, *, flows=None, **kw):
    o = dict(opts)
    if "costs" in o:
        o["costs"] = Costs(*o["costs"])
    return rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                               tax_rates=TaxRates(*RATES), cash_flows=flows, **o, **kw)


def _plan(spec, r):
    """The plan as the oracle's arrays: buys, sheltered sales, lot sales."""
    buys = np.maximum(r.positions.shares_traded, 0.0)
    sells = np.where(spec.taxable, 0.0, np.maximum(-r.positions.shares_traded, 0.0))
    return buys[None], sells[None], r.lots.shares_sold[None]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_whole_shares_match_a_brute_force_over_every_plan(seed):
    accounts, holdings, lots, targets = tiny_household(seed)
    plans = household_plans(household_spec(holdings, targets, accounts, lots, HOUSEHOLD_AS_OF, RATES))
    for opts in OPTIONS:
        spec = household_spec(holdings, targets, accounts, lots, HOUSEHOLD_AS_OF, RATES, **opts)
        best, _, n_plans = brute_force_household(spec, plans)
        r = _ours(accounts, holdings, lots, targets, opts, whole_shares=True, mip_gap=0.0)
        tol = RTOL_TIE_BREAK * spec.total
        assert household_objective(spec, *_plan(spec, r))[0] == pytest.approx(r.objective, abs=1e-9 * spec.total)
        assert r.status == "optimal", (opts, r.status)
        assert r.objective == pytest.approx(best, abs=tol), (opts, n_plans)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("opts", OPTIONS + [{"costs": (5.0, 4.95)}], ids=str)
def test_fractional_shares_match_the_obvious_cvxpy_programme(seed, opts):
    accounts, holdings, lots, targets, flows = random_household(seed, 2, 8, 20)
    spec = household_spec(holdings, targets, accounts, lots, HOUSEHOLD_AS_OF, RATES, cash_flows=flows, **opts)
    r = _ours(accounts, holdings, lots, targets, opts, flows=flows)
    oracle, status, _ = cvxpy_household(spec, whole=False)
    assert status == "optimal"
    assert household_objective(spec, *_plan(spec, r))[0] == pytest.approx(r.objective, abs=1e-9 * spec.total)
    assert r.status == "optimal" and r.proven_optimal
    # fees make it a mixed-integer programme, closed to mip_gap of the household's value
    slack = r.mip_gap * spec.total if opts.get("costs", (0, 0))[1] else 0.0
    assert oracle - RTOL_TIE_BREAK * spec.total <= r.objective <= oracle + RTOL_TIE_BREAK * spec.total + slack


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_whole_share_gap_claims_hold_against_cvxpy(seed):
    # cvxpy's whole-share programme rarely closes in seconds (matching targets to the dollar with whole shares is
    # a subset-sum problem); whatever it finds must not beat our plan by more than the gap we claim.
    accounts, holdings, lots, targets, flows = random_household(seed, 2, 5, 10)
    spec = household_spec(holdings, targets, accounts, lots, HOUSEHOLD_AS_OF, RATES, cash_flows=flows)
    r = _ours(accounts, holdings, lots, targets, {}, flows=flows, whole_shares=True)
    found, _, _ = cvxpy_household(spec, whole=True, time_limit=3.0)
    assert r.status == "optimal" and r.gap_amount <= r.mip_gap * spec.total * (1 + 1e-9)
    assert found >= r.objective - r.gap_amount - RTOL_TIE_BREAK * spec.total
    assert household_objective(spec, *_plan(spec, r))[0] == pytest.approx(r.objective, abs=1e-9 * spec.total)


@pytest.mark.parametrize("seed", range(4))
def test_zero_tax_rates_are_the_plain_household_rebalance(seed):
    # With no tax, typing every account as tax-deferred changes nothing: same cost, same class weights.
    accounts, holdings, lots, targets, flows = random_household(seed, 3, 10, 25)
    zero = rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                               tax_rates=TaxRates(0.0, 0.0, 0.0), cash_flows=flows)
    plain = rebalance_household(holdings, targets, accounts=[(a, "tax_deferred", c) for a, _, c in accounts],
                                cash_flows=flows)
    total = zero.accounts.value_after.sum()
    assert zero.tax == 0.0 and zero.objective == pytest.approx(plain.objective, abs=RTOL_TIE_BREAK * total)
    np.testing.assert_allclose(zero.classes.weight_after, plain.classes.weight_after, atol=RTOL_TIE_BREAK)
    # with enough to sell everywhere, the plain rebalance meets every target
    np.testing.assert_allclose(plain.classes.weight_after, plain.classes.target, atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mode", ["to_target", "to_band"])
def test_a_band_wider_than_any_drift_trades_nothing(seed, mode):
    accounts, holdings, lots, targets, _ = random_household(seed, 3, 10, 25)
    accounts = [(a, t, 0.0) for a, t, _ in accounts]  # no cash to invest
    first = rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                                tax_rates=TaxRates(*RATES))
    band = first.max_drift_before + 0.01
    for whole in (False, True):
        r = rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                                tax_rates=TaxRates(*RATES), band=band, mode=mode, whole_shares=whole,
                                costs=Costs(5.0, 0.0))
        assert not np.any(r.positions.shares_traded) and r.tax == 0.0 and r.costs == 0.0
        assert not r.bands_triggered


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("whole", [False, True])
def test_the_report_follows_from_the_shares_traded(seed, whole):
    accounts, holdings, lots, targets, flows = random_household(seed, 3, 12, 40)
    r = rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                            tax_rates=TaxRates(*RATES), cash_flows=flows, costs=Costs(5.0, 0.0 if whole else 1.0),
                            harvest_threshold=0.1, whole_shares=whole)
    p, a, k = r.positions, r.accounts, r.lots
    total = a.value_after.sum()
    atol = RTOL_HOUSEHOLD * total * 100
    names = list(a.name)
    acc = np.array([names.index(x) for x in p.account])
    # positions
    np.testing.assert_allclose(p.value_traded, p.shares_traded * p.price, rtol=1e-15)
    np.testing.assert_allclose(p.shares_after, p.shares_before + p.shares_traded, rtol=1e-15)
    np.testing.assert_allclose(p.value_after, p.shares_after * p.price, rtol=1e-15)
    assert np.all(p.shares_after >= -1e-12)
    # cash: never overspent, and what each account's trades and costs leave
    assert np.all(a.cash_after >= 0.0)
    spent = np.bincount(acc, weights=p.value_traded + p.cost, minlength=len(names))
    np.testing.assert_allclose(a.cash_after, a.cash_before + a.cash_flow - spent, atol=atol)
    np.testing.assert_allclose(a.value_after, np.bincount(acc, weights=p.value_after, minlength=len(names))
                               + a.cash_after, atol=atol)
    # weights after: holdings by class over holdings plus cash
    classes = list(r.classes.asset_class)
    by_class = np.bincount([classes.index(c) for c in p.asset_class], weights=p.value_after, minlength=len(classes))
    np.testing.assert_allclose(r.classes.weight_after, by_class / total, atol=1e-15)
    np.testing.assert_allclose(r.classes.drift_after, r.classes.weight_after - r.classes.target, atol=1e-15)
    assert r.max_drift_after == pytest.approx(np.abs(r.classes.drift_after).max(), abs=1e-15)
    # lots: what each taxable position sold, their gains and the tax at each lot's rate
    pos_of_lot = [list(zip(p.account, p.symbol)).index((x, s)) for x, s in zip(k.account, k.symbol)]
    sold = np.bincount(pos_of_lot, weights=k.shares_sold, minlength=len(p.symbol))
    taxable = np.array([a.type[names.index(x)] == "taxable" for x in p.account])
    np.testing.assert_allclose(sold[taxable], np.maximum(-p.shares_traded, 0.0)[taxable], atol=1e-9)
    np.testing.assert_allclose(k.gain, k.proceeds - k.basis_sold, atol=atol)
    rate = np.where(k.long_term, RATES[1], RATES[0]) + RATES[2]
    disallowed = np.array([w != "" for w in k.wash_sale]) & (k.gain < 0)
    np.testing.assert_allclose(k.tax, np.where(disallowed, 0.0, k.gain) * rate, atol=atol)
    assert r.tax == pytest.approx(k.tax.sum(), abs=atol)
    assert r.federal_tax + r.state_tax == pytest.approx(r.tax, abs=atol)
    assert r.short_term_gain + r.long_term_gain == pytest.approx(k.gain.sum(), abs=atol)
    assert r.turnover == pytest.approx(np.abs(p.value_traded).sum() / (2 * (a.value_before.sum()
                                                                           + a.cash_flow.sum())), rel=1e-12)
    if whole:
        assert np.all(p.shares_traded == np.round(p.shares_traded))
