"""The issue-16 estimators against PyPortfolioOpt, scikit-learn, skfolio, pandas and Ledoit & Wolf's own code."""


import numpy as np
import pandas as pd
import pytest

from kernels import InputError, covariance, expected_returns
from kernels.estimators import (
    ALL_COVARIANCE_METHODS,
    COVARIANCE_METHODS,
    moments,
    shrinkage,
)
from tests.conftest import random_returns
from tests.naive import ledoit_wolf_constant_correlation
from tests.tolerances import ATOL_ESTIMATOR, RTOL_ESTIMATOR

SHAPES = [(60, 4), (252, 12), (100, 40)]


def close(a, b, rtol=RTOL_ESTIMATOR):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=ATOL_ESTIMATOR)


def frame(x):
    return pd.DataFrame(x, columns=[f"A{i}" for i in range(x.shape[1])])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("threshold", [0.0, 0.000079, -0.002])
def test_semicovariance_equals_pypfopt(shape, threshold):
    from pypfopt import risk_models

    x = random_returns(np.random.default_rng(shape[0] + shape[1]), *shape)
    ref = risk_models.semicovariance(frame(x), returns_data=True, benchmark=threshold, frequency=252)
    close(covariance(x, "semicovariance", benchmark=threshold).matrix, ref.to_numpy())


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("span", [10, 60, 180, 1000])
def test_exp_cov_equals_pypfopt(shape, span):
    from pypfopt import risk_models

    x = random_returns(np.random.default_rng(span + shape[1]), *shape)
    ref = risk_models.exp_cov(frame(x), returns_data=True, span=span, frequency=252)
    close(covariance(x, "exp_cov", span=span).matrix, ref.to_numpy())
    if span == 180:  # PyPortfolioOpt's default span
        close(covariance(x, "exp_cov").matrix, ref.to_numpy())


@pytest.mark.parametrize("span", [5, 30, 250])
def test_ewma_span_equals_pandas(span):
    x = random_returns(np.random.default_rng(span), 300, 6)
    ref = pd.DataFrame(x).ewm(span=span, adjust=True).cov(bias=False).iloc[-6:].to_numpy()
    close(covariance(x, "ewma", span=span, periods_per_year=1).matrix, ref)


@pytest.mark.parametrize("shape", SHAPES)
def test_single_factor_equals_pypfopt(shape):
    from pypfopt import risk_models

    x = random_returns(np.random.default_rng(7 * shape[1]), *shape)
    cs = risk_models.CovarianceShrinkage(frame(x), returns_data=True, frequency=252)
    ref = cs.ledoit_wolf(shrinkage_target="single_factor")
    est = covariance(x, "ledoit_wolf_single_factor")
    close(est.matrix, ref.to_numpy())
    assert est.shrinkage == pytest.approx(cs.delta, rel=RTOL_ESTIMATOR)


@pytest.mark.parametrize("shape", SHAPES)
def test_constant_correlation_is_ledoit_wolfs_code_and_explains_pypfopt(shape):
    """Ours is covCor.m (biased sample, as Ledoit & Wolf); PyPortfolioOpt's is the same formula on the unbiased one."""
    from pypfopt import risk_models

    x = random_returns(np.random.default_rng(11 * shape[1]), *shape)
    est = covariance(x, "ledoit_wolf_constant_correlation", periods_per_year=1)
    sigma, delta = ledoit_wolf_constant_correlation(x, ddof=0)
    close(est.matrix, sigma)
    assert est.shrinkage == pytest.approx(delta, rel=RTOL_ESTIMATOR)
    cs = risk_models.CovarianceShrinkage(frame(x), returns_data=True, frequency=1)
    ref = cs.ledoit_wolf(shrinkage_target="constant_correlation").to_numpy()
    peer_sigma, peer_delta = ledoit_wolf_constant_correlation(x, ddof=1)
    close(ref, peer_sigma)
    assert cs.delta == pytest.approx(peer_delta, rel=RTOL_ESTIMATOR)
    # the two differ by the sample's (t - 1) / t: well under 1% of the matrix at these sizes
    assert np.abs(est.matrix - ref).max() <= 2.0 / x.shape[0] * np.abs(ref).max()


@pytest.mark.parametrize("delta", [0.0, 0.1, 0.5, 1.0])
def test_fixed_shrinkage_equals_sklearn_skfolio_and_pypfopt(delta):
    from pypfopt import risk_models
    from skfolio.moments import ShrunkCovariance as SkfolioShrunk
    from sklearn.covariance import ShrunkCovariance

    x = random_returns(np.random.default_rng(int(delta * 10)), 120, 8)
    est = covariance(x, "ledoit_wolf", shrinkage=delta, periods_per_year=1)
    assert est.shrinkage == delta
    close(est.matrix, ShrunkCovariance(shrinkage=delta).fit(x).covariance_)
    close(est.matrix, SkfolioShrunk(shrinkage=delta).fit(x).covariance_)
    # PyPortfolioOpt's shrunk_covariance shrinks the unbiased sample covariance: t / (t - 1) times ours
    ref = risk_models.CovarianceShrinkage(frame(x), returns_data=True, frequency=1).shrunk_covariance(delta)
    close(est.matrix * 120 / 119, ref.to_numpy())
    # a fixed intensity of 1 gives the target itself
    target = covariance(x, "ledoit_wolf_constant_correlation", shrinkage=1.0, periods_per_year=1).matrix
    sd = np.sqrt(np.diag(target))
    corr = target / np.outer(sd, sd)
    off = corr[~np.eye(8, dtype=bool)]
    np.testing.assert_allclose(off, off[0], rtol=1e-12)


