"""RISK_PARITY (with and without bounds) and NEAREST_CORRELATION through their cell functions, 100 to 5,000 assets.

Run: ``pytest benchmarks/bench_cells_at_scale.py --benchmark-only --benchmark-columns=median,rounds -q``
(``-k "n_assets-100 or n_assets-1000"`` for a shorter run; the 3,000 and 5,000 sizes take minutes).

Each case calls the cell function's implementation (what ``addin.udfs`` runs for a cell) with NumPy
inputs, beside the public kernel function it calls, so the difference is the cell layer's own cost
(conversion of the inputs, the spill). Data: :func:`tests.naive.t_factor_cov` (the issue's five-factor
covariance with Student-t noise) with bounds ``[0.6/n, 1.5/n]``, and :func:`tests.naive.noisy_correlation`
(not PSD). Sizes from 2,000 assets run one round (``benchmark.pedantic``). BLAS is limited to one thread
(the machine is shared; a user's Excel has all cores, so the cells are faster there from 1,000 assets).
"""

from __future__ import annotations

import numpy as np
import pytest

import kernels
from addin.functions.estimates import NEAREST_CORRELATION
from addin.functions.risk_budgets import RISK_PARITY

SIZES = [100, 500, 1000, 2000, 3000, 5000]
#: Largest size of each case (beyond it one call takes minutes on this machine).
LARGEST = {"nearest_correlation": 3000}


@pytest.fixture(scope="module", autouse=True)
def _one_blas_thread():
    import scipy.linalg  # noqa: F401  (loads SciPy's OpenBLAS, which Numba's LAPACK calls use, so it is limited too)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


_DATA: dict = {}


def _cov(n):
    from tests.naive import t_factor_cov

    if ("cov", n) not in _DATA:
        _DATA["cov", n] = t_factor_cov(n, seed=n)
    return _DATA["cov", n]


def _noisy(n):
    from tests.naive import noisy_correlation

    if ("corr", n) not in _DATA:
        _DATA["corr", n] = noisy_correlation(n, seed=n)
    return _DATA["corr", n]


def _case(case, layer, n):
    """The call timed: ``(function, args)``."""
    if case == "nearest_correlation":
        a = _noisy(n)
        return (NEAREST_CORRELATION.implementation, (a,)) if layer == "cell" else (kernels.nearest_correlation, (a,))
    cov = _cov(n)
    lo, hi = (0.6 / n, 1.5 / n) if case == "risk_parity_bounded" else (None, None)
    if layer == "cell":
        return RISK_PARITY.implementation, (cov, None, lo, hi)
    return (lambda c, lower, upper: kernels.risk_parity(c, lower=lower, upper=upper)), (cov, lo, hi)


@pytest.mark.parametrize("layer", ["cell", "kernel"])
@pytest.mark.parametrize("n_assets", SIZES)
@pytest.mark.parametrize("case", ["risk_parity", "risk_parity_bounded", "nearest_correlation"])
def test_cell_at_scale(benchmark, case, n_assets, layer):
    if n_assets > LARGEST.get(case, n_assets):
        pytest.skip(f"{case} beyond {LARGEST[case]} assets: minutes per call")
    benchmark.group = f"{case} n={n_assets}"
    func, args = _case(case, layer, n_assets)
    out = func(*args)  # warm-up: compilation
    if n_assets >= 2000:
        out = benchmark.pedantic(func, args=args, rounds=1, iterations=1)
    else:
        out = benchmark(func, *args)
    values = np.asarray(out if layer == "cell" else (out.correlation if case == "nearest_correlation" else out.weights),
                        dtype=float)
    assert np.all(np.isfinite(values))
