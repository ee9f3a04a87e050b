"""The household rebalance as one linear (or mixed-integer) programme for HiGHS.

Money is measured in millionths of the household's total ``T`` (after the cash flows), which keeps
HiGHS' coefficients near 1 for households of any size; trade variables are shares. With
``v_p = price_p / unit``:

Variables
    ``buy_p``  shares bought (positions that may buy), ``sell_p`` shares sold (sheltered positions),
    ``lot_l`` shares sold from each taxable lot, ``tot_p`` whole shares sold per taxable position
    (whole shares only), ``f_g`` |deviation| and ``e_g`` deviation beyond the band per asset class,
    ``k_a`` cash left per account, ``Tp`` household total after trading, ``tau`` tax on realised gains
    (clipped at 0), ``m`` the largest |deviation|, and binaries for per-trade fees, wash sales and
    highest-cost-first lot order (the last two only where needed, see :mod:`.solve`).
Rows
    cash per account ``k_a = cash_a + flow_a - buys (1 + bps) + sells (1 - bps) - fees >= 0`` (never
    overspend); ``Tp = holdings after + sum k``; ``f_g >= |V_g after - w_g Tp|``; ``e_g >= f_g - band_g``;
    ``m >= f_g``; ``tau >= sum rate_l * gain_l`` over the lots whose losses only offset gains;
    turnover ``sum |trades| <= 2 max_turnover``.
Objective
    ``drift_penalty / 2 * (sum e_g + sum k_a) + tau + sum(rate_l * gain_l, harvest candidates)
    + bps * traded + fee * trades`` plus tie-breaks far below a cent per $10,000 (:data:`TIE_BREAKS`).
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
import scipy  # scipy.sparse loads on first use (`import kernels` stays fast)
from numpy.typing import NDArray

from .problem import TAXABLE, Problem

#: Tie-breaks per unit of value traded (of the household total): a trade in a sheltered account,
#: a trade in a taxable account (prefer sheltered), the largest deviation (deposits go to the most
#: underweight class first), and per unit of gain sold (among lots of equal tax, higher cost first).
#: Far below any real cost (1e-6 of $1M is $1) but well above HiGHS' tolerances (1e-7).
TIE_BREAKS = {"sheltered": 1e-6, "taxable": 3e-6, "level": 5e-7, "gain": 1e-6}


#: The money unit of the programme, as a fraction of the household's total.
MONEY_UNIT = 1e-6


class Model(NamedTuple):
    """The programme (``scipy.optimize.milp`` arguments) and where each block of variables sits."""

    c: NDArray[np.float64]
    integrality: NDArray[np.int64]
    lb: NDArray[np.float64]
    ub: NDArray[np.float64]
    a: scipy.sparse.csr_array
    row_lb: NDArray[np.float64]
    row_ub: NDArray[np.float64]
    buy: NDArray[np.int64]  # position of each buy variable
    sell: NDArray[np.int64]  # position of each sheltered sell variable
    lot: NDArray[np.int64]  # lot of each lot variable
    col: dict  # block name -> first column


class _Builder:
    """Collects sparse rows as (row, column, value) triplets with their bounds."""

    def __init__(self):
        self.r, self.c, self.v, self.lo, self.hi = [], [], [], [], []
        self.n = 0

    def add(self, rows, cols, vals, lo, hi):
        """Add rows ``lo <= A x <= hi``; ``rows`` are 0-based within this block."""
        rows = np.asarray(rows, np.int64)
        n_rows = int(rows.max()) + 1 if rows.size else 0
        lo = np.broadcast_to(np.asarray(lo, float), (n_rows,))
        hi = np.broadcast_to(np.asarray(hi, float), (n_rows,))
        self.r.append(rows + self.n)
        self.c.append(np.asarray(cols, np.int64))
        self.v.append(np.asarray(vals, float))
        self.lo.append(lo)
        self.hi.append(hi)
        self.n += lo.size

    def matrix(self, n_cols):
        r, c, v = (np.concatenate(x) for x in (self.r, self.c, self.v))
        a = scipy.sparse.csr_array((v, (r, c)), shape=(self.n, n_cols))
        return a, np.concatenate(self.lo), np.concatenate(self.hi)


def max_buy_shares(prob: Problem) -> NDArray[np.float64]:
    """Most shares each position could buy: its account's cash, flow and everything it may sell."""
    sellable = np.bincount(prob.pos_account, weights=np.where(prob.can_sell, prob.price * prob.shares, 0.0),
                           minlength=len(prob.account_names))
    room = np.maximum(prob.cash + prob.cash_flow + sellable, 0.0)
    return room[prob.pos_account] / prob.price


