"""How far an account's holdings have drifted from their target weights, and whether bands call for a rebalance.

The conventions (weights of the account total, absolute and relative bands, the narrower applying)
are :mod:`kernels.rebalance`'s; :func:`kernels.rebalance_trades` makes the trades.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_scalar
from ._validate.holdings import check_bands, check_targets, check_values
from .errors import InputError
from .rebalance import TRADE_RTOL


class DriftResult(NamedTuple):
    """How far holdings have drifted from their targets.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
        Current weights ``values / (sum(values) + cash)``.
    drift : ndarray of shape (n_assets,)
        ``weights - targets`` in weight points (0.06 is 6 points overweight).
    relative_drift : ndarray of shape (n_assets,)
        ``drift / targets`` (inf where the target is 0 and the holding is not).
    max_abs_drift : float
        Largest ``|drift|``.
    outside_band : ndarray of shape (n_assets,), bool
        Holdings outside their band (all False without bands).
    needs_rebalancing : bool
        Some holding is outside its band (without bands: some drift at all).
    """

    weights: NDArray[np.float64]
    drift: NDArray[np.float64]
    relative_drift: NDArray[np.float64]
    max_abs_drift: float
    outside_band: NDArray[np.bool_]
    needs_rebalancing: bool


def drift(
    values: ArrayLike,
    targets: ArrayLike,
    *,
    cash: float = 0.0,
    band: ArrayLike | None = None,
    relative_band: float | None = None,
) -> DriftResult:
    """Current weights, their drift from the targets, and whether the bands call for a rebalance.

    Parameters
    ----------
    values : array_like of shape (n_assets,)
        Market values now (>= 0).
    targets : array_like of shape (n_assets,)
        Target weights summing to 1.
    cash : float, default 0
        Uninvested cash, counted in the account total.
    band, relative_band : optional
        As in :func:`rebalance_trades` (the narrower applies).

    Returns
    -------
    DriftResult

    Examples
    --------
    >>> d = drift([66_000, 41_200], [0.6, 0.4], band=0.05)
    >>> d.drift.round(4).tolist(), d.needs_rebalancing
    ([0.0157, -0.0157], False)
    """
    v = check_values(values)
    t = check_targets(targets, v.size)
    c = as_scalar(cash, "cash", low=0.0)
    band_abs, band_rel, has_band = check_bands(band, relative_band, v.size)
    total = float(v.sum()) + c
    if total <= 0.0:
        raise InputError("values: the account is empty (all values and cash are 0); weights are undefined.")
    w = v / total
    d = w - t
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(t > 0, d / np.where(t > 0, t, 1.0), np.where(d == 0, 0.0, np.inf))
    width = np.minimum(band_abs, band_rel * t) if band_rel >= 0 else band_abs
    tol = TRADE_RTOL * max(1.0, total)
    outside = np.abs(v - t * total) > width * total + tol if has_band else np.zeros(v.size, np.bool_)
    needs = bool(outside.any()) if has_band else bool(np.any(np.abs(v - t * total) > tol))
    return DriftResult(w, d, rel, float(np.abs(d).max()), outside, needs)


def needs_rebalancing(
    values: ArrayLike,
    targets: ArrayLike,
    *,
    cash: float = 0.0,
    band: ArrayLike | None = None,
    relative_band: float | None = None,
) -> bool:
    """Whether some holding is outside its band (without bands: whether anything drifted at all).

    Examples
    --------
    >>> needs_rebalancing([66_000, 41_200], [0.6, 0.4], band=0.01)
    True
    """
    return drift(values, targets, cash=cash, band=band, relative_band=relative_band).needs_rebalancing
