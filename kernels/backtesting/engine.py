"""The compiled backtest: holdings row by row, trading through :mod:`kernels.rebalance`'s own kernel.

Each row ``t >= 1`` of a weight set does, in this order:

1. growth: ``h_i <- h_i * f[t, i]`` where ``f`` is the price ratio times the reinvested income and
   minus the fee of the row (income paid out and fees are recorded from ``h * inc_f`` and ``h * fee_f``);
2. the cash flow of the row: a fixed amount plus a fraction of the value (a withdrawal larger than the
   portfolio takes what is there and records the shortfall);
3. on a review row: :func:`kernels.rebalance._rebalance_one` with the policy's bands and mode, the cash
   flow included (so bands, "to target"/"to band" and where a flow goes follow ``rebalance_trades``);
   on other rows with a flow: the cash-flow policy sends it to the most underweight holdings (or takes a
   withdrawal from the most overweight), every other policy buys at the target weights (contributions)
   or sells in proportion to the holdings (withdrawals);
4. transaction costs of the trades, ``sum_i cost_i |trade_i|``, paid from the holdings in proportion.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit
from ..rebalance import _rebalance_one


@jit
def _run_backtest(f, inc_f, fee_f, flow_amt, flow_pct, review, targets, band_abs, band_rel, has_band, to_band,
                  flows_to_underweight, cost_rate, start_value,
                  values, weights, trades, income, fees, costs, flows, turnover, shortfall):
    """Fill the ``(n_sets, n_obs[, n_assets])`` outputs for every weight set (rows of ``targets``).

    Parameters
    ----------
    f, inc_f, fee_f : ndarray of shape (n_obs, n_assets)
        Per-row factors on the holdings of the previous row: growth, income, fees (row 0 unused).
    flow_amt, flow_pct : ndarray of shape (n_obs,)
        Cash flow of each row: currency, plus a fraction of the value after growth.
    review : ndarray of shape (n_obs,), bool
        Rows on which the policy looks at the weights.
    targets : ndarray of shape (n_sets, n_assets)
    band_abs : ndarray of shape (n_assets,); band_rel : float; has_band, to_band : bool
        As :func:`kernels.rebalance._rebalance_one` takes them.
    flows_to_underweight : bool
        Flows on rows without a review go to the most underweight holdings (cash-flow rebalancing).
    cost_rate : ndarray of shape (n_assets,)
        Transaction cost per unit traded (decimal; 10 bp = 0.001).
    """
    n_sets, n = targets.shape
    n_obs = f.shape[0]
    h = np.empty(n)
    tr = np.empty(n)
    lots = np.empty(n)
    post = np.empty(n)
    wts = np.empty(n)
    fixed = np.empty(n, np.bool_)
    locked = np.zeros(n, np.bool_)
    prev = np.empty(n)
    tau = np.empty(n)
    gaps = np.empty(n)
    idx = np.empty(n, np.int64)
    lot_value = np.ones(n)
    no_band = np.full(n, np.inf)
    for s in range(n_sets):
        tsum = 0.0
        for i in range(n):
            tsum += targets[s, i]
        for i in range(n):
            h[i] = targets[s, i] / tsum * start_value
            weights[s, 0, i] = targets[s, i] / tsum
            trades[s, 0, i] = h[i]
        values[s, 0] = start_value
        for t in range(1, n_obs):
            inc = 0.0
            fee = 0.0
            v = 0.0
            for i in range(n):
                inc += h[i] * inc_f[t, i]
                fee += h[i] * fee_f[t, i]
                h[i] *= f[t, i]
                v += h[i]
            income[s, t] = inc
            fees[s, t] = fee
            flow = flow_amt[t] + flow_pct[t] * v
            if flow < -v:
                shortfall[s, t] = -v - flow
                flow = -v
            flows[s, t] = flow
            for i in range(n):
                tr[i] = 0.0
            if review[t] or (flow != 0.0 and flows_to_underweight):
                if review[t]:
                    _rebalance_one(h, targets[s], 0.0, flow, band_abs, band_rel, has_band, to_band, 0.0, lot_value,
                                   False, True, locked, tr, lots, post, wts, fixed, prev, tau, gaps, idx)
                else:
                    _rebalance_one(h, targets[s], 0.0, flow, no_band, -1.0, True, True, 0.0, lot_value,
                                   False, True, locked, tr, lots, post, wts, fixed, prev, tau, gaps, idx)
                for i in range(n):
                    h[i] += tr[i]
            elif flow > 0.0:
                for i in range(n):
                    tr[i] = flow * (targets[s, i] / tsum)
                    h[i] += tr[i]
            elif flow < 0.0:
                share = flow / v
                for i in range(n):
                    tr[i] = h[i] * share
                    h[i] += tr[i]
            buys = 0.0
            sells = 0.0
            cost = 0.0
            for i in range(n):
                trades[s, t, i] = tr[i]
                if tr[i] > 0.0:
                    buys += tr[i]
                else:
                    sells -= tr[i]
                cost += cost_rate[i] * abs(tr[i])
            if v > 0.0:
                turnover[s, t] = min(buys, sells) / v
            if cost > 0.0:
                total = 0.0
                for i in range(n):
                    total += h[i]
                if total > 0.0:
                    cost = min(cost, total)
                    keep = 1.0 - cost / total
                    for i in range(n):
                        h[i] *= keep
                else:
                    cost = 0.0  # nothing left to pay from
            costs[s, t] = cost
            v = 0.0
            for i in range(n):
                v += h[i]
            values[s, t] = v
            for i in range(n):
                weights[s, t, i] = h[i] / v if v > 0.0 else 0.0
