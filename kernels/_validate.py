"""Input conversion and checks shared by every public function.

Each helper takes the argument's ``name`` so that messages say which input is
wrong, what was expected, what came and how to fix it, in one line that fits
an Excel cell, e.g. ``"cov: expected a square matrix (n_assets x n_assets), got 5 x 4."``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.linalg.lapack
from numpy.typing import ArrayLike, NDArray

from ._jit import jit
from .errors import InputError

#: Relative tolerance for symmetry of a covariance or correlation matrix.
SYMMETRY_RTOL = 1e-8
#: Smallest eigenvalue allowed, relative to the largest diagonal entry, before a matrix is "not PSD".
PSD_RTOL = 1e-10


def _shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 0:
        return "a single value"
    if len(shape) == 1:
        return f"{shape[0]} values"
    return " x ".join(str(s) for s in shape)


def _to_float_array(x: ArrayLike, name: str) -> NDArray[np.float64]:
    if x is None:
        raise InputError(f"{name}: is empty; enter numbers.")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, found text or an empty entry; enter numbers only.") from None
    return arr


def _check_finite(arr: NDArray[np.float64], name: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr.ravel()))[0]
        if arr.ndim == 2:
            r, c = divmod(int(bad), arr.shape[1])
            where = f"row {r + 1}, column {c + 1}"
        else:
            where = f"position {int(bad) + 1}"
        raise InputError(f"{name}: missing or non-finite value at {where}; fill in a number.")


def as_vector(
    x: ArrayLike,
    name: str,
    *,
    size: int | None = None,
    size_name: str = "n_assets",
    finite: bool = True,
) -> NDArray[np.float64]:
    """Convert ``x`` to a contiguous 1-D float64 array.

    A row (1 x n) or a column (n x 1) is accepted, as are plain sequences and
    pandas objects. With ``size`` the length must match (``size_name`` says what it
    must match in the message).

    Raises
    ------
    InputError
        Not numeric, not one-dimensional, wrong length, or (``finite=True``) NaN/inf.
    """
    arr = _to_float_array(x, name)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    elif arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    elif arr.ndim != 1:
        raise InputError(f"{name}: expected one row or one column of values, got a {_shape_text(arr.shape)} range.")
    if arr.size == 0:
        raise InputError(f"{name}: is empty; enter at least one value.")
    if size is not None and arr.size != size:
        raise InputError(f"{name}: expected {size} values (one per asset, {size_name}={size}), got {arr.size}.")
    if finite:
        _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def as_matrix(
    x: ArrayLike,
    name: str,
    *,
    min_rows: int = 1,
    n_cols: int | None = None,
    finite: bool = True,
) -> NDArray[np.float64]:
    """Convert ``x`` to a C-contiguous 2-D float64 array (a 1-D input is one column)."""
    arr = _to_float_array(x, name)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise InputError(f"{name}: expected a table (rows x columns), got {arr.ndim} dimensions.")
    if arr.shape[0] < min_rows:
        raise InputError(f"{name}: expected at least {min_rows} rows, got {arr.shape[0]}.")
    if n_cols is not None and arr.shape[1] != n_cols:
        raise InputError(f"{name}: expected {n_cols} columns (one per asset), got {arr.shape[1]}.")
    if finite:
        _check_finite(arr, name)
    return np.ascontiguousarray(arr)


def as_square_matrix(x: ArrayLike, name: str, *, size: int | None = None) -> NDArray[np.float64]:
    """A finite, square, symmetric 2-D float64 array (size-checked when ``size`` is given)."""
    arr = _to_float_array(x, name)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(
            f"{name}: expected a square matrix (n_assets x n_assets), got {_shape_text(arr.shape)}."
        )
    if size is not None and arr.shape[0] != size:
        raise InputError(
            f"{name}: is {arr.shape[0]} x {arr.shape[0]} but there are {size} assets; use one row and column per asset."
        )
    if arr.size == 0:
        raise InputError(f"{name}: is empty; enter a square matrix of numbers (n_assets x n_assets).")
    # the transpose of a Fortran-order matrix is C order and gives the same symmetric part
    c_order = arr if arr.flags.c_contiguous else (arr.T if arr.flags.f_contiguous else np.ascontiguousarray(arr))
    sym, finite, scale, asym = _symmetrize(c_order)
    if not finite:
        _check_finite(arr, name)
    if asym > SYMMETRY_RTOL * max(scale, np.finfo(float).tiny):
        i, j = np.unravel_index(int(np.argmax(np.abs(arr - arr.T))), arr.shape)
        raise InputError(
            f"{name}: not symmetric (row {i + 1}, column {j + 1} differs from row {j + 1}, column {i + 1}); "
            "copy the upper triangle to the lower."
        )
    return sym


@jit
def _symmetrize(a):
    """``(a + a') / 2`` with, in the same pass, whether every entry is finite, ``max|a|`` and ``max|a - a'|``."""
    n = a.shape[0]
    out = np.empty((n, n))
    finite = True
    scale = 0.0
    asym = 0.0
    for i in range(n):
        for j in range(i + 1):
            x = a[i, j]
            y = a[j, i]
            if not (np.isfinite(x) and np.isfinite(y)):
                finite = False
            scale = max(scale, abs(x), abs(y))
            asym = max(asym, abs(x - y))
            m = 0.5 * (x + y)
            out[i, j] = m
            out[j, i] = m
    return out, finite, scale, asym


def smallest_eigenvalue(matrix: NDArray[np.float64]) -> float:
    """Smallest eigenvalue of a symmetric matrix."""
    return float(np.linalg.eigvalsh(matrix)[0])


def check_psd(matrix: NDArray[np.float64], name: str, *, what: str = "matrix") -> NDArray[np.float64] | None:
    """Raise when a symmetric matrix has a clearly negative eigenvalue; return its Cholesky factor.

    A Cholesky factorisation (fast) settles the positive definite case; only
    singular or indefinite matrices pay for an eigenvalue decomposition.

    Returns
    -------
    ndarray of shape (n, n) or None
        The lower Cholesky factor ``L`` (Fortran order, zero above the diagonal) with
        ``matrix = L L'`` when ``matrix`` is positive definite; None when it is PSD but singular.
    """
    # matrix.T is the same symmetric matrix in Fortran order: LAPACK then copies without transposing
    factor, info = scipy.linalg.lapack.dpotrf(matrix.T, lower=1, clean=1)
    if info == 0:
        return factor
    lam = smallest_eigenvalue(matrix)
    scale = max(float(np.max(np.abs(np.diag(matrix)))), np.finfo(float).tiny)
    if lam < -PSD_RTOL * scale:
        raise InputError(
            f"{name}: not positive semi-definite (smallest eigenvalue {lam:.3g}); "
            f"check the entries or repair the {what} (nearest_correlation)."
        )
    return None


def as_covariance(
    cov: ArrayLike, name: str = "cov", *, size: int | None = None, check_psd_: bool = True
) -> NDArray[np.float64]:
    """A covariance matrix: square, symmetric, finite, non-negative variances and (optionally) PSD."""
    return as_factored_covariance(cov, name, size=size, check_psd_=check_psd_).cov


class FactoredCovariance(NamedTuple):
    """A validated covariance and, when it is positive definite and was checked, its Cholesky factor."""

    cov: NDArray[np.float64]
    """(n, n) symmetric, C order."""
    chol: NDArray[np.float64] | None
    """(n, n) lower factor ``L`` (Fortran order) with ``cov = L L'``; None if singular or unchecked."""


def as_factored_covariance(
    cov: ArrayLike, name: str = "cov", *, size: int | None = None, check_psd_: bool = True
) -> FactoredCovariance:
    """:func:`as_covariance` that keeps the Cholesky factor of its PSD check for the solver."""
    arr = as_square_matrix(cov, name, size=size)
    diag = np.diag(arr)
    if np.any(diag < 0):
        i = int(np.flatnonzero(diag < 0)[0])
        raise InputError(f"{name}: variance of asset {i + 1} is negative ({diag[i]:.3g}); variances must be >= 0.")
    chol = check_psd(arr, name, what="covariance") if check_psd_ else None
    return FactoredCovariance(arr, chol)


def as_scalar(
    x: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """A finite real number within optional limits (``integer=True`` also requires a whole number)."""
    if isinstance(x, np.ndarray) and x.size == 1:
        x = x.reshape(()).item()
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise InputError(f"{name}: expected a number, got {type(x).__name__ if x is not None else 'an empty cell'}.")
    value = float(x)
    if not np.isfinite(value):
        raise InputError(f"{name}: expected a finite number, got {value}.")
    if integer and value != int(value):
        raise InputError(f"{name}: expected a whole number, got {value:g}.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise InputError(f"{name}: must be {op} {low:g}, got {value:g}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise InputError(f"{name}: must be {op} {high:g}, got {value:g}.")
    return value


def as_bounds(bound: ArrayLike, n_assets: int, name: str) -> NDArray[np.float64]:
    """A scalar or one value per asset, broadcast to ``(n_assets,)``."""
    arr = _to_float_array(bound, name)
    if arr.ndim == 0 or arr.size == 1:
        out = np.full(n_assets, float(arr.reshape(-1)[0]))
        _check_finite(out, name)
        return out
    return as_vector(arr, name, size=n_assets)


def check_choice(value: str, name: str, choices) -> str:
    """A string option from ``choices`` (case-insensitive; spaces and dashes read as underscores)."""
    if not isinstance(value, str):
        raise InputError(f"{name}: expected one of {', '.join(choices)}, got {value!r}.")
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in choices:
        raise InputError(f"{name}: expected one of {', '.join(choices)}, got {value!r}.")
    return key
