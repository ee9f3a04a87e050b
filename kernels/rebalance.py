"""Rebalancing one account: the trades that bring holdings back to their target weights.

Conventions
-----------
- ``values`` are market values of the holdings now; ``targets`` are target weights summing to 1.
- The targets apply to the account's total after the cash flow,
  ``total = sum(values) + cash + cash_flow``; cash is invested (none is kept back: to keep a cash
  reserve, make cash a holding with its own target and price 1).
- Trades are in currency units, positive for buys. Without whole-share rounding
  ``sum(trades) == cash + cash_flow`` and the cash left is 0.
- Bands (``band`` in weight points, ``relative_band`` as a fraction of each target) say how far a
  weight may drift; with both, the narrower one applies (the "5/25" rule: 5 points or 25% of the
  target, whichever is smaller). Weights are measured against ``total``.
- ``mode="to_target"`` trades every holding back to its target once any holding is outside its band
  (always, without bands); ``mode="to_band"`` trades only holdings outside their band, back to the band
  edge. The cash flow, or what those trades leave over, goes to the most underweight holdings first
  (a deposit) or comes from the most overweight first (a withdrawal): the distances to target, in
  weight points, are levelled, which minimises the sum of squared weight deviations without sells.
- ``locked`` holdings never trade; the other holdings share what is left in proportion to their targets.
- ``min_trade``: a holding whose trade would be smaller is left alone and the others are rebalanced
  around it (repeated until no trade is too small); a sale smaller than ``min_trade`` is kept only when
  the cash it raises is needed for a withdrawal.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit
from ._validate import as_scalar, check_choice
from ._validate.holdings import (
    TARGET_SUM_ATOL,
    check_bands,
    check_locked,
    check_lot_size,
    check_prices,
    check_targets,
    check_values,
)
from .errors import InfeasibleError, InputError
from .rebalance_status import (
    STATUS_LOTS_CANNOT_RAISE_CASH,
    STATUS_MESSAGES,
    STATUS_OK,
    STATUS_WITHDRAWAL_EXCEEDS_ACCOUNT,
    STATUS_WITHDRAWAL_EXCEEDS_UNLOCKED,
    STATUS_WITHDRAWAL_NEEDS_SELLS,
    RebalanceStatus,
)
from .whole_shares import _round_to_lots

__all__ = [
    "REBALANCE_MODES",
    "STATUS_LOTS_CANNOT_RAISE_CASH",
    "STATUS_MESSAGES",
    "STATUS_OK",
    "STATUS_WITHDRAWAL_EXCEEDS_ACCOUNT",
    "STATUS_WITHDRAWAL_EXCEEDS_UNLOCKED",
    "STATUS_WITHDRAWAL_NEEDS_SELLS",
    "TARGET_SUM_ATOL",
    "TRADE_RTOL",
    "AccountResult",
    "RebalanceResult",
    "RebalanceStatus",
    "rebalance_trades",
]

#: ``mode`` option -> "trade back to the band edge" (False: back to target).
REBALANCE_MODES = {"to_target": False, "to_band": True}

#: Relative slack (of the account value) under which a trade is rounding noise and a band is not crossed.
TRADE_RTOL = 1e-12


class RebalanceResult(NamedTuple):
    """Trades for one account and the account after them.

    Attributes
    ----------
    trades : ndarray of shape (n_assets,)
        Amount traded per holding, currency units; positive buys, negative sells.
    shares : ndarray of shape (n_assets,)
        Shares traded per holding (``trades / prices``, whole lots); NaN when no prices are given.
    values : ndarray of shape (n_assets,)
        Market value per holding after trading.
    weights : ndarray of shape (n_assets,)
        Weights after trading, of the account total (holdings plus cash left).
    cash : float
        Cash left after trading (0 without whole-share rounding; never negative).
    turnover : float
        One-way turnover ``sum |trades| / (2 * total)``.
    bands_triggered : bool
        Some holding was outside its band before trading (always True without bands).
    max_drift : float
        Largest ``|weight - target|`` before trading, in weight points (of ``total``).
    n_trades : int
        Number of holdings traded.
    """

    trades: NDArray[np.float64]
    shares: NDArray[np.float64]
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    cash: float
    turnover: float
    bands_triggered: bool
    max_drift: float
    n_trades: int


class Continuous(NamedTuple):
    """What :func:`_solve_continuous` returns beside the post-trade values it writes."""

    triggered: bool
    status: int


class AccountResult(NamedTuple):
    """What :func:`_rebalance_one` returns beside the arrays it fills (the batch reads it per row)."""

    cash_left: float
    turnover: float
    triggered: bool
    max_drift: float
    status: int
    """A :class:`RebalanceStatus` code."""


# ----------------------------------------------------------------------------------------- kernels


@jit
def _level(gaps, n, amount, idx):
    """``lam >= 0`` with ``sum_i max(0, gaps_i - lam) == amount`` (0 when the positive gaps sum to less).

    Water-filling: the largest gaps are served first and levelled. ``idx`` is an int workspace.
    """
    m = 0
    for i in range(n):
        if gaps[i] > 0.0:
            idx[m] = i
            m += 1
    for a in range(1, m):  # insertion sort, descending gaps (n is small)
        key = idx[a]
        g = gaps[key]
        b = a - 1
        while b >= 0 and gaps[idx[b]] < g:
            idx[b + 1] = idx[b]
            b -= 1
        idx[b + 1] = key
    total = 0.0
    for a in range(m):
        total += gaps[idx[a]]
        lam = (total - amount) / (a + 1)
        nxt = gaps[idx[a + 1]] if a + 1 < m else 0.0
        if lam >= nxt:
            return max(lam, 0.0)
    return 0.0


@jit
def _solve_continuous(values, targets, c0, total, band_abs, band_rel, has_band, to_band, allow_sells,
                      fixed, trigger, x, tau, gaps, idx, tol):
    """Post-trade values ``x`` (continuous); returns a :class:`Continuous`.

    ``trigger``: -1 decide from the bands, 0/1 force (keeps the decision of the first pass).
    """
    n = values.shape[0]
    v_free = 0.0
    t_free = 0.0
    for i in range(n):
        x[i] = values[i]
        if not fixed[i]:
            v_free += values[i]
            t_free += targets[i]
    if not allow_sells and c0 < -tol:
        return Continuous(False, STATUS_WITHDRAWAL_NEEDS_SELLS)
    p_free = v_free + c0
    if p_free < -tol:
        return Continuous(False, STATUS_WITHDRAWAL_EXCEEDS_UNLOCKED)
    p_free = max(p_free, 0.0)
    for i in range(n):
        tau[i] = targets[i] / t_free * p_free if (t_free > 0.0 and not fixed[i]) else 0.0

    triggered = True
    if trigger >= 0:
        triggered = trigger == 1
    elif has_band:
        triggered = False
        for i in range(n):
            if not fixed[i] and abs(values[i] - tau[i]) > _band_width(band_abs[i], band_rel, tau[i], total) + tol:
                triggered = True

    if not allow_sells:
        for i in range(n):
            gaps[i] = tau[i] - values[i] if not fixed[i] else 0.0
        lam = _level(gaps, n, max(c0, 0.0), idx)
        for i in range(n):
            if not fixed[i]:
                x[i] = values[i] + max(gaps[i] - lam, 0.0)
        return Continuous(triggered, STATUS_OK)

    if triggered and not to_band:
        for i in range(n):
            if not fixed[i]:
                x[i] = tau[i]
        return Continuous(triggered, STATUS_OK)

    s = 0.0
    for i in range(n):
        if not fixed[i]:
            if has_band:
                w = _band_width(band_abs[i], band_rel, tau[i], total)
                x[i] = min(max(values[i], tau[i] - w), tau[i] + w)
            s += x[i]
    amount = p_free - s
    sign = 1.0 if amount > 0.0 else -1.0
    for i in range(n):
        gaps[i] = sign * (tau[i] - x[i]) if not fixed[i] else 0.0
    lam = _level(gaps, n, abs(amount), idx)
    for i in range(n):
        if not fixed[i]:
            x[i] += sign * max(gaps[i] - lam, 0.0)
            if x[i] < 0.0:
                x[i] = 0.0
    return Continuous(triggered, STATUS_OK)


@jit
def _band_width(band_abs, band_rel, tau, total):
    """Band half-width in currency units: the narrower of the absolute and relative band."""
    w = np.inf if band_abs == np.inf else band_abs * total
    if band_rel >= 0.0:
        w = min(w, band_rel * tau)
    return w


@jit
def _rebalance_one(values, targets, cash, cash_flow, band_abs, band_rel, has_band, to_band, min_trade,
                   lot_value, whole, allow_sells, locked,
                   trades, lots, post, weights, fixed, prev, tau, gaps, idx):
    """One account; fills ``trades``, ``lots``, ``post``, ``weights``.

    Returns an :class:`AccountResult`. Workspaces: ``fixed`` (bool),
    ``prev``, ``tau``, ``gaps`` (float), ``idx`` (int), all of length n_assets.
    """
    n = values.shape[0]
    invested = 0.0
    for i in range(n):
        invested += values[i]
        trades[i] = 0.0
        lots[i] = 0.0
        post[i] = values[i]
        weights[i] = 0.0
        fixed[i] = locked[i]
    c0 = cash + cash_flow
    total = invested + c0
    tol = TRADE_RTOL * max(1.0, invested + abs(cash) + abs(cash_flow))
    if total < -tol:
        return AccountResult(0.0, 0.0, False, 0.0, STATUS_WITHDRAWAL_EXCEEDS_ACCOUNT)
    total = max(total, 0.0)
    max_drift = 0.0
    if total > 0.0:
        for i in range(n):
            max_drift = max(max_drift, abs(values[i] / total - targets[i]))

    first = _solve_continuous(values, targets, c0, total, band_abs, band_rel, has_band, to_band,
                              allow_sells, fixed, -1, post, tau, gaps, idx, tol)
    triggered = first.triggered
    if first.status != STATUS_OK:
        return AccountResult(0.0, 0.0, False, max_drift, first.status)
    if min_trade > 0.0:
        forced = 1 if triggered else 0
        mark = np.zeros(n, np.bool_)
        keep_sells = False  # set once the withdrawal turns out to need the small sales
        for _ in range(n + 1):
            n_small = 0
            for i in range(n):
                t = post[i] - values[i]
                mark[i] = (not fixed[i] and abs(t) > tol and abs(t) < min_trade and (t > 0.0 or not keep_sells))
                n_small += mark[i]
            if n_small == 0:
                break
            for i in range(n):
                prev[i] = post[i]
                if mark[i]:
                    fixed[i] = True
            status = _solve_continuous(values, targets, c0, total, band_abs, band_rel, has_band, to_band,
                                       allow_sells, fixed, forced, post, tau, gaps, idx, tol).status
            if status != STATUS_OK:
                # the withdrawal needs the small sales: free them again and leave out only the small buys
                # (always feasible: the cash those buys would have taken stays with the free holdings)
                keep_sells = True
                n_buys = 0
                for i in range(n):
                    if mark[i] and prev[i] < values[i]:
                        fixed[i] = False
                    elif mark[i]:
                        n_buys += 1
                if n_buys > 0:
                    status = _solve_continuous(values, targets, c0, total, band_abs, band_rel, has_band,
                                               to_band, allow_sells, fixed, forced, post, tau, gaps, idx, tol).status
                if n_buys == 0 or status != STATUS_OK:
                    for i in range(n):
                        post[i] = prev[i]
                    status = STATUS_OK
                    break

    if whole:
        for i in range(n):
            fixed[i] = locked[i] or abs(post[i] - values[i]) <= tol
        rounded = _round_to_lots(values, post, lot_value, fixed, c0, allow_sells, min_trade, tol, lots)
        if rounded.status != STATUS_OK:
            return AccountResult(0.0, 0.0, triggered, max_drift, rounded.status)
        cash_left = rounded.cash
        for i in range(n):
            trades[i] = lots[i] * lot_value[i]
            post[i] = values[i] + trades[i]
    else:
        spent = 0.0
        for i in range(n):
            t = post[i] - values[i]
            if abs(t) <= tol:
                t = 0.0
                post[i] = values[i]
            trades[i] = t
            spent += t
        cash_left = c0 - spent
        if cash_left < 0.0:
            cash_left = 0.0  # rounding noise (within tol)

    gross = 0.0
    end_total = cash_left
    for i in range(n):
        gross += abs(trades[i])
        end_total += post[i]
    if end_total > 0.0:
        for i in range(n):
            weights[i] = post[i] / end_total
    turnover = gross / (2.0 * total) if total > 0.0 else 0.0
    return AccountResult(cash_left, turnover, triggered, max_drift, STATUS_OK)


# --------------------------------------------------------------------------------- public functions


def check_mode(mode: str, has_band: bool) -> bool:
    """``mode`` as the kernel's ``to_band`` flag."""
    to_band = REBALANCE_MODES[check_choice(mode, "mode", REBALANCE_MODES)]
    if to_band and not has_band:
        raise InputError("mode: 'to_band' needs band or relative_band; give a band or use mode='to_target'.")
    return to_band


