"""Frontier, income, tax, rebalancing and allocation functions through ``call_udf``.

Each result equals the kernel's (the cell layer only converts and lays out), and where an
independent check is cheap the numbers are also checked against it: weights sum to 1, a
closed-form two-asset answer, plain arithmetic for income and trades.
"""

from __future__ import annotations

import numpy as np
import pytest

import kernels
from addin import cells
from tests.addin import xlwings_windows as xlw
from tests.addin.cell_values import column, kernel_message, row
from tests.conftest import random_cov

M = xlw.MISSING
E = cells.ERROR_PREFIX
MU2, COV2 = [0.10, 0.05], [[0.04, 0.0], [0.0, 0.01]]


@pytest.fixture(scope="module", autouse=True)
def windows_xlwings():
    xlw.udf_module()


@pytest.fixture
def problem(rng):
    n = 6
    return rng.uniform(0.02, 0.12, n), random_cov(rng, n)


# ----------------------------------------------------------------------------- frontier


def test_min_variance_two_assets_closed_form():
    got = xlw.call("MIN_VARIANCE", xlw.table(COV2), M, M, M, M)
    assert got == column(kernels.min_variance(COV2).weights)
    # uncorrelated: w_i proportional to 1 / variance_i -> (0.2, 0.8)
    np.testing.assert_allclose(np.ravel(got), [0.2, 0.8], rtol=1e-12)


def test_min_variance_with_bounds_and_groups(problem):
    _, cov = problem
    groups = ["stock", "bond", "stock", "bond", "cash", "stock"]
    limits = (("stock", 0.5, None), ("bond", None, 0.3))
    got = xlw.call("MIN_VARIANCE", xlw.table(cov), 0.02, xlw.row([0.6] * 6), xlw.row(groups), limits)
    want = kernels.min_variance(cov, 0.02, np.full(6, 0.6), groups=groups, group_lower={"stock": 0.5},
                                group_upper={"bond": 0.3}).weights
    assert got == column(want)
    w = np.ravel(got)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert w[[0, 2, 5]].sum() >= 0.5 - 1e-10 and w[[1, 3]].sum() <= 0.3 + 1e-10 and w.min() >= 0.02 - 1e-12


def test_group_limits_without_labels_follow_first_appearance(problem):
    _, cov = problem
    groups = xlw.column(["stock", "bond", "stock", "bond", "cash", "stock"])
    by_label = xlw.call("MIN_VARIANCE", xlw.table(cov), M, M, groups, (("bond", 0.4, 0.5),))
    by_order = xlw.call("MIN_VARIANCE", xlw.table(cov), M, M, groups, ((None, None), (0.4, 0.5)))
    assert by_label == by_order


def test_group_limit_errors(problem):
    _, cov = problem
    groups = xlw.column(["stock", "bond", "stock", "bond", "cash", "stock"])
    assert xlw.call("MIN_VARIANCE", xlw.table(cov), M, M, groups, (("gold", 0.1, 0.2),))[0][0] == (
        f"{E}group_limits: unknown group 'gold'; groups are stock, bond, cash.")
    assert xlw.call("MIN_VARIANCE", xlw.table(cov), M, M, M, (("bond", 0.1, 0.2),))[0][0] == (
        f"{E}group_limits: given without groups; give each asset's group too.")
    assert xlw.call("MIN_VARIANCE", xlw.table(cov), M, M, groups, ((0.1,),))[0][0] == (
        f"{E}group_limits: expected 3 columns (label, min, max) or 2 (min, max), got 1.")


def test_infeasible_bounds_are_a_message(problem):
    _, cov = problem
    msg = xlw.call("MIN_VARIANCE", xlw.table(cov), M, 0.1, M, M)[0][0]
    assert msg.startswith(E) and "upper" in msg


@pytest.mark.parametrize(("orient", "spill"), [(xlw.column, column), (xlw.row, row)])
def test_max_sharpe_spills_like_the_expected_returns(orient, spill):
    got = xlw.call("MAX_SHARPE", orient(MU2), xlw.table(COV2), M, M, M, M, M)
    assert got == spill(kernels.max_sharpe(MU2, COV2).weights)
    # uncorrelated, rf = 0: w_i proportional to mu_i / var_i = (2.5, 5) -> (1/3, 2/3)
    np.testing.assert_allclose(np.ravel(got), [1 / 3, 2 / 3], rtol=1e-12)


