"""Whole shares from cash (``allocate_cash``) against scipy's MILP, PyPortfolioOpt and its own rules."""

import numpy as np
import pandas as pd
import pytest

from kernels import InputError, allocate_cash, round_to_lots
from kernels import share_allocation as module
from tests.naive import milp_invest_fully, peer_csv
from tests.tolerances import ATOL_MONEY, RTOL_MILP


def random_book(seed, n_max=6):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, n_max + 1))
    w = rng.dirichlet(np.ones(n))
    w[rng.random(n) < 0.2] = 0.0
    if w.sum() == 0:
        w[0] = 1.0
    w /= w.sum()
    prices = np.round(rng.choice([5, 20, 60, 150, 400, 1200], n) * rng.uniform(0.5, 1.5, n), 2)
    cash = float(rng.choice([1_000, 3_000, 10_000]))
    prices[np.argmax(w)] = min(prices[np.argmax(w)], cash / 2)  # some asset with a target is affordable
    return w, prices, cash


@pytest.mark.parametrize("seed", range(60))
def test_invest_fully_equals_the_two_stage_milp(seed):
    w, prices, cash = random_book(seed)
    a = allocate_cash(w, prices, cash)
    _, covered, spent = milp_invest_fully(w * cash, prices, cash)
    assert a.proven_optimal
    ours_covered = np.minimum(a.values, w * cash).sum()
    assert ours_covered == pytest.approx(covered, rel=RTOL_MILP, abs=1e-6 * cash)
    assert a.values.sum() == pytest.approx(spent, rel=RTOL_MILP, abs=1e-6 * cash)
    # the reported distance is the objective: twice the dollars below target
    assert a.distance == pytest.approx(2 * (cash - ours_covered), abs=1e-9 * cash)
    assert a.distance == pytest.approx(2 * (a.cash_left + a.over_target), abs=1e-9 * cash)


@pytest.mark.parametrize("seed", range(40))
def test_properties_of_the_allocation(seed):
    w, prices, cash = random_book(seed + 1000)
    a = allocate_cash(w, prices, cash)
    assert np.all(a.shares == np.round(a.shares)) and np.all(a.shares >= 0)
    assert np.all(a.shares[w == 0] == 0)  # nothing without a target is bought
    assert a.cash_left >= 0 and a.values.sum() + a.cash_left == pytest.approx(cash, abs=ATOL_MONEY)
    under = a.values < w * cash - 1e-9
    if np.any(under):  # no holding below target is still affordable (buying it would be closer)
        assert a.cash_left < prices[under].min()
    np.testing.assert_allclose(a.weights, a.values / cash)
    # never further from the targets than the nearest rounding (whose cash counts as a miss too)
    assert a.distance <= allocate_cash(w, prices, cash, mode="nearest").distance + 1e-9 * cash


def test_nearest_mode_is_round_to_lots_from_an_empty_account():
    w, prices, cash = random_book(7)
    a = allocate_cash(w, prices, cash, mode="nearest")
    r = round_to_lots(np.zeros(w.size), w * cash, prices, cash=cash)
    np.testing.assert_array_equal(a.shares, r.shares)
    assert a.cash_left == pytest.approx(r.cash, abs=ATOL_MONEY)
    assert a.proven_optimal and a.n_nodes == 0 and a.mode == "nearest"


def test_round_lots():
    w = np.array([0.5, 0.5])
    a = allocate_cash(w, [12.0, 7.0], 10_000.0, lot_size=100)
    np.testing.assert_array_equal(a.shares % 100, [0, 0])
    x, _, _ = milp_invest_fully(w * 10_000, [1200.0, 700.0], 10_000.0)
    np.testing.assert_array_equal(a.shares / 100, x)


def test_worked_example():
    # targets 500 / 300 / 200; 4 x 120, 7 x 45, 6 x 30 = 975 leaves 25 with 15 over target: D = 2 x 40
    a = allocate_cash([0.5, 0.3, 0.2], [120.0, 45.0, 30.0], 1000.0)
    np.testing.assert_array_equal(a.shares, [4, 7, 6])
    assert (a.cash_left, a.over_target, a.distance) == pytest.approx((25.0, 15.0, 80.0))
    # the nearest rounding keeps 40 in cash instead (6 x 45 = 270 is nearer 300 than 315 is ... by 15 vs 15;
    # it buys a lot only when that brings the holding strictly closer)
    n = allocate_cash([0.5, 0.3, 0.2], [120.0, 45.0, 30.0], 1000.0, mode="nearest")
    assert n.cash_left >= a.cash_left


