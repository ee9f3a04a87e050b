"""A book of households read from files, checked, and grouped by household into chunks for the kernel.

Households are numbered in the order the households file lists them (then any household found only in
another file, which is a problem). Every file's good rows are sorted by household (stably: a household's
rows keep their order in the file), so that a chunk of consecutive households is one slice of each file.
A :class:`Chunk` carries those slices as plain arrays (what a worker process needs, nothing of Arrow);
:func:`addin.batch.household_solve.solve_chunk` turns each household into the kernel's rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import household_checks as C
from .problems import BookInputError, RowError
from .reading import Table, read_table
from .schema import (
    ACCOUNTS,
    HOUSEHOLD_HOLDINGS,
    HOUSEHOLD_MODELS,
    HOUSEHOLDS,
    LOTS,
    RECENT_TRADES,
    SUBSTITUTES,
)


class Inputs(NamedTuple):
    """The input files of a household run (None: not given)."""

    holdings: Path
    households: Path
    models: Path
    accounts: Path | None
    lots: Path | None
    substitutes: Path | None
    recent: Path | None


class Grouped(NamedTuple):
    """A file's usable rows sorted by household: household ``h``'s rows are ``rows[start[h]:start[h + 1]]``."""

    table: Table | None
    rows: np.ndarray
    start: np.ndarray


class Book(NamedTuple):
    names: list[str]  # households in order
    usable: np.ndarray  # bool per household: listed, no bad row anywhere
    households: Table
    household_row: np.ndarray  # per household: its row in the households file (-1: not listed)
    as_of: np.ndarray  # per household: trade date ordinal (NO_DATE: the run's)
    models: C.Models
    accounts: Grouped  # the accounts file, or the holdings file's first row of each account (types in holdings)
    holdings: Grouped
    lots: Grouped
    recent: Grouped
    substitutes: list  # (symbol, replacement, price) for the whole book
    substitute_lines: list[int]
    substitute_file: str
    lot_dates: np.ndarray  # per lots row: acquired ordinal
    recent_dates: np.ndarray
    types_in_holdings: bool
    errors: list[RowError]
    encodings: list[str]
    n_rows: int


def read_inputs(files: Inputs, encoding: str | None) -> dict[str, Table | None]:
    """Every input file against its schema (a missing required column stops the run)."""
    schemas = {"holdings": HOUSEHOLD_HOLDINGS, "households": HOUSEHOLDS, "models": HOUSEHOLD_MODELS,
               "accounts": ACCOUNTS, "lots": LOTS, "substitutes": SUBSTITUTES, "recent": RECENT_TRADES}
    return {kind: None if path is None else read_table(path, schemas[kind], encoding)
            for kind, path in files._asdict().items()}


def _index(tables: dict[str, Table | None]) -> list[str]:
    """Household names: the households file's in its order, then those found only elsewhere."""
    names: dict[str, None] = {}
    for kind in ("households", "holdings", "accounts", "lots", "recent"):
        t = tables[kind]
        if t is not None:
            col = t.text["household"]
            first = np.full(col.values.size, t.n_rows, np.int64)
            np.minimum.at(first, col.codes, np.arange(t.n_rows))
            for code in np.argsort(first, kind="stable"):
                if first[code] < t.n_rows and col.values[code]:
                    names.setdefault(col.values[code])
    return list(names)


def _group(table: Table | None, ids: np.ndarray | None, good: np.ndarray | None, n: int) -> Grouped:
    if table is None:
        return Grouped(None, np.zeros(0, np.int64), np.zeros(n + 1, np.int64))
    rows = np.flatnonzero(good & (ids >= 0))
    rows = rows[np.argsort(ids[rows], kind="stable")]
    return Grouped(table, rows, np.searchsorted(ids[rows], np.arange(n + 1)).astype(np.int64))


def _first_rows(ids: np.ndarray, n: int) -> np.ndarray:
    first = np.full(n, ids.size, np.int64)
    live = np.flatnonzero(ids >= 0)
    np.minimum.at(first, ids[live], live)
    return first


