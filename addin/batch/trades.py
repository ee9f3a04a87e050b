"""Run :func:`kernels.rebalance_batch` on a chunk and turn its result into rows of the trades file.

Output columns, one row per security of each account and one ``CASH`` row per account last:
``account, symbol, value, target, trade, shares, value_after, weight_after``. The CASH row's value is
cash plus the cash flow, its trade what the security trades take out of or put into cash (so each
account's trades sum to 0), its value_after the cash left.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .checks import Holdings
from .layout import CASH_CODE, Chunk, ModelArrays
from .problems import RowError
from .schema import CASH_SYMBOL

COLUMNS = ("account", "symbol", "value", "target", "trade", "shares", "value_after", "weight_after")
#: Decimals written: money to 1/100 of a cent, weights to 10 decimals (exact enough, and faster to write).
DECIMALS = {"value": 4, "trade": 4, "value_after": 4, "weight_after": 10, "shares": 6}


class Options(NamedTuple):
    band: float | None = None
    relative_band: float | None = None
    mode: str = "to_target"
    min_trade: float = 0.0
    whole: bool = False
    allow_sells: bool = True


class ChunkTrades(NamedTuple):
    """Rows of the trades file for one chunk (NumPy columns) and what the summary counts."""

    account: np.ndarray  # int64 index into the holdings' account names
    symbol: np.ndarray  # int64 index into symbols, -1 or len(symbols) for CASH
    numbers: dict | np.ndarray  # column -> float64 array, or the columns COLUMNS[2:] as rows of one array
    n_ok: int
    n_traded: int
    bought: float
    sold: float
    triggered: int
    turnover: np.ndarray  # per account rebalanced
    problems: list  # RowError for accounts the kernel could not rebalance


def _call(chunk: Chunk, opt: Options, rows=slice(None)):
    from kernels.book_rebalance import rebalance_batch

    return rebalance_batch(
        chunk.values[rows], chunk.targets[rows], cash=chunk.cash[rows], cash_flow=chunk.cash_flow[rows],
        band=opt.band, relative_band=opt.relative_band, mode=opt.mode, min_trade=opt.min_trade,
        prices=chunk.prices[rows] if opt.whole else None, lot_size=chunk.lots[rows] if opt.whole else 1,
        allow_sells=opt.allow_sells, locked=chunk.locked[rows],
    )


def rebalance_chunk(chunk: Chunk, opt: Options, names: np.ndarray, file: str) -> ChunkTrades:
    """Trades for the accounts of ``chunk``; ``names`` are the holdings' account names (for messages)."""
    # the kernels on first use, not at import (see runner.Prefetch)
    from kernels.errors import InputError
    from kernels.rebalance_status import STATUS_MESSAGES as REBALANCE_STATUS_MESSAGES

    mc, n = chunk.values.shape
    problems = []
    try:
        res = _call(chunk, opt)
        status = res.status
        out = res
    except InputError:  # should not happen after the checks; find the account(s) and keep the others
        parts, status = [], np.zeros(mc, np.int8)
        fields = None
        for r in range(mc):
            try:
                one = _call(chunk, opt, slice(r, r + 1))
            except InputError as exc:
                problems.append(RowError(file, 0, "", "", f"account {names[chunk.lo + r]}: {exc}".rstrip("."),
                                         names[chunk.lo + r]))
                status[r] = -1
                one = None
            parts.append(one)
        template = next((p for p in parts if p is not None), None)
        if template is None:
            return _empty(problems)
        fields = {f: np.concatenate([getattr(p if p is not None else template, f) for p in parts])
                  for f in template._fields}
        fields["status"] = status
        out = template._replace(**fields)
    for r in np.flatnonzero(status > 0):
        problems.append(RowError(file, 0, "cash_flow", "",
                                 f"account {names[chunk.lo + r]}: "
                                 f"{REBALANCE_STATUS_MESSAGES[int(status[r])].rstrip('.')}", names[chunk.lo + r]))
    ok = status == 0
    col = np.arange(n)
    security = col[None, :] < chunk.width[:, None]
    keep = (col[None, :] <= chunk.width[:, None]) & ok[:, None]
    flat = np.flatnonzero(keep.ravel())
    acct = flat // n
    done = np.flatnonzero(ok)
    cash_at = np.searchsorted(flat, done * n + chunk.width[done])  # the CASH row of each account rebalanced
    sec_trades = np.where(security, out.trades, 0.0)
    end_total = out.values.sum(axis=1) + out.cash
    cash_after = out.values[np.arange(mc), chunk.width] + out.cash
    cash_weight = np.divide(cash_after, end_total, out=np.zeros(mc), where=end_total > 0)

    def pick(matrix, cash_value):
        values = matrix.ravel()[flat]
        values[cash_at] = cash_value[done]
        return values

    numbers = {
        "value": pick(chunk.values, chunk.cash_in),
        "target": pick(chunk.targets, chunk.cash_target),
        "trade": pick(out.trades, 0.0 - sec_trades.sum(axis=1)),
        "shares": pick(out.shares, np.full(mc, np.nan)),
        "value_after": pick(out.values, cash_after),
        "weight_after": pick(out.weights, cash_weight),
    }
    for column, decimals in DECIMALS.items():
        values = numbers[column]
        np.round(values, decimals, out=values)
        values += 0.0  # no "-0.0" in the file
    symbol = chunk.sym.ravel()[flat]
    symbol[cash_at] = -1
    traded = sec_trades[ok]
    return ChunkTrades(
        account=chunk.lo + acct,
        symbol=symbol,
        numbers=numbers,
        n_ok=int(ok.sum()),
        n_traded=int(np.count_nonzero(traded)),
        bought=float(traded[traded > 0].sum()),
        sold=float(-traded[traded < 0].sum()),
        triggered=int(out.bands_triggered[ok].sum()),
        turnover=out.turnover[ok],
        problems=problems,
    )


