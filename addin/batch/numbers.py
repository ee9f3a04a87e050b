"""Strict reading of numbers written as text: never a silent guess.

Accepted: ``1250``, ``-1250.5``, ``.5``, ``1e3``, spaces around the number, and thousands separators
only where they cannot be read another way (``1,250.50``, ``1,250,000``). Everything else is a bad
value with a reason and a fix: a decimal comma (``1,5``), a single separated group that could be
either (``1,000``: one thousand, or 1.000 with a decimal comma), dots for thousands with a decimal comma
(``1.234,56``), percentages, currency signs, ``#N/A``, ``inf``/``nan``.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_PLAIN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_GROUPED = r"^[+-]?[1-9]\d{0,2}(,\d{3})+\.\d*$|^[+-]?[1-9]\d{0,2}(,\d{3}){2,}$"

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_EUROPEAN = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+,\d+$")
_EUROPEAN_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
_SPACED = re.compile(r"^[+-]?\d{1,3}([  ]\d{3})+([.,]\d+)?$")
_CURRENCY = "$€£¥"


def parse_text_numbers(text: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers from text, strictly.

    Parameters
    ----------
    text : pyarrow string array of length n_rows

    Returns
    -------
    values : ndarray of shape (n_rows,)
        The numbers; NaN where blank or bad.
    blank : ndarray of shape (n_rows,), bool
        Blank (or only spaces).
    bad : ndarray of shape (n_rows,), bool
        Not blank and not a number by the rules above (see :func:`why_not_a_number`).
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if pa.types.is_dictionary(text.type):
        text = text.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(text.fill_null(""))
    blank = pc.equal(trimmed, "")
    plain = pc.match_substring_regex(trimmed, _PLAIN)
    grouped = pc.and_(pc.invert(plain), pc.match_substring_regex(trimmed, _GROUPED))
    cleaned = pc.if_else(grouped, pc.replace_substring(trimmed, ",", ""), trimmed)
    ok = pc.or_(plain, grouped)
    values = pc.cast(pc.if_else(ok, cleaned, pa.scalar(None, pa.string())), pa.float64())
    values = values.to_numpy(zero_copy_only=False)
    blank_np = blank.to_numpy(zero_copy_only=False)
    bad = ~blank_np & ~(ok.to_numpy(zero_copy_only=False) & np.isfinite(values))  # 1e999 overflows
    return np.where(bad, np.nan, values), blank_np, bad


def why_not_a_number(text: str) -> str:
    """The reason a text is not read as a number, and the fix (the text follows the column name)."""
    t = text.strip()
    bare = t.lstrip("+-")
    if _DECIMAL_COMMA.match(t) and len(bare.split(",")[1]) == 3 and bare[0] != "0":
        whole, frac = bare.split(",")
        return (f"is ambiguous ({whole}{frac} with a thousands separator, or {whole}.{frac} with a decimal comma); "
                f"write {whole}{frac} or {whole}.{frac}")
    if _DECIMAL_COMMA.match(t):
        return f"has a decimal comma; write {t.replace(',', '.')}"
    if _EUROPEAN_GROUPED.match(t):
        return f"uses . for thousands and , for decimals; write {t.replace('.', '').replace(',', '.')}"
    if _EUROPEAN.match(t) and "," not in t:
        return f"uses . as a thousands separator; write {t.replace('.', '')}"
    if _EUROPEAN.match(t) or (t.count(",") and t.count(".")):
        return "mixes , and . in a way that can be read two ways; write a plain number like 1234.56"
    if t.endswith("%"):
        return "is a percentage; write it as a fraction (0.25 for 25%)"
    if t[:1] in _CURRENCY or t[-1:] in _CURRENCY:
        return "has a currency sign; write the number alone"
    if _SPACED.match(t):
        return f"has spaces inside; write {re.sub(r'[  ]', '', t)}"
    if re.match(_PLAIN, t):
        return "is too large; write a number below 1e308"
    if t.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return "is not a finite number; write a number"
    if "," in t:
        return "has a comma that is not a thousands separator; write a plain number like 1234.56"
    return "is not a number; write a plain number like 1234.56"
