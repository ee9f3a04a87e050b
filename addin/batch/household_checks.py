"""The rules of the household files (issue 17), applied to whole columns at once.

Each file is checked on its own first (blank names, bad numbers and dates, unknown account types,
repeated rows), one :class:`~addin.batch.problems.RowError` per bad row, for the first rule it breaks;
then across files (a household's model, a household missing from the households file). A household
with any bad row in any file is skipped as a whole; the others are rebalanced. What the kernel itself
finds (lots that do not add up to a holding, a lot bought after the trade date, a withdrawal no sale
can raise) is reported per household after it runs, at the file line of the row it names.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from kernels import TARGET_SUM_ATOL
from kernels.household import ACCOUNT_TYPE_ALIASES

from .checks import _blank_codes, _first_problem, _number_problem, _repeated
from .problems import RowError
from .reading import Table
from .schema import CASH_SYMBOL, FLAG_WORDS

#: The kernel's account-type words and their everyday names, for messages.
TYPE_WORDS = "taxable, tax_deferred, tax_free (or IRA, 401(k), Roth IRA, Brokerage, ...)"
#: Date ordinal of a blank or bad date.
NO_DATE = -1


class Models(NamedTuple):
    """The usable household models: per model its (asset class, target) pairs, in file order."""

    targets: dict  # model -> list of (asset_class, target)
    lines: dict  # model -> file lines of its rows
    bad: set
    file: str


def key_of(text: str) -> str:
    """An account type as the kernel reads it (trimmed, lower case, spaces and dashes as underscores)."""
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def date_ordinals(values: np.ndarray) -> np.ndarray:
    """ISO dates (``2024-03-15``; a time after the date is ignored) as ordinals; :data:`NO_DATE` where blank or bad."""
    out = np.full(values.size, NO_DATE, np.int64)
    for i, text in enumerate(values):
        try:
            out[i] = dt.date.fromisoformat(str(text).strip()[:10]).toordinal()
        except ValueError:
            pass
    return out


def household_ids(table: Table, index: dict[str, int]) -> np.ndarray:
    """Each row's household as an index into ``index`` (-1 for a blank household)."""
    col = table.text["household"]
    per_code = np.array([index.get(v, -1) if v else -1 for v in col.values] + [-1], np.int64)
    return per_code[col.codes]


class Checked(NamedTuple):
    """A file after its own rules: the rows to use and the problems."""

    good: np.ndarray  # bool per row: not empty, no problem
    errors: list


def _text_blank(table: Table, column: str) -> np.ndarray:
    col = table.text[column]
    return _blank_codes(col.values)[col.codes]


def _empty_rows(table: Table) -> np.ndarray:
    empty = np.ones(table.n_rows, bool)
    for col in table.text.values():
        empty &= _blank_codes(col.values)[col.codes]
    for num in table.numbers.values():
        empty &= num.blank
    return empty


def _apply(table: Table, checks: list, households: np.ndarray | None, names: list[str]) -> Checked:
    """First problem of each non-empty row; RowErrors naming the row's household (and account, where there is one)."""
    empty = _empty_rows(table)
    problem = _first_problem(checks, ~empty)
    rows = np.flatnonzero(problem >= 0)
    lines = table.lines(rows)
    errors = list(table.errors)
    accounts = table.strings("account", rows) if "account" in table.text else None
    for k, (r, line) in enumerate(zip(rows, lines)):
        column, value, text = checks[problem[r]][1](int(r))
        h = int(households[r]) if households is not None else -1
        errors.append(RowError(table.name, int(line), column, value, text, accounts[k] if accounts is not None else "",
                               unit=table.unit, household=names[h] if h >= 0 else ""))
    errors.sort(key=lambda e: e.line)
    return Checked(~empty & (problem < 0), errors)


def _blank_check(table: Table, column: str, fix: str):
    return (_text_blank(table, column), lambda r: (column, "", f"{column} is blank; {fix}"))


