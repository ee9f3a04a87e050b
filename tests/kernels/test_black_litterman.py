"""Black-Litterman against the published examples, PyPortfolioOpt and closed-form properties."""

import numpy as np
import pandas as pd
import pytest

from kernels import (
    InputError,
    black_litterman,
    market_implied_returns,
    market_implied_risk_aversion,
)
from kernels.views import posterior as posterior_module
from tests.conftest import random_cov
from tests.naive import idzorek_omega_by_search, peer_csv
from tests.tolerances import (
    ATOL_PRINTED_HL,
    ATOL_PRINTED_IDZOREK_RETURNS,
    ATOL_PRINTED_IDZOREK_WEIGHTS,
    ATOL_PRINTED_PYPFOPT,
    RTOL_CLOSED_FORM,
    RTOL_PEER_LINALG,
)

# ---------------------------------------------------------------- He & Litterman (1999)
# Inputs: Table 1 (correlations), Table 2 (volatilities, market weights); delta = 2.5, tau = 0.05 (footnote 8).
HL_CORR = np.array([
    [1.000, 0.488, 0.478, 0.515, 0.439, 0.512, 0.491],
    [0.488, 1.000, 0.664, 0.655, 0.310, 0.608, 0.779],
    [0.478, 0.664, 1.000, 0.861, 0.355, 0.783, 0.668],
    [0.515, 0.655, 0.861, 1.000, 0.354, 0.777, 0.653],
    [0.439, 0.310, 0.355, 0.354, 1.000, 0.405, 0.306],
    [0.512, 0.608, 0.783, 0.777, 0.405, 1.000, 0.652],
    [0.491, 0.779, 0.668, 0.653, 0.306, 0.652, 1.000],
])  # Australia, Canada, France, Germany, Japan, UK, USA
HL_VOL = np.array([0.160, 0.203, 0.248, 0.271, 0.210, 0.200, 0.187])
HL_COV = HL_CORR * np.outer(HL_VOL, HL_VOL)
HL_W = np.array([0.016, 0.022, 0.052, 0.055, 0.116, 0.124, 0.615])
HL_PI = np.array([3.9, 6.9, 8.4, 9.0, 4.3, 6.8, 7.6]) / 100  # Table 2, equilibrium returns
VIEW_GERMANY = [0, 0, -0.295, 1, 0, -0.705, 0]  # Germany beats France and the UK (cap-weighted) by 5%
VIEW_CANADA = [0, 1, 0, 0, 0, 0, -1]  # Canada beats the US
# table: (P, Q, factor on view 1's omega, posterior returns %, w* %, w* - w_eq / (1 + tau) %)
HL_TABLES = {
    4: ([VIEW_GERMANY], [0.05], 1, [4.3, 7.6, 9.3, 11.0, 4.5, 7.0, 8.1], [1.5, 2.1, -4.0, 35.4, 11.0, -9.5, 58.6],
        [0, 0, -8.9, 30.2, 0, -21.3, 0]),
    5: ([VIEW_GERMANY, VIEW_CANADA], [0.05, 0.03], 1, [4.4, 8.7, 9.5, 11.2, 4.6, 7.0, 7.5],
        [1.5, 41.9, -3.4, 33.6, 11.0, -8.2, 18.8], [0, 39.8, -8.4, 28.4, 0, -20.0, -39.8]),
    6: ([VIEW_GERMANY, VIEW_CANADA], [0.05, 0.04], 1, [4.4, 9.1, 9.5, 11.3, 4.6, 7.0, 7.3],
        [1.5, 53.3, -3.3, 33.1, 11.0, -7.8, 7.3], [0, 51.3, -8.2, 27.8, 0, -19.6, -51.3]),
    7: ([VIEW_GERMANY, VIEW_CANADA], [0.05, 0.04], 2, [4.3, 8.9, 9.3, 10.6, 4.6, 6.9, 7.2],
        [1.5, 53.9, -0.5, 23.6, 11.0, -1.1, 6.8], [0, 51.8, -5.4, 18.4, 0, -13.0, -51.8]),
}