def test_max_sharpe_with_risk_free(problem):
    mu, cov = problem
    got = xlw.call("MAX_SHARPE", xlw.column(mu), xlw.table(cov), 0.03, M, 0.4, M, M)
    assert got == column(kernels.max_sharpe(mu, cov, 0.03, 0.0, 0.4).weights)


@pytest.mark.parametrize(("kind", "keyword"), [(M, "target_return"), ("return", "target_return"),
                                               ("Risk", "target_risk"), ("volatility", "target_risk")])
def test_efficient_portfolio(problem, kind, keyword):
    mu, cov = problem
    target = 0.07 if keyword == "target_return" else 0.2
    got = xlw.call("EFFICIENT_PORTFOLIO", xlw.row(mu), xlw.table(cov), target, kind, M, M, M, M)
    assert got == row(kernels.efficient_portfolio(mu, cov, **{keyword: target}).weights)


def test_efficient_portfolio_two_assets_target_return():
    got = xlw.call("EFFICIENT_PORTFOLIO", xlw.column(MU2), xlw.table(COV2), 0.08, M, M, M, M, M)
    np.testing.assert_allclose(np.ravel(got), [0.6, 0.4], rtol=1e-12)


def test_efficient_portfolio_errors():
    assert xlw.call("EFFICIENT_PORTFOLIO", xlw.column(MU2), xlw.table(COV2), 0.08, "sharpe", M, M, M, M)[0][0] == (
        f"{E}target_kind: expected one of return, risk, volatility, got 'sharpe'.")
    msg = xlw.call("EFFICIENT_PORTFOLIO", xlw.column(MU2), xlw.table(COV2), 0.2, M, M, M, M, M)[0][0]
    assert msg == kernel_message(kernels.efficient_portfolio, MU2, COV2, target_return=0.2,
                                 renames={"target_return": "target"})
    assert msg.startswith(f"{E}target: ")


def test_efficient_frontier_table(problem):
    mu, cov = problem
    got = xlw.call("EFFICIENT_FRONTIER", xlw.column(mu), xlw.table(cov), 7.0, M, 0.5, 0.02, M)
    f = kernels.efficient_frontier(mu, cov, 7, 0.0, 0.5)
    assert got[0] == ["risk", "return", "sharpe", "w1", "w2", "w3", "w4", "w5", "w6"]
    body = np.array(got[1:])
    assert body.shape == (7, 9)
    np.testing.assert_array_equal(body[:, 0], f.volatilities)
    np.testing.assert_array_equal(body[:, 1], f.returns)
    np.testing.assert_array_equal(body[:, 3:], f.weights)
    np.testing.assert_allclose(body[:, 2], (f.returns - 0.02) / f.volatilities, rtol=1e-14)
    # independent checks: each row's risk and return from its own weights; risk increases along the frontier
    np.testing.assert_allclose(body[:, 1], body[:, 3:] @ mu, rtol=1e-10)
    np.testing.assert_allclose(body[:, 0], np.sqrt(np.einsum("ij,jk,ik->i", body[:, 3:], cov, body[:, 3:])), rtol=1e-10)
    assert np.all(np.diff(body[:, 0]) > 0)


def test_efficient_frontier_bad_n_points(problem):
    mu, cov = problem
    assert xlw.call("EFFICIENT_FRONTIER", xlw.column(mu), xlw.table(cov), 2.5, M, M, M, M)[0][0] == (
        f"{E}n_points: expected a whole number, got 2.5.")


def test_turning_points_table(problem):
    mu, cov = problem
    got = xlw.call("TURNING_POINTS", xlw.column(mu), xlw.table(cov), M, M, M)
    tp = kernels.efficient_frontier(mu, cov).turning_points
    assert got[0][:3] == ["risk", "return", "risk_tolerance"]
    body = np.array([[np.nan if v is None else v for v in r] for r in got[1:]], dtype=float)
    np.testing.assert_array_equal(body[:, 3:], tp.weights)
    np.testing.assert_array_equal(body[:, 1], tp.returns)
    finite = np.isfinite(tp.risk_tolerances)
    np.testing.assert_array_equal(body[finite, 2], tp.risk_tolerances[finite])
    assert np.all(np.isnan(body[~finite, 2]))  # an unbounded risk tolerance is an empty cell