def _numbers(table: Table, column: str, *, required: bool, low: float | None, strict_low: bool = False,
             high: float | None = None, example: str = "", too_low: str = ""):
    num = table.numbers[column]
    mask, message = _number_problem(column, num, required=required, low=low, strict_low=strict_low, example=example,
                                    too_low=too_low)
    if high is not None:
        with np.errstate(invalid="ignore"):
            above = num.values >= high
        mask = mask | above

        def message_high(r, base=message):
            if above[r] and not (num.bad[r] or num.blank[r]):
                return f"{num.values[r]:g}", f"{column} {num.values[r]:g} must be below {high:g}; give a fraction"
            return base(r)

        return mask, lambda r: (column,) + message_high(r)
    return mask, lambda r: (column,) + message(r)


def _flag_check(table: Table, column: str):
    col = table.text[column]
    bad = np.fromiter((w.lower() not in FLAG_WORDS for w in col.values), bool, col.values.size)[col.codes]
    return bad, lambda r: (column, table.strings(column, [r])[0],
                           f"{column} {table.strings(column, [r])[0]!r} is not 1/0, true/false or yes/no")


def _date_check(table: Table, column: str, required: bool):
    col = table.text[column]
    ordinals = date_ordinals(col.values)
    blank = _blank_codes(col.values)
    bad_code = (ordinals == NO_DATE) & (~blank if not required else True)
    mask = bad_code[col.codes]

    def message(r):
        text = table.strings(column, [r])[0]
        if not text:
            return column, "", f"{column} is blank; enter the date as YYYY-MM-DD"
        return column, text, f"{column} {text!r} is not a date; write it as YYYY-MM-DD (2024-03-15)"

    return mask, message, np.append(ordinals, NO_DATE)[col.codes]


def _type_check(table: Table, column: str):
    col = table.text[column]
    unknown = np.fromiter((bool(v) and key_of(v) not in ACCOUNT_TYPE_ALIASES for v in col.values), bool,
                          col.values.size)[col.codes]
    return unknown, lambda r: (column, table.strings(column, [r])[0],
                               f"{column} {table.strings(column, [r])[0]!r} is not an account type; use {TYPE_WORDS}")


def _repeats(table: Table, columns: tuple[str, ...], among: np.ndarray, what: str):
    key = np.zeros(table.n_rows, np.int64)
    for c in columns:
        col = table.text[c]
        key = key * (col.values.size + 1) + col.codes
    dup = _repeated(key, among)

    def message(r):
        parts = [f"{c} {table.strings(c, [r])[0]}" for c in columns]
        return columns[-1], table.strings(columns[-1], [r])[0], f"{', '.join(parts)} appears twice; {what}"

    return dup, message


# ----------------------------------------------------------------------------------- the files


def check_households(table: Table, names: list[str], ids: np.ndarray) -> tuple[Checked, np.ndarray]:
    """The households file; also the trade date of each row (ordinal, :data:`NO_DATE` for the default)."""
    checks = [_blank_check(table, "household", "fill in the household's name"),
              _blank_check(table, "model", "fill in the household's model (a model of the targets file)")]
    for column in ("short_term", "long_term", "state"):
        checks.append(_numbers(table, column, required=column != "state", low=0.0, high=1.0, example="0.35",
                               too_low="is negative; tax rates are fractions from 0 to 1"))
    as_of = np.full(table.n_rows, NO_DATE, np.int64)
    if "as_of" in table.text:
        mask, message, as_of = _date_check(table, "as_of", required=False)
        checks.append((mask, message))
    if "drift_penalty" in table.numbers:
        checks.append(_numbers(table, "drift_penalty", required=False, low=0.0, strict_low=True, example="1"))
    for column in ("max_turnover", "harvest_threshold"):
        if column in table.numbers:
            checks.append(_numbers(table, column, required=False, low=0.0, example="0.1"))
    live = ~_text_blank(table, "household")
    checks.append(_repeats(table, ("household",), live, "give each household one row"))
    return _apply(table, checks, ids, names), as_of


