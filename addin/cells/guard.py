"""A cell function made safe to call from a cell: defaults for omitted arguments, every failure a message.

:func:`cell_callable` is what each front-end calls a catalogue entry through (:mod:`addin.catalogue`),
with its own normaliser (:mod:`addin.cells.normalise`).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np

from addin.catalogue import CellFunction
from kernels import InputError, PortfolioError

from .messages import error_text, rename_argument
from .normalise import Normaliser, com_value
from .scalars import is_omitted
from .spills import Spill

logger = logging.getLogger(__name__)


def cell_callable(function: CellFunction, normalise: Normaliser = com_value) -> Callable[..., Any]:
    """A plain Python function calling ``function`` as a cell would, named and documented like it.

    The function (1) puts each argument in the canonical form with ``normalise``; (2) gives omitted
    optional arguments, and optional arguments pointing at blank cells, their default; (3) refuses a
    result holding inf or NaN, which Excel cannot show, with a message naming the required arguments
    (:func:`shown`; NumPy's floating-point warnings are silenced for the call: the result is checked
    instead, in one vectorised pass for a :class:`~addin.cells.spills.Spill`; a blank shows only where
    the function marks it meant); (4) turns every exception into a one-line cell
    message (:func:`~addin.cells.messages.error_text`) so nothing escapes to Excel's UDF server: the
    message of a :class:`kernels.PortfolioError` is what the user reads, the kernel's argument names
    mapped to the Excel ones by ``function.renames``; anything else is an internal error, logged.

    Its ``__name__``, ``__doc__`` and ``__signature__`` are the Excel name, the description and the
    arguments with their defaults: what xlwings' decorators read.
    """
    implementation, name, renames = function.implementation, function.name, function.renames
    defaults = [a.default for a in function.arguments]
    optional = [a.optional for a in function.arguments]
    blamed = ", ".join(a.name for a in function.arguments if not a.optional)

    def call_from_cell(*args):
        args = [normalise(value) for value in args]
        for i, value in enumerate(args[: len(optional)]):
            if optional[i] and value is not defaults[i] and is_omitted(value):
                args[i] = defaults[i]
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                result = implementation(*args)
            return shown(result, blamed)
        except PortfolioError as exc:
            return error_text(rename_argument(str(exc), renames))
        except Exception as exc:  # a bug of ours: never a traceback in a cell or a dead UDF server
            logger.exception("%s failed", name)
            return error_text(f"internal error in {name} ({type(exc).__name__}: {exc}); please report it.")

    call_from_cell.__name__ = call_from_cell.__qualname__ = name
    call_from_cell.__doc__ = function.description
    call_from_cell.__signature__ = function.signature()
    return call_from_cell


def shown(result: Any, blamed: str) -> Any:
    """``result`` as the cell shows it, or a :class:`kernels.InputError` when a number in it is not finite.

    ``blamed`` leads the message: the arguments whose values gave no finite result.
    """
    where = ""
    if isinstance(result, Spill):
        bad = result.non_finite()
        if bad is None:
            return result
        offset = len(result) - result.numbers.shape[0]  # a header row above the numbers
        where = f" (row {bad[0] + 1 + offset}, column {bad[1] + 1})"
    elif isinstance(result, (float, np.floating)):
        if np.isfinite(result):
            return float(result)
    elif isinstance(result, list):  # rows built by hand: checked cell by cell (small results only)
        if all(not isinstance(x, (float, np.floating)) or np.isfinite(x) for r in result for x in r):
            return result
    else:
        return result
    raise InputError(f"{blamed}: no finite result{where} for these values (an overflow or a division by zero); "
                     "check them for extreme values or zeros.")
