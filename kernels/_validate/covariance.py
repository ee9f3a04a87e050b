"""Square matrices, covariance matrices and the positive semi-definiteness test.

A covariance is finite, square, symmetric to :data:`SYMMETRY_RTOL` and positive
semi-definite to :data:`PSD_RTOL`; the messages name the first entry that breaks a rule.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg.lapack
from numpy.typing import ArrayLike, NDArray

from .._jit import jit
from ..errors import InputError
from .arrays import _check_finite, _shape_text, _to_float_array

#: Relative tolerance for symmetry of a covariance or correlation matrix.
SYMMETRY_RTOL = 1e-8
#: Smallest eigenvalue allowed, relative to the largest diagonal entry, before a matrix is "not PSD".
PSD_RTOL = 1e-10

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
