"""Rebalancing one account: hand-worked cases, a QP oracle, properties and every bad input."""

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import (
    InfeasibleError,
    InputError,
    drift,
    needs_rebalancing,
    rebalance_trades,
)
from kernels import rebalance as rb
from tests.tolerances import ATOL_MONEY, RTOL_QP

CLARABEL_TIGHT = dict(tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)


# The README's worked example: $100,000 at 60/40; stocks +10% -> 66,000, bonds +3% -> 41,200; total 107,200.
# Back to 60/40: stocks 0.6 * 107,200 = 64,320 (sell 1,680), bonds 0.4 * 107,200 = 42,880 (buy 1,680).
README_VALUES = [66_000.0, 41_200.0]
SIXTY_FORTY = [0.6, 0.4]


def test_readme_example_full_rebalance():
    r = rebalance_trades(README_VALUES, SIXTY_FORTY)
    np.testing.assert_allclose(r.trades, [-1_680.0, 1_680.0], atol=ATOL_MONEY)
    np.testing.assert_allclose(r.values, [64_320.0, 42_880.0], atol=ATOL_MONEY)
    np.testing.assert_allclose(r.weights, SIXTY_FORTY, atol=1e-15)
    assert r.cash == 0.0 and r.bands_triggered and r.n_trades == 2
    assert r.turnover == pytest.approx(1_680.0 / 107_200.0, rel=1e-14)
    assert r.max_drift == pytest.approx(66_000 / 107_200 - 0.6, rel=1e-14)
    assert np.isnan(r.shares).all()


def test_readme_example_inside_a_five_point_band_does_not_trade():
    # stocks are at 61.57%, 1.57 points from target: inside a 5-point band
    r = rebalance_trades(README_VALUES, SIXTY_FORTY, band=0.05)
    assert not r.bands_triggered
    assert np.array_equal(r.trades, [0.0, 0.0]) and r.n_trades == 0 and r.turnover == 0.0


def test_readme_example_one_point_band_to_target_and_to_band():
    full = rebalance_trades(README_VALUES, SIXTY_FORTY, band=0.01)
    np.testing.assert_allclose(full.trades, [-1_680.0, 1_680.0], atol=ATOL_MONEY)
    # to the band edge: stocks to 61% of 107,200 = 65,392 (sell 608), bonds to 39% = 41,808 (buy 608)
    edge = rebalance_trades(README_VALUES, SIXTY_FORTY, band=0.01, mode="to_band")
    np.testing.assert_allclose(edge.trades, [-608.0, 608.0], atol=ATOL_MONEY)
    np.testing.assert_allclose(edge.weights, [0.61, 0.39], atol=1e-15)


def test_relative_band_and_the_narrower_band_rule():
    # 72/28 against 60/40: stocks +12 points (inside 25% of 60 = 15 points), bonds -12 points (outside 10)
    r = rebalance_trades([72.0, 28.0], SIXTY_FORTY, relative_band=0.25, mode="to_band")
    assert r.bands_triggered
    np.testing.assert_allclose(r.trades, [-2.0, 2.0], atol=1e-12)  # bonds back to 30%
    # with both, the narrower band applies: 5 points for both -> stocks to 65%, bonds to 35%
    r = rebalance_trades([72.0, 28.0], SIXTY_FORTY, band=0.05, relative_band=0.25, mode="to_band")
    np.testing.assert_allclose(r.trades, [-7.0, 7.0], atol=1e-12)
    # 70/30: bonds sit exactly on the 25% edge -> not triggered
    assert not rebalance_trades([70.0, 30.0], SIXTY_FORTY, relative_band=0.25).bands_triggered


def test_to_band_with_a_deposit_hand_worked():
    # total 110, targets 33/44/33, 5-point band = 5.5: band edges take holding 1 down to 38.5, holding 2 up to
    # 38.5 and holding 3 up to 27.5 (104.5 in all); the 5.5 left is levelled over holdings 2 and 3, both 5.5
    # short of target: 2.75 each -> 38.5 / 41.25 / 30.25
    r = rebalance_trades([50.0, 30.0, 20.0], [0.3, 0.4, 0.3], cash_flow=10.0, band=0.05, mode="to_band")
    np.testing.assert_allclose(r.values, [38.5, 41.25, 30.25], atol=1e-12)
    np.testing.assert_allclose(r.trades, [-11.5, 11.25, 10.25], atol=1e-12)


