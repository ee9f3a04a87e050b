"""The ribbon macros: one function per button of the Portfolio tab (the catalogue: :mod:`addin.macros.buttons`).

Each takes an optional :class:`addin.book.Book` (the calling Excel workbook when omitted, as a ribbon
click runs it through ``RunPython "import addin.macros as m; m.rebalance()"``), reads the named input
blocks, validates them, computes with :mod:`kernels`, writes only to its output blocks, appends a row
to the Log sheet and returns a :class:`MacroResult`. On bad input it writes nothing and says what to fix.
"""

from addin import numba_cache

numba_cache.configure()  # before kernels are imported: Numba picks its cache folder at decoration

from ._run import MacroResult  # noqa: E402
from .buttons import BUTTONS, CATALOGUE, COMPUTING, Button, button  # noqa: E402

# The ribbon's VBA calls m.<name>(): every button's function under its macro's name.
globals().update({b.name: b.function for b in CATALOGUE})

__all__ = ["MacroResult", "Button", "BUTTONS", "CATALOGUE", "COMPUTING", "button", *BUTTONS]
