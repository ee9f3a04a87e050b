"""Independent oracles and random problems for the efficient-frontier tests.

The oracle is cvxpy with the Clarabel interior-point solver at tight tolerances; it solves one
point at a time (minimum variance at a fixed expected return), nothing shared with the kernels.
"""

from __future__ import annotations

import warnings
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