def test_he_litterman_equilibrium_returns_table_2():
    r = black_litterman(HL_COV, market_weights=HL_W, risk_aversion=2.5)
    np.testing.assert_allclose(r.implied_returns, HL_PI, atol=ATOL_PRINTED_HL)
    np.testing.assert_allclose(market_implied_returns(HL_COV, HL_W, 2.5), r.implied_returns, rtol=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("table", sorted(HL_TABLES))
def test_he_litterman_tables_4_to_7(table):
    """Posterior returns, optimal weights w* = (delta C_post)^-1 mu and their deviation from w_eq / (1 + tau)."""
    P, Q, factor, mu_pct, w_pct, dev_pct = HL_TABLES[table]
    P = np.array(P, float)
    omega = None
    if factor != 1:  # Table 7: the uncertainty of the first view doubled
        omega = np.diag(0.05 * np.diag(P @ HL_COV @ P.T)) * np.diag([factor, 1.0])
    r = black_litterman(HL_COV, market_weights=HL_W, risk_aversion=2.5, P=P, Q=Q, omega=omega, tau=0.05)
    w_star = np.linalg.solve(2.5 * r.cov, r.returns)
    np.testing.assert_allclose(r.returns, np.array(mu_pct) / 100, atol=ATOL_PRINTED_HL)
    np.testing.assert_allclose(w_star, np.array(w_pct) / 100, atol=ATOL_PRINTED_HL)
    np.testing.assert_allclose(w_star - HL_W / 1.05, np.array(dev_pct) / 100, atol=ATOL_PRINTED_HL)
    assert r.omega_method == ("proportional" if omega is None else "given")


# ---------------------------------------------------------------- Idzorek (2005)
# Inputs: market weights and the excess-return covariance (printed to 6 decimals), delta = 3.07, tau = 0.025.
# Transcriptions of the covariance differ in two entries: [2, 2] is 0.059852 (it gives the printed omega_3 =
# 0.000866; 0.059582 gives 0.000860) and [4, 6] is 0.039943 (0.039443 puts the implied US small growth return
# 2.7 bp from the printed 7.43%).
IDZ_W = np.array([0.1934, 0.2613, 0.1209, 0.1209, 0.0134, 0.0134, 0.2418, 0.0349])
IDZ_COV = np.array([
    [0.001005, 0.001328, -0.000579, -0.000675, 0.000121, 0.000128, -0.000445, -0.000437],
    [0.001328, 0.007277, -0.001307, -0.000610, -0.002237, -0.000989, 0.001442, -0.001535],
    [-0.000579, -0.001307, 0.059852, 0.027588, 0.063497, 0.023036, 0.032967, 0.048039],
    [-0.000675, -0.000610, 0.027588, 0.029609, 0.026572, 0.021465, 0.020697, 0.029854],
    [0.000121, -0.002237, 0.063497, 0.026572, 0.102488, 0.042744, 0.039943, 0.065994],
    [0.000128, -0.000989, 0.023036, 0.021465, 0.042744, 0.032056, 0.019881, 0.032235],
    [-0.000445, 0.001442, 0.032967, 0.020697, 0.039943, 0.019881, 0.028355, 0.035064],
    [-0.000437, -0.001535, 0.048039, 0.029854, 0.065994, 0.032235, 0.035064, 0.079958],
])  # US bonds, int'l bonds, US large growth, US large value, US small growth, US small value, int'l dev., EM
IDZ_P = np.array([[0, 0, 0, 0, 0, 0, 1, 0], [-1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0.9, -0.9, 0.1, -0.1, 0, 0]], float)
IDZ_Q = np.array([0.0525, 0.0025, 0.02])
IDZ_CONF = np.array([0.25, 0.50, 0.65])
IDZ_PI = np.array([0.08, 0.67, 6.41, 4.08, 7.43, 3.70, 4.80, 6.60]) / 100  # implied equilibrium returns
IDZ_MU = np.array([0.07, 0.50, 6.50, 4.32, 7.59, 3.94, 4.93, 6.84]) / 100  # combined returns, omega = diag(P tau C P')
IDZ_WEIGHTS = np.array([29.88, 15.59, 9.35, 14.82, 1.04, 1.65, 27.81, 3.49]) / 100  # their weights
IDZ_WEIGHTS_100 = np.array([43.82, 1.65, 3.81, 20.37, 0.42, 2.26, 35.21, 3.49]) / 100  # every view at 100%
IDZ_IMPLIED_CONFIDENCE = {1: 0.3294, 2: 0.4306, 3: 0.3302}  # view -> tilt of omega = diag(P tau C P') / 100% tilt


def _idzorek(**kwargs):
    return black_litterman(IDZ_COV, market_weights=IDZ_W, risk_aversion=3.07, P=IDZ_P, Q=IDZ_Q, tau=0.025, **kwargs)


def test_idzorek_implied_returns_combined_returns_and_weights():
    r = _idzorek()
    np.testing.assert_allclose(r.implied_returns, IDZ_PI, atol=ATOL_PRINTED_IDZOREK_RETURNS)
    np.testing.assert_allclose(r.returns, IDZ_MU, atol=ATOL_PRINTED_IDZOREK_RETURNS)
    np.testing.assert_allclose(r.weights, IDZ_WEIGHTS, atol=ATOL_PRINTED_IDZOREK_WEIGHTS)
    # omega = diag(P tau C P'): 0.000709, 0.000141, 0.000866 as printed
    np.testing.assert_allclose(np.diag(r.omega), [0.000709, 0.000141, 0.000866], atol=1.3e-6)


def test_idzorek_full_confidence_weights_and_implied_confidence_levels():
    full = _idzorek(confidences=[1.0, 1.0, 1.0])
    np.testing.assert_allclose(full.weights, IDZ_WEIGHTS_100, atol=ATOL_PRINTED_IDZOREK_WEIGHTS)
    np.testing.assert_array_equal(full.omega, np.zeros((3, 3)))
    np.testing.assert_allclose(full.posterior_view_returns, IDZ_Q, rtol=1e-10)
    default = _idzorek()
    for view, asset in ((1, 6), (2, 1), (3, 2)):
        ratio = (default.weights[asset] - IDZ_W[asset]) / (full.weights[asset] - IDZ_W[asset])
        assert ratio == pytest.approx(IDZ_IMPLIED_CONFIDENCE[view], abs=2e-3)


def test_idzorek_confidences_reproduce_his_procedure():
    """omega from the closed form equals Idzorek's step-by-step search (per view, as in his paper)."""
    r = _idzorek(confidences=IDZ_CONF)
    searched = idzorek_omega_by_search(IDZ_COV, r.implied_returns, IDZ_P, IDZ_Q, IDZ_CONF, 0.025, 3.07)
    np.testing.assert_allclose(np.diag(r.omega), searched, rtol=1e-8)
    assert r.omega_method == "idzorek"
    # each view alone moves the weights exactly its confidence of the way to the 100% weights
    for k, c in enumerate(IDZ_CONF):
        one = black_litterman(IDZ_COV, market_weights=IDZ_W, risk_aversion=3.07, P=IDZ_P[k], Q=IDZ_Q[k:k + 1],
                              tau=0.025, confidences=[c])
        certain = black_litterman(IDZ_COV, market_weights=IDZ_W, risk_aversion=3.07, P=IDZ_P[k], Q=IDZ_Q[k:k + 1],
                                  tau=0.025, confidences=[1.0])
        np.testing.assert_allclose(one.weights - IDZ_W, c * (certain.weights - IDZ_W), atol=1e-14)


# ---------------------------------------------------------------- PyPortfolioOpt


def _pypfopt_bl(cov, pi, P, Q, **kwargs):
    from pypfopt.black_litterman import BlackLittermanModel

    names = [f"A{i}" for i in range(len(pi))]
    S = pd.DataFrame(cov, index=names, columns=names)
    bl = BlackLittermanModel(S, pi=pd.Series(pi, index=names), P=np.asarray(P, float),
                             Q=np.asarray(Q, float).reshape(-1, 1), **kwargs)
    return bl.bl_returns().to_numpy(), bl.bl_cov().to_numpy(), bl.omega


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("omega_kind", ["proportional", "idzorek", "given"])
def test_against_pypfopt_on_random_problems(seed, omega_kind):
    rng = np.random.default_rng(seed)
    n, k = 12, 4
    cov = random_cov(rng, n)
    w = rng.uniform(0.1, 1.0, n)
    P = np.zeros((k, n))
    P[0, 3] = 1.0  # absolute
    P[1, [1, 2]] = [1.0, -1.0]  # relative
    P[2, [4, 5, 6, 7]] = [0.5, 0.5, -0.5, -0.5]
    P[3, 9] = 1.0
    Q = rng.normal(0.05, 0.03, k)
    tau = float(rng.uniform(0.01, 0.2))
    kwargs, peer = {}, {}
    if omega_kind == "idzorek":
        conf = rng.uniform(0.05, 1.0, k)
        kwargs = {"confidences": conf}
        peer = {"omega": "idzorek", "view_confidences": conf, "risk_aversion": 2.5}
    elif omega_kind == "given":
        om = np.diag(rng.uniform(1e-4, 1e-2, k))
        kwargs = {"omega": om}
        peer = {"omega": om}
    r = black_litterman(cov, market_weights=w, risk_aversion=2.5, P=P, Q=Q, tau=tau, risk_free_rate=0.02, **kwargs)
    mu, post_cov, omega = _pypfopt_bl(cov, r.implied_returns, P, Q, tau=tau, **peer)
    np.testing.assert_allclose(r.returns, mu, rtol=RTOL_PEER_LINALG, atol=1e-15)
    np.testing.assert_allclose(r.cov, post_cov, rtol=RTOL_PEER_LINALG, atol=1e-15)
    np.testing.assert_allclose(r.omega, omega, rtol=RTOL_PEER_LINALG, atol=1e-18)


def test_against_pypfopt_market_prior_and_risk_aversion_functions():
    from pypfopt.black_litterman import market_implied_prior_returns
    from pypfopt.black_litterman import market_implied_risk_aversion as peer_delta

    rng = np.random.default_rng(3)
    cov = random_cov(rng, 8)
    caps = rng.uniform(1e9, 1e12, 8)
    names = [f"A{i}" for i in range(8)]
    peer = market_implied_prior_returns(pd.Series(caps, index=names), 2.7, pd.DataFrame(cov, names, names), 0.02)
    np.testing.assert_allclose(market_implied_returns(cov, caps, 2.7, risk_free_rate=0.02), peer.to_numpy(),
                               rtol=RTOL_PEER_LINALG)
    prices = 100 * np.cumprod(1 + rng.normal(4e-4, 0.01, 600))
    assert market_implied_risk_aversion(prices, risk_free_rate=0.02) == pytest.approx(
        peer_delta(pd.Series(prices), risk_free_rate=0.02), rel=RTOL_PEER_LINALG)


def test_pypfopt_published_test_values():
    """PyPortfolioOpt's own test_black_litterman.py numbers on its stock_prices.csv / spy_prices.csv."""
    from pypfopt import expected_returns, risk_models

    df, spy = peer_csv("stock_prices.csv"), peer_csv("spy_prices.csv")
    # test_market_risk_aversion: 2.68549 to 5 decimals
    assert round(market_implied_risk_aversion(spy.to_numpy().ravel(), risk_free_rate=0.02), 5) == 2.68549
    # test_market_implied_prior
    S = risk_models.sample_cov(df).to_numpy()
    delta = market_implied_risk_aversion(spy.to_numpy().ravel(), risk_free_rate=0.02)
    mcaps = [927e9, 1.19e12, 574e9, 533e9, 867e9, 96e9, 43e9, 339e9, 301e9, 51e9, 61e9, 78e9, 0, 295e9, 1e9, 22e9,
             288e9, 212e9, 422e9, 102e9]
    pi = market_implied_returns(S, mcaps, delta, risk_free_rate=0.02)
    np.testing.assert_allclose(pi, [0.14933293, 0.2168623, 0.11219185, 0.10362374, 0.28416295, 0.12196098, 0.19036819,
                                    0.08860159, 0.17724273, 0.08779627, 0.0791797, 0.16460474, 0.12854665, 0.08657863,
                                    0.11230036, 0.13875465, 0.15017163, 0.09066484, 0.1696369, 0.13270213],
                               atol=ATOL_PRINTED_PYPFOPT)
    # test_bl_returns_all_views: prior = ema_historical_return, cov = Ledoit-Wolf, a 10% view on every asset
    prior = expected_returns.ema_historical_return(df).to_numpy()
    lw = risk_models.CovarianceShrinkage(df).ledoit_wolf().to_numpy()
    r = black_litterman(lw, prior_returns=prior, absolute_views=np.full(20, 0.1))
    np.testing.assert_allclose(r.returns, [0.11168648, 0.16782938, 0.12516799, 0.24067997, 0.32848296, -0.22789895,
                                           0.16311297, 0.11928542, 0.25414308, 0.11007738, 0.06282615, -0.03140218,
                                           -0.16977172, 0.05254821, -0.10463884, 0.32173375, 0.26399864, 0.1118594,
                                           0.22999558, 0.08977448], atol=ATOL_PRINTED_PYPFOPT)


# ---------------------------------------------------------------- properties


def test_no_views_gives_the_prior_and_market_weights():
    cov = random_cov(np.random.default_rng(5), 6)
    w = np.arange(1, 7.0)
    r = black_litterman(cov, market_weights=w, risk_aversion=3.0)
    np.testing.assert_allclose(r.returns, 3.0 * cov @ (w / w.sum()), rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(r.cov, 1.05 * cov, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(r.weights, w / w.sum(), rtol=RTOL_CLOSED_FORM)
    assert r.omega.shape == (0, 0) and r.P.shape == (0, 6)


def test_zero_confidence_ignores_a_view_and_full_confidence_imposes_it():
    cov = random_cov(np.random.default_rng(6), 5)
    P = [[1, 0, 0, 0, 0], [0, 1, -1, 0, 0]]
    r = black_litterman(cov, market_weights=np.ones(5), risk_aversion=2.5, P=P, Q=[0.2, 0.03], confidences=[0, 1])
    only = black_litterman(cov, market_weights=np.ones(5), risk_aversion=2.5, P=P[1], Q=[0.03], confidences=[1])
    np.testing.assert_allclose(r.returns, only.returns, rtol=RTOL_CLOSED_FORM)
    assert r.posterior_view_returns[1] == pytest.approx(0.03, rel=1e-12)
    assert np.isinf(r.omega[0, 0]) and r.omega[1, 1] == 0.0


def test_posterior_between_prior_and_view_and_psd_with_the_explicit_inverse_form():
    rng = np.random.default_rng(7)
    cov = random_cov(rng, 9)
    P = rng.normal(size=(3, 9))
    Q = rng.normal(0.05, 0.02, 3)
    pi = rng.normal(0.06, 0.02, 9)
    r = black_litterman(cov, prior_returns=pi, P=P, Q=Q, tau=0.1)
    # the "master formula" with Omega inverted (He & Litterman eq. 8-9)
    ts_inv = np.linalg.inv(0.1 * cov)
    om_inv = np.linalg.inv(r.omega)
    m = np.linalg.inv(ts_inv + P.T @ om_inv @ P)
    np.testing.assert_allclose(r.returns, m @ (ts_inv @ pi + P.T @ om_inv @ Q), rtol=1e-9)
    np.testing.assert_allclose(r.cov, cov + m, rtol=1e-9)
    assert np.linalg.eigvalsh(r.cov)[0] > 0
    assert np.array_equal(r.cov, r.cov.T)
    assert np.all(np.isnan(r.weights))  # no risk aversion given with a prior of one's own


def test_market_sharpe_sets_risk_aversion():
    cov = random_cov(np.random.default_rng(8), 4)
    w = np.array([0.4, 0.3, 0.2, 0.1])
    r = black_litterman(cov, market_weights=w, market_sharpe=0.5)
    assert r.risk_aversion == pytest.approx(0.5 / np.sqrt(w @ cov @ w), rel=RTOL_CLOSED_FORM)
    # the market's implied Sharpe ratio is then the one given
    assert (w @ r.implied_returns) / np.sqrt(w @ cov @ w) == pytest.approx(0.5, rel=1e-12)


def test_given_prior_weights_use_the_cholesky_factor():
    cov = random_cov(np.random.default_rng(9), 5)
    pi = np.linspace(0.03, 0.09, 5)
    r = black_litterman(cov, prior_returns=pi, risk_aversion=2.0, P=[[0, 0, 1, -1, 0]], Q=[0.01], risk_free_rate=0.01)
    np.testing.assert_allclose(r.weights, np.linalg.solve(2.0 * cov, r.returns - 0.01), rtol=1e-10)


def test_kernel_matches_its_python_version():
    rng = np.random.default_rng(10)
    cov = random_cov(rng, 7)
    P = rng.normal(size=(3, 7))
    args = (cov, rng.normal(size=7) * 0.05, P, rng.normal(size=3) * 0.05,
            np.diag([1e-3, 0, 0]), np.array([0.0, 1.0, 0.5]), 0.05)
    a = posterior_module._posterior(*args)
    b = posterior_module._posterior.py_func(*args)
    assert a.status == b.status == 0
    for x, y in zip(a[1:], b[1:]):
        np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-17)


@pytest.mark.parametrize("n, k", [(2, 1), (7, 3), (60, 9)])
def test_posterior_cov_update_is_exactly_symmetric_and_matches_numpy(n, k):
    """The row-by-row update (1 + tau) C - B'B (compiled, and its Python loops) against NumPy's product."""
    rng = np.random.default_rng(n)
    cov = random_cov(rng, n)
    bt = rng.normal(size=(k, n)) * 0.01
    expected = 1.05 * cov - bt.T @ bt
    for fn in (posterior_module._posterior_cov, posterior_module._posterior_cov.py_func):
        got = fn(cov, bt, 0.05)
        np.testing.assert_array_equal(got, got.T)
        np.testing.assert_allclose(got, expected, rtol=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("n, k", [(12, 1), (40, 5), (150, 12)])
def test_posterior_against_the_textbook_inverse_form(n, k):
    """returns = [(tau C)^-1 + P' Omega^-1 P]^-1 [(tau C)^-1 pi + P' Omega^-1 Q], M = [(tau C)^-1 + P' Omega^-1 P]^-1,
    cov = C + M (He & Litterman 1999, eqs. 8-9 with explicit inverses, the form we avoid)."""
    rng = np.random.default_rng(k)
    cov = random_cov(rng, n)
    P = rng.normal(size=(k, n))
    Q = rng.normal(size=k) * 0.05
    w = rng.dirichlet(np.ones(n))
    tau = 0.05
    r = black_litterman(cov, market_weights=w, risk_aversion=2.5, P=P, Q=Q, tau=tau)
    pi = 2.5 * cov @ w
    omega_inv = np.diag(1.0 / (tau * np.diag(P @ cov @ P.T)))
    prior_precision = np.linalg.inv(tau * cov)
    M = np.linalg.inv(prior_precision + P.T @ omega_inv @ P)
    np.testing.assert_allclose(r.returns, M @ (prior_precision @ pi + P.T @ omega_inv @ Q), rtol=RTOL_PEER_LINALG)
    np.testing.assert_allclose(r.cov, cov + M, rtol=RTOL_PEER_LINALG)
    np.testing.assert_allclose(r.implied_view_returns, P @ pi, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(r.posterior_view_returns, P @ r.returns, rtol=RTOL_CLOSED_FORM)


# ---------------------------------------------------------------- bad input

COV3 = np.diag([0.04, 0.02, 0.01])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, r"market_weights: give market_weights \(market-implied prior\) or prior_returns, one of them\."),
        ({"market_weights": [1, 1, 1]}, r"risk_aversion: missing; give the market's risk aversion \(2\.5 is common\)"),
        ({"market_weights": [1, -1, 1], "risk_aversion": 2}, r"market_weights: asset 2 is -1; give market capitalisations or weights >= 0\."),
        ({"market_weights": [1, 1], "risk_aversion": 2}, r"market_weights: expected 3 values \(one per asset"),
        ({"market_weights": [1, 1, 1], "risk_aversion": -2}, r"risk_aversion: must be > 0, got -2\."),
        ({"market_weights": [1, 1, 1], "risk_aversion": 2, "market_sharpe": 0.4}, r"market_sharpe: give risk_av"),
        ({"prior_returns": [0.1, 0.1, 0.1], "market_sharpe": 0.4}, r"market_sharpe: needs market_weights"),
        ({"prior_returns": [0.1, np.nan, 0.1]}, r"prior_returns: missing or non-finite value at position 2"),
        ({"prior_returns": [0.1] * 3, "tau": 0}, r"tau: must be > 0, got 0\."),
        ({"prior_returns": [0.1] * 3, "tau": 2}, r"tau: must be <= 1, got 2\."),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]]}, r"Q: missing; give one expected return per view"),
        ({"prior_returns": [0.1] * 3, "Q": [0.1]}, r"P: missing; give one row of asset weights per view"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0]], "Q": [0.1]}, r"P: expected 3 columns \(one per asset\), got 2\."),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1, 0.2]}, r"Q: expected 1 values \(one per view, rows"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0], [0, 0, 0]], "Q": [0.1, 0.2]}, r"P: view 2 has all weights zer"),
        ({"prior_returns": [0.1] * 3, "P": [[1, "x", 0]], "Q": [0.1]}, r"P: expected numbers, found text"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1], "confidences": [1.2]},
         r"confidences: view 1 has 1\.2; confidences must be between 0 and 1 \(0\.5 = 50%\)\."),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1], "confidences": [0.5, 0.5]},
         r"confidences: expected 1 values \(one per view\), got 2\."),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1], "omega": "idzorek"}, r"confidences: missing;"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1], "omega": "proportional", "confidences": [0.5]},
         r"confidences: work with omega='idzorek' only"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1], "omega": "meucci"},
         r"omega: expected one of proportional, idzorek, got 'meucci'\."),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1], "omega": [-0.1]}, r"omega: view 1 has variance -0"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1], "omega": [0.1, 0.2]},
         r"omega: expected 1 view variances \(one per view\), got 2\."),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0], [0, 1, 0]], "Q": [0.1, 0.1], "omega": [[1, 2], [2, 1]]},
         r"omega: not positive semi-definite"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0], [2, 0, 0]], "Q": [0.1, 0.2], "omega": [0, 0]},
         r"P: the views repeat each other"),
        ({"prior_returns": [0.1] * 3, "absolute_views": [0.1, np.inf, np.nan]}, r"absolute_views: asset 2 is infinite"),
    ],
)
def test_bad_input_messages(kwargs, message):
    with pytest.raises(InputError, match=message):
        black_litterman(COV3, **kwargs)


