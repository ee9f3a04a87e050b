import numpy as np


def factor_returns(n_obs, n_assets, seed=0, n_factors=5):
    """Seeded daily-like returns from a factor model (the same data for every implementation)."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 1.0, (n_factors, n_assets))
    factors = rng.normal(0.0, 0.008, (n_obs, n_factors))
    idio = rng.normal(0.0, 1.0, (n_obs, n_assets)) * rng.uniform(0.005, 0.02, n_assets)
    return factors @ loadings + idio + rng.uniform(-2e-4, 8e-4, n_assets)
