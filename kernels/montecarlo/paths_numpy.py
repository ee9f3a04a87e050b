""":func:`.paths._simulate_plan` vectorised over paths with NumPy: the plain-Python mode's engine.

The same operations in the same order on arrays of paths (and a year of draws at a time), so the
numbers are bit for bit those of the compiled kernel; integer histograms are filled in one go and the
float sums are taken lane by lane in path order (``cumsum`` adds sequentially), as the kernel does.
"""

from __future__ import annotations

import numpy as np

from . import streams_numpy as rs
from .paths import (
    _HUGE,
    _TINY,
    INCOME_REAL,
    N_SUB,
    NOMINAL,
    RATE_BINS,
    RATE_HI,
    RATE_LO,
    RATE_SCALE,
    REAL,
    SUM_INCOME,
    SUM_INCOME_REAL,
    SUM_VALUE,
    SUM_VALUE_REAL,
    VALUE_BINS,
)


def value_bins(x, inv_scale):
    """:func:`.paths._value_bin` of an array."""
    y = x * inv_scale
    m, e = np.frexp(y)
    inner = 2 + (e.astype(np.int64) + 19) * N_SUB + ((m - 0.5) * (2 * N_SUB)).astype(np.int64)
    return np.where(y <= 0.0, 0, np.where(y < _TINY, 1, np.where(y >= _HUGE, VALUE_BINS - 1, inner)))


def rate_bins(r):
    """:func:`.paths._rate_bin` of an array."""
    with np.errstate(invalid="ignore"):
        inner = 1 + ((np.clip(r, RATE_LO, RATE_HI) - RATE_LO) * RATE_SCALE).astype(np.int64)
        return np.where(~(r >= RATE_LO), 0, np.where(r >= RATE_HI, RATE_BINS - 1, inner))


def _year_returns(code, k1, k2, year, n, mean, root, lower, dof, history, block, rows):
    """Gross returns ``(n_paths, n, 12)`` of the months of ``year``; ``rows`` (bootstrap) is updated."""
    n_paths = k1.shape[0]
    spm = n + 1
    g = np.empty((n_paths, n, 12))
    if code == 3:
        n_hist = history.shape[0]
        for m in range(12):
            t = 12 * year + m
            if t % block == 0:
                slot = np.full(n_paths, t * spm + n, np.int64)
                rows[:] = rs.index(rs.words(k1, k2, slot, 0), n_hist)
            else:
                rows += 1
                rows[rows == n_hist] = 0
            g[:, :, m] = 1.0 + history[rows]
        return g
    base = (12 * year + np.arange(12)) * spm
    slots = (base[None, :] + np.arange(n)[:, None])[None].astype(np.int64)  # (1, n, 12), broadcast over paths
    z = rs.normals(k1[:, None, None], k2[:, None, None], slots)
    sc = np.ones((n_paths, 12))
    if code == 2:
        extra = np.broadcast_to((base + n)[None, :], (n_paths, 12)).ravel().astype(np.int64)
        chi = rs.chi2(np.repeat(k1, 12), np.repeat(k2, 12), extra, dof).reshape(n_paths, 12)
        sc = np.sqrt((dof - 2.0) / chi)
    zt = np.ascontiguousarray(np.moveaxis(z, 1, 0))  # (n, n_paths, 12): each asset's draws contiguous
    acc = np.empty((n_paths, 12))
    term = np.empty((n_paths, 12))
    for a in range(n):
        acc.fill(0.0)
        for k in range(a + 1 if lower else n):
            np.multiply(zt[k], root[a, k], out=term)
            acc += term
        x = mean[a] + sc * acc
        if code == 1:
            g[:, a, :] = rs.exp(x)
        else:
            g[:, a, :] = np.where(x > -1.0, 1.0 + x, 0.0)
    return g


