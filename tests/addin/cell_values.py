"""What the UDF tests hand to ``call_udf`` and expect back in a cell (shared by the test_udfs_* files)."""

from __future__ import annotations

import pytest

import kernels
from addin import cells


def column(x):
    """A column range as xlwings passes it with ``ndim=2``: one value per row."""
    return [[float(v)] for v in x]


def row(x):
    """A row range as xlwings passes it with ``ndim=2``."""
    return [[float(v) for v in x]]


def kernel_message(func, *args, renames=None, **kwargs):
    """What the cell must show for an input the kernel refuses: its own message, behind the prefix.

    Kernel messages belong to the kernels' owners; the cell layer passes them through (renaming
    the argument where the Excel name differs), so the tests compare with the kernel, not a copy.
    """
    with pytest.raises(kernels.PortfolioError) as info:
        func(*args, **kwargs)
    text = str(info.value)
    for old, new in (renames or {}).items():
        if text.startswith(f"{old}:"):
            text = new + text[len(old):]
    return cells.ERROR_PREFIX + text
