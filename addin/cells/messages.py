"""Failures as the one line of text a cell (or a button's message box) shows."""

from __future__ import annotations

import re
from typing import Mapping

#: Every error message a cell shows starts with this text.
ERROR_PREFIX = "#ERROR: "
#: Longest message put in a cell (Excel shows a long text badly; ours are one line).
MAX_MESSAGE_CHARS = 250

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def error_text(message: str) -> str:
    """A failure as the one line a cell shows (terminal colour codes and control characters removed)."""
    plain = _ANSI_ESCAPE.sub("", str(message))
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in plain).split())
    if len(line) > MAX_MESSAGE_CHARS:
        line = line[: MAX_MESSAGE_CHARS - 3] + "..."
    return ERROR_PREFIX + line


def rename_argument(message: str, renames: Mapping[str, str]) -> str:
    """A kernel's message with its leading argument name (``cov: ...``) replaced by the name the user sees."""
    head, sep, rest = message.partition(":")
    if sep and head in renames:
        return f"{renames[head]}:{rest}"
    return message
