"""Nearest correlation matrix (Higham 2002) at 100 and 500 assets, side by side (issue 21).

Run: ``pytest benchmarks/bench_nearest_correlation.py --benchmark-only --benchmark-columns=median,iqr,rounds -q``

Implementations, on the correlation matrix of :func:`tests.naive.t_factor_cov` plus symmetric noise
(:func:`tests.naive.noisy_correlation`: not PSD, 21 negative eigenvalues at 100 assets, 180 at 500):

* ``xlfolio_newton``: :func:`kernels.nearest_correlation` (Qi & Sun's Newton method, the default);
* ``xlfolio_projections``: the same with ``method="alternating_projections"`` (Higham's method, the
  default before issue 21);
* ``statsmodels``: ``statsmodels.stats.correlation_tools.corr_nearest`` (projections clipping eigenvalues
  at ``threshold=1e-15``, at most ``n_fact=100`` iterations: it stops before convergence, see ``distance``).

``extra_info`` keeps the Frobenius distance to the input, the smallest eigenvalue and the largest
diagonal error of each answer. BLAS is limited to one thread (``benchmarks/conftest.py``; the machine is shared).
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import nearest_correlation

SIZES = [100, 500]


def _statsmodels(a):
    from statsmodels.stats.correlation_tools import corr_nearest

    return corr_nearest(a, threshold=1e-15, n_fact=100)


IMPLEMENTATIONS = {
    "xlfolio_newton": lambda a: nearest_correlation(a).correlation,
    "xlfolio_projections": lambda a: nearest_correlation(a, method="alternating_projections").correlation,
    "statsmodels": _statsmodels,
}


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("n_assets", SIZES)
def test_nearest_correlation(benchmark, n_assets, implementation):
    from tests.naive import noisy_correlation

    benchmark.group = f"nearest_correlation n={n_assets}"
    a = noisy_correlation(n_assets)
    func = IMPLEMENTATIONS[implementation]
    if implementation == "xlfolio_projections" and n_assets >= 500:
        x = benchmark.pedantic(func, args=(a,), rounds=1, iterations=1)  # ~30 s a call
    else:
        func(a)  # warm-up
        x = benchmark(func, a)
    benchmark.extra_info["distance"] = float(np.linalg.norm(x - a))
    benchmark.extra_info["min_eigenvalue"] = float(np.linalg.eigvalsh(x)[0])
    benchmark.extra_info["diagonal_error"] = float(np.abs(np.diag(x) - 1.0).max())
    assert np.all(np.isfinite(x))
