"""The Black-Litterman posterior: compiled kernel (no validation, no strings).

With prior mean ``pi``, prior covariance of the mean ``tau * C``, views ``P mu = Q + e``,
``e ~ N(0, Omega)``, and ``A = tau P C P' + Omega``::

    returns = pi + tau C P' A^-1 (Q - P pi)
    cov     = (1 + tau) C - tau^2 C P' A^-1 P C

(He & Litterman 1999, eqs. 8-9 in the form that never inverts ``Omega``, so a view held with
certainty, ``omega_k = 0``, is allowed). The cost is two products of ``C`` with the ``k`` view
columns, ``O(n_assets^2 n_views)``, and a ``k x k`` Cholesky factorisation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import jit

STATUS_OK = 0
#: ``A = tau P C P' + Omega`` is not positive definite: views repeat each other and are held with certainty.
STATUS_VIEWS_DEPENDENT = 1


class Posterior(NamedTuple):
    """What :func:`_posterior` computes (arrays in the caller's units)."""

    status: int
    returns: np.ndarray  # (n_assets,)
    cov: np.ndarray  # (n_assets, n_assets)
    omega: np.ndarray  # (n_views, n_views) the Omega used
    view_shift: np.ndarray  # (n_views,) A^-1 (Q - P pi): C P' view_shift * tau is returns - pi


@jit
def _cholesky_lower(a, out):
    """Lower Cholesky factor of a small SPD matrix into ``out``; False if a pivot is not positive."""
    k = a.shape[0]
    scale = 0.0
    for i in range(k):
        scale = max(scale, abs(a[i, i]))
    for j in range(k):
        s = a[j, j]
        for p in range(j):
            s -= out[j, p] * out[j, p]
        if not s > 1e-13 * scale:
            return False
        d = np.sqrt(s)
        out[j, j] = d
        for i in range(j + 1, k):
            t = a[i, j]
            for p in range(j):
                t -= out[i, p] * out[j, p]
            out[i, j] = t / d
        for i in range(j):
            out[i, j] = 0.0
    return True


@jit
def _posterior(cov, pi, P, Pt, Q, omega_given, omega_scale, tau):
    """Posterior mean and covariance for ``k`` views.

    ``Omega = omega_given + diag(omega_scale * tau * diag(P C P'))``: the proportional rule is
    ``omega_scale = 1``, Idzorek's confidence ``c`` is ``(1 - c) / c``, a given Omega has scale 0.
    ``Pt`` is ``P'`` in C order (the products run on BLAS in both modes).
    """
    n = cov.shape[0]
    k = P.shape[0]
    cpt = cov @ Pt  # (n, k) C P'
    g = P @ cpt  # (k, k) P C P'
    omega = omega_given.copy()
    for v in range(k):
        omega[v, v] += omega_scale[v] * tau * g[v, v]
    a = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            a[i, j] = tau * 0.5 * (g[i, j] + g[j, i]) + 0.5 * (omega[i, j] + omega[j, i])
    chol = np.zeros((k, k))
    if not _cholesky_lower(a, chol):
        return Posterior(STATUS_VIEWS_DEPENDENT, pi.copy(), cov.copy(), omega, np.zeros(k))
    # x = A^-1 (Q - P pi) by two triangular solves
    r = Q - P @ pi
    x = np.empty(k)
    for i in range(k):
        s = r[i]
        for p in range(i):
            s -= chol[i, p] * x[p]
        x[i] = s / chol[i, i]
    for i in range(k - 1, -1, -1):
        s = x[i]
        for p in range(i + 1, k):
            s -= chol[p, i] * x[p]
        x[i] = s / chol[i, i]
    returns = pi + tau * (cpt @ x)
    # B = C P' L^-T (n, k), so that C P' A^-1 P C = B B'
    b = np.empty((n, k))
    for row in range(n):
        for i in range(k):
            s = cpt[row, i]
            for p in range(i):
                s -= chol[i, p] * b[row, p]
            b[row, i] = s / chol[i, i]
    post = (1.0 + tau) * cov - (tau * tau) * (b @ b.T)
    post = 0.5 * (post + post.T)  # exact symmetry (B B' is symmetric up to the rounding of the product)
    return Posterior(STATUS_OK, returns, post, omega, x)
