"""The mean-variance problem set-up: weight bounds, linear and group limits, validated once.

Every function of :mod:`kernels.mean_variance` solves

    minimise w' C w   subject to   sum(w) = 1,   lower <= w <= upper,   lo_r <= a_r' w <= hi_r,

and this module turns what the user gives (bounds, :class:`LinearConstraints`, group labels and
limits) into one validated :class:`_Problem`, then into the standard form the solvers work on
(:func:`_standard_form`: one slack variable per linear row, so that every limit is a bound).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import (
    as_bounds,
    as_factored_covariance,
    as_matrix,
    as_scalar,
    as_vector,
    check_ordered,
)
from ..errors import InfeasibleError, InputError

#: Largest weight bound (in absolute value) the solvers accept: weights are fractions (1 = 100%), and
#: beyond this the budget row sum(w) = 1 drowns in the rounding of the bounds (at 1e16 the path loses
#: feasibility on three assets).
MAX_ABS_BOUND = 1e6


class LinearConstraints(NamedTuple):
    """General linear constraints ``lower <= A @ w <= upper``, one row per constraint.

    Attributes
    ----------
    A : ndarray of shape (n_rows, n_assets)
    lower : ndarray of shape (n_rows,)
        ``-inf`` where a row has no lower limit.
    upper : ndarray of shape (n_rows,)
        ``inf`` where a row has no upper limit; ``lower == upper`` is an equality.
    """

    A: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]


def _as_limits(values, labels: list, name: str, default: float) -> NDArray[np.float64]:
    out = np.full(len(labels), default)
    if values is None:
        return out
    if isinstance(values, Mapping):
        for key, val in values.items():
            if key not in labels:
                raise InputError(f"{name}: unknown group {key!r}; groups are {', '.join(map(str, labels))}.")
            out[labels.index(key)] = as_scalar(val, f"{name}[{key!r}]")
        return out
    arr = as_vector(values, name, finite=False)
    if arr.size != len(labels):
        raise InputError(f"{name}: expected {len(labels)} values (one per group), got {arr.size}.")
    if np.any(np.isnan(arr)):
        raise InputError(f"{name}: missing value at position {int(np.flatnonzero(np.isnan(arr))[0]) + 1}; fill in a number.")
    return arr


def group_constraints(
    groups: Sequence | ArrayLike,
    group_lower: Mapping | ArrayLike | None = None,
    group_upper: Mapping | ArrayLike | None = None,
    n_assets: int | None = None,
) -> LinearConstraints:
    """Asset-class limits as :class:`LinearConstraints` (total weight of each group within limits).

    Parameters
    ----------
    groups : sequence of labels of length n_assets, or array_like of shape (n_groups, n_assets)
        One label per asset (``"bond"``, ``"stock"``, ...), or a 0/1 (or fractional) membership
        matrix with one row per group.
    group_lower, group_upper : mapping label -> value, array_like of shape (n_groups,), or None
        Limits on each group's total weight (labels in order of first appearance); missing
        groups or None: no limit.
    n_assets : int, optional
        Checked against the length of ``groups``.

    Returns
    -------
    LinearConstraints

    Examples
    --------
    >>> c = group_constraints(["bond", "stock", "bond"], {"bond": 0.3}, {"bond": 0.5})
    >>> c.A.tolist(), c.lower.tolist(), c.upper.tolist()
    ([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], [0.3, -inf], [0.5, inf])
    """
    arr = np.asarray(groups, dtype=object)
    if arr.ndim == 2 and arr.shape[0] >= 1 and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in arr.ravel()
    ):
        A = as_matrix(arr.astype(np.float64), "groups", n_cols=n_assets)
        labels = list(range(A.shape[0]))
    else:
        if arr.ndim != 1:
            raise InputError(f"groups: expected one label per asset or a membership matrix, got shape {arr.shape}.")
        if n_assets is not None and arr.size != n_assets:
            raise InputError(f"groups: expected {n_assets} labels (one per asset), got {arr.size}.")
        labels = []
        for v in arr:
            if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip()):
                raise InputError("groups: an asset has no group label; give every asset a label.")
            if v not in labels:
                labels.append(v)
        A = np.array([[1.0 if v == lab else 0.0 for v in arr] for lab in labels])
    lo = _as_limits(group_lower, labels, "group_lower", -np.inf)
    hi = _as_limits(group_upper, labels, "group_upper", np.inf)
    check_ordered(lo, hi, lower_name="group_lower", item="group")
    return LinearConstraints(np.ascontiguousarray(A, dtype=np.float64), lo, hi)


def _as_constraints(constraints, n_assets: int) -> LinearConstraints:
    if not isinstance(constraints, LinearConstraints):
        if isinstance(constraints, tuple) and len(constraints) == 3:
            constraints = LinearConstraints(*constraints)
        else:
            raise InputError("constraints: expected LinearConstraints(A, lower, upper); build one with group_constraints.")
    A = as_matrix(constraints.A, "constraints.A", n_cols=n_assets)
    rows = A.shape[0]
    limits = []
    for given, name in ((constraints.lower, "constraints.lower"), (constraints.upper, "constraints.upper")):
        arr = as_vector(given, name, finite=False) if np.ndim(given) else np.full(rows, float(given))
        if arr.size != rows:
            raise InputError(f"{name}: expected {rows} values (one per row of A), got {arr.size}.")
        if np.any(np.isnan(arr)):
            raise InputError(f"{name}: missing value at row {int(np.flatnonzero(np.isnan(arr))[0]) + 1}; fill in a number.")
        limits.append(arr)
    check_ordered(limits[0], limits[1], lower_name="constraints.lower", item="row")
    return LinearConstraints(np.ascontiguousarray(A, dtype=np.float64), limits[0], limits[1])


class _Problem(NamedTuple):
    cov: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    rows: LinearConstraints | None
    chol: NDArray[np.float64] | None = None  # lower Cholesky factor of cov from its PSD check; None: singular
    # cov's condition number proven within box_active_set.MAX_CONDITION (an L2 shift: regularised._regularised)
    conditioned: bool = False


def _stacked(parts: list[LinearConstraints]) -> LinearConstraints | None:
    if not parts:
        return None
    return LinearConstraints(np.vstack([p.A for p in parts]), np.concatenate([p.lower for p in parts]),
                             np.concatenate([p.upper for p in parts]))


def check_bound_size(bounds: NDArray[np.float64], name: str) -> None:
    """Raise :class:`InputError` at the first weight bound beyond :data:`MAX_ABS_BOUND` in absolute value."""
    bad = np.flatnonzero(np.abs(bounds) > MAX_ABS_BOUND)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{name}: {bounds[i]:.4g} for asset {i + 1} is beyond the largest supported weight bound "
            f"(+/-{MAX_ABS_BOUND:.0e}); weights are fractions (1 = 100%), enter a bound within it."
        )


def _problem(cov, n_assets, lower, upper, constraints, groups, group_lower, group_upper) -> _Problem:
    """Validate once; ``n_assets=None`` takes the size from ``cov``."""
    C, chol = as_factored_covariance(cov, "cov", size=n_assets)
    n = C.shape[0]
    lo = as_bounds(lower, n, "lower")
    hi = as_bounds(upper, n, "upper")
    check_bound_size(lo, "lower")
    check_bound_size(hi, "upper")
    check_ordered(lo, hi)
    if lo.sum() > 1.0 + 1e-12:
        raise InfeasibleError(f"lower: minimum weights sum to {lo.sum():g} > 1; lower them so they total at most 1.")
    if hi.sum() < 1.0 - 1e-12:
        raise InfeasibleError(f"upper: maximum weights sum to {hi.sum():g} < 1; raise them so they total at least 1.")
    parts = []
    if constraints is not None:
        parts.append(_as_constraints(constraints, n))
    if groups is not None:
        parts.append(group_constraints(groups, group_lower, group_upper, n_assets=n))
    elif group_lower is not None or group_upper is not None:
        raise InputError("groups: group_lower/group_upper given without groups; give one group label per asset.")
    return _Problem(C, lo, hi, _stacked(parts), chol)


def _standard_form(mu, prob: _Problem):
    """``(mu_s, E, b, lo, hi)`` of the standard form: variables ``x = (w, s)``, one slack ``s_r = a_r' w``
    per linear row, ``E x = b`` the budget row and the rows ``a_r' w - s_r = 0``, every limit a bound.

    A row with no limit on one side gets the limit implied by the asset bounds (the solvers need
    finite bounds).
    """
    n = mu.size
    if prob.rows is None:
        return mu.copy(), np.ones((1, n)), np.ones(1), prob.lower.copy(), prob.upper.copy()
    A, rlo, rhi = prob.rows
    m = A.shape[0]
    E = np.zeros((1 + m, n + m))
    E[0, :n] = 1.0
    E[1:, :n] = A
    E[1:, n:] = -np.eye(m)
    b = np.zeros(1 + m)
    b[0] = 1.0
    implied_lo = np.minimum(A * prob.lower, A * prob.upper).sum(axis=1)
    implied_hi = np.maximum(A * prob.lower, A * prob.upper).sum(axis=1)
    slo = np.where(np.isfinite(rlo), rlo, implied_lo)
    shi = np.where(np.isfinite(rhi), rhi, implied_hi)
    if np.any(slo > shi):
        i = int(np.flatnonzero(slo > shi)[0])
        raise InfeasibleError(
            f"constraints: row {i + 1} needs A @ w in [{slo[i]:g}, {shi[i]:g}], impossible within the asset bounds; relax it."
        )
    mu_s = np.concatenate([mu, np.zeros(m)])
    return mu_s, np.ascontiguousarray(E), b, np.concatenate([prob.lower, slo]), np.concatenate([prob.upper, shi])