def _as_float_arrays(kwargs):
    return {key: np.array(v, dtype=np.float64) if not isinstance(v, (str, int, float)) and key != "cov" else v
            for key, v in kwargs.items()}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"market_weights": [1, -1, 1], "risk_aversion": 2}, r"market_weights: asset 2 is -1; give market"),
        ({"market_weights": [1, np.nan, 1], "risk_aversion": 2}, r"market_weights: missing or non-finite value at position 2"),
        ({"market_weights": [1, np.inf, 1], "risk_aversion": 2}, r"market_weights: missing or non-finite value at position 2"),
        ({"market_weights": [0, 0, 0], "risk_aversion": 2}, r"market_weights: all zero; give each asset's market"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0], [0, 0, 0]], "Q": [0.1, 0.2]}, r"P: view 2 has all weights zer"),
        ({"prior_returns": [0.1] * 3, "P": [[1, np.nan, 0]], "Q": [0.1]}, r"P: missing or non-finite value at row 1, column 2"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [np.inf]}, r"Q: missing or non-finite value at position 1"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0, 0]], "Q": [0.1, 0.2]}, r"Q: expected 1 values \(one per view, rows"),
        ({"prior_returns": [0.1] * 3, "P": [[1, 0]], "Q": [0.1]}, r"P: expected 3 columns \(one per asset\), got 2\."),
    ],
)
def test_float64_arrays_get_the_same_messages(kwargs, message):
    """Float64 arrays take the conversion-free checks; whatever they refuse gets the rule's own message."""
    with pytest.raises(InputError, match=message):
        black_litterman(COV3, **_as_float_arrays(kwargs))


