"""Each front-end's cell values, normalised in one place to the canonical form before the shared conversion.

The shared conversion (:mod:`addin.cells.grids`, :mod:`~addin.cells.scalars`,
:mod:`~addin.cells.ranges`) reads one form only: COM's ``Range.Value``, described in
:mod:`addin.cells.values`. A front-end whose values arrive in another form hands
:func:`addin.cells.guard.cell_callable` a *normaliser*: a function from one argument as that
front-end gives it to the same argument in the canonical form. Messages, defaults and results
then come out the same whatever the front-end.

* Desktop Excel (COM, through xlwings' ``call_udf``): already canonical, :func:`com_value`.
* A :class:`addin.book.Book` (buttons, the template build) reads a named block as rows, a list of
  row lists: :func:`book_value`.
* xlwings Lite (Office.js): lists of lists for ranges, ``""`` for an empty cell, error values in
  Office.js's form: its normaliser belongs here, next to these two.
"""

from __future__ import annotations

from typing import Any, Callable

#: A front-end's argument -> the same argument in the canonical form.
Normaliser = Callable[[Any], Any]


def com_value(value: Any) -> Any:
    """A COM argument: already in the canonical form."""
    return value


def book_value(value: Any) -> Any:
    """A value as a :class:`~addin.book.Book` reads it: rows (a list of row lists) become what COM passes
    for the same cells, a bare value for one cell, else a tuple of row tuples; anything else is unchanged."""
    if not isinstance(value, list):
        return value
    if len(value) == 1 and len(value[0]) == 1:
        return value[0][0]
    return tuple(tuple(r) for r in value)
