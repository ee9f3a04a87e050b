"""Shrinkage of the sample covariance toward a structured target (compiled kernels).

Every kernel takes demeaned returns ``xc`` (``n_obs x n_assets``) or the biased sample covariance
``xc' xc / n_obs`` and returns the intensity in [0, 1]; :func:`_shrink` forms
``delta F + (1 - delta) S``. Targets:

- scaled identity ``mean(diag S) I`` (Ledoit & Wolf 2004, JMVA; and OAS, Chen et al. 2010),
  equal to scikit-learn's ``LedoitWolf`` / ``OAS``;
- constant correlation (Ledoit & Wolf 2004, "Honey, I shrunk the sample covariance matrix"),
  a line-by-line reading of their ``covCor.m``;
- single factor, the equal-weighted market (Ledoit & Wolf 2003, JEF), their ``covMarket.m`` as
  PyPortfolioOpt's ``CovarianceShrinkage.ledoit_wolf("single_factor")`` implements it.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit


@jit
def _ledoit_wolf_shrinkage(emp_cov, beta_sum, n_obs):
    n = emp_cov.shape[0]
    trace = 0.0
    for i in range(n):
        trace += emp_cov[i, i]
    mu = trace / n
    delta_ = 0.0
    for i in range(n):
        for j in range(n):
            delta_ += emp_cov[i, j] * emp_cov[i, j]
    beta = (beta_sum / n_obs - delta_) / (n * n_obs)
    delta = (delta_ - 2.0 * mu * trace + n * mu * mu) / n
    beta = min(beta, delta)
    return 0.0 if beta == 0.0 else beta / delta


@jit
def _oas_shrinkage(emp_cov, n_obs):
    n = emp_cov.shape[0]
    trace = 0.0
    for i in range(n):
        trace += emp_cov[i, i]
    mu = trace / n
    alpha = 0.0
    for i in range(n):
        for j in range(n):
            alpha += emp_cov[i, j] * emp_cov[i, j]
    alpha /= n * n
    num = alpha + mu * mu
    den = (n_obs + 1.0) * (alpha - mu * mu / n)
    return 1.0 if den == 0.0 else min(num / den, 1.0)


@jit
def _constant_correlation_target(sample):
    """Average sample correlation ``r_bar`` and the target ``F_ij = r_bar sqrt(s_ii s_jj)``, ``F_ii = s_ii``."""
    n = sample.shape[0]
    sd = np.sqrt(np.diag(sample))
    total = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                total += sample[i, j] / (sd[i] * sd[j])
    r_bar = total / (n * (n - 1)) if n > 1 else 0.0
    target = r_bar * np.outer(sd, sd)
    for i in range(n):
        target[i, i] = sample[i, i]
    return r_bar, target


@jit
def _constant_correlation_shrinkage(xc, sample, r_bar, target):
    """Ledoit & Wolf's optimal intensity for the constant-correlation target (``covCor.m``)."""
    t, n = xc.shape
    y = xc * xc
    xtx = xc.T @ xc
    phi_mat = (y.T @ y) / t - 2.0 * xtx * sample / t + sample * sample
    phi = phi_mat.sum()
    var = np.diag(sample)
    sd = np.sqrt(var)
    help_ = xtx / t
    help_diag = np.diag(help_)
    theta = ((xc * xc * xc).T @ xc) / t
    for i in range(n):
        for j in range(n):
            theta[i, j] -= help_diag[i] * sample[i, j] + help_[i, j] * var[i] - var[i] * sample[i, j]
    rho = np.trace(phi_mat)
    acc = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                acc += sd[j] / sd[i] * theta[i, j]
    rho += r_bar * acc
    gamma = ((sample - target) ** 2).sum()
    if gamma == 0.0:
        return 0.0
    return max(0.0, min(1.0, (phi - rho) / gamma / t))


@jit
def _single_factor(xc):
    """Ledoit & Wolf's single-index target and optimal intensity (``covMarket.m``); returns ``(delta, F, S)``."""
    t, n = xc.shape
    xmkt = np.empty(t)
    for r in range(t):
        xmkt[r] = xc[r].sum() / n
    sample = (xc.T @ xc) / t
    betas = (xc.T @ xmkt) / t
    varmkt = (xmkt @ xmkt) / t
    target = np.outer(betas, betas) / varmkt
    for i in range(n):
        target[i, i] = sample[i, i]
    c = ((sample - target) ** 2).sum()
    y = xc * xc
    p = (y.T @ y).sum() / t - (sample * sample).sum()
    rdiag = (y * y).sum() / t - (np.diag(sample) ** 2).sum()
    z = xc * xmkt.reshape(t, 1)
    v1 = (y.T @ z) / t
    for i in range(n):
        for j in range(n):
            v1[i, j] -= betas[i] * sample[i, j]
    roff1 = 0.0
    for i in range(n):
        for j in range(n):
            roff1 += v1[i, j] * betas[j]
        roff1 -= v1[i, i] * betas[i]
    roff1 /= varmkt
    v3 = (z.T @ z) / t - varmkt * sample
    roff3 = 0.0
    for i in range(n):
        for j in range(n):
            roff3 += v3[i, j] * betas[i] * betas[j]
        roff3 -= v3[i, i] * betas[i] * betas[i]
    roff3 /= varmkt * varmkt
    r = rdiag + 2.0 * roff1 - roff3
    delta = 0.0 if c == 0.0 else max(0.0, min(1.0, (p - r) / c / t))
    return delta, target, sample


@jit
def _shrink(sample, target, shrinkage, scale):
    """``scale * (shrinkage * target + (1 - shrinkage) * sample)``."""
    return scale * (shrinkage * target + (1.0 - shrinkage) * sample)


@jit
def _shrink_to_identity(emp_cov, shrinkage, scale):
    """``scale * ((1 - shrinkage) S + shrinkage mean(diag S) I)`` (scikit-learn's arithmetic order)."""
    n = emp_cov.shape[0]
    trace = 0.0
    for i in range(n):
        trace += emp_cov[i, i]
    mu = trace / n
    out = np.empty_like(emp_cov)
    for i in range(n):
        for j in range(n):
            out[i, j] = scale * (1.0 - shrinkage) * emp_cov[i, j]
        out[i, i] += scale * shrinkage * mu
    return out
