"""Failures as the one line of text a cell (or a button's message box) shows.

The contract: one line, under 200 characters, leading with the name the user sees (an Excel argument
or a workbook block), never a traceback. :func:`error_text` enforces the form whatever the message
(control characters removed, a long number in short form, a long quote cut, the line capped);
:func:`rename_argument` puts the user's name in place of a kernel's argument name.
"""

from __future__ import annotations

import re
from typing import Mapping

#: Every error message a cell shows starts with this text.
ERROR_PREFIX = "#ERROR: "
#: Longest text a cell message may have, prefix included (the contract is "under 200 characters").
MAX_MESSAGE_CHARS = 199
#: A number written with more characters than this is put in short form (``{x:.4g}``).
LONG_NUMBER_CHARS = 16
#: A quoted piece of the user's text longer than this is cut.
LONG_QUOTE_CHARS = 24

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_QUOTE = re.compile(r"'([^']{%d,})'" % (LONG_QUOTE_CHARS + 1))
#: ``name[3]`` or ``name.attr``: an indexed or dotted kernel argument name.
_HEAD = re.compile(r"^(\w+)(\[[^\]]*\]|\.\w+)?$")


def _short_number(match: re.Match) -> str:
    text = match.group(0)
    if len(text) <= LONG_NUMBER_CHARS:
        return text
    try:
        return f"{float(text.replace(',', '')):.4g}"
    except ValueError:  # a digit run too long for a float: keep its head
        return text[:LONG_NUMBER_CHARS] + "..."


def _short_quote(match: re.Match) -> str:
    return f"'{match.group(1)[: LONG_QUOTE_CHARS - 3]}...'"


def one_line(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message as one line of at most ``limit`` characters.

    Terminal colour codes and control characters go; numbers longer than :data:`LONG_NUMBER_CHARS`
    characters (``1,000,000,...,000.00``) are put in short form (``1e+300``); quoted text longer than
    :data:`LONG_QUOTE_CHARS` is cut; a line still too long is cut with "...".
    """
    plain = _ANSI_ESCAPE.sub("", str(message))
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in plain).split())
    line = _QUOTE.sub(_short_quote, _NUMBER.sub(_short_number, line))
    if len(line) > limit:
        line = line[: limit - 3] + "..."
    return line


def error_text(message: str) -> str:
    """A failure as the one line a cell shows: ``#ERROR: `` + :func:`one_line`, under 200 characters in all."""
    return ERROR_PREFIX + one_line(message, MAX_MESSAGE_CHARS - len(ERROR_PREFIX))


_NAME = r"[\w\[\].]+(?: \(set \d+\))?"  # a weight set of a table of sets: ``weights (set 2)``
_NAMES = re.compile(rf"^{_NAME}(?:, {_NAME})*$")


def leading_name(message: str) -> str:
    """The name(s) a message leads with (``cov`` in ``"cov: not symmetric..."``, ``weights, cov`` in
    ``"weights, cov: no finite result..."``), "" without one."""
    head, sep, _ = message.partition(":")
    return head if sep and _NAMES.match(head) else ""


def rename_argument(message: str, renames: Mapping[str, str]) -> str:
    """A kernel's message with its leading argument name (``cov: ...``) replaced by the name the user sees.

    ``renames`` maps kernel names to the user's; an indexed or dotted name (``sub_weights[2]``,
    ``constraints.lower``) is looked up whole, then by its base name: the index is kept
    (``weights[2]``), a dotted part dropped (``group_limits``).
    """
    head, sep, rest = message.partition(":")
    if not sep:
        return message
    if head in renames:
        return f"{renames[head]}:{rest}"
    m = _HEAD.match(head)
    if m and m.group(1) in renames:
        suffix = m.group(2) or ""
        return f"{renames[m.group(1)]}{suffix if suffix.startswith('[') else ''}:{rest}"
    return message