def check_accounts(table: Table, names: list[str], ids: np.ndarray) -> Checked:
    checks = [_blank_check(table, "household", "fill in the account's household"),
              _blank_check(table, "account", "fill in the account's name"),
              _blank_check(table, "type", f"fill in the account type ({TYPE_WORDS})"),
              _type_check(table, "type")]
    if "cash" in table.numbers:
        checks.append(_numbers(table, "cash", required=False, low=0.0, example="2500",
                               too_low="is negative; cash is >= 0 (a withdrawal goes in cash_flow)"))
    if "cash_flow" in table.numbers:
        checks.append(_numbers(table, "cash_flow", required=False, low=None))
    live = ~_text_blank(table, "household") & ~_text_blank(table, "account")
    checks.append(_repeats(table, ("household", "account"), live, "give each account one row"))
    return _apply(table, checks, ids, names)


def is_cash_row(table: Table) -> np.ndarray:
    sym = table.text["symbol"]
    return np.fromiter((v.upper() == CASH_SYMBOL for v in sym.values), bool, sym.values.size)[sym.codes]


def check_holdings(table: Table, names: list[str], ids: np.ndarray, types_here: bool) -> Checked:
    """The holdings file; with ``types_here`` each account's type (``account_type``) and cash (``CASH`` rows) too."""
    cash = is_cash_row(table) if types_here else np.zeros(table.n_rows, bool)
    checks = [_blank_check(table, "household", "fill in the holding's household"),
              _blank_check(table, "account", "fill in the holding's account"),
              _blank_check(table, "symbol", "fill in the symbol" + (" (CASH for the account's cash)" if types_here
                                                                    else ""))]
    checks.append(_numbers(table, "shares", required=True, low=0.0, example="120",
                           too_low="is negative; shares are >= 0 (no short sales)"))
    if "price" not in table.numbers:
        price_missing = np.ones(table.n_rows, bool) & ~cash
        checks.append((price_missing, lambda r: ("price", "", "price is missing; add a price column")))
    else:
        mask, message = _numbers(table, "price", required=True, low=0.0, strict_low=True, example="101.25")
        checks.append((mask & ~cash, message))
    for column in ("no_sell", "no_buy"):
        if column in table.text:
            checks.append(_flag_check(table, column))
    if types_here:
        checks.append(_blank_check(table, "account_type", f"fill in the account type ({TYPE_WORDS})"))
        checks.append(_type_check(table, "account_type"))
        checks.append(_differs_within_account(table, "account_type"))
    if "cash_flow" in table.numbers:
        checks.append(_numbers(table, "cash_flow", required=False, low=None))
    live = ~_text_blank(table, "household") & ~_text_blank(table, "account") & ~_text_blank(table, "symbol")
    checks.append(_repeats(table, ("household", "account", "symbol"), live, "merge the two rows"))
    return _apply(table, checks, ids, names)


def _differs_within_account(table: Table, column: str):
    """Rows whose ``column`` differs from their account's first row (one type per account)."""
    hh, acc, col = table.text["household"], table.text["account"], table.text[column]
    key = hh.codes.astype(np.int64) * (acc.values.size + 1) + acc.codes
    _, first = np.unique(key, return_index=True)
    first_of = dict(zip(key[first].tolist(), first.tolist()))
    firsts = np.array([first_of[k] for k in key.tolist()], np.int64) if key.size else np.zeros(0, np.int64)
    norm = np.array([key_of(v) for v in col.values] + [""], object)
    alias = np.array([ACCOUNT_TYPE_ALIASES.get(v, v) for v in norm], object)
    mask = alias[col.codes] != alias[col.codes[firsts]] if key.size else np.zeros(0, bool)

    def message(r):
        value = table.strings(column, [r])[0]
        return column, value, (f"{column} {value!r} differs from the account's first row "
                               f"({table.strings(column, [firsts[r]])[0]!r}); one type per account")

    return mask, message


