"""Independent oracles and random problems for the efficient-frontier tests.

The oracle is cvxpy with the Clarabel interior-point solver at tight tolerances; it solves one
point at a time (minimum variance at a fixed expected return), nothing shared with the kernels.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

CLARABEL_TIGHT = dict(tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13, tol_ktratio=1e-10, max_iter=500)


class RandomProblem(NamedTuple):
    mu: np.ndarray
    cov: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    A: np.ndarray  # (n_rows, n_assets), maybe empty
    row_lower: np.ndarray
    row_upper: np.ndarray


def random_problem(seed: int, n: int, *, groups: bool = False, long_short: bool = False,
                   singular: bool = False) -> RandomProblem:
    """A feasible random problem: factor-model covariance, random bounds, optional group rows."""
    rng = np.random.default_rng(seed)
    k = max(1, n // 4)
    B = rng.normal(size=(n, k)) * 0.15
    idio = rng.uniform(0.05, 0.3, size=n) ** 2
    if singular and n >= 3:
        idio[-1] = 0.0
        B[-1] = B[0]
        idio[0] = 0.0
    cov = B @ B.T + np.diag(idio)
    if singular and n >= 3:
        cov[:, -1] = cov[:, 0]
        cov[-1, :] = cov[0, :]
    mu = rng.normal(0.06, 0.04, size=n)
    if singular and n >= 3:
        mu[-1] = mu[0]  # the last asset is the first one listed twice
    if long_short:
        lower = -rng.uniform(0.0, 0.5, size=n)
        upper = rng.uniform(0.3, 1.0, size=n)
    else:
        lower = np.where(rng.random(n) < 0.3, rng.uniform(0.0, 0.5 / n, size=n), 0.0)
        upper = np.where(rng.random(n) < 0.5, rng.uniform(2.0 / n, 1.0, size=n), 1.0)
        upper = np.maximum(upper, lower + 1e-3)
    if upper.sum() < 1.0:
        upper = upper / upper.sum() * 1.2
    A = np.zeros((0, n))
    rl = np.zeros(0)
    ru = np.zeros(0)
    if groups and n >= 2:
        # a feasible reference portfolio keeps the random group limits compatible
        w_ref = lower + (upper - lower) * (1.0 - lower.sum()) / (upper - lower).sum()
        n_groups = int(rng.integers(1, 4))
        labels = rng.integers(0, n_groups, size=n)
        rows = [(labels == g).astype(float) for g in range(n_groups) if np.any(labels == g)]
        A = np.array(rows)
        level = A @ w_ref
        rl = level - rng.uniform(0.0, 0.15, size=len(rows))
        ru = level + rng.uniform(0.0, 0.15, size=len(rows))
        rl[rng.random(len(rows)) < 0.3] = -np.inf
    return RandomProblem(mu, cov, lower, upper, A, rl, ru)


def cvxpy_min_variance(prob: RandomProblem, target_return: float | None):
    """Minimum variance (and its weights) at ``mu' w == target_return`` (None: unconstrained return)."""
    import cvxpy as cp

    n = prob.mu.size
    w = cp.Variable(n)
    # factor the covariance so the objective is a sum of squares (robust for singular covariances)
    vals, vecs = np.linalg.eigh(prob.cov)
    L = vecs * np.sqrt(np.clip(vals, 0.0, None))
    cons = [cp.sum(w) == 1, w >= prob.lower, w <= prob.upper]
    if target_return is not None:
        cons.append(prob.mu @ w == target_return)
    for a, lo, hi in zip(prob.A, prob.row_lower, prob.row_upper):
        if np.isfinite(lo):
            cons.append(a @ w >= lo)
        if np.isfinite(hi):
            cons.append(a @ w <= hi)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(L.T @ w)), cons)
    value = solve_quietly(problem)
    return value, np.asarray(w.value)


def solve_quietly(problem) -> float:
    """Solve with Clarabel at tight tolerances; returns the optimal value.

    At degenerate targets (e.g. the maximum return) Clarabel may stop as "inaccurate" and warn;
    the tests then check the returned point's feasibility before trusting its objective.
    """
    import cvxpy as cp

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Solution may be inaccurate")
        problem.solve(solver=cp.CLARABEL, **CLARABEL_TIGHT)
    return float(problem.value)


# ----------------------------------------------------------------------------- views and allocation (issue 16)


def peer_csv(name: str):
    """A peer's published test data (PyPortfolioOpt ``tests/resources/<name>``, copied to tests/data/pypfopt) as a DataFrame."""
    import pandas as pd

    path = Path(__file__).resolve().parent / "data" / "pypfopt" / name
    return pd.read_csv(path, parse_dates=True, index_col="date")


