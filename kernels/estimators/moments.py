"""Compiled cross-product kernels: centring, weighting, pairwise gaps, downside deviations."""

from __future__ import annotations

import numpy as np

from .._jit import jit, prange


@jit
def _centered(x, weights):
    """Subtract the (weighted) column means; rows are scaled by sqrt(weight)."""
    n_obs, n_assets = x.shape
    total = 0.0
    for t in range(n_obs):
        total += weights[t]
    means = np.zeros(n_assets)
    for t in range(n_obs):
        wt = weights[t] / total
        for j in range(n_assets):
            means[j] += wt * x[t, j]
    out = np.empty_like(x)
    for t in range(n_obs):
        s = np.sqrt(weights[t])
        for j in range(n_assets):
            out[t, j] = s * (x[t, j] - means[j])
    return out


@jit
def _scaled_rows(x, weights):
    """Rows of ``x`` scaled by ``sqrt(weights)`` (no centring)."""
    n_obs, n_assets = x.shape
    out = np.empty_like(x)
    for t in range(n_obs):
        s = np.sqrt(weights[t])
        for j in range(n_assets):
            out[t, j] = s * x[t, j]
    return out


@jit
def _downside(x, benchmark):
    """``min(x - benchmark, 0)`` elementwise: the shortfalls below the benchmark return."""
    n_obs, n_assets = x.shape
    out = np.empty_like(x)
    for t in range(n_obs):
        for j in range(n_assets):
            d = x[t, j] - benchmark
            out[t, j] = d if d < 0.0 else 0.0  # noqa: FURB136
    return out


@jit
def _row_square_norms_squared_sum(xc):
    """sum_t (sum_i x_ti^2)^2: the Ledoit-Wolf beta term, O(n_obs * n_assets)."""
    n_obs, n_assets = xc.shape
    total = 0.0
    for t in range(n_obs):
        row = 0.0
        for j in range(n_assets):
            row += xc[t, j] * xc[t, j]
        total += row * row
    return total


@jit(parallel=True)
def _pairwise_covariance(x, ddof):
    n_obs, n_assets = x.shape
    cov = np.empty((n_assets, n_assets))
    counts = np.empty((n_assets, n_assets), dtype=np.int64)
    for i in prange(n_assets):
        for j in range(i, n_assets):
            m = 0
            si = 0.0
            sj = 0.0
            for t in range(n_obs):
                a = x[t, i]
                b = x[t, j]
                if not (np.isnan(a) or np.isnan(b)):
                    m += 1
                    si += a
                    sj += b
            c = np.nan
            if m > ddof:
                mi = si / m
                mj = sj / m
                acc = 0.0
                for t in range(n_obs):
                    a = x[t, i]
                    b = x[t, j]
                    if not (np.isnan(a) or np.isnan(b)):
                        acc += (a - mi) * (b - mj)
                c = acc / (m - ddof)
            cov[i, j] = c
            cov[j, i] = c
            counts[i, j] = m
            counts[j, i] = m
    return cov, counts


@jit
def _ewm_mean_last(x, alpha):
    """Last value of pandas ``ewm(alpha=alpha, adjust=True).mean()`` per column, skipping NaN."""
    n_obs, n_assets = x.shape
    out = np.empty(n_assets)
    decay = 1.0 - alpha
    for j in range(n_assets):
        num = 0.0
        den = 0.0
        w = 1.0
        for t in range(n_obs - 1, -1, -1):
            v = x[t, j]
            if not np.isnan(v):
                num += w * v
                den += w
            w *= decay
        out[j] = num / den
    return out
