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
from pathlib import Path
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
# --- simulation (issue 15): slow, obvious versions of the backtest, its statistics and the Monte Carlo plan


def _naive_level(x, tau, amount):
    """Move ``amount`` (signed) into (or out of) the holdings farthest below (above) target, levelled by bisection."""
    sign = 1.0 if amount > 0 else -1.0
    gaps = sign * (tau - x)
    need = abs(amount)
    if need == 0.0:
        return x.copy()
    lo, hi = 0.0, max(float(gaps.max()), 0.0)
    for _ in range(200):
        lam = 0.5 * (lo + hi)
        if np.maximum(gaps - lam, 0.0).sum() > need:
            lo = lam
        else:
            hi = lam
    return np.maximum(x + sign * np.maximum(gaps - 0.5 * (lo + hi), 0.0), 0.0)


def naive_backtest(prices, weights, *, review, band=None, relative_band=None, to_band=False, cash_flow_policy=False,
                   flows=None, flow_pct=None, costs_bp=0.0, fee=0.0, yields=0.0, dt=None, reinvest=True,
                   start_value=1.0):
    """Row-by-row backtest of one weight set, written from the policy's description (not the kernel's code).

    Returns ``(values, holdings, trades, income, paid_flows)`` with shapes (n_obs,), (n_obs, n), (n_obs, n),
    (n_obs,), (n_obs,).
    """
    prices = np.asarray(prices, float)
    n_obs, n = prices.shape
    w = np.asarray(weights, float) / np.sum(weights)
    flows = np.zeros(n_obs) if flows is None else np.asarray(flows, float)
    flow_pct = np.zeros(n_obs) if flow_pct is None else np.asarray(flow_pct, float)
    dt = np.full(n_obs, 1.0 / 12) if dt is None else np.asarray(dt, float)
    y = np.broadcast_to(np.asarray(yields, float), (n,))
    c = np.broadcast_to(np.asarray(costs_bp, float), (n,)) / 1e4
    has_band = band is not None or relative_band is not None
    h = w * start_value
    values, holdings, trades = np.zeros(n_obs), np.zeros((n_obs, n)), np.zeros((n_obs, n))
    income, made = np.zeros(n_obs), np.zeros(n_obs)
    values[0], holdings[0], trades[0] = start_value, h, h
    for t in range(1, n_obs):
        a = h * prices[t] / prices[t - 1]
        inc = a * y * dt[t]
        income[t] = inc.sum()
        if reinvest:
            a = a + inc
        h = a - a * fee * dt[t]
        v = h.sum()
        flow = max(flows[t] + flow_pct[t] * v, -v)
        made[t] = flow
        total = v + flow
        tau = w * total
        if review[t]:
            width = np.full(n, np.inf)
            if band is not None:
                width = np.minimum(width, np.broadcast_to(band, (n,)) * total)
            if relative_band is not None:
                width = np.minimum(width, relative_band * tau)
            tol = 1e-12 * max(1.0, v + abs(flow))
            triggered = (not has_band) or bool(np.any(np.abs(h - tau) > width + tol))
            if triggered and not to_band:
                new = tau.copy()
            else:
                new = np.clip(h, tau - width, tau + width) if has_band else h.copy()
                new = _naive_level(new, tau, total - new.sum())
        elif flow != 0.0 and cash_flow_policy:
            new = _naive_level(h, tau, flow)
        elif flow > 0.0:
            new = h + flow * w
        elif flow < 0.0:
            new = h * (total / v)
        else:
            new = h.copy()
        tr = new - h
        cost = float(np.sum(c * np.abs(tr)))
        if cost > 0.0 and new.sum() > 0.0:
            new = new * (1.0 - min(cost, new.sum()) / new.sum())
        h = new
        values[t], holdings[t], trades[t] = h.sum(), h, tr
    return values, holdings, trades, income, made


