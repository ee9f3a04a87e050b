"""The inputs of rebalancing: market values, target weights, prices, lot sizes, bands and locked flags.

Each rule is written once, for one account (vectors over holdings) and for a book of accounts
(tables, accounts x holdings, where one row may stand for every account); messages say where, counted
from 1: ``holding 3`` or ``account 2, holding 3``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from .arrays import _check_finite, _to_float_array, as_bounds, as_matrix, as_scalar, as_vector

#: How far target weights' sum may be from 1 (weights typed into cells with a few decimals).
TARGET_SUM_ATOL = 1e-6


def check_sums_to_one(total: float, name: str, atol: float = TARGET_SUM_ATOL) -> None:
    """Raise unless weights adding up to ``total`` sum to 1 within ``atol`` (the one message for it)."""
    if abs(total - 1.0) > atol:
        raise InputError(f"{name}: must sum to 1 (100%), got {total:.6g}; adjust the weights so they add up to 1.")


def _where(mask: NDArray[np.bool_], per_account: bool) -> tuple[str, tuple[int, ...]]:
    """``("holding c", index)`` or ``("account r, holding c", index)`` of the first True in ``mask``."""
    k = int(np.flatnonzero(mask.ravel())[0])
    if mask.ndim == 1:
        return f"holding {k + 1}", (k,)
    r, c = divmod(k, mask.shape[1])
    return (f"account {r + 1}, holding {c + 1}" if per_account else f"holding {c + 1}"), (r, c)


def _check_non_negative(arr: NDArray[np.float64], name: str, what: str) -> None:
    if np.any(arr < 0):
        where, at = _where(arr < 0, True)
        raise InputError(f"{name}: {where} is negative ({arr[at]:g}); {what} must be >= 0.")


def check_values(values: ArrayLike, name: str = "values", what: str = "market values") -> NDArray[np.float64]:
    """Market values of one account's holdings: finite, >= 0; ndarray of shape (n_assets,)."""
    v = as_vector(values, name)
    _check_non_negative(v, name, what)
    return v


def check_book_values(values: ArrayLike) -> NDArray[np.float64]:
    """Market values of a book, ndarray of shape (n_accounts, n_assets): finite, >= 0."""
    v = as_matrix(values, "values")
    _check_non_negative(v, "values", "values")
    return v


def _check_target_entries(t: NDArray[np.float64], name: str) -> None:
    if np.any(t < 0):
        where, at = _where(t < 0, True)
        raise InputError(f"{name}: {where} has a negative target ({t[at]:g}); targets must be >= 0.")


def check_targets(targets: ArrayLike, n_assets: int, name: str = "targets") -> NDArray[np.float64]:
    """Target weights of one account: one per holding, each >= 0, summing to 1 (within ``TARGET_SUM_ATOL``)."""
    t = as_vector(targets, name, size=n_assets, size_name="len(values)")
    _check_target_entries(t, name)
    check_sums_to_one(float(t.sum()), name)
    return t


def check_book_targets(t: NDArray[np.float64]) -> None:
    """Target weights of a book (from :func:`as_book_rows`): each >= 0, each row summing to 1."""
    _check_target_entries(t, "targets")
    sums = t.sum(axis=1)
    bad = np.abs(sums - 1.0) > TARGET_SUM_ATOL
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise InputError(f"targets: account {r + 1} sums to {sums[r]:.6g}, expected 1 (100%); fix that account's model.")


def check_price_entries(p: NDArray[np.float64], used: NDArray[np.bool_] | None = None, *,
                        per_account: bool = False) -> None:
    """Prices > 0 wherever ``used`` (default: everywhere); ``per_account``: a table with a row per account."""
    bad = p <= 0 if used is None else (p <= 0) & used
    if bad.any():
        where, at = _where(bad, per_account)
        raise InputError(f"prices: {where} has price {p[at]:g}; prices must be > 0.")


def check_prices(prices: ArrayLike, n_assets: int) -> NDArray[np.float64]:
    """Prices per share of one account: one per holding, each > 0."""
    p = as_vector(prices, "prices", size=n_assets, size_name="len(values)")
    check_price_entries(p)
    return p


def check_lot_entries(lots: NDArray[np.float64]) -> None:
    """Lot sizes > 0 (a vector, or a table of accounts x holdings)."""
    if np.any(lots <= 0):
        where, at = _where(lots <= 0, False)
        raise InputError(f"lot_size: {where} has lot size {lots[at]:g}; lot sizes must be > 0 (1 = whole shares).")


def check_lot_size(lot_size: ArrayLike, n_assets: int) -> NDArray[np.float64]:
    """Lot sizes of one account: a scalar or one per holding, each > 0."""
    lots = as_bounds(lot_size, n_assets, "lot_size")
    check_lot_entries(lots)
    return lots


def check_flags(arr: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Locked flags (True/False or 1/0), a vector or a table, as booleans."""
    if not np.all((arr == 0) | (arr == 1)):
        raise InputError("locked: expected True/False (or 1/0) per holding; mark holdings that must not trade.")
    return arr.astype(np.bool_)


def check_locked(locked: ArrayLike | None, n_assets: int) -> NDArray[np.bool_]:
    """Locked flags of one account: one per holding (all False when ``locked`` is None)."""
    if locked is None:
        return np.zeros(n_assets, np.bool_)
    return check_flags(as_vector(locked, "locked", size=n_assets, size_name="len(values)"))


def check_bands(band, relative_band, n_assets: int) -> tuple[NDArray[np.float64], float, bool]:
    """``(band_abs per holding, band_rel or -1, has_band)`` from the user's ``band`` and ``relative_band``.

    ``band`` is in weight points (0..1) per holding, ``relative_band`` a fraction of each target (>= 0).
    """
    if band is None:
        band_abs = np.full(n_assets, np.inf)
    else:
        band_abs = as_bounds(band, n_assets, "band")
        if np.any(band_abs < 0) or np.any(band_abs > 1):
            i = int(np.flatnonzero((band_abs < 0) | (band_abs > 1))[0])
            raise InputError(
                f"band: holding {i + 1} has band {band_abs[i]:g}; bands are weight points between 0 and 1 (0.05 = 5%)."
            )
    band_rel = -1.0 if relative_band is None else as_scalar(relative_band, "relative_band", low=0.0)
    return band_abs, band_rel, band is not None or relative_band is not None


def as_book_rows(x: ArrayLike, name: str, m: int, n: int, what: str) -> NDArray[np.float64]:
    """A scalar, one row of ``n`` values (shared by all ``m`` accounts) or an (m, n) table, as a 2-D array."""
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


def as_per_account(x: ArrayLike, name: str, m: int) -> NDArray[np.float64]:
    """One value for every account, or one per account (``m``), as a 1-D array."""
    arr = _to_float_array(x, name).reshape(-1)
    if arr.size not in (1, m):
        raise InputError(f"{name}: expected one value or one per account ({m}), got {arr.size}.")
    _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def check_book_cash(c: NDArray[np.float64]) -> None:
    """Cash per account (from :func:`as_per_account`) >= 0."""
    if np.any(c < 0):
        r = int(np.flatnonzero(c < 0)[0])
        raise InputError(f"cash: account {r + 1} has negative cash ({c[r]:g}); cash must be >= 0.")
