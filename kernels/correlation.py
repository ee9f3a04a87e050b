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
        The stopping rule of ``tol`` held on the returned matrix's pre-scaling diagonal. When Newton's
        steps stall on rounding, True only if the diagonal's error norm is within
        ``sqrt(n) * 1e5 * n * eps * max|eigenvalue|`` (what the eigen-decomposition can resolve).
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


#: Methods of :func:`nearest_correlation`.
NEAREST_CORRELATION_METHODS = ("newton", "alternating_projections")
#: Most Newton steps of :func:`_qi_sun_newton` (it takes 5-15 on matrices of thousands of assets).
_NEWTON_MAX_STEPS = 200


def _jacobian_product(h, P, lam, omega_mixed, positive, eps):
    """``V h + eps h``, ``V`` the generalised Hessian of the dual function at ``G + diag(y) = P diag(lam) P'``.

    ``V h = diag(P (Omega o (P' diag(h) P)) P')``, ``Omega`` 1 between two positive eigenvalues, 0 between
    two others, ``lam_j / (lam_j - lam_k)`` between a positive and another (``omega_mixed``). Computed with
    the smaller of the two groups of eigenvectors (Qi & Sun 2006, section 5): ``2 n^2 min(r, n - r)`` flops.
    """
    P1 = P[:, positive]
    P2 = P[:, ~positive]
    r, k = P1.shape[1], P2.shape[1]
    if r == 0:
        return eps * h
    if r <= k:
        A = P1.T @ (h[:, None] * P1)
        B = omega_mixed * (P1.T @ (h[:, None] * P2))
        out = np.einsum("ij,ij->i", P1 @ A, P1) + 2.0 * np.einsum("ij,ij->i", P1 @ B, P2)
    else:
        A = P2.T @ (h[:, None] * P2)
        B = (1.0 - omega_mixed) * (P1.T @ (h[:, None] * P2))
        out = h - np.einsum("ij,ij->i", P2 @ A, P2) - 2.0 * np.einsum("ij,ij->i", P1 @ B, P2)
    return out + eps * h


def _jacobian_diagonal(P, lam, omega_mixed, positive):
    """The diagonal of the generalised Hessian (the conjugate gradients' preconditioner)."""
    Q = P * P
    Q1 = Q[:, positive]
    Q2 = Q[:, ~positive]
    s1 = Q1.sum(axis=1)
    return s1 * s1 + 2.0 * np.einsum("ij,ij->i", Q1 @ omega_mixed, Q2)


def _psd_split(A):
    """Eigen-decomposition of the symmetric ``A`` and what the dual's derivatives need of it: the diagonal
    of its PSD part ``A_+ = P_+ diag(lam_+) P_+'`` (``O(n r)``; ``A_+`` itself, ``O(n^2 r)``, only for the
    answer: :func:`_psd_part`)."""
    lam, P = np.linalg.eigh(A)
    positive = lam > 0.0
    lp = lam[positive]
    ln = lam[~positive]
    omega_mixed = lp[:, None] / (lp[:, None] - ln[None, :])
    P1 = P[:, positive]
    diag_plus = (P1 * P1) @ lp
    return lam, P, positive, omega_mixed, diag_plus


def _psd_part(lam, P, positive):
    """``P_+ diag(lam_+) P_+'``: the PSD part of the matrix :func:`_psd_split` decomposed."""
    P1 = P[:, positive]
    return (P1 * lam[positive]) @ P1.T


def _qi_sun_newton(G, target, tol, max_steps):
    """Qi & Sun's Newton method on the dual of ``min ||X - G||_F, X PSD, diag(X) = target``.

    The dual ``theta(y) = 1/2 ||(G + diag(y))_+||_F^2 - target' y`` is convex and once differentiable,
    its gradient ``diag((G + diag(y))_+) - target`` is strongly semismooth: Newton's method with a
    generalised Hessian, inexact (preconditioned conjugate gradients) and an Armijo line search,
    converges quadratically. Returns ``(X, n_steps, converged)``, ``X = (G + diag(y))_+`` (PSD; its
    diagonal equals ``target`` to the gradient's norm).
    """
    n = G.shape[0]
    y = target - np.diag(G)
    lam, P, positive, omega, dX = _psd_split(G + np.diag(y))
    theta = 0.5 * float(np.sum(lam[positive] ** 2)) - float(target @ y)
    grad = dX - target
    eps64 = np.finfo(float).eps
    slow = 0
    last_norm = np.inf
    for step in range(max_steps):
        norm = float(np.linalg.norm(grad))
        # the tolerance, or what rounding in the eigen-decomposition leaves of diag(X)
        limit = np.sqrt(n) * max(tol, 4.0 * n * eps64 * max(1.0, float(np.abs(lam).max())))
        if norm <= limit:
            return _psd_part(lam, P, positive), step, True
        # Newton no longer halves the gradient: rounding in the eigen-decomposition decides
        slow = slow + 1 if norm > 0.5 * last_norm else 0
        last_norm = norm
        if slow >= 3:
            return _psd_part(lam, P, positive), step, norm <= np.sqrt(n) * max(
                tol, 1e5 * n * eps64 * max(1.0, float(np.abs(lam).max())))
        eps = min(1e-6, 0.1 * norm)
        rtol = min(0.1, norm)
        precond = _jacobian_diagonal(P, lam, omega, positive) + eps
        precond = np.where(precond > 1e-8, precond, 1e-8)
        # conjugate gradients on (V + eps I) d = -grad, Jacobi-preconditioned
        d = np.zeros(n)
        r = -grad
        z = r / precond
        p = z.copy()
        rz = float(r @ z)
        for _ in range(min(n, 200)):
            vp = _jacobian_product(p, P, lam, omega, positive, eps)
            curvature = float(p @ vp)
            if not curvature > 0.0:
                break
            alpha = rz / curvature
            d += alpha * p
            r -= alpha * vp
            if np.linalg.norm(r) <= rtol * norm:
                break
            z = r / precond
            rz_new = float(r @ z)
            p = z + (rz_new / rz) * p
            rz = rz_new
        slope = float(grad @ d)
        if not slope < 0.0:
            d, slope = -grad, -norm * norm
        # what rounding leaves of theta: below it Armijo's test is noise, and a shrinking gradient decides
        theta_noise = 8.0 * n * eps64 * max(1.0, abs(theta), float(np.sum(lam[positive] ** 2)))
        t = 1.0
        for _ in range(40):
            y_new = y + t * d
            lam_n, P_n, pos_n, omega_n, dX_n = _psd_split(G + np.diag(y_new))
            theta_n = 0.5 * float(np.sum(lam_n[pos_n] ** 2)) - float(target @ y_new)
            if theta_n <= theta + 1e-4 * t * slope or t < 1e-10:
                break
            if theta_n <= theta + theta_noise and float(np.linalg.norm(dX_n - target)) < norm:
                break
            t *= 0.5
        if theta_n > theta and t < 1e-10:
            # no descent left: rounding decides (converged within a looser allowance for it)
            stalled = np.sqrt(n) * max(tol, 1e3 * n * eps64 * max(1.0, float(np.abs(lam).max())))
            return _psd_part(lam, P, positive), step + 1, norm <= stalled
        y, lam, P, positive, omega, dX, theta = y_new, lam_n, P_n, pos_n, omega_n, dX_n, theta_n
        grad = dX - target
    return _psd_part(lam, P, positive), max_steps, False


