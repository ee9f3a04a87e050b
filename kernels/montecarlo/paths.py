"""The compiled Monte Carlo kernel: monthly paths of a plan, summarised as they run (memory fixed).

A path holds *units* ``u`` (one per asset, starting at the target weights) and a value ``V``. Each month:

1. returns: ``n_assets`` normals (slots ``t * (n_assets + 1) + a``) correlated by the model's root
   (times the Student-t mixing of slot ``t * (n_assets + 1) + n_assets``), or a bootstrapped month;
2. growth: ``u_a <- u_a * g_a``; the portfolio's gross return ``G = sum(u after) / sum(u before)``, after
   the fee ``G * fee_factor``; the month's income ``V * sum(u_a * yield_a) / sum(u)``;
3. flows: the contribution is added; the withdrawal ``fixed + percent * V + spend * income`` is paid
   (all of ``V`` if it is larger: a fixed withdrawal not paid in full is the path's failure);
4. rebalancing on the policy's months: ``u <- weights``.

Flows leave the weights unchanged (they are spread in proportion to the holdings), so a path's gross
returns do not depend on its flows. That gives each path's *highest sustainable rate* in closed form: with
``P_t`` the growth of 1, a fixed real withdrawal ``r * start_value * I_t / 12`` keeps ``V_t >= 0`` for all
``t`` iff ``r <= min_t A_t / S_t`` with ``A_t = start_value + sum_{k<=t} c_k / P_k`` and
``S_t = sum_{k<=t} start_value * I_k / (12 P_k)`` over withdrawal months (Bengen's test without a search),
and keeps the real value at the end iff also ``r <= (A_T - start_value * I_T / P_T) / S_T``.

Paths are split into a fixed number of *lanes* (independent of the number of threads): each lane fills
its own histograms and sums in path order, and lanes are merged in order, so results are identical on
any number of threads.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, prange
from .streams import _chi2, _exp, _index, _normal, _path_keys, _word

#: Histograms of values: 64 linear sub-bins per octave over 2**-20 .. 2**20 of the scale (bin 0: exactly 0,
#: bin 1: below 2**-20, last: 2**20 and above), each with the smallest and largest value that fell in it.
N_SUB = 64
N_OCTAVES = 40
VALUE_BINS = 2 + N_OCTAVES * N_SUB + 1
_TINY = 2.0 ** -20
_HUGE = 2.0 ** 20
#: Histograms of withdrawal rates: linear bins of 0.0001 (0.01 percentage point) over -1 .. 2.
RATE_LO = -1.0
RATE_HI = 2.0
RATE_SCALE = 10_000.0
RATE_BINS = 2 + int(round((RATE_HI - RATE_LO) * RATE_SCALE)) + 1
#: Series of the yearly value histograms.
NOMINAL, REAL, INCOME_REAL = 0, 1, 2
#: Rows of the sums: yearly income (nominal, real) and value (nominal, real).
SUM_INCOME, SUM_INCOME_REAL, SUM_VALUE, SUM_VALUE_REAL = 0, 1, 2, 3


@jit
def _value_bin(x, inv_scale):
    """Histogram bin of an amount ``x >= 0`` measured against ``1 / inv_scale``."""
    y = x * inv_scale
    if y <= 0.0:
        return 0
    if y < _TINY:
        return 1
    if y >= _HUGE:
        return VALUE_BINS - 1
    m, e = math.frexp(y)
    return 2 + (e + 19) * N_SUB + int((m - 0.5) * (2 * N_SUB))


@jit
def _rate_bin(r):
    """Histogram bin of a withdrawal rate (below -1 and NaN: bin 0; 2 and above: the last bin)."""
    if not r >= RATE_LO:
        return 0
    if r >= RATE_HI:
        return RATE_BINS - 1
    return 1 + int((r - RATE_LO) * RATE_SCALE)


@jit
def _count(counts, lows, highs, b, x):
    """Add ``x`` to bin ``b`` of a histogram that keeps each bin's smallest and largest value."""
    counts[b] += 1
    if x < lows[b]:
        lows[b] = x
    if x > highs[b]:
        highs[b] = x


@jit
def _year_returns(k1, k2, year, n, code, mean, root, lower, dof, history, block, row, z, g):
    """Gross returns ``g[a, m]`` of the 12 months of ``year``; returns the bootstrap row reached."""
    spm = n + 1
    if code == 3:
        n_hist = history.shape[0]
        for m in range(12):
            t = 12 * year + m
            if t % block == 0:
                row = _index(_word(k1, k2, t * spm + n, 0), n_hist)
            else:
                row += 1
                if row == n_hist:
                    row = 0
            for a in range(n):
                g[a, m] = 1.0 + history[row, a]
        return row
    for m in range(12):
        base = (12 * year + m) * spm
        for a in range(n):
            z[a, m] = _normal(k1, k2, base + a)
        z[n, m] = 1.0
        if code == 2:
            z[n, m] = math.sqrt((dof - 2.0) / _chi2(k1, k2, base + n, dof))
    for a in range(n):
        for m in range(12):
            g[a, m] = 0.0
        for k in range(a + 1 if lower else n):
            c = root[a, k]
            for m in range(12):
                g[a, m] += c * z[k, m]
        if code == 1:
            for m in range(12):
                g[a, m] = _exp(mean[a] + z[n, m] * g[a, m])
        else:
            for m in range(12):
                x = mean[a] + z[n, m] * g[a, m]
                g[a, m] = 1.0 + x if x > -1.0 else 0.0
    return row