def idzorek_omega_by_search(cov, pi, P, Q, confidences, tau, delta):
    """Idzorek's (2005) own steps, one view at a time, with a root finder instead of his closed form.

    For view k alone: w_100 = weights with the view held with certainty, target tilt = c_k (w_100 - w_mkt),
    and omega_k is the value whose unconstrained weights (delta C)^-1 E[R] show that tilt (the tilt is a
    scalar multiple of w_100 - w_mkt, so the squared error has one zero).
    """
    from scipy.optimize import brentq

    cov = np.asarray(cov, float)
    pi = np.asarray(pi, float)
    w_mkt = np.linalg.solve(delta * cov, pi)
    out = []
    for p, q, c in zip(np.atleast_2d(P), np.atleast_1d(Q), np.atleast_1d(confidences)):
        def weights(omega, p=p, q=q):
            a = tau * p @ cov @ p + omega
            er = pi + tau * cov @ p * (q - p @ pi) / a
            return np.linalg.solve(delta * cov, er)

        full = weights(0.0) - w_mkt
        j = int(np.argmax(np.abs(full)))
        target = c * full[j]
        base = tau * p @ cov @ p
        out.append(brentq(lambda o: (weights(o) - w_mkt)[j] - target, 0.0, base * 1e6, xtol=1e-16, rtol=1e-15))
    return np.array(out)


def milp_invest_fully(target, lot_value, cash):
    """The ``invest_fully`` allocation by ``scipy.optimize.milp`` in two stages (HiGHS, default gaps).

    Stage 1: maximise the covered target ``sum_i y_i`` with ``y_i <= x_i p_i``, ``y_i <= t_i``,
    ``sum_i x_i p_i <= V``, ``x_i`` whole (``x_i = 0`` where ``t_i = 0``). Stage 2: with the cover held
    at its optimum, maximise the amount spent. Returns ``(lots, covered, spent)``.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    t = np.asarray(target, float)
    p = np.asarray(lot_value, float)
    n = t.size
    eye = np.eye(n)
    # variables: x (n, integer), y (n, continuous)
    cons = [LinearConstraint(np.c_[-np.diag(p), eye], -np.inf, 0.0),  # y <= x p
            LinearConstraint(np.r_[p, np.zeros(n)][None], -np.inf, cash)]  # budget
    hi_x = np.where(t > 0, np.floor(cash / p), 0.0)
    bounds = Bounds(np.zeros(2 * n), np.r_[hi_x, t])
    integrality = np.r_[np.ones(n), np.zeros(n)]
    opts = dict(mip_rel_gap=1e-12)
    first = milp(np.r_[np.zeros(n), -np.ones(n)], constraints=cons, bounds=bounds, integrality=integrality,
                 options=opts)
    covered = -first.fun
    cons.append(LinearConstraint(np.r_[np.zeros(n), np.ones(n)][None], covered - 1e-9 * cash, np.inf))
    second = milp(np.r_[-p, np.zeros(n)], constraints=cons, bounds=bounds, integrality=integrality, options=opts)
    x = np.round(second.x[:n])
    return x, float(np.minimum(x * p, t).sum()), float(x @ p)


def ledoit_wolf_constant_correlation(x, ddof=0):
    """Ledoit & Wolf's ``covCor.m`` line by line; ``ddof=1`` uses the unbiased sample covariance where they use
    ``x'x / t`` (what PyPortfolioOpt's ``_ledoit_wolf_constant_correlation`` does). Returns ``(sigma, shrinkage)``."""
    x = np.asarray(x, float)
    t, n = x.shape
    x = x - x.mean(axis=0)
    sample = x.T @ x / (t - ddof)
    var = np.diag(sample).reshape(-1, 1)
    sqrtvar = np.sqrt(var)
    r_bar = (np.sum(sample / (sqrtvar * sqrtvar.T)) - n) / (n * (n - 1))
    prior = r_bar * sqrtvar * sqrtvar.T
    prior[np.eye(n) == 1] = var.ravel()
    y = x**2
    phi_mat = y.T @ y / t - 2 * (x.T @ x) * sample / t + sample**2
    phi = phi_mat.sum()
    term1 = (x**3).T @ x / t
    help_ = x.T @ x / t
    term2 = np.diag(help_).reshape(-1, 1) * sample
    term3 = help_ * var
    term4 = var * sample
    theta = term1 - term2 - term3 + term4
    theta[np.eye(n) == 1] = 0.0
    rho = np.trace(phi_mat) + r_bar * np.sum((1 / sqrtvar) @ sqrtvar.T * theta)
    gamma = np.linalg.norm(sample - prior, "fro") ** 2
    shrinkage = max(0.0, min(1.0, (phi - rho) / gamma / t))
    return shrinkage * prior + (1 - shrinkage) * sample, shrinkage

# ----------------------------------------------------------------------------- covariance rules, risk budgeting


def covariance_rules(C, positive_variances=True, symmetry_rtol=1e-8, correlation_slack=1e-10):
    """The covariance rules of :mod:`kernels._validate.covariance` in their order, with NumPy: (code, i, j).

    Codes: 1 non-finite entry (first in row order), 2 not symmetric (the first largest |C_ij - C_ji|, i < j),
    3 negative variance, 4 zero variance (with ``positive_variances``), 5 a correlation beyond +-1 (first
    pair in row order, j < i); 0 fine, -1 fine but not exactly symmetric.
    """
    n = len(C)
    nonfinite = np.argwhere(~np.isfinite(C))
    if len(nonfinite):
        return 1, int(nonfinite[0][0]), int(nonfinite[0][1])
    diff = np.abs(C - C.T)
    i, j = np.unravel_index(int(np.argmax(diff)), C.shape)
    if diff[i, j] > symmetry_rtol * np.abs(C).max():
        return 2, int(i), int(j)
    diag = np.diag(C)
    for k in range(n):
        if diag[k] < 0.0 or (positive_variances and diag[k] == 0.0):
            return (3 if diag[k] < 0.0 else 4), k, k
    lower = np.tril_indices(n, -1)  # pairs (i, j < i), row by row
    mid = 0.5 * C + 0.5 * C.T
    beyond = (mid * mid - np.outer(diag * (1.0 + correlation_slack), diag) > 0.0)[lower]
    if beyond.any():
        k = int(np.argmax(beyond))
        return 5, int(lower[0][k]), int(lower[1][k])
    return (0 if np.array_equal(C, C.T) else -1), 0, 0


def relative_risk_contributions(w, cov):
    """``w_i (C w)_i / (w' C w)``: each asset's share of the portfolio variance."""
    rc = w * (cov @ w)
    return rc / rc.sum()


def spinu_objective(x, cov, b):
    """Spinu's barrier function ``1/2 x' C x - sum_i b_i log(x_i)`` (risk budgeting's convex problem)."""
    return 0.5 * x @ cov @ x - b @ np.log(x)


def cvxpy_spinu_minimiser(cov, beta, lower=None, upper=None):
    """argmin of Spinu's function (over a box when given), solved by cvxpy with Clarabel at tight tolerances."""
    import cvxpy as cp

    lam, vec = np.linalg.eigh(cov)
    root = vec * np.sqrt(np.clip(lam, 0.0, None))  # cov = root @ root.T
    x = cp.Variable(cov.shape[0])
    constraints = []
    if lower is not None:
        constraints = [x >= lower, x <= upper]
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(root.T @ x) - beta @ cp.log(x)), constraints)
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert problem.status == cp.OPTIMAL
    return x.value


