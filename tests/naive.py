"""Slow-but-obvious oracles and random problems, shared by every test file (never import a test's privates).

Mean-variance family (kernels/mean_variance):

* random problems: :func:`random_problem` (bounds, groups, long-short, an asset listed twice),
  :func:`random_box_problem` (box bounds only), :func:`random_sharpe_problem` (long-only tangency),
  :func:`random_income_problem` (yields, caps, classes), :func:`with_duplicate_asset`;
* independent solvers: cvxpy with the Clarabel interior-point solver at tight tolerances, one point
  at a time (:func:`cvxpy_min_variance`, :func:`cvxpy_max_sharpe`, :func:`cvxpy_max_return`,
  :func:`cvxpy_min_volatility_for_yield`, :func:`cvxpy_max_yield`), HiGHS for the highest yield
  (:func:`linprog_max_yield`); nothing shared with the kernels;
* optimality conditions checked in plain NumPy: :func:`kkt_violation_box`, :func:`kkt_violation_sharpe`;
* the exact general path called without the fast paths, the reference of the fast paths:
  :func:`exact_min_variance`, :func:`exact_max_sharpe`.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

CLARABEL_TIGHT = dict(tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13, tol_ktratio=1e-10, max_iter=500)


# ----------------------------------------------------------------------------- random problems


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


def linear_constraints(p: RandomProblem):
    """The problem's group rows as ``kernels.LinearConstraints`` (None when it has none)."""
    from kernels import LinearConstraints

    return LinearConstraints(p.A, p.row_lower, p.row_upper) if p.A.shape[0] else None


def violation(p: RandomProblem, w) -> float:
    """Largest violation of the budget, the bounds and the rows of ``p`` at ``w`` (absolute)."""
    v = max(abs(w.sum() - 1.0), float(np.max(p.lower - w)), float(np.max(w - p.upper)))
    if p.A.shape[0]:
        aw = p.A @ w
        v = max(v, float(np.max(np.where(np.isfinite(p.row_lower), p.row_lower - aw, -1.0))),
                float(np.max(np.where(np.isfinite(p.row_upper), aw - p.row_upper, -1.0))))
    return v


def _random_factor_cov(rng):
    """A factor-model covariance of 2 to 200 assets (1 to 7 factors), positive definite."""
    n = int(rng.integers(2, 201))
    k = int(rng.integers(1, 8))
    B = rng.normal(size=(n, k)) * rng.uniform(0.05, 0.3)
    return B @ B.T + np.diag(rng.uniform(0.03, 0.4, size=n) ** 2)


def random_box_problem(seed: int):
    """``(C, lower, upper)``, up to 200 assets: long-only, tight (binding) upper bounds, long-short, pinned."""
    rng = np.random.default_rng(seed)
    C = _random_factor_cov(rng)
    n = C.shape[0]
    kind = seed % 4
    if kind == 0:  # long-only
        lower, upper = np.zeros(n), np.ones(n)
    elif kind == 1:  # caps that bind
        lower = np.zeros(n)
        upper = rng.uniform(1.05, 3.0) / n * rng.uniform(0.5, 1.5, size=n)
        upper *= max(1.0, 1.05 / upper.sum())
    elif kind == 2:  # long-short
        lower = -rng.uniform(0.0, 0.3, size=n)
        upper = rng.uniform(1.5 / n, 1.0, size=n)
        upper *= max(1.0, 1.05 / upper.sum())
    else:  # floors and caps, some assets pinned (lower == upper)
        lower = np.where(rng.random(n) < 0.3, rng.uniform(0.0, 0.5 / n, size=n), 0.0)
        upper = np.maximum(lower + 1e-3, rng.uniform(1.5 / n, 1.0, size=n))
        pinned = rng.random(n) < 0.1
        upper[pinned] = lower[pinned]
        upper[~pinned] *= max(1.0, (1.05 - upper[pinned].sum()) / upper[~pinned].sum())
    return C, lower, upper


