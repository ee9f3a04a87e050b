"""The positive semi-definiteness check of a covariance alone (``kernels._validate.check_psd``) at 20, 100,
500 and 2,000 assets: every public function that takes a covariance pays it.

Run: ``pytest benchmarks/bench_psd_check.py --benchmark-only --benchmark-columns=median,iqr,rounds``

Two kinds of matrix: ``definite`` (a sample covariance of 3 n daily returns: positive definite) and
``singular`` (of n / 2 returns: PSD with rank n / 2, as a covariance from a short history is). Side by
side: ``xlfolio`` (Cholesky, then a shifted Cholesky for a singular matrix), ``before`` (the check as it
was until this change: Cholesky, then the smallest eigenvalue by ``numpy.linalg.eigvalsh`` for a singular
matrix) and ``eigvalsh`` (the eigenvalue rule alone). The three give the same verdict (asserted once).
"""

import numpy as np
import pytest

from benchmarks.conftest import factor_returns
from kernels._validate.covariance import PSD_RTOL, check_psd

SIZES = [20, 100, 500, 2000]
KINDS = {"definite": 3.0, "singular": 0.5}  # observations per asset


def _matrix(n, kind):
    x = factor_returns(max(int(KINDS[kind] * n), 2), n)
    return np.ascontiguousarray(np.cov(x, rowvar=False) * 252)


def _before(C):
    import scipy.linalg.lapack

    factor, info = scipy.linalg.lapack.dpotrf(C.T, lower=1, clean=1)
    if info == 0:
        return factor
    return _eigen_rule(C)


def _eigen_rule(C):
    return np.linalg.eigvalsh(C)[0] >= -PSD_RTOL * np.abs(np.diag(C)).max()


IMPLEMENTATIONS = {
    "xlfolio": lambda C: check_psd(C, "cov", what="covariance"),
    "before": _before,
    "eigvalsh": _eigen_rule,
}


@pytest.mark.benchmark(group="psd-check")
@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("n_assets", SIZES)
def test_psd_check(benchmark, n_assets, kind, impl):
    C = _matrix(n_assets, kind)
    assert _eigen_rule(C)  # both kinds are accepted by the rule: the timings compare the same verdict
    fn = IMPLEMENTATIONS[impl]
    fn(C)
    benchmark(fn, C)
