"""The optimiser options of issue 16 side by side with PyPortfolioOpt, at 20, 100 and 500 assets.

Run: ``OPENBLAS_NUM_THREADS=1 pytest benchmarks/bench_options.py --benchmark-only --benchmark-columns=median,iqr,rounds``
(on a shared machine OpenBLAS' threads spin against other jobs: a 20 x 20 Cholesky then takes ~1 ms and
every time is noise; one thread is fair to both sides, Clarabel does not use BLAS threads).

Long-only, weights in [0, 1], the same covariance and expected returns for both (a factor model,
annualised). PyPortfolioOpt builds its ``EfficientFrontier`` (cvxpy problem) in every call, as a user's
script does; both include their input checks.

* ``l2_min_variance``: ``min_variance(cov, gamma=0.1)`` vs ``min_volatility()`` with ``L2_reg(gamma=0.1)``;
* ``l2_max_sharpe``: ``max_sharpe(mu, cov, 0.02, gamma=0.1)`` vs ``max_sharpe(0.02)`` with ``L2_reg``;
* ``l2_target_return``: ``efficient_portfolio(target_return=r, gamma=0.1)`` vs ``efficient_return(r)``;
* ``l2_target_risk``: ``efficient_portfolio(target_risk=s, gamma=0.1)`` vs ``efficient_risk(s)``;
* ``target_return`` / ``target_risk``: the same without L2;
* ``utility``: ``efficient_portfolio(risk_aversion=2)`` vs ``max_quadratic_utility(2)``;
* ``cash_max_sharpe``: the cash row as the risk-free sleeve (``risk_free_asset=0``) vs PyPortfolioOpt's
  ``max_sharpe`` on the risky assets with the cash yield as ``risk_free_rate`` (its way of doing it);
* ``cash_min_variance``: ``min_variance(..., risk_free_asset=0, cash_weight=0.2)`` vs ``min_volatility``
  with the constraint ``w[0] == 0.2`` on the full problem.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from benchmarks.conftest import factor_returns
from kernels import efficient_portfolio, max_sharpe, min_variance

SIZES = [20, 100, 500]
GAMMA = 0.1
RF = 0.02


def _problem(n, seed=0):
    x = factor_returns(max(3 * n, 300), n, seed)
    cov = np.cov(x, rowvar=False) * 252
    mu = x.mean(axis=0) * 252 + 0.03
    vols = np.sqrt(np.diag(cov))
    return mu, cov, float(np.median(mu)), float(np.median(vols)) * 0.6


def _with_cash(mu, cov):
    n = mu.size + 1
    C = np.zeros((n, n))
    C[1:, 1:] = cov
    return np.concatenate([[RF], mu]), C


def _ef(mu, cov, gamma=0.0, **kw):
    from pypfopt import EfficientFrontier, objective_functions

    names = [f"A{i}" for i in range(mu.size)]
    ef = EfficientFrontier(pd.Series(mu, index=names), pd.DataFrame(cov, index=names, columns=names), **kw)
    if gamma:
        ef.add_objective(objective_functions.L2_reg, gamma=gamma)
    return ef


def _quiet(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f()


CASES = {
    "l2_min_variance": (
        lambda mu, cov, r, s: min_variance(cov, gamma=GAMMA),
        lambda mu, cov, r, s: _ef(mu, cov, GAMMA).min_volatility(),
    ),
    "l2_max_sharpe": (
        lambda mu, cov, r, s: max_sharpe(mu, cov, RF, gamma=GAMMA),
        lambda mu, cov, r, s: _quiet(lambda: _ef(mu, cov, GAMMA).max_sharpe(RF)),
    ),
    "l2_target_return": (
        lambda mu, cov, r, s: efficient_portfolio(mu, cov, target_return=r, gamma=GAMMA),
        lambda mu, cov, r, s: _ef(mu, cov, GAMMA).efficient_return(r),
    ),
    "l2_target_risk": (
        lambda mu, cov, r, s: efficient_portfolio(mu, cov, target_risk=s, gamma=GAMMA),
        lambda mu, cov, r, s: _ef(mu, cov, GAMMA).efficient_risk(s),
    ),
    "target_return": (
        lambda mu, cov, r, s: efficient_portfolio(mu, cov, target_return=r),
        lambda mu, cov, r, s: _ef(mu, cov).efficient_return(r),
    ),
    "target_risk": (
        lambda mu, cov, r, s: efficient_portfolio(mu, cov, target_risk=s),
        lambda mu, cov, r, s: _ef(mu, cov).efficient_risk(s),
    ),
    "utility": (
        lambda mu, cov, r, s: efficient_portfolio(mu, cov, risk_aversion=2.0),
        lambda mu, cov, r, s: _ef(mu, cov).max_quadratic_utility(2.0),
    ),
    "cash_max_sharpe": (
        lambda mu, cov, r, s: max_sharpe(*_with_cash(mu, cov), risk_free_asset=0),
        lambda mu, cov, r, s: _ef(mu, cov).max_sharpe(RF),
    ),
    "cash_min_variance": (
        lambda mu, cov, r, s: min_variance(_with_cash(mu, cov)[1], risk_free_asset=0, cash_weight=0.2),
        lambda mu, cov, r, s: _cash_min_volatility(*_with_cash(mu, cov)),
    ),
}


def _cash_min_volatility(mu, cov):
    ef = _ef(mu, cov)
    ef.add_constraint(lambda w: w[0] == 0.2)
    return ef.min_volatility()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("impl", ["xlfolio", "pypfopt"])
@pytest.mark.parametrize("case", list(CASES))
def test_options(benchmark, case, impl, n):
    if impl == "pypfopt":
        pytest.importorskip("pypfopt")
    mu, cov, r, s = _problem(n)
    f = CASES[case][0 if impl == "xlfolio" else 1]
    try:
        f(mu, cov, r, s)  # compile / warm up outside the timing
    except Exception as err:  # the peer's solver can stop short (Clarabel's user_limit on max_sharpe at 500)
        if impl == "xlfolio":
            raise
        pytest.skip(f"PyPortfolioOpt failed on this problem: {err!r:.150}")
    benchmark.group = f"options-{case}-{n}"
    benchmark(f, mu, cov, r, s)