def test_node_limit_returns_the_best_found_and_says_so():
    rng = np.random.default_rng(11)
    w = rng.dirichlet(np.ones(25))
    prices = np.round(np.exp(rng.uniform(np.log(5), np.log(2000), 25)), 2)
    a = allocate_cash(w, prices, 10_000.0, max_nodes=50)
    assert not a.proven_optimal and a.status == module.AllocationStatus.NODE_LIMIT and a.n_nodes == 50
    assert "not proven optimal" in module.ALLOCATION_STATUS_MESSAGES[a.status]
    assert a.cash_left >= 0 and a.values.sum() <= 10_000.0 + ATOL_MONEY


def test_kernel_matches_its_python_version():
    w, prices, cash = random_book(3)
    t = w[w > 0] * cash
    p = prices[w > 0]
    x1 = np.zeros(t.size)
    x2 = np.zeros(t.size)
    r1 = module._invest_fully(t, p, cash, 1e-12 * cash, 10**6, x1)
    r2 = module._invest_fully.py_func(t, p, cash, 1e-12 * cash, 10**6, x2)
    assert tuple(r1) == tuple(r2)
    np.testing.assert_array_equal(x1, x2)


# ---------------------------------------------------------------- PyPortfolioOpt's test data


@pytest.fixture(scope="module")
def pypfopt_case():
    df = peer_csv("stock_prices.csv")
    from pypfopt import EfficientFrontier, expected_returns, risk_models
    from pypfopt.discrete_allocation import get_latest_prices

    ef = EfficientFrontier(expected_returns.mean_historical_return(df), risk_models.sample_cov(df))
    weights = ef.max_sharpe(risk_free_rate=0.02)  # as in PyPortfolioOpt's test_discrete_allocation.py
    prices = get_latest_prices(df)
    w = np.array([weights[c] for c in df.columns])
    return w / w.sum(), prices[df.columns].to_numpy(), weights, prices


def test_pypfopt_data_side_by_side(pypfopt_case):
    from pypfopt.discrete_allocation import DiscreteAllocation

    w, p, weights, prices = pypfopt_case
    nearest = allocate_cash(w, p, 10_000.0, mode="nearest")
    assert nearest.cash_left == pytest.approx(764.29, abs=0.005)  # the "today" number
    ours = allocate_cash(w, p, 10_000.0)
    greedy, greedy_left = DiscreteAllocation(weights, prices, total_portfolio_value=10_000).greedy_portfolio()
    lp, lp_left = DiscreteAllocation(weights, prices, total_portfolio_value=10_000).lp_portfolio(solver="HIGHS")

    def distance(alloc, left):
        values = pd.Series(alloc, dtype=float).reindex(prices.index, fill_value=0.0) * prices
        return float(np.abs(values.to_numpy() - w * 10_000).sum() + left)

    assert ours.proven_optimal
    assert ours.distance <= distance(lp, lp_left) + 1e-6  # the LP's own objective, solved exactly here
    assert ours.distance <= distance(greedy, greedy_left) + 1e-6
    assert ours.cash_left <= min(lp_left, greedy_left) + 1e-6
    _, _, spent = milp_invest_fully(w * 10_000, p, 10_000.0)
    assert ours.values.sum() == pytest.approx(spent, abs=1e-6)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([0.5, 0.5], [10, 20], 1000), {"mode": "greedy"}, r"mode: expected one of invest_fully, nearest, got 'greedy'"),
        (([0.5, -0.5, 1.0], [10, 20, 30], 1000), {}, r"weights: asset 2 is -0\.5; allocating cash buys only"),
        (([0.5, 0.4], [10, 20], 1000), {}, r"weights: sum to 0\.9, expected 1; to keep cash, add a cash holding"),
        (([0.5, np.nan], [10, 20], 1000), {}, r"weights: missing or non-finite value at position 2"),
        (([0.5, 0.5], [10, 0], 1000), {}, r"prices: asset 2 has price 0; prices must be > 0\."),
        (([0.5, 0.5], [10, 20, 30], 1000), {}, r"prices: expected 2 values \(one per asset, len\(weights\)=2\), got 3"),
        (([0.5, 0.5], [10, 20], 0), {}, r"cash: must be > 0, got 0\."),
        (([0.5, 0.5], [10, 20], 5), {}, r"cash: 5\.00 buys no lot \(the cheapest with a target costs 10\.00\)"),
        (([0.5, 0.5], [10, 20], 1000), {"lot_size": 0}, r"lot_size: holding 1 has lot size 0"),
        (([0.5, 0.5], [10, 20], 1000), {"max_nodes": 0}, r"max_nodes: must be >= 1, got 0\."),
        (([0.5, 0.5], [10, "x"], 1000), {}, r"prices: expected numbers, found text"),
    ],
)
def test_bad_input_messages(args, kwargs, message):
    with pytest.raises(InputError, match=message):
        allocate_cash(*args, **kwargs)
