"""Every cell function of the catalogue as xlwings Lite calls it.

``main.py`` declares each function with Lite's decorators, every argument as
``@arg(name, ndim=2, err_to_str=True, doc=...)`` (a list of row lists with cell errors as their text),
and hands the values to the function of the same name here: :func:`~addin.cells.guard.cell_callable`
with :func:`~addin.cells.normalise.lite_value`, so the conversion, the defaults and every ``#ERROR:``
message are the desktop (COM) front-end's.
"""

from __future__ import annotations

from addin import numba_cache

numba_cache.configure()  # before kernels are imported (a no-op without Numba, as in Lite)

from typing import Any, Callable  # noqa: E402

from addin.catalogue import CellFunction  # noqa: E402
from addin.cells.guard import cell_callable  # noqa: E402
from addin.cells.normalise import lite_value  # noqa: E402
from addin.functions import FUNCTIONS  # noqa: E402


def lite_function(function: CellFunction) -> Callable[..., Any]:
    """``function`` taking its arguments as Lite passes them; named, documented and signed like it."""
    call = cell_callable(function, lite_value)
    call.__module__ = __name__
    call.__xlfolio__ = {"result": function.result, "example": function.example}
    return call


globals().update({function.name: lite_function(function) for function in FUNCTIONS})