def random_sharpe_problem(seed: int):
    """``(C, mu, rf)``, up to 200 assets, with mixed signs of ``mu - rf``."""
    rng = np.random.default_rng(seed)
    C = _random_factor_cov(rng)
    n = C.shape[0]
    mu = rng.normal(0.06, 0.05, size=n)
    # rf between the smallest and the largest return: some assets above it, some below
    rf = float(np.quantile(mu, rng.uniform(0.0, 0.9))) if seed % 3 else 0.0
    if not np.any(mu > rf):
        rf = float(np.max(mu)) - 0.01
    return C, mu, rf


def with_duplicate_asset(C, mu=None):
    """The covariance (and returns) with asset 0 listed a second time, last: singular by construction."""
    n = C.shape[0]
    C2 = np.empty((n + 1, n + 1))
    C2[:n, :n] = C
    C2[n, :n] = C2[:n, n] = C[0]
    C2[n, n] = C[0, 0]
    return C2 if mu is None else (C2, np.append(mu, mu[0]))


def random_income_problem(seed, n_max=12, with_return=False, with_classes=False, with_caps=False, n_min=3):
    """``(rng, cov, yields, kwargs)`` for the income-target functions (caps, classes, expected returns)."""
    from tests.conftest import random_cov

    rng = np.random.default_rng(seed)
    n = int(rng.integers(n_min, n_max + 1))
    cov = random_cov(rng, n)
    yields = rng.uniform(0.0, 0.08, n)
    kw = {}
    if with_caps:
        kw["upper"] = rng.uniform(1.2 / n, 0.6, n)
    if with_return:
        kw["expected_returns"] = rng.uniform(0.02, 0.10, n)
    if with_classes:
        labels = np.array(["bonds", "stocks", "reits"])
        kw["classes"] = list(labels[np.concatenate([[0, 1, 2], rng.integers(0, 3, n - 3)])])
        kw["class_caps"] = {"reits": 0.25, "bonds": 0.7}
    return rng, cov, yields, kw


# ----------------------------------------------------------------------------- independent solvers


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


def _square_root(cov):
    """``L`` with ``L L' = cov`` from the eigen-decomposition (robust for singular covariances)."""
    vals, vecs = np.linalg.eigh(cov)
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


def _row_constraints(p: RandomProblem, w, scale=1.0):
    cons = []
    for a, lo, hi in zip(p.A, p.row_lower, p.row_upper):
        if np.isfinite(lo):
            cons.append(a @ w >= lo * scale)
        if np.isfinite(hi):
            cons.append(a @ w <= hi * scale)
    return cons


def cvxpy_min_variance(prob: RandomProblem, target_return: float | None):
    """Minimum variance (and its weights) at ``mu' w == target_return`` (None: unconstrained return)."""
    import cvxpy as cp

    w = cp.Variable(prob.mu.size)
    L = _square_root(prob.cov)  # the objective as a sum of squares
    cons = [cp.sum(w) == 1, w >= prob.lower, w <= prob.upper]
    if target_return is not None:
        cons.append(prob.mu @ w == target_return)
    cons += _row_constraints(prob, w)
    value = solve_quietly(cp.Problem(cp.Minimize(cp.sum_squares(L.T @ w)), cons))
    return value, np.asarray(w.value)


def cvxpy_max_sharpe(p: RandomProblem, rf: float) -> float:
    """Highest Sharpe ratio by the homogenised convex programme (Cornuejols & Tutuncu, section 8.2)."""
    import cvxpy as cp

    y = cp.Variable(p.mu.size)
    kappa = cp.Variable(nonneg=True)
    L = _square_root(p.cov)
    cons = [(p.mu - rf) @ y == 1, cp.sum(y) == kappa, y >= p.lower * kappa, y <= p.upper * kappa]
    solve_quietly(cp.Problem(cp.Minimize(cp.sum_squares(L.T @ y)), cons + _row_constraints(p, y, kappa)))
    w = y.value / kappa.value
    return (p.mu @ w - rf) / np.sqrt(w @ p.cov @ w)


