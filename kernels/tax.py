"""Taxes on income: tax-equivalent yield, after-tax yield by account type, asset location.

Units: yields and tax rates are decimal fractions (0.24 is a 24% rate, 0.03 a 3% yield);
values and capacities are amounts of currency; a *tax drag* is the yearly tax on a holding
as a fraction of its value (a 4% yield taxed at 24% is a drag of 0.0096).

Account types (the words also feed the workbook's dropdowns):

``"taxable"``
    A brokerage account: income is taxed every year, ordinary income (interest,
    non-qualified dividends, most REIT distributions) at ``ordinary_rate``, qualified
    dividends at ``qualified_rate``; state tax on both; tax-exempt (municipal) interest untaxed.
``"tax_deferred"``
    A traditional IRA or 401(k): nothing is taxed while the money stays in; everything
    withdrawn is taxed as ordinary income (``withdrawal_rate``, by default ordinary + state).
``"tax_free"``
    A Roth IRA or Roth 401(k): no tax.

State tax is treated as *not* deductible on the federal return unless ``state_deductible=True``
(since 2018 most households are capped by the SALT limit or take the standard deduction).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy  # scipy.optimize and scipy.sparse load on first use (they cost ~0.8 s at import)
from numpy.typing import ArrayLike, NDArray

from ._validate import as_matrix, as_rate, as_vector, check_choice, check_fractions, check_non_negative
from .errors import InfeasibleError, InputError

ACCOUNT_TYPES = ("taxable", "tax_deferred", "tax_free")
#: Absolute tolerance (currency) when checking that the accounts can hold every holding.
CAPACITY_ATOL = 1e-9
#: While breaking ties, the tax drag may exceed the least one by this much (relative).
TIE_BREAK_RTOL = 1e-12
#: ... and by this much absolute (currency per year), so that a least drag of 0 stays reachable.
TIE_BREAK_ATOL = 1e-9
#: Placements smaller than this fraction of the household's assets are solver crumbs and are tidied away.
CRUMB_RTOL = 1e-9


def _combined_rate(federal: float, state: float, deductible: bool) -> float:
    """Combined marginal rate on ordinary income: ``f + s`` or, state deductible, ``f + s (1 - f)``."""
    return federal + state * (1.0 - federal) if deductible else federal + state


def _below_one(rate: float, name: str) -> None:
    if rate >= 1.0:
        raise InputError(f"{name}: combined rate {rate:g} leaves no income (must be below 1); check the tax rates.")


def tax_equivalent_yield(
    tax_free_yield: float,
    federal_rate: float,
    state_rate: float = 0.0,
    *,
    state_exempt: bool = True,
    state_deductible: bool = False,
) -> float:
    """Taxable yield that leaves as much after tax as a municipal (tax-exempt) yield.

    ``TEY = y_after / (1 - t)``, where ``t`` is the combined rate on a taxable bond,
    ``t = federal + state`` (state tax not deductible, the default) or
    ``t = federal + state (1 - federal)`` (``state_deductible=True``), and ``y_after`` is the
    municipal yield after tax: the yield itself for an in-state bond (``state_exempt=True``),
    ``y (1 - state)`` (``y (1 - state (1 - federal))`` if deductible) for an out-of-state bond.

    Parameters
    ----------
    tax_free_yield : float
        Yield of the municipal bond, decimal fraction in 0..1.
    federal_rate : float
        Marginal federal rate on ordinary income, 0..1 (include the 3.8% NIIT if it applies).
    state_rate : float, default 0.0
        Marginal state (and local) rate, 0..1.
    state_exempt : bool, default True
        True when the bond is also free of state tax (bought in the investor's state).
    state_deductible : bool, default False
        True when state tax is deducted on the federal return (itemising, below the SALT cap).

    Returns
    -------
    float
        Taxable-equivalent yield, decimal fraction.

    Raises
    ------
    InputError
        A rate outside 0..1, or rates that add up to 1 or more.

    Examples
    --------
    A 3% municipal yield at a 24% federal rate:

    >>> round(tax_equivalent_yield(0.03, 0.24), 4)
    0.0395

    In-state, with a 5% state tax that is not deductible: ``0.03 / (1 - 0.29)``:

    >>> round(tax_equivalent_yield(0.03, 0.24, 0.05), 4)
    0.0423
    """
    y = as_rate(tax_free_yield, "tax_free_yield", what="yields")
    f = as_rate(federal_rate, "federal_rate")
    s = as_rate(state_rate, "state_rate")
    t = _combined_rate(f, s, bool(state_deductible))
    _below_one(t, "federal_rate + state_rate")
    state_on_muni = 0.0 if state_exempt else (s * (1.0 - f) if state_deductible else s)
    return y * (1.0 - state_on_muni) / (1.0 - t)


def _asset_vector(x: ArrayLike, name: str, n: int) -> NDArray[np.float64]:
    arr = np.asarray(x, dtype=object)
    if arr.ndim == 0 or arr.size == 1:
        value = as_rate(arr.reshape(-1)[0], name, what="fractions")
        return np.full(n, value)
    v = as_vector(x, name, size=n, size_name="len(yields)")
    check_fractions(v, name, what="fractions")
    return v


def _after_tax_taxable(y, f_ord, f_q, ordinary, qualified, state, withdrawal):
    return y * (1.0 - f_ord * (ordinary + state) - f_q * (qualified + state))


def _after_tax_deferred(y, f_ord, f_q, ordinary, qualified, state, withdrawal):
    return y * (1.0 - withdrawal)


def _after_tax_free(y, f_ord, f_q, ordinary, qualified, state, withdrawal):
    return y.copy()


_AFTER_TAX = {"taxable": _after_tax_taxable, "tax_deferred": _after_tax_deferred, "tax_free": _after_tax_free}


def after_tax_yield(
    yields: ArrayLike,
    ordinary_rate: float,
    qualified_rate: float,
    *,
    account: str = "taxable",
    qualified_fraction: ArrayLike = 0.0,
    tax_exempt_fraction: ArrayLike = 0.0,
    state_rate: float = 0.0,
    withdrawal_rate: float | None = None,
) -> NDArray[np.float64]:
    """Yield left after tax, per asset, in one account type.

    Each asset's yield splits into qualified dividends (``qualified_fraction``), tax-exempt
    interest (``tax_exempt_fraction``) and ordinary income (the rest). In a ``"taxable"``
    account ``y (1 - q (qualified + state) - o (ordinary + state))`` with ``o = 1 - q - e``;
    in ``"tax_deferred"`` ``y (1 - withdrawal_rate)``; in ``"tax_free"`` ``y``.

    Parameters
    ----------
    yields : array_like of shape (n_assets,)
        Yearly cash yields, decimal fractions in 0..1.
    ordinary_rate : float
        Marginal federal rate on ordinary income, 0..1.
    qualified_rate : float
        Federal rate on qualified dividends (0, 0.15 or 0.20 in the US, plus NIIT), 0..1.
    account : {"taxable", "tax_deferred", "tax_free"}, default "taxable"
    qualified_fraction : float or array_like of shape (n_assets,), default 0.0
        Share of each yield paid as qualified dividends, 0..1.
    tax_exempt_fraction : float or array_like of shape (n_assets,), default 0.0
        Share of each yield that is tax-exempt (in-state municipal) interest, 0..1.
    state_rate : float, default 0.0
        State rate on ordinary income and dividends, 0..1 (not deducted federally).
    withdrawal_rate : float, optional
        Rate on withdrawals from a tax-deferred account; default ``ordinary_rate + state_rate``.

    Returns
    -------
    ndarray of shape (n_assets,)
        After-tax yields, decimal fractions.

    Raises
    ------
    InputError
        A rate or fraction outside 0..1, sizes differ, fractions of one asset adding to more than 1,
        or an unknown account type.

    Examples
    --------
    A bond fund (4% ordinary interest) and a stock fund (2%, 90% qualified) at 24% / 15%:

    >>> after_tax_yield([0.04, 0.02], 0.24, 0.15, qualified_fraction=[0.0, 0.9]).round(6).tolist()
    [0.0304, 0.01682]
    >>> after_tax_yield([0.04, 0.02], 0.24, 0.15, account="tax_free").tolist()
    [0.04, 0.02]
    """
    key = check_choice(account, "account", _AFTER_TAX)
    y = as_vector(yields, "yields")
    check_fractions(y, "yields", what="yields")
    ordinary = as_rate(ordinary_rate, "ordinary_rate")
    qualified = as_rate(qualified_rate, "qualified_rate")
    state = as_rate(state_rate, "state_rate")
    f_q = _asset_vector(qualified_fraction, "qualified_fraction", y.size)
    f_e = _asset_vector(tax_exempt_fraction, "tax_exempt_fraction", y.size)
    over = np.flatnonzero(f_q + f_e > 1.0 + 1e-12)
    if over.size:
        i = int(over[0])
        raise InputError(
            f"qualified_fraction + tax_exempt_fraction: {f_q[i] + f_e[i]:g} for asset {i + 1}; "
            "the shares of one yield must add up to at most 1."
        )
    _below_one(max(ordinary, qualified) + state, "ordinary_rate/qualified_rate + state_rate")
    if withdrawal_rate is None:
        withdrawal = ordinary + state
        _below_one(withdrawal, "ordinary_rate + state_rate")
    else:
        withdrawal = as_rate(withdrawal_rate, "withdrawal_rate")
    f_ord = np.maximum(1.0 - f_q - f_e, 0.0)
    return _AFTER_TAX[key](y, f_ord, f_q, ordinary, qualified, state, withdrawal)


def yearly_tax_drag(
    yields: ArrayLike,
    ordinary_rate: float,
    qualified_rate: float,
    *,
    qualified_fraction: ArrayLike = 0.0,
    tax_exempt_fraction: ArrayLike = 0.0,
    state_rate: float = 0.0,
) -> NDArray[np.float64]:
    """Yearly tax drag per asset in each account type, ready for :func:`asset_location`.

    The drag is the tax due each year per unit of value: ``yield - after-tax yield`` in a
    taxable account, 0 in tax-deferred and tax-free accounts (nothing is due while the money
    stays in). Columns follow ``ACCOUNT_TYPES``: taxable, tax_deferred, tax_free.

    Parameters
    ----------
    yields, ordinary_rate, qualified_rate, qualified_fraction, tax_exempt_fraction, state_rate
        As in :func:`after_tax_yield`.

    Returns
    -------
    ndarray of shape (n_assets, 3)
        Decimal fractions of value per year.

    Examples
    --------
    >>> yearly_tax_drag([0.04, 0.02], 0.24, 0.15, qualified_fraction=[0.0, 0.9]).round(6).tolist()
    [[0.0096, 0.0, 0.0], [0.00318, 0.0, 0.0]]
    """
    y = as_vector(yields, "yields")
    after = after_tax_yield(y, ordinary_rate, qualified_rate, account="taxable",
                            qualified_fraction=qualified_fraction, tax_exempt_fraction=tax_exempt_fraction,
                            state_rate=state_rate)
    drag = np.zeros((y.size, len(ACCOUNT_TYPES)))
    drag[:, 0] = y - after
    return drag


class AssetLocation(NamedTuple):
    """Result of :func:`asset_location`.

    Attributes
    ----------
    amounts : ndarray of shape (n_assets, n_accounts)
        Currency of each asset placed in each account; rows sum to ``values``.
    tax_drag : float
        Household's total yearly tax drag, currency per year: ``sum(amounts * tax_drag)``.
    tax_drag_by_asset : ndarray of shape (n_assets,)
        Yearly tax on each asset, currency.
    used_capacity : ndarray of shape (n_accounts,)
        Currency placed in each account (column sums of ``amounts``).
    spare_capacity : ndarray of shape (n_accounts,)
        ``account_capacities - used_capacity``.
    status : str
        HiGHS's status message.
    """

    amounts: NDArray[np.float64]
    tax_drag: float
    tax_drag_by_asset: NDArray[np.float64]
    used_capacity: NDArray[np.float64]
    spare_capacity: NDArray[np.float64]
    status: str


def _location_constraints(n: int, m: int):
    """Sparse rows: each asset placed fully (n rows), each account within capacity (m rows); x is row-major."""
    cols = np.arange(n * m)
    a_eq = scipy.sparse.csr_array((np.ones(n * m), (np.repeat(np.arange(n), m), cols)), shape=(n, n * m))
    a_ub = scipy.sparse.csr_array((np.ones(n * m), (np.tile(np.arange(m), n), cols)), shape=(m, n * m))
    return a_eq, a_ub


def _with_limit(a_ub, b_ub, row, limit):
    """Append the row ``row @ x <= limit`` (the least tax drag, kept while breaking ties)."""
    if limit is None:
        return a_ub, b_ub
    return scipy.sparse.vstack([a_ub, scipy.sparse.csr_array(row[None, :])]).tocsr(), np.append(b_ub, limit)


def _solve_split(v, drag, cap, cost, limit):
    n, m = drag.shape
    a_eq, a_ub = _location_constraints(n, m)
    a_ub, b_ub = _with_limit(a_ub, cap, drag.ravel(), limit)
    res = scipy.optimize.linprog(cost.ravel(), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=v, bounds=(0, None),
                                 method="highs")
    return res, (res.x.reshape(n, m) if res.status == 0 else None)


def _solve_whole(v, drag, cap, cost, limit):
    # One binary per (asset, account): asset i goes wholly to account j; amounts are v_i * z_ij.
    n, m = drag.shape
    a_eq, a_ub = _location_constraints(n, m)
    a_ub = a_ub.multiply(np.repeat(v, m)[None, :]).tocsr()
    a_ub, b_ub = _with_limit(a_ub, cap, (drag * v[:, None]).ravel(), limit)
    cons = [scipy.optimize.LinearConstraint(a_eq, 1.0, 1.0),
            scipy.optimize.LinearConstraint(a_ub, -np.inf, b_ub)]
    res = scipy.optimize.milp((cost * v[:, None]).ravel(), constraints=cons, integrality=np.ones(n * m),
                              bounds=scipy.optimize.Bounds(0, 1))
    if res.status != 0 or res.x is None:
        return res, None
    z = np.round(res.x.reshape(n, m))
    return res, z * v[:, None]


_SOLVERS = {True: _solve_split, False: _solve_whole}


def _tidy(amounts, atol):
    """Move solver crumbs (0 < x < atol) to the largest placement of the same asset; row sums are kept."""
    crumbs = (amounts > 0.0) & (amounts < atol)
    for i in np.flatnonzero(crumbs.any(axis=1)):
        row = amounts[i]
        moved = row[crumbs[i]].sum()
        row[crumbs[i]] = 0.0
        row[int(np.argmax(row))] += moved
    return amounts


def asset_location(
    values: ArrayLike,
    tax_drag: ArrayLike,
    account_capacities: ArrayLike,
    *,
    split: bool = True,
    tie_break: ArrayLike | None = None,
) -> AssetLocation:
    """Place holdings in accounts so that the household's total yearly tax drag is smallest.

    A linear programme solved by HiGHS (:func:`scipy.optimize.linprog`): minimise
    ``sum_ij tax_drag[i, j] * x[i, j]`` subject to ``sum_j x[i, j] = values[i]``,
    ``sum_i x[i, j] <= account_capacities[j]``, ``x >= 0``. Assets with the largest tax drag
    (bonds, REITs: high yields taxed as ordinary income) go first into sheltered space.
    With ``split=False`` each holding stays whole in one account (a mixed-integer programme,
    :func:`scipy.optimize.milp`). Where accounts tie (e.g. tax-deferred and tax-free both
    have no yearly drag) any split between them is optimal: ``tie_break`` chooses among them.

    Parameters
    ----------
    values : array_like of shape (n_assets,)
        Household's holding in each asset, currency, >= 0.
    tax_drag : array_like of shape (n_assets, n_accounts)
        Yearly tax per unit of value of asset i in account j, decimal fractions in 0..1
        (:func:`yearly_tax_drag` builds it for taxable / tax-deferred / tax-free accounts).
    account_capacities : array_like of shape (n_accounts,)
        Room in each account, currency, >= 0; together at least ``sum(values)``.
    split : bool, default True
        Allow one holding to be spread over several accounts.
    tie_break : array_like of shape (n_assets, n_accounts), optional
        A second cost, minimised only among the placements with the least tax drag (a second
        linear programme with the drag held at its minimum). E.g. ``-expected_returns`` in the
        tax-free column keeps Roth space for the fastest growers and the high-yield holdings in
        the tax-deferred account. Without it, ties are resolved by the solver.

    Returns
    -------
    AssetLocation

    Raises
    ------
    InputError
        Sizes differ, negative values or capacities, drags outside 0..1, or capacities that
        cannot hold the household's assets.
    InfeasibleError
        ``split=False`` and the whole holdings cannot be packed into the accounts.

    Examples
    --------
    Bonds (drag 1%) and stocks (0.3%), 50k each; 50k of IRA room and a large taxable account:

    >>> loc = asset_location([50_000, 50_000], [[0.01, 0.0], [0.003, 0.0]], [100_000, 50_000])
    >>> loc.amounts.round(2).tolist(), round(loc.tax_drag, 2)
    ([[0.0, 50000.0], [50000.0, 0.0]], 150.0)
    """
    v = as_vector(values, "values")
    drag = as_matrix(tax_drag, "tax_drag")
    if drag.shape[0] != v.size:
        raise InputError(
            f"tax_drag: {drag.shape[0]} rows but {v.size} values; give one row per asset, one column per account."
        )
    cap = as_vector(account_capacities, "account_capacities")
    if cap.size != drag.shape[1]:
        raise InputError(
            f"account_capacities: {cap.size} values but tax_drag has {drag.shape[1]} columns; give one per account."
        )
    check_non_negative(v, "values", "holdings")
    check_non_negative(cap, "account_capacities", "capacities")
    check_fractions(drag, "tax_drag", what="tax drags")
    total, room = float(v.sum()), float(cap.sum())
    if room < total - CAPACITY_ATOL * max(1.0, total):
        raise InputError(
            f"account_capacities: total {room:,.2f} is less than the assets {total:,.2f}; "
            "raise a capacity (e.g. taxable)."
        )
    secondary = None
    if tie_break is not None:
        secondary = as_matrix(tie_break, "tie_break")
        if secondary.shape != drag.shape:
            raise InputError(
                f"tie_break: is {secondary.shape[0]} x {secondary.shape[1]} but tax_drag is "
                f"{drag.shape[0]} x {drag.shape[1]}; give one value per asset and account."
            )
    solve = _SOLVERS[bool(split)]
    res, amounts = solve(v, drag, cap, drag, None)
    if secondary is not None and amounts is not None:
        least = float((amounts * drag).sum())
        res2, amounts2 = solve(v, drag, cap, secondary, least * (1.0 + TIE_BREAK_RTOL) + TIE_BREAK_ATOL)
        if amounts2 is not None:
            res, amounts = res2, amounts2
    if amounts is None:
        raise InfeasibleError(
            "values: the whole holdings do not fit into the accounts without splitting; use split=True "
            "or raise a capacity."
        )
    amounts = _tidy(np.maximum(amounts, 0.0), CRUMB_RTOL * max(total, 1.0))
    by_asset = (amounts * drag).sum(axis=1)
    used = amounts.sum(axis=0)
    return AssetLocation(amounts, float(by_asset.sum()), by_asset, used, cap - used, str(res.message))
