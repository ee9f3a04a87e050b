"""Tests for kernels/tax.py: tax-equivalent yield, after-tax yield by account, asset location."""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pytest

from kernels import InfeasibleError, InputError
from kernels.tax import (
    ACCOUNT_TYPES,
    AssetLocation,
    after_tax_yield,
    asset_location,
    tax_equivalent_yield,
    yearly_tax_drag,
)
from tests.tolerances import RTOL_CLOSED_FORM, RTOL_LP

#: HiGHS and Clarabel stop at ~1e-8 relative feasibility/optimality; objectives compared at this level.


# ---------------------------------------------------------------- tax-equivalent yield

def test_tey_municipal_3pct_at_24pct_federal_is_3_95pct():
    # 0.03 / (1 - 0.24) = 0.0394736...
    tey = tax_equivalent_yield(0.03, 0.24)
    assert tey == pytest.approx(0.03 / 0.76, rel=RTOL_CLOSED_FORM)
    assert round(tey * 100, 2) == 3.95


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        # in-state bond, state tax not deductible: 0.03 / (1 - 0.24 - 0.05)
        (dict(), 0.03 / 0.71),
        # in-state, state deductible federally: combined = 1 - (1 - 0.24)(1 - 0.05) = 0.278
        (dict(state_deductible=True), 0.03 / 0.722),
        # out-of-state bond: the state taxes the muni too
        (dict(state_exempt=False), 0.03 * 0.95 / 0.71),
        (dict(state_exempt=False, state_deductible=True), 0.03 * (1 - 0.05 * 0.76) / 0.722),
    ],
)
def test_tey_with_state_tax_hand_worked(kwargs, expected):
    assert tax_equivalent_yield(0.03, 0.24, 0.05, **kwargs) == pytest.approx(expected, rel=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("seed", range(10))
def test_tey_taxable_bond_at_tey_leaves_the_muni_yield_after_tax(seed):
    # consistency of two independent formulas: a taxable bond yielding the TEY nets the muni's yield
    rng = np.random.default_rng(seed)
    y, f, s = rng.uniform(0, 0.06), rng.uniform(0, 0.45), rng.uniform(0, 0.12)
    tey = tax_equivalent_yield(y, f, s)
    net = after_tax_yield([tey], f, 0.15, state_rate=s)[0]
    assert net == pytest.approx(y, rel=1e-12, abs=1e-15)
    muni_net = after_tax_yield([y], f, 0.15, state_rate=s, tax_exempt_fraction=1.0)[0]
    assert muni_net == pytest.approx(y, rel=RTOL_CLOSED_FORM)


# ---------------------------------------------------------------- after-tax yield

def test_after_tax_yield_hand_worked_accounts():
    y = [0.04, 0.02, 0.03]  # bond fund, stock fund (90% qualified), muni fund
    kw = dict(qualified_fraction=[0.0, 0.9, 0.0], tax_exempt_fraction=[0.0, 0.0, 1.0], state_rate=0.05)
    taxable = after_tax_yield(y, 0.24, 0.15, **kw)
    # bond: 0.04 (1 - 0.29); stock: 0.02 (1 - 0.9 * 0.20 - 0.1 * 0.29); muni: untouched
    np.testing.assert_allclose(taxable, [0.04 * 0.71, 0.02 * (1 - 0.18 - 0.029), 0.03], rtol=RTOL_CLOSED_FORM)
    deferred = after_tax_yield(y, 0.24, 0.15, account="tax_deferred", **kw)
    np.testing.assert_allclose(deferred, np.array(y) * 0.71, rtol=RTOL_CLOSED_FORM)
    deferred_low = after_tax_yield(y, 0.24, 0.15, account="Tax Deferred", withdrawal_rate=0.12, **kw)
    np.testing.assert_allclose(deferred_low, np.array(y) * 0.88, rtol=RTOL_CLOSED_FORM)
    free = after_tax_yield(y, 0.24, 0.15, account="tax_free", **kw)
    np.testing.assert_allclose(free, y, rtol=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("seed", range(10))
def test_after_tax_yield_matches_naive_loop(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    y = rng.uniform(0, 0.1, n)
    q = rng.uniform(0, 1, n)
    e = rng.uniform(0, 1, n) * (1 - q)
    o_rate, q_rate, s_rate = rng.uniform(0, 0.4), rng.uniform(0, 0.2), rng.uniform(0, 0.1)
    got = after_tax_yield(y, o_rate, q_rate, qualified_fraction=q, tax_exempt_fraction=e, state_rate=s_rate)
    for i in range(n):
        tax = y[i] * q[i] * (q_rate + s_rate) + y[i] * (1 - q[i] - e[i]) * (o_rate + s_rate)
        assert got[i] == pytest.approx(y[i] - tax, rel=1e-12, abs=1e-16)
    drag = yearly_tax_drag(y, o_rate, q_rate, qualified_fraction=q, tax_exempt_fraction=e, state_rate=s_rate)
    assert drag.shape == (n, len(ACCOUNT_TYPES))
    np.testing.assert_allclose(drag[:, 0], y - got, rtol=1e-12, atol=1e-16)
    np.testing.assert_array_equal(drag[:, 1:], 0.0)


# ---------------------------------------------------------------- asset location: oracles

def brute_force_split(values, drag, caps):
    """Integer data: the transportation LP has an integral optimum, so enumerating integer placements finds it."""
    n, m = drag.shape
    per_asset = []
    for v in values:
        per_asset.append([c for c in itertools.product(range(int(v) + 1), repeat=m) if sum(c) == v])
    best = np.inf
    for combo in itertools.product(*per_asset):
        x = np.array(combo, dtype=float)
        if np.all(x.sum(axis=0) <= caps):
            best = min(best, float((x * drag).sum()))
    return best


def brute_force_whole(values, drag, caps):
    n, m = drag.shape
    best = np.inf
    for assign in itertools.product(range(m), repeat=n):
        used = np.zeros(m)
        for i, j in enumerate(assign):
            used[j] += values[i]
        if np.all(used <= caps + 1e-9):
            best = min(best, sum(values[i] * drag[i, j] for i, j in enumerate(assign)))
    return best


def cvxpy_location(values, drag, caps):
    # solved in units of the household's total (Clarabel's default tolerances suit numbers near 1)
    scale = values.sum()
    x = cp.Variable(drag.shape, nonneg=True)
    constraints = [cp.sum(x, axis=1) == values / scale, cp.sum(x, axis=0) <= caps / scale]
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(drag, x))), constraints)
    prob.solve(solver=cp.CLARABEL)
    return prob.value * scale