def book_arrays(h: Holdings, ma: ModelArrays, whole: bool):
    """The book and its models as :func:`kernels.book_rows.rebalance_book_rows` takes them."""
    from kernels.book_rows import BookHoldings, BookModels

    empty = np.zeros(0)
    book = BookHoldings(h.start.astype(np.int64, copy=False), h.sym, h.value, h.price if whole else empty,
                        h.lot if whole else empty, h.locked, h.model.astype(np.int64, copy=False), h.cash, h.flow)
    return book, BookModels(ma.ptr, ma.sym, ma.target, ma.price, ma.cash_target)


def rebalance_rows(book, models, opt: Options, lo: int, hi: int, names: np.ndarray, file: str,
                   cash_code: int) -> ChunkTrades | None:
    """Trades for accounts ``lo:hi`` laid out, rebalanced and gathered in one compiled call; None when the
    kernel refuses an input (should not happen after the checks: the caller then takes the chunk path,
    which finds the account and keeps the others)."""
    from kernels.book_rows import rebalance_book_rows
    from kernels.errors import InputError
    from kernels.rebalance_status import STATUS_MESSAGES as REBALANCE_STATUS_MESSAGES

    try:
        out = rebalance_book_rows(book, models, lo, hi, band=opt.band, relative_band=opt.relative_band,
                                  mode=opt.mode, min_trade=opt.min_trade, whole=opt.whole,
                                  allow_sells=opt.allow_sells, cash_code=cash_code)
    except InputError:
        return None
    problems = [RowError(file, 0, "cash_flow", "", f"account {names[lo + r]}: "
                         f"{REBALANCE_STATUS_MESSAGES[int(out.status[r])].rstrip('.')}", names[lo + r])
                for r in np.flatnonzero(out.status > 0)]
    ok = out.status == 0
    return ChunkTrades(
        account=out.account,
        symbol=out.symbol,
        numbers=out.numbers,
        n_ok=int(ok.sum()),
        n_traded=int(out.n_traded.sum()),
        bought=float(out.bought.sum()),
        sold=float(out.sold.sum()),
        triggered=int(out.triggered[ok].sum()),
        turnover=out.turnover[ok],
        problems=problems,
    )


def _empty(problems) -> ChunkTrades:
    z = np.zeros(0)
    return ChunkTrades(np.zeros(0, np.int64), np.zeros(0, np.int64), {c: z for c in COLUMNS[2:]}, 0, 0, 0.0, 0.0, 0,
                       z, problems)


__all__ = ["CASH_CODE", "CASH_SYMBOL", "COLUMNS", "ChunkTrades", "Options", "book_arrays", "rebalance_chunk",
           "rebalance_rows"]
