"""The critical line's event scan (issue 21): the free rows of ``C`` read whole or ``C[j, F]`` gathered per bounded
asset (:func:`kernels.mean_variance.cla._rows_pay` picks by the cache lines touched) give the same event as the
NumPy formulation, at every size of the free set, compiled and as Python loops."""

from __future__ import annotations

import numpy as np
import pytest

from kernels.mean_variance import cla
from tests.conftest import random_cov
from tests.tolerances import RTOL_CLOSED_FORM


def scan_state(rng, n: int, f: int):
    """A state of the critical line with ``f`` free assets of ``n`` (budget row only), the rest at a bound."""
    C = random_cov(rng, n)
    mu = rng.normal(0.06, 0.04, n)
    E = np.ones((1, n))
    free = rng.permutation(n).astype(np.int64)
    is_free = np.zeros(n, dtype=np.bool_)
    is_free[free[:f]] = True
    lo, hi = np.zeros(n), np.full(n, 0.5)
    x = np.where(rng.random(n) < 0.7, lo, hi)
    x[is_free] = rng.uniform(0.0, 0.5, f)
    cbound = C[:, ~is_free] @ x[~is_free]
    alpha, beta = np.zeros(n + 1), np.zeros(n + 1)
    alpha[: f + 1], beta[: f + 1] = rng.normal(0.0, 0.1, f + 1), rng.normal(0.0, 0.5, f + 1)
    return C, mu, E, n, free, f, is_free, x, lo, hi, alpha, beta, cbound, np.zeros(n)


@pytest.mark.parametrize("seed", range(4))
def test_both_scans_find_the_numpy_event(seed):
    rng = np.random.default_rng(seed)
    n = 48
    taken = set()
    for f in range(1, n):
        state = scan_state(rng, n, f)
        taken.add(bool(cla._rows_pay(n, f, n - f)))
        for lam in (np.inf, 1.0, 0.01):
            scan = state + (lam, -1, -1, 1e-11 * float(np.abs(state[1]).max()))
            ref = cla._next_event_numpy(*scan)
            for version in (cla._next_event, cla._next_event.py_func):
                got = version(*scan)
                assert got[1:] == ref[1:]
                assert got[0] == pytest.approx(ref[0], rel=RTOL_CLOSED_FORM)
    assert taken == {True, False}  # both scans ran


def test_rows_pay_by_cache_lines():
    # few free assets: whole rows (f n) touch fewer lines than a gather in each of n - f rows
    assert cla._rows_pay(500, 10, 490)
    # most assets free: the few bounded rows gathered are cheaper than reading 450 rows whole
    assert not cla._rows_pay(500, 450, 50)
    assert not cla._rows_pay(500, 0, 500)  # nothing free: nothing to read
