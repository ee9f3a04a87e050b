"""History tables in: prices or returns, gaps, constant columns (shared by every estimator).

Data are ``(n_obs, n_assets)``: one row per date, one column per asset, oldest first. Each loop kernel
has a ``*_numpy`` twin that takes its place without Numba (:func:`kernels._jit.vectorised`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._jit import jit, vectorised
from .._validate import as_scalar, check_choice
from ..errors import InputError

DATA_KINDS = ("returns", "prices")
MISSING_POLICIES = ("drop", "pairwise")
#: RiskMetrics (1996) decay for daily data.
RISKMETRICS_LAMBDA = 0.94


def _simple_returns_numpy(prices):
    """:func:`_simple_returns` by whole-array operations (the plain-Python mode)."""
    return prices[1:] / prices[:-1] - 1.0


def _complete_rows_numpy(x):
    """:func:`_complete_rows` by whole-array operations (the plain-Python mode)."""
    return ~np.isnan(x).any(axis=1)


def _first_constant_column_numpy(x):
    """:func:`_first_constant_column` by whole-array operations (the plain-Python mode)."""
    gap = np.isnan(x)
    lo = np.where(gap, np.inf, x).min(axis=0, initial=np.inf)
    hi = np.where(gap, -np.inf, x).max(axis=0, initial=-np.inf)
    constant = np.flatnonzero(~(hi > lo))
    return int(constant[0]) if constant.size else -1


@vectorised(_simple_returns_numpy)
@jit
def _simple_returns(prices):
    n_obs, n_assets = prices.shape
    out = np.empty((n_obs - 1, n_assets))
    for t in range(1, n_obs):
        for j in range(n_assets):
            out[t - 1, j] = prices[t, j] / prices[t - 1, j] - 1.0
    return out


@vectorised(_complete_rows_numpy)
@jit
def _complete_rows(x):
    n_obs, n_assets = x.shape
    keep = np.ones(n_obs, dtype=np.bool_)
    for t in range(n_obs):
        for j in range(n_assets):
            if np.isnan(x[t, j]):
                keep[t] = False
                break
    return keep


@vectorised(_first_constant_column_numpy)
@jit
def _first_constant_column(x):
    """Index of the first column whose non-missing values are all equal (or all missing), else -1."""
    n_obs, n_assets = x.shape
    lo = np.full(n_assets, np.inf)
    hi = np.full(n_assets, -np.inf)
    for t in range(n_obs):
        for j in range(n_assets):
            v = x[t, j]
            if v < lo[j]:  # noqa: PLR1730 (a comparison skips NaN gaps; min() would propagate them)
                lo[j] = v
            if v > hi[j]:  # noqa: PLR1730
                hi[j] = v
    for j in range(n_assets):
        if not hi[j] > lo[j]:
            return j
    return -1


def _as_data(data: ArrayLike, name: str, data_kind: str) -> NDArray[np.float64]:
    """A float table of returns (prices are turned into simple returns ``p_t / p_{t-1} - 1``)."""
    kind = check_choice(data_kind, "data_kind", DATA_KINDS)
    try:
        x = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, found text; remove headers and dates from the range.") from None
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2:
        raise InputError(f"{name}: expected a table (one row per date, one column per asset).")
    if np.any(np.isinf(x)):
        raise InputError(f"{name}: contains an infinite value; fix or clear that cell.")
    x = np.ascontiguousarray(x)
    if kind == "prices":
        if np.any(x[~np.isnan(x)] <= 0):
            t, j = np.argwhere(x <= 0)[0]
            raise InputError(f"{name}: price at row {t + 1}, column {j + 1} is {x[t, j]:g}; prices must be > 0.")
        if x.shape[0] < 2:
            raise InputError(f"{name}: need at least 3 prices per asset to estimate, got {x.shape[0]} rows.")
        x = _simple_returns(x)
    return x


def _complete_returns(returns: NDArray[np.float64], name: str, min_obs: int) -> tuple[NDArray[np.float64], int]:
    keep = _complete_rows(returns)
    n_dropped = int(returns.shape[0] - keep.sum())
    x = returns[keep] if n_dropped else returns
    if x.shape[0] < min_obs:
        raise InputError(
            f"{name}: only {x.shape[0]} complete rows of returns ({n_dropped} dropped for gaps); "
            f"need at least {min_obs}. Fill gaps or use missing='pairwise'."
        )
    return np.ascontiguousarray(x), n_dropped


def _check_not_constant(x: NDArray[np.float64], name: str) -> None:
    j = _first_constant_column(x)
    if j >= 0:
        raise InputError(f"{name}: column {j + 1} is constant (zero variance); remove it or use a longer history.")


def _decay(halflife: float | None, span: float | None, default: float) -> float:
    """Per-period decay ``lambda`` from a half-life or a span (pandas' conventions), else ``default``."""
    if halflife is not None and span is not None:
        raise InputError("span: give halflife or span, not both.")
    if halflife is not None:
        h = as_scalar(halflife, "halflife", low=0.0, low_inclusive=False)
        return 0.5 ** (1.0 / h)
    if span is not None:
        s = as_scalar(span, "span", low=1.0)
        return 1.0 - 2.0 / (s + 1.0)
    return default
