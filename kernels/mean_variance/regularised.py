"""L2 regularisation and risk aversion on the exact efficient path.

* L2 (``gamma``, PyPortfolioOpt's ``L2_reg``: ``gamma * ||w||^2`` added to the objective): for
  minimum variance, a target return and maximum Sharpe the objective ``w'Cw + gamma w'w`` is
  ``w'(C + gamma I)w``, so the problem is the same one with ``C + gamma I`` and the critical line
  solves it exactly (maximum Sharpe uses ``C + gamma I`` in the ratio, which is what PyPortfolioOpt's
  transformed problem minimises too). Volatility and the Sharpe ratio are reported under ``C``.
* Quadratic utility ``max w'mu - (delta / 2) w'Cw - gamma w'w`` is the point of the path of
  ``C + (2 gamma / delta) I`` at risk tolerance ``lam = 1 / delta`` (the path solves
  ``min 1/2 w'Qw - lam mu'w``); the weights are linear in ``lam`` between turning points, so exact.
* A target volatility with L2 (PyPortfolioOpt's ``efficient_risk``: ``max w'mu - gamma w'w`` with
  ``w'Cw <= sigma^2``) is not a point of one path: for a multiplier ``nu >= 0`` of the volatility
  limit the optimum is the point at ``lam = 1`` of the path of ``2 (nu C + gamma I)``; the volatility
  falls as ``nu`` grows and ``nu`` is found by a bracketed root search (Brent) to :data:`VOL_RTOL`.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ..errors import InfeasibleError
from .constraints import _Problem
from .path import _on_segment, _Path, _solve_path

#: Relative tolerance on the volatility reached by the root search for a target risk with L2.
VOL_RTOL = 1e-10


def _regularised(prob: _Problem, gamma: float) -> _Problem:
    """``prob`` with ``cov + gamma I`` (and its Cholesky factor); ``prob`` itself when ``gamma == 0``."""
    if gamma == 0.0:
        return prob
    Q = prob.cov + gamma * np.eye(prob.cov.shape[0])
    return prob._replace(cov=Q, chol=np.linalg.cholesky(Q))


def _point_at_risk_tolerance(path: _Path, lam: float):
    """Weights and lambda of the path at risk tolerance ``lam`` (the top of the path above its last lambda)."""
    lams = path.lambdas
    # the end points are optimal for every lambda beyond them
    if lam <= lams[0]:
        return path.weights[0].copy(), float(lam)
    if lam >= lams[-1]:
        return path.weights[-1].copy(), float(lam)
    i = int(np.searchsorted(lams, lam, side="right"))  # lams[i - 1] <= lam < lams[i]
    l0, l1 = lams[i - 1], lams[i]
    if not np.isfinite(l1):
        # a last stretch ending at lambda = inf keeps the return constant (a flat edge at the top):
        # for any finite lambda its least-variance end is the optimum
        return path.weights[i - 1].copy(), float(lam)
    w, _ = _on_segment(path, np.array([i]), np.array([(lam - l0) / (l1 - l0)]))
    return w[0], float(lam)


def _utility_point(mu, prob: _Problem, delta: float, gamma: float, caller: str):
    """``max w'mu - delta/2 w'Cw - gamma w'w`` under the constraints of ``prob``: ``(weights, lambda)``."""
    path = _solve_path(mu, _regularised(prob, 2.0 * gamma / delta), caller)
    return _point_at_risk_tolerance(path, 1.0 / delta)


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
        w, _ = _point_at_risk_tolerance(path, 1.0)
        return w

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
    log_nu = brentq(excess, lo, hi, xtol=1e-14, rtol=VOL_RTOL, maxiter=200)
    return solve(np.exp(log_nu)), float(np.exp(log_nu))