def test_band_per_holding_and_zero_targets_under_a_relative_band():
    # stocks may drift 1 point, bonds 10: stocks at 61.57% trigger, to_band -> stocks 61%
    r = rebalance_trades(README_VALUES, SIXTY_FORTY, band=[0.01, 0.10], mode="to_band")
    np.testing.assert_allclose(r.trades, [-608.0, 608.0], atol=ATOL_MONEY)
    # a relative band around a zero target has zero width: an unwanted holding is always sold
    r = rebalance_trades([90.0, 10.0], [1.0, 0.0], relative_band=0.25, mode="to_band")
    np.testing.assert_allclose(r.trades, [10.0, -10.0], atol=1e-12)


def test_deposit_goes_to_the_most_underweight_first():
    # total 110 -> target values 33, 44, 33; shortfalls -17, 14, 13; levelling 10 of cash:
    # 14 - lam + 13 - lam = 10 -> lam = 8.5 -> buys 5.5 and 4.5, no sell
    r = rebalance_trades([50.0, 30.0, 20.0], [0.3, 0.4, 0.3], cash_flow=10.0, band=0.5)
    np.testing.assert_allclose(r.trades, [0.0, 5.5, 4.5], atol=1e-12)
    # README example + $2,000: total 109,200, bonds short 2,480, stocks over -> all to bonds
    r = rebalance_trades(README_VALUES, SIXTY_FORTY, cash_flow=2_000.0, band=0.05)
    np.testing.assert_allclose(r.trades, [0.0, 2_000.0], atol=ATOL_MONEY)


def test_withdrawal_comes_from_the_most_overweight_first():
    # total 90 -> targets 27, 36, 27; overweights 23, -6, -7 -> all 10 from holding 1
    r = rebalance_trades([50.0, 30.0, 20.0], [0.3, 0.4, 0.3], cash_flow=-10.0, band=0.5)
    np.testing.assert_allclose(r.trades, [-10.0, 0.0, 0.0], atol=1e-12)
    # a withdrawal of everything sells everything
    r = rebalance_trades([50.0, 30.0, 20.0], [0.3, 0.4, 0.3], cash_flow=-100.0)
    np.testing.assert_allclose(r.values, 0.0, atol=1e-12)


def test_cash_held_is_invested_and_counts_in_the_total():
    r = rebalance_trades([60.0, 30.0], SIXTY_FORTY, cash=10.0)
    np.testing.assert_allclose(r.trades, [0.0, 10.0], atol=1e-12)
    assert r.cash == 0.0


def test_no_sells_when_disallowed():
    r = rebalance_trades(README_VALUES, SIXTY_FORTY, cash_flow=1_000.0, allow_sells=False)
    np.testing.assert_allclose(r.trades, [0.0, 1_000.0], atol=ATOL_MONEY)
    r = rebalance_trades(README_VALUES, SIXTY_FORTY, allow_sells=False)
    assert np.array_equal(r.trades, [0.0, 0.0])


def test_locked_holding_never_trades_and_the_rest_share_in_proportion():
    # 60 locked; the other 40 split 0.3 : 0.2 -> 24 and 16
    r = rebalance_trades([60.0, 30.0, 10.0], [0.5, 0.3, 0.2], locked=[True, False, False])
    np.testing.assert_allclose(r.trades, [0.0, -6.0, 6.0], atol=1e-12)


def test_min_trade_leaves_small_trades_and_rebalances_around_them():
    # full trades -2, +0.5, +1.5; with min_trade 1 holding 2 stays, holdings 1 and 3 share 70.5 as 5:2
    r = rebalance_trades([52.0, 29.5, 18.5], [0.5, 0.3, 0.2], min_trade=1.0)
    np.testing.assert_allclose(r.trades, [70.5 * 5 / 7 - 52.0, 0.0, 70.5 * 2 / 7 - 18.5], atol=1e-12)
    assert r.trades.sum() == pytest.approx(0.0, abs=1e-12)
    r = rebalance_trades([50.5, 29.5, 20.0], [0.5, 0.3, 0.2], min_trade=1.0)
    assert np.array_equal(r.trades, [0.0, 0.0, 0.0])


def test_min_trade_keeps_a_small_sale_a_withdrawal_needs_but_not_a_small_buy():
    # withdraw 102 of 103: targets 0.4/0.3/0.3 of 1 -> trades -99.6, -2.7, +0.3; min_trade 2.8.
    # Leaving both small trades out cannot raise the 102, so only the buy is left out and holdings 1 and 2
    # share the remaining 1 as 4:3 -> 0.5714 and 0.4286; the small sale of 2.571 stays because it is needed.
    r = rebalance_trades([100.0, 3.0, 0.0], [0.4, 0.3, 0.3], cash_flow=-102.0, min_trade=2.8)
    np.testing.assert_allclose(r.trades, [4 / 7 - 100.0, 3 / 7 - 3.0, 0.0], atol=1e-12)