# ----------------------------------------------------------------------------- income and tax


@pytest.mark.parametrize("orient", [xlw.column, xlw.row])
def test_portfolio_yield(orient):
    got = xlw.call("PORTFOLIO_YIELD", orient([0.6, 0.4]), xlw.column([0.02, 0.045]))
    assert got == [[kernels.portfolio_yield([0.6, 0.4], [0.02, 0.045])]]
    assert got[0][0] == pytest.approx(0.6 * 0.02 + 0.4 * 0.045, rel=1e-14)


@pytest.mark.parametrize(("orient", "spill"), [(xlw.column, column), (xlw.row, row)])
def test_portfolio_income_total_and_by_asset(orient, spill):
    assert xlw.call("PORTFOLIO_INCOME", orient([60_000, 40_000]), orient([0.02, 0.045]), M) == [[3000.0]]
    assert xlw.call("PORTFOLIO_INCOME", orient([60_000, 40_000]), orient([0.02, 0.045]), True) == spill([1200, 1800])


def test_yield_outside_range_is_a_message():
    msg = xlw.call("PORTFOLIO_YIELD", xlw.column([0.6, 0.4]), xlw.column([2.0, 0.045]))[0][0]
    assert msg == kernel_message(kernels.portfolio_yield, [0.6, 0.4], [2.0, 0.045])
    assert msg.startswith(f"{E}yields:")


