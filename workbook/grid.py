"""A tiny in-memory sheet model the build fills before XlsxWriter writes it.

The build needs the values of every block it lays out (to store formulas' computed values and to
run the macros on the sample client), so it writes into :class:`Grid` first, then emits the file.
Cell addresses are 0-based ``(row, col)``; :func:`a1` and :func:`parse_a1` convert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_letter(col: int) -> str:
    """0-based column index -> letters (0 -> ``A``, 26 -> ``AA``)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """Column letters -> 0-based index."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row: int, col: int, absolute: bool = False) -> str:
    """0-based ``(row, col)`` -> ``B3`` (or ``$B$3``)."""
    d = "$" if absolute else ""
    return f"{d}{col_letter(col)}{d}{row + 1}"


def parse_a1(ref: str) -> tuple[int, int]:
    """``$B$3`` -> ``(2, 1)``."""
    m = _A1.match(ref.strip())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return int(m.group(2)) - 1, col_index(m.group(1))


def quote_sheet(sheet: str) -> str:
    """Sheet name as it appears in a reference (quoted when it has spaces or punctuation)."""
    return sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", sheet) else "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True)
class Block:
    """A rectangular range on one sheet, 0-based and inclusive."""

    sheet: str
    row: int
    col: int
    n_rows: int = 1
    n_cols: int = 1

    @property
    def last_row(self) -> int:
        return self.row + self.n_rows - 1

    @property
    def last_col(self) -> int:
        return self.col + self.n_cols - 1

    def ref(self, with_sheet: bool = True) -> str:
        """Absolute A1 reference, e.g. ``Assumptions!$B$5:$B$9``."""
        first = a1(self.row, self.col, True)
        text = first if self.n_rows == self.n_cols == 1 else f"{first}:{a1(self.last_row, self.last_col, True)}"
        return f"{quote_sheet(self.sheet)}!{text}" if with_sheet else text

    def cells(self):
        for r in range(self.row, self.row + self.n_rows):
            for c in range(self.col, self.col + self.n_cols):
                yield r, c


def parse_ref(ref: str) -> Block:
    """``'Risk Parity'!$B$5:$C$9`` -> :class:`Block`."""
    ref = ref.lstrip("=").strip()
    sheet, _, cells = ref.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    first, _, last = cells.partition(":")
    r0, c0 = parse_a1(first)
    r1, c1 = parse_a1(last) if last else (r0, c0)
    return Block(sheet, r0, c0, r1 - r0 + 1, c1 - c0 + 1)


@dataclass
class Cell:
    value: Any = None
    formula: str | None = None
    fmt: str | None = None


@dataclass
class Sheet:
    name: str
    code_name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    col_widths: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None
    validations: list[tuple[Block, dict]] = field(default_factory=list)
    charts: list[tuple[str, dict]] = field(default_factory=list)
    merges: list[tuple[Block, str, str | None]] = field(default_factory=list)


class Grid:
    """Sheets of cells (value, formula, format name), named blocks, validations and charts."""

    def __init__(self) -> None:
        self.sheets: dict[str, Sheet] = {}
        self.names: dict[str, Block] = {}

    def add_sheet(self, name: str, code_name: str) -> Sheet:
        sheet = Sheet(name, code_name)
        self.sheets[name] = sheet
        return sheet

    def put(self, sheet: str, row: int, col: int, value: Any = None, fmt: str | None = None,
            formula: str | None = None) -> None:
        self.sheets[sheet].cells[(row, col)] = Cell(value, formula, fmt)

    def put_row(self, sheet: str, row: int, col: int, values, fmt: str | None = None) -> None:
        for j, v in enumerate(values):
            self.put(sheet, row, col + j, v, fmt)

    def put_block(self, block: Block, values, fmt: str | None = None) -> None:
        """Write a 2-D list (rows of values) into ``block``; blanks past the data."""
        for i in range(block.n_rows):
            row = values[i] if i < len(values) else []
            for j in range(block.n_cols):
                self.put(block.sheet, block.row + i, block.col + j, row[j] if j < len(row) else None, fmt)

    def name(self, name: str, block: Block) -> Block:
        if name in self.names:
            raise ValueError(f"name {name!r} defined twice")
        self.names[name] = block
        return block

    def read(self, name_or_block: str | Block) -> list[list[Any]]:
        """Values of a named block as rows (what a macro or a UDF would be given)."""
        block = self.names[name_or_block] if isinstance(name_or_block, str) else name_or_block
        cells = self.sheets[block.sheet].cells
        return [[getattr(cells.get((r, c)), "value", None) for c in range(block.col, block.last_col + 1)]
                for r in range(block.row, block.last_row + 1)]
