"""The rules of the holdings and models files, applied to whole columns at once.

Each check is a boolean mask over the rows; a row is reported once, for the first rule it breaks, in
the order the rules are listed. A bad holdings row skips its account as a whole (trading an account
with a holding missing would trade on a wrong total); a bad models row skips its model, and so every
account that uses it. What is left is handed to :mod:`addin.batch.layout` as NumPy arrays.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .numbers import why_not_a_number
from .problems import RowError
from .reading import Numbers, Table
from .schema import CASH_SYMBOL, FLAG_WORDS


class Models(NamedTuple):
    """The usable models, each as its securities (sorted, CASH apart) and their targets and prices."""

    index: dict  # model name -> position in the lists below
    symbols: list  # ndarray of str per model, sorted
    targets: list  # ndarray of float per model
    prices: list  # ndarray of float per model (NaN: none given)
    cash_target: np.ndarray  # per model: the target of its CASH row (0 without one)
    bad: set  # names of models with bad rows
    file: str


class Holdings(NamedTuple):
    """The good accounts of a holdings file, in the order they first appear.

    The held securities of account ``a`` are entries ``start[a]:start[a + 1]`` of ``sym``, ``value``,
    ``price``, ``lot``, ``locked``, sorted by symbol; ``sym`` indexes ``symbols`` (sorted names of every
    security in the file and the models).
    """

    names: np.ndarray
    model: np.ndarray
    cash: np.ndarray
    flow: np.ndarray
    start: np.ndarray
    sym: np.ndarray
    value: np.ndarray
    price: np.ndarray | None  # only with whole shares
    lot: np.ndarray | None
    locked: np.ndarray
    symbols: np.ndarray


class Counts(NamedTuple):
    rows: int
    accounts: int
    bad_rows: int


def _blank_codes(values: np.ndarray) -> np.ndarray:
    """Which of a text column's distinct ``values`` (str) are blank (they are trimmed)."""
    return np.asarray(values == "", bool)


def _number_problem(col: str, num: Numbers, *, required: bool, low: float | None, strict_low: bool = False,
                    example: str = "", too_low: str = "") -> tuple[np.ndarray, callable]:
    """Mask of rows whose ``col`` is missing, bad or out of range, and the message for one such row."""
    v = num.values
    mask = num.bad.copy()
    if required:
        mask |= num.blank
    if low is not None:
        with np.errstate(invalid="ignore"):
            mask |= (v <= low) if strict_low else (v < low)

    def message(r: int) -> tuple[str, str]:
        if num.blank[r]:
            return "", f"{col} is blank; enter a number like {example or '100'}"
        if num.bad[r]:
            text = num.text(np.array([r]))[0]
            return text, f"{col} {text!r} {why_not_a_number(text)}"
        rule = too_low or ("must be > 0" if strict_low else "must be >= 0")
        return f"{v[r]:g}", f"{col} {v[r]:g} {rule}"

    return mask, message


# ---------------------------------------------------------------------------------------- models


