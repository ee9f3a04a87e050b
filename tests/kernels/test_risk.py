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