def test_whole_shares_hand_worked():
    # stocks $100 (660 shares), bonds $40 (1,030 shares): sell 16.8 -> 17 shares (1,700), buy 42 bonds (1,680)
    r = rebalance_trades(README_VALUES, SIXTY_FORTY, prices=[100.0, 40.0])
    np.testing.assert_array_equal(r.shares, [-17.0, 42.0])
    np.testing.assert_allclose(r.trades, [-1_700.0, 1_680.0], atol=ATOL_MONEY)
    assert r.cash == pytest.approx(20.0, abs=ATOL_MONEY)
    # round lots of 10 bonds: 4 lots (40 shares, 1,600) or 5 lots (2,000, more than the cash) -> 4 lots
    r = rebalance_trades(README_VALUES, SIXTY_FORTY, prices=[100.0, 40.0], lot_size=[1, 10])
    np.testing.assert_array_equal(r.shares, [-17.0, 40.0])
    assert r.cash == pytest.approx(100.0, abs=ATOL_MONEY)


def test_drift_and_needs_rebalancing():
    d = drift(README_VALUES, SIXTY_FORTY, band=0.05)
    np.testing.assert_allclose(d.weights, [66_000 / 107_200, 41_200 / 107_200], rtol=1e-15)
    np.testing.assert_allclose(d.drift, d.weights - SIXTY_FORTY, atol=1e-16)
    np.testing.assert_allclose(d.relative_drift, d.drift / SIXTY_FORTY, rtol=1e-14)
    assert not d.needs_rebalancing and not d.outside_band.any()
    assert needs_rebalancing(README_VALUES, SIXTY_FORTY, band=0.01)
    assert needs_rebalancing(README_VALUES, SIXTY_FORTY)  # no band: any drift
    assert not needs_rebalancing([60.0, 40.0], SIXTY_FORTY)
    d = drift([72.0, 28.0], SIXTY_FORTY, relative_band=0.25)
    assert d.outside_band.tolist() == [False, True]
    assert drift([1.0, 1.0], [1.0, 0.0]).relative_drift[1] == np.inf


# ------------------------------------------------------------------------- oracle: levelling as a QP


def qp_level(values, targets, cash_flow):
    """Post-trade values closest to target (sum of squares) that only buy (deposit) or only sell (withdrawal)."""
    scale = float(np.sum(values) + cash_flow)  # solve in fractions of the total: well scaled for the solver
    v = np.asarray(values, float) / scale
    x = cp.Variable(v.size)
    cons = [cp.sum(x) == 1.0] + ([x >= v] if cash_flow >= 0 else [x <= v, x >= 0])
    cp.Problem(cp.Minimize(cp.sum_squares(x - np.asarray(targets))), cons).solve(solver=cp.CLARABEL, **CLARABEL_TIGHT)
    return x.value * scale


@pytest.mark.parametrize("seed", range(12))
def test_cash_flow_levelling_matches_a_qp(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    v = rng.uniform(0, 100, n)
    t = rng.dirichlet(np.ones(n))
    flow = float(rng.uniform(-0.3, 0.3) * v.sum())
    r = rebalance_trades(v, t, cash_flow=flow, band=1.0)  # a band nothing crosses: only the flow trades
    assert not r.bands_triggered
    np.testing.assert_allclose(r.values, qp_level(v, t, flow), rtol=RTOL_QP, atol=RTOL_QP * v.sum())
    r = rebalance_trades(v, t, cash_flow=abs(flow), allow_sells=False)
    np.testing.assert_allclose(r.values, qp_level(v, t, abs(flow)), rtol=RTOL_QP, atol=RTOL_QP * v.sum())


def naive_full_rebalance(values, targets, cash, flow, locked):
    """Obvious version: locked stay, the others get their targets' share of what is left."""
    v = np.asarray(values, float)
    free = ~np.asarray(locked)
    left = v[free].sum() + cash + flow
    x = v.copy()
    x[free] = np.asarray(targets)[free] / np.asarray(targets)[free].sum() * left
    return x - v


@pytest.mark.parametrize("seed", range(10))
def test_full_rebalance_matches_the_obvious_version(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 15))
    v, t = rng.uniform(0, 1e4, n), rng.dirichlet(np.ones(n))
    locked = rng.uniform(size=n) < 0.3
    locked[0] = False
    cash, flow = float(rng.uniform(0, 1e3)), float(rng.uniform(-1e3, 1e3))
    r = rebalance_trades(v, t, cash=cash, cash_flow=flow, locked=locked)
    np.testing.assert_allclose(r.trades, naive_full_rebalance(v, t, cash, flow, locked), atol=1e-9)