def risk_parity_sweep(cov, b, x0):
    """One cyclical coordinate-descent sweep of Spinu's function, written out (no box)."""
    x = x0.copy()
    for i in range(len(x)):
        s = cov[i] @ x - cov[i, i] * x[i]
        x[i] = (-s + np.sqrt(s * s + 4 * cov[i, i] * b[i])) / (2 * cov[i, i])
    return x


def scale_free_risk_measures(w, cov):
    """Shares of risk, diversification ratio and effective number of assets of weights ``w``, computed
    on ``w / max|w|`` with plain NumPy (they do not depend on the scale of the weights, so this is the
    answer for any multiple of ``w``): ``(relative_contributions, diversification_ratio, effective_n)``."""
    u = np.asarray(w, dtype=float) / np.max(np.abs(w))
    cov = np.asarray(cov, dtype=float)
    variance = u @ cov @ u
    relative = u * (cov @ u) / variance
    ratio = (u @ np.sqrt(np.diag(cov))) / np.sqrt(variance)
    effective_n = np.sum(np.abs(u)) ** 2 / np.sum(u * u)
    return relative, ratio, effective_n


def risk_parity_certificate(cov, weights, budgets, lower, upper, atol=1e-12):
    """What a risk budgeting answer must satisfy, checked on its weights with NumPy: the weights sum to 1,
    lie in their bounds, and the relative risk contributions ``rc_i = w_i (C w)_i / w' C w`` meet the
    budgets ``b`` (normalised) up to a common share ``k`` on the assets strictly inside their bounds
    (``|rc_i / (k b_i) - 1|``), with ``rc_i >= k b_i`` at a lower bound and ``rc_i <= k b_i`` at an upper
    one. Returns ``(sum_error, bound_violation, budget_error)``."""
    w = np.asarray(weights, dtype=float)
    n = w.size
    b = np.asarray(budgets, dtype=float) / np.sum(budgets)
    lo = np.broadcast_to(np.asarray(0.0 if lower is None else lower, dtype=float), n)
    hi = np.broadcast_to(np.asarray(np.inf if upper is None else upper, dtype=float), n)
    rc = w * (cov @ w) / (w @ cov @ w)
    at_lo, at_hi = w <= lo + atol, w >= hi - atol
    free = ~(at_lo | at_hi)
    k = rc[free].sum() / b[free].sum() if free.any() else 1.0
    r = rc / (k * b) - 1.0
    err = np.where(at_lo & (lo > 0), np.maximum(-r, 0.0), np.where(at_hi, np.maximum(r, 0.0), np.abs(r)))
    return abs(w.sum() - 1.0), float(max(np.max(lo - w), np.max(w - hi), 0.0)), float(err.max())
