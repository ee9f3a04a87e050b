"""xlfolio's Excel functions for desktop Excel (the module named in xlwings' "UDF Modules" setting).

The COM front-end of the catalogue (:mod:`addin.catalogue`): for every entry of
:data:`addin.functions.FUNCTIONS` this module holds a function of the same name, made by
:func:`com_function` with xlwings' decorators, which Excel's UDF server calls through
``call_udf`` and from which xlwings writes the VBA stubs (:mod:`addin.vba`).

Notes for maintainers
---------------------
* Nothing is defined here by hand: a new Excel function is a catalogue entry (:mod:`addin.functions`).
* Python names are the Excel names (xlwings uses ``__name__``); the description is the docstring,
  each argument's help the ``doc=`` of ``xw.arg``; Python defaults are the Excel defaults
  (xlwings passes them for an omitted argument; :func:`addin.cells.guard.cell_callable` also for
  one pointing at blank cells).
* Arguments are read ``"raw"`` (exactly COM's ``Range.Value``, the canonical form of
  :mod:`addin.cells`): the conversion can name the cell that is blank, text or an error.
* No type annotations on these functions: xlwings reads annotations as converters.
"""

from __future__ import annotations

from addin import numba_cache

numba_cache.configure()  # before kernels are imported: Numba picks its cache folder at decoration

from typing import Any, Callable  # noqa: E402

import xlwings as xw  # noqa: E402

from addin.catalogue import CellFunction  # noqa: E402
from addin.cells.guard import cell_callable  # noqa: E402
from addin.cells.normalise import com_value  # noqa: E402
from addin.functions import FUNCTIONS  # noqa: E402


def com_function(function: CellFunction) -> Callable[..., Any]:
    """``function`` as xlwings' UDF server calls it: every argument ``"raw"``, its wizard texts, its category."""
    udf = cell_callable(function, com_value)
    udf.__module__ = __name__
    udf.__xlfolio__ = {"result": function.result, "example": function.example}
    for argument in function.arguments:
        udf = xw.arg(argument.name, "raw", doc=argument.doc)(udf)
    return xw.func(category=function.category, call_in_wizard=function.call_in_wizard)(udf)


globals().update({function.name: com_function(function) for function in FUNCTIONS})
