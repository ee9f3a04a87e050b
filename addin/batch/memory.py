"""How glibc's allocator serves the book's arrays (Linux only; a no-op elsewhere).

Two sizes of arrays, two needs. The book-wide columns and masks (tens of MB each, made once while reading
and checking) should go back to the system as soon as they are freed, or the process's peak memory counts
them after their use: :func:`return_freed_memory` fixes glibc's mmap threshold at 128 KiB (by default it
rises each time a large block is freed, after which such blocks come from the heap and stay counted). The
per-chunk tables (about 1.3 MB each, made and freed for every chunk of 5,000 accounts) should instead be
reused: each fresh mapping is zero-filled page by page on first touch, which cost the layout and the
kernel's output about 0.4 CPU-s per 100,000 accounts. :func:`chunk_arrays` raises the threshold to 8 MiB for
the chunk loop and sets it back afterwards.
"""

from __future__ import annotations

import contextlib
import sys

M_MMAP_THRESHOLD = -3
#: Blocks at least this large are mapped (and unmapped when freed) while the book's columns are made.
BOOK_WIDE_BYTES = 1 << 17
#: The same during the chunk loop: a chunk's tables (~1.3 MB at 5,000 accounts x 33 columns) are reused.
PER_CHUNK_BYTES = 8 << 20

_libc = None


def _set_threshold(nbytes: int) -> bool:
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    try:
        if _libc is None:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6")
        return bool(_libc.mallopt(M_MMAP_THRESHOLD, nbytes))
    except (OSError, AttributeError):
        return False


_tuned = False


def return_freed_memory() -> None:
    """Large freed blocks go back to the system at once (see the module's text); the command calls it first."""
    global _tuned
    _tuned = _set_threshold(BOOK_WIDE_BYTES)


@contextlib.contextmanager
def chunk_arrays():
    """Within: chunk-sized blocks are reused from the heap (only after :func:`return_freed_memory`)."""
    if not _tuned:
        yield
        return
    _set_threshold(PER_CHUNK_BYTES)
    try:
        yield
    finally:
        _set_threshold(BOOK_WIDE_BYTES)
