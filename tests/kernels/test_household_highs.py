"""The household kernel's direct HiGHS call (:mod:`kernels.household.highs`) returns what ``scipy.optimize.milp``
returns on the same programmes, bit for bit: fractional and whole shares, fees, harvesting, lot order, wash sales."""

from __future__ import annotations

import numpy as np
import pytest

import kernels.household.solve as solve_module
from kernels import Costs, TaxRates, rebalance_household
from kernels.household import highs
from tests.naive import HOUSEHOLD_AS_OF, random_household, tiny_household

CASES = [(seed, kw) for seed in range(4) for kw in (
    {}, {"whole_shares": True}, {"costs": Costs(5.0, 4.95)}, {"harvest_threshold": 0.05, "lot_method": "hifo"})]


@pytest.fixture
def both(monkeypatch):
    """Every solve made both ways; the pairs are kept."""
    pairs = []

    def solve_lp(*args, direct=True, **kwargs):
        fast, reference = highs.solve_lp(*args, direct=True, **kwargs), highs.solve_lp(*args, direct=False, **kwargs)
        pairs.append((fast, reference))
        return fast

    monkeypatch.setattr(solve_module, "solve_lp", solve_lp)
    return pairs


def _same(fast, reference) -> bool:
    same_x = (fast.x is None and reference.x is None) or (
        fast.x is not None and reference.x is not None and np.array_equal(fast.x, reference.x))
    return (fast.status == reference.status and same_x and fast.fun == reference.fun
            and fast.mip_dual_bound == reference.mip_dual_bound)


@pytest.mark.parametrize(("seed", "kw"), CASES)
def test_direct_solves_equal_milp(both, seed, kw):
    accounts, holdings, lots, targets, flows = random_household(seed, 3, 10, 15)
    rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                        tax_rates=TaxRates(0.35, 0.15, 0.05), cash_flows=flows, **kw)
    assert both and all(_same(f, r) for f, r in both)


@pytest.mark.parametrize("seed", range(10))
def test_direct_solves_equal_milp_on_tiny_whole_share_households(both, seed):
    accounts, holdings, lots, targets = tiny_household(seed)
    rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                        tax_rates=TaxRates(0.35, 0.15, 0.05), whole_shares=True)
    assert both and all(_same(f, r) for f, r in both)


def test_without_scipys_bundled_highs_milp_is_called(monkeypatch):
    monkeypatch.setattr(highs, "_core", lambda: None)
    accounts, holdings, lots, targets, flows = random_household(0, 3, 10, 15)
    r = rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                            tax_rates=TaxRates(0.35, 0.15, 0.05), cash_flows=flows)
    monkeypatch.undo()
    again = rebalance_household(holdings, targets, accounts=accounts, lots=lots, as_of=HOUSEHOLD_AS_OF,
                                tax_rates=TaxRates(0.35, 0.15, 0.05), cash_flows=flows)
    np.testing.assert_array_equal(r.positions.shares_traded, again.positions.shares_traded)
    assert r.objective == again.objective