def _newton_nearest_correlation(R, tol, max_iter, eig_floor):
    """The nearest correlation matrix with eigenvalues >= ``eig_floor`` by :func:`_qi_sun_newton` on
    ``R - eig_floor I`` (diagonal ``1 - eig_floor``), then the diagonal scaled to exactly 1: a :class:`_Higham`."""
    n = R.shape[0]
    X, steps, converged = _qi_sun_newton(R - eig_floor * np.eye(n), np.full(n, 1.0 - eig_floor), tol,
                                         min(max_iter, _NEWTON_MAX_STEPS))
    X[np.diag_indices(n)] += eig_floor
    d = 1.0 / np.sqrt(np.diag(X))  # scaling keeps X PSD and moves it by the (tiny) diagonal error
    Y = (X * d[:, None]) * d[None, :]
    Y = 0.5 * (Y + Y.T)
    np.fill_diagonal(Y, 1.0)
    return _Higham(Y, steps, converged)


def nearest_correlation(corr: ArrayLike, *, tol: float = 1e-12, max_iter: int = 10_000,
                        min_eigenvalue: float = 0.0, method: str = "newton") -> NearestCorrelationResult:
    """Nearest correlation matrix in the Frobenius norm (Higham 2002), by Qi & Sun's Newton method.

    The matrix solves ``min ||X - corr||_F`` over symmetric ``X`` with unit diagonal and eigenvalues at
    least ``min_eigenvalue``. The default method, ``"newton"`` (Qi & Sun 2006), minimises the convex
    dual function of the diagonal's multipliers by a quadratically convergent Newton method (5-15
    eigen-decompositions, each ``O(n_assets^3)``); ``"alternating_projections"`` is Higham's method
    (with Dykstra's correction), which converges linearly: hundreds or thousands of eigen-decompositions.

    Parameters
    ----------
    corr : array_like of shape (n_assets, n_assets)
        A symmetric matrix with unit diagonal, e.g. correlations typed by hand that are not PSD.
    tol : float
        ``"newton"``: stop when the diagonal of the PSD part is within ``tol`` of 1 (root mean square, or
        within what rounding in the eigen-decomposition allows; the diagonal is then scaled to exactly 1).
        ``"alternating_projections"``: stop when successive iterates change by less than ``tol`` (relative).
    max_iter : int
        Most iterations (Newton steps, at most 200, or projections).
    min_eigenvalue : float
        Eigenvalue floor of the PSD projection (0 is Higham's method; a small positive
        value such as 1e-8 gives a positive definite result).
    method : {"newton", "alternating_projections"}, default "newton"

    Returns
    -------
    NearestCorrelationResult
        A PSD input comes back unchanged with ``n_iter=0``.

    References
    ----------
    N. J. Higham, "Computing the nearest correlation matrix - a problem from finance",
    IMA J. Numer. Anal. 22 (2002) 329-343.
    H. Qi, D. Sun, "A quadratically convergent Newton method for computing the nearest correlation
    matrix", SIAM J. Matrix Anal. Appl. 28 (2006) 360-385.

    Examples
    --------
    >>> r = nearest_correlation([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    >>> r.correlation.round(4).tolist()
    [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]
    """
    R = as_correlation(corr, "correlation", check_psd_=False)
    if method not in NEAREST_CORRELATION_METHODS:
        raise InputError(f"method: expected one of {', '.join(NEAREST_CORRELATION_METHODS)}, got {str(method)[:40]!r}.")
    lam_min = float(np.linalg.eigvalsh(R)[0])
    if lam_min >= min_eigenvalue:
        return NearestCorrelationResult(R, 0.0, lam_min, 0, True)
    solve = _newton_nearest_correlation if method == "newton" else _higham_nearest_correlation
    higham = solve(R, float(tol), int(max_iter), float(min_eigenvalue))
    Y = 0.5 * (higham.correlation + higham.correlation.T)
    return NearestCorrelationResult(Y, float(np.linalg.norm(Y - R)), lam_min, int(higham.n_iter),
                                    bool(higham.converged))