def cvxpy_max_return(p: RandomProblem, max_volatility: float) -> float:
    """Highest expected return with volatility at most ``max_volatility``."""
    import cvxpy as cp

    w = cp.Variable(p.mu.size)
    L = _square_root(p.cov)
    cons = [cp.sum(w) == 1, w >= p.lower, w <= p.upper, cp.sum_squares(L.T @ w) <= max_volatility**2]
    return solve_quietly(cp.Problem(cp.Maximize(p.mu @ w), cons + _row_constraints(p, w)))


def cvxpy_long_only_max_sharpe(cov, mu, rf):
    """Long-only tangency weights: ``y`` minimising ``y'Cy`` with ``(mu - rf)'y = 1``, ``y >= 0``, normalised."""
    import cvxpy as cp

    y = cp.Variable(mu.size)
    solve_quietly(cp.Problem(cp.Minimize(cp.sum_squares(_square_root(cov).T @ y)), [(mu - rf) @ y == 1, y >= 0]))
    w = np.clip(np.asarray(y.value), 0.0, None)
    return w / w.sum()


def class_matrix(classes, class_caps, n):
    """0/1 rows, one per capped class, and the caps."""
    rows, caps = [], []
    for label, cap in class_caps.items():
        rows.append([1.0 if c == label else 0.0 for c in classes])
        caps.append(cap)
    return np.array(rows).reshape(-1, n), np.array(caps)


def _income_constraints(w, n, kw, min_return=None):
    import cvxpy as cp

    cons = [cp.sum(w) == 1, w >= kw.get("lower", 0.0), w <= kw.get("upper", 1.0)]
    if min_return is not None:
        cons.append(kw["expected_returns"] @ w >= min_return)
    if "classes" in kw:
        G, caps = class_matrix(kw["classes"], kw["class_caps"], n)
        cons.append(G @ w <= caps)
    return cons


def cvxpy_min_volatility_for_yield(cov, yields, target, kw, min_return=None):
    """Weights and least volatility with yield at least ``target`` (Clarabel, default tolerances)."""
    import cvxpy as cp

    n = len(yields)
    w = cp.Variable(n)
    cons = _income_constraints(w, n, kw, min_return) + [yields @ w >= target]
    prob = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(cov))), cons)
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == cp.OPTIMAL
    return w.value, float(np.sqrt(max(prob.value, 0.0)))


def cvxpy_max_yield(cov, yields, cap, kw, min_return=None):
    """Weights and highest yield with volatility at most ``cap`` (Clarabel, default tolerances)."""
    import cvxpy as cp

    n = len(yields)
    w = cp.Variable(n)
    L = np.linalg.cholesky(cov)
    cons = _income_constraints(w, n, kw, min_return) + [cp.norm(L.T @ w) <= cap]
    prob = cp.Problem(cp.Maximize(yields @ w), cons)
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == cp.OPTIMAL
    return w.value, float(prob.value)


def linprog_max_yield(yields, kw, min_return=None):
    """Highest yield under the caps, classes and return floor (HiGHS)."""
    import scipy.optimize

    n = len(yields)
    A_ub, b_ub = [], []
    if min_return is not None:
        A_ub.append(-kw["expected_returns"])
        b_ub.append(-min_return)
    if "classes" in kw:
        G, caps = class_matrix(kw["classes"], kw["class_caps"], n)
        A_ub.extend(G)
        b_ub.extend(caps)
    lo = np.broadcast_to(kw.get("lower", 0.0), n)
    hi = np.broadcast_to(kw.get("upper", 1.0), n)
    res = scipy.optimize.linprog(-yields, A_ub=np.array(A_ub).reshape(-1, n) if A_ub else None,
                                 b_ub=b_ub or None, A_eq=np.ones((1, n)), b_eq=[1.0],
                                 bounds=list(zip(lo, hi)), method="highs")
    assert res.status == 0
    return -res.fun


