"""The Black-Litterman posterior: compiled kernel (no validation, no strings).

With prior mean ``pi``, prior covariance of the mean ``tau * C``, views ``P mu = Q + e``,
``e ~ N(0, Omega)``, and ``A = tau P C P' + Omega``::

    returns = pi + tau C P' A^-1 (Q - P pi)
    cov     = (1 + tau) C - tau^2 C P' A^-1 P C

(He & Litterman 1999, eqs. 8-9 in the form that never inverts ``Omega``, so a view held with
certainty, ``omega_k = 0``, is allowed). Nothing of size ``n x n`` is factorised or inverted: the
cost is one product ``P C`` (``O(n_assets^2 n_views)``), a ``k x k`` Cholesky factorisation of ``A``,
``k`` triangular solves of length-``n`` rows and the ``n x n`` update ``(1 + tau) C - B B'`` with
``B = tau C P' L^-T`` (``A = L L'``), written once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import jit, vectorised

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
    implied_view_returns: np.ndarray  # (n_views,) P pi
    posterior_view_returns: np.ndarray  # (n_views,) P returns


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


def _posterior_cov_numpy(cov, bt, tau):
    post = (1.0 + tau) * cov - bt.T @ bt
    return 0.5 * (post + post.T)


@vectorised(_posterior_cov_numpy)
@jit
def _posterior_cov(cov, bt, tau):
    """``(1 + tau) cov - bt' bt`` for ``bt`` of shape (k, n), row by row (contiguous, no temporaries).

    Exactly symmetric: entry ``(j, i)`` subtracts the same products ``bt[p, i] * bt[p, j]`` in the same
    order as ``(i, j)``, and ``cov`` is symmetric.
    """
    n = cov.shape[0]
    k = bt.shape[0]
    out = np.empty((n, n))
    c = 1.0 + tau
    for i in range(n):
        row = out[i]
        src = cov[i]
        for j in range(n):
            row[j] = c * src[j]
        for p in range(k):
            b = bt[p]
            f = b[i]
            for j in range(n):
                row[j] -= f * b[j]
    return out


@jit
def _posterior(cov, pi, P, Q, omega_given, omega_scale, tau):
    """Posterior mean and covariance for ``k`` views.

    ``Omega = omega_given + diag(omega_scale * tau * diag(P C P'))``: the proportional rule is
    ``omega_scale = 1``, Idzorek's confidence ``c`` is ``(1 - c) / c``, a given Omega has scale 0.
    ``cov`` is symmetric (``P C`` is then ``(C P')'``); arrays C-contiguous float64.
    """
    k = P.shape[0]
    pc = P @ cov  # (k, n) P C = (C P')'
    g = pc @ P.T  # (k, k) P C P'
    omega = omega_given.copy()
    for v in range(k):
        omega[v, v] += omega_scale[v] * tau * g[v, v]
    a = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            a[i, j] = tau * 0.5 * (g[i, j] + g[j, i]) + 0.5 * (omega[i, j] + omega[j, i])
    implied = P @ pi
    chol = np.zeros((k, k))
    if not _cholesky_lower(a, chol):
        return Posterior(STATUS_VIEWS_DEPENDENT, pi.copy(), cov.copy(), omega, np.zeros(k), implied, implied.copy())
    # x = A^-1 (Q - P pi) by two triangular solves
    x = np.empty(k)
    for i in range(k):
        s = Q[i] - implied[i]
        for p in range(i):
            s -= chol[i, p] * x[p]
        x[i] = s / chol[i, i]
    for i in range(k - 1, -1, -1):
        s = x[i]
        for p in range(i + 1, k):
            s -= chol[p, i] * x[p]
        x[i] = s / chol[i, i]
    returns = pi + tau * (x @ pc)
    # bt = tau L^-1 P C (k, n), row by row: C P' A^-1 P C tau^2 = bt' bt
    bt = tau * pc
    for i in range(k):
        row = bt[i]
        for p in range(i):
            f = chol[i, p]
            prev = bt[p]
            for j in range(row.shape[0]):
                row[j] -= f * prev[j]
        d = chol[i, i]
        for j in range(row.shape[0]):
            row[j] /= d
    post = _posterior_cov(cov, bt, tau)
    return Posterior(STATUS_OK, returns, post, omega, x, implied, P @ returns)