def check_models(table: Table, whole: bool) -> tuple[Models, list[RowError]]:
    """The usable models of a models table and the problems found."""
    # the kernels on first use, not at import: the command imports them while it reads (runner.Prefetch)
    from kernels.rebalance import TARGET_SUM_ATOL

    model, symbol = table.text["model"], table.text["symbol"]
    target = table.numbers["target"]
    price = table.numbers.get("price")
    m_blank = _blank_codes(model.values)[model.codes]
    s_blank = _blank_codes(symbol.values)[symbol.codes]
    empty = m_blank & s_blank & target.blank & (price.blank if price is not None else True)
    sym_names = symbol.values.astype(str)
    is_cash_code = np.char.upper(sym_names) == CASH_SYMBOL if sym_names.size else np.zeros(0, bool)
    sym_key = np.where(is_cash_code, -1, np.arange(sym_names.size))[symbol.codes]
    checks = [
        (m_blank, lambda r: ("model", "", "model is blank; fill in the model's name")),
        (s_blank, lambda r: ("symbol", "", "symbol is blank; fill in the symbol (CASH for a cash target)")),
    ]
    t_mask, t_msg = _number_problem("target", target, required=True, low=0.0, example="0.25",
                                   too_low="is negative; targets must be >= 0")
    checks.append((t_mask, lambda r: ("target",) + t_msg(r)))
    if whole and price is not None:
        p_mask, p_msg = _number_problem("price", price, required=False, low=0.0, strict_low=True)
        checks.append((p_mask, lambda r: ("price",) + p_msg(r)))
    key = model.codes.astype(np.int64) * (sym_names.size + 1) + (sym_key + 1)
    checks.append((_repeated(key, ~(m_blank | s_blank | empty)),
                   lambda r: ("symbol", table.strings("symbol", [r])[0],
                              (f"symbol {table.strings('symbol', [r])[0]} appears twice in model "
                              f"{table.strings('model', [r])[0]}; keep one row"))))
    problem = _first_problem(checks, ~empty)
    errors, bad_models = [], set()
    bad_rows = np.flatnonzero(problem >= 0)
    lines = table.lines(bad_rows)
    for r, line in zip(bad_rows, lines):
        column, value, text = checks[problem[r]][1](int(r))
        name = table.strings("model", [r])[0]
        errors.append(RowError(table.name, int(line), column, value, text, model=name, unit=table.unit))
        if name:
            bad_models.add(name)
    good = np.flatnonzero(~empty & (problem < 0))
    names = model.values[model.codes[good]]
    order = np.argsort(names, kind="stable")
    good, names = good[order], names[order]
    index, symbols, targets, prices, cash_t = {}, [], [], [], []
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]]) if good.size else np.zeros(0, int)
    for lo, hi in zip(starts, np.r_[starts[1:], good.size]):
        rows = good[lo:hi]
        name = names[lo]
        if name in bad_models:
            continue
        t = target.values[rows]
        total = float(t.sum())
        if abs(total - 1.0) > TARGET_SUM_ATOL:
            first, last = table.lines(rows).min(), table.lines(rows).max()
            errors.append(RowError(table.name, int(first), "target", f"{total:.6g}",
                                   f"targets of model {name} sum to {total:.6g}, expected 1; fix the targets",
                                   model=name, unit=table.unit, last_line=int(last)))
            bad_models.add(name)
            continue
        cash = sym_key[rows] < 0
        sec = rows[~cash]
        s = sym_names[symbol.codes[sec]]
        o = np.argsort(s, kind="stable")
        index[name] = len(symbols)
        symbols.append(s[o])
        targets.append(target.values[sec][o])
        prices.append(price.values[sec][o] if price is not None else np.full(sec.size, np.nan))
        cash_t.append(float(target.values[rows[cash]].sum()))
    errors.sort(key=lambda e: e.line)
    return Models(index, symbols, targets, prices, np.array(cash_t, float), bad_models, table.name), errors


