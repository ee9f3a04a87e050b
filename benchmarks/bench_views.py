"""Black-Litterman posterior at 20, 100 and 500 assets, side by side with PyPortfolioOpt.

Also: whole shares from cash (``allocate_cash``) against PyPortfolioOpt's greedy and LP ``DiscreteAllocation``.

Run: ``pytest benchmarks/bench_views.py --benchmark-only --benchmark-columns=median,iqr,rounds``

Each call is the whole posterior from a covariance, market weights and 5 views (3 relative, 2 absolute):
implied returns, Omega (He-Litterman proportional), posterior returns and covariance, and for xlfolio
the input checks (finite, symmetric, positive semi-definite by a Cholesky factorisation). PyPortfolioOpt
runs ``market_implied_prior_returns`` + ``BlackLittermanModel`` + ``bl_returns`` + ``bl_cov``.
The yardstick of the issue is ``two_cholesky_solves``: ``scipy.linalg.cho_factor`` + ``cho_solve``
of the covariance, twice.

``xlfolio`` calls again with the same covariance, as a sheet recalculating does: from 128 assets its PSD
verdict comes from the memo (a SHA-1 of the matrix, ``O(n^2)``); ``xlfolio_new_cov`` empties the memo
before each call, so it pays the Cholesky factorisation every time (a covariance never seen before);
``xlfolio_unchecked`` passes ``check_psd=False`` (a caller who has checked the matrix already: no
factorisation, no memo; entries, symmetry and variances are still checked).
On a busy machine run with ``OPENBLAS_NUM_THREADS=1``: BLAS threads waiting on each other inflate the
500-asset rows of every implementation many times over.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.linalg

from benchmarks.conftest import factor_returns
from kernels import allocate_cash, black_litterman
from kernels._validate.covariance import _PSD_MEMO

SIZES = [20, 100, 500]


def _problem(n, seed=0):
    cov = np.cov(factor_returns(max(3 * n, 300), n, seed), rowvar=False) * 252
    rng = np.random.default_rng(seed)
    w = rng.uniform(1e9, 1e12, n)
    P = np.zeros((5, n))
    P[0, [0, 1]] = [1, -1]
    P[1, [2, 3, 4]] = [0.5, 0.5, -1]
    P[2, [5, 6]] = [-1, 1]
    P[3, 7] = 1
    P[4, 8] = 1
    Q = np.array([0.02, 0.01, 0.03, 0.08, 0.05])
    return cov, w, P, Q


def _xlfolio(cov, w, P, Q):
    return black_litterman(cov, market_weights=w, risk_aversion=2.5, P=P, Q=Q)


def _xlfolio_new_cov(cov, w, P, Q):
    """Every call as if with a covariance never seen: the PSD memo (from 128 assets) is emptied first."""
    _PSD_MEMO.clear()
    return black_litterman(cov, market_weights=w, risk_aversion=2.5, P=P, Q=Q)


def _xlfolio_unchecked(cov, w, P, Q):
    """``check_psd=False``: the caller vouches for the covariance (no Cholesky factorisation, no memo)."""
    return black_litterman(cov, market_weights=w, risk_aversion=2.5, P=P, Q=Q, check_psd=False)


def _pypfopt(cov, w, P, Q):
    from pypfopt.black_litterman import (
        BlackLittermanModel,
        market_implied_prior_returns,
    )

    names = [f"A{i}" for i in range(w.size)]
    S = pd.DataFrame(cov, index=names, columns=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pi = market_implied_prior_returns(pd.Series(w, index=names), 2.5, S)
        bl = BlackLittermanModel(S, pi=pi, P=P, Q=Q.reshape(-1, 1))
        return bl.bl_returns(), bl.bl_cov()


def _two_cholesky_solves(cov, w, P, Q):
    b = np.ones(cov.shape[0])
    for _ in range(2):
        c = scipy.linalg.cho_factor(cov, lower=True)
        x = scipy.linalg.cho_solve(c, b)
    return x


IMPLEMENTATIONS = {"xlfolio": _xlfolio, "xlfolio_new_cov": _xlfolio_new_cov, "xlfolio_unchecked": _xlfolio_unchecked,
                   "pypfopt": _pypfopt,
                   "two_cholesky_solves": _two_cholesky_solves}


@pytest.mark.benchmark(group="black-litterman-posterior")
@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("n_assets", SIZES)
def test_black_litterman_posterior(benchmark, n_assets, impl):
    args = _problem(n_assets)
    fn = IMPLEMENTATIONS[impl]
    fn(*args)  # compile / warm up
    benchmark(fn, *args)


def test_same_posterior_as_pypfopt():
    args = _problem(100)
    ours = _xlfolio(*args)
    mu, cov = _pypfopt(*args)
    np.testing.assert_allclose(ours.returns, mu.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.cov, cov.to_numpy(), rtol=1e-10)
    unchecked = _xlfolio_unchecked(*args)
    np.testing.assert_array_equal(unchecked.returns, ours.returns)
    np.testing.assert_array_equal(unchecked.cov, ours.cov)


# ---------------------------------------------------------------- whole shares from cash
# PyPortfolioOpt's own test case when its data are at hand (max-Sharpe weights at r_f = 2%, latest prices,
# $10,000), else seeded books of 10 and 20 assets.


def _allocation_cases():
    from tests.naive import peer_csv

    cases = {}
    df = peer_csv("stock_prices.csv")
    if df is not None:
        from pypfopt import EfficientFrontier, expected_returns, risk_models
        from pypfopt.discrete_allocation import get_latest_prices

        ef = EfficientFrontier(expected_returns.mean_historical_return(df), risk_models.sample_cov(df))
        w = ef.max_sharpe(risk_free_rate=0.02)
        p = get_latest_prices(df)
        wv = np.array([w[c] for c in df.columns])
        cases["pypfopt_data"] = (wv / wv.sum(), p[df.columns].to_numpy(), 10_000.0)
    for n in (10, 20):
        rng = np.random.default_rng(n)
        cases[f"random_{n}"] = (rng.dirichlet(np.ones(n)), np.round(rng.uniform(10, 400, n), 2), 10_000.0)
    return cases


ALLOCATION_CASES = _allocation_cases()


def _pypfopt_da(w, p, cash, how):
    from pypfopt.discrete_allocation import DiscreteAllocation

    names = [f"A{i}" for i in range(w.size)]
    da = DiscreteAllocation(dict(zip(names, w)), pd.Series(p, index=names), total_portfolio_value=cash)
    if how == "greedy":
        return da.greedy_portfolio()
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return da.lp_portfolio(solver="HIGHS")


ALLOCATORS = {
    "xlfolio_invest_fully": lambda w, p, c: allocate_cash(w, p, c),
    "xlfolio_nearest": lambda w, p, c: allocate_cash(w, p, c, mode="nearest"),
    "pypfopt_greedy": lambda w, p, c: _pypfopt_da(w, p, c, "greedy"),
    "pypfopt_lp_highs": lambda w, p, c: _pypfopt_da(w, p, c, "lp"),
}


@pytest.mark.benchmark(group="allocate-cash")
@pytest.mark.parametrize("impl", list(ALLOCATORS))
@pytest.mark.parametrize("case", list(ALLOCATION_CASES))
def test_allocate_cash(benchmark, case, impl):
    args = ALLOCATION_CASES[case]
    fn = ALLOCATORS[impl]
    fn(*args)
    benchmark(fn, *args)
