"""The rows a household is described with, and their conversion from tables.

Every input table (accounts, holdings, lots, substitutes, recent trades) is a list of rows. A row
may be the NamedTuple below, a dict (``csv.DictReader`` gives these), a plain tuple in field
order, or a row of a pandas DataFrame; a dict of columns is read column-wise. Column names are
matched case-insensitively, spaces and dashes read as underscores (``"Cost Basis"`` is
``cost_basis``). Text is stripped; numbers may be numeric text (``"1,250.50"``); flags are
True/False, 1/0, yes/no or blank (False); dates are ``datetime.date``, ``datetime``,
``numpy.datetime64`` or ISO text ``"2024-03-15"``.

Messages name the table and the row (1-based, in the order given) so the sheet or the CLI can point
at the cell or the file line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..errors import InputError

#: The account types of :mod:`kernels.tax`, and the everyday names read as one of them.
ACCOUNT_TYPE_ALIASES = {
    "taxable": "taxable", "brokerage": "taxable", "individual": "taxable", "joint": "taxable",
    "trust": "taxable",
    "tax_deferred": "tax_deferred", "ira": "tax_deferred", "traditional_ira": "tax_deferred",
    "rollover_ira": "tax_deferred", "sep_ira": "tax_deferred", "401(k)": "tax_deferred",
    "401k": "tax_deferred", "403(b)": "tax_deferred", "403b": "tax_deferred", "457(b)": "tax_deferred",
    "tax_free": "tax_free", "roth": "tax_free", "roth_ira": "tax_free", "roth_401(k)": "tax_free",
    "roth_401k": "tax_free", "hsa": "tax_free",
}


class Account(NamedTuple):
    """One account of the household.

    ``type``: ``"taxable"``, ``"tax_deferred"`` or ``"tax_free"`` (the words of
    :data:`kernels.tax.ACCOUNT_TYPES`); everyday names such as ``"IRA"``, ``"401(k)"`` or ``"Roth IRA"``
    are read through :data:`ACCOUNT_TYPE_ALIASES`. ``cash``: uninvested cash now (>= 0), currency.
    """

    name: str
    type: str
    cash: float = 0.0


class Holding(NamedTuple):
    """A position (or a security the account may buy: ``shares = 0``) in one account.

    ``asset_class`` names the target the holding counts towards (blank: the symbol itself, for
    targets by security). A security can be bought only in the accounts that list it: a fund only
    available in the 401(k) is a row in the 401(k) alone. ``no_sell``: must not be sold (a
    concentrated position, a restricted stock); ``no_buy``: must not be bought.
    """

    account: str
    symbol: str
    shares: float
    price: float
    asset_class: str = ""
    no_sell: bool = False
    no_buy: bool = False


class Lot(NamedTuple):
    """A tax lot: ``shares`` of ``symbol`` in ``account`` bought on ``acquired`` for ``cost_basis``
    (the lot's total cost, currency, commissions included)."""

    account: str
    symbol: str
    shares: float
    cost_basis: float
    acquired: dt.date


class Substitute(NamedTuple):
    """A replacement to buy after harvesting a loss in ``symbol`` (not substantially identical: your
    call). ``price`` is needed only when no account lists the replacement."""

    symbol: str
    replacement: str
    price: float = float("nan")


class RecentTrade(NamedTuple):
    """A trade of the last 30 days, for the wash-sale rule: ``shares > 0`` a purchase, ``< 0`` a sale;
    ``gain`` is the sale's realised gain (negative: a loss)."""

    account: str
    symbol: str
    shares: float
    date: dt.date
    gain: float = 0.0


class TaxRates(NamedTuple):
    """Marginal rates on realised gains, decimal fractions: federal short-term (the ordinary income
    rate) and long-term, and the state rate (applied to both). Add the 3.8% NIIT to the federal
    rates where it applies."""

    short_term: float
    long_term: float
    state: float = 0.0


class Costs(NamedTuple):
    """Transaction costs: ``bps`` basis points of each trade's value (10 = 0.10%) and a fixed fee
    ``per_trade`` (currency) for each security bought or sold in an account."""

    bps: float = 0.0
    per_trade: float = 0.0


#: Row type -> kind of each field ("str", "float", "bool", "date").
KINDS = {
    Account: {"name": "str", "type": "str", "cash": "float"},
    Holding: {"account": "str", "symbol": "str", "shares": "float", "price": "float", "asset_class": "str",
              "no_sell": "bool", "no_buy": "bool"},
    Lot: {"account": "str", "symbol": "str", "shares": "float", "cost_basis": "float", "acquired": "date"},
    Substitute: {"symbol": "str", "replacement": "str", "price": "float"},
    RecentTrade: {"account": "str", "symbol": "str", "shares": "float", "date": "date", "gain": "float"},
}

_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0", ""}


def _key(name: object) -> str:
    return str(name).strip().lower().replace("-", "_").replace(" ", "_")


def _blank(x: object) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return x.strip() == ""
    return isinstance(x, float) and np.isnan(x)


def _records(table: object, name: str) -> list:
    """The rows of ``table`` as a list of mappings, sequences or NamedTuples."""
    if table is None:
        return []
    if hasattr(table, "to_dict") and hasattr(table, "columns"):  # a pandas DataFrame
        return table.to_dict("records")
    if isinstance(table, Mapping):
        columns = {k: list(v) for k, v in table.items()}
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise InputError(f"{name}: the columns have different lengths ({sorted(lengths)}); give one value per row.")
        n = lengths.pop() if lengths else 0
        return [{k: v[i] for k, v in columns.items()} for i in range(n)]
    if isinstance(table, (str, bytes)) or not isinstance(table, Sequence | np.ndarray):
        raise InputError(f"{name}: expected a table (a list of rows or a DataFrame), got {type(table).__name__}.")
    return list(table)


def _convert(value: object, kind: str, where: str) -> object:
    if kind == "str":
        return "" if _blank(value) else str(value).strip()
    if kind == "float":
        if isinstance(value, str):
            value = value.strip().replace(",", "")
        try:
            out = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{where}: expected a number, got {value!r}; enter a number.") from None
        if np.isnan(out):
            raise InputError(f"{where}: is blank; enter a number.")
        if np.isinf(out):
            raise InputError(f"{where}: expected a finite number, got {out}; enter a number.")
        return out
    if kind == "bool":
        if _blank(value):
            return False
        if isinstance(value, bool | np.bool_):
            return bool(value)
        text = _key(value)
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise InputError(f"{where}: expected True/False (or 1/0, yes/no), got {value!r}.")
    return as_date(value, where)


def as_date(value: object, where: str) -> dt.date:
    """A calendar date from a date, a datetime, a numpy datetime64 or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64) and not np.isnat(value):
        return value.astype("datetime64[D]").item()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise InputError(f"{where}: expected a date (2024-03-15), got {value!r}; enter the date as YYYY-MM-DD.")


def _column(values: list, kind: str, field: str, name: str, default: object, has_default: bool) -> list:
    """Convert one column; numbers go through NumPy in one step when they are plain numbers already."""
    def one(i, v):
        if has_default and kind != "str" and _blank(v):
            return default
        return _convert(v, kind, f"{name}: row {i + 1}, {field}")

    if kind == "float" and all(type(v) in (float, int) for v in values):
        arr = np.array(values, dtype=float)
        if np.all(np.isfinite(arr)):
            return arr.tolist()
    elif kind == "str" and all(type(v) is str for v in values):
        return [v.strip() for v in values]
    elif kind == "bool" and all(type(v) is bool for v in values) or kind == "date" and all(type(v) is dt.date for v in values):
        return values
    return [one(i, v) for i, v in enumerate(values)]


def read_rows(table: object, row_type: type, name: str) -> list:
    """``table`` as a list of ``row_type`` with typed fields (see the module docstring)."""
    kinds = KINDS[row_type]
    fields = row_type._fields
    defaults = row_type._field_defaults
    n_required = len(fields) - len(defaults)
    rows = []
    for i, rec in enumerate(_records(table, name)):
        if isinstance(rec, row_type):
            rows.append(rec)
        elif isinstance(rec, Mapping):
            by_key = {_key(k): v for k, v in rec.items()}
            missing = [f for f in fields if f not in by_key and f not in defaults]
            if missing:
                raise InputError(f"{name}: row {i + 1} has no {missing[0]} column; columns are {', '.join(fields)}.")
            rows.append([by_key.get(f, defaults.get(f)) for f in fields])
        elif isinstance(rec, Sequence | np.ndarray) and not isinstance(rec, str | bytes):
            rec = list(rec)
            if not n_required <= len(rec) <= len(fields):
                raise InputError(f"{name}: row {i + 1} has {len(rec)} values; expected {n_required} to "
                                 f"{len(fields)} ({', '.join(fields)}).")
            rows.append(rec + [defaults[f] for f in fields[len(rec):]])
        else:
            raise InputError(f"{name}: row {i + 1} is {type(rec).__name__}; give a row of {', '.join(fields)}.")
    if not rows:
        return []
    columns = [_column(list(col), kinds[f], f, name, defaults.get(f), f in defaults)
               for f, col in zip(fields, zip(*rows))]
    return [row_type._make(r) for r in zip(*columns)]


def read_mapping(x: object, name: str, key_name: str, value_name: str) -> list[tuple[str, float]]:
    """``(label, number)`` pairs from a dict, a list of pairs or a two-column table, in the order given."""
    if x is None:
        return []
    columns = hasattr(x, "columns") and hasattr(x, "to_dict")  # a DataFrame
    if isinstance(x, Mapping):
        columns = any(isinstance(v, Sequence | np.ndarray) and not isinstance(v, str) for v in x.values())
        if not columns:
            items = list(x.items())
    if columns:
        items = []
        for i, rec in enumerate(_records(x, name)):
            by_key = {_key(k): v for k, v in rec.items()}
            if key_name not in by_key or value_name not in by_key:
                raise InputError(f"{name}: row {i + 1} needs {key_name} and {value_name} columns.")
            items.append((by_key[key_name], by_key[value_name]))
    elif not isinstance(x, Mapping):
        items = []
        for i, rec in enumerate(_records(x, name)):
            if isinstance(rec, str | bytes) or not isinstance(rec, Sequence | np.ndarray) or len(rec) != 2:
                raise InputError(f"{name}: row {i + 1} should be a pair ({key_name}, {value_name}).")
            items.append((rec[0], rec[1]))
    out = []
    for i, (k, v) in enumerate(items):
        label = "" if _blank(k) else str(k).strip()
        if not label:
            raise InputError(f"{name}: row {i + 1} has no {key_name}; fill it in or delete the row.")
        out.append((label, _convert(v, "float", f"{name}: {label!r}")))
    return out
