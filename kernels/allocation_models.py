"""Model allocations: age-based rules, 60/40, glide paths, and hierarchical (class -> sub-class) weights.

These produce the target weights that :func:`kernels.rebalance.rebalance_trades` trades towards.
Plain NumPy: the work is a handful of arithmetic operations, nothing a compiler would speed up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_matrix, as_scalar, as_vector
from ._validate.holdings import check_sums_to_one
from .errors import InputError

#: Age rules "N minus age": the accepted N (100 is the classic rule; 110 and 120 are the
#: longer-life variants). Keys are what a user types, values the number subtracted from.
AGE_RULES = {100: 100.0, 110: 110.0, 120: 120.0}

#: An illustrative glide path (years to retirement, stock weight): 90% stocks until 25 years
#: before retirement, falling linearly to 50% at retirement and 30% seven years after. It has the
#: shape of common target-date funds' glide paths but is not any fund's published table;
#: pass your own table for a real product.
DEFAULT_GLIDE_PATH = ((40.0, 0.90), (25.0, 0.90), (0.0, 0.50), (-7.0, 0.30))

#: How far weights that must sum to 1 may miss (typed into cells with a few decimals).
WEIGHT_SUM_ATOL = 1e-6


class StockBondAllocation(NamedTuple):
    """A two-asset-class allocation.

    Attributes
    ----------
    stocks : float
        Weight of stocks, 0..1.
    bonds : float
        Weight of bonds, ``1 - stocks``.
    """

    stocks: float
    bonds: float


class HierarchicalAllocation(NamedTuple):
    """Leaf weights and amounts from class weights and sub-weights within each class.

    Attributes
    ----------
    weights : ndarray of shape (n_leaves,)
        ``class_weight * sub_weight`` per leaf, classes in order; sums to 1.
    amounts : ndarray of shape (n_leaves,)
        ``weights * total``, currency units.
    parent : ndarray of shape (n_leaves,), int
        Index (0-based) of each leaf's class.
    class_amounts : ndarray of shape (n_classes,)
        ``class_weights * total``.
    """

    weights: NDArray[np.float64]
    amounts: NDArray[np.float64]
    parent: NDArray[np.int64]
    class_amounts: NDArray[np.float64]


def _stock_bond(stocks: float) -> StockBondAllocation:
    stocks = float(min(max(stocks, 0.0), 1.0))
    return StockBondAllocation(stocks, 1.0 - stocks)


def age_based_allocation(age: float, rule: int = 110) -> StockBondAllocation:
    """Stocks ``(rule - age)%``, clamped to 0..100%, the rest bonds.

    Parameters
    ----------
    age : float
        Investor's age in years, 0..130.
    rule : {100, 110, 120}, default 110
        The number the age is subtracted from.

    Returns
    -------
    StockBondAllocation

    Examples
    --------
    >>> age_based_allocation(40, rule=110)
    StockBondAllocation(stocks=0.7, bonds=0.30000000000000004)
    >>> age_based_allocation(15, rule=120).stocks
    1.0
    """
    a = as_scalar(age, "age", low=0.0, high=130.0)
    r = as_scalar(rule, "rule")
    if r not in AGE_RULES:
        raise InputError(f"rule: expected one of {', '.join(map(str, AGE_RULES))} (N in 'N minus age'), got {r:g}.")
    return _stock_bond((AGE_RULES[int(r)] - a) / 100.0)


def sixty_forty() -> StockBondAllocation:
    """The classic balanced portfolio: 60% stocks, 40% bonds.

    Examples
    --------
    >>> sixty_forty()
    StockBondAllocation(stocks=0.6, bonds=0.4)
    """
    return StockBondAllocation(0.6, 0.4)


def check_glide_path(table: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(years, stocks)`` sorted by years ascending from a two-column table."""
    arr = as_matrix(table, "table", min_rows=1, n_cols=2)
    years, stocks = arr[:, 0], arr[:, 1]
    if np.any((stocks < 0) | (stocks > 1)):
        i = int(np.flatnonzero((stocks < 0) | (stocks > 1))[0])
        raise InputError(f"table: row {i + 1} has stock weight {stocks[i]:g}; weights must be between 0 and 1.")
    order = np.argsort(years, kind="stable")
    years, stocks = years[order], stocks[order]
    if np.any(np.diff(years) == 0):
        y = years[np.flatnonzero(np.diff(years) == 0)[0]]
        raise InputError(f"table: years to retirement {y:g} appears twice; give each year once.")
    return years, stocks


