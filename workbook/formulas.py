"""Formulas of the template: which functions they call, and their computed values.

The build stores a value with every formula, so a reader without xlfolio (LibreOffice, a preview
pane, Excel before Python is connected) shows numbers. For the formulas that call xlfolio's Excel
functions the value comes from calling that function, as the add-in passes it to the build
(:data:`Functions`: the workbook never imports the add-in), with the cell values of its arguments;
the other formulas use a handful of Excel's own functions whose values the build computes.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, NamedTuple

#: Excel's own functions the template may use.
EXCEL_BUILTINS = frozenset({"SUM", "SUMIF", "SUMPRODUCT", "INDEX", "MATCH"})

_CALL = re.compile(r"([A-Z][A-Z0-9_.]*)\(")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


class Call(NamedTuple):
    """A function call in a formula: its name and its top-level argument texts."""

    name: str
    args: tuple[str, ...]


class FormulaFunction(NamedTuple):
    """An xlfolio Excel function as the build uses it: in formulas and on the Start sheet."""

    name: str
    #: Called with one value per argument: rows (a list of row lists) for a reference, else the literal.
    func: Callable[..., Any]
    min_args: int
    max_args: int
    #: One line, for the Start sheet's function reference.
    description: str


#: Excel name -> function: what the add-in gives the build.
Functions = Mapping[str, FormulaFunction]


def _split_args(text: str) -> tuple[str, ...]:
    args, depth, start, in_str = [], 0, 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            in_str = not in_str
        elif in_str:
            continue
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    last = text[start:].strip()
    if last or args:
        args.append(last)
    return tuple(args)


def calls(formula: str) -> list[Call]:
    """Every function call in ``formula`` (nested ones too), outermost first."""
    out = []
    text = formula.lstrip("=")
    for m in _CALL.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_.$!'"):
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if depth:
            raise ValueError(f"unbalanced parentheses in {formula!r}")
        out.append(Call(m.group(1), _split_args(text[m.end():i - 1])))
    return out


def evaluate_udf(formula: str, read_ref: Callable[[str], list[list[Any]]], functions: Functions) -> Any:
    """Value of a formula that is one call of an xlfolio function, e.g. ``=PORTFOLIO_RISK(W, Cov)``.

    ``read_ref`` gives the cell values of a name or reference as rows. Arguments may be names,
    references, numbers, strings or TRUE/FALSE. Returns the function's result (a number, text, or rows).
    """
    text = formula.lstrip("=").strip()
    found = calls(text)
    if len(found) != 1 or not re.fullmatch(rf"{re.escape(found[0].name)}\(.*\)", text, re.S):
        raise ValueError(f"{formula!r}: expected one call of an xlfolio function, nothing around it")
    call = found[0]
    if call.name not in functions:
        raise ValueError(f"{formula!r}: {call.name} is not an xlfolio function")
    args = []
    for text in call.args:
        if _NUMBER.match(text):
            args.append(float(text))
        elif text.upper() in ("TRUE", "FALSE"):
            args.append(text.upper() == "TRUE")
        elif text.startswith('"') and text.endswith('"'):
            args.append(text[1:-1].replace('""', '"'))
        else:
            args.append(read_ref(text))
    return functions[call.name].func(*args)
