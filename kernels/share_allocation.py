"""Whole shares from cash: turn target weights and an amount of cash into share counts.

Two modes (the words of the workbook's drop-down):

``invest_fully`` (default)
    The allocation that is closest to the targets when the cash left over counts as a holding
    whose target is 0, and among the closest, the one that leaves the least cash. Precisely, with
    ``V`` the cash to invest, ``t_i = w_i V`` the target amounts, ``x_i`` whole lots of value
    ``p_i`` and ``r = V - sum_i x_i p_i >= 0`` the cash left:

    1. minimise ``D = sum_i |x_i p_i - t_i| + r`` (currency units). Because the targets add up to
       ``V``, ``D = 2 (r + sum_i max(0, x_i p_i - t_i))``: twice the cash left plus the dollars
       bought above target, which is also twice the dollars still missing below target. A dollar
       left idle and a dollar in the wrong holding cost the same, so no holding is pushed far over
       its target just to spend the last dollars, and no cash is left while a holding below target
       can still be bought;
    2. among allocations with the least ``D``, leave the least cash ``r`` (spend the remainder
       on holdings already at target rather than keep it).

    Assets with a zero target are never bought. ``D`` is the objective of PyPortfolioOpt's
    ``DiscreteAllocation.lp_portfolio`` (long only), so the two are directly comparable. It is
    solved exactly by depth-first branch and bound over the share counts (largest target
    first, each count tried from "just over target" down to 0, then above), pruned by the bound of
    the problem's concave-hull relaxation: lots below target cover their cost one for one, the
    lot that crosses the target covers ``t_i - floor(t_i / p_i) p_i`` of its cost, lots above
    cover nothing. The tests compare it with ``scipy.optimize.milp`` solving the same two
    stages. The search is exponential in the worst case: advisor-size books (up to about 10
    holdings, or more when most lots are small against their targets) finish in well under the
    default ``max_nodes``; beyond it (books of many holdings whose share prices are large against
    their targets) the best allocation found is returned with ``proven_optimal=False``.

``nearest``
    Each holding is rounded to the nearest whole lot that the cash allows (the rounding of
    :func:`kernels.round_to_lots` from an empty account): ``sum_i |x_i p_i - t_i|`` is minimised
    over "floor or one lot more" and cash is left over rather than buy a lot that ends further from
    its target than it starts. Use it when overshooting a target is worse than holding cash, e.g.
    before a further deposit.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit
from ._validate import as_scalar, as_vector, check_choice
from .errors import InputError
from .rebalance import TARGET_SUM_ATOL
from .whole_shares import check_lot_size, round_to_lots


class AllocationMode(StrEnum):
    """How cash is turned into whole lots (see the module docstring)."""

    INVEST_FULLY = "invest_fully"
    NEAREST = "nearest"


#: ``mode`` options, for the workbook's drop-down.
ALLOCATION_MODES = tuple(m.value for m in AllocationMode)


class AllocationStatus(IntEnum):
    """Outcome of the exact search."""

    OPTIMAL = 0
    NODE_LIMIT = 1


#: Status -> one line for a cell.
ALLOCATION_STATUS_MESSAGES = {
    AllocationStatus.OPTIMAL: "ok",
    AllocationStatus.NODE_LIMIT: "max_nodes reached: the best allocation found is shown, not proven optimal; "
                                 "raise max_nodes or use larger lots.",
}

#: Nodes of the branch and bound before the best allocation so far is returned (about 0.1 s compiled).
DEFAULT_MAX_NODES = 2_000_000
#: Relative slack (of the cash) under which two amounts are equal.
MONEY_RTOL = 1e-12


class CashAllocation(NamedTuple):
    """Whole lots bought with cash, and how close they come to the targets.

    Attributes
    ----------
    shares : ndarray of shape (n_assets,)
        Shares to buy (whole lots times the lot size).
    values : ndarray of shape (n_assets,)
        Amount invested per asset, currency units.
    weights : ndarray of shape (n_assets,)
        ``values / cash``: weights of the account, whose remainder is the cash left.
    cash_left : float
        Cash not invested.
    distance : float
        ``sum |values - w cash| + cash_left``, currency units (the L1 distance to the targets,
        cash counted as a holding with target 0).
    over_target : float
        Dollars bought above target, ``sum max(0, values - w cash)``.
    max_weight_error : float
        Largest ``|weights - w|``, decimal fraction.
    mode : str
    proven_optimal : bool
        ``invest_fully``: the search finished, so no allocation is closer (then leaves less cash);
        ``nearest``: always True (its rounding is exact).
    n_nodes : int
        Branch-and-bound nodes visited (0 for ``nearest``).
    status : int
        :class:`AllocationStatus`; the message is ``ALLOCATION_STATUS_MESSAGES[status]``.
    """

    shares: NDArray[np.float64]
    values: NDArray[np.float64]
    weights: NDArray[np.float64]
    cash_left: float
    distance: float
    over_target: float
    max_weight_error: float
    mode: str
    proven_optimal: bool
    n_nodes: int
    status: int


@jit
def _hull_bound(level, budget, floor_suffix, by_ratio, level_of, top_gain, lot):
    """Most of the remaining targets that ``budget`` can cover, relaxing whole lots to the concave hull."""
    if budget <= floor_suffix[level]:
        return budget
    room = budget - floor_suffix[level]
    cover = floor_suffix[level]
    for a in range(by_ratio.shape[0]):
        j = by_ratio[a]
        if level_of[j] < level or top_gain[j] <= 0.0:
            continue
        if lot[j] <= room:
            cover += top_gain[j]
            room -= lot[j]
        else:
            cover += top_gain[j] * room / lot[j]
            break
    return cover


@jit
def _invest_fully(target, lot, cash, tol, max_nodes, best_x):
    """Exact lexicographic (max covered, then max spent) allocation; writes lots into ``best_x``.

    ``target`` and ``lot`` are the target amounts and lot values of the assets to consider
    (targets > 0). Returns ``(n_nodes, proven)``.
    """
    m = target.shape[0]
    order = np.argsort(-target)  # largest target first (fewest nodes over random books of 10-30 assets)
    floor_k = np.empty(m)
    top_gain = np.empty(m)  # what the lot crossing the target covers
    for i in range(m):
        floor_k[i] = np.floor(target[i] / lot[i] + 1e-12)
        top_gain[i] = target[i] - floor_k[i] * lot[i]
        if top_gain[i] < tol:
            top_gain[i] = 0.0
    level_of = np.empty(m, np.int64)
    for lev in range(m):
        level_of[order[lev]] = lev
    floor_suffix = np.zeros(m + 1)
    min_lot_suffix = np.full(m + 1, np.inf)
    for lev in range(m - 1, -1, -1):
        i = order[lev]
        floor_suffix[lev] = floor_suffix[lev + 1] + floor_k[i] * lot[i]
        min_lot_suffix[lev] = min(min_lot_suffix[lev + 1], lot[i])
    ratio = np.empty(m)
    for i in range(m):
        ratio[i] = top_gain[i] / lot[i]
    by_ratio = np.argsort(-ratio)

    spent = np.zeros(m + 1)
    covered = np.zeros(m + 1)
    value = np.zeros(m, np.int64)
    ascending = np.zeros(m, np.bool_)
    x = np.zeros(m)
    best_cover = -1.0
    best_spend = -1.0
    nodes = 0

    level = 0
    i0 = order[0]
    crossing = floor_k[i0] + (1.0 if top_gain[i0] > 0.0 else 0.0)
    value[0] = int(min(crossing, np.floor((cash - spent[0]) / lot[i0] + 1e-12)))
    while level >= 0:
        i = order[level]
        crossing = floor_k[i] + (1.0 if top_gain[i] > 0.0 else 0.0)
        most = np.floor((cash - spent[level]) / lot[i] + 1e-12)
        v = value[level]
        if v < 0 or v > most:  # this level is exhausted
            if not ascending[level] and crossing + 1.0 <= most:
                ascending[level] = True
                value[level] = int(crossing + 1.0)
                continue
            level -= 1
            if level >= 0:
                if ascending[level]:
                    value[level] += 1
                else:
                    value[level] -= 1
            continue
        if nodes >= max_nodes:
            return nodes, False
        nodes += 1
        budget = cash - spent[level] - v * lot[i]
        cover = covered[level] + min(v * lot[i], target[i])
        rest = _hull_bound(level + 1, budget, floor_suffix, by_ratio, level_of, top_gain, lot)
        upper = cover + rest
        spend_upper = cash if budget >= min_lot_suffix[level + 1] else cash - budget
        descend = False
        if upper < best_cover - tol:  # cannot reach the best cover
            if ascending[level] or v <= floor_k[i]:
                # smaller counts below target, and larger counts above it, only lower the bound
                value[level] = -1 if not ascending[level] else int(most) + 1
                continue
        elif upper <= best_cover + tol and spend_upper <= best_spend + tol:
            pass  # can at best tie the cover and cannot spend more
        elif level + 1 == m or budget < min_lot_suffix[level + 1]:
            # a leaf: the rest buy nothing
            x[level] = v
            for lev in range(level + 1, m):
                x[lev] = 0.0
            if cover > best_cover + tol or (cover >= best_cover - tol and cash - budget > best_spend + tol):
                best_cover = cover
                best_spend = cash - budget
                for lev in range(m):
                    best_x[order[lev]] = x[lev]
        else:
            descend = True
        if descend:
            x[level] = v
            spent[level + 1] = spent[level] + v * lot[i]
            covered[level + 1] = cover
            level += 1
            j = order[level]
            crossing_j = floor_k[j] + (1.0 if top_gain[j] > 0.0 else 0.0)
            ascending[level] = False
            value[level] = int(min(crossing_j, np.floor((cash - spent[level]) / lot[j] + 1e-12)))
            continue
        if ascending[level]:
            value[level] += 1
        else:
            value[level] -= 1
    return nodes, True


def _as_inputs(weights, prices, cash, lot_size):
    w = as_vector(weights, "weights")
    n = w.size
    if np.any(w < 0):
        i = int(np.flatnonzero(w < 0)[0])
        raise InputError(f"weights: asset {i + 1} is {w[i]:.4g}; allocating cash buys only, so weights must be >= 0.")
    total = float(w.sum())
    if abs(total - 1.0) > TARGET_SUM_ATOL:
        raise InputError(f"weights: sum to {total:.6g}, expected 1; to keep cash, add a cash holding with price 1.")
    p = as_vector(prices, "prices", size=n, size_name="len(weights)")
    if np.any(p <= 0):
        i = int(np.flatnonzero(p <= 0)[0])
        raise InputError(f"prices: asset {i + 1} has price {p[i]:.4g}; prices must be > 0.")
    lots = check_lot_size(lot_size, n)
    v = as_scalar(cash, "cash", low=0.0, low_inclusive=False)
    lot_value = p * lots
    wanted = w > 0
    cheapest = float(lot_value[wanted].min())
    if cheapest > v:
        raise InputError(f"cash: {v:.2f} buys no lot (the cheapest with a target costs {cheapest:.2f}); "
                         "add cash or use smaller lots.")
    return w, p, lots, v, lot_value


def allocate_cash(
    weights: ArrayLike,
    prices: ArrayLike,
    cash: float,
    *,
    mode: str = "invest_fully",
    lot_size: ArrayLike = 1.0,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> CashAllocation:
    """Whole shares (or lots) to buy with ``cash`` for target ``weights``.

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
        Target weights, >= 0, summing to 1 (to keep some cash, include a cash holding with price 1).
    prices : array_like of shape (n_assets,)
        Price per share (> 0), currency units.
    cash : float
        Amount to invest (> 0), currency units.
    mode : {"invest_fully", "nearest"}
        See the module docstring: ``invest_fully`` is the closest allocation counting idle cash
        as a miss, then the one leaving the least cash; ``nearest`` rounds each holding to the
        nearest lot the cash allows and may leave cash.
    lot_size : float or array_like of shape (n_assets,), default 1
        Shares per lot: 1 for whole shares, 100 for round lots.
    max_nodes : int, default 2,000,000
        ``invest_fully`` search limit.

    Returns
    -------
    CashAllocation

    Raises
    ------
    InputError
        Blank or non-numeric entries, wrong lengths, negative weights or weights not summing to
        1, prices or lot sizes <= 0, cash <= 0 or too little for one lot of any asset with a target.

    Examples
    --------
    >>> a = allocate_cash([0.5, 0.3, 0.2], [120.0, 45.0, 30.0], 1000.0)
    >>> a.shares.tolist(), round(a.cash_left, 2)
    ([4.0, 7.0, 6.0], 25.0)
    """
    kind = check_choice(mode, "mode", ALLOCATION_MODES)
    w, p, lots, v, lot_value = _as_inputs(weights, prices, cash, lot_size)
    limit = int(as_scalar(max_nodes, "max_nodes", low=1, integer=True))
    target = w * v
    n = w.size
    if kind == AllocationMode.NEAREST:
        r = round_to_lots(np.zeros(n), target, p, cash=v, lot_size=lots)
        k = r.lots
        nodes, proven = 0, True
    else:
        wanted = np.flatnonzero(w > 0)
        best = np.zeros(wanted.size)
        nodes, proven = _invest_fully(np.ascontiguousarray(target[wanted]), np.ascontiguousarray(lot_value[wanted]),
                                      v, MONEY_RTOL * v, limit, best)
        k = np.zeros(n)
        k[wanted] = best
    values = k * lot_value
    left = max(v - float(values.sum()), 0.0)
    miss = values - target
    return CashAllocation(
        shares=k * lots,
        values=values,
        weights=values / v,
        cash_left=left,
        distance=float(np.abs(miss).sum() + left),
        over_target=float(np.maximum(miss, 0.0).sum()),
        max_weight_error=float(np.abs(miss).max() / v),
        mode=str(kind),
        proven_optimal=bool(proven),
        n_nodes=int(nodes),
        status=int(AllocationStatus.OPTIMAL if proven else AllocationStatus.NODE_LIMIT),
    )