def check_lots(table: Table, names: list[str], ids: np.ndarray) -> tuple[Checked, np.ndarray]:
    checks = [_blank_check(table, "household", "fill in the lot's household"),
              _blank_check(table, "account", "fill in the lot's account"),
              _blank_check(table, "symbol", "fill in the lot's symbol"),
              _numbers(table, "shares", required=True, low=0.0, strict_low=True, example="50",
                       too_low="must be > 0 (a lot holds shares)"),
              _numbers(table, "cost_basis", required=True, low=0.0, example="4250.00",
                       too_low="is negative; the lot's total cost is >= 0")]
    mask, message, acquired = _date_check(table, "acquired", required=True)
    checks.append((mask, message))
    return _apply(table, checks, ids, names), acquired


def check_recent(table: Table, names: list[str], ids: np.ndarray) -> tuple[Checked, np.ndarray]:
    checks = [_blank_check(table, "household", "fill in the trade's household"),
              _blank_check(table, "account", "fill in the trade's account"),
              _blank_check(table, "symbol", "fill in the trade's symbol"),
              _numbers(table, "shares", required=True, low=None, example="-20")]
    mask, message, dates = _date_check(table, "date", required=True)
    checks.append((mask, message))
    if "gain" in table.numbers:
        checks.append(_numbers(table, "gain", required=False, low=None))
    return _apply(table, checks, ids, names), dates


def check_substitutes(table: Table) -> tuple[Checked, list[tuple[str, str, float]]]:
    """The substitutes file (one for the whole book): its rows as ``(symbol, replacement, price)``."""
    checks = [_blank_check(table, "symbol", "fill in the symbol harvested"),
              _blank_check(table, "replacement", "fill in the replacement to buy")]
    if "price" in table.numbers:
        checks.append(_numbers(table, "price", required=False, low=0.0, strict_low=True, example="101.25"))
    live = ~_text_blank(table, "symbol")
    checks.append(_repeats(table, ("symbol",), live, "keep one replacement per symbol"))
    checked = _apply(table, checks, None, [])
    rows = np.flatnonzero(checked.good)
    price = table.numbers["price"].values[rows] if "price" in table.numbers else np.full(rows.size, np.nan)
    return checked, list(zip(table.strings("symbol", rows).tolist(), table.strings("replacement", rows).tolist(),
                             price.tolist()))


def check_models(table: Table) -> tuple[Models, list[RowError]]:
    """The targets (models) file: ``model, asset_class, target``, targets summing to 1 per model."""
    checks = [_blank_check(table, "model", "fill in the model's name"),
              _blank_check(table, "asset_class", "fill in the asset class (or symbol)"),
              _numbers(table, "target", required=True, low=0.0, example="0.25",
                       too_low="is negative; targets must be >= 0")]
    live = ~_text_blank(table, "model") & ~_text_blank(table, "asset_class")
    checks.append(_repeats(table, ("model", "asset_class"), live, "give each asset class one target"))
    empty = _empty_rows(table)
    problem = _first_problem(checks, ~empty)
    errors, bad = list(table.errors), set()
    bad_rows = np.flatnonzero(problem >= 0)
    for r, line in zip(bad_rows, table.lines(bad_rows)):
        column, value, text = checks[problem[r]][1](int(r))
        model = table.strings("model", [r])[0]
        errors.append(RowError(table.name, int(line), column, value, text, model=model, unit=table.unit))
        if model:
            bad.add(model)
    good = np.flatnonzero(~empty & (problem < 0))
    models, lines = {}, {}
    names, classes = table.strings("model", good), table.strings("asset_class", good)
    line_of = table.lines(good)
    for r, m, c, line in zip(good, names, classes, line_of):
        models.setdefault(m, []).append((c, float(table.numbers["target"].values[r])))
        lines.setdefault(m, []).append(int(line))
    for m in list(models):
        total = sum(t for _, t in models[m])
        if m in bad:
            del models[m]
        elif abs(total - 1.0) > TARGET_SUM_ATOL:
            errors.append(RowError(table.name, min(lines[m]), "target", f"{total:.6g}",
                                   f"targets of model {m} sum to {total:.6g}, expected 1; fix the targets", model=m,
                                   unit=table.unit, last_line=max(lines[m])))
            bad.add(m)
            del models[m]
    errors.sort(key=lambda e: e.line)
    return Models(models, lines, bad, table.name), errors
