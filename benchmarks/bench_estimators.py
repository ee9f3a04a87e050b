"""The issue-16 covariance estimators at 20, 100 and 500 assets (1,000 daily returns), beside PyPortfolioOpt.

Run: ``pytest benchmarks/bench_estimators.py --benchmark-only --benchmark-columns=median,iqr,rounds``

Pairs: ``semicovariance`` / ``risk_models.semicovariance``, ``exp_cov`` / ``risk_models.exp_cov`` (a pandas
loop over pairs in PyPortfolioOpt, so only at 20 assets there), and the Ledoit-Wolf constant-correlation
and single-factor targets / ``CovarianceShrinkage.ledoit_wolf(shrinkage_target=...)``. Both sides start from
returns.
"""

import warnings

import pandas as pd
import pytest

from benchmarks.conftest import factor_returns
from kernels import covariance

SIZES = [20, 100, 500]
N_OBS = 1000


def _pypfopt(method, x):
    from pypfopt import risk_models

    df = pd.DataFrame(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "semicovariance":
            return risk_models.semicovariance(df, returns_data=True, benchmark=0.0)
        if method == "exp_cov":
            return risk_models.exp_cov(df, returns_data=True, span=180)
        target = method.replace("ledoit_wolf_", "")
        return risk_models.CovarianceShrinkage(df, returns_data=True).ledoit_wolf(shrinkage_target=target)


METHODS = ["semicovariance", "exp_cov", "ledoit_wolf_constant_correlation", "ledoit_wolf_single_factor"]


@pytest.mark.benchmark(group="covariance-issue-16")
@pytest.mark.parametrize("impl", ["xlfolio", "pypfopt"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n_assets", SIZES)
def test_covariance_estimators(benchmark, n_assets, method, impl):
    if impl == "pypfopt" and method == "exp_cov" and n_assets > 20:
        pytest.skip("PyPortfolioOpt's exp_cov loops over the pairs in pandas (5,050 at 100 assets: seconds a call)")
    x = factor_returns(N_OBS, n_assets)
    if impl == "xlfolio":
        fn = lambda: covariance(x, method, span=180 if method == "exp_cov" else None)
    else:
        fn = lambda: _pypfopt(method, x)
    fn()
    benchmark(fn)
