"""Covariance and expected-return estimators against numpy, pandas and scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.covariance import OAS, LedoitWolf

from kernels import InputError, covariance, expected_returns
from kernels import estimators as cov_module
from tests.conftest import random_returns
from tests.tolerances import ATOL_ESTIMATOR, RTOL_ESTIMATOR

SHAPES = [(30, 3), (252, 20), (100, 80), (60, 120)]  # includes n_assets > n_obs for shrinkage


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL_ESTIMATOR, atol=ATOL_ESTIMATOR)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", range(5))
def test_sample_equals_numpy_cov(shape, seed):
    x = random_returns(np.random.default_rng(seed), *shape)
    close(covariance(x, periods_per_year=1).matrix, np.cov(x, rowvar=False))
    close(covariance(x, periods_per_year=252).matrix, 252 * np.cov(x, rowvar=False))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", range(5))
def test_ledoit_wolf_equals_sklearn(shape, seed):
    x = random_returns(np.random.default_rng(seed), *shape)
    est = covariance(x, "ledoit_wolf", periods_per_year=1)
    ref = LedoitWolf().fit(x)
    np.testing.assert_allclose(est.matrix, ref.covariance_, rtol=RTOL_ESTIMATOR, atol=1e-18)
    assert est.shrinkage == pytest.approx(ref.shrinkage_, rel=RTOL_ESTIMATOR)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", range(5))
def test_oas_equals_sklearn(shape, seed):
    x = random_returns(np.random.default_rng(seed), *shape)
    est = covariance(x, "oas", periods_per_year=1)
    ref = OAS().fit(x)
    np.testing.assert_allclose(est.matrix, ref.covariance_, rtol=RTOL_ESTIMATOR, atol=1e-18)
    assert est.shrinkage == pytest.approx(ref.shrinkage_, rel=RTOL_ESTIMATOR)


@pytest.mark.parametrize("halflife", [None, 5.0, 30.0, 250.0])
@pytest.mark.parametrize("seed", range(3))
def test_ewma_equals_pandas_ewm_cov(halflife, seed):
    x = random_returns(np.random.default_rng(seed), 300, 6)
    alpha = 1 - 0.94 if halflife is None else 1 - 0.5 ** (1 / halflife)
    ref = pd.DataFrame(x).ewm(alpha=alpha, adjust=True).cov(bias=False).iloc[-6:].to_numpy()
    close(covariance(x, "ewma", halflife=halflife, periods_per_year=1).matrix, ref)


def test_ewma_riskmetrics_default_is_lambda_094():
    x = random_returns(np.random.default_rng(1), 200, 4)
    halflife_094 = np.log(0.5) / np.log(0.94)
    close(covariance(x, "ewma").matrix, covariance(x, "ewma", halflife=halflife_094).matrix)


def test_prices_are_turned_into_simple_returns():
    x = random_returns(np.random.default_rng(2), 100, 5)
    prices = 100 * np.cumprod(1 + np.vstack([np.zeros(5), x]), axis=0)
    for method in ("sample", "ewma", "ledoit_wolf", "oas"):
        a = covariance(prices, method, data_kind="prices").matrix
        b = covariance(x, method, data_kind="returns").matrix
        np.testing.assert_allclose(a, b, rtol=1e-9)


def test_rows_with_gaps_are_dropped_and_counted():
    x = random_returns(np.random.default_rng(3), 50, 4)
    x[[4, 10, 11], [0, 2, 3]] = np.nan
    est = covariance(x, periods_per_year=1)
    assert (est.n_observations, est.n_dropped) == (47, 3)
    close(est.matrix, np.cov(x[~np.isnan(x).any(axis=1)], rowvar=False))


def test_pairwise_equals_pandas_cov():
    x = random_returns(np.random.default_rng(4), 80, 5)
    x[[3, 7, 30], [1, 1, 4]] = np.nan
    est = covariance(x, missing="pairwise", periods_per_year=1)
    close(est.matrix, pd.DataFrame(x).cov().to_numpy())
    # columns 2 and 5 share 80 - 2 - 1 = 77 dates: the fewest of any pair
    assert est.n_observations == 77 and est.n_dropped == 3


def test_sample_data_estimates_are_symmetric_psd():
    from workbook.sample_data import load_sample_prices

    prices = load_sample_prices().to_numpy()
    for method in ("sample", "ewma", "ledoit_wolf", "oas"):
        m = covariance(prices, method, data_kind="prices").matrix
        assert np.array_equal(m, m.T)
        assert np.linalg.eigvalsh(m)[0] > 0


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(3, 40), st.integers(1, 8)),
               elements=st.floats(-0.2, 0.2, allow_nan=False)),
    st.sampled_from(["sample", "ewma", "ledoit_wolf", "oas"]),
)
def test_property_symmetric_psd_and_scaling(x, method):
    x = x + np.linspace(0, 1e-3, x.shape[0])[:, None] * np.arange(1, x.shape[1] + 1)  # no constant column
    est = covariance(x, method, periods_per_year=1)
    m = est.matrix
    assert np.array_equal(m, m.T)
    assert np.linalg.eigvalsh(m)[0] >= -1e-12 * max(np.abs(m).max(), 1e-300)
    scaled = covariance(3.0 * x, method, periods_per_year=12).matrix
    np.testing.assert_allclose(scaled, 9.0 * 12 * m, rtol=1e-9, atol=1e-300)


def test_kernels_match_their_python_versions():
    x = random_returns(np.random.default_rng(5), 40, 6)
    xc = cov_module._centered(x, np.ones(40))
    loops = cov_module._centered.py_func(x, np.ones(40))  # without Numba the kernel is its NumPy path
    np.testing.assert_allclose(xc, loops, rtol=1e-14, atol=1e-14 * np.abs(loops).max())
    emp = xc.T @ xc / 40
    beta = cov_module._row_square_norms_squared_sum(xc)
    assert beta == pytest.approx(cov_module._row_square_norms_squared_sum.py_func(xc), rel=1e-14)
    assert cov_module._ledoit_wolf_shrinkage(emp, beta, 40.0) == pytest.approx(
        cov_module._ledoit_wolf_shrinkage.py_func(emp, beta, 40.0), rel=1e-13)
    assert cov_module._oas_shrinkage(emp, 40.0) == pytest.approx(cov_module._oas_shrinkage.py_func(emp, 40.0), rel=1e-13)
    x[3, 2] = np.nan
    assert cov_module._first_constant_column(x) == cov_module._first_constant_column.py_func(x) == -1
    y = x.copy()
    y[:, 4] = 0.5
    y[7, 4] = np.nan  # gaps do not make a constant column vary
    assert cov_module._first_constant_column(y) == cov_module._first_constant_column.py_func(y) == 4
    a, ca = cov_module._pairwise_covariance(x, 1)
    b, cb = cov_module._pairwise_covariance.py_func(x, 1)
    np.testing.assert_allclose(a, b, rtol=1e-13)
    assert np.array_equal(ca, cb)


# ---------------------------------------------------------------- expected returns


def test_expected_returns_mean_geometric_ewma_oracles():
    x = random_returns(np.random.default_rng(6), 400, 5)
    prices = 50 * np.cumprod(1 + np.vstack([np.zeros(5), x]), axis=0)
    np.testing.assert_allclose(expected_returns(prices).values, x.mean(axis=0) * 252, rtol=1e-12)
    np.testing.assert_allclose(
        expected_returns(prices, "geometric").values, np.prod(1 + x, axis=0) ** (252 / 400) - 1, rtol=1e-10)
    ref = pd.DataFrame(x).ewm(span=500).mean().iloc[-1].to_numpy() * 252
    np.testing.assert_allclose(expected_returns(prices, "ewma").values, ref, rtol=1e-12)
    ref_h = pd.DataFrame(x).ewm(halflife=20).mean().iloc[-1].to_numpy() * 12
    np.testing.assert_allclose(expected_returns(x, "ewma", 12, data_kind="returns", halflife=20).values, ref_h,
                               rtol=1e-12)


def test_geometric_return_of_steady_growth_is_the_growth_rate():
    prices = 100 * 1.01 ** np.arange(13)[:, None]  # 1% a month for a year
    assert expected_returns(prices, "geometric", 12).values[0] == pytest.approx(1.01**12 - 1, rel=1e-12)


def test_expected_returns_pairwise_uses_each_assets_rows():
    x = random_returns(np.random.default_rng(7), 60, 3)
    x[5, 1] = np.nan
    est = expected_returns(x, data_kind="returns", missing="pairwise", periods_per_year=1)
    np.testing.assert_allclose(est.values, np.nanmean(x, axis=0), rtol=1e-12)
    assert est.n_dropped == 1


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, data, message",
    [
        ({"method": "robust"}, None, r"method: expected one of sample, ewma, ledoit_wolf, oas, semicovariance, exp_cov, ledoit_wolf_constant_correlation, ledoit_wolf_single_factor, got 'robust'"),
        ({"data_kind": "levels"}, None, r"data_kind: expected one of returns, prices"),
        ({"missing": "ignore"}, None, r"missing: expected one of drop, pairwise"),
        ({"method": "oas", "missing": "pairwise"}, None, r"missing: 'pairwise' works with method='sample' only"),
        ({"periods_per_year": 0}, None, r"periods_per_year: must be > 0, got 0"),
        ({"method": "ewma", "halflife": -3}, None, r"halflife: must be > 0, got -3"),
        ({}, [[0.01, 0.02]], r"data: only 1 complete rows of returns \(0 dropped for gaps\); need at least 2"),
        ({}, [[0.01, np.nan], [0.02, 0.01], [np.nan, 0.0]], r"only 1 complete rows of returns \(2 dropped"),
        ({}, [[0.01, 0.0], [0.02, 0.0], [0.03, 0.0]], r"data: column 2 is constant \(zero variance\)"),
        ({}, [[0.01, "x"], [0.02, 0.01]], r"data: expected numbers, found text"),
        ({}, [[0.01, np.inf], [0.02, 0.01]], r"data: contains an infinite value"),
        ({"data_kind": "prices"}, [[10.0, 5.0], [11.0, 0.0], [12.0, 6.0]], r"price at row 2, column 2 is 0"),
    ],
)
def test_covariance_bad_input(kwargs, data, message):
    if data is None:
        data = random_returns(np.random.default_rng(0), 20, 3)
    with pytest.raises(InputError, match=message):
        covariance(data, **kwargs)


def test_expected_returns_bad_input():
    with pytest.raises(InputError, match=r"method: expected one of mean, geometric, ewma, got 'median'"):
        expected_returns([[1.0], [2.0]], "median")
    with pytest.raises(InputError, match=r"prices: price at row 1, column 1 is -1"):
        expected_returns([[-1.0], [2.0]])
    with pytest.raises(InputError, match=r"prices: column 2 has no returns"):
        expected_returns([[1.0, np.nan], [2.0, np.nan], [3.0, 1.0]], missing="pairwise")