# ----------------------------------------------------------------------------- optimality conditions


def kkt_violation_box(C, w, lower, upper) -> float:
    """Largest violation of the KKT conditions of min w'Cw/2, sum w = 1, lower <= w <= upper."""
    g0 = C @ w
    scale = float(np.max(np.abs(C))) * max(1.0, float(np.max(np.abs(w))))
    tol = 1e-12 * max(1.0, float(np.max(np.abs(w))))
    at_lo = w <= lower + tol
    at_hi = w >= upper - tol
    free = ~(at_lo | at_hi)
    # budget multiplier: the common gradient of the free assets (or any value that fits the bounds)
    if free.any():
        gamma = float(np.mean(g0[free]))
    else:
        gamma = 0.5 * (float(np.max(g0[at_hi])) + float(np.min(g0[at_lo]))) if at_lo.any() and at_hi.any() else 0.0
    g = g0 - gamma
    viol = [abs(float(w.sum()) - 1.0), float(np.max(lower - w)), float(np.max(w - upper))]
    if free.any():
        viol.append(float(np.max(np.abs(g[free]))) / scale)
    lo_only = at_lo & ~at_hi
    hi_only = at_hi & ~at_lo
    if lo_only.any():
        viol.append(float(np.max(-g[lo_only])) / scale)  # multiplier of a lower bound must be >= 0
    if hi_only.any():
        viol.append(float(np.max(g[hi_only])) / scale)  # multiplier of an upper bound must be <= 0
    return max(viol)


def kkt_violation_sharpe(C, mu, w, lam, rf=None) -> float:
    """Largest violation of the KKT conditions at ``w`` (sum w = 1, w >= 0), relative.

    ``rf`` given: the Sharpe problem, i.e. ``C w - lam (mu - rf)`` is 0 where held and >= 0 at zero
    with ``lam = w'Cw / (mu'w - rf)``.  ``rf`` None: the path ``min 1/2 w'Cw - lam mu'w`` at ``lam``
    with the budget multiplier fitted on the held assets.
    """
    held = w > 0.0
    g = C @ w - lam * mu
    if rf is None:
        g = g - float(np.mean(g[held]))
    else:
        g = g + lam * rf
    scale = float(np.max(np.abs(C))) * max(1.0, lam * float(np.max(np.abs(mu))))
    viol = [abs(float(w.sum()) - 1.0), float(max(0.0, -np.min(w)))]
    viol.append(float(np.max(np.abs(g[held]))) / scale)
    if (~held).any():
        viol.append(float(max(0.0, -np.min(g[~held]))) / scale)
    return max(viol)


# ----------------------------------------------------------------------------- the exact general path


def exact_min_variance(C, lower, upper, mu=None):
    """``min_variance`` through the general path (critical line + face QP), without the box fast path."""
    from kernels.mean_variance.constraints import _problem
    from kernels.mean_variance.path import _solve_path
    from kernels.mean_variance.portfolios import _result

    n = C.shape[0]
    prob = _problem(C, n, lower, upper, None, None, None, None)
    path = _solve_path(np.zeros(n) if mu is None else np.asarray(mu, float), prob, "min_variance")
    return _result(path.weights[0].copy(), mu, prob.cov, float(path.lambdas[0]))


def exact_max_sharpe(monkeypatch, *args, **kwargs):
    """``max_sharpe`` as it runs without the fast path (which then reports "cannot certify")."""
    from kernels import max_sharpe

    with monkeypatch.context() as m:
        m.setattr("kernels.mean_variance.portfolios._max_sharpe_box", lambda *a, **k: None)
        return max_sharpe(*args, **kwargs)