def naive_pv_statistics(values, dates, flows=None, paid=None, risk_free=0.0):
    """Portfolio Visualizer's statistics of one value path with pandas month ends (``resample``-free groupby)."""
    import pandas as pd

    values = np.asarray(values, float)
    flows = np.zeros_like(values) if flows is None else np.asarray(flows, float)
    paid = np.zeros_like(values) if paid is None else np.asarray(paid, float)
    idx = pd.DatetimeIndex(dates)
    prev = np.where(values[:-1] > 0, values[:-1], 1.0)
    growth = np.where(values[:-1] > 0, (values[1:] - flows[1:] + paid[1:]) / prev, 1.0)  # empty: no return
    index = pd.Series(np.concatenate([[1.0], np.cumprod(growth)]), index=idx)

    def chained(period):
        groups = index.groupby(idx.to_period(period))
        last = groups.last()
        if groups.size().iloc[0] == 1:
            last = last.iloc[1:]  # the start is alone in its period: it opens the next one
        return pd.Series(np.concatenate([[1.0], last.to_numpy()]))

    points = chained("M")
    monthly = points.pct_change().dropna().to_numpy()
    yearly = chained("Y").pct_change().dropna()
    d0, d1 = idx[0], idx[-1]
    months = (d1.year - d0.year) * 12 + (d1.month - d0.month) + d1.day / d1.days_in_month - d0.day / d0.days_in_month
    years = months / 12.0
    peak = np.maximum.accumulate(points.to_numpy())
    excess = monthly - ((1 + risk_free) ** (1 / 12) - 1)
    return dict(
        cagr=(values[-1] / values[0]) ** (1 / years) - 1 if values[-1] > 0 else -1.0,
        twrr=index.iloc[-1] ** (1 / years) - 1,
        stdev=np.std(monthly, ddof=1) * np.sqrt(12),
        best_year=yearly.max(),
        worst_year=yearly.min(),
        max_drawdown=np.min(points.to_numpy() / peak - 1),
        sharpe=excess.mean() / excess.std(ddof=1) * np.sqrt(12),
        sortino=excess.mean() / np.sqrt(np.mean(np.minimum(excess, 0) ** 2)) * np.sqrt(12),
        monthly=monthly,
    )


