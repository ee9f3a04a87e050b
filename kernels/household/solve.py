"""Solving the household programme on SciPy's HiGHS, with the wash-sale and lot-order rules added lazily.

Two rules need a binary each: "sell a security's loss lots or buy it, not both" (wash sale) and "sell
lots highest cost first" (``lot_method="hifo"``). Most households never come near them, so the
programme is solved without them, the plan is checked, and the binaries are added only for the
securities and positions that broke a rule; then it is solved again. Each round's programme is a
relaxation of the full one, so the last round's plan, which breaks no rule, is optimal for the full
programme (and a proven bound for it stays a bound).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..errors import ConvergenceError, InfeasibleError
from .highs import solve_lp
from .model import MONEY_UNIT, _hifo_order, build_model, lot_gain_per_share
from .problem import Problem

#: Status word -> what it means (one vocabulary for every front-end).
STATUS_MESSAGES = {
    "optimal": "optimal: proven optimal (whole shares or fees: within mip_gap of the best possible plan).",
    "time_limit": "time_limit: the best plan found in time_limit; its cost is within gap_amount of the best.",
    "gap_open": "gap_open: the best plan with each trade within one share of the fractional optimum; its cost is "
                "within gap_amount of the best, more than mip_gap.",
}

#: HiGHS' own absolute MIP gap (objective units, millionths of the household): the floor of a proven gap.
GAP_FLOOR = 1e-6

#: Shares below this (relative to the position) are solver noise and not traded.
SHARES_RTOL = 1e-9


class Solution(NamedTuple):
    """Shares traded and how the programme ended."""

    bought: NDArray[np.float64]  # (n_positions,) shares bought
    sold: NDArray[np.float64]  # (n_positions,) shares sold
    lot_sold: NDArray[np.float64]  # (n_lots,) shares sold from each lot
    status: str
    proven_optimal: bool
    gap_amount: float  # the plan's cost minus a proven lower bound on the best plan's, currency
    n_solves: int
    n_integers: int  # integer and binary variables of the last programme


def _run(model, time_limit, abs_gap, direct: bool = True):
    options = {"time_limit": max(time_limit, 1e-3), "presolve": True}
    if model.integrality.any():
        # HiGHS' MIP presolve (1.12, the one SciPy 1.17 bundles) can call a worse plan optimal on these programmes
        # (a 4-position household in the tests; ERGO-Code/HiGHS#3073, #3094 are of the same kind): it stays off.
        options.update(mip_rel_gap=0.0, mip_abs_gap=max(abs_gap, GAP_FLOOR), presolve=False)
    return solve_lp(model.c, model.integrality, model.lb, model.ub, model.a, model.row_lb, model.row_ub, options,
                    direct=direct)


def _trades(prob: Problem, model, x, whole: bool):
    n = len(prob.pos_symbol)
    col = model.col
    bought, sold = np.zeros(n), np.zeros(n)
    lot_sold = np.zeros(prob.lot_pos.size)
    bought[model.buy] = x[col["buy"]:col["buy"] + model.buy.size]
    sold[model.sell] = x[col["sell"]:col["sell"] + model.sell.size]
    lot_sold[model.lot] = x[col["lot"]:col["lot"] + model.lot.size]
    if whole:
        bought[model.buy] = np.round(bought[model.buy])
        sold[model.sell] = np.round(sold[model.sell])
        whole = np.isclose(prob.lot_shares, np.round(prob.lot_shares))
        lot_sold = np.where(whole, np.round(lot_sold), lot_sold)
    lot_sold = np.clip(lot_sold, 0.0, prob.lot_shares)
    bought = np.maximum(bought, 0.0)
    sold = np.clip(sold, 0.0, prob.shares)
    tol = SHARES_RTOL * np.maximum(prob.shares, 1.0)
    bought[bought < tol] = 0.0
    sold[sold < tol] = 0.0
    lot_sold[lot_sold < SHARES_RTOL * np.maximum(prob.lot_shares, 1.0)] = 0.0
    lots_in = prob.lot_pos >= 0
    sold += np.bincount(prob.lot_pos[lots_in], weights=lot_sold[lots_in], minlength=n)
    return bought, sold, lot_sold


def _broken_rules(prob: Problem, model, bought, lot_sold, wash, hifo):
    """Rules the plan breaks or is about to: securities whose loss lots are sold and that some account may
    buy (the next plan could buy them: their binary is added now), positions sold out of cost order."""
    gain = lot_gain_per_share(prob)
    buyable = {prob.pos_symbol[p] for p in model.buy}
    loss_sold = {prob.pos_symbol[prob.lot_pos[k]] for k in np.flatnonzero((lot_sold > 0) & (gain < 0))}
    conflict = {prob.pos_symbol[p] for p in np.flatnonzero(bought > 0)} & loss_sold
    new_wash = (loss_sold & buyable) - wash if conflict - wash else set()
    new_hifo = set()
    if prob.hifo:
        for p in np.unique(prob.lot_pos[(lot_sold > 0) & (prob.lot_pos >= 0)]):
            if p in hifo:
                continue
            order = model.lot[_hifo_order(prob, model.lot, p)]
            full = lot_sold[order] >= prob.lot_shares[order] * (1 - 1e-9)
            first_partial = np.argmin(full) if not full.all() else order.size
            if np.any(lot_sold[order[first_partial + 1:]] > 0):
                new_hifo.add(int(p))
    return new_wash, new_hifo


def _solve_lazily(prob: Problem, deadline: float, abs_gap: float, wash: set, hifo: set, *, whole: bool,
                  near=None):
    """Solve, adding wash-sale and lot-order binaries (to ``wash`` and ``hifo``) until no rule is broken."""
    n_solves = 0
    while True:
        model = build_model(prob, sorted(wash), sorted(hifo), whole=whole, near=near)
        res = _run(model, deadline - time.perf_counter(), abs_gap)
        n_solves += 1
        if res.status == 2:
            raise InfeasibleError(_infeasible_message(prob))
        if res.x is None:
            raise ConvergenceError(f"time_limit: HiGHS found no plan in time ({res.message}); raise time_limit "
                                   "or use fractional shares.")
        trades = _trades(prob, model, res.x, whole)
        new_wash, new_hifo = _broken_rules(prob, model, trades[0], trades[2], wash, hifo)
        if not new_wash and not new_hifo:
            return model, res, trades, n_solves
        if time.perf_counter() >= deadline:
            raise ConvergenceError("time_limit: it ran out while enforcing the wash-sale and lot order rules; raise "
                                   "time_limit.")
        wash |= new_wash
        hifo |= new_hifo


def _bound(model, res) -> float:
    """A proven lower bound on the programme's optimum (objective units)."""
    if model.integrality.any():
        return float(res.mip_dual_bound) if res.mip_dual_bound is not None else -np.inf
    return float(res.fun)