@jit(parallel=True)
def _simulate_plan(s1, s2, n_paths, n_lanes, code, mean, root, lower, dof, history, block, weights, yields_m,
                   need_income, fee_factor, contrib, wfix, wpct, wspend, rebal, deflator, swr_unit, start_value,
                   inv_scale, counts, lows, highs, hist_growth, hist_rates, sums, failures, keep, paths_nominal,
                   paths_real, step, n_steps):
    """Simulate ``n_paths`` paths in ``n_lanes`` lanes; fill the per-lane histograms, sums and failures.

    Each lane runs part ``step`` of ``n_steps`` consecutive parts of its paths (``0, 1`` for all of them):
    calling the kernel for steps 0 to ``n_steps - 1`` in turn adds every path in the same order as one
    call, so the results are the same (a caller can report progress between the calls).

    Schedules (``contrib`` ... ``swr_unit``) have one entry per month; ``deflator[t]`` is 1 over the price
    level at the end of month ``t``; ``swr_unit[t]`` the month's withdrawal per unit of yearly rate
    (``start_value / deflator[t] / 12`` once withdrawals start, else 0). ``counts``, ``lows``, ``highs``
    are ``(n_lanes, years + 1, 3, VALUE_BINS)`` histograms of the nominal value, the real value and the
    real income of each year.
    """
    n = weights.shape[0]
    n_years = contrib.shape[0] // 12
    total_weight = 0.0
    for a in range(n):
        total_weight += weights[a]
    for lane in prange(n_lanes):
        u = np.empty(n)
        z = np.empty((n + 1, 12))
        g = np.empty((n, 12))
        first = lane * n_paths // n_lanes
        span = (lane + 1) * n_paths // n_lanes - first
        for p in range(first + span * step // n_steps, first + span * (step + 1) // n_steps):
            k1, k2 = _path_keys(s1, s2, p)
            for a in range(n):
                u[a] = weights[a]
            held = total_weight  # sum(u), kept from the last month's sum
            value = start_value
            growth = 1.0
            acc_a = start_value
            acc_s = 0.0
            min_rate = np.inf
            failed = False
            row = 0
            b = _value_bin(value, inv_scale)
            _count(counts[lane, 0, NOMINAL], lows[lane, 0, NOMINAL], highs[lane, 0, NOMINAL], b, value)
            _count(counts[lane, 0, REAL], lows[lane, 0, REAL], highs[lane, 0, REAL], b, value)
            _count(counts[lane, 0, INCOME_REAL], lows[lane, 0, INCOME_REAL], highs[lane, 0, INCOME_REAL], 0, 0.0)
            sums[lane, SUM_VALUE, 0] += value
            sums[lane, SUM_VALUE_REAL, 0] += value
            if keep:
                paths_nominal[p, 0] = value
                paths_real[p, 0] = value
            for year in range(n_years):
                row = _year_returns(k1, k2, year, n, code, mean, root, lower, dof, history, block, row, z, g)
                paid_year = 0.0
                paid_real_year = 0.0
                for m in range(12):
                    t = 12 * year + m
                    before = held
                    after = 0.0
                    for a in range(n):
                        u[a] *= g[a, m]
                        after += u[a]
                    held = after
                    gross = after / before * fee_factor if before > 0.0 else 0.0
                    growth *= gross
                    value *= gross
                    income = 0.0
                    if need_income and after > 0.0:
                        yl = 0.0
                        for a in range(n):
                            yl += u[a] * yields_m[a]
                        income = value * (yl / after)
                    value += contrib[t]
                    want = wfix[t] + wpct[t] * value + wspend[t] * income
                    if want > value:
                        if wfix[t] > 0.0 and not failed:
                            failed = True
                            failures[lane, year + 1] += 1
                        paid = value
                        value = 0.0
                    else:
                        paid = want
                        value -= want
                    paid_year += paid
                    paid_real_year += paid * deflator[t]
                    if rebal[t]:
                        for a in range(n):
                            u[a] = weights[a]
                        held = total_weight
                    if growth > 0.0 and (contrib[t] != 0.0 or swr_unit[t] != 0.0):
                        inv = 1.0 / growth
                        acc_a += contrib[t] * inv
                        acc_s += swr_unit[t] * inv
                        if acc_s > 0.0:
                            min_rate = min(min_rate, acc_a / acc_s)
                    elif growth <= 0.0 and swr_unit[t] > 0.0 and min_rate > 0.0:
                        min_rate = 0.0
                y = year + 1
                real = value * deflator[12 * year + 11]
                for series, x in ((NOMINAL, value), (REAL, real), (INCOME_REAL, paid_real_year)):
                    _count(counts[lane, y, series], lows[lane, y, series], highs[lane, y, series],
                           _value_bin(x, inv_scale), x)
                sums[lane, SUM_INCOME, y] += paid_year
                sums[lane, SUM_INCOME_REAL, y] += paid_real_year
                sums[lane, SUM_VALUE, y] += value
                sums[lane, SUM_VALUE_REAL, y] += real
                if keep:
                    paths_nominal[p, y] = value
                    paths_real[p, y] = real
            end_deflator = deflator[12 * n_years - 1]
            hist_growth[lane, NOMINAL, _value_bin(growth, 1.0)] += 1
            hist_growth[lane, REAL, _value_bin(growth * end_deflator, 1.0)] += 1
            perpetual = min_rate
            if growth <= 0.0:
                perpetual = -np.inf
            elif acc_s > 0.0:
                perpetual = min(min_rate, (acc_a - start_value / end_deflator / growth) / acc_s)
            hist_rates[lane, 0, _rate_bin(min_rate)] += 1
            hist_rates[lane, 1, _rate_bin(perpetual)] += 1