def test_income_projection_table():
    got = xlw.call("INCOME_PROJECTION", 100_000.0, 0.04, 3.0, M, 0.02, True, M, M, M)
    p = kernels.income_projection(100_000, 0.04, 3, inflation=0.02, reinvest=1.0)
    assert got[0][:3] == ["year", "start_value", "income"]
    body = np.array(got[1:])
    np.testing.assert_array_equal(body[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(body[:, 2], p.income)
    # plain arithmetic: all income reinvested, flat prices -> income grows 4% a year
    np.testing.assert_allclose(body[:, 2], [4000.0, 4160.0, 4326.4], rtol=1e-12)
    np.testing.assert_allclose(body[:, 3], body[:, 2] / 1.02 ** np.arange(1, 4), rtol=1e-12)


def test_income_projection_reinvest_as_share_and_errors():
    half = xlw.call("INCOME_PROJECTION", 100_000.0, 0.04, 2.0, M, M, 0.5, M, M, False)
    assert half[0][4] == 2000.0  # reinvested in year 1
    assert xlw.call("INCOME_PROJECTION", 100_000.0, 0.04, 2.5, M, M, M, M, M, M)[0][0] == (
        f"{E}years: expected a whole number, got 2.5.")
    assert xlw.call("INCOME_PROJECTION", 100_000.0, "4%", 2.0, M, M, M, M, M, M)[0][0] == (
        f"{E}yield_: expected a number, got text '4%'; enter a number.")


def test_income_portfolio(problem):
    _, cov = problem
    yields = np.array([0.01, 0.05, 0.02, 0.04, 0.03, 0.015])
    got = xlw.call("INCOME_PORTFOLIO", xlw.row(yields), xlw.table(cov), 0.035, M, 0.5)
    want = kernels.min_volatility_for_income(cov, yields, 0.035, upper=0.5).weights
    assert got == row(want)
    w = np.ravel(got)
    assert w.sum() == pytest.approx(1.0, abs=1e-12) and w @ yields >= 0.035 - 1e-10 and w.max() <= 0.5 + 1e-12


def test_income_portfolio_unreachable_target(problem):
    _, cov = problem
    msg = xlw.call("INCOME_PORTFOLIO", xlw.row([0.01] * 6), xlw.table(cov), 0.05, M, M)[0][0]
    assert msg == kernel_message(kernels.min_volatility_for_income, cov, [0.01] * 6, 0.05)
    assert msg.startswith(f"{E}target_yield: ")


def test_tax_equivalent_yield():
    assert xlw.call("TAX_EQUIVALENT_YIELD", 0.03, 0.24, M, M) == [[pytest.approx(0.03 / 0.76, rel=1e-14)]]
    assert xlw.call("TAX_EQUIVALENT_YIELD", 0.03, 0.24, 0.05, M) == [[pytest.approx(0.03 / 0.71, rel=1e-14)]]
    out_of_state = xlw.call("TAX_EQUIVALENT_YIELD", 0.03, 0.24, 0.05, False)
    assert out_of_state == [[kernels.tax_equivalent_yield(0.03, 0.24, 0.05, state_exempt=False)]]
    assert out_of_state[0][0] == pytest.approx(0.03 * 0.95 / 0.71, rel=1e-14)
    assert xlw.call("TAX_EQUIVALENT_YIELD", 0.03, 0.7, 0.4, M)[0][0] == kernel_message(
        kernels.tax_equivalent_yield, 0.03, 0.7, 0.4)


def test_asset_location():
    got = xlw.call("ASSET_LOCATION", xlw.column([50_000, 50_000]), xlw.table([[0.01, 0.0], [0.003, 0.0]]),
                   xlw.row([100_000, 50_000]), M)
    assert got == [[0.0, 50_000.0], [50_000.0, 0.0]]  # bonds (higher drag) sheltered first
    msg = xlw.call("ASSET_LOCATION", xlw.column([50_000, 50_000]), xlw.table([[0.01, 0.0], [0.003, 0.0]]),
                   xlw.row([40_000, 50_000]), M)[0][0]
    assert msg == kernel_message(kernels.asset_location, [50_000, 50_000], [[0.01, 0.0], [0.003, 0.0]], [40_000, 50_000])
    assert msg.startswith(f"{E}account_capacities: ")


# ----------------------------------------------------------------------------- rebalancing and models


@pytest.mark.parametrize(("orient", "spill"), [(xlw.column, column), (xlw.row, row)])
def test_rebalance_to_target(orient, spill):
    got = xlw.call("REBALANCE", orient([66_000, 41_200]), orient([0.6, 0.4]), M, M, M, M, M)
    assert got == spill(kernels.rebalance_trades([66_000, 41_200], [0.6, 0.4]).trades)
    np.testing.assert_allclose(np.ravel(got), [0.6 * 107_200 - 66_000, 0.4 * 107_200 - 41_200], rtol=1e-12)


def test_rebalance_with_cash_flow_band_and_lots():
    args = (xlw.column([66_000, 41_200, 12_000]), xlw.column([0.5, 0.35, 0.15]), 5_000.0, 0.02, 100.0,
            xlw.column([50.0, 20.0, 10.0]), 1.0)
    got = xlw.call("REBALANCE", *args)
    want = kernels.rebalance_trades([66_000, 41_200, 12_000], [0.5, 0.35, 0.15], cash_flow=5_000, band=0.02,
                                    min_trade=100, prices=[50.0, 20.0, 10.0], lot_size=1.0).trades
    assert got == column(want)
    assert np.allclose(np.ravel(got) / [50.0, 20.0, 10.0], np.round(np.ravel(got) / [50.0, 20.0, 10.0]))


def test_rebalance_targets_not_summing_to_one():
    assert xlw.call("REBALANCE", xlw.column([1.0, 2.0]), xlw.column([0.6, 0.5]), M, M, M, M, M)[0][0] == (
        kernel_message(kernels.rebalance_trades, [1.0, 2.0], [0.6, 0.5]))


def test_drift():
    got = xlw.call("DRIFT", xlw.row([66_000, 41_200]), xlw.row([0.6, 0.4]))
    assert got == row(kernels.drift([66_000, 41_200], [0.6, 0.4]).drift)
    np.testing.assert_allclose(np.ravel(got), [66_000 / 107_200 - 0.6, 41_200 / 107_200 - 0.4], rtol=1e-12)


@pytest.mark.parametrize(("rule", "stocks"), [(M, 0.7), (100.0, 0.6), (120.0, 0.8)])
def test_age_allocation(rule, stocks):
    got = xlw.call("AGE_ALLOCATION", 40.0, rule)
    assert got == [[pytest.approx(stocks, abs=1e-15)], [pytest.approx(1 - stocks, abs=1e-15)]]


def test_age_allocation_bad_rule():
    assert xlw.call("AGE_ALLOCATION", 40.0, 105.0)[0][0] == kernel_message(kernels.age_based_allocation, 40.0, 105.0)


def test_allocate_with_and_without_sub_weights():
    assert xlw.call("ALLOCATE", 100_000.0, xlw.column([0.6, 0.4]), M) == [[60_000.0], [40_000.0]]
    subs = ((0.7, 0.2, 0.1), (0.5, 0.5, None))
    got = xlw.call("ALLOCATE", 100_000.0, xlw.column([0.6, 0.4]), subs)
    np.testing.assert_allclose(np.ravel(got), [42_000, 12_000, 6_000, 20_000, 20_000], rtol=1e-12)
    by_column = xlw.call("ALLOCATE", 100_000.0, xlw.row([0.6, 0.4]), ((0.7, 0.5), (0.2, 0.5), (0.1, None)))
    np.testing.assert_allclose(np.ravel(by_column), np.ravel(got), rtol=1e-15)
    assert len(by_column) == 1  # spilled as a row, like the weights


def test_allocate_errors():
    assert xlw.call("ALLOCATE", 100_000.0, xlw.column([0.6, 0.4]), ((0.7, 0.3), (None, None), (1.0, None)))[0][0] == (
        f"{E}sub_weights: row 2 is blank; give at least one number per class.")
    msg = xlw.call("ALLOCATE", 100_000.0, xlw.column([0.6, 0.4]), ((0.7, 0.2), (0.5, 0.3)))[0][0]
    assert msg == kernel_message(kernels.hierarchical_allocation, [0.6, 0.4], [[0.7, 0.2], [0.5, 0.3]], 100_000.0)
    assert msg.startswith(f"{E}sub_weights[1]: ")


# ----------------------------------------------------------------------------- risk parity


def test_risk_parity_equal_contributions(problem):
    _, cov = problem
    got = xlw.call("RISK_PARITY", xlw.table(cov), M, M, M)
    assert got == column(kernels.risk_parity(cov).weights)
    w = np.ravel(got)
    rc = w * (cov @ w) / (w @ cov @ w)  # independent: Euler shares of risk
    np.testing.assert_allclose(rc, np.full(6, 1 / 6), rtol=1e-9)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


def test_risk_parity_two_assets_closed_form():
    # two assets: equal risk contributions <=> w_i proportional to 1 / sigma_i, whatever the correlation
    got = np.ravel(xlw.call("RISK_PARITY", xlw.table([[0.04, 0.006], [0.006, 0.01]]), M, M, M))
    np.testing.assert_allclose(got, [1 / 3, 2 / 3], rtol=1e-10)


@pytest.mark.parametrize(("orient", "spill"), [(xlw.column, column), (xlw.row, row)])
def test_risk_budgets_spill_like_the_budgets(problem, orient, spill):
    _, cov = problem
    budgets = np.array([0.3, 0.1, 0.2, 0.1, 0.2, 0.1])
    got = xlw.call("RISK_PARITY", xlw.table(cov), orient(budgets), M, M)
    assert got == spill(kernels.risk_parity(cov, budgets).weights)
    w = np.ravel(got)
    np.testing.assert_allclose(w * (cov @ w) / (w @ cov @ w), budgets, rtol=1e-9)


def test_risk_parity_bounds(problem):
    _, cov = problem
    got = xlw.call("RISK_PARITY", xlw.table(cov), M, 0.1, 0.2)
    assert got == column(kernels.risk_parity(cov, lower=0.1, upper=0.2).weights)
    w = np.ravel(got)
    assert w.min() >= 0.1 - 1e-12 and w.max() <= 0.2 + 1e-12


def test_risk_parity_not_converged_is_a_message(problem, monkeypatch):
    _, cov = problem
    real = kernels.risk_parity

    def stalled(*args, **kwargs):
        return real(*args, **kwargs)._replace(converged=False, status="stopped after 1000 iterations")

    monkeypatch.setattr(kernels, "risk_parity", stalled)
    assert xlw.call("RISK_PARITY", xlw.table(cov), M, M, M)[0][0] == (
        f"{E}cov: no risk parity weights found (stopped after 1000 iterations); check the covariance and the bounds.")


def test_risk_parity_bad_budget(problem):
    _, cov = problem
    msg = xlw.call("RISK_PARITY", xlw.table(cov), xlw.column([0.5, 0.5, 0.0, 0.0, 0.0, 0.0]), M, M)[0][0]
    assert msg == kernel_message(kernels.risk_parity, cov, [0.5, 0.5, 0.0, 0.0, 0.0, 0.0])
    assert msg.startswith(f"{E}budgets:")
