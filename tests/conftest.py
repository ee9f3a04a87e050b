import os

# One BLAS thread per test process: the suite runs one process per core (pytest-xdist), and OpenBLAS's
# threads contending for the same cores make small factorisations and triangular solves 10-1000x slower
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# The same examples on every run (CI must not turn red on a draw); HYPOTHESIS_PROFILE=explore searches anew.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

# The cache root of the test runs (before any kernel is imported): kernels cache in the subfolder of their
# sources' hash, <root>/xlfolio-<key> (kernels._jit.cache_folder), so a run never loads stale compiled code
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".numba_cache"))


@pytest.fixture
def rng():
    return np.random.default_rng(20261121)


def random_returns(rng, n_obs, n_assets, n_factors=3):
    """Daily-like returns from a factor model: correlated, heteroscedastic, never degenerate."""
    loadings = rng.normal(0.0, 1.0, (n_factors, n_assets))
    factors = rng.normal(0.0, 0.01, (n_obs, n_factors))
    idio = rng.normal(0.0, 1.0, (n_obs, n_assets)) * rng.uniform(0.005, 0.02, n_assets)
    return factors @ loadings + idio + rng.uniform(-2e-4, 8e-4, n_assets)


def random_cov(rng, n_assets):
    return np.cov(random_returns(rng, max(3 * n_assets, 60), n_assets), rowvar=False) * 252


def factor_cov(rng, n_assets, n_factors=5, n_obs=1000):
    """Annualised sample covariance of five factors with loadings of both signs (risk parity's coordinate
    descent crawls on it, so Newton does the work)."""
    loadings = rng.normal(0.0, 1.0, (n_factors, n_assets))
    returns = rng.normal(0.0, 0.008, (n_obs, n_factors)) @ loadings
    returns += rng.normal(0.0, 1.0, (n_obs, n_assets)) * rng.uniform(0.005, 0.02, n_assets)
    return np.cov(returns, rowvar=False) * 252