def _repeated(key: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Rows whose key an earlier row (of those in ``among``) has already."""
    rows = np.flatnonzero(among)
    order = rows[np.argsort(key[rows], kind="stable")]
    k = key[order]
    dup = np.zeros(key.size, bool)
    dup[order[1:][k[1:] == k[:-1]]] = True
    return dup


def _first_problem(checks, live: np.ndarray) -> np.ndarray:
    problem = np.full(live.size, -1, np.int16)
    for i, (mask, _) in enumerate(checks):
        new = mask & live & (problem < 0)
        problem[new] = i
    return problem


# -------------------------------------------------------------------------------------- holdings


def first_prices(table: Table, symbols: set[str]) -> dict[str, float]:
    """The first valid price (> 0) in the file of each of ``symbols``."""
    if "price" not in table.numbers or not symbols:
        return {}
    sym = table.text["symbol"]
    p = table.numbers["price"].values
    wanted = np.fromiter((s in symbols for s in sym.values), bool, sym.values.size)
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(wanted[sym.codes] & (p > 0))
    codes = sym.codes[rows]
    uniq, first = np.unique(codes, return_index=True)
    return {sym.values[c]: float(p[rows[i]]) for c, i in zip(uniq, first)}


def check_holdings(table: Table, models: Models, whole: bool, fallback_prices: dict[str, float],
                   refused: dict[str, str] | None = None) -> tuple[Holdings, list[RowError], Counts]:
    """The good accounts of a holdings table, the problems found and what was read.

    ``fallback_prices``: price of a model security an account does not hold (when the models file
    gives none), from :func:`first_prices` over the whole book. ``refused``: account -> problem for
    accounts to skip whatever their rows hold (an account split over two partitions).
    """
    n = table.n_rows
    acc, mod, sym = table.text["account"], table.text["model"], table.text["symbol"]
    value = table.numbers["value"]
    acc_blank, mod_blank = _blank_codes(acc.values), _blank_codes(mod.values)
    a_blank, m_blank = acc_blank[acc.codes], mod_blank[mod.codes]
    s_blank = _blank_codes(sym.values)[sym.codes]
    empty = a_blank & m_blank & s_blank & value.blank
    for col in ("price", "lot_size", "cash_flow"):
        if col in table.numbers:
            empty &= table.numbers[col].blank
    if "locked" in table.text:
        empty &= _blank_codes(table.text["locked"].values)[table.text["locked"].codes]
    # symbols: one sorted list for the file and the models (so sorting codes sorts names); CASH apart
    names = sym.values.astype(str)
    cash_code = np.char.upper(names) == CASH_SYMBOL if names.size else np.zeros(0, bool)
    model_syms = np.concatenate(models.symbols).astype(str) if models.symbols else np.zeros(0, str)
    symbols = np.unique(np.concatenate([names[~cash_code & (names != "")], model_syms]))
    code_of = (np.where(cash_code | (names == ""), -1, np.searchsorted(symbols, names)) if names.size else
               np.zeros(0)).astype(np.int32)
    row_sym = code_of[sym.codes]
    is_cash = cash_code[sym.codes]

    checks = [
        (a_blank, lambda r: ("account", "", "account is blank; fill in the account")),
        (s_blank, lambda r: ("symbol", "", "symbol is blank; fill in the symbol (CASH for cash)")),
        (m_blank, lambda r: ("model", "", "model is blank; fill in the account's model")),
    ]
    v_mask, v_msg = _number_problem("value", value, required=True, low=0.0, example="12500.50",
                                    too_low="is negative; market values must be >= 0")
    checks.append((v_mask, lambda r: ("value",) + v_msg(r)))
    if "cash_flow" in table.numbers:
        f_mask, f_msg = _number_problem("cash_flow", table.numbers["cash_flow"], required=False, low=None)
        checks.append((f_mask, lambda r: ("cash_flow",) + f_msg(r)))
    if "locked" in table.text:
        lk = table.text["locked"]
        lk_bad = np.fromiter((w.lower() not in FLAG_WORDS for w in lk.values), bool, lk.values.size)[lk.codes]
        checks.append((lk_bad, lambda r: ("locked", table.strings("locked", [r])[0],
                                          (f"locked {table.strings('locked', [r])[0]!r} is not 1/0, true/false or "
                                          "yes/no"))))
    if whole:
        if "price" in table.numbers:
            p_mask, p_msg = _number_problem("price", table.numbers["price"], required=True, low=0.0,
                                            strict_low=True, example="101.25")
            checks.append((p_mask & ~is_cash, lambda r: ("price",) + p_msg(r)))
        if "lot_size" in table.numbers:
            l_mask, l_msg = _number_problem("lot_size", table.numbers["lot_size"], required=False, low=0.0,
                                            strict_low=True)
            checks.append((l_mask & ~is_cash, lambda r: ("lot_size",) + l_msg(r)))

    # the account's model is the model on its first row
    live = ~empty & ~a_blank
    first_row = _first_rows(acc.codes, live, acc.values.size)
    has_rows = first_row < n
    acct_model = np.full(acc.values.size, -1, np.int32)
    acct_model[has_rows] = mod.codes[first_row[has_rows]]
    row_model = acct_model[acc.codes]
    differs = live & (mod.codes != row_model) & ~mod_blank[row_model]
    del row_model
    checks.append((differs, lambda r: ("model", table.strings("model", [r])[0],
                                       (f"model {table.strings('model', [r])[0]} differs from the account's first row "
                                       f"({mod.values[acct_model[acc.codes[r]]]}); one model per account"))))
    # one sort by (account, symbol): repeated symbols are neighbours, and the layout wants this order
    sortable = live & ~s_blank
    every = bool(sortable.all())  # the usual file: no row left out, and no index array needed
    sortable = None if every else np.flatnonzero(sortable).astype(np.int32)
    wide = acc.values.size * (symbols.size + 1) >= 2**31
    key = (acc.codes if every else acc.codes[sortable]).astype(np.int64 if wide else np.int32)  # a copy
    key *= symbols.size + 1  # in place: the book's biggest temporaries are here (peak memory)
    key += row_sym if every else row_sym[sortable]
    key += 1
    order = np.argsort(key, kind="stable")
    by_account = order.astype(np.int32) if every else sortable[order]
    del sortable
    key = key[order]
    del order
    repeated = np.zeros(n, bool)
    repeated[by_account[1:][key[1:] == key[:-1]]] = True
    del key
    checks.append((repeated, lambda r: ("symbol", table.strings("symbol", [r])[0],
                                        (f"symbol {table.strings('symbol', [r])[0]} appears twice in account "
                                        f"{table.strings('account', [r])[0]}; keep one row"))))
    problem = _first_problem(checks, ~empty)

    # account-level problems, reported once at the account's first row
    priceless = _priceless_models(models, whole, fallback_prices)
    model_problem = []
    for m in mod.values:
        if m == "" or m in models.index and m not in priceless:
            model_problem.append(None)
        elif m in models.bad:
            model_problem.append(("model", m, f"model {m} has bad rows in {models.file}"))
        elif m not in models.index:
            model_problem.append(("model", m, f"model {m} is not in {models.file}; add it or fix the name"))
        else:
            model_problem.append(("model", m, (f"no price for model symbol {priceless[m]} (not held anywhere and no "
                                              f"price in {models.file}); add its price to {models.file}")))
    has_problem = np.array([p is not None for p in model_problem] + [False], bool)  # [-1]: no model
    account_problem: dict[int, tuple[str, str, str]] = {
        int(a): model_problem[acct_model[a]] for a in np.flatnonzero(has_rows & has_problem[acct_model])}
    if refused:
        position = {name: i for i, name in enumerate(acc.values)}
        for name, text in refused.items():
            a = position.get(name)
            if a is not None and has_rows[a]:
                account_problem[a] = ("account", name, text)

    bad_rows = np.flatnonzero(problem >= 0)
    skipped = np.zeros(acc.values.size, bool)
    skipped[acc.codes[bad_rows]] = True
    skipped[list(account_problem)] = True
    malformed_accounts = {e.account for e in table.errors if e.account}
    if malformed_accounts:
        skipped |= np.fromiter((v in malformed_accounts for v in acc.values), bool, acc.values.size)
    skipped &= ~acc_blank
    problem_accounts = np.fromiter(account_problem, np.int64, len(account_problem))
    report_rows = np.r_[bad_rows, first_row[problem_accounts]].astype(np.int64)
    lines = table.lines(report_rows)
    errors = list(table.errors)
    for r, line in zip(bad_rows, lines[: bad_rows.size]):
        column, text_value, text = checks[problem[r]][1](int(r))
        errors.append(RowError(table.name, int(line), column, text_value, text, acc.values[acc.codes[r]],
                               unit=table.unit))
    for (a, (column, text_value, text)), line in zip(account_problem.items(), lines[bad_rows.size:]):
        errors.append(RowError(table.name, int(line), column, text_value, text, acc.values[a], unit=table.unit))
    errors.sort(key=lambda e: e.line)

    named = has_rows & ~acc_blank
    counts = Counts(int((~empty).sum()) + len(table.errors),
                    int(named.sum()) + len(malformed_accounts - set(acc.values[named])),
                    int(bad_rows.size) + len(table.errors))
    good = named & ~skipped
    del checks, problem, repeated, differs, empty, a_blank, m_blank, s_blank  # the masks' memory, before the layout
    holdings = _assemble(table, models, good, acct_model, by_account, is_cash, row_sym, symbols, whole)
    return holdings, errors, counts


def _first_rows(codes: np.ndarray, live: np.ndarray, n_codes: int) -> np.ndarray:
    """First row (of those ``live``) of each code; ``len(codes)`` for a code with none.

    Codes come in the order they first appear (Arrow's dictionaries are built that way), which gives
    the answer in one pass; anything else takes the general route.
    """
    n = codes.size
    first_row = np.full(n_codes, n, np.int64)
    if n and live.all():
        running = np.maximum.accumulate(codes)
        new = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
        if codes[0] == 0 and np.array_equal(codes[new], np.arange(new.size)):
            first_row[: new.size] = new
            return first_row
    rows = np.flatnonzero(live).astype(np.int32)
    np.minimum.at(first_row, codes[rows], rows)
    return first_row


def _priceless_models(models: Models, whole: bool, fallback: dict[str, float]) -> dict[str, str]:
    out = {}
    if not whole:
        return out
    for name, i in models.index.items():
        missing = [s for s, p in zip(models.symbols[i], models.prices[i]) if not (p > 0) and s not in fallback]
        if missing:
            out[name] = missing[0]
    return out


def _assemble(table: Table, models: Models, good, acct_model, by_account, is_cash, row_sym, symbols,
              whole) -> Holdings:
    """Holdings of the ``good`` accounts (in the order they first appear: codes are in that order)."""
    acc, mod = table.text["account"], table.text["model"]
    accounts = np.flatnonzero(good)
    m = accounts.size
    rank = np.full(acc.values.size, -1, np.int64)
    rank[accounts] = np.arange(m)
    rank = rank.astype(np.int32)
    # the book's largest temporaries are made here: each goes as soon as it is used (peak memory)
    rows = by_account if m == good.size else by_account[rank[acc.codes[by_account]] >= 0]
    row_rank = rank[acc.codes[rows]]
    nums = table.numbers

    def column(name, default):
        return nums[name].values if name in nums else np.full(table.n_rows, default)

    cash_rows = is_cash[rows]
    cash = np.bincount(row_rank[cash_rows], weights=nums["value"].values[rows[cash_rows]], minlength=m)
    flow = np.zeros(m)
    if "cash_flow" in nums:
        f = nums["cash_flow"].values[rows]
        flow = np.bincount(row_rank, weights=np.where(np.isnan(f), 0.0, f), minlength=m)
    held, held_rank = rows[~cash_rows], row_rank[~cash_rows]
    del rows, row_rank, cash_rows
    start = np.searchsorted(held_rank, np.arange(m + 1))
    del held_rank
    price = lot = None
    if whole:
        price = column("price", np.nan)[held]
        lot = column("lot_size", 1.0)[held]
        lot = np.where(np.isnan(lot), 1.0, lot)
    if "locked" in table.text:
        lk = table.text["locked"]
        word = np.array([bool(FLAG_WORDS.get(w.lower(), False)) for w in lk.values], bool)
        locked = word[lk.codes[held]]
    else:
        locked = np.zeros(held.size, bool)
    position = np.array([models.index.get(v, -1) for v in mod.values] + [-1], np.int64)
    return Holdings(acc.values[accounts], position[acct_model[accounts]], cash, flow, start,
                    row_sym[held].astype(np.int32, copy=False), nums["value"].values[held], price, lot, locked,
                    symbols.astype(object))
