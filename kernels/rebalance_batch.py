"""Rebalancing a whole book of accounts in one compiled, parallel call.

Each account (row) is rebalanced exactly as :func:`kernels.rebalance.rebalance_trades` would do it
(the same compiled kernel runs per row). Accounts with fewer holdings than the widest one are padded
with zeros (value 0, target 0: such a column never trades). A problem that concerns one account only
(a withdrawal that cannot be raised) does not stop the batch: that row gets a non-zero ``status``
(see :data:`kernels.rebalance.STATUS_MESSAGES`) and no trades.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit, prange
from ._validate import _check_finite, _to_float_array, as_matrix, as_scalar
from .errors import InputError
from .rebalance import TARGET_SUM_ATOL, _rebalance_one, check_bands, check_mode

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
            cash_left[r] = res[0]
            turnover[r] = res[1]
            triggered[r] = res[2]
            max_drift[r] = res[3]
            status[r] = res[4]
            for i in range(n):
                shares[r, i] = shares[r, i] * lot_size[sr, i] if whole else np.nan
    return status


def _rows(x: ArrayLike, name: str, m: int, n: int, what: str) -> NDArray[np.float64]:
    """A scalar, one row of n values (shared by all accounts) or an (m, n) table, as a 2-D array."""
    arr = _to_float_array(x, name)
    if arr.ndim == 0 or arr.size == 1:
        arr = np.full((1, n), float(arr.reshape(-1)[0]))
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] not in (1, m):
        raise InputError(
            f"{name}: expected {n} values ({what}) or a {m} x {n} table (accounts x holdings), "
            f"got {' x '.join(map(str, arr.shape))}."
        )
    _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def _per_account(x: ArrayLike, name: str, m: int) -> NDArray[np.float64]:
    arr = _to_float_array(x, name).reshape(-1)
    if arr.size not in (1, m):
        raise InputError(f"{name}: expected one value or one per account ({m}), got {arr.size}.")
    _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def _first_bad(mask: NDArray[np.bool_]) -> tuple[int, int]:
    r, c = np.unravel_index(int(np.flatnonzero(mask.ravel())[0]), mask.shape)
    return int(r), int(c)


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
    v = as_matrix(values, "values")
    m, n = v.shape
    if np.any(v < 0):
        r, c = _first_bad(v < 0)
        raise InputError(f"values: account {r + 1}, holding {c + 1} is negative ({v[r, c]:g}); values must be >= 0.")
    t = _rows(targets, "targets", m, n, "a model for all accounts")
    if np.any(t < 0):
        r, c = _first_bad(t < 0)
        raise InputError(f"targets: account {r + 1}, holding {c + 1} is negative ({t[r, c]:g}); targets must be >= 0.")
    sums = t.sum(axis=1)
    bad = np.abs(sums - 1.0) > TARGET_SUM_ATOL
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise InputError(f"targets: account {r + 1} sums to {sums[r]:.6g}, expected 1 (100%); fix that account's model.")
    c = _per_account(cash, "cash", m)
    if np.any(c < 0):
        r = int(np.flatnonzero(c < 0)[0])
        raise InputError(f"cash: account {r + 1} has negative cash ({c[r]:g}); cash must be >= 0.")
    flow = _per_account(cash_flow, "cash_flow", m)
    band_abs, band_rel, has_band = check_bands(band, relative_band, n)
    to_band = check_mode(mode, has_band)
    mt = as_scalar(min_trade, "min_trade", low=0.0)
    whole = prices is not None
    if whole:
        p = _rows(prices, "prices", m, n, "prices for all accounts")
        lots = _rows(lot_size, "lot_size", m, n, "lot sizes for all accounts")
        if np.any(lots <= 0):
            r, cc = _first_bad(lots <= 0)
            raise InputError(f"lot_size: holding {cc + 1} has lot size {lots[r, cc]:g}; lot sizes must be > 0.")
        used = (v > 0) | (t > 0)
        bad_price = (p <= 0) & used if p.shape[0] == m else (p <= 0) & used.any(axis=0, keepdims=True)
        if bad_price.any():
            r, cc = _first_bad(bad_price)
            who = f"account {r + 1}, " if p.shape[0] == m else ""
            raise InputError(f"prices: {who}holding {cc + 1} has price {p[r, cc]:g}; prices must be > 0.")
        lot_value = p * lots
        lot_value[lot_value <= 0] = 1.0  # unused padding columns
    else:
        lots = np.ones((1, n))
        lot_value = np.ones((1, n))
    if locked is None:
        lk = np.zeros((1, n), np.bool_)
    else:
        lk_f = _rows(locked, "locked", m, n, "flags for all accounts")
        if not np.all((lk_f == 0) | (lk_f == 1)):
            raise InputError("locked: expected True/False (or 1/0) per holding; mark holdings that must not trade.")
        lk = lk_f.astype(np.bool_)
    trades, shares, post, weights = (np.empty((m, n)) for _ in range(4))
    cash_left, turnover, max_drift = np.empty(m), np.empty(m), np.empty(m)
    triggered = np.empty(m, np.bool_)
    status = np.empty(m, np.int8)
    _rebalance_batch(v, t, c, flow, band_abs, band_rel, has_band, to_band, mt, lot_value, lots, whole,
                     bool(allow_sells), lk, trades, shares, post, weights, cash_left, turnover, triggered,
                     max_drift, status, CHUNK)
    return BatchRebalanceResult(trades, shares, post, weights, cash_left, turnover, triggered, max_drift, status)
