"""L2 regularisation (``gamma``) and quadratic utility (``risk_aversion``) of the mean-variance optimisers
(issue 16), against cvxpy/Clarabel solving PyPortfolioOpt's objectives and against PyPortfolioOpt itself."""

from __future__ import annotations

import numpy as np
import pytest

from kernels import InfeasibleError, InputError, efficient_frontier, efficient_portfolio, max_sharpe, min_variance
from tests.naive import cvxpy_options, linear_constraints, peer_csv, random_problem
from tests.tolerances import (
    ATOL_FEASIBLE,
    ATOL_ORACLE_WEIGHTS,
    ATOL_ORACLE_WEIGHTS_FLAT,
    ATOL_PYPFOPT_WEIGHTS,
    RTOL_CLOSED_FORM,
    RTOL_QP,
)


def _kw(p):
    return {"lower": p.lower, "upper": p.upper, "constraints": linear_constraints(p)}


def _targets(p, gamma):
    """A return and a volatility inside the attainable ranges (of the regularised and the plain frontier)."""
    f = efficient_frontier(p.mu, p.cov, 2, **_kw(p))
    r_lo = min_variance(p.cov, expected_returns=p.mu, gamma=gamma, **_kw(p)).expected_return
    return 0.5 * (r_lo + f.turning_points.returns[-1]), float(np.mean(f.turning_points.volatilities[[0, -1]]))


CASES = [(seed, groups, gamma) for seed in range(6) for groups in (False, True) for gamma in (0.0, 0.05, 1.0)]


@pytest.mark.parametrize(("seed", "groups", "gamma"), CASES)
def test_l2_against_cvxpy(seed, groups, gamma):
    p = random_problem(seed, 8, groups=groups)
    tr, ts = _targets(p, gamma)
    rf = float(np.min(p.mu)) - 0.01
    ours = {
        "min_variance": min_variance(p.cov, gamma=gamma, **_kw(p)).weights,
        "target_return": efficient_portfolio(p.mu, p.cov, target_return=tr, gamma=gamma, **_kw(p)).weights,
        "target_risk": efficient_portfolio(p.mu, p.cov, target_risk=ts, gamma=gamma, **_kw(p)).weights,
        "max_sharpe": max_sharpe(p.mu, p.cov, rf, gamma=gamma, **_kw(p)).weights,
    }
    for kind, w in ours.items():
        target = tr if kind == "target_return" else ts
        want = cvxpy_options(p, kind, gamma=gamma, target=target, rf=rf)
        if kind == "target_risk":  # flat near the optimum: the objective decides, weights to Clarabel's precision
            theirs = p.mu @ want - gamma * want @ want
            assert p.mu @ w - gamma * w @ w >= theirs - RTOL_QP * abs(theirs)
            assert np.sqrt(w @ p.cov @ w) <= ts * (1 + RTOL_CLOSED_FORM)
        atol = ATOL_ORACLE_WEIGHTS_FLAT if kind == "target_risk" else ATOL_ORACLE_WEIGHTS
        np.testing.assert_allclose(w, want, atol=atol, err_msg=kind)
        assert abs(w.sum() - 1.0) < ATOL_FEASIBLE and np.all(w >= p.lower - ATOL_FEASIBLE)
    # the reported volatility is under C, not C + gamma I
    r = min_variance(p.cov, gamma=gamma, **_kw(p))
    assert r.volatility == pytest.approx(np.sqrt(r.weights @ p.cov @ r.weights), rel=RTOL_CLOSED_FORM)


@pytest.mark.parametrize(("seed", "groups", "gamma"), CASES)
@pytest.mark.parametrize("delta", [0.5, 3.0, 40.0])
def test_quadratic_utility_against_cvxpy(seed, groups, gamma, delta):
    p = random_problem(seed, 8, groups=groups)
    r = efficient_portfolio(p.mu, p.cov, risk_aversion=delta, gamma=gamma, **_kw(p))
    want = cvxpy_options(p, "utility", gamma=gamma, delta=delta)
    np.testing.assert_allclose(r.weights, want, atol=ATOL_ORACLE_WEIGHTS)
    if gamma == 0.0:
        assert r.risk_tolerance == pytest.approx(1.0 / delta, rel=RTOL_CLOSED_FORM)


def test_more_l2_spreads_the_weights():
    p = random_problem(3, 12)
    counts = [np.sum(min_variance(p.cov, gamma=g).weights > 1e-9) for g in (0.0, 0.01, 0.1, 10.0)]
    assert counts == sorted(counts) and counts[-1] == 12
    w = min_variance(p.cov, gamma=1e6).weights
    np.testing.assert_allclose(w, np.full(12, 1 / 12), atol=1e-4)  # gamma -> inf: equal weights


def _pypfopt_inputs():
    from pypfopt import expected_returns, risk_models

    prices = peer_csv("stock_prices.csv")
    return (expected_returns.mean_historical_return(prices).to_numpy(),
            risk_models.sample_cov(prices).to_numpy())


def _pypfopt(mu, S, method, gamma, **kw):
    import warnings

    from pypfopt import EfficientFrontier, objective_functions

    ef = EfficientFrontier(mu, S)
    if gamma:
        ef.add_objective(objective_functions.L2_reg, gamma=gamma)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_sharpe warns that added objectives "may not work as expected"
        getattr(ef, method)(**kw)
    return np.array(list(ef.clean_weights(cutoff=0.0, rounding=None).values()))


@pytest.mark.parametrize("gamma", [0.0, 0.1, 1.0])
def test_against_pypfopt_on_its_test_data(gamma):
    pytest.importorskip("pypfopt")
    mu, S = _pypfopt_inputs()
    cases = [
        ("min_volatility", {}, min_variance(S, gamma=gamma)),
        ("max_sharpe", {"risk_free_rate": 0.02}, max_sharpe(mu, S, 0.02, gamma=gamma)),
        ("efficient_return", {"target_return": 0.25}, efficient_portfolio(mu, S, target_return=0.25, gamma=gamma)),
        ("efficient_risk", {"target_volatility": 0.22}, efficient_portfolio(mu, S, target_risk=0.22, gamma=gamma)),
        ("max_quadratic_utility", {"risk_aversion": 2.0}, efficient_portfolio(mu, S, risk_aversion=2.0, gamma=gamma)),
    ]
    for method, kw, ours in cases:
        np.testing.assert_allclose(ours.weights, _pypfopt(mu, S, method, gamma, **kw), atol=ATOL_PYPFOPT_WEIGHTS,
                                   err_msg=method)


def test_messages():
    p = random_problem(0, 4)
    with pytest.raises(InputError, match=r"^gamma: "):
        min_variance(p.cov, gamma=-1.0)
    with pytest.raises(InputError, match=r"^risk_aversion: "):
        efficient_portfolio(p.mu, p.cov, risk_aversion=0.0)
    with pytest.raises(InputError, match=r"^target_return: give either target_return or target_risk or risk_aversion"):
        efficient_portfolio(p.mu, p.cov, target_return=0.05, risk_aversion=2.0)
    floor = min_variance(p.cov).volatility
    with pytest.raises(InfeasibleError, match=r"^target_risk: .* is below the lowest attainable volatility"):
        efficient_portfolio(p.mu, p.cov, target_risk=0.5 * floor, gamma=0.1)