def lot_gain_per_share(prob: Problem) -> NDArray[np.float64]:
    """Gain per share of each lot at today's price (0 for lots outside taxable accounts)."""
    price = prob.price[np.maximum(prob.lot_pos, 0)] if prob.lot_pos.size else np.zeros(0)
    return np.where(prob.lot_pos >= 0, price - prob.lot_basis / prob.lot_shares, 0.0)


def build_model(prob: Problem, wash_symbols=(), hifo_positions=(), *, whole: bool = False, near=None) -> Model:
    """The programme for ``prob``; ``wash_symbols`` and ``hifo_positions`` get their binaries.

    ``whole``: shares traded are whole numbers. ``near``: ``(bought, sold, lot_sold, reach)`` of a
    fractional plan: each whole-share trade stays within one share of the fractional one's floor and
    ceiling; a security the plan does not trade may buy one share (``reach >= 1``) and sell one (``reach 2``).
    """
    T = prob.total * MONEY_UNIT  # the money unit
    per_total = 1.0 / MONEY_UNIT  # the household's total in that unit
    n_acc, n_grp = len(prob.account_names), len(prob.group_names)
    taxable = prob.account_type[prob.pos_account] == TAXABLE
    available = prob.cash + prob.cash_flow
    can_buy, can_sell = prob.can_buy.copy(), prob.can_sell.copy()
    if not prob.triggered:  # inside every band: trade only to invest or raise each account's cash
        can_sell &= available[prob.pos_account] < 0
        can_buy &= available[prob.pos_account] >= 0
    buy = np.flatnonzero(can_buy)
    sell = np.flatnonzero(can_sell & ~taxable)
    lot = np.flatnonzero((prob.lot_pos >= 0) & can_sell[np.maximum(prob.lot_pos, 0)]) if prob.lot_pos.size \
        else np.zeros(0, np.int64)
    lot_p = prob.lot_pos[lot]
    tot = np.unique(lot_p) if whole else np.zeros(0, np.int64)
    fees = prob.per_trade > 0
    sell_positions = np.concatenate([sell, np.unique(lot_p)])  # one fee binary per position sold
    wash_symbols, hifo_positions = list(wash_symbols), list(hifo_positions)
    hifo_lots = [_hifo_order(prob, lot, p) for p in hifo_positions]

    sizes = {"buy": buy.size, "sell": sell.size, "lot": lot.size, "tot": tot.size, "f": n_grp, "e": n_grp,
             "k": n_acc, "Tp": 1, "tau": 1, "m": 1, "zb": buy.size if fees else 0,
             "zs": sell_positions.size if fees else 0, "w": len(wash_symbols),
             "h": sum(max(len(o) - 1, 0) for o in hifo_lots)}
    col, n = {}, 0
    for name, size in sizes.items():
        col[name] = n
        n += size
    c = np.zeros(n)
    lb, ub = np.zeros(n), np.full(n, np.inf)
    integ = np.zeros(n, np.int64)
    v = prob.price / T
    beta = prob.bps / 1e4
    gain = lot_gain_per_share(prob)
    rate = prob.lot_federal + prob.lot_state
    u_buy = max_buy_shares(prob)

    ib, is_, il = (col[k] + np.arange(sizes[k]) for k in ("buy", "sell", "lot"))
    ub[ib], ub[is_], ub[il] = u_buy[buy], prob.shares[sell], prob.lot_shares[lot]
    tie = np.where(taxable, TIE_BREAKS["taxable"], TIE_BREAKS["sheltered"])
    c[ib] = v[buy] * (beta + tie[buy])
    c[is_] = v[sell] * (beta + tie[sell])
    gain_frac = np.clip(gain[lot] / prob.price[lot_p], -1.0, 1.0)
    c[il] = v[lot_p] * (beta + TIE_BREAKS["taxable"] + TIE_BREAKS["gain"] * gain_frac)
    disallowed = np.array([w is not None for w in prob.lot_wash_before], bool)[lot] if lot.size else \
        np.zeros(0, bool)
    taxed_gain = np.where(disallowed & (gain[lot] < 0), 0.0, gain[lot]) * rate[lot] / T  # tax per share sold
    candidate = prob.lot_candidate[lot]
    c[il[candidate]] += taxed_gain[candidate]
    c[col["e"]:col["e"] + n_grp] = prob.drift_penalty / 2
    c[col["k"]:col["k"] + n_acc] = prob.drift_penalty / 2
    c[col["tau"]] = 1.0
    c[col["m"]] = TIE_BREAKS["level"]
    lb[col["Tp"]] = -np.inf
    if whole:
        integ[ib] = integ[is_] = 1
        integ[il] = prob.lot_shares[lot] == np.round(prob.lot_shares[lot])
        it = col["tot"] + np.arange(tot.size)
        integ[it], ub[it] = 1, np.floor(prob.shares[tot] + 1e-9)
        if near is not None:
            _near_box(prob, near, lb, ub, integ, ((ib, buy), (is_, sell), (il, lot), (it, tot)))

    rows = _Builder()
    # value bought (+) or sold (-) per variable and the position it trades
    t_cols = np.concatenate([ib, is_, il])
    t_pos = np.concatenate([buy, sell, lot_p])
    t_val = np.concatenate([v[buy], -v[sell], -v[lot_p]])
    cost = np.abs(t_val) * beta
    # cash per account: k_a + buys (1 + bps) - sells (1 - bps) + fees = cash + flow
    cash_r, cash_c = [prob.pos_account[t_pos], np.arange(n_acc)], [t_cols, col["k"] + np.arange(n_acc)]
    cash_v = [t_val + cost, np.ones(n_acc)]
    if fees:
        iz = np.r_[col["zb"] + np.arange(buy.size), col["zs"] + np.arange(sell_positions.size)]
        pz = np.r_[buy, sell_positions]
        cash_r.append(prob.pos_account[pz])
        cash_c.append(iz)
        cash_v.append(np.full(pz.size, prob.per_trade / T))
        integ[iz], ub[iz], c[iz] = 1, 1.0, prob.per_trade / T
    rows.add(np.concatenate(cash_r), np.concatenate(cash_c), np.concatenate(cash_v), available / T, available / T)
    # Tp - trades - sum k = holdings value now
    held_now = (prob.price * prob.shares).sum() / T
    rows.add(np.zeros(t_cols.size + n_acc + 1), np.r_[t_cols, col["k"] + np.arange(n_acc), col["Tp"]],
             np.r_[-t_val, -np.ones(n_acc), 1.0], held_now, held_now)
    # f_g >= +-(V_g + trades_g - w_g Tp)
    held = np.bincount(prob.pos_group, weights=prob.price * prob.shares, minlength=n_grp) / T
    g_of = prob.pos_group[t_pos]
    for sign in (1.0, -1.0):
        rows.add(np.r_[g_of, np.arange(n_grp), np.arange(n_grp)],
                 np.r_[t_cols, col["f"] + np.arange(n_grp), np.full(n_grp, col["Tp"])],
                 np.r_[-sign * t_val, np.ones(n_grp), sign * prob.target], sign * held, np.inf)
    band = np.where(np.isfinite(prob.band), prob.band, 1e3) * per_total if prob.to_band else np.zeros(n_grp)
    g = np.arange(n_grp)
    rows.add(np.r_[g, g], np.r_[col["e"] + g, col["f"] + g], np.r_[np.ones(n_grp), -np.ones(n_grp)], -band, np.inf)
    rows.add(np.r_[g, g], np.r_[np.full(n_grp, col["m"]), col["f"] + g], np.r_[np.ones(n_grp), -np.ones(n_grp)],
             np.zeros(n_grp), np.inf)
    # tau >= taxed gains of the lots whose losses only offset gains
    clipped = ~candidate
    rows.add(np.zeros(clipped.sum() + 1), np.r_[il[clipped], col["tau"]], np.r_[-taxed_gain[clipped], 1.0],
             0.0, np.inf)
    if np.isfinite(prob.max_turnover):
        rows.add(np.zeros(t_cols.size), t_cols, np.abs(t_val), -np.inf, 2.0 * prob.max_turnover * per_total)
    for j, p in enumerate(tot):  # whole shares sold per taxable position
        mine = il[lot_p == p]
        rows.add(np.zeros(mine.size + 1), np.r_[mine, col["tot"] + j], np.r_[np.ones(mine.size), -1.0], 0.0, 0.0)
    if fees:
        _fee_rows(rows, prob, col, buy, sell, sell_positions, ib, is_, il, lot_p, u_buy)
    _wash_rows(rows, prob, col, wash_symbols, buy, ib, il, lot, gain, u_buy, integ, ub)
    _hifo_rows(rows, prob, col, hifo_lots, il, lot, integ, ub)
    a, row_lb, row_ub = rows.matrix(n)
    return Model(c, integ, lb, ub, a, row_lb, row_ub, buy, sell, lot, col)