# ------------------------------------------------------------------------------------------ properties


@st.composite
def accounts(draw):
    n = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    v = rng.uniform(0, 1e4, n) * (rng.uniform(size=n) > 0.1)
    t = rng.dirichlet(np.ones(n) * 0.7)
    cash = float(rng.uniform(0, 2e3)) * draw(st.booleans())
    flow = float(rng.uniform(-0.4, 0.4) * (v.sum() + cash)) * draw(st.booleans())
    band = draw(st.sampled_from([None, 0.01, 0.05, 0.2]))
    rel = draw(st.sampled_from([None, 0.1, 0.25]))
    mode = draw(st.sampled_from(["to_target", "to_band"])) if (band or rel) else "to_target"
    return v, t, cash, flow, band, rel, mode, rng


def band_width(t, band, rel):
    w = np.full(t.size, np.inf) if band is None else np.full(t.size, band)
    return np.minimum(w, rel * t) if rel is not None else w


@settings(max_examples=150, deadline=None)
@given(accounts())
def test_properties_continuous(acct):
    v, t, cash, flow, band, rel, mode, _ = acct
    r = rebalance_trades(v, t, cash=cash, cash_flow=flow, band=band, relative_band=rel, mode=mode)
    total = v.sum() + cash + flow
    tol = 1e-9 * max(1.0, total)
    assert r.cash >= 0.0
    assert r.trades.sum() == pytest.approx(cash + flow - r.cash, abs=tol)  # trades sum to the cash flow
    assert r.cash <= tol  # continuous: everything invested
    assert np.all(r.values >= 0.0)
    np.testing.assert_allclose(r.values, v + r.trades, atol=tol)
    if band is not None or rel is not None:  # after trading no holding is outside its band
        width = band_width(t, band, rel)
        assert np.all(np.abs(r.values - t * total) <= width * total + tol)
    if not r.bands_triggered:  # only the flow trades: buys for a deposit, sells for a withdrawal
        assert np.all(np.sign(r.trades) * np.sign(cash + flow) >= 0)


@settings(max_examples=100, deadline=None)
@given(accounts(), st.booleans())
def test_properties_no_sells_and_whole_shares(acct, allow_sells):
    v, t, cash, flow, band, rel, mode, rng = acct
    if not allow_sells:
        flow = abs(flow)
    prices = rng.choice([1.0, 9.5, 52.3, 180.0, 1250.0], v.size)
    v = np.floor(v / prices) * prices  # whole shares held
    kw = dict(cash=cash, cash_flow=flow, band=band, relative_band=rel, mode=mode, allow_sells=allow_sells)
    cont = rebalance_trades(v, t, **kw)
    whole = rebalance_trades(v, t, prices=prices, **kw)
    if not allow_sells:
        assert np.all(cont.trades >= 0.0) and np.all(whole.trades >= 0.0)
    tol = 1e-9 * max(1.0, v.sum() + cash + abs(flow))
    assert whole.cash >= 0.0  # never spends cash that is not there
    assert whole.trades.sum() == pytest.approx(cash + flow - whole.cash, abs=tol)
    np.testing.assert_array_equal(whole.shares, np.round(whole.shares))
    np.testing.assert_allclose(whole.trades, whole.shares * prices, rtol=1e-12, atol=tol)
    assert np.all(np.abs(whole.values - cont.values) <= prices + tol)  # within one lot of the continuous one
    assert whole.bands_triggered == cont.bands_triggered


@settings(max_examples=60, deadline=None)
@given(accounts(), st.floats(0.0, 500.0))
def test_properties_min_trade(acct, min_trade):
    v, t, cash, flow, band, rel, mode, _ = acct
    r = rebalance_trades(v, t, cash=cash, cash_flow=flow, band=band, relative_band=rel, mode=mode,
                         min_trade=min_trade)
    small = (r.trades != 0) & (np.abs(r.trades) < min_trade)
    # a small trade survives only as a sale the withdrawal needs
    assert not np.any(small & (r.trades > 0))
    if cash + flow >= 0:
        assert not small.any()
    assert r.cash >= 0.0
    assert r.trades.sum() == pytest.approx(cash + flow - r.cash, abs=1e-9 * max(1.0, v.sum() + cash))


def test_locked_never_trade_even_with_flows_and_lots():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = 6
        v, t = rng.uniform(0, 1e3, n), rng.dirichlet(np.ones(n))
        locked = rng.uniform(size=n) < 0.4
        r = rebalance_trades(v, t, cash_flow=200.0, locked=locked, prices=rng.uniform(1, 50, n), band=0.02)
        assert np.all(r.trades[locked] == 0.0)


