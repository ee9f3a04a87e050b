"""How many threads the linear algebra (OpenBLAS, MKL) of an xlfolio process uses: one unless told.

Measured on a 2-core machine with other work running (what Excel recalculating beside its UDF server, or
the book CLI's worker processes, look like to BLAS): OpenBLAS's threads waiting for each other made a
20 x 20 ``dpotri`` take 0.1 s instead of 3 us and a 500-asset NEAREST_CORRELATION 24 s instead of 1.0 s;
one thread loses at most the parallel speed-up of the largest factorisations on an idle machine.
``XLFOLIO_BLAS_THREADS=N`` sets another count; without it an ``OPENBLAS_NUM_THREADS`` or
``MKL_NUM_THREADS`` already set is kept.
"""

from __future__ import annotations

import os
import sys

#: The variable that sets the count for xlfolio.
THREADS_ENV = "XLFOLIO_BLAS_THREADS"
#: The variables the BLAS libraries read when they load.
LIBRARY_ENVS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _count(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and int(text) >= 1 else None


def configure() -> int:
    """Set the BLAS thread count of this process and return it.

    Libraries loaded later read the environment; those already loaded (NumPy's, when xlwings imported
    it first) are limited through ``threadpoolctl`` where it is installed (not under Pyodide: no threads).
    """
    asked = _count(os.environ.get(THREADS_ENV))
    for var in LIBRARY_ENVS:
        if asked is not None:
            os.environ[var] = str(asked)
        else:
            os.environ.setdefault(var, "1")
    n = _count(os.environ[LIBRARY_ENVS[0]]) or 1
    if "numpy" in sys.modules:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            return n
        threadpool_limits(limits=n, user_api="blas")
    return n
