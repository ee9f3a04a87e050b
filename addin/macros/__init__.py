"""The ribbon macros: one function per button of the Portfolio tab.

Each takes an optional :class:`addin.book.Book` (the calling Excel workbook when omitted, as a ribbon
click runs it through ``RunPython "import addin.macros as m; m.rebalance()"``), reads the named input
blocks, validates them, computes with :mod:`kernels`, writes only to its output blocks, appends a row
to the Log sheet and returns a :class:`MacroResult`. On bad input it writes nothing and says what to fix.
"""

from addin import numba_cache

numba_cache.configure()  # before kernels are imported: Numba picks its cache folder at decoration

from ._run import MacroResult  # noqa: E402
from .estimates import refresh_estimates  # noqa: E402
from .frontier import efficient_frontier  # noqa: E402
from .income import income_plan  # noqa: E402
from .rebalance import check_drift, rebalance  # noqa: E402
from .risk_parity import risk_parity  # noqa: E402
from .session import show_help, warm_up  # noqa: E402

#: Button order of the ribbon: Python name of each macro.
BUTTONS = ("rebalance", "check_drift", "efficient_frontier", "risk_parity", "income_plan", "refresh_estimates",
           "warm_up", "show_help")
#: Macros that compute something, in the order ``xlfolio demo`` runs them.
COMPUTING = ("refresh_estimates", "efficient_frontier", "risk_parity", "rebalance", "check_drift", "income_plan")

__all__ = ["MacroResult", "BUTTONS", "COMPUTING", *BUTTONS]
