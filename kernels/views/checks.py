"""Conversion and checks of the view inputs (P, Q, absolute views, Omega, confidences, market weights).

The rules here are the views' own; general ones (numbers, vectors, covariance matrices) come
from :mod:`kernels._validate`. Messages name the argument, say what was expected and how to fix it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import (
    _check_finite,
    _shape_text,
    _to_float_array,
    as_square_matrix,
    as_vector,
    check_psd,
)
from ..errors import InputError


class Views(NamedTuple):
    """Views as a pick matrix and targets."""

    P: NDArray[np.float64]
    """(n_views, n_assets) one row per view: weights of the view portfolio."""
    Q: NDArray[np.float64]
    """(n_views,) expected return of each view portfolio (decimal fraction a year)."""


def _fine_views(P: object, Q: object, n_assets: int) -> bool:
    """``P`` (float64, ``k x n_assets``, no row all zero) and ``Q`` (float64, ``k``) need no conversion and
    pass every rule of :func:`as_views` (a finite sum means every entry is finite)."""
    return (
        type(P) is np.ndarray and type(Q) is np.ndarray and P.dtype == np.float64 and Q.dtype == np.float64
        and P.ndim == 2 and P.shape[1] == n_assets and P.shape[0] > 0 and Q.shape == (P.shape[0],)
        and math.isfinite(P.sum()) and math.isfinite(Q.sum()) and bool((P != 0.0).any(axis=1).all())
    )


def as_views(P: ArrayLike | None, Q: ArrayLike | None, absolute_views: ArrayLike | None, n_assets: int) -> Views:
    """Stack relative views (``P``, ``Q``) and absolute views (one value per asset, blank for none)."""
    if absolute_views is None and _fine_views(P, Q, n_assets):
        return Views(np.array(P, order="C"), np.array(Q))
    rows: list[NDArray[np.float64]] = []
    targets: list[NDArray[np.float64]] = []
    if P is not None or Q is not None:
        if P is None:
            raise InputError("P: missing; give one row of asset weights per view (or use absolute_views).")
        if Q is None:
            raise InputError("Q: missing; give one expected return per view (one per row of P).")
        p = _to_float_array(P, "P")
        if p.ndim == 1:
            p = p.reshape(1, -1)
        if p.ndim != 2 or p.size == 0:
            raise InputError(f"P: expected a table (one row per view, one column per asset), got {_shape_text(p.shape)}.")
        if p.shape[1] != n_assets:
            raise InputError(f"P: expected {n_assets} columns (one per asset), got {p.shape[1]}.")
        _check_finite(p, "P")
        q = _to_float_array(Q, "Q").reshape(-1)
        if q.size != p.shape[0]:
            raise InputError(f"Q: expected {p.shape[0]} values (one per view, rows of P), got {q.size}.")
        _check_finite(q, "Q")
        zero = np.flatnonzero(~np.any(p != 0.0, axis=1))
        if zero.size:
            raise InputError(f"P: view {int(zero[0]) + 1} has all weights zero; give it a nonzero weight or remove it.")
        rows.append(p)
        targets.append(q)
    if absolute_views is not None:
        a = as_vector(absolute_views, "absolute_views", size=n_assets, finite=False)
        if np.any(np.isinf(a)):
            i = int(np.flatnonzero(np.isinf(a))[0])
            raise InputError(f"absolute_views: asset {i + 1} is infinite; enter a return or leave it blank for no view.")
        have = np.flatnonzero(~np.isnan(a))
        eye = np.zeros((have.size, n_assets))
        eye[np.arange(have.size), have] = 1.0
        rows.append(eye)
        targets.append(a[have])
    if not rows:
        return Views(np.zeros((0, n_assets)), np.zeros(0))
    return Views(np.ascontiguousarray(np.vstack(rows)), np.ascontiguousarray(np.concatenate(targets)))


def as_confidences(confidences: ArrayLike, n_views: int) -> NDArray[np.float64]:
    """Idzorek confidences: one per view, each in [0, 1] (0.5 = 50%)."""
    c = _to_float_array(confidences, "confidences").reshape(-1)
    if c.size != n_views:
        raise InputError(f"confidences: expected {n_views} values (one per view), got {c.size}.")
    _check_finite(c, "confidences")
    bad = np.flatnonzero((c < 0.0) | (c > 1.0))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"confidences: view {i + 1} has {c[i]:.4g}; confidences must be between 0 and 1 (0.5 = 50%).")
    return np.ascontiguousarray(c)


def as_omega(omega: ArrayLike, n_views: int) -> NDArray[np.float64]:
    """A given Omega: ``n_views`` variances (a diagonal) or an ``n_views x n_views`` PSD matrix."""
    arr = _to_float_array(omega, "omega")
    if arr.ndim == 2 and 1 in arr.shape and arr.shape != (n_views, n_views):
        arr = arr.reshape(-1)
    if arr.ndim <= 1:
        arr = arr.reshape(-1)
        if arr.size != n_views:
            raise InputError(f"omega: expected {n_views} view variances (one per view), got {arr.size}.")
        _check_finite(arr, "omega")
        mat = np.diag(arr)
    else:
        if arr.shape != (n_views, n_views):
            raise InputError(f"omega: expected {n_views} x {n_views} (one row and column per view), "
                             f"got {_shape_text(arr.shape)}.")
        mat = as_square_matrix(arr, "omega")
    d = np.diag(mat)
    if np.any(d < 0):
        i = int(np.flatnonzero(d < 0)[0])
        raise InputError(f"omega: view {i + 1} has variance {d[i]:.4g}; view variances must be >= 0.")
    if mat.shape[0] and np.any(mat != np.diag(d)):
        check_psd(mat, "omega", what="matrix")
    return np.ascontiguousarray(mat)


def as_market_weights(market_weights: ArrayLike, n_assets: int) -> NDArray[np.float64]:
    """Market capitalisations or weights (>= 0, not all 0), scaled to sum to 1."""
    w = market_weights
    if type(w) is np.ndarray and w.dtype == np.float64 and w.shape == (n_assets,):
        total = float(w.sum())  # finite: every entry is
        if 0.0 < total < math.inf and w.min() >= 0.0:
            return w / total
    w = as_vector(market_weights, "market_weights", size=n_assets)
    if np.any(w < 0):
        i = int(np.flatnonzero(w < 0)[0])
        raise InputError(f"market_weights: asset {i + 1} is {w[i]:.4g}; give market capitalisations or weights >= 0.")
    total = float(w.sum())
    if not total > 0:
        raise InputError("market_weights: all zero; give each asset's market capitalisation or weight.")
    return w / total
