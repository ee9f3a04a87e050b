"""L2 regularisation and risk aversion on the exact efficient path.

* L2 (``gamma``, PyPortfolioOpt's ``L2_reg``: ``gamma * ||w||^2`` added to the objective): for
  minimum variance, a target return and maximum Sharpe the objective ``w'Cw + gamma w'w`` is
  ``w'(C + gamma I)w``, so the problem is the same one with ``C + gamma I`` and the critical line
  solves it exactly (maximum Sharpe uses ``C + gamma I`` in the ratio, which is what PyPortfolioOpt's
  transformed problem minimises too). Volatility and the Sharpe ratio are reported under ``C``.
* Quadratic utility ``max w'mu - (delta / 2) w'Cw - gamma w'w`` is the point of the path of
  ``C + (2 gamma / delta) I`` at risk tolerance ``lam = 1 / delta`` (the path solves
  ``min 1/2 w'Qw - lam mu'w``), found in closed form on the path's segments, so exact.
* A target volatility with L2 (PyPortfolioOpt's ``efficient_risk``: ``max w'mu - gamma w'w`` with
  ``w'Cw <= sigma^2``) is not a point of one path: for a multiplier ``nu >= 0`` of the volatility
  limit the optimum is the utility optimum (delta = 1) on the path of ``2 (nu C + gamma I)``; the volatility
  falls as ``nu`` grows and ``nu`` is found by a bracketed root search (Brent) to :data:`VOL_RTOL`.
"""

from __future__ import annotations

import numpy as np
import scipy  # scipy.linalg and scipy.optimize load on first use (`import kernels` stays fast)

from .._validate import PSD_RTOL
from ..errors import InfeasibleError
from .box_active_set import MAX_CONDITION
from .constraints import _Problem
from .path import _Path, _solve_path

#: Relative tolerance on the volatility reached by the root search for a target risk with L2.
VOL_RTOL = 1e-10


def _regularised(prob: _Problem, gamma: float) -> _Problem:
    """``prob`` with ``Q = cov + gamma I``, its Cholesky factor (None if LAPACK finds none) and whether the
    shift proves ``Q``'s condition number within :data:`.box_active_set.MAX_CONDITION`; ``prob`` itself
    when ``gamma == 0``.

    ``cov`` passed the PSD rule (eigenvalues >= ``-t``, ``t = PSD_RTOL d``, ``d = max C_ii``), so ``Q``'s smallest
    eigenvalue is at least ``f = gamma - t``, every ``|C_ij| <= d + t`` (its 2 x 2 minors), ``||Q||_1 <= n (d + t)
    + gamma`` and the 1-norm condition number at most ``||Q||_1 sqrt(n) / f``: within half of ``MAX_CONDITION``
    (room for rounding), LAPACK's estimate (a lower bound of the same number) would pass the gate too, and is
    not run.
    """
    if gamma == 0.0:
        return prob
    n = prob.cov.shape[0]
    Q = prob.cov.copy()
    Q.flat[:: n + 1] += gamma
    # Q.T: the same symmetric matrix in Fortran order (LAPACK copies without transposing)
    L, info = scipy.linalg.lapack.dpotrf(Q.T, lower=1, clean=1)
    d = float(np.max(np.diag(prob.cov)))
    floor = gamma - PSD_RTOL * d
    one_norm = n * (d + PSD_RTOL * d) + gamma
    conditioned = info == 0 and floor > 0.0 and one_norm * np.sqrt(n) <= 0.5 * MAX_CONDITION * floor
    return prob._replace(cov=Q, chol=L if info == 0 else None, conditioned=bool(conditioned))


def _box_only(prob: _Problem) -> bool:
    """Box bounds and the budget only, ``cov`` positive definite (validation found its factor): the
    certified box active set (:mod:`.box_path`) is tried first."""
    return prob.rows is None and prob.chol is not None


def _best_utility_on_path(path: _Path, Q, delta: float):
    """The point of the path maximising ``w'mu - delta/2 w'Qw`` (``path`` solved with ``Q``).

    On a segment ``w0 + t dw`` the utility is a concave quadratic in ``t`` with its stationary point
    at ``t = (dr - delta c) / (delta D)`` (``c = w0'Q dw``, ``D = dw'Q dw``): closed form, and the
    best over the segments and the turning points is the optimum (the path holds every optimum of
    ``min 1/2 w'Qw - lam mu'w``). The turning points' lambdas are not used: a corner optimal over a
    range of lambdas is stored once.
    """
    r, V, W = path.returns, path.variances, path.weights
    U = r - 0.5 * delta * V
    best = int(np.argmax(U))
    best_u, best_w = float(U[best]), W[best]
    QW = W @ Q
    for i in range(W.shape[0] - 1):
        dw = W[i + 1] - W[i]
        D = float(dw @ Q @ dw)
        if D <= 0.0:
            continue
        t = (r[i + 1] - r[i] - delta * float(QW[i] @ dw)) / (delta * D)
        if 0.0 < t < 1.0:
            w = W[i] + t * dw
            u = r[i] + t * (r[i + 1] - r[i]) - 0.5 * delta * float(w @ Q @ w)
            if u > best_u:
                best_u, best_w = u, w
    return np.array(best_w, dtype=np.float64)


def _utility_point(mu, prob: _Problem, delta: float, gamma: float, caller: str):
    """``max w'mu - delta/2 w'Cw - gamma w'w`` under the constraints of ``prob``: ``(weights, 1 / delta)``."""
    reg = _regularised(prob, 2.0 * gamma / delta)
    path = _solve_path(mu, reg, caller)
    return _best_utility_on_path(path, reg.cov, delta), 1.0 / delta


def _max_return_l2_at_volatility(mu, prob: _Problem, cap: float, gamma: float, caller: str):
    """``max w'mu - gamma w'w`` with ``sqrt(w'Cw) <= cap``: ``(weights, nu)``; nu the volatility multiplier.

    Raises InfeasibleError when ``cap`` is below the least attainable volatility.
    """
    C = prob.cov
    n = C.shape[0]
    eye = np.eye(n)

    def solve(nu):
        Q = 2.0 * (nu * C + gamma * eye)
        path = _solve_path(mu, prob._replace(cov=Q, chol=None), caller)
        return _best_utility_on_path(path, Q, 1.0)

    def excess(log_nu):
        w = solve(np.exp(log_nu))
        return float(np.sqrt(max(w @ C @ w, 0.0))) - cap

    w0 = solve(0.0)
    if np.sqrt(max(w0 @ C @ w0, 0.0)) <= cap * (1.0 + VOL_RTOL):
        return w0, 0.0
    least = _solve_path(mu, prob, caller)
    floor = float(np.sqrt(least.variances[0]))
    if cap < floor * (1.0 - VOL_RTOL):
        raise InfeasibleError(
            f"target_risk: {cap:.6g} is below the lowest attainable volatility {floor:.6g}; "
            f"choose a volatility of at least {floor:.6g}."
        )
    if cap <= floor:
        return least.weights[0].copy(), np.inf
    # bracket: volatility decreases in nu towards the minimum-variance volatility
    lo, hi = np.log(max(gamma, 1e-12)) - 30.0, np.log(max(gamma, 1e-12)) + 5.0
    while excess(hi) > 0.0 and hi < 700.0:
        hi += 10.0
    if excess(hi) > 0.0:
        return least.weights[0].copy(), np.inf
    log_nu = scipy.optimize.brentq(excess, lo, hi, xtol=1e-14, rtol=VOL_RTOL, maxiter=200)
    return solve(np.exp(log_nu)), float(np.exp(log_nu))
