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


@pytest.mark.parametrize("seed", range(3))
def test_the_slot_scan_is_the_reference_scan_to_the_last_bit(seed):
    """The critical line's scan over ``C`` with the bounded columns first (kept by column swaps as assets join and
    leave the free set) returns the reference scan's event and ``lam`` exactly, compiled and as Python loops."""
    rng = np.random.default_rng(100 + seed)
    n = 40
    state = scan_state(rng, n, 1)
    C, is_free = state[0], np.zeros(n, dtype=np.bool_)
    slot, order, Cs = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty((n, n))
    nb = cla._slot_columns(C, n, is_free, slot, order, Cs)
    assert nb == n
    slot2, order2, Cs2 = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty((n, n))
    half = np.arange(n) % 3 == 0
    assert cla._slot_columns.py_func(C, n, half, slot2, order2, Cs2) == n - half.sum()
    np.testing.assert_array_equal(Cs2, C[:, order2])
    assert (~half[order2[: n - half.sum()]]).all() and half[order2[n - half.sum():]].all()
    for f in list(range(1, n)) + list(range(n - 2, 0, -3)):  # grow the free set, then shrink it
        free = state[4]
        target = set(free[:f].tolist())
        for j in range(n):  # the columns follow each change, as in the critical line
            if is_free[j] and j not in target:
                is_free[j] = False
                cla._move_column(Cs, slot, order, j, nb)
                nb += 1
        for j in free[:f]:
            if not is_free[j]:
                is_free[j] = True
                cla._move_column(Cs, slot, order, int(j), nb - 1)
                nb -= 1
        np.testing.assert_array_equal(Cs, C[:, order])
        assert np.array_equal(slot[order], np.arange(n)) and nb == n - f
        _, mu, E, _, _, _, _, x, lo, hi, alpha, beta, cbound, zeros = scan_state(np.random.default_rng(f), n, f)
        x[is_free] = np.random.default_rng(f).uniform(0.0, 0.5, f)
        cbound = C[:, ~is_free] @ x[~is_free]
        for lam in (np.inf, 1.0, 0.01):
            qtol = 1e-11 * float(np.abs(mu).max())
            ref = cla._next_event.py_func(C, mu, E, n, free, f, is_free, x, lo, hi, alpha, beta, cbound, zeros, lam,
                                          -1, -1, qtol)
            for version in (cla._next_event_slots, cla._next_event_slots.py_func):
                got = version(C, Cs, slot, nb, mu, E, n, free, f, is_free, x, lo, hi, alpha, beta, cbound, lam, -1,
                              -1, qtol)
                if version is cla._next_event_slots_numpy:  # without Numba: NumPy's sums, the same event
                    assert got[1:] == ref[1:] and got[0] == pytest.approx(ref[0], rel=RTOL_CLOSED_FORM)
                else:
                    assert got == ref
