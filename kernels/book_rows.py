"""A book rebalanced straight into the rows of its trades file (:func:`rebalance_book_rows`).

The book comes as compressed rows (each account's holdings, sorted by security code) and its models the
same way; each account is laid out, rebalanced by the kernel of :func:`kernels.rebalance_trades` and
written as rows in their final order, in one compiled pass parallel over accounts. Nothing is padded to
the widest account and nothing is gathered afterwards: that layout and gathering, in NumPy, cost the
book command more than the rebalancing itself (:mod:`addin.batch` uses this module).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from ._jit import jit, kernel_errstate, prange
from ._validate import as_scalar
from ._validate.holdings import check_bands
from .book_rebalance import CHUNK
from .errors import InputError
from .rebalance import _rebalance_one, check_mode

#: Decimals of the book's output columns (value, target, trade, shares, value_after, weight_after); -1: as
#: computed. Money to 1/100 of a cent, weights to 10 decimals.
ROW_DECIMALS = (4, -1, 4, 6, 4, 10)
#: ``status`` of an account (inside the kernel only) whose model targets a security without a price (whole shares).
NO_PRICE = -1
#: Price and lot size of the cash column when a model has a cash target (trades in cents).
CASH_PRICE, CASH_LOT = 1.0, 0.01


class BookHoldings(NamedTuple):
    """A book's holdings, account by account (compressed rows).

    Account ``a`` holds entries ``start[a]:start[a + 1]`` of ``symbol``, ``value``, ``price``, ``lot_size``,
    ``locked``, sorted by ``symbol`` (codes into one list of securities).

    Attributes
    ----------
    start : ndarray of shape (n_accounts + 1,), int
    symbol : ndarray of shape (n_held,), int
    value : ndarray of shape (n_held,)
        Market values, >= 0.
    price, lot_size : ndarray of shape (n_held,)
        Price per share and lot size (used with whole shares only; pass empty arrays otherwise).
    locked : ndarray of shape (n_held,), bool
    model : ndarray of shape (n_accounts,), int
        The account's model (a row of :class:`BookModels`).
    cash, cash_flow : ndarray of shape (n_accounts,)
        Uninvested cash and the deposit (> 0) or withdrawal (< 0).
    """

    start: NDArray[np.int64]
    symbol: NDArray[np.int32]
    value: NDArray[np.float64]
    price: NDArray[np.float64]
    lot_size: NDArray[np.float64]
    locked: NDArray[np.bool_]
    model: NDArray[np.int64]
    cash: NDArray[np.float64]
    cash_flow: NDArray[np.float64]


class BookModels(NamedTuple):
    """Model portfolios: model ``k`` targets entries ``start[k]:start[k + 1]`` (sorted by ``symbol``).

    ``price`` (NaN or 0: none) is used for a security an account does not hold (whole shares);
    ``cash_target`` (per model) is a share kept in cash.
    """

    start: NDArray[np.int64]
    symbol: NDArray[np.int64]
    target: NDArray[np.float64]
    price: NDArray[np.float64]
    cash_target: NDArray[np.float64]


class BookRows(NamedTuple):
    """Trades of accounts ``lo:hi`` of a book as rows, in their final order.

    Each account rebalanced gets one row per security it holds or its model targets (sorted by symbol
    code) and one cash row last; an account whose ``status`` is not 0 gets none.

    Attributes
    ----------
    account : ndarray of shape (n_rows,), int64
        Account index in the book.
    symbol : ndarray of shape (n_rows,), int64
        Security code; ``cash_code`` on the cash row.
    numbers : ndarray of shape (6, n_rows)
        ``value, target, trade, shares, value_after, weight_after`` (rounded to :data:`ROW_DECIMALS`). The
        cash row: value = cash + cash flow, target = the model's cash target, trade = minus the securities'
        trades, shares NaN, value_after = cash left.
    status : ndarray of shape (n_accounts,), int8
        As :attr:`BatchRebalanceResult.status`.
    turnover : ndarray of shape (n_accounts,)
    triggered : ndarray of shape (n_accounts,), bool
    n_traded : ndarray of shape (n_accounts,), int64
        Securities traded.
    bought, sold : ndarray of shape (n_accounts,)
        Sum of the buys and of the sales (> 0).
    """

    account: NDArray[np.int64]
    symbol: NDArray[np.int64]
    numbers: NDArray[np.float64]
    status: NDArray[np.int8]
    turnover: NDArray[np.float64]
    triggered: NDArray[np.bool_]
    n_traded: NDArray[np.int64]
    bought: NDArray[np.float64]
    sold: NDArray[np.float64]


@jit
def _n_columns(h_start, h_sym, m_start, m_sym, model, lo, hi, width):
    """Columns (securities) of each account ``lo:hi``: its model's and its holdings', merged."""
    for a in range(lo, hi):
        k = model[a]
        i, i_end = h_start[a], h_start[a + 1]
        j, j_end = m_start[k], m_start[k + 1]
        n = 0
        while i < i_end or j < j_end:
            if j >= j_end or (i < i_end and h_sym[i] < m_sym[j]):
                i += 1
            elif i >= i_end or m_sym[j] < h_sym[i]:
                j += 1
            else:
                i += 1
                j += 1
            n += 1
        width[a - lo] = n


@jit
def _round_to(x, p):
    """``x`` rounded as NumPy's ``round`` rounds (``rint(x * p) / p``), never -0.0."""
    return np.rint(x * p) / p + 0.0


