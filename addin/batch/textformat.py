"""How a CSV file is written: its encoding, its delimiter and its header, found from its first bytes.

Excel writes "CSV UTF-8" (with a byte-order mark), "CSV" in the Windows code page (cp1252 in Western
Europe and the Americas), "Unicode Text" (UTF-16 LE with a byte-order mark, tab-separated), and in
decimal-comma locales separates fields with ``;``. All of these are recognised; the encoding is named
in the run's summary so a wrong guess shows. ``--encoding`` overrides the guess.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import NamedTuple

from .problems import BookInputError

HEAD_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t", "|")

#: What a UTF-8 file without a byte-order mark that turns out not to be UTF-8 is read as.
FALLBACK_ENCODING = "cp1252"

_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE"),
)
_LABELS = {"utf-8": "UTF-8", "utf8": "UTF-8", "cp1252": "Windows-1252", "windows-1252": "Windows-1252",
           "latin-1": "Latin-1", "latin1": "Latin-1", "iso-8859-1": "Latin-1"}


class TextFormat(NamedTuple):
    """``encoding``: a Python codec name (``utf-8`` is read natively by Arrow, others are transcoded);
    ``label``: the name the summary shows; ``header``: the column names as written."""

    encoding: str
    label: str
    delimiter: str
    header: list[str]
    bom: bytes


def label_of(encoding: str) -> str:
    return _LABELS.get(encoding.lower(), encoding)


def _guess_encoding(head: bytes) -> tuple[str, str, bytes]:
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label, bom
    sample = head[:4096]
    if sample and sample.count(0) > len(sample) // 4:  # UTF-16 without a mark: every other byte is 0
        odd_zeros = sample[1::2].count(0)
        return ("utf-16-le", "UTF-16 LE (no BOM)", b"") if odd_zeros > sample[0::2].count(0) else \
            ("utf-16-be", "UTF-16 BE (no BOM)", b"")
    cut = head if len(head) < HEAD_BYTES else head[: head.rfind(b"\n") + 1 or len(head)]
    try:
        cut.decode("utf-8")
    except UnicodeDecodeError:
        return FALLBACK_ENCODING, label_of(FALLBACK_ENCODING), b""
    return "utf-8", "UTF-8", b""


def sniff(path: Path, encoding: str | None = None) -> TextFormat:
    """The encoding, delimiter and header of the CSV file at ``path``.

    Raises
    ------
    BookInputError
        The file is empty, or not text in the given (or any recognised) encoding.
    """
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.strip(b"\r\n\t \x00\xef\xbb\xbf\xff\xfe"):
        raise BookInputError(f"{path.name}: the file is empty; export the table again with its header row.")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise BookInputError(f"--encoding {encoding}: not an encoding Python knows; try utf-8, cp1252 or utf-16.")
        codec, label, bom = encoding, label_of(encoding), b""
        for mark, _, _ in _BOMS:
            if head.startswith(mark) and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32", "utf-8")):
                bom = mark
    else:
        codec, label, bom = _guess_encoding(head)
    try:
        text = head.decode(codec if codec != "utf-8" else "utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        if len(head) < HEAD_BYTES or encoding:
            raise BookInputError(
                f"{path.name}: not readable as {label}; save it from Excel as 'CSV UTF-8' or give --encoding."
            )
        text = head.decode(codec, errors="ignore")  # a character cut at the end of the sample
    text = text.lstrip("\ufeff")
    first = _first_record(text)
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    if counts[delimiter] < 2:
        delimiter = ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    return TextFormat(codec, label, delimiter, header, bom)


def _first_record(text: str) -> str:
    """The header record (a quoted name may hold a line break)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    lines = text.splitlines(keepends=True)
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return lines[0] if lines else ""
    return "".join(lines[: reader.line_num]).rstrip("\r\n")
