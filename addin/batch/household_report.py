"""A household the kernel refused, reported at the file line of the row its message names.

The kernel counts each table's rows as it was given them (``"lots: row 3 (Taxable VTI) was acquired
2027-01-02, after as_of 2026-11-30; check the date."``): a household's rows of each file, in file order.
:func:`refusal` maps that row back to its physical line, rewrites the rows the message refers to
(``holdings row 2``, ``(rows 1 and 4)``) as lines, and names the household skipped.
"""

from __future__ import annotations

import re

import numpy as np

from .household_book import Book, Grouped
from .household_checks import is_cash_row
from .problems import RowError

_ROW_PREFIX = re.compile(r"^(accounts|holdings|lots|substitutes|recent_trades): row (\d+)")
_HOLDINGS_ROW = re.compile(r"holdings row (\d+)")
_TWO_ROWS = re.compile(r"\(rows (\d+) and (\d+)\)")
_ONE_ROW = re.compile(r"\(row (\d+)\)")
_QUOTED = re.compile(r"'([^']*)'")
#: The two lot messages that are about one holding: reported at the holding's line.
_LOTS_SUM = re.compile(r"^lots: (.+) adds up to (\S+) shares but holdings row (\d+) has (\S+); (.*)$")
_NO_LOTS = re.compile(r"^lots: none for (.+) \(holdings row (\d+), (\S+) shares\); (.*)$")
SINGULAR = {"accounts": "account", "holdings": "holding", "lots": "lot", "substitutes": "substitute",
            "recent_trades": "recent trade"}
#: The kernel's argument names given per household in the households file.
HOUSEHOLD_SETTINGS = ("tax_rates", "as_of", "drift_penalty", "max_turnover", "harvest_threshold")


class _Rows:
    """One household's rows of each table as the kernel saw them, and their file lines."""

    def __init__(self, book: Book, h: int, sub_which: list[int]) -> None:
        self.book, self.h, self.sub_which = book, h, sub_which

    def _grouped(self, table: str) -> Grouped | None:
        return {"accounts": self.book.accounts, "holdings": self.book.holdings, "lots": self.book.lots,
                "recent_trades": self.book.recent}.get(table)

    def file(self, table: str) -> str:
        if table == "substitutes":
            return self.book.substitute_file
        g = self._grouped(table)
        return g.table.name if g is not None and g.table is not None else ""

    def unit(self, table: str) -> str:
        g = self._grouped(table)
        return g.table.unit if g is not None and g.table is not None else "line"

    def rows(self, table: str) -> np.ndarray:
        g = self._grouped(table)
        rows = g.rows[g.start[self.h]:g.start[self.h + 1]]
        if table == "holdings" and self.book.types_in_holdings:
            rows = rows[~is_cash_row(g.table)[rows]]
        return rows

    def line(self, table: str, k: int) -> int:
        """File line of the kernel's row ``k`` (1-based) of ``table``; 0 when out of range."""
        if table == "substitutes":
            return self.book.substitute_lines[self.sub_which[k - 1]] if 0 < k <= len(self.sub_which) else 0
        rows = self.rows(table)
        if not 0 < k <= rows.size:
            return 0
        return int(self._grouped(table).table.lines(rows[k - 1: k])[0])


def refusal(book: Book, h: int, kind: str, message: str, sub_which: list[int]) -> RowError:
    """The RowError of household ``h`` refused by the kernel with ``message`` (an exception of class ``kind``)."""
    name = book.names[h]
    at = _Rows(book, h, sub_which)
    text = message.rstrip(".")
    m = _LOTS_SUM.match(text) or _NO_LOTS.match(text)
    if m:  # a holding whose lots are missing or do not add up: its line
        k = int(m.group(3) if m.re is _LOTS_SUM else m.group(2))
        problem = (f"the lots of {m.group(1)} add up to {m.group(2)} shares, the holding has {m.group(4)}; "
                   f"{m.group(5)}" if m.re is _LOTS_SUM else f"no lots for {m.group(1)} ({m.group(3)} shares); "
                   f"{m.group(4)}")
        return RowError(at.file("holdings"), at.line("holdings", k), "shares", m.group(4) if m.re is _LOTS_SUM
                        else m.group(3), problem, unit=at.unit("holdings"), household=name)
    text = _HOLDINGS_ROW.sub(lambda m: f"{at.file('holdings')} line {at.line('holdings', int(m.group(1)))}", text)
    m = _ROW_PREFIX.match(text)
    if m:
        table, k = m.group(1), int(m.group(2))
        rest = text[m.end():]
        if table == "accounts":
            rest = _TWO_ROWS.sub(lambda g: f"(lines {at.line(table, int(g.group(1)))} and "
                                           f"{at.line(table, int(g.group(2)))})", rest)
        if table == "holdings":
            rest = _ONE_ROW.sub(lambda g: f"(line {at.line(table, int(g.group(1)))})", rest)
        return RowError(at.file(table), at.line(table, k), "", "", f"{SINGULAR[table]}{rest}", unit=at.unit(table),
                        household=name)
    head, _, rest = text.partition(":")
    rest = rest.strip()
    base = head.split(".")[0]
    if base in HOUSEHOLD_SETTINGS:
        t = book.households
        return RowError(t.name, int(t.lines([book.household_row[h]])[0]), head.replace("tax_rates.", ""), "",
                        f"{head}: {rest}", unit=t.unit, household=name)
    if base == "targets":
        model = book.households.strings("model", [book.household_row[h]])[0]
        lines = book.models.lines.get(model, [0])
        return RowError(book.models.file, min(lines), "", "", f"model {model}: {rest}", model="",
                        last_line=max(lines), household=name)
    if base == "cash_flows":
        quoted = _QUOTED.search(rest)
        rows = at.rows("accounts")
        g = book.accounts
        names = g.table.strings("account", rows) if rows.size else []
        k = next((i + 1 for i, n in enumerate(names) if quoted and n == quoted.group(1)), 0)
        return RowError(at.file("accounts"), at.line("accounts", k), "cash_flow", "", f"{head}: {rest}",
                        unit=at.unit("accounts"), household=name)
    if base in SINGULAR:
        return RowError(at.file(base), 0, "", "", rest, household=name)
    return RowError("", 0, "", "", text, household=name)