@jit(parallel=True)
def _book_rows(h_start, h_sym, h_value, h_price, h_lot, h_locked, model, cash, cash_flow,
               m_start, m_sym, m_target, m_price, m_cash, lo, hi, width, row_at,
               band_abs, band_rel, has_band, to_band, min_trade, whole, allow_sells, cash_code, scale,
               account, symbol, numbers, status, turnover, triggered, n_traded, bought, sold, chunk):
    """Lay out, rebalance and write the rows of accounts ``lo:hi`` (see :func:`rebalance_book_rows`)."""
    n_acc = hi - lo
    widest = 1
    for r in range(n_acc):
        widest = max(widest, width[r] + 1)
    n_chunks = (n_acc + chunk - 1) // chunk
    for c in prange(n_chunks):
        vals = np.empty(widest)
        tgts = np.empty(widest)
        lotv = np.ones(widest)
        lots = np.ones(widest)
        lock = np.zeros(widest, np.bool_)
        syms = np.empty(widest, np.int64)
        band = np.full(widest, band_abs)
        trades = np.empty(widest)
        k_lots = np.empty(widest)
        post = np.empty(widest)
        weights = np.empty(widest)
        fixed = np.empty(widest, np.bool_)
        prev = np.empty(widest)
        tau = np.empty(widest)
        gaps = np.empty(widest)
        idx = np.empty(widest, np.int64)
        for r in range(c * chunk, min(n_acc, (c + 1) * chunk)):
            a = lo + r
            k = model[a]
            i, i_end = h_start[a], h_start[a + 1]
            j, j_end = m_start[k], m_start[k + 1]
            n = 0
            no_price = False
            while i < i_end or j < j_end:  # the union of the model's and the account's securities, sorted
                held = j >= j_end or (i < i_end and h_sym[i] <= m_sym[j])
                targeted = i >= i_end or (j < j_end and m_sym[j] <= h_sym[i])
                syms[n] = h_sym[i] if held else m_sym[j]
                vals[n] = h_value[i] if held else 0.0
                tgts[n] = m_target[j] if targeted else 0.0
                lock[n] = h_locked[i] if held else False
                if whole:
                    p = h_price[i] if held else m_price[j]
                    lots[n] = h_lot[i] if held else 1.0
                    lotv[n] = p * lots[n]
                    if not (lotv[n] > 0.0):
                        if tgts[n] > 0.0:
                            no_price = True  # a security to buy without a price
                        lotv[n] = 1.0  # a column no one holds or targets: never traded
                if held:
                    i += 1
                if targeted:
                    j += 1
                n += 1
            w = n
            if no_price:
                status[r] = NO_PRICE
                turnover[r] = 0.0
                triggered[r] = False
                n_traded[r] = 0
                bought[r] = 0.0
                sold[r] = 0.0
                continue
            invested = 0.0
            for q in range(w):
                invested += vals[q]
            tc = m_cash[k]
            flow_in = cash[a] + cash_flow[a]
            reserve = 0.0
            if tc > 0.0:
                reserve = max(min(flow_in, tc * (invested + flow_in)), 0.0)
            vals[w] = reserve
            tgts[w] = tc
            lock[w] = False
            syms[w] = cash_code
            lots[w] = CASH_LOT
            lotv[w] = CASH_PRICE * CASH_LOT
            c0 = flow_in - reserve
            k_cash = max(c0, 0.0) if tc > 0.0 else cash[a]
            k_flow = min(c0, 0.0) if tc > 0.0 else cash_flow[a]
            res = _rebalance_one(vals[:w + 1], tgts[:w + 1], k_cash, k_flow, band[:w + 1], band_rel, has_band,
                                 to_band, min_trade, lotv[:w + 1], whole, allow_sells, lock[:w + 1],
                                 trades[:w + 1], k_lots[:w + 1], post[:w + 1], weights[:w + 1], fixed[:w + 1],
                                 prev[:w + 1], tau[:w + 1], gaps[:w + 1], idx[:w + 1])
            status[r] = res.status
            turnover[r] = res.turnover
            triggered[r] = res.triggered
            if res.status != 0:
                n_traded[r] = 0
                bought[r] = 0.0
                sold[r] = 0.0
                continue
            out = row_at[r]
            spent = 0.0
            buys = 0.0
            sales = 0.0
            count = 0
            end_total = res.cash_left
            for q in range(w + 1):
                end_total += post[q]
            for q in range(w):
                t = trades[q]
                spent += t
                if t > 0.0:
                    buys += t
                elif t < 0.0:
                    sales -= t
                if t != 0.0:
                    count += 1
                account[out + q] = a
                symbol[out + q] = syms[q]
                numbers[0, out + q] = _round_to(vals[q], scale[0])
                numbers[1, out + q] = tgts[q]
                numbers[2, out + q] = _round_to(t, scale[2])
                numbers[3, out + q] = _round_to(k_lots[q] * lots[q], scale[3]) if whole else np.nan
                numbers[4, out + q] = _round_to(post[q], scale[4])
                numbers[5, out + q] = _round_to(weights[q], scale[5])
            cash_after = post[w] + res.cash_left
            e = out + w
            account[e] = a
            symbol[e] = cash_code
            numbers[0, e] = _round_to(flow_in, scale[0])
            numbers[1, e] = tc
            numbers[2, e] = _round_to(0.0 - spent, scale[2])
            numbers[3, e] = np.nan
            numbers[4, e] = _round_to(cash_after, scale[4])
            numbers[5, e] = _round_to(cash_after / end_total if end_total > 0.0 else 0.0, scale[5])
            n_traded[r] = count
            bought[r] = buys
            sold[r] = sales
    return status