def _chain(first, steps, op):
    """``op``-accumulate along the months of ``steps`` (n_paths, 12) from ``first`` (n_paths,), in order."""
    out = np.empty_like(steps)
    acc = first
    for m in range(steps.shape[1]):
        acc = op(acc, steps[:, m])
        out[:, m] = acc
    return out


def _sum_assets(x):
    """Sum over the asset axis (1) of ``x`` (n_paths, n, 12), adding in asset order as the kernel does."""
    total = x[:, 0, :].copy()
    for a in range(1, x.shape[1]):
        total += x[:, a, :]
    return total


def _year_units(u, held, g, rebal, weights, total_weight):
    """Units after each month's growth (n_paths, n, 12), their sums after and before, and the year-end state.

    The kernel multiplies ``u`` month by month and resets it to the weights after a rebalancing month.
    """
    n_paths = g.shape[0]
    units = np.empty_like(g)
    before = np.empty((n_paths, 12))
    for m in range(12):
        u = u * g[:, :, m]
        units[:, :, m] = u
        if rebal[m]:
            u = np.tile(weights, (n_paths, 1))
    after = _sum_assets(units)
    before[:, 0] = held
    for m in range(1, 12):
        before[:, m] = total_weight if rebal[m - 1] else after[:, m - 1]
    held = np.full(n_paths, total_weight) if rebal[11] else after[:, 11].copy()
    return units, after, before, u, held


