"""Model allocations: age rules, 60/40, glide paths, hierarchical weights."""

import numpy as np
import pytest

from kernels import (
    DEFAULT_GLIDE_PATH,
    InputError,
    age_based_allocation,
    glide_path_allocation,
    hierarchical_allocation,
    rebalance_trades,
    sixty_forty,
)
from tests.tolerances import ATOL


@pytest.mark.parametrize(
    "age,rule,stocks",
    [(40, 110, 0.70), (40, 100, 0.60), (40, 120, 0.80), (65, 110, 0.45), (0, 100, 1.0), (15, 120, 1.0),
     (110, 110, 0.0), (125, 120, 0.0), (130, 100, 0.0), (30.5, 100, 0.695)],
)
def test_age_rules_clamped(age, rule, stocks):
    a = age_based_allocation(age, rule=rule)
    assert a.stocks == pytest.approx(stocks, abs=ATOL)
    assert a.stocks + a.bonds == pytest.approx(1.0, abs=ATOL)
    assert 0.0 <= a.stocks <= 1.0


def test_age_rule_is_monotone_in_age():
    ages = np.linspace(0, 130, 261)
    for rule in (100, 110, 120):
        s = [age_based_allocation(a, rule=rule).stocks for a in ages]
        assert np.all(np.diff(s) <= 0)
        np.testing.assert_allclose(s, np.clip((rule - ages) / 100, 0, 1), atol=ATOL)  # obvious version


def test_sixty_forty_and_the_readme_example():
    m = sixty_forty()
    assert (m.stocks, m.bonds) == (0.6, 0.4)
    r = rebalance_trades([66_000, 41_200], [m.stocks, m.bonds])
    np.testing.assert_allclose(r.values, [64_320, 42_880], atol=1e-8)


def test_glide_path_interpolates_and_is_flat_beyond_the_ends():
    years = np.array([row[0] for row in DEFAULT_GLIDE_PATH])
    stocks = np.array([row[1] for row in DEFAULT_GLIDE_PATH])
    for y, s in zip(years, stocks):
        assert glide_path_allocation(y).stocks == pytest.approx(s, abs=ATOL)
    assert glide_path_allocation(10).stocks == pytest.approx(0.5 + 0.4 * 10 / 25, abs=ATOL)
    assert glide_path_allocation(-3.5).stocks == pytest.approx(0.4, abs=ATOL)
    assert glide_path_allocation(60).stocks == pytest.approx(0.9, abs=ATOL)
    assert glide_path_allocation(-30).stocks == pytest.approx(0.3, abs=ATOL)
    grid = np.linspace(-20, 50, 141)
    np.testing.assert_allclose([glide_path_allocation(y).stocks for y in grid],
                               np.interp(grid, years[::-1], stocks[::-1]), atol=ATOL)


def test_glide_path_custom_table_in_any_order():
    table = [[0, 0.4], [30, 0.8], [15, 0.7]]
    assert glide_path_allocation(20, table).stocks == pytest.approx(0.7 + 0.1 * 5 / 15, abs=ATOL)
    assert glide_path_allocation(5, table).bonds == pytest.approx(1 - (0.4 + 0.3 * 5 / 15), abs=ATOL)


def test_hierarchical_worked_example():
    # $100,000 at 60/40; stocks 70/20/10; bonds 50/30/20
    a = hierarchical_allocation([0.6, 0.4], [[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]], total=100_000)
    np.testing.assert_allclose(a.amounts, [42_000, 12_000, 6_000, 20_000, 12_000, 8_000], atol=1e-8)
    np.testing.assert_allclose(a.weights, [0.42, 0.12, 0.06, 0.20, 0.12, 0.08], atol=ATOL)
    assert a.parent.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(a.class_amounts, [60_000, 40_000], atol=1e-8)


def test_hierarchical_properties():
    rng = np.random.default_rng(4)
    for _ in range(20):
        k = int(rng.integers(1, 6))
        cw = rng.dirichlet(np.ones(k))
        subs = [rng.dirichlet(np.ones(int(rng.integers(1, 5)))) for _ in range(k)]
        a = hierarchical_allocation(cw, subs, total=1234.5)
        assert a.weights.sum() == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(np.bincount(a.parent, weights=a.weights), cw, atol=1e-12)  # leaves add up
        np.testing.assert_allclose(a.amounts, a.weights * 1234.5, rtol=1e-15)


BAD = [
    (lambda: age_based_allocation(-1), "age: must be >= 0, got -1."),
    (lambda: age_based_allocation(140), "age: must be <= 130, got 140."),
    (lambda: age_based_allocation(40, rule=105), "rule: expected one of 100, 110, 120 (N in 'N minus age'), got 105."),
    (lambda: age_based_allocation("forty"), "age: expected a number, got str."),
    (lambda: glide_path_allocation(10, [[10, 0.5], [10, 0.6]]),
     "table: years to retirement 10 appears twice; give each year once."),
    (lambda: glide_path_allocation(10, [[10, 1.5], [0, 0.6]]),
     "table: row 1 has stock weight 1.5; weights must be between 0 and 1."),
    (lambda: glide_path_allocation(10, [[10, 0.5, 1.0]]), "table: expected 2 columns (one per asset), got 3."),
    (lambda: hierarchical_allocation([0.6, 0.5], [[1.0], [1.0]]),
     "class_weights: must sum to 1 (100%), got 1.1; adjust the weights so they add up to 1."),
    (lambda: hierarchical_allocation([0.6, 0.4], [[1.0]]),
     "sub_weights: expected 2 lists (one per class in class_weights), got 1."),
    (lambda: hierarchical_allocation([0.6, 0.4], [[0.7, 0.2], [1.0]]),
     "sub_weights[1]: must sum to 1 (100%), got 0.9; adjust the weights so they add up to 1."),
    (lambda: hierarchical_allocation([0.6, 0.4], [[1.2, -0.2], [1.0]]),
     "sub_weights[1]: entry 2 is negative (-0.2); weights must be >= 0."),
    (lambda: hierarchical_allocation([0.6, 0.4], "stocks"),
     "sub_weights: expected one list of weights per class, e.g. [[0.7, 0.3], [1.0]]."),
    (lambda: hierarchical_allocation([1.0], [[1.0]], total=-5), "total: must be >= 0, got -5."),
]


@pytest.mark.parametrize("call,message", BAD)
def test_bad_input_messages(call, message):
    with pytest.raises(InputError) as info:
        call()
    assert str(info.value) == message