def glide_path_allocation(years_to_retirement: float, table: ArrayLike = DEFAULT_GLIDE_PATH) -> StockBondAllocation:
    """Stock weight read off a glide path table (linear between rows, flat beyond the ends).

    Parameters
    ----------
    years_to_retirement : float
        Years until retirement; negative after retirement.
    table : array_like of shape (n_rows, 2), default DEFAULT_GLIDE_PATH
        Rows of (years to retirement, stock weight 0..1), in any order.

    Returns
    -------
    StockBondAllocation

    Examples
    --------
    >>> glide_path_allocation(10).stocks
    0.66
    >>> glide_path_allocation(30, [[30, 0.8], [0, 0.4]]).stocks
    0.8
    """
    y = as_scalar(years_to_retirement, "years_to_retirement")
    years, stocks = check_glide_path(table)
    return _stock_bond(round(float(np.interp(y, years, stocks)), 15))


def hierarchical_allocation(
    class_weights: ArrayLike,
    sub_weights: Sequence[ArrayLike],
    total: float = 1.0,
) -> HierarchicalAllocation:
    """Leaf weights and amounts: each class's weight split by the sub-weights within the class.

    Parameters
    ----------
    class_weights : array_like of shape (n_classes,)
        Weights of the asset classes (>= 0, summing to 1), e.g. stocks / bonds.
    sub_weights : sequence of n_classes array_likes
        For each class, the weights of its sub-classes within it (>= 0, each list summing to 1).
    total : float, default 1
        Amount to allocate (>= 0), currency units.

    Returns
    -------
    HierarchicalAllocation

    Raises
    ------
    InputError
        A weight list that is negative or does not sum to 1, or a sub-weight list per class missing.

    Examples
    --------
    $100,000 at 60/40; stocks 70% US large cap / 20% international / 10% small cap;
    bonds 50% Treasuries / 30% corporate / 20% TIPS:

    >>> a = hierarchical_allocation([0.6, 0.4], [[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]], total=100_000)
    >>> a.amounts.round(2).tolist()
    [42000.0, 12000.0, 6000.0, 20000.0, 12000.0, 8000.0]
    """
    cw = _check_weights(class_weights, "class_weights")
    if isinstance(sub_weights, (str, bytes)) or not isinstance(sub_weights, Sequence):
        raise InputError("sub_weights: expected one list of weights per class, e.g. [[0.7, 0.3], [1.0]].")
    if len(sub_weights) != cw.size:
        raise InputError(
            f"sub_weights: expected {cw.size} lists (one per class in class_weights), got {len(sub_weights)}."
        )
    amount = as_scalar(total, "total", low=0.0)
    subs = [_check_weights(s, f"sub_weights[{k + 1}]") for k, s in enumerate(sub_weights)]
    weights = np.concatenate([cw[k] * s for k, s in enumerate(subs)])
    parent = np.repeat(np.arange(cw.size), [s.size for s in subs])
    return HierarchicalAllocation(weights, weights * amount, parent, cw * amount)


def _check_weights(w: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = as_vector(w, name)
    if np.any(arr < 0):
        i = int(np.flatnonzero(arr < 0)[0])
        raise InputError(f"{name}: entry {i + 1} is negative ({arr[i]:g}); weights must be >= 0.")
    check_sums_to_one(float(arr.sum()), name, WEIGHT_SUM_ATOL)
    return arr
