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