def _count_years(counts, lows, highs, x, inv_scale):
    """Histogram every column (year) of ``x`` (n_paths, years + 1) into ``counts`` etc. (years + 1, VALUE_BINS)."""
    n_points = x.shape[1]
    key = (np.arange(n_points)[None, :] * VALUE_BINS + value_bins(x, inv_scale)).ravel()
    counts += np.bincount(key, minlength=n_points * VALUE_BINS).reshape(n_points, VALUE_BINS).astype(counts.dtype)
    order = np.argsort(key, kind="stable")
    keys, vals = key[order], x.ravel()[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    year, b = np.divmod(keys[starts], VALUE_BINS)
    lows[year, b] = np.minimum(lows[year, b], np.minimum.reduceat(vals, starts))
    highs[year, b] = np.maximum(highs[year, b], np.maximum.reduceat(vals, starts))


def simulate_plan_numpy(s1, s2, n_paths, n_lanes, code, mean, root, lower, dof, history, block, weights, yields_m,
                        need_income, fee_factor, contrib, wfix, wpct, wspend, rebal, deflator, swr_unit,
                        start_value, inv_scale, counts, lows, highs, hist_growth, hist_rates, sums, failures, keep,
                        paths_nominal, paths_real, step, n_steps):
    """Fill the outputs of :func:`.paths._simulate_plan` (histograms in lane 0, sums lane by lane); like the
    kernel, only part ``step`` of ``n_steps`` of each lane's paths."""
    n = weights.shape[0]
    n_years = contrib.shape[0] // 12
    bounds = []
    for lane in range(n_lanes):
        first = lane * n_paths // n_lanes
        span = (lane + 1) * n_paths // n_lanes - first
        bounds.append((first + span * step // n_steps, first + span * (step + 1) // n_steps))
    selected = np.concatenate([np.arange(lo, hi) for lo, hi in bounds])
    n_paths = selected.size
    if n_paths == 0:
        return
    k1, k2 = rs.path_keys(s1, s2, selected)
    total_weight = float(np.cumsum(weights)[-1])
    u = np.tile(weights, (n_paths, 1))
    held = np.full(n_paths, total_weight)
    value = np.full(n_paths, start_value)
    growth = np.ones(n_paths)
    acc_a = np.full(n_paths, start_value)
    acc_s = np.zeros(n_paths)
    min_rate = np.full(n_paths, np.inf)
    failed = np.zeros(n_paths, np.bool_)
    rows = np.zeros(n_paths, np.int64)
    nominal = np.zeros((n_paths, n_years + 1))
    real = np.zeros((n_paths, n_years + 1))
    paid_nominal = np.zeros((n_paths, n_years + 1))
    paid_real = np.zeros((n_paths, n_years + 1))
    nominal[:, 0] = real[:, 0] = start_value
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for year in range(n_years):
            months = 12 * year + np.arange(12)
            g = _year_returns(code, k1, k2, year, n, mean, root, lower, dof, history, block, rows)
            units, after, before, u, held = _year_units(u, held, g, rebal[months], weights, total_weight)
            gross = np.where(before > 0.0, after / before * fee_factor, 0.0)
            path = _chain(growth, gross, np.multiply)
            rate = _sum_assets(units * yields_m[None, :, None]) / after if need_income else None
            paid_year = np.zeros(n_paths)
            paid_real_year = np.zeros(n_paths)
            for m in range(12):
                t = months[m]
                value = value * gross[:, m]
                income = np.where(after[:, m] > 0.0, value * rate[:, m], 0.0) if need_income else 0.0
                value = value + contrib[t]
                want = wfix[t] + wpct[t] * value + wspend[t] * income
                short = want > value
                if wfix[t] > 0.0:
                    newly = short & ~failed
                    failures[0, year + 1] += int(newly.sum())
                    failed |= newly
                paid = np.where(short, value, want)
                value = np.where(short, 0.0, value - want)
                paid_year = paid_year + paid
                paid_real_year = paid_real_year + paid * deflator[t]
            growth = path[:, -1]
            alive = path > 0.0
            active = alive & ((contrib[months] != 0.0) | (swr_unit[months] != 0.0))
            inv = 1.0 / path
            sum_a = _chain(acc_a, np.where(active, contrib[months] * inv, 0.0), np.add)
            sum_s = _chain(acc_s, np.where(active, swr_unit[months] * inv, 0.0), np.add)
            candidate = np.where(active & (sum_s > 0.0), sum_a / sum_s, np.inf)
            candidate = np.where(~alive & (swr_unit[months] > 0.0), 0.0, candidate)
            min_rate = _chain(min_rate, candidate, np.minimum)[:, -1]
            acc_a, acc_s = sum_a[:, -1], sum_s[:, -1]
            y = year + 1
            nominal[:, y] = value
            real[:, y] = value * deflator[12 * year + 11]
            paid_nominal[:, y] = paid_year
            paid_real[:, y] = paid_real_year
        end_deflator = deflator[12 * n_years - 1]
        perpetual = np.where(acc_s > 0.0,
                             np.minimum(min_rate, (acc_a - start_value / end_deflator / growth) / acc_s), min_rate)
        perpetual = np.where(growth <= 0.0, -np.inf, perpetual)
    for series, x in ((NOMINAL, nominal), (REAL, real), (INCOME_REAL, paid_real)):
        _count_years(counts[0, :, series], lows[0, :, series], highs[0, :, series], x, inv_scale)
    np.add.at(hist_growth[0, NOMINAL], value_bins(growth, 1.0), 1)
    np.add.at(hist_growth[0, REAL], value_bins(growth * end_deflator, 1.0), 1)
    np.add.at(hist_rates[0, 0], rate_bins(min_rate), 1)
    np.add.at(hist_rates[0, 1], rate_bins(perpetual), 1)
    start = 0
    for lane, (lo, hi) in enumerate(bounds):
        a, start = start, start + hi - lo
        if start == a:
            continue
        for row, data in ((SUM_INCOME, paid_nominal), (SUM_INCOME_REAL, paid_real), (SUM_VALUE, nominal),
                          (SUM_VALUE_REAL, real)):
            part = data[a:start] if step == 0 else np.concatenate([sums[lane, row][None], data[a:start]])
            sums[lane, row] = np.cumsum(part, axis=0)[-1]
    if keep:
        paths_nominal[selected] = nominal
        paths_real[selected] = real
