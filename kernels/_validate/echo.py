"""What a message may quote of the user's input: short, whatever came.

A message is one line under 200 characters (it is what a cell shows), so a value quoted back is cut:
text to :data:`ECHO_CHARS` characters, numbers in short form (``{x:.4g}``, never thousands separators).
"""

from __future__ import annotations

#: Longest piece of the user's text a message quotes.
ECHO_CHARS = 20


def echo(value: object) -> str:
    """``value`` as a message quotes it: ``'sampel'``, ``'a very long word th...'``, ``1.5e+300``."""
    if isinstance(value, str):
        text = " ".join(value.split())
        return repr(text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 3] + "...")
    if isinstance(value, float):
        return f"{value:.4g}"
    text = repr(value)
    return text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 3] + "..."
