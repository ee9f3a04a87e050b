"""Whole shares and lots: compared with scipy.optimize.milp and with brute force on small random cases."""

import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from kernels import InfeasibleError, InputError, rebalance_trades, round_to_lots
from kernels import whole_shares as ws
from tests.tolerances import RTOL_MILP

PRICE_MENU = np.array([5.0, 12.5, 37.0, 80.0, 150.0, 420.0])


def milp_rounding(values, ideal, lot_value, cash, *, allow_sells=True, floor_or_one_more=False):
    """Exact integer optimum of sum |values + k * lot_value - ideal| over whole lots k with cash >= 0.

    Variables: k (integer lots), e (absolute errors). ``floor_or_one_more`` restricts each k to the floor of
    the continuous trade or one lot above it (the set our method searches); otherwise any number of lots
    between selling everything held and spending all the cash.
    """
    n = len(values)
    A = np.vstack([
        np.c_[-np.diag(lot_value), np.eye(n)],
        np.c_[np.diag(lot_value), np.eye(n)],
        np.r_[lot_value, np.zeros(n)][None],
    ])
    lb = np.r_[values - ideal, ideal - values, -np.inf]
    ub = np.r_[np.full(2 * n, np.inf), cash]
    if floor_or_one_more:
        k_lo = np.floor((ideal - values) / lot_value + 1e-9)
        k_hi = k_lo + 1
    else:
        k_lo = -np.floor(values / lot_value + 1e-9)
        k_hi = np.ceil((ideal + cash) / lot_value) + 1
    if not allow_sells:
        k_lo = np.maximum(k_lo, 0.0)
    problem = dict(c=np.r_[np.zeros(n), np.ones(n)], constraints=LinearConstraint(A, lb, ub),
                   integrality=np.r_[np.ones(n), np.zeros(n)],
                   bounds=Bounds(np.r_[k_lo, np.zeros(n)], np.r_[k_hi, np.full(n, np.inf)]))
    res = milp(**problem)
    if res.status == 4:  # HiGHS "Solve error" in its presolve on about 1 case in 150; solving without it works
        res = milp(**problem, options={"presolve": False})
    assert res.success, res.message
    return res.fun, np.round(res.x[:n])


def random_case(rng, allow_sells=True):
    n = int(rng.integers(2, 8))
    prices = rng.choice(PRICE_MENU, n) + rng.uniform(0, 1, n).round(2)
    values = rng.integers(0, 60, n) * prices  # whole shares held
    cash = float(rng.uniform(0, 3000))
    ideal = rng.dirichlet(np.ones(n)) * (values.sum() + cash)
    if not allow_sells:
        ideal = values + rng.dirichlet(np.ones(n)) * cash
    return values, ideal, prices, cash


@pytest.mark.parametrize("allow_sells", [True, False])
def test_exact_against_milp_over_floor_or_one_lot_more(allow_sells):
    rng = np.random.default_rng(11 if allow_sells else 12)
    for _ in range(80):
        values, ideal, prices, cash = random_case(rng, allow_sells)
        ours = round_to_lots(values, ideal, prices, cash=cash, allow_sells=allow_sells)
        best, _ = milp_rounding(values, ideal, prices, cash, allow_sells=allow_sells, floor_or_one_more=True)
        assert ours.distance == pytest.approx(best, rel=RTOL_MILP, abs=1e-6)
        assert ours.cash >= 0.0
        assert np.all(np.abs(ours.values - ideal) <= prices * (1 + 1e-12))


@pytest.mark.slow
def test_against_the_unrestricted_integer_optimum():
    """The unrestricted optimum may sell extra lots of one holding to afford a lot of another; we stay
    within one lot, so we are never better, mostly equal, and at most one lot of the dearest holding worse."""
    rng = np.random.default_rng(13)
    equal = 0
    n_cases = 120
    for _ in range(n_cases):
        values, ideal, prices, cash = random_case(rng)
        ours = round_to_lots(values, ideal, prices, cash=cash)
        best, _ = milp_rounding(values, ideal, prices, cash)
        assert ours.distance >= best - RTOL_MILP * max(best, 1.0)
        assert ours.distance <= best + prices.max()
        equal += ours.distance <= best * (1 + RTOL_MILP) + 1e-6
    assert equal >= 0.75 * n_cases  # measured: 103 of 120 with this seed (249 of 300 with seed 1)


def brute_force_knapsack(gain, weight, capacity):
    best = 0.0
    for take in itertools.product([False, True], repeat=len(gain)):
        take = np.array(take)
        if weight[take].sum() <= capacity:
            best = max(best, gain[take].sum())
    return best