@pytest.mark.parametrize("compounding", [True, False])
@pytest.mark.parametrize("span", [None, 60])
def test_expected_returns_equal_pypfopt(compounding, span):
    from pypfopt import expected_returns as peer

    x = random_returns(np.random.default_rng(21), 400, 5)
    prices = 50 * np.cumprod(1 + np.vstack([np.zeros(5), x]), axis=0)
    df = frame(prices)
    hist = peer.mean_historical_return(df, compounding=compounding, frequency=252).to_numpy()
    ours = expected_returns(prices, "geometric" if compounding else "mean")
    close(ours.values, hist)
    kwargs = {} if span is None else {"span": span}
    ema = peer.ema_historical_return(df, compounding=compounding, frequency=252, **kwargs).to_numpy()
    close(expected_returns(prices, "ewma", compounding=compounding, **kwargs).values, ema)


def test_compounding_options():
    x = random_returns(np.random.default_rng(22), 250, 3)
    m = x.mean(axis=0)
    close(expected_returns(x, "mean", 12, data_kind="returns", compounding=True).values, (1 + m) ** 12 - 1)
    g = np.prod(1 + x, axis=0) ** (1 / 250) - 1
    close(expected_returns(x, "geometric", 12, data_kind="returns", compounding=False).values, g * 12)
    close(expected_returns(x, "geometric", 12, data_kind="returns").values, (1 + g) ** 12 - 1)


@pytest.mark.parametrize("method", [m for m in ALL_COVARIANCE_METHODS if m not in COVARIANCE_METHODS])
def test_new_methods_symmetric_psd_and_scale(method):
    x = random_returns(np.random.default_rng(23), 90, 10)
    m = covariance(x, method, periods_per_year=1).matrix
    assert np.array_equal(m, m.T)
    assert np.linalg.eigvalsh(m)[0] >= -1e-14 * np.abs(m).max()
    np.testing.assert_allclose(covariance(x, method, periods_per_year=12).matrix, 12 * m, rtol=1e-12)


def test_prices_give_the_same_as_their_returns():
    x = random_returns(np.random.default_rng(24), 100, 5)
    prices = 100 * np.cumprod(1 + np.vstack([np.zeros(5), x]), axis=0)
    for method in ALL_COVARIANCE_METHODS:
        np.testing.assert_allclose(covariance(prices, method, data_kind="prices").matrix, covariance(x, method).matrix,
                                   rtol=1e-9)


def test_new_kernels_match_their_python_versions():
    x = random_returns(np.random.default_rng(25), 50, 6)
    xc = moments._centered(x, np.ones(50))
    np.testing.assert_array_equal(moments._downside(x, 0.001), moments._downside.py_func(x, 0.001))
    np.testing.assert_allclose(moments._scaled_rows(x, np.linspace(0.1, 1, 50)),
                               moments._scaled_rows.py_func(x, np.linspace(0.1, 1, 50)), rtol=1e-15)
    sample = xc.T @ xc / 50
    r1, f1 = shrinkage._constant_correlation_target(sample)
    r2, f2 = shrinkage._constant_correlation_target.py_func(sample)
    assert r1 == pytest.approx(r2, rel=1e-13)
    np.testing.assert_allclose(f1, f2, rtol=1e-13)
    assert shrinkage._constant_correlation_shrinkage(xc, sample, r1, f1) == pytest.approx(
        shrinkage._constant_correlation_shrinkage.py_func(xc, sample, r1, f1), rel=1e-12)
    a = shrinkage._single_factor(xc)
    b = shrinkage._single_factor.py_func(xc)
    assert a[0] == pytest.approx(b[0], rel=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-13)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "sample", "shrinkage": 0.2},
         r"shrinkage: works with ledoit_wolf, oas, ledoit_wolf_constant_correlation, ledoit_wolf_single_factor only"),
        ({"method": "ledoit_wolf", "shrinkage": 1.5}, r"shrinkage: must be <= 1, got 1\.5\."),
        ({"method": "exp_cov", "span": 0.5}, r"span: must be >= 1, got 0\.5\."),
        ({"method": "ewma", "span": 30, "halflife": 10}, r"span: give halflife or span, not both\."),
        ({"method": "semicovariance", "benchmark": np.nan}, r"benchmark: expected a finite number, got nan\."),
    ],
)
def test_bad_input(kwargs, message):
    x = random_returns(np.random.default_rng(0), 30, 3)
    with pytest.raises(InputError, match=message):
        covariance(x, **kwargs)


def test_bad_input_expected_returns():
    x = [[1.0], [1.1], [1.2]]
    with pytest.raises(InputError, match=r"span: works with method='ewma' only, got method='mean'\."):
        expected_returns(x, span=20)
    with pytest.raises(InputError, match=r"compounding: expected TRUE or FALSE, got 'yes'\."):
        expected_returns(x, compounding="yes")