def solve(prob: Problem, *, time_limit: float, mip_gap: float) -> Solution:
    """The plan: a linear programme, then (whole shares) mixed-integer ones near its solution.

    Whole shares without fees: the fractional optimum is a lower bound on every whole-share plan, and the
    gap is measured against it. The mixed-integer programme first keeps each trade within one share of the
    fractional plan's floor and ceiling; while the gap is above ``mip_gap`` (of the household's value), the
    securities the fractional plan leaves alone may also buy one share, then sell one, and last the whole
    programme is solved (its HiGHS bound then joins the fractional one). Every stage's plan is kept if it is
    the best so far. Per-trade fees make the fractional programme mixed-integer too (a binary per trade);
    its HiGHS bound is then the bound.
    """
    deadline = time.perf_counter() + time_limit
    unit = prob.total * MONEY_UNIT
    abs_gap = mip_gap * prob.total / unit
    wash, hifo = set(), set()
    model, res, trades, n = _solve_lazily(prob, deadline, abs_gap, wash, hifo, whole=False)
    bound = _bound(model, res)
    if prob.whole_shares:
        fractional, best = trades, None
        # near the fractional plan (ever wider), then the whole programme, while the gap stays open
        for near in ((*fractional, 0), (*fractional, 1), (*fractional, 2), None):
            try:
                found = _solve_lazily(prob, deadline, abs_gap, wash, hifo, whole=True, near=near)
            except InfeasibleError:
                if near is None:
                    raise
                continue  # no whole-share plan this near (a turnover limit the rounding would pass): widen
            n += found[3]
            if near is None:
                bound = max(bound, _bound(found[0], found[1]))
            if best is None or found[1].fun < best[1].fun:
                best = found
            if best[1].fun - bound <= max(abs_gap, GAP_FLOOR) or time.perf_counter() >= deadline:
                break
        model, res, trades = best[:3]
    gap = max(float(res.fun) - bound, 0.0)
    proven = res.status == 0 and gap <= max(abs_gap, GAP_FLOOR) * (1 + 1e-9) if model.integrality.any() \
        else res.status == 0
    status = "optimal" if proven else ("time_limit" if res.status == 1 else "gap_open")
    return Solution(*trades, status, bool(proven), gap * unit, n, int(model.integrality.sum()))


def _infeasible_message(prob: Problem) -> str:
    if np.isfinite(prob.max_turnover):
        need = max(0.0, -(prob.cash + prob.cash_flow).clip(max=0).sum()) / (2 * prob.total)
        return (f"max_turnover: {prob.max_turnover:.4g} is too low for the withdrawals (they need about "
                f"{need:.4g}); raise it or withdraw less.")
    return ("holdings: no_sell/no_buy and the cash flows leave no possible plan; relax a restriction or change a "
            "cash flow.")
