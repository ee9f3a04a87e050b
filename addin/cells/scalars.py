"""Single-cell arguments: numbers, whole numbers, option words, TRUE/FALSE, and omitted optionals."""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np

from kernels import InputError

from .grids import grid, trim_trailing_blanks
from .values import MISSING, describe, fix_for, is_blank, number_or_none


def single_cell(value: Any, name: str) -> Any:
    """The one cell of an argument (a one-cell range is read as its value; blank trailing cells are ignored)."""
    if isinstance(value, (tuple, list, np.ndarray)):
        rows = trim_trailing_blanks(grid(value))
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if not rows:
            return None
        raise InputError(f"{name}: expected a single cell, got a {len(rows)} x {len(rows[0])} range.")
    return value


def number(value: Any, name: str) -> float:
    """A required single number."""
    v = single_cell(value, name)
    x = number_or_none(v)
    if x is None:
        if is_blank(v):
            raise InputError(f"{name}: is empty; enter a number.")
        raise InputError(f"{name}: expected a number, got {describe(v)}; {fix_for(v)}.")
    return x


def integer(value: Any, name: str) -> int:
    """A required whole number."""
    x = number(value, name)
    if not np.isfinite(x) or x != int(x):
        raise InputError(f"{name}: expected a whole number, got {x:g}.")
    return int(x)


def text(value: Any, name: str) -> str:
    """A required option word, e.g. a method name (``"sample"``)."""
    v = single_cell(value, name)
    if isinstance(v, str) and v.strip():
        return v.strip()
    if is_blank(v):
        raise InputError(f"{name}: is empty; enter one of the option words.")
    raise InputError(f"{name}: expected a word such as a method name, got {describe(v)}.")


def flag(value: Any, name: str) -> bool:
    """TRUE/FALSE (also 1/0)."""
    v = single_cell(value, name)
    if isinstance(v, bool):
        return v
    x = number_or_none(v)
    if x in (0.0, 1.0):
        return bool(x)
    if isinstance(v, str) and v.strip().upper() in ("TRUE", "FALSE"):
        return v.strip().upper() == "TRUE"
    raise InputError(f"{name}: expected TRUE or FALSE, got {describe(v) if x is None else format(x, 'g')}.")


def number_or_flag(value: Any, name: str) -> float:
    """A number, with TRUE read as 1 and FALSE as 0 (e.g. the share of income reinvested)."""
    v = single_cell(value, name)
    if isinstance(v, bool):
        return float(v)
    return number(v, name)


def choice(value: Any, name: str, table: dict[str, Any]) -> Any:
    """An option word looked up in ``table`` (case-insensitive; spaces and dashes read as underscores)."""
    key = text(value, name).lower().replace("-", "_").replace(" ", "_")
    if key not in table:
        raise InputError(f"{name}: expected one of {', '.join(table)}, got '{text(value, name)}'.")
    return table[key]


def is_omitted(value: Any) -> bool:
    """An omitted optional argument: COM's 'missing', or a reference to blank cells only."""
    if isinstance(value, int) and not isinstance(value, bool) and value == MISSING:
        return True
    if isinstance(value, (tuple, list)):
        return all(is_blank(v) for v in chain.from_iterable(grid(value)))
    return is_blank(value)
