"""``asset_location(split=False)`` is a mixed-integer programme solved with HiGHS' MIP presolve on (SciPy's
``milp`` defaults). SciPy 1.17's bundled HiGHS presolve called a worse household plan optimal (issue 17;
the household kernel turns it off); these sweeps check the asset-location programmes it solves against a
brute force over every placement: ties in the drags, capacities that fit exactly, and the tie-break's second
programme (whose least-drag row makes the kind of near-degenerate programme presolve got wrong)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kernels import asset_location


def placements(values, drag, caps, second=None):
    """(drag, second cost) of every placement of whole holdings that fits the capacities."""
    n, m = drag.shape
    out = []
    for a in itertools.product(range(m), repeat=n):
        if np.all(np.bincount(a, weights=values, minlength=m) <= caps + 1e-9):
            d = sum(drag[i, a[i]] * values[i] for i in range(n))
            s = 0.0 if second is None else sum(second[i, a[i]] * values[i] for i in range(n))
            out.append((d, s))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("block", range(4))
def test_whole_holdings_with_ties_and_exact_capacities_match_brute_force(block):
    for seed in range(block * 60, (block + 1) * 60):
        rng = np.random.default_rng(10_000 + seed)
        n, m = int(rng.integers(2, 7)), int(rng.integers(2, 4))
        values = rng.integers(1, 5, n).astype(float) * 100.0
        drag = rng.integers(0, 3, (n, m)) / 100.0  # few distinct drags: many optimal placements
        fits = rng.integers(0, m, n)
        caps = np.bincount(fits, weights=values, minlength=m) + rng.integers(0, 2, m) * 100.0  # often exactly full
        second = -rng.integers(0, 3, (n, m)).astype(float) / 100.0 if seed % 2 else None
        rows = placements(values, drag, caps, second)
        loc = asset_location(values, drag, caps, split=False, tie_break=second)
        best = min(d for d, _ in rows)
        assert loc.tax_drag == pytest.approx(best, rel=1e-9, abs=1e-9), seed
        assert np.all(loc.used_capacity <= caps + 1e-6), seed
        if second is not None:
            least = min(s for d, s in rows if d <= best * (1 + 1e-9) + 1e-9)
            assert float((loc.amounts * second).sum()) == pytest.approx(least, rel=1e-9, abs=1e-9), seed


@pytest.mark.slow
@pytest.mark.parametrize("block", range(4))
def test_whole_holdings_with_cent_values_match_brute_force(block):
    for seed in range(block * 60, (block + 1) * 60):
        rng = np.random.default_rng(seed)
        n, m = int(rng.integers(2, 7)), int(rng.integers(2, 4))
        values = np.round(rng.uniform(1_000, 50_000, n), 2)
        drag = np.round(rng.uniform(0, 0.02, (n, m)), 4)
        drag[:, -1] *= rng.random() < 0.5  # a sheltered account (no drag) half the time
        caps = np.round(rng.dirichlet(np.ones(m)) * values.sum() * rng.uniform(1.0, 1.6), 2)
        caps[int(np.argmax(caps))] = max(caps.max(), values.max())
        rows = placements(values, drag, caps)
        if not rows:
            continue
        loc = asset_location(values, drag, caps, split=False)
        assert loc.tax_drag == pytest.approx(min(d for d, _ in rows), rel=1e-9, abs=1e-9), seed
