"""Whole shares and lot sizes: round a continuous rebalance to tradeable quantities.

The continuous rebalance says which market value each holding should have after
trading (``ideal``). Markets trade whole shares (``lot_size=1``), round lots
(``lot_size=100``) or fractions (``lot_size=0.001``). The rounding here

1. never spends cash that is not there (cash after trading >= 0),
2. never sells more than is held, never sells when sells are not allowed, never
   touches a fixed (locked) holding, and keeps trades of at least ``min_trade``,
3. gets as close to ``ideal`` as the lots allow, in the L1 sense ``sum_i |x_i - ideal_i|`` (dollars):
   every trade is floored to whole lots (which keeps cash >= 0), then the holdings that get one lot
   more are chosen by an exact 0/1 knapsack (gain: distance removed; weight: the lot's value;
   capacity: the cash left), solved by branch and bound. So each holding ends at the floor of its
   continuous trade or one lot above it, within one lot of ``ideal`` (unless a sale is limited by
   what is held), and the result is the closest such portfolio.

The tests compare the result with ``scipy.optimize.milp`` on small random cases: equal to the MILP
restricted to "floor or one lot more", and never better than (but mostly equal to) the unrestricted
integer optimum, which may sell extra lots of one holding to afford a lot of another.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit
from ._validate import as_scalar, as_vector
from ._validate.holdings import check_lot_size, check_prices, check_values
from .errors import InfeasibleError
from .rebalance_status import STATUS_LOTS_CANNOT_RAISE_CASH, STATUS_OK

#: Relative slack used for "fits in the cash" and "a lot removes distance" (fractions of the account value).
LOT_RTOL = 1e-12


class LotRounding(NamedTuple):
    """Whole-lot trades close to an ideal set of post-trade values.

    Attributes
    ----------
    lots : ndarray of shape (n_assets,)
        Lots bought (positive) or sold (negative) per holding, whole numbers.
    shares : ndarray of shape (n_assets,)
        ``lots * lot_size``: shares bought (positive) or sold (negative).
    trades : ndarray of shape (n_assets,)
        ``shares * prices`` in currency units.
    values : ndarray of shape (n_assets,)
        Market value per holding after trading.
    cash : float
        Cash left after trading (never negative).
    distance : float
        ``sum |values - ideal|``, the L1 distance to the ideal values in currency units.
    """

    lots: NDArray[np.float64]
    shares: NDArray[np.float64]
    trades: NDArray[np.float64]
    values: NDArray[np.float64]
    cash: float
    distance: float


class LotsResult(NamedTuple):
    """What :func:`_round_to_lots` returns beside the lots it writes."""

    cash: float
    """Cash left after trading (>= 0 when ``status`` is OK)."""
    status: int
    """A :class:`kernels.rebalance_status.RebalanceStatus` code (OK or LOTS_CANNOT_RAISE_CASH)."""


@jit
def _min_trade_ok(k, lot_value, min_trade):
    """A position of ``k`` lots is allowed by ``min_trade`` (no trade, or a trade of at least min_trade)."""
    return k == 0.0 or abs(k * lot_value) >= min_trade * (1.0 - 1e-12)


#: Branch-and-bound nodes per account before the best selection found so far is accepted (about 0.3 ms).
#: Random books of 30 holdings need at most ~15,000; many lots of identical value and gain (a symmetric
#: knapsack) can need more, and then the first, greedy descent's selection or a better one is kept.
MAX_KNAPSACK_NODES = 50_000


@jit
def _knapsack_01(items, m, gain, weight, capacity, tol, take):
    """Exact 0/1 knapsack over ``items[:m]`` (depth-first branch and bound with the LP bound).

    Reorders ``items[:m]`` by gain per unit weight and sets ``take[a]`` for the chosen ``items[a]``.
    Returns the number of nodes visited (stops at ``MAX_KNAPSACK_NODES`` with the best found).
    """
    for a in range(1, m):  # insertion sort by ratio, descending
        key = items[a]
        r = gain[key] / weight[key]
        b = a - 1
        while b >= 0 and gain[items[b]] / weight[items[b]] < r:
            items[b + 1] = items[b]
            b -= 1
        items[b + 1] = key
    x = np.zeros(m, np.bool_)
    best = 0.0
    cw = 0.0
    cv = 0.0
    j = 0
    nodes = 0
    while nodes < MAX_KNAPSACK_NODES:
        nodes += 1
        # LP bound from item j on
        rem = capacity - cw
        ub = cv
        t = j
        while t < m and weight[items[t]] <= rem:
            rem -= weight[items[t]]
            ub += gain[items[t]]
            t += 1
        if t < m:
            ub += gain[items[t]] * rem / weight[items[t]]
        if ub > best + tol:
            for a in range(j, t):  # take every item that fits, in ratio order
                x[a] = True
                cw += weight[items[a]]
                cv += gain[items[a]]
            j = t
            if t < m:
                x[t] = False  # does not fit below this node
                j = t + 1
            if j < m:
                continue
            if cv > best + tol:  # a leaf better than the incumbent
                best = cv
                for a in range(m):
                    take[a] = x[a]
        # backtrack: the last item taken is left out, and the search goes on from there
        b = min(j, m) - 1
        while b >= 0 and not x[b]:
            b -= 1
        if b < 0:
            break
        x[b] = False
        cw -= weight[items[b]]
        cv -= gain[items[b]]
        j = b + 1
    return nodes


@jit
def _round_to_lots(values, ideal, lot_value, fixed, cash, allow_sells, min_trade, tol, k):
    """Whole lots ``k`` (written in place) close to ``ideal``; returns a :class:`LotsResult`.

    ``lot_value`` is price * lot size (> 0 wherever not fixed); ``tol`` an absolute slack in currency units.
    """
    n = values.shape[0]
    residual = cash
    for i in range(n):
        k[i] = 0.0
        if fixed[i]:
            continue
        max_sell = np.floor(values[i] / lot_value[i] + 1e-9)
        ki = np.floor((ideal[i] - values[i]) / lot_value[i] + 1e-9)
        if ki < -max_sell:
            ki = -max_sell
        if ki < 0.0 and not allow_sells:
            ki = 0.0
        k[i] = ki
        residual -= ki * lot_value[i]

    # A sale limited by what is held can leave cash short: give up the buy lot (or sell the
    # extra lot) that adds the least distance until the cash is there.
    while residual < -tol:
        best = -1
        best_cost = np.inf
        for i in range(n):
            if fixed[i]:
                continue
            ki = k[i] - 1.0
            if ki < 0.0 and (not allow_sells or ki < -np.floor(values[i] / lot_value[i] + 1e-9)):
                continue
            d = ideal[i] - (values[i] + k[i] * lot_value[i])
            cost = abs(d + lot_value[i]) - abs(d)
            if cost < best_cost:
                best_cost = cost
                best = i
        if best < 0:
            return LotsResult(residual, STATUS_LOTS_CANNOT_RAISE_CASH)
        k[best] -= 1.0
        residual += lot_value[best]

    if min_trade > 0.0:
        for i in range(n):
            if k[i] > 0.0 and not _min_trade_ok(k[i], lot_value[i], min_trade):
                residual += k[i] * lot_value[i]
                k[i] = 0.0
        for i in range(n):
            if k[i] < 0.0 and not _min_trade_ok(k[i], lot_value[i], min_trade):
                if residual + k[i] * lot_value[i] >= -tol:
                    residual += k[i] * lot_value[i]
                    k[i] = 0.0

    # Which holdings get one lot more: a 0/1 knapsack (gain = distance removed, weight = lot value,
    # capacity = cash left), solved exactly by branch and bound.
    items = np.empty(n, np.int64)
    gain = np.empty(n)
    m = 0
    for i in range(n):
        if fixed[i] or lot_value[i] > residual + tol:
            continue
        if not _min_trade_ok(k[i] + 1.0, lot_value[i], min_trade):
            continue
        d = ideal[i] - (values[i] + k[i] * lot_value[i])
        g = abs(d) - abs(d - lot_value[i])
        if g > tol:
            items[m] = i
            gain[i] = g
            m += 1
    if m > 0:
        take = np.zeros(m, np.bool_)
        _knapsack_01(items, m, gain, lot_value, residual + tol, tol, take)
        for a in range(m):
            if take[a]:
                k[items[a]] += 1.0
                residual -= lot_value[items[a]]
    if residual < 0.0:
        residual = 0.0  # within tol: rounding noise of the products k * lot_value
    return LotsResult(residual, STATUS_OK)


def round_to_lots(
    values: ArrayLike,
    ideal: ArrayLike,
    prices: ArrayLike,
    *,
    cash: float = 0.0,
    lot_size: ArrayLike = 1.0,
    allow_sells: bool = True,
    min_trade: float = 0.0,
) -> LotRounding:
    """Whole-lot trades that bring ``values`` close to ``ideal`` without spending cash that is not there.

    Parameters
    ----------
    values : array_like of shape (n_assets,)
        Market value of each holding now (>= 0), currency units.
    ideal : array_like of shape (n_assets,)
        Market value each holding should have after trading (>= 0), e.g. from a continuous rebalance.
    prices : array_like of shape (n_assets,)
        Price per share (> 0).
    cash : float, default 0
        Cash available for buying (>= 0), including any deposit.
    lot_size : float or array_like of shape (n_assets,), default 1
        Shares per tradeable lot: 1 for whole shares, 100 for round lots, 0.001 for fractional shares.
    allow_sells : bool, default True
    min_trade : float, default 0
        Smallest trade worth making, currency units.

    Returns
    -------
    LotRounding

    Raises
    ------
    InputError
        Bad shapes or values.
    InfeasibleError
        Cash is short (``cash < 0`` is not accepted, so only when sells limited to whole lots cannot cover it).

    Examples
    --------
    >>> r = round_to_lots([0.0, 0.0], [600.0, 400.0], [70.0, 30.0], cash=1000.0)
    >>> r.shares.tolist(), round(r.cash, 2)
    ([8.0, 13.0], 50.0)
    """
    v = check_values(values)
    x = as_vector(ideal, "ideal", size=v.size, size_name="len(values)")
    check_values(x, "ideal", what="post-trade values")
    p = check_prices(prices, v.size)
    lots = check_lot_size(lot_size, v.size)
    c = as_scalar(cash, "cash", low=0.0)
    mt = as_scalar(min_trade, "min_trade", low=0.0)
    lot_value = p * lots
    k = np.empty(v.size)
    tol = LOT_RTOL * max(1.0, float(v.sum()) + c)
    rounded = _round_to_lots(v, x, lot_value, np.zeros(v.size, np.bool_), c, bool(allow_sells), mt, tol, k)
    if rounded.status != STATUS_OK:
        raise InfeasibleError("cash: whole-lot sales cannot raise the cash needed; allow sells or use smaller lots.")
    trades = k * lot_value
    post = v + trades
    return LotRounding(k, k * lots, trades, post, float(rounded.cash), float(np.abs(post - x).sum()))