def _near_box(prob, near, lb, ub, integ, blocks):
    """Bounds of the integer trades around a fractional plan (see :func:`build_model`)."""
    bought, sold, lot_sold, reach = near
    lots_in = prob.lot_pos >= 0
    by_pos = np.bincount(prob.lot_pos[lots_in], weights=lot_sold[lots_in], minlength=prob.shares.size)
    plans = {0: bought, 1: sold, 2: lot_sold, 3: by_pos}
    for j, (cols, index) in enumerate(blocks):
        x = plans[j][index]
        traded = x > 1e-9
        spare = 1.0 if reach >= 2 or (reach == 1 and j == 0) else 0.0  # untraded: buy (and sell) one share
        low = np.where(traded, np.maximum(np.floor(x + 1e-9) - 1.0, 0.0), 0.0)
        high = np.where(traded, np.ceil(x - 1e-9) + 1.0, spare)
        keep = integ[cols] == 1
        lb[cols[keep]] = np.minimum(low[keep], ub[cols[keep]])
        ub[cols[keep]] = np.minimum(high[keep], ub[cols[keep]])


def _fee_rows(rows, prob, col, buy, sell, sell_positions, ib, is_, il, lot_p, u_buy):
    """A trade switches its fee binary on: ``shares <= most shares * z``."""
    zb = col["zb"] + np.arange(buy.size)
    k = np.arange(buy.size)
    rows.add(np.r_[k, k], np.r_[ib, zb], np.r_[np.ones(buy.size), -np.maximum(u_buy[buy], 1e-9)], -np.inf,
             np.zeros(buy.size))
    zs = col["zs"] + np.arange(sell_positions.size)
    k = np.arange(sell.size)
    rows.add(np.r_[k, k], np.r_[is_, zs[:sell.size]], np.r_[np.ones(sell.size), -prob.shares[sell]], -np.inf,
             np.zeros(sell.size))
    for j, p in enumerate(sell_positions[sell.size:]):
        mine = il[lot_p == p]
        rows.add(np.zeros(mine.size + 1), np.r_[mine, zs[sell.size + j]], np.r_[np.ones(mine.size),
                 -prob.shares[p]], -np.inf, 0.0)


