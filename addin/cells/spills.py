"""Results back to cells: vectors and tables as spill ranges, and the check that Excel can show them."""

from __future__ import annotations

from itertools import chain
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from kernels import InputError


def _cell(x: Any) -> Any:
    if isinstance(x, (np.floating, np.integer)):
        return float(x)
    return x


def spill(values: Sequence[float] | NDArray[np.float64], orientation: str = "column") -> list[list[Any]]:
    """A vector as a spill range: a column (one value per row) or a row."""
    flat = [_cell(x) for x in np.asarray(values, dtype=np.float64).reshape(-1).tolist()]
    if orientation == "row":
        return [flat]
    return [[x] for x in flat]


def spill_table(columns: Sequence[Sequence[Any]] | NDArray[np.float64], header: Sequence[str] | None = None) -> list[list[Any]]:
    """A table as a spill range: ``columns`` is a 2-D array (rows x columns), ``header`` an optional first row.

    Infinite or undefined entries (a Sharpe ratio at zero risk, an unbounded risk tolerance) become empty cells.
    """
    body = np.asarray(columns, dtype=np.float64)
    if body.ndim == 1:
        body = body.reshape(-1, 1)
    out: list[list[Any]] = [list(header)] if header is not None else []
    out.extend([[x if np.isfinite(x) else None for x in r] for r in body.tolist()])
    return out


def asset_labels(n_assets: int, prefix: str = "w") -> list[str]:
    """Default column labels for per-asset columns: w1, w2, ..."""
    return [f"{prefix}{i + 1}" for i in range(n_assets)]


def finite_or_raise(result: Any) -> Any:
    """The result, unless it holds an inf or NaN (a division by zero or an overflow on extreme inputs)."""
    values = [result] if not isinstance(result, list) else chain.from_iterable(result)
    if any(isinstance(x, float) and not np.isfinite(x) for x in values):
        raise InputError("result: not a finite number for these inputs (a division by zero or an overflow); "
                         "check the inputs for zeros or extreme values.")
    return result
