"""Portfolio return, volatility, risk contributions, diversification and concentration."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kernels import (
    InputError,
    batch_volatility,
    concentration,
    diversification_ratio,
    min_variance,
    portfolio_return,
    portfolio_volatility,
    portfolio_volatility_from_correlation,
    risk_contributions,
)
from kernels import risk as risk_module
from tests.conftest import random_cov
from tests.naive import scale_free_risk_measures
from tests.tolerances import RTOL_CLOSED_FORM

# Hand-worked 60/40: stocks 15% vol, bonds 5% vol, correlation 0.2.
# var = 0.6^2 0.15^2 + 0.4^2 0.05^2 + 2 0.6 0.4 0.15 0.05 0.2 = 0.0081 + 0.0004 + 0.00072 = 0.00922
W_6040 = [0.6, 0.4]
COV_6040 = [[0.0225, 0.0015], [0.0015, 0.0025]]
VOL_6040 = np.sqrt(0.00922)


def naive_volatility(w, cov):
    w = np.asarray(w, float)
    return float(np.sqrt(sum(w[i] * w[j] * cov[i][j] for i in range(len(w)) for j in range(len(w)))))


def test_hand_worked_60_40():
    assert portfolio_volatility(W_6040, COV_6040) == pytest.approx(VOL_6040, rel=RTOL_CLOSED_FORM)
    assert portfolio_volatility_from_correlation(W_6040, [0.15, 0.05], [[1, 0.2], [0.2, 1]]) == pytest.approx(
        VOL_6040, rel=RTOL_CLOSED_FORM)
    assert portfolio_return(W_6040, [0.07, 0.03]) == pytest.approx(0.054, rel=RTOL_CLOSED_FORM)
    rc = risk_contributions(W_6040, COV_6040)
    # stocks: 0.6 (0.6*0.0225 + 0.4*0.0015) / sigma = 0.6 * 0.0141 / sigma
    assert rc.absolute[0] == pytest.approx(0.6 * 0.0141 / VOL_6040, rel=RTOL_CLOSED_FORM)
    assert rc.relative[0] == pytest.approx(0.6 * 0.0141 / 0.00922, rel=RTOL_CLOSED_FORM)
    assert diversification_ratio(W_6040, COV_6040) == pytest.approx((0.6 * 0.15 + 0.4 * 0.05) / VOL_6040)


@pytest.mark.parametrize("seed", range(20))
def test_against_naive_numpy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    cov = random_cov(rng, n)
    w = rng.normal(size=n)  # shorts and leverage allowed
    assert portfolio_volatility(w, cov) == pytest.approx(naive_volatility(w, cov), rel=1e-11)
    rc = risk_contributions(w, cov)
    sigma = np.sqrt(w @ cov @ w)
    np.testing.assert_allclose(rc.marginal, cov @ w / sigma, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(rc.absolute.sum(), sigma, rtol=1e-11)
    np.testing.assert_allclose(rc.relative.sum(), 1.0, rtol=1e-11)
    vols = np.sqrt(np.diag(cov))
    corr = cov / np.outer(vols, vols)
    assert portfolio_volatility_from_correlation(w, vols, corr) == pytest.approx(sigma, rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.floats(-2, 2, allow_nan=False)),
    hnp.arrays(np.float64, (n + 3, n), elements=st.floats(-1, 1, allow_nan=False)),
    st.floats(0.1, 10.0),
)))
def test_property_scaling_and_euler(args):
    w, factors, c = args
    cov = factors.T @ factors / len(factors)
    sigma = portfolio_volatility(w, cov)
    # volatility is homogeneous of degree 1 in weights and of degree 1/2 in the covariance
    assert portfolio_volatility(c * w, cov) == pytest.approx(c * sigma, rel=1e-9, abs=1e-12)
    assert portfolio_volatility(w, c * cov) == pytest.approx(np.sqrt(c) * sigma, rel=1e-9, abs=1e-12)
    if sigma > 1e-6:
        rc = risk_contributions(w, cov)
        assert rc.absolute.sum() == pytest.approx(sigma, rel=1e-8)
        assert rc.relative.sum() == pytest.approx(1.0, rel=1e-8)


def test_batch_volatility_equals_einsum():
    rng = np.random.default_rng(3)
    cov = random_cov(rng, 25)
    w = rng.normal(size=(1000, 25))
    ref = np.sqrt(np.einsum("ij,jk,ik->i", w, cov, w))
    np.testing.assert_allclose(batch_volatility(w, cov), ref, rtol=1e-11)
    assert batch_volatility(w[:1], cov)[0] == pytest.approx(portfolio_volatility(w[0], cov), rel=1e-13)


def test_concentration():
    assert concentration([0.25] * 4) == (0.25, 4.0)
    assert concentration([1.0, 0.0, 0.0]) == (1.0, 1.0)
    hhi, eff = concentration([0.5, 0.3, 0.2])
    assert hhi == pytest.approx(0.38) and eff == pytest.approx(1 / 0.38)


def test_kernels_match_their_python_versions():
    rng = np.random.default_rng(4)
    cov = random_cov(rng, 9)
    w = rng.normal(size=9)
    assert risk_module._quad_form(w, cov) == pytest.approx(risk_module._quad_form.py_func(w, cov), rel=1e-14)
    np.testing.assert_allclose(risk_module._cov_times_weights(cov, w, np.empty(9)),
                               risk_module._cov_times_weights.py_func(cov, w, np.empty(9)), rtol=1e-14)
    W = rng.normal(size=(7, 9))
    np.testing.assert_allclose(risk_module._batch_variance(W, cov, np.empty(7)),
                               risk_module._batch_variance.py_func(W, cov, np.empty(7)), rtol=1e-13)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: portfolio_volatility([0.5, 0.5, 0.0], COV_6040), r"weights: 3 values but cov is 2 x 2"),
        (lambda: portfolio_volatility([0.5, np.nan], COV_6040), r"weights: missing or non-finite value at position 2"),
        (lambda: portfolio_volatility([0.5, "a"], COV_6040), r"weights: expected numbers, found text"),
        (lambda: portfolio_volatility(None, COV_6040), r"weights: is empty"),
        (lambda: portfolio_volatility([0.5, 0.5], [[0.04, 0.01, 0.0], [0.01, 0.04, 0.0]]),
         r"cov: expected a square matrix \(n_assets x n_assets\), got 2 x 3"),
        (lambda: min_variance(np.empty((0, 0))), r"^cov: is empty; enter a square matrix of numbers"),
        (lambda: portfolio_volatility([0.5, 0.5], [[0.04, 0.01], [0.02, 0.04]]),
         r"cov: not symmetric \(row 1, column 2 differs from row 2, column 1\)"),
        (lambda: portfolio_volatility([0.5, 0.5], [[-0.04, 0.0], [0.0, 0.04]]), r"cov: variance of asset 1 is negative"),
        (lambda: portfolio_volatility([1.0, -1.0], [[0.04, 0.05], [0.05, 0.04]]),
         r"cov: not positive semi-definite \(smallest eigenvalue -0.01\)"),
        (lambda: portfolio_volatility([0.5, 0.5], [[0.04, 0.05], [0.05, 0.04]]),
         r"cov: not positive semi-definite \(smallest eigenvalue -0.01\)"),
        (lambda: portfolio_return([0.5, 0.5], [0.1]), r"expected_returns: expected 2 values"),
        (lambda: risk_contributions([0.0, 0.0], COV_6040), r"weights: the portfolio has zero volatility"),
        (lambda: concentration([0.0, 0.0]), r"weights: all zero"),
        (lambda: batch_volatility([[0.5, 0.5, 0.1]], COV_6040), r"weights: expected 2 columns \(one per asset\), got 3"),
        (lambda: portfolio_volatility([[0.5, 0.5], [0.5, 0.5]], COV_6040),
         r"weights: expected one row or one column of values, got a 2 x 2 range"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_row_and_column_weights_are_accepted():
    assert portfolio_volatility([[0.6], [0.4]], COV_6040) == portfolio_volatility([[0.6, 0.4]], COV_6040)


# ----------------------------------------------------------------------------- scale (issue 19)

COV_3 = np.array([[0.0225, 0.0045, 0.00075], [0.0045, 0.01, 0.001], [0.00075, 0.001, 0.0025]])
W_3 = np.array([0.5, 0.3, 0.2])


def test_risk_shares_of_huge_weights_are_those_of_their_ratios():
    # issue 19: RISK_CONTRIBUTIONS({5e199;3e199;2e199}, cov) gave {0;0;0} (w' C w overflowed); right: 0.773, 0.198, 0.029
    rc = risk_contributions(W_3 * 1e200, COV_3)
    relative, _, _ = scale_free_risk_measures(W_3, COV_3)
    np.testing.assert_allclose(rc.relative, relative, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(rc.relative, [0.773, 0.198, 0.029], atol=5e-4)
    np.testing.assert_allclose(rc.marginal, COV_3 @ W_3 / np.sqrt(W_3 @ COV_3 @ W_3), rtol=RTOL_CLOSED_FORM)
    assert rc.volatility == pytest.approx(1e200 * np.sqrt(W_3 @ COV_3 @ W_3), rel=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160, 1e-20, 1.0, 1e20, 1e160, 1e200, 1e300])
def test_scale_invariant_measures_do_not_depend_on_the_scale_of_the_weights(scale):
    rng = np.random.default_rng(7)
    cov = random_cov(rng, 6)
    w = rng.normal(size=6)
    relative, ratio, effective_n = scale_free_risk_measures(w, cov)
    np.testing.assert_allclose(risk_contributions(w * scale, cov).relative, relative, rtol=1e-11)
    assert diversification_ratio(w * scale, cov) == pytest.approx(ratio, rel=RTOL_CLOSED_FORM)
    assert concentration(w * scale).effective_n == pytest.approx(effective_n, rel=RTOL_CLOSED_FORM)
    sigma = np.sqrt(w @ cov @ w)
    assert portfolio_volatility(w * scale, cov) == pytest.approx(sigma * scale, rel=RTOL_CLOSED_FORM)


def test_diversification_ratio_of_weights_times_1e160_and_effective_assets_of_1e200():
    # issue 19: the ratio was 0 (variance overflowed to inf) and concentration raised OverflowError
    assert diversification_ratio(W_3 * 1e160, COV_3) == pytest.approx(scale_free_risk_measures(W_3, COV_3)[1],
                                                                        rel=RTOL_CLOSED_FORM)
    assert concentration([1e200, 2e200]).effective_n == pytest.approx(1.8, rel=RTOL_CLOSED_FORM)  # 9 / 5
    assert concentration([5e-324]).effective_n == 1.0  # a subnormal weight: sum|w|^2 underflowed to 0/0


@pytest.mark.parametrize("cov_scale", [1e-300, 1e-100, 1e100, 1e300])
def test_a_covariance_of_extreme_scale_gives_finite_answers(cov_scale):
    rc = risk_contributions(W_3, COV_3 * cov_scale)
    relative, ratio, _ = scale_free_risk_measures(W_3, COV_3)
    np.testing.assert_allclose(rc.relative, relative, rtol=1e-11)
    assert diversification_ratio(W_3, COV_3 * cov_scale) == pytest.approx(ratio, rel=RTOL_CLOSED_FORM)
    expected = np.sqrt(W_3 @ COV_3 @ W_3) * np.sqrt(cov_scale)
    assert portfolio_volatility(W_3, COV_3 * cov_scale) == pytest.approx(expected, rel=RTOL_CLOSED_FORM)
    assert rc.volatility == pytest.approx(expected, rel=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(rc.absolute.sum(), expected, rtol=1e-11)


def test_volatility_from_correlation_of_huge_weights():
    vols, corr = [0.15, 0.05], [[1.0, 0.2], [0.2, 1.0]]
    expected = 1e300 * portfolio_volatility_from_correlation(W_6040, vols, corr)
    assert portfolio_volatility_from_correlation(np.array(W_6040) * 1e300, vols, corr) == pytest.approx(
        expected, rel=RTOL_CLOSED_FORM)


def test_weights_near_the_largest_float():
    # found by the fuzz (tests/addin/test_udfs_messages.py): max|w| = 1.8e308 once made the scale 2^1024 = inf
    top = np.finfo(float).max
    assert concentration([top, top / 2]).effective_n == pytest.approx(1.8, rel=RTOL_CLOSED_FORM)
    relative, _, _ = scale_free_risk_measures(W_3, COV_3)
    np.testing.assert_allclose(risk_contributions(W_3 / W_3.max() * top, COV_3).relative, relative, rtol=1e-11)
