"""Percentiles from the kernel's histograms (interpolated inside the bin where the rank falls).

Value histograms keep each bin's smallest and largest value, and a percentile is interpolated between
those two: exact when the values in the bin are equal (every path at the start value, a fixed real
income), otherwise within the spread of the bin's values, at most 1.6% of the value (a bin spans
1/:data:`.paths.N_SUB` of an octave). Rate histograms have bins 0.0001 wide.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .paths import (
    _HUGE,
    _TINY,
    N_OCTAVES,
    N_SUB,
    RATE_BINS,
    RATE_HI,
    RATE_LO,
    RATE_SCALE,
    VALUE_BINS,
)


def _value_edges() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lo = np.zeros(VALUE_BINS)
    hi = np.zeros(VALUE_BINS)
    hi[1] = _TINY
    b = np.arange(N_OCTAVES * N_SUB)
    e = b // N_SUB - 19
    sub = b % N_SUB
    lo[2:-1] = np.ldexp(0.5 + sub / (2.0 * N_SUB), e)
    hi[2:-1] = np.ldexp(0.5 + (sub + 1) / (2.0 * N_SUB), e)
    lo[-1] = hi[-1] = _HUGE
    return lo, hi


_VALUE_LO, _VALUE_HI = _value_edges()
_RATE_LO = np.concatenate([[RATE_LO], RATE_LO + np.arange(RATE_BINS - 2) / RATE_SCALE, [RATE_HI]])
_RATE_HI = np.concatenate([[RATE_LO], RATE_LO + np.arange(1, RATE_BINS - 1) / RATE_SCALE, [RATE_HI]])


def _quantiles(counts: NDArray[np.int64], qs: NDArray[np.float64], lo, hi) -> NDArray[np.float64]:
    total = counts.sum()
    cum = np.cumsum(counts)
    target = qs * total
    b = np.minimum(np.searchsorted(cum, target, side="left"), counts.size - 1)
    below = np.where(b > 0, cum[b - 1], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip(np.where(counts[b] > 0, (target - below) / counts[b], 0.0), 0.0, 1.0)
        return np.where(counts[b] > 0, lo[b] + frac * (hi[b] - lo[b]), np.nan)


def value_quantiles(counts: NDArray[np.int64], qs: NDArray[np.float64], lows: NDArray[np.float64],
                    highs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Quantiles ``qs`` (fractions) of histograms ``(..., VALUE_BINS)`` with each bin's smallest and largest value."""
    flat = counts.reshape(-1, VALUE_BINS)
    lo, hi = lows.reshape(flat.shape), highs.reshape(flat.shape)
    out = np.array([_quantiles(c, qs, a, b) for c, a, b in zip(flat, lo, hi)])
    return out.reshape(counts.shape[:-1] + qs.shape)


def bin_quantiles(counts: NDArray[np.int64], qs: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Quantiles of value histograms without bin extremes (interpolated across the bins' edges)."""
    flat = counts.reshape(-1, VALUE_BINS)
    out = np.array([_quantiles(c, qs, _VALUE_LO, _VALUE_HI) for c in flat]) * scale
    return out.reshape(counts.shape[:-1] + qs.shape)


def rate_quantile(counts: NDArray[np.int64], q: float) -> float:
    """Quantile ``q`` of a rate histogram."""
    return float(_quantiles(counts, np.array([q]), _RATE_LO, _RATE_HI)[0])