def rebalance_book_rows(
    holdings: BookHoldings,
    models: BookModels,
    lo: int,
    hi: int,
    *,
    band: float | None = None,
    relative_band: float | None = None,
    mode: str = "to_target",
    min_trade: float = 0.0,
    whole: bool = False,
    allow_sells: bool = True,
    cash_code: int = -1,
) -> BookRows:
    """Rebalance accounts ``lo:hi`` of a book and lay their trades out as rows, in one compiled parallel call.

    Each account is rebalanced by the kernel of :func:`rebalance_trades` on the union of its model's and
    its own securities (sorted by code) and a cash column; the rows come out in that order, the cash row
    last, rounded to :data:`ROW_DECIMALS` (no padding, no gathering afterwards). A model's ``cash_target``
    makes the cash column a holding with that target (price 1, lots of 0.01) holding the account's cash up
    to the target.

    Parameters
    ----------
    holdings : BookHoldings
    models : BookModels
    lo, hi : int
        The accounts done (a chunk of the book).
    band, relative_band, mode, min_trade, allow_sells
        As in :func:`rebalance_trades`, the same for all accounts.
    whole : bool
        Whole lots (``holdings.price`` and ``lot_size`` used, ``models.price`` for securities not held).
    cash_code : int
        The ``symbol`` code written on the cash rows.

    Returns
    -------
    BookRows

    Raises
    ------
    InputError
        A negative or non-finite value, cash or target, or a missing price with ``whole``: the message
        names the account (counted from 1).

    Examples
    --------
    >>> h = BookHoldings(np.array([0, 2]), np.array([0, 1]), np.array([66_000.0, 41_200.0]), np.zeros(0),
    ...                  np.zeros(0), np.zeros(2, bool), np.array([0]), np.zeros(1), np.zeros(1))
    >>> m = BookModels(np.array([0, 2]), np.array([0, 1]), np.array([0.6, 0.4]), np.zeros(2), np.zeros(1))
    >>> rebalance_book_rows(h, m, 0, 1, cash_code=2).numbers[2].tolist()
    [-1680.0, 1680.0, 0.0]
    """
    h, mo = holdings, models
    _check_rows(h, mo, lo, hi, whole)
    band_abs, band_rel, has_band = check_bands(band, relative_band, 1)
    to_band = check_mode(mode, has_band)
    mt = as_scalar(min_trade, "min_trade", low=0.0)
    n_acc = max(hi - lo, 0)
    width = np.empty(n_acc, np.int64)
    _n_columns(h.start, h.symbol, mo.start, mo.symbol, h.model, lo, hi, width)
    row_at = np.zeros(n_acc + 1, np.int64)
    np.cumsum(width + 1, out=row_at[1:])
    n_rows = int(row_at[-1])
    account = np.empty(n_rows, np.int64)
    symbol = np.empty(n_rows, np.int64)
    numbers = np.empty((6, n_rows))
    status = np.empty(n_acc, np.int8)
    turnover, bought, sold = np.empty(n_acc), np.empty(n_acc), np.empty(n_acc)
    triggered = np.empty(n_acc, np.bool_)
    n_traded = np.empty(n_acc, np.int64)
    scale = np.array([10.0 ** d if d >= 0 else 1.0 for d in ROW_DECIMALS])
    price = h.price if whole else np.zeros(1)
    lots = h.lot_size if whole else np.ones(1)
    with kernel_errstate():
        _book_rows(h.start, h.symbol, h.value, price, lots, h.locked, h.model, h.cash, h.cash_flow,
                   mo.start, mo.symbol, mo.target, mo.price, mo.cash_target, lo, hi, width, row_at,
                   float(band_abs[0]), band_rel, has_band, to_band, mt, bool(whole), bool(allow_sells), cash_code,
                   scale, account, symbol, numbers, status, turnover, triggered, n_traded, bought, sold, CHUNK)
    if (status == NO_PRICE).any():
        a = lo + int(np.flatnonzero(status == NO_PRICE)[0])
        raise InputError(f"prices: account {a + 1} targets a security it does not hold and its model gives no price "
                         "for it; give the model a price.")
    if (status != 0).any():  # accounts not rebalanced: no rows
        keep = np.repeat(status == 0, width + 1)
        account, symbol, numbers = account[keep], symbol[keep], numbers[:, keep]
    return BookRows(account, symbol, numbers, status, turnover, triggered, n_traded, bought, sold)