def rebalance_trades(
    values: ArrayLike,
    targets: ArrayLike,
    *,
    cash: float = 0.0,
    cash_flow: float = 0.0,
    band: ArrayLike | None = None,
    relative_band: float | None = None,
    mode: str = "to_target",
    min_trade: float = 0.0,
    prices: ArrayLike | None = None,
    lot_size: ArrayLike = 1,
    allow_sells: bool = True,
    locked: ArrayLike | None = None,
) -> RebalanceResult:
    """Trades that bring an account back to its target weights.

    Parameters
    ----------
    values : array_like of shape (n_assets,)
        Market value of each holding now (>= 0), currency units.
    targets : array_like of shape (n_assets,)
        Target weights (>= 0, summing to 1) of the account total after the cash flow.
    cash : float, default 0
        Uninvested cash in the account (>= 0); it is invested.
    cash_flow : float, default 0
        Deposit (> 0) or withdrawal (< 0) to make now.
    band : float or array_like of shape (n_assets,), optional
        Absolute band in weight points (0.05: a 60% target may drift between 55% and 65%).
    relative_band : float, optional
        Relative band as a fraction of each target (0.25: a 60% target may drift between 45% and 75%).
    mode : {"to_target", "to_band"}, default "to_target"
        Once a band is crossed, trade back to the targets or only to the band edges.
    min_trade : float, default 0
        Smallest trade worth making, currency units.
    prices : array_like of shape (n_assets,), optional
        Prices per share (> 0); when given, trades are whole lots of ``lot_size`` shares.
    lot_size : float or array_like of shape (n_assets,), default 1
        Shares per lot: 1 whole shares, 100 round lots, 0.001 fractional shares.
    allow_sells : bool, default True
        False: never sell; only the cash and the deposit are invested.
    locked : array_like of bool, shape (n_assets,), optional
        Holdings that must not trade.

    Returns
    -------
    RebalanceResult

    Raises
    ------
    InputError
        Negative values, targets not summing to 1, sizes that differ, zero or negative prices, a withdrawal
        larger than the account, unknown mode.
    InfeasibleError
        A withdrawal that cannot be raised under ``allow_sells``, ``locked`` or whole lots.

    Examples
    --------
    A 60/40 portfolio of $100,000 after stocks +10% and bonds +3%:

    >>> r = rebalance_trades([66_000, 41_200], [0.6, 0.4])
    >>> r.trades.round(2).tolist(), r.values.round(2).tolist()
    ([-1680.0, 1680.0], [64320.0, 42880.0])
    >>> rebalance_trades([66_000, 41_200], [0.6, 0.4], band=0.05).bands_triggered
    False
    """
    v = check_values(values)
    n = v.size
    t = check_targets(targets, n)
    c = as_scalar(cash, "cash", low=0.0)
    flow = as_scalar(cash_flow, "cash_flow")
    band_abs, band_rel, has_band = check_bands(band, relative_band, n)
    to_band = check_mode(mode, has_band)
    mt = as_scalar(min_trade, "min_trade", low=0.0)
    lk = check_locked(locked, n)
    whole = prices is not None
    if whole:
        lot_shares = check_lot_size(lot_size, n)
        lot_value = check_prices(prices, n) * lot_shares
    else:
        lot_value = np.ones(n)
    if v.sum() + c + flow < -TRADE_RTOL * max(1.0, v.sum() + c + abs(flow)):
        raise InputError(
            f"cash_flow: a withdrawal of {-flow:,.2f} exceeds the account's value {v.sum() + c:,.2f}; withdraw less."
        )
    trades, lots, post, weights = (np.empty(n) for _ in range(4))
    res = _rebalance_one(
        v, t, c, flow, band_abs, band_rel, has_band, to_band, mt, lot_value, whole, bool(allow_sells), lk,
        trades, lots, post, weights, np.empty(n, np.bool_), np.empty(n), np.empty(n), np.empty(n),
        np.empty(n, np.int64),
    )
    if res.status != STATUS_OK:
        raise InfeasibleError(STATUS_MESSAGES[res.status])
    shares = lots * lot_shares if whole else np.full(n, np.nan)
    return RebalanceResult(
        trades, shares, post, weights, float(res.cash_left), float(res.turnover), bool(res.triggered),
        float(res.max_drift), int(np.count_nonzero(trades)),
    )