def check_book(tables: dict[str, Table | None]) -> Book:
    """Check every file and group the usable rows by household."""
    h_table, hold = tables["households"], tables["holdings"]
    types_here = "account_type" in hold.text
    if tables["accounts"] is not None and types_here:
        raise BookInputError(f"{hold.name} has an account_type column and --accounts gives the types too; give "
                             "them in one place.")
    if tables["accounts"] is None and not types_here:
        raise BookInputError(f"the account types are needed: --accounts ACCOUNTS (household,account,type[,cash,"
                             f"cash_flow]) or an account_type column in {hold.name}.")
    names = _index(tables)
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    ids = {kind: C.household_ids(t, index) for kind, t in tables.items()
           if t is not None and kind in ("households", "holdings", "accounts", "lots", "recent")}
    errors: list[RowError] = []
    checked_h, as_of_rows = C.check_households(h_table, names, ids["households"])
    models, model_errors = C.check_models(tables["models"])
    checked = {"households": checked_h,
               "holdings": C.check_holdings(hold, names, ids["holdings"], types_here)}
    if tables["accounts"] is not None:
        checked["accounts"] = C.check_accounts(tables["accounts"], names, ids["accounts"])
    lot_dates = recent_dates = np.zeros(0, np.int64)
    if tables["lots"] is not None:
        checked["lots"], lot_dates = C.check_lots(tables["lots"], names, ids["lots"])
    if tables["recent"] is not None:
        checked["recent"], recent_dates = C.check_recent(tables["recent"], names, ids["recent"])
    substitutes, substitute_lines = [], []
    substitute_file = tables["substitutes"].name if tables["substitutes"] is not None else ""
    if tables["substitutes"] is not None:
        sub = tables["substitutes"]
        checked_s, substitutes = C.check_substitutes(sub)
        if checked_s.errors:
            errors.extend(checked_s.errors)
            raise _Stop(errors + model_errors + [e for c in checked.values() for e in c.errors],
                        f"{sub.name}: {len(checked_s.errors)} bad rows; every household uses this file, so nothing "
                        "is rebalanced until they are fixed.")
        substitute_lines = sub.lines(np.flatnonzero(checked_s.good)).tolist()
    errors.extend(model_errors)
    for c in checked.values():
        errors.extend(c.errors)

    usable = np.ones(n, bool)
    for e in errors:
        if e.household in index:
            usable[index[e.household]] = False
    # across files: listed once in the households file, with a usable model and some holdings
    h_ids = ids["households"]
    household_row = np.full(n, -1, np.int64)
    listed = np.flatnonzero(checked_h.good & (h_ids >= 0))
    household_row[h_ids[listed][::-1]] = listed[::-1]
    model_of = h_table.strings("model", np.maximum(household_row, 0)) if n else np.zeros(0, object)
    hold_first = _first_rows(ids["holdings"], n)
    cross: list[RowError] = []
    for h, name in enumerate(names):
        if not usable[h]:
            continue
        row = household_row[h]
        if row < 0:
            kind, at = next((k, int(np.flatnonzero(ids[k] == h)[0])) for k in ("holdings", "accounts", "lots",
                                                                                 "recent") if k in ids
                             and np.any(ids[k] == h))
            t = tables[kind]
            cross.append(RowError(t.name, int(t.lines([at])[0]), "household", name,
                                  f"household {name} is not in {h_table.name}; add it (model, tax rates) or fix the "
                                  "name", unit=t.unit, household=name))
            continue
        line = int(h_table.lines([row])[0])
        model = model_of[h]
        if model not in models.targets:
            why = (f"model {model} has bad rows in {models.file}" if model in models.bad else
                   f"model {model} is not in {models.file}; add it or fix the name")
            cross.append(RowError(h_table.name, line, "model", model, why, unit=h_table.unit, household=name))
        elif hold_first[h] >= hold.n_rows:
            cross.append(RowError(h_table.name, line, "household", name, f"household {name} has no holdings in "
                                  f"{hold.name}", unit=h_table.unit, household=name))
    for e in cross:
        usable[index[e.household]] = False
    errors.extend(cross)
    usable &= household_row >= 0

    good = {k: c.good for k, c in checked.items()}
    holdings = _group(hold, ids["holdings"], good["holdings"], n)
    if types_here:
        hh, acc = hold.text["household"], hold.text["account"]
        key = hh.codes.astype(np.int64) * (acc.values.size + 1) + acc.codes
        is_first = np.zeros(hold.n_rows, bool)
        rows = holdings.rows
        _, first = np.unique(key[rows], return_index=True)
        is_first[rows[first]] = True
        accounts = _group(hold, ids["holdings"], good["holdings"] & is_first, n)
    else:
        accounts = _group(tables["accounts"], ids["accounts"], good["accounts"], n)
    return Book(names, usable, h_table, household_row, as_of_rows[np.maximum(household_row, 0)] if n else
                np.zeros(0, np.int64), models, accounts, holdings,
                _group(tables["lots"], ids.get("lots"), good.get("lots"), n),
                _group(tables["recent"], ids.get("recent"), good.get("recent"), n),
                substitutes, substitute_lines, substitute_file, lot_dates, recent_dates, types_here, errors,
                [f"{t.name}: {t.encoding}" for t in tables.values() if t is not None],
                sum(t.n_rows for t in tables.values() if t is not None))


class _Stop(BookInputError):
    """A problem that leaves no household to rebalance, with the bad rows found so far."""

    def __init__(self, errors: list[RowError], message: str) -> None:
        super().__init__(message)
        self.errors = errors


# ----------------------------------------------------------------------------------- chunks