def _check_rows(h: BookHoldings, mo: BookModels, lo: int, hi: int, whole: bool) -> None:
    """What the kernel relies on, for accounts ``lo:hi`` (InputError naming the first bad account)."""
    rs, re = int(h.start[lo]), int(h.start[hi])
    bad = ~(h.value[rs:re] >= 0.0) | ~np.isfinite(h.value[rs:re])
    if whole:
        bad |= ~(h.price[rs:re] > 0.0) | ~np.isfinite(h.price[rs:re]) | ~(h.lot_size[rs:re] > 0.0)
    if bad.any():
        row = rs + int(np.flatnonzero(bad)[0])
        a = int(np.searchsorted(h.start, row, side="right")) - 1
        raise InputError(f"holdings: account {a + 1} has a negative, blank or non-finite value, price or lot size.")
    c, f = h.cash[lo:hi], h.cash_flow[lo:hi]
    bad_acc = ~(c >= 0.0) | ~np.isfinite(c) | ~np.isfinite(f)
    if bad_acc.any():
        a = lo + int(np.flatnonzero(bad_acc)[0])
        raise InputError(f"cash: account {a + 1} has negative or non-finite cash or cash flow.")
    if not (np.all(mo.target >= 0.0) and np.all(np.isfinite(mo.target))):
        raise InputError("targets: a model has a negative or non-finite target.")