def test_float64_arrays_and_lists_give_the_same_posterior():
    cov = random_cov(np.random.default_rng(3), 6)
    kwargs = {"market_weights": [3.0, 1.0, 2.0, 0.0, 1.0, 5.0], "P": [[1, -1, 0, 0, 0, 0], [0, 0, 0.5, 0.5, -1, 0]],
              "Q": [0.02, 0.01]}
    arrays = _as_float_arrays(kwargs)
    a = black_litterman(cov.tolist(), risk_aversion=2.5, **kwargs)
    b = black_litterman(cov, risk_aversion=2.5, **arrays)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.shares_memory(b.P, arrays["P"]) and not np.shares_memory(b.Q, arrays["Q"])  # no alias of an input



def test_bad_covariance_and_market_prices():
    with pytest.raises(InputError, match=r"cov: not positive semi-definite"):
        black_litterman([[1, 2], [2, 1]], prior_returns=[0.1, 0.1])
    with pytest.raises(InputError, match=r"cov: expected a square matrix \(n_assets x n_assets\), got 2 x 3\."):
        black_litterman(np.ones((2, 3)), prior_returns=[0.1, 0.1])
    with pytest.raises(InputError, match=r"market_prices: price at row 2, column 1 is 0; prices must be > 0\."):
        market_implied_risk_aversion([100, 0, 101])
    with pytest.raises(InputError, match=r"market_prices: expected one column \(a market index\), got 2 columns\."):
        market_implied_risk_aversion([[100, 1], [101, 2], [102, 3]])