@pytest.mark.parametrize("seed", range(25))
def test_knapsack_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 11))
    weight = rng.choice([1.0, 3.0, 7.5, 20.0, 55.0], m) * rng.uniform(0.9, 1.1, m)
    gain = weight * rng.uniform(0.01, 1.0, m)
    capacity = float(rng.uniform(0, weight.sum()))
    items = np.arange(m, dtype=np.int64)
    take = np.zeros(m, np.bool_)
    for kernel in (ws._knapsack_01, ws._knapsack_01.py_func):
        items = np.arange(m, dtype=np.int64)
        take[:] = False
        kernel(items, m, gain, weight, capacity, 1e-12, take)
        chosen = items[take]
        assert weight[chosen].sum() <= capacity + 1e-12
        assert gain[chosen].sum() == pytest.approx(brute_force_knapsack(gain, weight, capacity), rel=1e-12)


def test_knapsack_node_cap_keeps_a_feasible_greedy_or_better_selection():
    # 30 identical lots, room for 10.5: every 10-subset is optimal but the LP bound (5.25) never prunes
    m = 30
    items, take = np.arange(m, dtype=np.int64), np.zeros(m, np.bool_)
    nodes = ws._knapsack_01(items, m, np.full(m, 0.5), np.ones(m), 10.5, 1e-12, take)
    assert nodes == ws.MAX_KNAPSACK_NODES
    assert take.sum() == 10  # optimal value 5.0


def test_rounding_kernel_matches_its_python_version():
    rng = np.random.default_rng(5)
    for _ in range(10):
        values, ideal, prices, cash = random_case(rng)
        fixed = np.zeros(values.size, np.bool_)
        k1, k2 = np.empty(values.size), np.empty(values.size)
        r1 = ws._round_to_lots(values, ideal, prices, fixed, cash, True, 0.0, 1e-9, k1)
        r2 = ws._round_to_lots.py_func(values, ideal, prices, fixed, cash, True, 0.0, 1e-9, k2)
        np.testing.assert_array_equal(k1, k2)
        assert r1 == pytest.approx(r2, rel=1e-12)


def test_round_lots_and_fractional_shares():
    # 100-share lots at $12: $2,500 buys 2 lots (2,400), a third would overspend
    r = round_to_lots([0.0], [2_500.0], [12.0], cash=2_500.0, lot_size=100)
    assert r.shares.tolist() == [200.0] and r.cash == pytest.approx(100.0)
    # fractional shares (0.001) land within a thousandth of a share
    r = round_to_lots([0.0, 0.0], [600.0, 400.0], [70.0, 30.0], cash=1_000.0, lot_size=0.001)
    assert np.all(np.abs(r.values - [600.0, 400.0]) <= np.array([70.0, 30.0]) * 0.001)
    assert r.cash >= 0.0


def test_whole_share_rebalance_against_milp_from_the_continuous_solution():
    rng = np.random.default_rng(21)
    for _ in range(40):
        n = int(rng.integers(2, 7))
        prices = rng.choice(PRICE_MENU, n)
        values = rng.integers(0, 80, n) * prices
        targets = rng.dirichlet(np.ones(n))
        flow = float(rng.uniform(0, 2_000))
        cont = rebalance_trades(values, targets, cash_flow=flow)
        whole = rebalance_trades(values, targets, cash_flow=flow, prices=prices)
        best, _ = milp_rounding(values, cont.values, prices, flow, floor_or_one_more=True)
        assert np.abs(whole.values - cont.values).sum() == pytest.approx(best, rel=RTOL_MILP, abs=1e-6)


def test_bad_input_messages():
    with pytest.raises(InputError, match=r"^ideal: holding 1 is negative \(-1\); post-trade values must be >= 0\.$"):
        round_to_lots([1.0], [-1.0], [1.0])
    with pytest.raises(InputError, match=r"^prices: holding 1 has price -2; prices must be > 0\.$"):
        round_to_lots([1.0], [1.0], [-2.0])
    with pytest.raises(InputError, match=r"^ideal: expected 1 values \(one per asset, len\(values\)=1\), got 2\.$"):
        round_to_lots([1.0], [1.0, 2.0], [1.0])
    with pytest.raises(InputError, match=r"^cash: must be >= 0, got -5\.$"):
        round_to_lots([1.0], [1.0], [1.0], cash=-5)


def test_sales_limited_to_whole_lots_held_can_leave_cash_short():
    # ideal wants 30 of a $1 holding sold, lots are 100 shares and only 50 are held: nothing can be sold,
    # and the buy the ideal asks for cannot be paid -> the buy is given up instead of overspending
    r = round_to_lots([50.0, 0.0], [20.0, 30.0], [1.0, 1.0], lot_size=[100, 1])
    assert r.cash >= 0.0 and r.trades.tolist() == [0.0, 0.0]
    with pytest.raises(InfeasibleError, match=r"^cash_flow: whole-lot sales cannot raise the withdrawal; use smaller lots\.$"):
        rebalance_trades([50.0, 50.0], [0.5, 0.5], cash_flow=-10.0, prices=[1.0, 1.0], lot_size=100)