def test_kernel_matches_its_python_version(monkeypatch):
    rng = np.random.default_rng(3)
    n = 8
    args = dict(values=rng.uniform(0, 100, n), targets=rng.dirichlet(np.ones(n)))
    for kw in [dict(), dict(band=0.02, mode="to_band", cash_flow=-30.0, min_trade=2.0),
               dict(prices=rng.uniform(1, 20, n), cash=40.0, allow_sells=False)]:
        r = rebalance_trades(**args, **kw)
        with monkeypatch.context() as patch:
            patch.setattr("kernels.rebalance._rebalance_one", rb._rebalance_one.py_func)
            p = rebalance_trades(**args, **kw)
        np.testing.assert_allclose(p.trades, r.trades, rtol=1e-12, atol=1e-12)
        assert (p.cash, p.bands_triggered) == pytest.approx((r.cash, r.bands_triggered), abs=1e-12)


# ------------------------------------------------------------------------------------------ bad input

BAD_INPUTS = [
    (dict(values=[100.0, -5.0], targets=[0.5, 0.5]),
     "values: holding 2 is negative (-5); market values must be >= 0."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.4]),
     "targets: must sum to 1 (100%), got 0.9; adjust the weights so they add up to 1."),
    (dict(values=[100.0, 50.0], targets=[1.2, -0.2]),
     "targets: holding 2 has a negative target (-0.2); targets must be >= 0."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.3, 0.2]),
     "targets: expected 2 values (one per asset, len(values)=2), got 3."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], prices=[10.0, 0.0]),
     "prices: holding 2 has price 0; prices must be > 0."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], prices=[10.0]),
     "prices: expected 2 values (one per asset, len(values)=2), got 1."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], prices=[10.0, 5.0], lot_size=0),
     "lot_size: holding 1 has lot size 0; lot sizes must be > 0 (1 = whole shares)."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], cash=-1.0), "cash: must be >= 0, got -1."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], cash_flow=-200.0),
     "cash_flow: a withdrawal of 200.00 exceeds the account's value 150.00; withdraw less."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], mode="nearest"),
     "mode: expected one of to_target, to_band, got 'nearest'."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], mode="to_band"),
     "mode: 'to_band' needs band or relative_band; give a band or use mode='to_target'."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], band=5),
     "band: holding 1 has band 5; bands are weight points between 0 and 1 (0.05 = 5%)."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], relative_band=-0.1), "relative_band: must be >= 0, got -0.1."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], min_trade=-1), "min_trade: must be >= 0, got -1."),
    (dict(values=[100.0, 50.0], targets=[0.5, 0.5], locked=[2, 0]),
     "locked: expected True/False (or 1/0) per holding; mark holdings that must not trade."),
    (dict(values=[100.0, float("nan")], targets=[0.5, 0.5]),
     "values: missing or non-finite value at position 2; fill in a number."),
    (dict(values=["a", 1], targets=[0.5, 0.5]),
     "values: expected numbers, found text or an empty entry; enter numbers only."),
]


@pytest.mark.parametrize("kwargs,message", BAD_INPUTS)
def test_bad_input_messages(kwargs, message):
    with pytest.raises(InputError) as info:
        rebalance_trades(**kwargs)
    assert str(info.value) == message
    assert len(message) < 120


INFEASIBLE = [
    (dict(cash_flow=-10.0, allow_sells=False), rb.STATUS_MESSAGES[rb.STATUS_WITHDRAWAL_NEEDS_SELLS]),
    (dict(cash_flow=-120.0, locked=[True, False]), rb.STATUS_MESSAGES[rb.STATUS_WITHDRAWAL_EXCEEDS_UNLOCKED]),
    (dict(cash_flow=-10.0, prices=[40.0, 30.0], lot_size=100),
     rb.STATUS_MESSAGES[rb.STATUS_LOTS_CANNOT_RAISE_CASH]),
]


@pytest.mark.parametrize("kwargs,message", INFEASIBLE)
def test_infeasible_messages(kwargs, message):
    with pytest.raises(InfeasibleError) as info:
        rebalance_trades([100.0, 50.0], [0.5, 0.5], **kwargs)
    assert str(info.value) == message


def test_drift_bad_input():
    with pytest.raises(InputError, match=r"^values: the account is empty \(all values and cash are 0\)"):
        drift([0.0, 0.0], [0.5, 0.5])
    with pytest.raises(InputError, match=r"^targets: must sum to 1 \(100%\), got 1.1;"):
        drift([1.0, 1.0], [0.6, 0.5])
