"""Results back to cells: vectors, matrices and tables as spill ranges, and the check that Excel can show them.

A spill is a :class:`Spill`: the rows a cell shows (a list of row lists, what xlwings hands Excel) that
also keeps its numbers as one float array, so the guard (:mod:`addin.cells.guard`) checks every number
in one vectorised pass instead of cell by cell. A number that is not finite (an overflow, 0/0) is never
shown as a blank: the guard refuses the whole result with a message. A blank is shown only where a
function marks it legitimate (``blanks=``), e.g. the Sharpe ratio of a portfolio with zero risk.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray


class Spill(list):
    """A spill range: a list of row lists (what Excel receives) with its numbers kept as one array.

    Attributes
    ----------
    numbers : ndarray of shape (n_rows, n_cols)
        The numeric body (the rows below ``header``), NaN where a cell is a legitimate blank.
    blanks : ndarray of bool of the same shape, or None
        Where a blank cell is meant (NaN or inf there is not an error).
    """

    numbers: NDArray[np.float64]
    blanks: NDArray[np.bool_] | None

    @classmethod
    def of(cls, numbers: NDArray[np.float64], header: Sequence[Any] | None = None,
           blanks: NDArray[np.bool_] | None = None) -> Spill:
        numbers = np.asarray(numbers, dtype=np.float64)
        rows = numbers.tolist()  # Python floats, in C
        if blanks is not None and blanks.any():
            for i, j in np.argwhere(blanks).tolist():
                rows[i][j] = None
        else:
            blanks = None
        out = cls([list(header)] + rows if header is not None else rows)
        out.numbers = numbers
        out.blanks = blanks
        return out

    def non_finite(self) -> tuple[int, int] | None:
        """(row, column) in the body of the first number that is not finite and not a meant blank, or None."""
        bad = ~np.isfinite(self.numbers)
        if self.blanks is not None:
            bad &= ~self.blanks
        if not bad.any():
            return None
        i, j = np.argwhere(bad)[0].tolist()
        return i, j


def spill(values: Sequence[float] | NDArray[np.float64], orientation: str = "column") -> Spill:
    """A vector as a spill range: a column (one value per row) or a row."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    return Spill.of(flat.reshape(1, -1) if orientation == "row" else flat.reshape(-1, 1))


def spill_matrix(values: NDArray[np.float64]) -> Spill:
    """A matrix (n_rows x n_cols) as a spill range."""
    arr = np.asarray(values, dtype=np.float64)
    return Spill.of(arr.reshape(arr.shape[0], -1) if arr.ndim != 2 else arr)


def spill_table(columns: Sequence[Sequence[Any]] | NDArray[np.float64], header: Sequence[str] | None = None,
                blanks: NDArray[np.bool_] | None = None) -> Spill:
    """A table as a spill range: ``columns`` is a 2-D array (rows x columns), ``header`` an optional first row.

    ``blanks`` marks the cells meant to be empty (an undefined Sharpe ratio at zero risk, an unbounded
    risk tolerance); any other entry that is not a finite number makes the guard refuse the result.
    """
    body = np.asarray(columns, dtype=np.float64)
    if body.ndim == 1:
        body = body.reshape(-1, 1)
    return Spill.of(body, header, blanks)


def asset_labels(n_assets: int, prefix: str = "w") -> list[str]:
    """Default column labels for per-asset columns: w1, w2, ..."""
    return [f"{prefix}{i + 1}" for i in range(n_assets)]
