"""Rates, shares, risk budgets and other decimal fractions, and amounts that must not be negative.

Rates are decimal fractions (0.03 is 3%); a value outside its range is most often a percentage typed
as a whole number, and the message says so.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from .arrays import as_scalar, as_vector


def check_fractions(arr: NDArray[np.float64], name: str, low: float = 0.0, high: float = 1.0,
                    what: str = "rates") -> None:
    """Raise unless every entry of ``arr`` lies in ``low..high`` (rates are decimal fractions).

    Parameters
    ----------
    arr : ndarray of shape (n,) or (n_rows, n_cols)
    name : str
        The argument's name as the user sees it.
    low, high : float
        The allowed range, both ends included.
    what : str
        What the entries are, for the message (``"yields"``, ``"tax drags"``).
    """
    bad = np.flatnonzero((arr < low) | (arr > high))
    if bad.size:
        i = int(bad[0])
        if arr.ndim == 2:
            r, c = divmod(i, arr.shape[1])
            where = f" at row {r + 1}, column {c + 1}"
        else:
            where = f" at position {i + 1}" if arr.size > 1 else ""
        raise InputError(
            f"{name}: {arr.ravel()[i]:g}{where} is outside {low:g}..{high:g}; "
            f"enter {what} as decimal fractions (0.03 for 3%)."
        )


def as_rate(x: object, name: str, low: float = 0.0, high: float = 1.0, *, low_inclusive: bool = True,
            what: str = "rates") -> float:
    """A single rate as a decimal fraction in ``low..high`` (``low`` excluded when ``low_inclusive=False``)."""
    value = as_scalar(x, name)
    if value < low or value > high or (value == low and not low_inclusive):
        span = f"is outside {low:g}..{high:g}" if low_inclusive else f"must be > {low:g} and <= {high:g}"
        raise InputError(f"{name}: {value:g} {span}; enter {what} as decimal fractions (0.03 for 3%).")
    return value


def check_non_negative(arr: NDArray[np.float64], name: str, what: str = "values") -> None:
    """Raise at the first negative entry of a vector (``what`` names the entries in the message)."""
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{name}: {arr[i]:g} at position {i + 1} is negative; {what} must be >= 0.")


#: Budgets (or weights) whose sum differs from 1 by more than this are divided by their sum.
BUDGET_SUM_RTOL = 1e-12


def as_budgets(budgets: ArrayLike, n_assets: int, name: str = "budgets") -> tuple[NDArray[np.float64], str]:
    """Risk budgets: one per asset, each > 0, divided by their sum unless it is 1 (within ``BUDGET_SUM_RTOL``).

    Returns
    -------
    budgets : ndarray of shape (n_assets,)
        Summing to 1.
    note : str
        ``""``, or what was done (``"budgets summed to 4, normalised to 1"``) for the result's status.
    """
    b = as_vector(budgets, name, size=n_assets)
    bad = np.flatnonzero(b <= 0.0)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{name}: budget of asset {i + 1} is {b[i]:g}; every budget must be > 0 (drop the asset instead)."
        )
    total = float(b.sum())
    if abs(total - 1.0) > BUDGET_SUM_RTOL:
        return b / total, f"{name} summed to {total:.12g}, normalised to 1"
    return b, ""
