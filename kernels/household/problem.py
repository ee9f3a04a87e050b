"""Checks of a household's tables and their conversion to the arrays the optimiser reads.

One place per rule; every message is one line naming the table (and row) the user sees.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._validate import as_scalar, check_choice
from .._validate.holdings import check_sums_to_one
from ..errors import InfeasibleError, InputError
from ..income import as_rate
from ..rebalance import check_bands, check_mode
from ..tax import ACCOUNT_TYPES
from .rows import (
    ACCOUNT_TYPE_ALIASES,
    Account,
    Costs,
    Holding,
    Lot,
    RecentTrade,
    Substitute,
    TaxRates,
    as_date,
    read_mapping,
    read_rows,
)

TAXABLE, TAX_DEFERRED, TAX_FREE = range(3)
#: Lot selection rules.
LOT_METHODS = ("min_tax", "hifo")
#: Days before and after a loss sale in which a purchase of the same security makes it a wash sale.
WASH_SALE_DAYS = 30
#: Lots must add up to their holding within this many shares (relative to the holding, at least 1e-6).
LOT_SHARES_RTOL = 1e-9


class Problem(NamedTuple):
    """A checked household as arrays (positions are the holdings rows, then added replacements)."""

    account_names: list[str]
    account_type: NDArray[np.int64]  # (n_accounts,) index into ACCOUNT_TYPES
    cash: NDArray[np.float64]  # (n_accounts,)
    cash_flow: NDArray[np.float64]  # (n_accounts,)
    pos_account: NDArray[np.int64]  # (n_positions,)
    pos_symbol: list[str]
    pos_group: NDArray[np.int64]
    price: NDArray[np.float64]
    shares: NDArray[np.float64]
    can_sell: NDArray[np.bool_]
    can_buy: NDArray[np.bool_]
    pos_row: NDArray[np.int64]  # holdings row, -1 for a replacement added for harvesting
    buy_blocked_by: list  # per position: None or (account, date) of a recent loss sale of the symbol
    group_names: list[str]
    target: NDArray[np.float64]  # (n_groups,)
    band: NDArray[np.float64]  # (n_groups,) half-width in weight points, inf without a band
    triggered: bool  # a group is outside its band (always True without bands)
    to_band: bool
    lot_pos: NDArray[np.int64]  # (n_lots,) position of each lot, -1 for lots in sheltered accounts
    lot_shares: NDArray[np.float64]
    lot_basis: NDArray[np.float64]  # total cost basis
    lot_acquired: list[dt.date]
    lot_long: NDArray[np.bool_]
    lot_federal: NDArray[np.float64]  # federal rate of the lot's term
    lot_state: NDArray[np.float64]
    lot_candidate: NDArray[np.bool_]  # a loss beyond the harvest threshold
    lot_wash_before: list  # per lot: None or (account, date) of a purchase in the 30 days before as_of
    replacement: dict[str, str]  # symbol -> substitute (harvesting on only)
    total: float  # household value after the cash flows
    drift_penalty: float
    bps: float
    per_trade: float
    max_turnover: float  # nan: no limit
    whole_shares: bool
    hifo: bool
    harvest: bool
    as_of: dt.date | None


def _is_long_term(acquired: dt.date, as_of: dt.date) -> bool:
    """Held more than one year: sold after the first anniversary (a 29 February buy's is 28 February)."""
    try:
        anniversary = acquired.replace(year=acquired.year + 1)
    except ValueError:
        anniversary = acquired.replace(year=acquired.year + 1, day=28)
    return as_of > anniversary


def _accounts(accounts, cash_flows):
    rows = read_rows(accounts, Account, "accounts")
    if not rows:
        raise InputError("accounts: is empty; list each account with its name and type (taxable, tax_deferred, "
                         "tax_free).")
    names, types, cash = [], [], []
    for i, r in enumerate(rows):
        if not r.name:
            raise InputError(f"accounts: row {i + 1} has no name; name every account.")
        if r.name in names:
            raise InputError(f"accounts: {r.name!r} is listed twice (rows {names.index(r.name) + 1} and {i + 1}); "
                             "give each account one row.")
        kind = ACCOUNT_TYPE_ALIASES.get(r.type.strip().lower().replace("-", "_").replace(" ", "_"))
        if kind is None:
            raise InputError(f"accounts: row {i + 1} ({r.name!r}) has type {r.type!r}; expected one of "
                             f"{', '.join(ACCOUNT_TYPES)} (or IRA, 401(k), Roth IRA, ...).")
        if r.cash < 0:
            raise InputError(f"accounts: {r.name!r} has cash {r.cash:,.2f}; cash must be >= 0 (a withdrawal "
                             "goes in cash_flows).")
        names.append(r.name)
        types.append(ACCOUNT_TYPES.index(kind))
        cash.append(r.cash)
    flows = np.zeros(len(names))
    if cash_flows is not None:
        if isinstance(cash_flows, dict) or hasattr(cash_flows, "columns"):
            pairs = read_mapping(cash_flows, "cash_flows", "account", "cash_flow")
        else:
            values = list(cash_flows)
            if len(values) != len(names):
                raise InputError(f"cash_flows: {len(values)} values for {len(names)} accounts; give one per "
                                 "account or a dict {account: amount}.")
            pairs = [(n, as_scalar(v, f"cash_flows: {n!r}")) for n, v in zip(names, values)]
        for name, amount in pairs:
            if name not in names:
                raise InputError(f"cash_flows: account {name!r} is not in accounts; use one of {', '.join(names)}.")
            flows[names.index(name)] += amount
    return names, np.array(types, np.int64), np.array(cash), flows


def _holdings(holdings, names):
    rows = read_rows(holdings, Holding, "holdings")
    if not rows:
        raise InputError("holdings: is empty; list each account's holdings (account, symbol, shares, price).")
    seen = {}
    for i, h in enumerate(rows):
        where = f"holdings: row {i + 1}"
        if h.account not in names:
            raise InputError(f"{where} is in account {h.account!r}, which accounts does not list; add the "
                             "account or fix the name.")
        if not h.symbol:
            raise InputError(f"{where} has no symbol; fill it in or delete the row.")
        if (h.account, h.symbol) in seen:
            raise InputError(f"{where} repeats {h.symbol} in {h.account!r} (row {seen[h.account, h.symbol] + 1}); "
                             "merge the two rows.")
        seen[h.account, h.symbol] = i
        if h.shares < 0:
            raise InputError(f"{where} ({h.symbol}) has {h.shares:g} shares; shares must be >= 0 (no short sales).")
        if not h.price > 0:
            raise InputError(f"{where} ({h.symbol}) has price {h.price:g}; prices must be > 0.")
    return rows


def _groups(targets, group_of_rows):
    pairs = read_mapping(targets, "targets", "asset_class", "target")
    if not pairs:
        raise InputError("targets: is empty; give a weight for each asset class (or symbol), summing to 1.")
    names = [k for k, _ in pairs]
    for k in names:
        if names.count(k) > 1:
            raise InputError(f"targets: {k!r} is listed twice; give each asset class one target.")
    w = np.array([v for _, v in pairs])
    bad = np.flatnonzero(w < 0)
    if bad.size:
        raise InputError(f"targets: {names[bad[0]]!r} is {w[bad[0]]:.4g}; targets must be >= 0.")
    check_sums_to_one(float(w.sum()), "targets")
    for i, g in enumerate(group_of_rows):
        if g not in names:
            raise InputError(f"holdings: row {i + 1} counts towards {g!r}, which has no target; add it to targets "
                             "(0 to sell it) or fix its asset_class.")
    for k, g in enumerate(names):
        if w[k] > 0 and g not in group_of_rows:
            raise InputError(f"targets: {g!r} ({w[k]:.4g}) matches no holding's asset_class or symbol; list a "
                             "security for it (0 shares) in an account that may buy it, or fix the name.")
    return names, w


def _bands(band, relative_band, mode, group_names):
    n = len(group_names)
    if isinstance(band, dict):
        pairs = dict(read_mapping(band, "band", "asset_class", "band"))
        missing = [g for g in group_names if g not in pairs]
        if missing:
            raise InputError(f"band: no band for {missing[0]!r}; give one per asset class or a single number.")
        band = [pairs[g] for g in group_names]
    band_abs, band_rel, has_band = check_bands(band, relative_band, n)
    return band_abs, band_rel, has_band, check_mode(mode, has_band)


def _substitutes(substitutes, rows, names):
    out, prices = {}, {}
    held = {h.symbol for h in rows}
    listed_price = {h.symbol: h.price for h in rows}
    if isinstance(substitutes, dict):
        substitutes = [Substitute(k, v) for k, v in substitutes.items()]
    for i, s in enumerate(read_rows(substitutes, Substitute, "substitutes")):
        where = f"substitutes: row {i + 1}"
        if s.symbol not in held:
            raise InputError(f"{where} names {s.symbol!r}, which no account holds; fix the symbol or delete the row.")
        if not s.replacement or s.replacement == s.symbol:
            raise InputError(f"{where} ({s.symbol}) needs a replacement other than itself.")
        if s.symbol in out:
            raise InputError(f"{where} gives {s.symbol} a second replacement; keep one.")
        price = listed_price.get(s.replacement, s.price)
        if not price > 0:
            raise InputError(f"{where}: {s.replacement} is listed in no account, so its price is needed; "
                             "add a price > 0.")
        out[s.symbol] = s.replacement
        prices[s.replacement] = price
    return out, prices


def _add_replacements(rows, names, types, replacement, replacement_price):
    """Replacements join every taxable account that holds the original and does not list them."""
    extra = []
    listed = {(h.account, h.symbol) for h in rows}
    for h in rows:
        r = replacement.get(h.symbol)
        if r and h.shares > 0 and types[names.index(h.account)] == TAXABLE and (h.account, r) not in listed:
            listed.add((h.account, r))
            extra.append(Holding(h.account, r, 0.0, replacement_price[r], h.asset_class or h.symbol))
    return extra


def _tax_rates(tax_rates) -> TaxRates:
    if isinstance(tax_rates, dict):
        tax_rates = TaxRates(**{k: tax_rates[k] for k in tax_rates})
    try:
        st, lt, state = TaxRates(*tax_rates)
    except TypeError:
        raise InputError("tax_rates: expected TaxRates(short_term, long_term, state), e.g. (0.35, 0.15, 0.05).") \
            from None
    st = as_rate(st, "tax_rates.short_term")
    lt = as_rate(lt, "tax_rates.long_term")
    state = as_rate(state, "tax_rates.state")
    if max(st, lt) + state >= 1.0:
        raise InputError(f"tax_rates: federal {max(st, lt):g} + state {state:g} leaves nothing (must be below 1); "
                         "check the rates.")
    return TaxRates(st, lt, state)


def _lots(lot_rows, rows, pos_index, taxable_pos, as_of):
    """Per lot: position (-1 in a sheltered account), shares, basis, acquisition date."""
    pos, shares, basis, acquired = [], [], [], []
    for i, lot in enumerate(lot_rows):
        where = f"lots: row {i + 1} ({lot.account} {lot.symbol})"
        p = pos_index.get((lot.account, lot.symbol))
        if p is None:
            raise InputError(f"{where} matches no holding; add the holding or fix the account and symbol.")
        if not lot.shares > 0:
            raise InputError(f"{where} has {lot.shares:g} shares; a lot holds > 0 shares.")
        if lot.cost_basis < 0:
            raise InputError(f"{where} has cost basis {lot.cost_basis:,.2f}; enter the lot's total cost (>= 0).")
        if lot.acquired > as_of:
            raise InputError(f"{where} was acquired {lot.acquired.isoformat()}, after as_of {as_of.isoformat()}; "
                             "check the date.")
        pos.append(p if taxable_pos[p] else -1)
        shares.append(lot.shares)
        basis.append(lot.cost_basis)
        acquired.append(lot.acquired)
    pos = np.array(pos, np.int64)
    shares = np.array(shares, dtype=float)
    held = np.bincount(pos[pos >= 0], weights=shares[pos >= 0], minlength=len(rows))
    for p, h in enumerate(rows):
        if taxable_pos[p] and abs(held[p] - h.shares) > max(1e-6, LOT_SHARES_RTOL * h.shares):
            if held[p] == 0:
                raise InputError(f"lots: none for {h.symbol} in {h.account!r} (holdings row {p + 1}, {h.shares:g} "
                                 "shares); a taxable holding needs its tax lots (shares, cost basis, date).")
            raise InputError(f"lots: {h.symbol} in {h.account!r} adds up to {held[p]:g} shares but holdings row "
                             f"{p + 1} has {h.shares:g}; fix the lots or the holding.")
    return pos, shares, np.array(basis, dtype=float), acquired


def _purchases_and_loss_sales(recent_trades, lot_rows_info, names, as_of):
    """Purchases in the wash-sale window by symbol, and recent loss sales by symbol (account, date)."""
    start = as_of - dt.timedelta(days=WASH_SALE_DAYS)
    bought: dict[str, list] = {}
    sold_at_loss: dict[str, tuple] = {}
    for k, (account, symbol, acquired) in enumerate(lot_rows_info):
        if acquired >= start:
            bought.setdefault(symbol, []).append((account, acquired, k))
    for i, t in enumerate(read_rows(recent_trades, RecentTrade, "recent_trades")):
        where = f"recent_trades: row {i + 1} ({t.account} {t.symbol})"
        if t.account not in names:
            raise InputError(f"{where}: account not in accounts; add it or fix the name.")
        if t.date > as_of:
            raise InputError(f"{where} is dated {t.date.isoformat()}, after as_of {as_of.isoformat()}; check the "
                             "date.")
        if t.date < start:
            continue
        if t.shares > 0:
            bought.setdefault(t.symbol, []).append((t.account, t.date, -1))
        elif t.shares < 0 and t.gain < 0:
            sold_at_loss.setdefault(t.symbol, (t.account, t.date))
    return bought, sold_at_loss


def _costs(costs) -> tuple[float, float]:
    if isinstance(costs, dict):
        costs = Costs(**costs)
    try:
        bps, fee = Costs(*costs)
    except TypeError:
        raise InputError("costs: expected Costs(bps, per_trade), e.g. Costs(5, 4.95) for 5 bp and $4.95 a trade.") \
            from None
    return as_scalar(bps, "costs.bps", low=0.0, high=1e4), as_scalar(fee, "costs.per_trade", low=0.0)


def _wash_sale_rule(lot_rows, loss, rows, recent_trades, names, as_of):
    """Per lot, the purchase that makes its loss a wash sale; per position, the loss sale that blocks buying."""
    info = [(lot.account, lot.symbol, lot.acquired) for lot in lot_rows]
    bought, sold_at_loss = _purchases_and_loss_sales(recent_trades, info, names, as_of) if as_of else ({}, {})
    wash_before = []
    for k, (_, symbol, _) in enumerate(info):
        others = [(a, d) for a, d, j in bought.get(symbol, []) if j != k]
        wash_before.append(max(others, key=lambda x: x[1]) if loss[k] and others else None)
    return wash_before, [sold_at_loss.get(h.symbol) for h in rows]


def build_problem(holdings, targets, *, accounts, lots, as_of, tax_rates, costs, band, relative_band, mode,
                  cash_flows, max_turnover, drift_penalty, lot_method, whole_shares, harvest_threshold,
                  substitutes, recent_trades) -> Problem:
    """Check every input and return the household as arrays (see :class:`Problem`)."""
    names, types, cash, flows = _accounts(accounts, cash_flows)
    rows = _holdings(holdings, names)
    harvest = harvest_threshold is not None
    threshold = as_scalar(harvest_threshold, "harvest_threshold", low=0.0, high=1.0) if harvest else np.inf
    replacement, replacement_price = _substitutes(substitutes, rows, names)
    n_listed = len(rows)
    if harvest:
        rows = rows + _add_replacements(rows, names, types, replacement, replacement_price)
    else:
        replacement = {}
    group_of_rows = [h.asset_class or h.symbol for h in rows]
    group_names, target = _groups(targets, group_of_rows)
    pos_group = np.array([group_names.index(g) for g in group_of_rows], np.int64)
    pos_account = np.array([names.index(h.account) for h in rows], np.int64)
    price = np.array([h.price for h in rows])
    shares = np.array([h.shares for h in rows])
    can_sell = np.array([not h.no_sell for h in rows]) & (shares > 0)
    can_buy = np.array([not h.no_buy for h in rows])
    taxable_pos = types[pos_account] == TAXABLE

    lot_rows = read_rows(lots, Lot, "lots")
    taxable_held = bool(np.any(taxable_pos & (shares > 0)))
    if (lot_rows or recent_trades is not None or taxable_held) and as_of is None:
        raise InputError("as_of: the trade date is needed for holding periods and the wash-sale window; give "
                         "as_of='YYYY-MM-DD'.")
    as_of = as_date(as_of, "as_of") if as_of is not None else None
    pos_index = {(h.account, h.symbol): p for p, h in enumerate(rows)}
    lot_pos, lot_shares, lot_basis, lot_acquired = _lots(lot_rows, rows, pos_index, taxable_pos, as_of)
    if taxable_held and tax_rates is None:
        raise InputError("tax_rates: the household has a taxable account; give TaxRates(short_term, long_term, "
                         "state) (zeros to ignore tax).")
    rates = _tax_rates(tax_rates) if tax_rates is not None else TaxRates(0.0, 0.0, 0.0)
    lot_long = np.array([_is_long_term(d, as_of) for d in lot_acquired], dtype=bool)
    lot_price = price[np.maximum(lot_pos, 0)] if lot_pos.size else np.zeros(0)
    loss = (lot_pos >= 0) & (lot_price * lot_shares < lot_basis)
    lot_candidate = loss & (lot_basis - lot_price * lot_shares >= threshold * lot_basis)
    lot_wash_before, buy_blocked_by = _wash_sale_rule(lot_rows, loss, rows, recent_trades, names, as_of)
    can_buy &= np.array([b is None for b in buy_blocked_by], dtype=bool)

    bps, fee = _costs(costs)
    turnover = np.nan if max_turnover is None else as_scalar(max_turnover, "max_turnover", low=0.0)
    kappa = as_scalar(drift_penalty, "drift_penalty", low=0.0, low_inclusive=False)
    hifo = check_choice(lot_method, "lot_method", LOT_METHODS) == "hifo"
    value = price * shares
    total = float(value.sum() + cash.sum() + flows.sum())
    if total <= 0:
        raise InputError(f"holdings: the household is worth {total:,.2f} after the cash flows; nothing to "
                         "rebalance (check shares, prices and withdrawals).")
    band_abs, band_rel, has_band, to_band = _bands(band, relative_band, mode, group_names)
    width = np.minimum(band_abs, band_rel * target) if band_rel >= 0 else band_abs
    drift = np.bincount(pos_group, weights=value, minlength=len(group_names)) / total - target
    triggered = (not has_band) or bool(np.any(np.abs(drift) > width + 1e-12))
    _check_withdrawals(names, cash + flows, pos_account, value, shares, price, can_sell, bps, fee, bool(whole_shares))
    return Problem(
        names, types, cash, flows, pos_account, [h.symbol for h in rows], pos_group, price, shares, can_sell,
        can_buy, np.where(np.arange(len(rows)) < n_listed, np.arange(len(rows)), -1), buy_blocked_by, group_names,
        target, width, triggered, to_band, lot_pos, lot_shares, lot_basis, lot_acquired, lot_long,
        np.where(lot_long, rates.long_term, rates.short_term), np.full(lot_long.size, rates.state), lot_candidate,
        lot_wash_before, replacement, total, kappa, bps, fee, turnover, bool(whole_shares), hifo, harvest, as_of)


def _check_withdrawals(names, available, pos_account, value, shares, price, can_sell, bps, fee, whole):
    """Each account's withdrawal must be coverable by what it may sell (after costs)."""
    sell_value = np.where(can_sell, np.floor(shares + 1e-9) * price if whole else value, 0.0)
    raise_max = np.bincount(pos_account, weights=sell_value * (1 - bps / 1e4), minlength=len(names))
    raise_max -= fee * np.bincount(pos_account, weights=(sell_value > 0).astype(float), minlength=len(names))
    for a, name in enumerate(names):
        need = -available[a]
        if need > 0 and need > raise_max[a] + 1e-9 * max(1.0, need):
            raise InfeasibleError(f"cash_flows: {name!r} must raise {need:,.2f} but can sell only "
                                  f"{max(raise_max[a], 0):,.2f} (no_sell holdings excluded, after costs); withdraw "
                                  "less or allow sales.")
