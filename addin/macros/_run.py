"""What every button does around its computation: read, validate, compute, write, log.

A macro is a :class:`Macro`: the names it reads, the names it may write, and a ``compute`` function
from the values read to the values to write. :func:`run` reads every input first, computes, and only
then writes, so a run on bad input writes nothing to the output blocks: it tells the user what to fix
(a message box in Excel), and the Log records the attempt.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from addin import cells
from addin.book import Book, ExcelBook
from addin.cells.messages import one_line, rename_argument
from addin.cells.normalise import book_value
from kernels import InputError, PortfolioError

Rows = list[list[Any]]


class Outcome(NamedTuple):
    """What ``compute`` returns: rows per output name, and one line for the user and the Log."""

    outputs: dict[str, Rows]
    message: str


class MacroResult(NamedTuple):
    """How a run went: ``ok`` False means nothing was written (``message`` says why)."""

    macro: str
    ok: bool
    message: str
    wrote: tuple[str, ...]


class Macro(NamedTuple):
    name: str
    label: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    compute: Callable[[dict[str, Rows], dict[str, tuple[int, int]]], Outcome]
    progress: str
    #: Kernel argument name -> the workbook name the user sees, for the first word of a kernel's message.
    renames: dict[str, str] = {}


def vector(inputs: dict[str, Rows], name: str) -> np.ndarray:
    return cells.vector(book_value(inputs[name]), name).values


def matrix(inputs: dict[str, Rows], name: str) -> np.ndarray:
    return cells.matrix(book_value(inputs[name]), name)


def number(inputs: dict[str, Rows], name: str) -> float:
    return cells.number(book_value(inputs[name]), name)


def integer(inputs: dict[str, Rows], name: str) -> int:
    return cells.integer(book_value(inputs[name]), name)


def text(inputs: dict[str, Rows], name: str) -> str:
    return cells.text(book_value(inputs[name]), name)


def labels(inputs: dict[str, Rows], name: str) -> list[str]:
    """A column of text cells (blank rows at the end ignored)."""
    values = [r[0] for r in inputs[name]]
    while values and values[-1] in (None, ""):
        values.pop()
    for i, v in enumerate(values):
        if not isinstance(v, str) or not v.strip():
            raise InputError(f"{name}: row {i + 1} is blank or not text; type a name there.")
    return [v.strip() for v in values]


def amount(x: float, decimals: int = 0) -> str:
    """An amount of money for a message: ``12,345`` (with ``decimals``), in short form beyond a trillion."""
    return f"{x:,.{decimals}f}" if abs(x) < 1e12 else f"{x:.4g}"


def column(values: Sequence[Any]) -> Rows:
    """A vector as rows of one cell."""
    return [[_cell(v)] for v in values]


def _cell(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    return v


def table(rows: Sequence[Sequence[Any]]) -> Rows:
    return [[_cell(v) for v in r] for r in rows]


def fit(rows: Rows, shape: tuple[int, int], name: str) -> Rows:
    """Pad ``rows`` with blanks to the block's shape (a result larger than its block asks for rows).

    A number that is not finite (an overflow, 0/0) is refused, never written as a blank: a blank in
    an output block is only where ``compute`` put ``None`` on purpose (a Sharpe ratio at zero risk).
    """
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if isinstance(v, float) and not math.isfinite(v):
                raise InputError(f"{name}: no finite result at row {i + 1}, column {j + 1} for these inputs (an "
                                 "overflow or a division by zero); check the inputs for extreme values or zeros.")
    n_rows, n_cols = shape
    if len(rows) > n_rows:
        raise InputError(f"{name}: room for {n_rows} rows of results but {len(rows)} are needed; insert rows "
                         "inside the table (its named range grows with them).")
    if any(len(r) > n_cols for r in rows):
        raise InputError(f"{name}: room for {n_cols} columns of results but {max(map(len, rows))} are needed; "
                         "insert columns inside the table.")
    out = [list(r) + [None] * (n_cols - len(r)) for r in rows]
    out += [[None] * n_cols for _ in range(n_rows - len(out))]
    return out


def run(macro: Macro, book: Book | None = None) -> MacroResult:
    """Run ``macro`` on ``book`` (the calling Excel workbook when ``None``)."""
    book = ExcelBook.caller() if book is None else book
    book.status(f"xlfolio: {macro.progress}...")
    try:
        try:
            inputs = {name: book.read(name) for name in macro.reads}
            shapes = {name: book.shape(name) for name in macro.writes}
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # the results are checked (fit)
                outcome = macro.compute(inputs, shapes)
            blocks = {name: fit(rows, shapes[name], name) for name, rows in outcome.outputs.items()
                      if name in shapes}
            stray = sorted(set(outcome.outputs) - set(macro.writes))
            if stray:
                raise RuntimeError(f"{macro.name} tried to write {stray}, outside its output blocks")
        except PortfolioError as exc:
            message = one_line(rename_argument(str(exc), macro.renames))
            book.append_log([book.now(), macro.name, "error", ", ".join(macro.reads), "nothing", message])
            book.alert(f"{macro.label}: {message}")
            return MacroResult(macro.name, False, message, ())
        except Exception as exc:
            if not getattr(book, "interactive", False):
                raise
            message = one_line(f"internal error ({type(exc).__name__}: {exc}); nothing was written, please report it.")
            book.append_log([book.now(), macro.name, "error", ", ".join(macro.reads), "nothing", message])
            book.alert(f"{macro.label}: {message}")
            return MacroResult(macro.name, False, message, ())
        for name, rows in blocks.items():
            book.write(name, rows)
        wrote = tuple(blocks)
        book.append_log([book.now(), macro.name, "ok", ", ".join(macro.reads),
                         ", ".join(f"{n} ({book.address(n)})" for n in wrote) or "nothing", outcome.message])
        return MacroResult(macro.name, True, outcome.message, wrote)
    finally:
        book.status(None)
