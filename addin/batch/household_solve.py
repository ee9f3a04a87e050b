"""Rebalance a chunk of households with :func:`kernels.rebalance_household` (in this process or a worker's).

:func:`solve_chunk` builds each household's rows (:class:`kernels.Account`, :class:`kernels.Holding`,
...) from a :class:`~addin.batch.household_book.Chunk`, calls the kernel, and returns the output rows
of the chunk as NumPy columns (trades by position, lots sold, accounts, one summary row per
household) and the households the kernel refused, with its message. Nothing here reads or writes a
file; a worker process gets each chunk with the book-wide settings (:func:`solve_task`).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import NamedTuple

import numpy as np

TRADE_COLUMNS = ("household", "account", "symbol", "asset_class", "price", "shares_before", "trade_shares",
                 "trade_value", "shares_after", "value_after", "cost", "realized_gain", "tax", "note")
LOT_COLUMNS = ("household", "account", "symbol", "acquired", "term", "shares_sold", "proceeds", "basis_sold", "gain",
               "tax", "harvest_candidate", "replacement", "wash_sale")
ACCOUNT_COLUMNS = ("household", "account", "type", "cash_before", "cash_flow", "cash_after", "value_before",
                   "value_after", "bought", "sold", "costs", "realized_gain", "tax")
SUMMARY_COLUMNS = ("household", "status", "proven_optimal", "gap_amount", "short_term_gain", "long_term_gain",
                   "federal_tax", "state_tax", "tax", "harvested_loss", "tax_saved", "costs", "turnover",
                   "max_drift_before", "max_drift_after", "objective", "wash_sales", "programmes", "message")
#: Output columns that are text (the rest are numbers, or flags where named in :data:`FLAGS`).
TEXT = {"household", "account", "symbol", "asset_class", "note", "acquired", "term", "replacement", "wash_sale",
        "type", "status", "message"}
FLAGS = {"harvest_candidate", "proven_optimal"}


class Options(NamedTuple):
    """Settings of a household run that are the same for every household (the command line's)."""

    band: float | None = None
    relative_band: float | None = None
    mode: str = "to_target"
    costs_bps: float = 0.0
    fee: float = 0.0
    lot_method: str = "min_tax"
    whole_shares: bool = False
    mip_gap: float = 1e-4
    time_limit: float = 10.0
    drift_penalty: float | None = None
    max_turnover: float | None = None
    harvest_threshold: float | None = None


class Shared(NamedTuple):
    """What every chunk needs: the options, the models and the substitutes (sent to a worker once)."""

    options: Options
    models: dict  # model -> list of (asset_class, target)
    substitutes: list  # (symbol, replacement, price)


class ChunkResult(NamedTuple):
    ids: np.ndarray  # the chunk's households
    trades: dict  # column -> array
    lots: dict
    accounts: dict
    summary: dict
    refused: list  # (household, exception class name, message, substitute rows given)
    ok: np.ndarray  # bool per household of the chunk
    statuses: dict  # status -> count
    cpu: float  # CPU seconds of the worker on this chunk


def warm_worker() -> None:
    """Load the kernel and SciPy's HiGHS in a worker process (a second), while the command reads the files."""
    import scipy.optimize  # noqa: F401

    import kernels  # noqa: F401


def solve_task(task: tuple) -> ChunkResult:
    """:func:`solve_chunk` of a ``(chunk, shared)`` pair: what a worker process runs."""
    return solve_chunk(*task)


def _date(ordinal: int) -> dt.date:
    return dt.date.fromordinal(int(ordinal))


def _sub_rows(subs, symbols: set) -> tuple[list, list[int]]:
    """The substitutes of the symbols a household lists (a replacement for anything else is refused by the kernel)."""
    from kernels import Substitute

    rows, which = [], []
    for k, (symbol, replacement, price) in enumerate(subs):
        if symbol in symbols:
            rows.append(Substitute(symbol, replacement, price))
            which.append(k)
    return rows, which


def solve_chunk(chunk, shared: Shared) -> ChunkResult:
    """Rebalance every household of ``chunk``; see the module docstring."""
    from kernels import (
        Account,
        Costs,
        Holding,
        Lot,
        PortfolioError,
        RecentTrade,
        TaxRates,
        rebalance_household,
    )

    cpu0 = time.process_time()
    opt = shared.options
    out = {name: {c: [] for c in cols} for name, cols in (("trades", TRADE_COLUMNS), ("lots", LOT_COLUMNS),
                                                           ("accounts", ACCOUNT_COLUMNS), ("summary", SUMMARY_COLUMNS))}
    refused, ok, statuses = [], np.zeros(chunk.ids.size, bool), {}
    hold, h_off = chunk.tables["holdings"]
    acc, a_off = chunk.tables["accounts"]
    lots, l_off = chunk.tables.get("lots", (None, None))
    recent, r_off = chunk.tables.get("recent", (None, None))
    s = chunk.settings
    costs = Costs(opt.costs_bps, opt.fee)
    for j, h in enumerate(chunk.ids.tolist()):
        a0, a1 = a_off[j], a_off[j + 1]
        accounts = [Account(n, t, c) for n, t, c in zip(acc["account"][a0:a1], acc["type"][a0:a1],
                                                          np.nan_to_num(acc["cash"][a0:a1]).tolist())] \
            if "cash" in acc else [Account(n, t) for n, t in zip(acc["account"][a0:a1], acc["type"][a0:a1])]
        flows = {}
        if "cash_flow" in acc:
            for n, f in zip(acc["account"][a0:a1], np.nan_to_num(acc["cash_flow"][a0:a1]).tolist()):
                if f != 0.0:
                    flows[n] = f
        h0, h1 = h_off[j], h_off[j + 1]
        keep = slice(h0, h1)
        cls = hold["asset_class"][keep] if "asset_class" in hold else [""] * (h1 - h0)
        no_sell = hold["no_sell"][keep] if "no_sell" in hold else np.zeros(h1 - h0, bool)
        no_buy = hold["no_buy"][keep] if "no_buy" in hold else np.zeros(h1 - h0, bool)
        cash = hold["cash"][keep] if "cash" in hold else np.zeros(h1 - h0, bool)
        holdings = [Holding(a, sym, q, p, c, bool(ns), bool(nb)) for a, sym, q, p, c, ns, nb, is_cash in zip(
            hold["account"][keep], hold["symbol"][keep], hold["shares"][keep].tolist(), hold["price"][keep].tolist(),
            cls, no_sell, no_buy, cash) if not is_cash]
        lot_rows = []
        if lots is not None:
            l0, l1 = l_off[j], l_off[j + 1]
            lot_rows = [Lot(a, sym, q, b, _date(d)) for a, sym, q, b, d in zip(
                lots["account"][l0:l1], lots["symbol"][l0:l1], lots["shares"][l0:l1].tolist(),
                lots["cost_basis"][l0:l1].tolist(), lots["acquired"][l0:l1].tolist())]
        recent_rows = None
        if recent is not None and r_off[j + 1] > r_off[j]:
            r0, r1 = r_off[j], r_off[j + 1]
            gains = np.nan_to_num(recent["gain"][r0:r1]) if "gain" in recent else np.zeros(r1 - r0)
            recent_rows = [RecentTrade(a, sym, q, _date(d), g) for a, sym, q, d, g in zip(
                recent["account"][r0:r1], recent["symbol"][r0:r1], recent["shares"][r0:r1].tolist(),
                recent["date"][r0:r1].tolist(), gains.tolist())]
        subs, sub_which = _sub_rows(shared.substitutes, {x.symbol for x in holdings})
        targets = shared.models[s["model"][j]]
        extra = {name: float(s[name][j]) for name in ("max_turnover", "harvest_threshold") if np.isfinite(s[name][j])}
        penalty = float(s["drift_penalty"][j]) if np.isfinite(s["drift_penalty"][j]) else 1.0
        try:
            r = rebalance_household(
                holdings, targets, accounts=accounts, lots=lot_rows or None, as_of=_date(s["as_of"][j]),
                tax_rates=TaxRates(float(s["short_term"][j]), float(s["long_term"][j]), float(s["state"][j])),
                costs=costs, band=opt.band, relative_band=opt.relative_band, mode=opt.mode, cash_flows=flows or None,
                drift_penalty=penalty,
                lot_method=opt.lot_method, whole_shares=opt.whole_shares, substitutes=subs or None,
                recent_trades=recent_rows, mip_gap=opt.mip_gap, time_limit=opt.time_limit, **extra)
        except PortfolioError as exc:
            refused.append((h, type(exc).__name__, str(exc), sub_which))
            continue
        ok[j] = True
        statuses[r.status] = statuses.get(r.status, 0) + 1
        _collect(out, h, r)
    return ChunkResult(chunk.ids, *(_arrays(out[k]) for k in ("trades", "lots", "accounts", "summary")), refused, ok,
                       statuses, time.process_time() - cpu0)


def _collect(out: dict, h: int, r) -> None:
    """Append household ``h``'s result ``r`` to the chunk's output columns."""
    from kernels import HOUSEHOLD_STATUS_MESSAGES

    p = r.positions
    t = out["trades"]
    n = len(p.symbol)
    t["household"].append(np.full(n, h))
    for c, v in (("account", p.account), ("symbol", p.symbol), ("asset_class", p.asset_class)):
        t[c].append(np.array(v, object))
    for c, v in (("price", p.price), ("shares_before", p.shares_before), ("trade_shares", p.shares_traded),
                 ("trade_value", p.value_traded), ("shares_after", p.shares_after), ("value_after", p.value_after),
                 ("cost", p.cost), ("realized_gain", p.realized_gain), ("tax", p.tax)):
        t[c].append(v)
    t["note"].append(np.array(["replacement for harvesting" if added else (f"no buy: {b}" if b else "")
                               for added, b in zip(p.added, p.buy_blocked)], object))
    lots = r.lots
    sold = np.flatnonzero(lots.shares_sold > 0)
    lt = out["lots"]
    lt["household"].append(np.full(sold.size, h))
    for c, v in (("account", lots.account), ("symbol", lots.symbol), ("replacement", lots.replacement),
                 ("wash_sale", lots.wash_sale)):
        lt[c].append(np.array(v, object)[sold] if sold.size else np.zeros(0, object))
    lt["acquired"].append(np.array([lots.acquired[k].isoformat() for k in sold], object))
    lt["term"].append(np.where(lots.long_term[sold], "long", "short").astype(object))
    for c, v in (("shares_sold", lots.shares_sold), ("proceeds", lots.proceeds), ("basis_sold", lots.basis_sold),
                 ("gain", lots.gain), ("tax", lots.tax), ("harvest_candidate", lots.harvest_candidate)):
        lt[c].append(v[sold])
    a = r.accounts
    at = out["accounts"]
    at["household"].append(np.full(len(a.name), h))
    at["account"].append(np.array(a.name, object))
    at["type"].append(np.array(a.type, object))
    for c in ACCOUNT_COLUMNS[3:]:
        at[c].append(getattr(a, c))
    sm = out["summary"]
    sm["household"].append(np.full(1, h))
    sm["status"].append(np.array([r.status], object))
    sm["proven_optimal"].append(np.array([r.proven_optimal]))
    for c in ("gap_amount", "short_term_gain", "long_term_gain", "federal_tax", "state_tax", "tax", "harvested_loss",
              "tax_saved", "costs", "turnover", "max_drift_before", "max_drift_after", "objective"):
        sm[c].append(np.array([getattr(r, c)]))
    sm["wash_sales"].append(np.array([float(len(r.wash_sales))]))
    sm["programmes"].append(np.array([float(r.n_solves)]))
    sm["message"].append(np.array(["" if r.status == "optimal" else HOUSEHOLD_STATUS_MESSAGES[r.status]], object))


def _arrays(columns: dict) -> dict:
    out = {}
    for c, parts in columns.items():
        if parts:
            out[c] = np.concatenate(parts)
        else:
            out[c] = np.zeros(0, object if c in TEXT else (bool if c in FLAGS else (np.int64 if c == "household"
                                                                                     else float)))
    return out