class Chunk(NamedTuple):
    """Consecutive households ``ids`` as plain arrays: per table a dict of columns over its rows, and each
    household's offsets into them."""

    ids: np.ndarray
    settings: dict  # column -> array per household
    tables: dict  # table -> (columns dict, offsets of shape (len(ids) + 1,))


def _columns(g: Grouped, rows: np.ndarray, text: tuple, numbers: tuple, extra: dict | None = None) -> dict:
    t = g.table
    out = {c: t.strings(c, rows) for c in text if c in t.text}
    for c in numbers:
        if c in t.numbers:
            out[c] = t.numbers[c].values[rows]
    out.update(extra or {})
    return out


def make_chunk(book: Book, ids: np.ndarray, default_as_of: int, options) -> Chunk:
    """The households ``ids`` (usable, consecutive or not) as a :class:`Chunk`."""
    tables = {}

    def take(g: Grouped):
        if g.table is None:
            return np.zeros(0, np.int64), np.zeros(ids.size + 1, np.int64)
        parts = [g.rows[g.start[h]:g.start[h + 1]] for h in ids]
        sizes = np.array([p.size for p in parts], np.int64)
        return (np.concatenate(parts) if parts else np.zeros(0, np.int64)), np.r_[0, np.cumsum(sizes)]

    rows, offsets = take(book.holdings)
    flags = {}
    for c in ("no_sell", "no_buy"):
        if c in book.holdings.table.text:
            words = book.holdings.table.strings(c, rows)
            flags[c] = np.array([C.FLAG_WORDS.get(w.lower(), False) for w in words], bool)
    hold = _columns(book.holdings, rows, ("account", "symbol", "asset_class"), ("shares", "price"), flags)
    if book.types_in_holdings:
        hold["cash"] = C.is_cash_row(book.holdings.table)[rows]
    tables["holdings"] = (hold, offsets)
    rows, offsets = take(book.accounts)
    if book.types_in_holdings:
        acc = _account_rows_from_holdings(book, rows)
    else:
        acc = _columns(book.accounts, rows, ("account", "type"), ("cash", "cash_flow"))
    tables["accounts"] = (acc, offsets)
    rows, offsets = take(book.lots)
    if book.lots.table is not None:
        tables["lots"] = (_columns(book.lots, rows, ("account", "symbol"), ("shares", "cost_basis"),
                                   {"acquired": book.lot_dates[rows]}), offsets)
    rows, offsets = take(book.recent)
    if book.recent.table is not None:
        tables["recent"] = (_columns(book.recent, rows, ("account", "symbol"), ("shares", "gain"),
                                     {"date": book.recent_dates[rows]}), offsets)
    h_rows = book.household_row[ids]
    ht = book.households
    settings = {"model": ht.strings("model", h_rows),
                "as_of": np.where(book.as_of[ids] == C.NO_DATE, default_as_of, book.as_of[ids])}
    for c in ("short_term", "long_term", "state", "drift_penalty", "max_turnover", "harvest_threshold"):
        settings[c] = ht.numbers[c].values[h_rows] if c in ht.numbers else np.full(ids.size, np.nan)
    settings["state"] = np.nan_to_num(settings["state"], nan=0.0)
    for c, option in (("drift_penalty", options.drift_penalty), ("max_turnover", options.max_turnover),
                      ("harvest_threshold", options.harvest_threshold)):
        settings[c] = np.where(np.isnan(settings[c]), np.nan if option is None else option, settings[c])
    return Chunk(ids, settings, tables)


def _account_rows_from_holdings(book: Book, first_rows: np.ndarray) -> dict:
    """Accounts from the holdings file: each account's type from its first row, cash from its CASH rows, cash flow
    summed over its rows."""
    t = book.holdings.table
    hh, acc = t.text["household"], t.text["account"]
    key = hh.codes.astype(np.int64) * (acc.values.size + 1) + acc.codes
    rows = book.holdings.rows
    cash_rows = C.is_cash_row(t)
    shares = np.nan_to_num(t.numbers["shares"].values)
    flow = np.nan_to_num(t.numbers["cash_flow"].values) if "cash_flow" in t.numbers else np.zeros(t.n_rows)
    order = np.argsort(key[rows], kind="stable")
    sorted_keys = key[rows][order]
    wanted = key[first_rows]
    lo, hi = np.searchsorted(sorted_keys, wanted, "left"), np.searchsorted(sorted_keys, wanted, "right")
    csum_cash = np.r_[0.0, np.cumsum(np.where(cash_rows[rows][order], shares[rows][order], 0.0))]
    csum_flow = np.r_[0.0, np.cumsum(flow[rows][order])]
    return {"account": t.strings("account", first_rows), "type": t.strings("account_type", first_rows),
            "cash": csum_cash[hi] - csum_cash[lo], "cash_flow": csum_flow[hi] - csum_flow[lo]}
