"""The household after the trades: typed results per position, lot, account and asset class.

Every number is recomputed from the shares traded (not read back from the solver), so the report
and the trades always agree.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..tax import ACCOUNT_TYPES
from .problem import Problem
from .solve import Solution


class PositionTrades(NamedTuple):
    """One row per position: the holdings rows in the order given, then replacements added for harvesting.

    Attributes
    ----------
    account, symbol, asset_class : list of str
    price, shares_before : ndarray of shape (n_positions,)
    shares_traded : ndarray of shape (n_positions,)
        Positive bought, negative sold.
    value_traded : ndarray of shape (n_positions,)
        ``shares_traded * price``, currency.
    shares_after, value_after : ndarray of shape (n_positions,)
    cost : ndarray of shape (n_positions,)
        Transaction cost of the trade (basis points and fee), currency.
    realized_gain, tax : ndarray of shape (n_positions,)
        Gain realised and its estimated tax (0 in sheltered accounts), currency.
    buy_blocked : list of str
        Why the position may not be bought under the wash-sale rule ("" when it may).
    added : ndarray of bool, shape (n_positions,)
        A replacement added for harvesting (not a row of ``holdings``); the first rows are ``holdings`` in order.
    """

    account: list[str]
    symbol: list[str]
    asset_class: list[str]
    price: NDArray[np.float64]
    shares_before: NDArray[np.float64]
    shares_traded: NDArray[np.float64]
    value_traded: NDArray[np.float64]
    shares_after: NDArray[np.float64]
    value_after: NDArray[np.float64]
    cost: NDArray[np.float64]
    realized_gain: NDArray[np.float64]
    tax: NDArray[np.float64]
    buy_blocked: list[str]
    added: NDArray[np.bool_]


class LotSales(NamedTuple):
    """One row per lot in the order given (lots in sheltered accounts are never sold lot by lot: 0).

    Attributes
    ----------
    account, symbol : list of str
    acquired : list of datetime.date
    long_term : ndarray of bool, shape (n_lots,)
        Held more than one year on ``as_of``.
    shares_sold, proceeds, basis_sold, gain : ndarray of shape (n_lots,)
        Shares sold from the lot, their value, their cost basis and the gain (negative: a loss), currency.
    tax : ndarray of shape (n_lots,)
        Estimated federal + state tax on the gain (negative: tax saved); 0 for a loss disallowed as a wash sale.
    harvest_candidate : ndarray of bool, shape (n_lots,)
        A loss beyond ``harvest_threshold`` of the lot's cost basis.
    replacement : list of str
        The substitute to buy after harvesting this lot ("" without one).
    wash_sale : list of str
        Why a loss on this lot would be disallowed ("" when it would not).
    """

    account: list[str]
    symbol: list[str]
    acquired: list[dt.date]
    long_term: NDArray[np.bool_]
    shares_sold: NDArray[np.float64]
    proceeds: NDArray[np.float64]
    basis_sold: NDArray[np.float64]
    gain: NDArray[np.float64]
    tax: NDArray[np.float64]
    harvest_candidate: NDArray[np.bool_]
    replacement: list[str]
    wash_sale: list[str]


class AccountSummary(NamedTuple):
    """One row per account, in the order given; amounts in currency."""

    name: list[str]
    type: list[str]
    cash_before: NDArray[np.float64]
    cash_flow: NDArray[np.float64]
    cash_after: NDArray[np.float64]
    value_before: NDArray[np.float64]  # holdings plus cash, before the cash flow
    value_after: NDArray[np.float64]  # holdings plus cash after trading
    bought: NDArray[np.float64]
    sold: NDArray[np.float64]
    costs: NDArray[np.float64]
    realized_gain: NDArray[np.float64]
    tax: NDArray[np.float64]


class ClassDrift(NamedTuple):
    """One row per target (asset class or symbol), in the order given; weights of the household total."""

    asset_class: list[str]
    target: NDArray[np.float64]
    band: NDArray[np.float64]  # half-width in weight points (inf: no band)
    weight_before: NDArray[np.float64]  # of the total after the cash flows
    weight_after: NDArray[np.float64]  # of the total after trading (holdings plus cash left)
    drift_before: NDArray[np.float64]
    drift_after: NDArray[np.float64]


class WashSale(NamedTuple):
    """A loss sold within 30 days of a purchase of the same security (the loss is disallowed)."""

    symbol: str
    account: str
    lot: int  # row of the lot in ``lots`` (1-based)
    loss: float  # the loss disallowed, currency (> 0)
    purchase_account: str
    purchase_date: dt.date


class HouseholdRebalance(NamedTuple):
    """Trades for a household and everything an advisor reports about them.

    Attributes
    ----------
    positions : PositionTrades
    lots : LotSales
    accounts : AccountSummary
    classes : ClassDrift
    wash_sales : list of WashSale
        Losses realised within 30 days after a purchase of the same security (flagged; the plan never
        buys a security whose loss it realises).
    short_term_gain, long_term_gain : float
        Net gains realised, currency (negative: net losses).
    federal_tax, state_tax, tax : float
        Estimated tax on those gains lot by lot at each lot's rate (negative: tax saved against other gains).
    harvested_loss, tax_saved : float
        Losses of harvest candidates sold and the tax they save (both >= 0).
    costs : float
        Transaction costs (basis points and fees).
    turnover : float
        One-way turnover ``sum |trades| / (2 * total)``.
    max_drift_before, max_drift_after : float
        Largest ``|weight - target|`` of an asset class, weight points.
    objective : float
        The cost minimised, currency: ``drift_penalty * (out of place) + tax term + costs`` (see the docs).
    bands_triggered : bool
    status : str
        A key of :data:`kernels.household.STATUS_MESSAGES`: ``"optimal"`` only when proven (by HiGHS' optimum
        or bound), ``"time_limit"`` or ``"gap_open"`` otherwise.
    proven_optimal : bool
    gap_amount : float
        The plan's cost minus a proven lower bound on the best plan's cost, currency (0 for fractional
        shares without fees).
    mip_gap : float
        The gap allowed for whole shares and fees, as a fraction of the household's value.
    n_solves : int
        Programmes solved (1, or more when wash-sale or lot-order rules had to be added or whole shares asked).
    """

    positions: PositionTrades
    lots: LotSales
    accounts: AccountSummary
    classes: ClassDrift
    wash_sales: list[WashSale]
    short_term_gain: float
    long_term_gain: float
    federal_tax: float
    state_tax: float
    tax: float
    harvested_loss: float
    tax_saved: float
    costs: float
    turnover: float
    max_drift_before: float
    max_drift_after: float
    objective: float
    bands_triggered: bool
    status: str
    proven_optimal: bool
    gap_amount: float
    mip_gap: float
    n_solves: int


def _by_account(acc_of, n_acc, w):
    return np.bincount(acc_of, weights=w, minlength=n_acc)


def _cash_after(prob: Problem, bought, sold):
    beta = prob.bps / 1e4
    n_acc = len(prob.account_names)
    value = prob.price * (bought - sold)
    cost = prob.price * (bought + sold) * beta + prob.per_trade * ((bought > 0) + (sold > 0))
    cash = prob.cash + prob.cash_flow - np.bincount(prob.pos_account, weights=value + cost, minlength=n_acc)
    return cash, cost


def never_overspend(prob: Problem, bought, sold):
    """Take solver-tolerance overspending (millionths of the household) out of each account's buys.

    Fractional shares: the account's buys shrink in proportion once (what is left is float rounding);
    whole shares: one share at a time comes off the dearest buy.
    """
    cash, _ = _cash_after(prob, bought, sold)
    for a in np.flatnonzero(cash < 0):
        mine = np.flatnonzero((prob.pos_account == a) & (bought > 0))
        if not prob.whole_shares and mine.size:
            spend = (prob.price[mine] * bought[mine]).sum() * (1 + prob.bps / 1e4)
            bought[mine] *= max(0.0, 1.0 + cash[a] / spend)
            continue
        while cash[a] < 0 and mine.size:
            p = mine[np.argmax(prob.price[mine])]
            bought[p] -= 1.0
            cash, _ = _cash_after(prob, bought, sold)
            mine = np.flatnonzero((prob.pos_account == a) & (bought > 0))
    return bought


def build_report(prob: Problem, sol: Solution, mip_gap: float) -> HouseholdRebalance:
    """Recompute every reported number from the shares traded."""
    bought = never_overspend(prob, sol.bought.copy(), sol.sold)
    sold, lot_sold = sol.sold, sol.lot_sold
    n_acc, n_grp = len(prob.account_names), len(prob.group_names)
    cash_after, cost = _cash_after(prob, bought, sold)
    cash_after = np.maximum(cash_after, 0.0)  # what is left below zero is float rounding (< 1e-9 of the total)
    traded = bought - sold
    shares_after = prob.shares + traded
    value_after = prob.price * shares_after

    lots_in = prob.lot_pos >= 0
    lot_price = np.where(lots_in, prob.price[np.maximum(prob.lot_pos, 0)], 0.0) if prob.lot_pos.size \
        else np.zeros(0)
    proceeds = lot_sold * lot_price
    basis_sold = np.divide(prob.lot_basis * lot_sold, prob.lot_shares, out=np.zeros_like(lot_sold),
                           where=lot_sold > 0)
    gain = proceeds - basis_sold
    disallowed = np.array([w is not None for w in prob.lot_wash_before], bool) & (gain < 0)
    taxed = np.where(disallowed, 0.0, gain)
    federal, state = prob.lot_federal * taxed, prob.lot_state * taxed
    tax = federal + state
    n_pos = len(prob.pos_symbol)
    pos_gain = np.bincount(prob.lot_pos[lots_in], weights=gain[lots_in], minlength=n_pos)
    pos_tax = np.bincount(prob.lot_pos[lots_in], weights=tax[lots_in], minlength=n_pos)

    value_before = prob.price * prob.shares
    held_before = np.bincount(prob.pos_group, weights=value_before, minlength=n_grp)
    held_after = np.bincount(prob.pos_group, weights=value_after, minlength=n_grp)
    total_after = value_after.sum() + cash_after.sum()
    w_before = held_before / prob.total
    w_after = held_after / total_after
    drift_before, drift_after = w_before - prob.target, w_after - prob.target

    harvested = prob.lot_candidate & (lot_sold > 0)
    clipped = ~prob.lot_candidate
    tax_term = max(0.0, float(tax[clipped].sum())) + float(tax[~clipped].sum())
    band = prob.band if prob.to_band else np.zeros(n_grp)
    out_of_place = np.maximum(np.abs(held_after - prob.target * total_after) - band * prob.total, 0.0).sum()
    objective = prob.drift_penalty / 2 * (out_of_place + cash_after.sum()) + tax_term + cost.sum()

    acc_of = prob.pos_account
    positions = PositionTrades(
        [prob.account_names[a] for a in acc_of], list(prob.pos_symbol), [prob.group_names[g] for g in prob.pos_group],
        prob.price.copy(), prob.shares.copy(), traded, prob.price * traded, shares_after, value_after, cost,
        pos_gain, pos_tax,
        [f"a loss sale in {b[0]} on {b[1].isoformat()} (wash-sale window)" if b else "" for b in prob.buy_blocked_by],
        prob.pos_row < 0)
    lot_symbols = [prob.pos_symbol[p] if p >= 0 else "" for p in prob.lot_pos]
    lots = LotSales(
        [prob.account_names[acc_of[p]] if p >= 0 else "" for p in prob.lot_pos], lot_symbols,
        list(prob.lot_acquired), prob.lot_long.copy(), lot_sold, proceeds, basis_sold, gain, tax,
        prob.lot_candidate.copy(), [prob.replacement.get(s, "") if c else "" for s, c in
                                    zip(lot_symbols, prob.lot_candidate)],
        [f"bought in {w[0]} on {w[1].isoformat()}" if w else "" for w in prob.lot_wash_before])
    accounts = AccountSummary(
        list(prob.account_names), [ACCOUNT_TYPES[t] for t in prob.account_type], prob.cash.copy(),
        prob.cash_flow.copy(), cash_after, _by_account(acc_of, n_acc, value_before) + prob.cash, _by_account(acc_of, n_acc, value_after) + cash_after,
        _by_account(acc_of, n_acc, prob.price * bought), _by_account(acc_of, n_acc, prob.price * sold), _by_account(acc_of, n_acc, cost), _by_account(acc_of, n_acc, pos_gain), _by_account(acc_of, n_acc, pos_tax))
    classes = ClassDrift(list(prob.group_names), prob.target.copy(), prob.band.copy(), w_before, w_after,
                         drift_before, drift_after)
    wash = [WashSale(lot_symbols[k], lots.account[k], int(k) + 1, float(-gain[k]), w[0], w[1])
            for k, w in enumerate(prob.lot_wash_before) if w and lot_sold[k] > 0 and gain[k] < 0]
    return HouseholdRebalance(
        positions, lots, accounts, classes, wash,
        float(gain[lots_in & ~prob.lot_long].sum()), float(gain[lots_in & prob.lot_long].sum()),
        float(federal.sum()), float(state.sum()), float(tax.sum()), float(-gain[harvested].sum()),
        float(-tax[harvested].sum()), float(cost.sum()),
        float(np.abs(prob.price * traded).sum() / (2 * prob.total)), float(np.abs(drift_before).max()),
        float(np.abs(drift_after).max()), float(objective), bool(prob.triggered), sol.status, sol.proven_optimal,
        sol.gap_amount, float(mip_gap), sol.n_solves)
