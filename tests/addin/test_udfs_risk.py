"""Risk and estimate functions through ``call_udf``: equal to the kernels and to plain NumPy/pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kernels
from addin import cells
from tests.addin import xlwings_windows as xlw
from tests.addin.cell_values import column, kernel_message, row
from tests.conftest import random_cov, random_returns
from tests.tolerances import RTOL_UDF_ORACLE

M = xlw.MISSING
#: Excel receives what xlwings hands back; the cell layer adds no arithmetic, so equality is exact.
#: Oracles written independently (NumPy/pandas) agree to rounding.


@pytest.fixture(scope="module", autouse=True)
def windows_xlwings():
    xlw.udf_module()


@pytest.fixture
def problem(rng):
    n = 7
    cov = random_cov(rng, n)
    w = rng.dirichlet(np.ones(n))
    mu = rng.uniform(0.02, 0.1, n)
    return w, cov, mu


def test_portfolio_return(problem):
    w, cov, mu = problem
    got = xlw.call("PORTFOLIO_RETURN", xlw.column(w), xlw.row(mu))
    assert got == [[kernels.portfolio_return(w, mu)]]
    assert got[0][0] == pytest.approx(float(w @ mu), rel=RTOL_UDF_ORACLE)


@pytest.mark.parametrize("orient", [xlw.column, xlw.row])
def test_portfolio_risk_from_covariance(problem, orient):
    w, cov, _ = problem
    got = xlw.call("PORTFOLIO_RISK", orient(w), xlw.table(cov), M)
    assert got == [[kernels.portfolio_volatility(w, cov)]]
    assert got[0][0] == pytest.approx(np.sqrt(w @ cov @ w), rel=RTOL_UDF_ORACLE)


def test_portfolio_risk_from_vols_and_correlation(problem):
    w, cov, _ = problem
    vols = np.sqrt(np.diag(cov))
    corr = cov / np.outer(vols, vols)
    got = xlw.call("PORTFOLIO_RISK", xlw.column(w), xlw.row(vols), xlw.table(corr))
    assert got == [[kernels.portfolio_volatility_from_correlation(w, vols, corr)]]
    assert got[0][0] == pytest.approx(np.sqrt(w @ cov @ w), rel=1e-10)


def test_portfolio_risk_messages_use_the_excel_argument_name(problem):
    w, cov, _ = problem
    msg = xlw.call("PORTFOLIO_RISK", xlw.column(w), xlw.table(cov[:3, :4]), M)[0][0]
    assert msg == kernel_message(kernels.portfolio_volatility, w, cov[:3, :4], renames={"cov": "cov_or_vols"})
    assert msg.startswith(f"{cells.ERROR_PREFIX}cov_or_vols: ")
    msg = xlw.call("PORTFOLIO_RISK", xlw.column(w[:2]), xlw.column([0.1, -0.2]), xlw.table(np.eye(2)))[0][0]
    assert msg == kernel_message(kernels.portfolio_volatility_from_correlation, w[:2], [0.1, -0.2], np.eye(2),
                                 renames={"vols": "cov_or_vols"})
    assert msg.startswith(f"{cells.ERROR_PREFIX}cov_or_vols: ")


def test_portfolio_risk_not_psd_is_a_message():
    cov = [[0.04, 0.05], [0.05, 0.01]]  # correlation 2.5
    msg = xlw.call("PORTFOLIO_RISK", xlw.column([0.5, -0.5]), xlw.table(cov), M)[0][0]
    assert msg == kernel_message(kernels.portfolio_volatility, [0.5, -0.5], cov, renames={"cov": "cov_or_vols"})


@pytest.mark.parametrize(("orient", "shape"), [(xlw.column, "column"), (xlw.row, "row")])
@pytest.mark.parametrize("relative", [M, True, False, 1.0, 0.0])
def test_risk_contributions_spill_like_the_weights(problem, orient, shape, relative):
    w, cov, _ = problem
    got = xlw.call("RISK_CONTRIBUTIONS", orient(w), xlw.table(cov), relative)
    rc = kernels.risk_contributions(w, cov)
    want = rc.relative if relative in (M, True, 1.0) else rc.absolute
    assert got == (column(want) if shape == "column" else row(want))
    vol = np.sqrt(w @ cov @ w)
    oracle = w * (cov @ w) / vol
    np.testing.assert_allclose(np.ravel(got), oracle / vol if relative in (M, True, 1.0) else oracle, rtol=1e-10)


def test_risk_contributions_bad_flag(problem):
    w, cov, _ = problem
    msg = xlw.call("RISK_CONTRIBUTIONS", xlw.column(w), xlw.table(cov), "maybe")[0][0]
    assert msg == f"{cells.ERROR_PREFIX}relative: expected TRUE or FALSE, got text 'maybe'."
    msg = xlw.call("RISK_CONTRIBUTIONS", xlw.column(w), xlw.table(cov), 2.0)[0][0]
    assert msg == f"{cells.ERROR_PREFIX}relative: expected TRUE or FALSE, got 2."


def test_diversification_ratio(problem):
    w, cov, _ = problem
    got = xlw.call("DIVERSIFICATION_RATIO", xlw.column(w), xlw.table(cov))
    assert got == [[kernels.diversification_ratio(w, cov)]]
    assert got[0][0] == pytest.approx(w @ np.sqrt(np.diag(cov)) / np.sqrt(w @ cov @ w), rel=RTOL_UDF_ORACLE)


def test_effective_assets():
    got = xlw.call("EFFECTIVE_ASSETS", xlw.row([0.25, 0.25, 0.25, 0.25]))
    assert got == [[4.0]]


@pytest.mark.parametrize("method", ["sample", "ewma", "ledoit_wolf", "oas", "Ledoit-Wolf"])
def test_covariance_equals_the_kernel(rng, method):
    r = random_returns(rng, 80, 5)
    got = xlw.call("COVARIANCE", xlw.table(r), method, M, M, M)
    want = kernels.covariance(r, method)
    assert got == want.matrix.tolist()


def test_covariance_defaults_are_sample_returns_252(rng):
    r = random_returns(rng, 60, 4)
    got = np.array(xlw.call("COVARIANCE", xlw.table(r), M, M, M, M))
    np.testing.assert_allclose(got, np.cov(r, rowvar=False) * 252, rtol=1e-12)
    np.testing.assert_allclose(got, pd.DataFrame(r).cov().to_numpy() * 252, rtol=1e-12)


def test_covariance_of_prices_with_halflife(rng):
    prices = 100 * np.cumprod(1 + random_returns(rng, 50, 3), axis=0)
    got = xlw.call("COVARIANCE", xlw.table(prices), "ewma", "prices", 12.0, 10.0)
    assert got == kernels.covariance(prices, "ewma", data_kind="prices", periods_per_year=12, halflife=10).matrix.tolist()


def test_covariance_gap_drops_the_row(rng):
    r = random_returns(rng, 40, 3)
    grid = [list(map(float, x)) for x in r]
    grid[5][1] = None
    got = xlw.call("COVARIANCE", tuple(map(tuple, grid)), M, M, M, M)
    np.testing.assert_allclose(got, np.cov(np.delete(r, 5, axis=0), rowvar=False) * 252, rtol=1e-12)


def test_covariance_bad_method_names_the_choices(rng):
    r = random_returns(rng, 30, 2)
    msg = xlw.call("COVARIANCE", xlw.table(r), "robust", M, M, M)[0][0]
    assert msg == kernel_message(kernels.covariance, r, "robust")
    msg = xlw.call("COVARIANCE", xlw.table(r), 5.0, M, M, M)[0][0]
    assert msg == f"{cells.ERROR_PREFIX}method: expected a word such as a method name, got a float."


def test_correlation_of_covariance_and_of_returns(rng):
    r = random_returns(rng, 60, 4)
    cov = np.cov(r, rowvar=False)
    from_cov = xlw.call("CORRELATION", xlw.table(cov))
    from_data = xlw.call("CORRELATION", xlw.table(r))
    np.testing.assert_allclose(from_cov, np.corrcoef(r, rowvar=False), rtol=1e-12)
    np.testing.assert_allclose(from_data, np.corrcoef(r, rowvar=False), rtol=1e-12)
    with_header = (("A", "B", "C", "D"),) + xlw.table(r)
    np.testing.assert_allclose(xlw.call("CORRELATION", with_header), from_data, rtol=1e-15)


def test_cov_from_corr():
    got = xlw.call("COV_FROM_CORR", xlw.row([0.15, 0.05]), xlw.table([[1, 0.2], [0.2, 1]]))
    np.testing.assert_allclose(got, [[0.0225, 0.0015], [0.0015, 0.0025]], rtol=1e-14)
    msg = xlw.call("COV_FROM_CORR", xlw.row([0.15, 0.05]), xlw.table([[1, 0.2], [0.2, 2]]))[0][0]
    assert msg == kernel_message(kernels.covariance_from_correlation, [0.15, 0.05], [[1, 0.2], [0.2, 2]])
    assert msg.startswith(f"{cells.ERROR_PREFIX}correlation: ")


@pytest.mark.parametrize("method", ["mean", "geometric", "ewma"])
def test_expected_returns_spill_a_column(rng, method):
    prices = 100 * np.cumprod(1 + random_returns(rng, 70, 4), axis=0)
    got = xlw.call("EXPECTED_RETURNS", xlw.table(prices), method, 52.0)
    assert got == column(kernels.expected_returns(prices, method, 52).values)
    if method == "mean":
        np.testing.assert_allclose(np.ravel(got), (prices[1:] / prices[:-1] - 1).mean(axis=0) * 52, rtol=1e-12)


def test_expected_returns_non_positive_price_is_located():
    prices = [[100.0, 50.0], [101.0, -1.0], [102.0, 52.0]]
    msg = xlw.call("EXPECTED_RETURNS", xlw.table(prices), M, M)[0][0]
    assert msg == kernel_message(kernels.expected_returns, prices)
    assert "row 2, column 2" in msg  # no header row: the kernel's position is the cell's position


def test_nearest_correlation_repairs_highams_example():
    got = np.array(xlw.call("NEAREST_CORRELATION", xlw.table([[1, 1, 0], [1, 1, 1], [0, 1, 1]])))
    np.testing.assert_allclose(got, [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]], atol=1e-4)
    assert np.linalg.eigvalsh(got).min() > -1e-10


def test_scalar_single_cell_is_a_one_asset_portfolio():
    assert xlw.call("PORTFOLIO_RISK", 1.0, 0.04, M) == [[0.2]]


def test_weights_as_two_dimensional_range_is_a_message(problem):
    _, cov, _ = problem
    msg = xlw.call("PORTFOLIO_RISK", xlw.table([[0.5, 0.5], [0.5, 0.5]]), xlw.table(cov), M)[0][0]
    assert msg == (f"{cells.ERROR_PREFIX}weights: expected one row or one column, got a 2 x 2 range; "
                   "select a single row or column.")
