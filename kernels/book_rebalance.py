"""Rebalancing a book of accounts in one compiled, parallel call (:func:`rebalance_batch`).

Each account (row) is rebalanced exactly as :func:`kernels.rebalance.rebalance_trades` would do it
(the same compiled kernel runs per row). Accounts with fewer holdings than the widest one are padded
with zeros (value 0, target 0: such a column never trades). A problem that concerns one account only
(a withdrawal that cannot be raised) does not stop the batch: that row gets a non-zero ``status``
(a :class:`kernels.rebalance_status.RebalanceStatus`, see its ``STATUS_MESSAGES``) and no trades.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit, prange
from ._validate import as_scalar
from ._validate.holdings import (
    as_book_rows,
    as_per_account,
    check_bands,
    check_book_cash,
    check_book_targets,
    check_book_values,
    check_flags,
    check_lot_entries,
    check_price_entries,
)
from .rebalance import _rebalance_one, check_mode

#: Accounts per work item of the parallel loop (each work item allocates its scratch arrays once).
CHUNK = 256


class BatchRebalanceResult(NamedTuple):
    """Trades for many accounts; row ``r`` is what :func:`rebalance_trades` gives for account ``r``.

    Attributes
    ----------
    trades : ndarray of shape (n_accounts, n_assets)
        Currency units, positive buys.
    shares : ndarray of shape (n_accounts, n_assets)
        Shares traded (whole lots); NaN when no prices are given.
    values : ndarray of shape (n_accounts, n_assets)
        Market values after trading.
    weights : ndarray of shape (n_accounts, n_assets)
        Weights after trading, of each account's total (holdings plus cash left).
    cash : ndarray of shape (n_accounts,)
        Cash left per account (never negative).
    turnover : ndarray of shape (n_accounts,)
        One-way turnover per account.
    bands_triggered : ndarray of shape (n_accounts,), bool
    max_drift : ndarray of shape (n_accounts,)
        Largest ``|weight - target|`` before trading.
    status : ndarray of shape (n_accounts,), int8
        0 for accounts rebalanced; otherwise a key of ``STATUS_MESSAGES`` (that row has no trades).
    """

    trades: NDArray[np.float64]
    shares: NDArray[np.float64]
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    cash: NDArray[np.float64]
    turnover: NDArray[np.float64]
    bands_triggered: NDArray[np.bool_]
    max_drift: NDArray[np.float64]
    status: NDArray[np.int8]


@jit(parallel=True)
def _rebalance_batch(values, targets, cash, cash_flow, band_abs, band_rel, has_band, to_band, min_trade,
                     lot_value, lot_size, whole, allow_sells, locked,
                     trades, shares, post, weights, cash_left, turnover, triggered, max_drift, status, chunk):
    """Rows of ``targets``, ``lot_value``, ``lot_size``, ``locked`` and entries of ``cash``, ``cash_flow``
    are shared by all accounts when those arrays have one row (entry)."""
    m, n = values.shape
    n_chunks = (m + chunk - 1) // chunk
    for c in prange(n_chunks):
        fixed = np.empty(n, np.bool_)
        prev = np.empty(n)
        tau = np.empty(n)
        gaps = np.empty(n)
        idx = np.empty(n, np.int64)
        for r in range(c * chunk, min(m, (c + 1) * chunk)):
            tr = r if targets.shape[0] > 1 else 0
            lr = r if lot_value.shape[0] > 1 else 0
            sr = r if lot_size.shape[0] > 1 else 0
            kr = r if locked.shape[0] > 1 else 0
            cr = r if cash.shape[0] > 1 else 0
            fr = r if cash_flow.shape[0] > 1 else 0
            res = _rebalance_one(values[r], targets[tr], cash[cr], cash_flow[fr], band_abs, band_rel, has_band,
                                 to_band, min_trade, lot_value[lr], whole, allow_sells, locked[kr],
                                 trades[r], shares[r], post[r], weights[r], fixed, prev, tau, gaps, idx)
            cash_left[r] = res.cash_left
            turnover[r] = res.turnover
            triggered[r] = res.triggered
            max_drift[r] = res.max_drift
            status[r] = res.status
            for i in range(n):
                shares[r, i] = shares[r, i] * lot_size[sr, i] if whole else np.nan
    return status


def rebalance_batch(
    values: ArrayLike,
    targets: ArrayLike,
    *,
    cash: ArrayLike = 0.0,
    cash_flow: ArrayLike = 0.0,
    band: ArrayLike | None = None,
    relative_band: float | None = None,
    mode: str = "to_target",
    min_trade: float = 0.0,
    prices: ArrayLike | None = None,
    lot_size: ArrayLike = 1,
    allow_sells: bool = True,
    locked: ArrayLike | None = None,
) -> BatchRebalanceResult:
    """Rebalance many accounts at once (one compiled call, parallel over accounts).

    Parameters
    ----------
    values : array_like of shape (n_accounts, n_assets)
        Market values per account (row) and holding (column), >= 0; pad short accounts with 0.
    targets : array_like of shape (n_accounts, n_assets) or (n_assets,)
        Target weights per account (each row sums to 1), or one model shared by all accounts.
    cash, cash_flow : float or array_like of shape (n_accounts,)
        Cash held and deposit (> 0) / withdrawal (< 0) per account.
    band : float or array_like of shape (n_assets,), optional
        Absolute band in weight points, per column.
    relative_band, mode, min_trade, allow_sells
        As in :func:`rebalance_trades`, the same for all accounts.
    prices : array_like of shape (n_accounts, n_assets) or (n_assets,), optional
        Prices per share (> 0 wherever an account holds or targets the column); whole lots when given.
    lot_size : float or array_like of shape (n_assets,) or (n_accounts, n_assets), default 1
    locked : array_like of bool, shape (n_accounts, n_assets) or (n_assets,), optional

    Returns
    -------
    BatchRebalanceResult

    Raises
    ------
    InputError
        Bad shapes or values; the message names the account (row) and holding (column), counted from 1.

    Examples
    --------
    >>> r = rebalance_batch([[66_000, 41_200], [50_000, 50_000]], [0.6, 0.4])
    >>> r.trades.round(2).tolist()
    [[-1680.0, 1680.0], [10000.0, -10000.0]]
    """
    v = check_book_values(values)
    m, n = v.shape
    t = as_book_rows(targets, "targets", m, n, "a model for all accounts")
    check_book_targets(t)
    c = as_per_account(cash, "cash", m)
    check_book_cash(c)
    flow = as_per_account(cash_flow, "cash_flow", m)
    band_abs, band_rel, has_band = check_bands(band, relative_band, n)
    to_band = check_mode(mode, has_band)
    mt = as_scalar(min_trade, "min_trade", low=0.0)
    whole = prices is not None
    if whole:
        p = as_book_rows(prices, "prices", m, n, "prices for all accounts")
        lots = as_book_rows(lot_size, "lot_size", m, n, "lot sizes for all accounts")
        check_lot_entries(lots)
        used = (v > 0) | (t > 0)  # a padding column needs no price
        check_price_entries(p, used if p.shape[0] == m else used.any(axis=0, keepdims=True),
                            per_account=p.shape[0] == m)
        lot_value = p * lots
        lot_value[lot_value <= 0] = 1.0  # unused padding columns
    else:
        lots = np.ones((1, n))
        lot_value = np.ones((1, n))
    if locked is None:
        lk = np.zeros((1, n), np.bool_)
    else:
        lk = check_flags(as_book_rows(locked, "locked", m, n, "flags for all accounts"))
    trades, shares, post, weights = (np.empty((m, n)) for _ in range(4))
    cash_left, turnover, max_drift = np.empty(m), np.empty(m), np.empty(m)
    triggered = np.empty(m, np.bool_)
    status = np.empty(m, np.int8)
    _rebalance_batch(v, t, c, flow, band_abs, band_rel, has_band, to_band, mt, lot_value, lots, whole,
                     bool(allow_sells), lk, trades, shares, post, weights, cash_left, turnover, triggered,
                     max_drift, status, CHUNK)
    return BatchRebalanceResult(trades, shares, post, weights, cash_left, turnover, triggered, max_drift, status)