def check_feasible(loc: AssetLocation, values, caps):
    np.testing.assert_allclose(loc.amounts.sum(axis=1), values, rtol=1e-9, atol=1e-6)
    assert np.all(loc.amounts >= 0)
    assert np.all(loc.used_capacity <= caps + 1e-6 * max(1.0, caps.max()))
    np.testing.assert_allclose(loc.spare_capacity, caps - loc.used_capacity, rtol=1e-12, atol=1e-9)


def test_asset_location_puts_bonds_and_reits_in_sheltered_space_first():
    # stocks (qualified dividends), bonds and a REIT (ordinary income); IRA room for 2 of 3 holdings
    drag = yearly_tax_drag([0.015, 0.045, 0.05], 0.32, 0.15, qualified_fraction=[1.0, 0.0, 0.0])
    values = np.array([100_000.0, 60_000.0, 40_000.0])
    caps = np.array([200_000.0, 100_000.0, 0.0])
    loc = asset_location(values, drag, caps)
    np.testing.assert_allclose(loc.amounts[:, 1], [0.0, 60_000.0, 40_000.0], atol=1e-6)
    assert loc.tax_drag == pytest.approx(100_000 * 0.015 * 0.15, rel=1e-9)
    np.testing.assert_allclose(loc.tax_drag_by_asset, [225.0, 0.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("seed", range(15))
def test_asset_location_matches_brute_force_on_tiny_integer_cases(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    values = rng.integers(0, 5, n).astype(float)
    caps = rng.integers(0, 6, m).astype(float)
    caps[0] += max(0.0, values.sum() - caps.sum())  # room for everything
    drag = rng.uniform(0, 0.03, (n, m)).round(4)
    loc = asset_location(values, drag, caps)
    check_feasible(loc, values, caps)
    assert loc.tax_drag == pytest.approx(brute_force_split(values, drag, caps), rel=RTOL_LP, abs=1e-12)
    assert loc.tax_drag == pytest.approx(float((loc.amounts * drag).sum()), rel=1e-12)


@pytest.mark.parametrize("seed", range(15))
def test_asset_location_whole_holdings_match_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    values = rng.uniform(1, 10, n).round(2)
    drag = rng.uniform(0, 0.03, (n, m))
    caps = rng.uniform(0, 15, m)
    caps[0] += max(0.0, values.sum() - caps.sum())
    caps[0] = max(caps[0], values.max())  # at least one account takes any holding whole
    best = brute_force_whole(values, drag, caps)
    loc = asset_location(values, drag, caps, split=False)
    check_feasible(loc, values, caps)
    assert np.all(np.sum(loc.amounts > 1e-9, axis=1) <= 1), "a holding was split"
    assert loc.tax_drag == pytest.approx(best, rel=RTOL_LP, abs=1e-12)
    # splitting can only help
    assert asset_location(values, drag, caps).tax_drag <= loc.tax_drag + 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_asset_location_matches_cvxpy_on_random_households(seed):
    rng = np.random.default_rng(200 + seed)
    n, m = int(rng.integers(3, 40)), int(rng.integers(2, 6))
    values = rng.uniform(0, 1e6, n)
    drag = rng.uniform(0, 0.04, (n, m))
    caps = rng.uniform(0, 1.2, m) * values.sum() / m
    caps[0] += max(0.0, values.sum() - caps.sum())
    loc = asset_location(values, drag, caps)
    check_feasible(loc, values, caps)
    assert loc.tax_drag == pytest.approx(cvxpy_location(values, drag, caps), rel=RTOL_LP)


def test_asset_location_whole_holdings_that_cannot_fit():
    # 60 + 60 into accounts of 100 and 40: fits only split; then 40 of the 2% asset is sheltered:
    # 60 * 0.01 + 20 * 0.02 = 1.0
    with pytest.raises(InfeasibleError, match=r"^values: the whole holdings do not fit into the accounts"):
        asset_location([60.0, 60.0], [[0.01, 0.0], [0.02, 0.0]], [100.0, 40.0], split=False)
    loc = asset_location([60.0, 60.0], [[0.01, 0.0], [0.02, 0.0]], [100.0, 40.0])
    assert loc.tax_drag == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(loc.amounts, [[60.0, 0.0], [20.0, 40.0]], atol=1e-9)


# ---------------------------------------------------------------- bad inputs

@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: tax_equivalent_yield(0.03, 24),
         r"^federal_rate: 24 is outside 0\.\.1; enter rates as decimal fractions \(0\.03 for 3%\)\.$"),
        (lambda: tax_equivalent_yield(0.03, 0.24, -0.05), r"^state_rate: -0\.05 is outside 0\.\.1;"),
        (lambda: tax_equivalent_yield(3.0, 0.24), r"^tax_free_yield: 3 is outside 0\.\.1; enter yields as decimal"),
        (lambda: tax_equivalent_yield(0.03, 0.6, 0.4),
         r"^federal_rate \+ state_rate: combined rate 1 leaves no income \(must be below 1\); check the tax rates\.$"),
        (lambda: tax_equivalent_yield("3%", 0.24), r"^tax_free_yield: expected a number, got str\.$"),
        (lambda: after_tax_yield([0.03, 0.04], 0.24, 1.5), r"^qualified_rate: 1\.5 is outside 0\.\.1;"),
        (lambda: after_tax_yield([0.03, 0.04], 0.24, 0.15, account="roth"),
         r"^account: expected one of taxable, tax_deferred, tax_free, got 'roth'\.$"),
        (lambda: after_tax_yield([0.03, 0.04], 0.24, 0.15, qualified_fraction=[0.5, 0.5, 0.5]),
         r"^qualified_fraction: expected 2 values \(one per asset, len\(yields\)=2\), got 3\.$"),
        (lambda: after_tax_yield([0.03, 0.04], 0.24, 0.15, qualified_fraction=[0.5, 1.2]),
         r"^qualified_fraction: 1\.2 at position 2 is outside 0\.\.1; enter fractions as decimal fractions"),
        (lambda: after_tax_yield([0.03, 0.04], 0.24, 0.15, qualified_fraction=0.7, tax_exempt_fraction=[0.0, 0.5]),
         r"^qualified_fraction \+ tax_exempt_fraction: 1\.2 for asset 2; "
         r"the shares of one yield must add up to at most 1\.$"),
        (lambda: after_tax_yield([0.03, 7.0], 0.24, 0.15), r"^yields: 7 at position 2 is outside 0\.\.1;"),
        (lambda: asset_location([1.0, 2.0], [[0.01, 0.0]], [5.0, 5.0]),
         r"^tax_drag: 1 rows but 2 values; give one row per asset, one column per account\.$"),
        (lambda: asset_location([1.0, 2.0], [[0.01, 0.0], [0.02, 0.0]], [5.0, 5.0, 1.0]),
         r"^account_capacities: 3 values but tax_drag has 2 columns; give one per account\.$"),
        (lambda: asset_location([1.0, 2.0], [[0.01, 0.0], [0.02, 0.0]], [5.0, -1.0]),
         r"^account_capacities: -1 at position 2 is negative; capacities must be >= 0\.$"),
        (lambda: asset_location([1.0, -2.0], [[0.01, 0.0], [0.02, 0.0]], [5.0, 1.0]),
         r"^values: -2 at position 2 is negative; holdings must be >= 0\.$"),
        (lambda: asset_location([1.0, 2.0], [[0.01, 0.0], [0.02, 1.5]], [5.0, 1.0]),
         r"^tax_drag: 1\.5 at row 2, column 2 is outside 0\.\.1; enter tax drags as decimal fractions"),
        (lambda: asset_location([100_000.0, 50_000.0], [[0.01, 0.0], [0.02, 0.0]], [100_000.0, 20_000.0]),
         r"^account_capacities: total 120,000\.00 is less than the assets 150,000\.00; "
         r"raise a capacity \(e\.g\. taxable\)\.$"),
        (lambda: asset_location([1.0, np.nan], [[0.01, 0.0], [0.02, 0.0]], [5.0, 1.0]),
         r"^values: missing or non-finite value at position 2; fill in a number\.$"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(InputError, match=message):
        call()


# ---------------------------------------------------------------- tie-break

def test_tie_break_keeps_roth_for_growth_and_iras_for_bonds():
    # bonds 60k (drag 1.44%), stocks 100k (drag 0.225%); IRA 60k, Roth 100k: everything fits in
    # sheltered space (drag 0), so any split is optimal; the tie-break (minus expected return in the Roth
    # column) sends the stocks (8%) to the Roth and the bonds (3%) to the IRA.
    drag = yearly_tax_drag([0.045, 0.015], 0.32, 0.15, qualified_fraction=[0.0, 1.0])
    values = np.array([60_000.0, 100_000.0])
    caps = np.array([500_000.0, 60_000.0, 100_000.0])
    growth = np.zeros((2, 3))
    growth[:, 2] = -np.array([0.03, 0.08])
    for split in (True, False):
        loc = asset_location(values, drag, caps, split=split, tie_break=growth)
        np.testing.assert_allclose(loc.amounts, [[0.0, 60_000.0, 0.0], [0.0, 0.0, 100_000.0]], atol=1e-6)
        assert loc.tax_drag == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_tie_break_never_costs_tax(seed):
    rng = np.random.default_rng(400 + seed)
    n = int(rng.integers(2, 15))
    values = rng.uniform(0, 1e5, n)
    drag = yearly_tax_drag(rng.uniform(0, 0.06, n), 0.24, 0.15, qualified_fraction=rng.uniform(0, 1, n))
    caps = np.array([values.sum(), rng.uniform(0, 0.5) * values.sum(), rng.uniform(0, 0.5) * values.sum()])
    secondary = rng.normal(size=(n, 3))
    plain = asset_location(values, drag, caps)
    tied = asset_location(values, drag, caps, tie_break=secondary)
    check_feasible(tied, values, caps)
    assert tied.tax_drag == pytest.approx(plain.tax_drag, rel=1e-8, abs=1e-6)
    # among the least-drag placements the tie-break cost is the smallest: cvxpy two-stage oracle
    x = cp.Variable(drag.shape, nonneg=True)
    scale = values.sum()
    cons = [cp.sum(x, axis=1) == values / scale, cp.sum(x, axis=0) <= caps / scale,
            cp.sum(cp.multiply(drag, x)) <= plain.tax_drag / scale * (1 + 1e-9) + 1e-12]
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(secondary, x))), cons)
    prob.solve(solver=cp.CLARABEL)
    assert float((secondary * tied.amounts).sum()) / scale == pytest.approx(prob.value, rel=1e-5, abs=1e-7)


def test_tie_break_shape_message():
    with pytest.raises(InputError, match=r"^tie_break: is 1 x 2 but tax_drag is 2 x 2; give one value per asset "
                                         r"and account\.$"):
        asset_location([1.0, 2.0], [[0.01, 0.0], [0.02, 0.0]], [5.0, 5.0], tie_break=[[0.0, 1.0]])


def test_tidy_moves_crumbs_and_keeps_row_sums():
    from kernels.tax import _tidy

    x = np.array([[1e-12, 5.0, 3.0], [2.0, 0.0, 0.0], [4e-13, 2e-13, 7.0]])
    out = _tidy(x.copy(), 1e-9)
    np.testing.assert_array_equal(out, [[0.0, 5.0 + 1e-12, 3.0], [2.0, 0.0, 0.0], [0.0, 0.0, 7.0 + 6e-13]])
    np.testing.assert_allclose(out.sum(axis=1), x.sum(axis=1), rtol=1e-15)
