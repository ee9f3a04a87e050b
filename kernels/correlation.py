"""Correlation <-> covariance conversion, correlation checks and nearest-correlation repair.

A correlation matrix typed by hand is often not positive semi-definite (PSD):
:func:`as_correlation` reports the smallest eigenvalue, and
:func:`nearest_correlation` repairs it explicitly (Higham 2002).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit
from ._validate import as_covariance, as_square_matrix, as_vector, check_psd
from .errors import InputError

#: Tolerance on a correlation matrix's unit diagonal and [-1, 1] entries.
CORRELATION_ATOL = 1e-8


class NearestCorrelationResult(NamedTuple):
    """Result of :func:`nearest_correlation`.

    Attributes
    ----------
    correlation : ndarray of shape (n_assets, n_assets)
        The repaired matrix: unit diagonal, PSD.
    distance : float
        Frobenius distance to the input.
    min_eigenvalue : float
        Smallest eigenvalue of the input (negative when it needed repair).
    n_iter : int
    converged : bool
    """

    correlation: NDArray[np.float64]
    distance: float
    min_eigenvalue: float
    n_iter: int
    converged: bool


class _Higham(NamedTuple):
    """What the compiled alternating projections return."""

    correlation: NDArray[np.float64]
    n_iter: int
    converged: bool


def as_correlation(corr: ArrayLike, name: str = "correlation", *, size: int | None = None,
                   check_psd_: bool = True) -> NDArray[np.float64]:
    """Validate a correlation matrix: square, symmetric, unit diagonal, entries in [-1, 1], PSD."""
    R = as_square_matrix(corr, name, size=size)
    diag = np.diag(R)
    if np.any(np.abs(diag - 1.0) > CORRELATION_ATOL):
        i = int(np.flatnonzero(np.abs(diag - 1.0) > CORRELATION_ATOL)[0])
        raise InputError(f"{name}: diagonal entry {i + 1} is {diag[i]:g}; a correlation matrix has 1 on the diagonal.")
    if np.any(np.abs(R) > 1.0 + CORRELATION_ATOL):
        i, j = np.unravel_index(int(np.argmax(np.abs(R))), R.shape)
        raise InputError(f"{name}: entry at row {i + 1}, column {j + 1} is {R[i, j]:g}; correlations lie in -1..1.")
    np.fill_diagonal(R, 1.0)
    if check_psd_:
        check_psd(R, name, what="correlation")
    return R


def check_volatilities(vols: ArrayLike, name: str = "vols") -> NDArray[np.float64]:
    """Volatilities as a float vector: finite and >= 0."""
    s = as_vector(vols, name)
    if np.any(s < 0):
        i = int(np.flatnonzero(s < 0)[0])
        raise InputError(f"{name}: volatility {i + 1} is negative ({s[i]:.4g}); volatilities are >= 0.")
    return s


def covariance_from_correlation(vols: ArrayLike, corr: ArrayLike) -> NDArray[np.float64]:
    """Covariance ``C_ij = sigma_i sigma_j rho_ij`` from volatilities and a correlation matrix.

    Parameters
    ----------
    vols : array_like of shape (n_assets,)
        Volatilities (standard deviations, >= 0), decimal fractions.
    corr : array_like of shape (n_assets, n_assets)
        Correlation matrix (checked: unit diagonal, entries in [-1, 1], PSD).

    Returns
    -------
    ndarray of shape (n_assets, n_assets)

    Examples
    --------
    >>> covariance_from_correlation([0.15, 0.05], [[1, 0.2], [0.2, 1]]).round(6).tolist()
    [[0.0225, 0.0015], [0.0015, 0.0025]]
    """
    s = check_volatilities(vols)
    R = as_correlation(corr, "correlation")
    if R.shape[0] != s.size:
        raise InputError(
            f"correlation: is {R.shape[0]} x {R.shape[0]} but there are {s.size} volatilities; use one row and column per asset."
        )
    return R * np.outer(s, s)


def correlation_from_covariance(cov: ArrayLike) -> NDArray[np.float64]:
    """Correlation matrix ``rho_ij = C_ij / (sigma_i sigma_j)`` of a covariance matrix.

    Raises
    ------
    InputError
        ``cov`` is not a covariance matrix (not square, not symmetric, a negative variance, not
        positive semi-definite), or an asset has zero variance (its correlations are undefined).

    Examples
    --------
    >>> correlation_from_covariance([[0.0225, 0.0015], [0.0015, 0.0025]]).round(6).tolist()
    [[1.0, 0.2], [0.2, 1.0]]
    """
    C = as_covariance(cov, "cov")
    s = np.sqrt(np.diag(C))
    if np.any(s == 0):
        i = int(np.flatnonzero(s == 0)[0])
        raise InputError(f"cov: asset {i + 1} has zero variance, so its correlations are undefined.")
    with np.errstate(over="ignore", under="ignore"):
        R = (C / s[:, None]) / s[None, :]  # in two steps: s_i s_j may overflow or underflow
    np.clip(R, -1.0, 1.0, out=R)
    np.fill_diagonal(R, 1.0)
    return R


@jit
def _higham_nearest_correlation(A, tol, max_iter, eig_floor):
    """Higham's alternating projections (with Dykstra's correction) from ``A``: a :class:`_Higham`."""
    n = A.shape[0]
    Y = A.copy()
    dS = np.zeros_like(A)
    X = A.copy()
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        R = Y - dS
        lam, V = np.linalg.eigh(R)
        lam = np.maximum(lam, eig_floor)
        X = (V * lam) @ V.T
        X = 0.5 * (X + X.T)
        dS = X - R
        Y_old = Y
        Y = X.copy()
        for i in range(n):
            Y[i, i] = 1.0
        rel_x = np.linalg.norm(Y - Y_old) / max(np.linalg.norm(Y), 1e-300)
        rel_y = np.linalg.norm(Y - X) / max(np.linalg.norm(Y), 1e-300)
        if max(rel_x, rel_y) < tol:
            converged = True
            break
    return _Higham(Y, it, converged)


def nearest_correlation(corr: ArrayLike, *, tol: float = 1e-12, max_iter: int = 10_000,
                        min_eigenvalue: float = 0.0) -> NearestCorrelationResult:
    """Nearest correlation matrix in the Frobenius norm (Higham 2002, alternating projections).

    Parameters
    ----------
    corr : array_like of shape (n_assets, n_assets)
        A symmetric matrix with unit diagonal, e.g. correlations typed by hand that are not PSD.
    tol : float
        Stop when successive iterates change by less than ``tol`` (relative).
    max_iter : int
    min_eigenvalue : float
        Eigenvalue floor of the PSD projection (0 is Higham's method; a small positive
        value such as 1e-8 gives a positive definite result).

    Returns
    -------
    NearestCorrelationResult
        A PSD input comes back unchanged with ``n_iter=0``.

    References
    ----------
    N. J. Higham, "Computing the nearest correlation matrix - a problem from finance",
    IMA J. Numer. Anal. 22 (2002) 329-343.

    Examples
    --------
    >>> r = nearest_correlation([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    >>> r.correlation.round(4).tolist()
    [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]
    """
    R = as_correlation(corr, "correlation", check_psd_=False)
    lam_min = float(np.linalg.eigvalsh(R)[0])
    if lam_min >= min_eigenvalue:
        return NearestCorrelationResult(R, 0.0, lam_min, 0, True)
    higham = _higham_nearest_correlation(R, float(tol), int(max_iter), float(min_eigenvalue))
    Y = 0.5 * (higham.correlation + higham.correlation.T)
    return NearestCorrelationResult(Y, float(np.linalg.norm(Y - R)), lam_min, int(higham.n_iter),
                                    bool(higham.converged))