def naive_plan(draws, *, weights, mean, root, code, dof_scale, history_rows, history, yields_m, fee_factor,
               contrib, wfix, wpct, wspend, rebal, level, start_value):
    """Monthly paths of a plan with the given random draws, in plain NumPy (matrix products, no tricks).

    ``draws``: standard normals (n_paths, n_months, n_assets); ``dof_scale`` (n_paths, n_months) multiplies
    them (Student-t mixing; ones otherwise); ``history_rows`` (n_paths, n_months) bootstrapped rows.
    Returns ``(nominal, real, paid_real, failed, growth)`` with year-end values (n_paths, years + 1).
    """
    n_paths, n_months, n = draws.shape
    if code == 3:
        gross = 1.0 + history[history_rows]
    else:
        x = mean + dof_scale[..., None] * np.einsum("pmk,ak->pma", draws, root)
        gross = np.exp(x) if code == 1 else np.maximum(1.0 + x, 0.0)
    units = np.tile(np.asarray(weights, float), (n_paths, 1))
    value = np.full(n_paths, float(start_value))
    growth = np.ones(n_paths)
    failed = np.zeros(n_paths, bool)
    years = n_months // 12
    nominal, real, paid_real = (np.zeros((n_paths, years + 1)) for _ in range(3))
    nominal[:, 0] = real[:, 0] = start_value
    paid_year = np.zeros(n_paths)
    for t in range(n_months):
        before = units.sum(axis=1)
        units = units * gross[:, t]
        after = units.sum(axis=1)
        g = after / before * fee_factor
        growth *= g
        value = value * g
        income = value * (units @ yields_m) / after
        value = value + contrib[t]
        want = wfix[t] + wpct[t] * value + wspend[t] * income
        short = want > value
        failed |= short & (wfix[t] > 0)
        paid_year += np.where(short, value, want) / level[t]
        value = np.where(short, 0.0, value - want)
        if rebal[t]:
            units = np.tile(np.asarray(weights, float), (n_paths, 1))
        if t % 12 == 11:
            nominal[:, t // 12 + 1] = value
            real[:, t // 12 + 1] = value / level[t]
            paid_real[:, t // 12 + 1] = paid_year
            paid_year = np.zeros(n_paths)
    return nominal, real, paid_real, failed, growth


def naive_sustainable_rate(gross_paths, contrib, level, start_value, withdrawal_months, *, keep_real=False):
    """Highest yearly fixed-real withdrawal rate (of ``start_value``) each path survives, by bisection.

    ``gross_paths`` (n_paths, n_months): the portfolio's monthly gross returns after fees. ``keep_real``
    also asks for a real value at the end of at least ``start_value``.
    """
    n_paths, n_months = gross_paths.shape
    lo, hi = np.full(n_paths, -1.0), np.full(n_paths, 2.0)
    for _ in range(80):
        rate = 0.5 * (lo + hi)
        value = np.full(n_paths, float(start_value))
        ok = np.ones(n_paths, bool)
        for t in range(n_months):
            value = value * gross_paths[:, t] + contrib[t]
            if withdrawal_months[t]:
                value = value - rate * start_value * level[t] / 12.0
                ok &= value >= 0.0
        if keep_real:
            ok &= value / level[-1] >= start_value
        lo = np.where(ok, rate, lo)
        hi = np.where(ok, hi, rate)
    return lo
# --------------------------------------------------------------------------- household rebalancing (issue 17)
# A household written out plainly from the documented rules (rebalance_household's docstring), with no code
# shared with kernels.household: a spec of plain arrays, the objective evaluated on many whole-share plans at
# once, a brute force over every plan (every lot choice) of a tiny household, and the obvious cvxpy programme.

import datetime as _dt
import itertools as _it

_SHELTERED = {"tax_deferred", "tax_free", "ira", "roth_ira", "401(k)"}


class HouseholdSpec(NamedTuple):
    avail: np.ndarray  # (n_accounts,) cash + cash flow
    pos_acc: np.ndarray  # (n_pos,)
    symbol: list
    price: np.ndarray
    shares: np.ndarray
    group: np.ndarray
    taxable: np.ndarray  # bool
    can_buy: np.ndarray
    can_sell: np.ndarray
    lot_pos: np.ndarray  # (n_lots,) taxable lots only
    lot_shares: np.ndarray
    lot_basis_ps: np.ndarray  # cost per share
    lot_date: np.ndarray  # ordinal
    lot_rate: np.ndarray  # federal + state of the lot's term
    lot_candidate: np.ndarray  # harvest candidate (its saving always counts)
    lot_disallowed: np.ndarray  # another purchase of the symbol in the 30 days before: a loss saves no tax
    target: np.ndarray
    band: np.ndarray  # weight points, 0 for to_target
    triggered: bool
    total: float
    kappa: float
    bps: float
    fee: float
    hifo: bool
    max_turnover: float


def household_spec(holdings, targets, accounts, lots, as_of, rates, *, cash_flows=None, band=None,
                   mode="to_target", drift_penalty=1.0, costs=(0.0, 0.0), lot_method="min_tax",
                   harvest_threshold=None, max_turnover=np.inf) -> HouseholdSpec:
    """The household as arrays, from rows of (account, symbol, shares, price, class[, no_sell, no_buy])."""
    names = [a[0] for a in accounts]
    flows = dict(cash_flows or {})
    avail = np.array([float(a[2]) + flows.get(a[0], 0.0) for a in accounts])
    acc_taxable = [a[1].lower() not in _SHELTERED for a in accounts]
    pos_acc = np.array([names.index(h[0]) for h in holdings])
    price = np.array([float(h[3]) for h in holdings])
    shares = np.array([float(h[2]) for h in holdings])
    classes = list(targets)
    group = np.array([classes.index(h[4] or h[1]) for h in holdings])
    taxable = np.array([acc_taxable[a] for a in pos_acc])
    no_sell = np.array([bool(h[5]) if len(h) > 5 else False for h in holdings])
    no_buy = np.array([bool(h[6]) if len(h) > 6 else False for h in holdings])
    index = {(h[0], h[1]): i for i, h in enumerate(holdings)}
    st, lt, state = rates
    lot_pos, lot_shares, basis_ps, dates, rate, cand, disallowed = [], [], [], [], [], [], []
    recent = [(j, lot[1]) for j, lot in enumerate(lots) if (as_of - lot[4]).days <= 30]
    for i, (account, symbol, q, basis, acquired) in enumerate(lots):
        p = index[account, symbol]
        if not taxable[p]:
            continue
        disallowed.append(any(sym == symbol and j != i for j, sym in recent))
        # long-term: sold after the first anniversary (held more than one year)
        try:
            anniversary = acquired.replace(year=acquired.year + 1)
        except ValueError:  # bought on 29 February
            anniversary = _dt.date(acquired.year + 1, 2, 28)
        long_term = as_of > anniversary
        lot_pos.append(p)
        lot_shares.append(q)
        basis_ps.append(basis / q)
        dates.append(acquired.toordinal())
        rate.append((lt if long_term else st) + state)
        loss = basis - q * price[p]
        cand.append(harvest_threshold is not None and loss > 0 and loss >= harvest_threshold * basis)
    total = float((price * shares).sum() + avail.sum())
    target = np.array([targets[c] for c in classes])
    width = np.zeros(len(classes)) if band is None else np.full(len(classes), float(band))
    weights = np.bincount(group, weights=price * shares, minlength=len(classes)) / total
    triggered = band is None or bool(np.any(np.abs(weights - target) > width + 1e-12))
    return HouseholdSpec(
        avail, pos_acc, [h[1] for h in holdings], price, shares, group, taxable, ~no_buy, ~no_sell & (shares > 0),
        np.array(lot_pos, int), np.array(lot_shares, float), np.array(basis_ps, float), np.array(dates, int),
        np.array(rate, float), np.array(cand, bool), np.array(disallowed, bool), target, width if mode == "to_band" else np.zeros(len(classes)),
        triggered, total, float(drift_penalty), float(costs[0]), float(costs[1]), lot_method == "hifo",
        float(max_turnover))


def household_objective(spec: HouseholdSpec, buys, sells, lot_sells):
    """The stated objective of plans ``(n_plans, n_pos)``, ``(n_plans, n_pos)`` (sheltered sales) and
    ``(n_plans, n_lots)``; ``inf`` for a plan that breaks a rule (cash, wash sale, lot order, turnover, bands)."""
    buys, sells, lot_sells = (np.atleast_2d(np.asarray(x, float)) for x in (buys, sells, lot_sells))
    n_plans = buys.shape[0]
    sold = sells.copy()
    for k, p in enumerate(spec.lot_pos):
        sold[:, p] += lot_sells[:, k]
    traded = spec.price * (buys + sold)
    cost = traded * spec.bps / 1e4 + spec.fee * ((buys > 0).astype(float) + (sold > 0))
    flow = spec.price * (buys - sold) + cost
    cash = spec.avail - np.stack([flow[:, spec.pos_acc == a].sum(axis=1) for a in range(spec.avail.size)], axis=1)
    post = spec.price * (spec.shares + buys - sold)
    total = post.sum(axis=1) + cash.sum(axis=1)
    dev = np.stack([post[:, spec.group == g].sum(axis=1) for g in range(spec.target.size)], axis=1) \
        - spec.target * total[:, None]
    out = np.maximum(np.abs(dev) - spec.band * spec.total, 0.0).sum(axis=1)
    gain = lot_sells * (spec.price[spec.lot_pos] - spec.lot_basis_ps) if spec.lot_pos.size else np.zeros((n_plans, 0))
    tax = np.where(spec.lot_disallowed & (gain < 0), 0.0, gain) * spec.lot_rate
    tax_term = np.maximum(tax[:, ~spec.lot_candidate].sum(axis=1), 0.0) + tax[:, spec.lot_candidate].sum(axis=1)
    obj = spec.kappa / 2 * (out + cash.sum(axis=1)) + tax_term + cost.sum(axis=1)
    bad = np.any(cash < -1e-9 * spec.total, axis=1)
    bad |= np.any(buys[:, ~spec.can_buy] > 0, axis=1) | np.any(sold[:, ~spec.can_sell] > 0, axis=1)
    loss = spec.price[spec.lot_pos] < spec.lot_basis_ps if spec.lot_pos.size else np.zeros(0, bool)
    for s in set(spec.symbol):
        mine_lots = loss & np.array([spec.symbol[p] == s for p in spec.lot_pos], bool)
        mine_buys = np.array([x == s for x in spec.symbol])
        bad |= (lot_sells[:, mine_lots].sum(axis=1) > 0) & (buys[:, mine_buys].sum(axis=1) > 0)
    if spec.hifo:
        for p in set(spec.lot_pos.tolist()):
            ks = np.flatnonzero(spec.lot_pos == p)
            order = ks[np.lexsort((spec.lot_date[ks], -spec.lot_basis_ps[ks]))]
            for a, b in _it.pairwise(order):
                bad |= (lot_sells[:, b] > 0) & (lot_sells[:, a] < spec.lot_shares[a])
    bad |= traded.sum(axis=1) > 2 * spec.max_turnover * spec.total * (1 + 1e-12)
    if not spec.triggered:  # inside the bands: only invest or raise each account's cash
        bad |= np.any(sold[:, spec.avail[spec.pos_acc] >= 0] > 0, axis=1)
        bad |= np.any(buys[:, spec.avail[spec.pos_acc] < 0] > 0, axis=1)
    return np.where(bad, np.inf, obj)


def household_plans(spec: HouseholdSpec):
    """Every whole-share plan of a tiny household: each lot's sale, each sheltered sale, each buy up to what
    the account could afford. Returns ``(buys, sells, lot_sells)``, one row per plan."""
    n_pos = spec.price.size
    room = spec.avail + np.bincount(spec.pos_acc, weights=spec.price * spec.shares * spec.can_sell,
                                    minlength=spec.avail.size)
    buy_ranges = [range(int(max(room[spec.pos_acc[p]], 0) // spec.price[p]) + 1) if spec.can_buy[p]
                  else range(1) for p in range(n_pos)]
    sell_ranges = [range(int(spec.shares[p]) + 1) if spec.can_sell[p] and not spec.taxable[p] else range(1)
                   for p in range(n_pos)]
    lot_ranges = [range(int(q) + 1) if spec.can_sell[spec.lot_pos[k]] else range(1)
                  for k, q in enumerate(spec.lot_shares)]
    grid = np.array(list(_it.product(*buy_ranges, *sell_ranges, *lot_ranges)), float)
    return grid[:, :n_pos], grid[:, n_pos:2 * n_pos], grid[:, 2 * n_pos:]


def brute_force_household(spec: HouseholdSpec, plans=None):
    """The least objective over every whole-share plan (``plans`` from :func:`household_plans`, built when not
    given), its plan ``(buys, sells, lot_sells)`` and the number of plans."""
    buys, sells, lot_sells = plans if plans is not None else household_plans(spec)
    obj = household_objective(spec, buys, sells, lot_sells)
    best = int(np.argmin(obj))
    return float(obj[best]), (buys[best], sells[best], lot_sells[best]), buys.shape[0]


def cvxpy_household(spec: HouseholdSpec, *, whole: bool, time_limit: float = 60.0):
    """The household written the obvious way in cvxpy (every wash-sale and lot-order binary up front), on HiGHS.

    Returns ``(objective, status, seconds)``; the objective carries no tie-breaks.
    """
    import time as _time

    import cvxpy as cp

    n_pos, n_lots, n_acc = spec.price.size, spec.lot_shares.size, spec.avail.size
    room = spec.avail + np.bincount(spec.pos_acc, weights=spec.price * spec.shares * spec.can_sell,
                                    minlength=n_acc)
    max_buy = np.where(spec.can_buy, np.maximum(room[spec.pos_acc], 0.0) / spec.price, 0.0)
    if not spec.triggered:
        max_buy[spec.avail[spec.pos_acc] < 0] = 0.0
    sheltered_sell = np.where(spec.can_sell & ~spec.taxable, spec.shares, 0.0)
    lot_max = np.where(spec.can_sell[spec.lot_pos], spec.lot_shares, 0.0) if n_lots else np.zeros(0)
    if not spec.triggered:
        sheltered_sell[spec.avail[spec.pos_acc] >= 0] = 0.0
        lot_max[spec.avail[spec.pos_acc[spec.lot_pos]] >= 0] = 0.0
    lot_ub = lot_max if n_lots else np.zeros(1)
    # explicit variable bounds (not only constraints): cvxpy 1.9's bound propagation for HiGHS meets 0 * inf
    # otherwise and can call a feasible programme infeasible
    b = cp.Variable(n_pos, integer=whole, bounds=[np.zeros(n_pos), max_buy])
    s = cp.Variable(n_pos, integer=whole, bounds=[np.zeros(n_pos), sheltered_sell])
    lots = cp.Variable(max(n_lots, 1), integer=whole, bounds=[np.zeros(lot_ub.size), lot_ub])
    lot_to_pos = np.zeros((n_pos, max(n_lots, 1)))
    lot_to_pos[spec.lot_pos, np.arange(n_lots)] = 1.0
    sold = s + lot_to_pos @ lots
    cons = [b >= 0, b <= max_buy, s >= 0, s <= sheltered_sell, lots >= 0,
            lots <= (lot_max if n_lots else np.zeros(1))]
    traded = spec.price @ (b + sold)
    fees = 0.0
    acc = np.zeros((n_acc, n_pos))
    acc[spec.pos_acc, np.arange(n_pos)] = 1.0
    spend = acc @ (cp.multiply(spec.price * (1 + spec.bps / 1e4), b) - cp.multiply(spec.price * (1 - spec.bps / 1e4),
                                                                                     sold))
    if spec.fee > 0:
        zb, zs = cp.Variable(n_pos, boolean=True), cp.Variable(n_pos, boolean=True)
        cons += [b <= cp.multiply(max_buy, zb), sold <= cp.multiply(spec.shares, zs)]
        fees = spec.fee * cp.sum(zb + zs)
        spend = spend + spec.fee * (acc @ (zb + zs))
    cash = spec.avail - spend
    cons.append(cash >= 0)
    post = cp.multiply(spec.price, spec.shares + b - sold)
    total = cp.sum(post) + cp.sum(cash)
    grp = np.zeros((spec.target.size, n_pos))
    grp[spec.group, np.arange(n_pos)] = 1.0
    dev = grp @ post - spec.target * total
    out = cp.sum(cp.pos(cp.abs(dev) - spec.band * spec.total))
    per_share = spec.price[spec.lot_pos] - spec.lot_basis_ps
    per_share = np.where(spec.lot_disallowed & (per_share < 0), 0.0, per_share)
    tax = cp.multiply(spec.lot_rate * per_share, lots[:n_lots]) if n_lots else cp.Constant(np.zeros(1))
    cand = spec.lot_candidate if n_lots else np.zeros(1, bool)
    tax_term = cp.pos(cp.sum(tax[np.flatnonzero(~cand)])) if (~cand).any() else 0.0
    if cand.any():
        tax_term = tax_term + cp.sum(tax[np.flatnonzero(cand)])
    if np.isfinite(spec.max_turnover):
        cons.append(traded <= 2 * spec.max_turnover * spec.total)
    loss = spec.price[spec.lot_pos] < spec.lot_basis_ps if n_lots else np.zeros(0, bool)
    for sym in sorted(set(spec.symbol)):
        mine_lots = np.flatnonzero(loss & np.array([spec.symbol[p] == sym for p in spec.lot_pos], bool))
        mine_buys = np.flatnonzero([x == sym and max_buy[i] > 0 for i, x in enumerate(spec.symbol)])
        if mine_lots.size and mine_buys.size:
            w = cp.Variable(boolean=True)
            cons += [cp.sum(lots[mine_lots]) <= spec.lot_shares[mine_lots].sum() * w,
                     cp.sum(b[mine_buys]) <= max_buy[mine_buys].sum() * (1 - w)]
    if spec.hifo:
        for p in sorted(set(spec.lot_pos.tolist())):
            ks = np.flatnonzero(spec.lot_pos == p)
            order = ks[np.lexsort((spec.lot_date[ks], -spec.lot_basis_ps[ks]))]
            for a, c in _it.pairwise(order):
                h = cp.Variable(boolean=True)
                cons += [lots[a] >= lot_max[a] * h, lots[c] <= lot_max[c] * h]
    objective = spec.kappa / 2 * (out + cp.sum(cash)) + tax_term + spec.bps / 1e4 * traded + fees
    problem = cp.Problem(cp.Minimize(objective), cons)
    start = _time.perf_counter()
    with warnings.catch_warnings():  # a time limit ends as "user_limit", which cvxpy calls inaccurate
        warnings.filterwarnings("ignore", message="Solution may be inaccurate")
        problem.solve(solver=cp.HIGHS, verbose=False, time_limit=time_limit, mip_rel_gap=1e-9)
    return float(problem.value), problem.status, _time.perf_counter() - start


HOUSEHOLD_AS_OF = _dt.date(2026, 11, 30)


def random_household(seed: int, n_accounts: int = 3, n_holdings: int = 30, n_lots: int = 200, *,
                     n_classes: int | None = None):
    """A realistic random household as plain rows: accounts (name, type, cash), holdings (account, symbol,
    shares, price, class, no_sell, no_buy), lots (account, symbol, shares, cost basis, acquired), targets by
    class, a cash flow; taxable, tax-deferred and tax-free accounts in turn, symbols shared between accounts,
    gains and losses, short- and long-term lots (some bought in the last 30 days), a few no_sell holdings."""
    rng = np.random.default_rng(seed)
    kinds = ("taxable", "tax_deferred", "tax_free")
    types = [kinds[i % 3] for i in range(n_accounts)]
    names = [f"{t.split('_')[0].title()}{i}" for i, t in enumerate(types)]
    accounts = [(n, t, round(float(rng.uniform(0, 2_000)), 2)) for n, t in zip(names, types)]
    n_classes = n_classes or max(2, n_holdings // 5)
    universe = int(n_holdings * 1.5) + 1
    sym_class = rng.integers(0, n_classes, universe)
    sym_class[:n_classes] = np.arange(n_classes)
    sym_price = np.round(rng.uniform(10, 500, universe), 2)
    holdings = []
    for a in range(n_accounts):
        for s in rng.choice(universe, n_holdings, replace=False):
            shares = float(rng.integers(1, 400)) if rng.random() > 0.1 else 0.0
            holdings.append((names[a], f"S{s}", shares, float(sym_price[s]), f"C{sym_class[s]}",
                             bool(rng.random() < 0.03), False))
    taxable = [h for h in holdings if types[names.index(h[0])] == "taxable" and h[2] > 0]
    lots = []
    if taxable:
        extra = max(n_lots - len(taxable), 0)
        counts = 1 + np.bincount(rng.integers(0, len(taxable), extra), minlength=len(taxable))
        for h, k in zip(taxable, counts):
            k = int(min(k, h[2]))
            cuts = np.sort(rng.choice(np.arange(1, int(h[2])), k - 1, replace=False)) if k > 1 else []
            for q in np.diff(np.r_[0, cuts, int(h[2])]):
                days = int(rng.choice([rng.integers(1, 30), rng.integers(30, 365), rng.integers(365, 3650)],
                                      p=[0.05, 0.25, 0.7]))
                basis = round(float(h[3] * np.exp(rng.normal(0.0, 0.3)) * q), 2)
                lots.append((h[0], h[1], float(q), basis, HOUSEHOLD_AS_OF - _dt.timedelta(days=days)))
    present = sorted({h[4] for h in holdings})
    w = rng.dirichlet(np.full(len(present), 3.0))
    targets = dict(zip(present, w / w.sum()))
    flows = {names[0]: round(float(rng.uniform(-3_000, 5_000)), 2)}
    return accounts, holdings, lots, targets, flows


def tiny_household(seed: int):
    """A household small enough for :func:`brute_force_household`: a taxable account and an IRA, two
    classes, a few shares per holding, one or two lots per taxable holding (short- and long-term)."""
    rng = np.random.default_rng(seed)
    accounts = [("Tax", "taxable", float(rng.integers(0, 150))), ("IRA", "tax_deferred", float(rng.integers(0, 150)))]
    base = [("Tax", "A", 100.0, "Stocks"), ("Tax", "B", 80.0, "Bonds"), ("IRA", "A", 100.0, "Stocks"),
            ("IRA", "C", 60.0, "Bonds")]
    holdings = [(a, s, float(rng.integers(0, 4)), round(p * float(rng.uniform(0.8, 1.2)), 2), c)
                for a, s, p, c in base]
    lots = []
    for a, s, q, p, _ in holdings:
        if a == "Tax" and q > 0:
            for part in ([1.0, q - 1.0] if q >= 2 else [q]):
                acquired = HOUSEHOLD_AS_OF - _dt.timedelta(days=int(rng.choice([100, 800])))
                lots.append((a, s, part, round(part * p * float(rng.uniform(0.6, 1.4)), 2), acquired))
    w = float(rng.uniform(0.3, 0.7))
    return accounts, holdings, lots, {"Stocks": w, "Bonds": 1.0 - w}
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


# ----------------------------------------------------------------------------- optimiser options (issue 16)


def cvxpy_options(p: RandomProblem, kind: str, *, gamma: float = 0.0, target: float | None = None,
                  delta: float | None = None, rf: float = 0.0, fixed: dict | None = None):
    """Weights of PyPortfolioOpt's objectives with ``L2_reg`` (``gamma * ||w||^2``), by cvxpy/Clarabel.

    ``kind``: ``"min_variance"`` (``min w'Cw + gamma w'w``), ``"target_return"`` (same with
    ``mu'w >= target``), ``"target_risk"`` (``max mu'w - gamma w'w`` with ``w'Cw <= target^2``),
    ``"utility"`` (``max mu'w - delta/2 w'Cw - gamma w'w``), ``"max_sharpe"`` (the homogenised
    programme ``min y'(C + gamma I)y``, ``(mu - rf)'y = 1``, PyPortfolioOpt's ``max_sharpe``).
    Constraints: budget, the bounds and rows of ``p``, and ``w[i] == value`` for each of ``fixed``.
    """
    import cvxpy as cp

    n = p.mu.size
    w = cp.Variable(n)
    L = _square_root(p.cov)
    var = cp.sum_squares(L.T @ w)
    l2 = gamma * cp.sum_squares(w)
    if kind == "max_sharpe":
        kappa = cp.Variable(nonneg=True)
        cons = [(p.mu - rf) @ w == 1, cp.sum(w) == kappa, w >= p.lower * kappa, w <= p.upper * kappa]
        cons += [w[i] == v * kappa for i, v in (fixed or {}).items()]
        solve_quietly(cp.Problem(cp.Minimize(var + l2), cons + _row_constraints(p, w, kappa)))
        return np.asarray(w.value) / kappa.value
    cons = [cp.sum(w) == 1, w >= p.lower, w <= p.upper] + _row_constraints(p, w)
    cons += [w[i] == v for i, v in (fixed or {}).items()]
    if kind == "min_variance":
        objective = cp.Minimize(var + l2)
    elif kind == "target_return":
        objective = cp.Minimize(var + l2)
        cons.append(p.mu @ w >= target)
    elif kind == "target_risk":
        objective = cp.Maximize(p.mu @ w - l2)
        cons.append(var <= target**2)
    else:
        objective = cp.Maximize(p.mu @ w - 0.5 * delta * var - l2)
    solve_quietly(cp.Problem(objective, cons))
    return np.asarray(w.value)