@pytest.mark.parametrize("n", [5, 150])
def test_check_psd_false_gives_the_same_result_without_the_psd_test(n):
    """``check_psd=False`` skips only the factorisation: the same posterior, weights (a given prior's from
    a factor computed on demand) and the same messages for every other rule; a matrix not PSD then passes."""
    cov = random_cov(np.random.default_rng(n), n)
    P = np.zeros((2, n))
    P[0, [0, 1]] = [1.0, -1.0]
    P[1, 2] = 1.0
    kw = {"P": P, "Q": [0.01, 0.05]}
    for prior in ({"market_weights": np.linspace(1.0, 2.0, n), "risk_aversion": 2.5},
                  {"prior_returns": np.linspace(0.03, 0.09, n), "risk_aversion": 2.0, "risk_free_rate": 0.01}):
        checked = black_litterman(cov, **prior, **kw)
        unchecked = black_litterman(cov, **prior, **kw, check_psd=False)
        for a, b in zip(checked, unchecked):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    pi = np.linspace(0.03, 0.09, n)
    np.testing.assert_allclose(black_litterman(cov, prior_returns=pi, risk_aversion=2.0, **kw, check_psd=False).weights,
                               np.linalg.solve(2.0 * cov, black_litterman(cov, prior_returns=pi, **kw).returns),
                               rtol=1e-10)
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(InputError, match=r"cov: not positive semi-definite"):
        black_litterman(bad, prior_returns=[0.1, 0.1], P=[[1, 0]], Q=[0.1])
    r = black_litterman(bad, prior_returns=[0.1, 0.1], risk_aversion=2.0, P=[[1, 0]], Q=[0.1], check_psd=False)
    assert np.isnan(r.weights).all()  # no Cholesky factor of an indefinite matrix: no weights
    with pytest.raises(InputError, match=r"cov: expected a square matrix \(n_assets x n_assets\), got 2 x 3\."):
        black_litterman(np.ones((2, 3)), prior_returns=[0.1, 0.1], check_psd=False)
