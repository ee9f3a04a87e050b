"""Lay a chunk of accounts out as the (accounts x holdings) tables :func:`kernels.rebalance_batch` takes.

Account ``a`` gets one column per security it holds or its model targets, sorted by symbol, then one
column for cash (the account's ``CASH`` row in the output); shorter accounts are padded with columns of
value 0 and target 0, which never trade. Most accounts hold exactly their model's securities, so their
columns are their model's columns; only accounts that hold something else ("extras") need their model's
columns shifted, which is done for them alone. No full sort of the book is needed.

A model with a ``CASH`` target keeps that share in cash: the cash column becomes a holding with that
target (price 1, lots of 0.01), holding the account's cash up to the target; cash above it is invested
as usual. It is never a security named CASH.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .checks import Holdings, Models

#: Price and lot size of the cash column when a model has a CASH target (trades in cents).
CASH_PRICE, CASH_LOT = 1.0, 0.01
#: Symbol code of the cash column and of padding in :attr:`Chunk.sym`.
CASH_CODE, PAD_CODE = -2, -1


class ModelArrays(NamedTuple):
    """The usable models coded against one sorted symbol list (a holdings file's)."""

    ptr: np.ndarray  # (n_models + 1,): model i's securities are entries ptr[i]:ptr[i + 1]
    sym: np.ndarray  # symbol codes, sorted within each model
    target: np.ndarray
    price: np.ndarray  # the models file's price, else the book's first price of the symbol, else NaN
    key: np.ndarray  # model * n_symbols + sym, sorted (for searchsorted)
    size: np.ndarray  # (n_models,)
    cash_target: np.ndarray  # (n_models,)
    dense_sym: np.ndarray  # (n_models, widest model), padded with PAD_CODE
    dense_target: np.ndarray
    dense_price: np.ndarray


class Chunk(NamedTuple):
    """Inputs of :func:`kernels.rebalance_batch` for accounts ``lo:hi`` and the map back to rows."""

    lo: int
    values: np.ndarray  # (n_accounts, n_columns)
    targets: np.ndarray
    prices: np.ndarray | None
    lots: np.ndarray | None
    locked: np.ndarray
    cash: np.ndarray  # (n_accounts,): the kernel's cash and cash_flow
    cash_flow: np.ndarray
    sym: np.ndarray  # (n_accounts, n_columns) symbol codes; CASH_CODE, PAD_CODE
    width: np.ndarray  # (n_accounts,) security columns; the cash column is at index width
    cash_in: np.ndarray  # (n_accounts,) cash + cash flow: the CASH row's value
    cash_target: np.ndarray


def code_models(models: Models, symbols: np.ndarray, fallback: dict[str, float]) -> ModelArrays:
    """Models as arrays over ``symbols`` (sorted names); prices the models file lacks from ``fallback``."""
    n_sym = symbols.size
    names = symbols.astype(str)
    size = np.array([s.size for s in models.symbols], np.int64)
    ptr = np.r_[0, np.cumsum(size)].astype(np.int64)
    if size.size:
        flat = np.concatenate(models.symbols).astype(str)
        sym = np.searchsorted(names, flat).astype(np.int64)
        target = np.concatenate(models.targets).astype(float)
        price = np.concatenate(models.prices).astype(float)
        missing = ~(price > 0)
        if missing.any():
            price[missing] = [fallback.get(s, np.nan) for s in flat[missing]]
    else:
        sym, target, price = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    model_of = np.repeat(np.arange(size.size), size)
    widest = int(size.max()) if size.size else 0
    q = np.arange(sym.size) - ptr[model_of]
    dense_sym = np.full((size.size, widest), PAD_CODE, np.int64)
    dense_target = np.zeros((size.size, widest))
    dense_price = np.zeros((size.size, widest))
    dense_sym[model_of, q], dense_target[model_of, q], dense_price[model_of, q] = sym, target, price
    return ModelArrays(ptr, sym, target, price, model_of * n_sym + sym, size, np.asarray(models.cash_target, float),
                       dense_sym, dense_target, np.nan_to_num(dense_price, nan=0.0))


def build_chunk(h: Holdings, ma: ModelArrays, lo: int, hi: int, whole: bool) -> Chunk:
    """The kernel's tables for accounts ``lo:hi`` of ``h``."""
    mc = hi - lo
    n_sym = h.symbols.size
    k = h.model[lo:hi]
    rs, re = int(h.start[lo]), int(h.start[hi])
    per_account = np.diff(h.start[lo:hi + 1])
    la = np.repeat(np.arange(mc), per_account)
    s = h.sym[rs:re].astype(np.int64)
    hkey = k[la] * n_sym + s
    pos = np.searchsorted(ma.key, hkey)
    in_model = (pos < ma.key.size) & (ma.key[np.minimum(pos, max(ma.key.size - 1, 0))] == hkey) if ma.key.size \
        else np.zeros(hkey.size, bool)
    p = pos - ma.ptr[k[la]]  # column within the model, or how many model securities sort before it
    extra = ~in_model
    n_extra = np.bincount(la[extra], minlength=mc)
    before = np.cumsum(extra) - extra
    group_start = (h.start[lo:hi] - rs)
    before = before - before[np.minimum(group_start, max(before.size - 1, 0))][la] if before.size else before
    slot = p + before
    width = ma.size[k] + n_extra
    n = int(width.max()) + 1 if mc else 1
    rows = np.arange(mc)

    cols = min(ma.dense_sym.shape[1], n)
    targets = np.zeros((mc, n))
    sym = np.full((mc, n), PAD_CODE, np.int64)
    prices = np.zeros((mc, n)) if whole else None
    targets[:, :cols] = ma.dense_target[k, :cols]
    sym[:, :cols] = ma.dense_sym[k, :cols]
    if whole:
        prices[:, :cols] = ma.dense_price[k, :cols]
    shifted = np.flatnonzero(n_extra > 0)
    if shifted.size:  # accounts holding securities outside their model: model columns move right
        targets[shifted] = 0.0
        sym[shifted] = PAD_CODE
        reps = ma.size[k[shifted]]
        ea = np.repeat(shifted, reps)
        q = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        src = ma.ptr[k[ea]] + q
        ekey = la[extra] * n_sym + s[extra]
        col = q + np.searchsorted(ekey, ea * n_sym + ma.sym[src]) - np.searchsorted(ekey, ea * n_sym)
        targets[ea, col] = ma.target[src]
        sym[ea, col] = ma.sym[src]
        if whole:
            prices[shifted] = 0.0
            prices[ea, col] = np.nan_to_num(ma.price[src], nan=0.0)
    values = np.zeros((mc, n))
    values[la, slot] = h.value[rs:re]
    sym[la, slot] = s
    locked = np.zeros((mc, n), bool)
    locked[la, slot] = h.locked[rs:re]
    lots = None
    if whole:
        prices[la, slot] = h.price[rs:re]
        lots = np.ones((mc, n))
        lots[la, slot] = h.lot[rs:re]

    cash, flow = h.cash[lo:hi], h.flow[lo:hi]
    tc = ma.cash_target[k]
    total = values.sum(axis=1) + cash + flow
    reserve = np.where(tc > 0, np.clip(np.minimum(cash + flow, tc * total), 0.0, None), 0.0)
    sym[rows, width] = CASH_CODE
    values[rows, width] = reserve
    targets[rows, width] = tc
    if whole:
        prices[rows, width] = CASH_PRICE
        lots[rows, width] = CASH_LOT
    c0 = cash + flow - reserve
    k_cash = np.where(tc > 0, np.maximum(c0, 0.0), cash)
    k_flow = np.where(tc > 0, np.minimum(c0, 0.0), flow)
    return Chunk(lo, values, targets, prices, lots, locked, k_cash, k_flow, sym, width, cash + flow, tc)
