"""Excel cell values in, arrays out; results back to cells; errors as one-line cell messages.

The conversion every front-end shares, in small modules:

* :mod:`~addin.cells.values`: one cell in the canonical form (COM's ``Range.Value``: ``float``,
  ``Decimal``, ``bool``, ``str``, ``None`` for empty, ``datetime``, ``int`` codes for cell errors,
  :data:`MISSING` for an omitted optional argument) and how a message names it;
* :mod:`~addin.cells.normalise`: each front-end's value form -> the canonical form, in one place;
* :mod:`~addin.cells.grids`, :mod:`~addin.cells.scalars`, :mod:`~addin.cells.ranges`: reading
  arguments (a grid of numbers, single cells, vectors, matrices, histories, labels);
* :mod:`~addin.cells.spills`: results as spill ranges;
* :mod:`~addin.cells.messages`: failures as the one line a cell shows;
* :mod:`~addin.cells.guard`: a catalogue entry made safe to call from a cell.

The rules every Excel function follows:

* a vector is one row or one column; results spill in the orientation of the input vector;
* trailing blank rows (and trailing blank columns) of a selected range are ignored; any other
  blank cell in a required range is an error naming the argument and the cell's position
  (history tables are the exception: a blank there is a gap the estimators handle);
* an optional argument that is omitted, or points at blank cells, takes its default;
* text, TRUE/FALSE, dates and cell errors (``#N/A``...) in a numeric range give a message;
* every failure comes back as one line of text under 200 characters that starts with
  :data:`ERROR_PREFIX` and names the argument to fix, so a formula detects it with
  ``=LEFT(A1, 7)="#ERROR:"`` (or ``ISTEXT`` for functions returning a number);
* a number that is not finite (an overflow, 0/0) is never shown as a blank cell: the result becomes a
  message; a blank appears only where a function documents it (a Sharpe ratio at zero risk).
"""

from .grids import grid
from .messages import ERROR_PREFIX, MAX_MESSAGE_CHARS, error_text
from .ranges import (
    Table,
    Vector,
    group_limits,
    history,
    is_square_matrix,
    labels,
    matrix,
    number_or_vector,
    ragged,
    vector,
    vector_or_matrix,
)
from .scalars import choice, flag, integer, is_omitted, number, number_or_flag, text
from .spills import Spill, asset_labels, spill, spill_matrix, spill_table
from .values import CELL_ERRORS, MISSING

__all__ = [
    "CELL_ERRORS", "ERROR_PREFIX", "MAX_MESSAGE_CHARS", "MISSING", "Spill", "Table", "Vector", "asset_labels",
    "choice", "error_text", "flag", "grid", "group_limits", "history", "integer", "is_omitted", "is_square_matrix",
    "labels", "matrix", "number", "number_or_flag", "number_or_vector", "ragged", "spill", "spill_matrix",
    "spill_table", "text", "vector", "vector_or_matrix",
]