def _wash_rows(rows, prob, col, wash_symbols, buy, ib, il, lot, gain, u_buy, integ, ub):
    """Per symbol: sell loss lots (w = 1) or buy it in any account (w = 0), not both."""
    sym_of_buy = np.array([prob.pos_symbol[p] for p in buy], dtype=object)
    sym_of_lot = np.array([prob.pos_symbol[prob.lot_pos[k]] for k in lot], dtype=object)
    for j, s in enumerate(wash_symbols):
        w = col["w"] + j
        integ[w], ub[w] = 1, 1.0
        losses = (sym_of_lot == s) & (gain[lot] < 0) if lot.size else np.zeros(0, bool)
        q = prob.lot_shares[lot[losses]]
        rows.add(np.zeros(q.size + 1), np.r_[il[losses], w], np.r_[np.ones(q.size), -q.sum()], -np.inf, 0.0)
        mine = sym_of_buy == s if buy.size else np.zeros(0, bool)
        u = u_buy[buy[mine]]
        rows.add(np.zeros(u.size + 1), np.r_[ib[mine], w], np.r_[np.ones(u.size), u.sum()], -np.inf, u.sum())


def _hifo_order(prob, lot, p):
    """Lot variables of position ``p``, highest cost per share first (older first among equals)."""
    mine = np.flatnonzero(prob.lot_pos[lot] == p)
    basis = prob.lot_basis[lot[mine]] / prob.lot_shares[lot[mine]]
    dates = np.array([prob.lot_acquired[k].toordinal() for k in lot[mine]])
    return mine[np.lexsort((dates, -basis))]


def _hifo_rows(rows, prob, col, hifo_lots, il, lot, integ, ub):
    """Highest cost first: lot k+1 is sold only once lot k is sold in full (binary h_k)."""
    h = col["h"]
    for order in hifo_lots:
        for a, b in itertools.pairwise(order):
            integ[h], ub[h] = 1, 1.0
            qa, qb = prob.lot_shares[lot[a]], prob.lot_shares[lot[b]]
            rows.add([0, 0], [il[a], h], [1.0, -qa], 0.0, np.inf)
            rows.add([0, 0], [il[b], h], [1.0, -qb], -np.inf, 0.0)
            h += 1
