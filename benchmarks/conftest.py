import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def factor_returns(n_obs, n_assets, seed=0, n_factors=5):
    """Seeded daily-like returns from a factor model (the same data for every implementation)."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 1.0, (n_factors, n_assets))
    factors = rng.normal(0.0, 0.008, (n_obs, n_factors))
    idio = rng.normal(0.0, 1.0, (n_obs, n_assets)) * rng.uniform(0.005, 0.02, n_assets)
    return factors @ loadings + idio + rng.uniform(-2e-4, 8e-4, n_assets)


def run_in_fresh_process(script, cache_dir):
    """Run ``script`` in a new Python process with its own Numba cache folder; return what it printed.

    The cold-start benchmarks use it: a warm ``cache_dir`` is what a returning Excel user has,
    an empty one what the first call after installing costs.
    """
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout
