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
