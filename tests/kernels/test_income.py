"""Tests for kernels/income.py: portfolio yield, income, income projection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import InputError
from kernels.income import (
    IncomeProjection,
    _income_projection,
    income_projection,
    portfolio_income,
    portfolio_yield,
)
from tests.tolerances import RTOL_CLOSED_FORM

N_SEEDS = 20


def naive_projection(value, y, years, g_div=0.0, g_price=0.0, infl=0.0, reinvest=0.0, withdrawal=0.0):
    """Slow, obvious version written in money terms (no units/price bookkeeping)."""
    rows = []
    v = value
    yield_now = y
    for t in range(1, years + 1):
        income = v * yield_now
        grown = v * (1 + g_price)
        reinv = reinvest * income
        after = grown + reinv
        wd = min(withdrawal, after)
        end = after - wd
        rows.append((v, income, income / (1 + infl) ** t, reinv, income - reinv, wd, end, end / (1 + infl) ** t))
        # the yield on value of next year: payout per unit grows by g_div, price by g_price
        yield_now = yield_now * (1 + g_div) / (1 + g_price)
        v = end
    return np.array(rows)


# ---------------------------------------------------------------- portfolio_yield / portfolio_income

def test_portfolio_yield_hand_worked():
    # 60% in a 2% stock fund, 40% in a 4.5% bond fund: 1.2% + 1.8% = 3%
    assert portfolio_yield([0.6, 0.4], [0.02, 0.045]) == pytest.approx(0.03, rel=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("seed", range(5))
def test_portfolio_yield_matches_numpy_and_income(seed):
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 30)
    values = rng.uniform(0, 1e6, n)
    yields = rng.uniform(0, 0.1, n)
    inc = portfolio_income(values, yields)
    w = values / values.sum()
    assert portfolio_yield(w, yields) == pytest.approx(float(np.dot(w, yields)), rel=RTOL_CLOSED_FORM)
    assert inc.yield_ == pytest.approx(portfolio_yield(w, yields), rel=1e-12)
    assert inc.annual == pytest.approx(float(np.sum(values * yields)), rel=RTOL_CLOSED_FORM)
    assert inc.monthly * 12 == pytest.approx(inc.annual, rel=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(inc.by_asset_annual.sum(), inc.annual, rtol=1e-12)
    np.testing.assert_allclose(inc.by_asset_monthly * 12, inc.by_asset_annual, rtol=1e-12)
    assert inc.total_value == pytest.approx(values.sum(), rel=1e-12)


def test_portfolio_income_hand_worked_and_empty():
    inc = portfolio_income([250_000, 150_000, 100_000], [0.018, 0.042, 0.06])
    # 4500 + 6300 + 6000 = 16800 a year, 1400 a month
    assert inc.annual == pytest.approx(16_800.0, rel=RTOL_CLOSED_FORM)
    assert inc.monthly == pytest.approx(1_400.0, rel=RTOL_CLOSED_FORM)
    assert inc.yield_ == pytest.approx(16_800 / 500_000, rel=RTOL_CLOSED_FORM)
    empty = portfolio_income([0.0, 0.0], [0.02, 0.03])
    assert empty.annual == 0.0 and empty.yield_ == 0.0


def test_portfolio_income_accepts_pandas_and_columns():
    s = pd.Series([100.0, 300.0])
    inc = portfolio_income(s, np.array([[0.05], [0.01]]))
    assert inc.annual == pytest.approx(8.0, rel=RTOL_CLOSED_FORM)


# ---------------------------------------------------------------- income_projection

def test_projection_hand_worked_compounding_table():
    p = income_projection(100_000, 0.04, 3, reinvest=1.0)
    np.testing.assert_allclose(p.income, [4000.0, 4160.0, 4326.4], rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(p.end_value, [104_000.0, 108_160.0, 112_486.4], rtol=RTOL_CLOSED_FORM)
    np.testing.assert_array_equal(p.year, [1, 2, 3])


def test_projection_flat_without_growth_or_reinvestment():
    p = income_projection(500_000, 0.035, 30)
    np.testing.assert_allclose(p.income, 17_500.0, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(p.start_value, 500_000.0, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(p.end_value, 500_000.0, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(p.cash_income, p.income, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_array_equal(p.reinvested, 0.0)
    np.testing.assert_allclose(p.yield_on_value, 0.035, rtol=RTOL_CLOSED_FORM)


@settings(max_examples=40, deadline=None)
@given(value=st.floats(1.0, 1e7), y=st.floats(0.0, 0.2), years=st.integers(1, 60))
def test_projection_full_reinvestment_is_compounding_at_the_yield(value, y, years):
    p = income_projection(value, y, years, reinvest=1.0)
    t = np.arange(1, years + 1)
    np.testing.assert_allclose(p.end_value, value * (1 + y) ** t, rtol=1e-11)
    np.testing.assert_allclose(p.income, value * y * (1 + y) ** (t - 1), rtol=1e-11, atol=1e-12)
    np.testing.assert_array_equal(p.cash_income, np.zeros(years))


@settings(max_examples=40, deadline=None)
@given(y=st.floats(0.0, 0.1), g=st.floats(-0.05, 0.1), years=st.integers(1, 40))
def test_projection_equal_growth_keeps_yield_and_total_return_is_growth_plus_yield(y, g, years):
    # payout and price both grow by g: the yield on value stays y; reinvesting all, value grows by (1 + g + y)
    p = income_projection(1_000.0, y, years, payout_growth=g, price_growth=g, reinvest=1.0)
    np.testing.assert_allclose(p.yield_on_value, y, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(p.end_value, 1_000.0 * (1 + g + y) ** np.arange(1, years + 1), rtol=1e-10)


def test_projection_inflation_deflates_real_columns():
    p = income_projection(100_000, 0.04, 10, payout_growth=0.03, inflation=0.03)
    # payout grows with inflation, no reinvestment: real income stays at today's 4000 after one year's lag
    np.testing.assert_allclose(p.income_real, 4000.0 / 1.03, rtol=1e-12)
    np.testing.assert_allclose(p.end_value_real, 100_000 / 1.03 ** np.arange(1, 11), rtol=1e-12)


@pytest.mark.parametrize("seed", range(N_SEEDS))
def test_projection_matches_naive_money_version(seed):
    rng = np.random.default_rng(seed)
    args = dict(
        value=float(rng.uniform(0, 2e6)), y=float(rng.uniform(0, 0.08)), years=int(rng.integers(1, 50)),
        g_div=float(rng.uniform(-0.05, 0.08)), g_price=float(rng.uniform(-0.1, 0.1)),
        infl=float(rng.uniform(0, 0.05)), reinvest=float(rng.uniform(0, 1)),
        withdrawal=float(rng.choice([0.0, rng.uniform(0, 1e5)])),
    )
    p = income_projection(args["value"], args["y"], args["years"], payout_growth=args["g_div"],
                          price_growth=args["g_price"], inflation=args["infl"], reinvest=args["reinvest"],
                          withdrawal=args["withdrawal"])
    ref = naive_projection(**args)
    got = np.column_stack([p.start_value, p.income, p.income_real, p.reinvested, p.cash_income, p.withdrawn,
                           p.end_value, p.end_value_real])
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-6)


def test_projection_withdrawal_depletes_and_stops_at_zero():
    # 100k paying nothing, 30k withdrawn a year: 70k, 40k, 10k, then the last 10k, then nothing
    p = income_projection(100_000, 0.0, 5, withdrawal=30_000)
    np.testing.assert_allclose(p.withdrawn, [30_000, 30_000, 30_000, 10_000, 0.0], atol=1e-9)
    np.testing.assert_allclose(p.end_value, [70_000, 40_000, 10_000, 0.0, 0.0], atol=1e-9)
    np.testing.assert_array_equal(p.yield_on_value[-1], 0.0)


def test_projection_values_flow_from_year_to_year():
    p = income_projection(250_000, 0.05, 25, payout_growth=0.02, price_growth=0.04, reinvest=0.4,
                          withdrawal=5_000)
    np.testing.assert_allclose(p.start_value[1:], p.end_value[:-1], rtol=1e-12)
    np.testing.assert_allclose(p.reinvested + p.cash_income, p.income, rtol=1e-12)


def test_projection_kernel_matches_py_func():
    args = (123_456.0, 0.037, 40, 0.021, 0.033, 0.025, 0.6, 2_000.0)
    a = [np.empty(40) for _ in range(9)]
    b = [np.empty(40) for _ in range(9)]
    _income_projection(*args, *a)
    _income_projection.py_func(*args, *b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-13)


def test_projection_result_type_and_frame():
    p = income_projection(10_000, 0.03, 4)
    assert isinstance(p, IncomeProjection)
    df = p.to_frame()
    assert list(df.index) == [1, 2, 3, 4]
    assert list(df.columns) == list(IncomeProjection._fields[1:])
    np.testing.assert_allclose(df["income"].to_numpy(), p.income)


# ---------------------------------------------------------------- bad inputs

@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: portfolio_yield([0.5, 0.5], [0.02]),
         r"^yields: expected 2 values \(one per asset, len\(weights\)=2\), got 1\.$"),
        (lambda: portfolio_yield([0.5, 0.5], [0.02, 3.0]),
         r"^yields: 3 at position 2 is outside 0\.\.1; enter yields as decimal fractions \(0\.03 for 3%\)\.$"),
        (lambda: portfolio_yield([0.5, 0.5], [0.02, -0.01]), r"^yields: -0\.01 at position 2 is outside 0\.\.1;"),
        (lambda: portfolio_yield([0.5, "x"], [0.02, 0.01]), r"^weights: expected numbers, found text"),
        (lambda: portfolio_income([100, np.nan], [0.02, 0.01]), r"^values: missing or non-finite value at position 2"),
        (lambda: portfolio_income([100, -5], [0.02, 0.01]),
         r"^values: -5 at position 2 is negative; holding values must be >= 0\.$"),
        (lambda: portfolio_income([100, 5, 1], [0.02, 0.01]), r"^yields: expected 3 values"),
        (lambda: income_projection(-1, 0.03, 10), r"^value: must be >= 0, got -1\.$"),
        (lambda: income_projection(100, 4.0, 10),
         r"^yield_: 4 is outside 0\.\.1; enter yields as decimal fractions \(0\.03 for 3%\)\.$"),
        (lambda: income_projection(100, 0.03, 0), r"^years: must be >= 1, got 0\.$"),
        (lambda: income_projection(100, 0.03, 2.5), r"^years: expected a whole number, got 2\.5\.$"),
        (lambda: income_projection(100, 0.03, 500), r"^years: must be <= 200, got 500\.$"),
        (lambda: income_projection(100, 0.03, "ten"), r"^years: expected a number, got str\.$"),
        (lambda: income_projection(100, 0.03, 5, reinvest=1.5),
         r"^reinvest: 1\.5 is outside 0\.\.1; enter shares as decimal fractions"),
        (lambda: income_projection(100, 0.03, 5, payout_growth=3),
         r"^payout_growth: 3 is outside -1\.\.1; enter growth rates as decimal fractions"),
        (lambda: income_projection(100, 0.03, 5, price_growth=-1),
         r"^price_growth: -1 must be > -1 and <= 1; enter growth rates as decimal fractions \(0\.03 for 3%\)\.$"),
        (lambda: income_projection(100, 0.03, 5, inflation=2.5),
         r"^inflation: 2\.5 must be > -1 and <= 1; enter rates as decimal fractions"),
        (lambda: income_projection(100, 0.03, 5, withdrawal=-10), r"^withdrawal: must be >= 0, got -10\.$"),
        (lambda: income_projection(None, 0.03, 5), r"^value: expected a number, got an empty cell\.$"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(InputError, match=message):
        call()


# ---------------------------------------------------------------- amounts beyond float range (issue 19)

def test_an_inflation_that_overflows_the_real_columns_is_refused_naming_inflation():
    # issue 19: INCOME_PROJECTION(100000, 0.04, 200, , -0.999) left the real-money columns blank (inf):
    # 1 / 0.001^t passes 1.8e308 in year 103 (4000 / 0.001^102 = 4e309)
    with pytest.raises(InputError, match=r"^inflation: -0\.999 a year makes the amounts in today's money overflow "
                                         r"in year 10[0-9]; project fewer years or check the inflation\.$"):
        income_projection(100_000, 0.04, 200, inflation=-0.999)
    p = income_projection(100_000, 0.04, 90, inflation=-0.999)  # within range: the numbers are there
    assert np.all(np.isfinite(p.income_real)) and p.income_real[-1] == pytest.approx(4000 / 0.001 ** 90, rel=1e-9)


def test_nominal_amounts_that_overflow_are_refused_naming_years():
    with pytest.raises(InputError, match=r"^years: the amounts overflow in year \d+ \(beyond 1\.8e308\); project "
                                         r"fewer years or check value, payout_growth and price_growth\.$"):
        income_projection(1e300, 0.04, 200, price_growth=1.0, payout_growth=1.0)
