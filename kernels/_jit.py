"""Numba compile settings for every kernel, in one place, and the plain-Python mode.

``cache=True`` keeps compiled machine code on disk so that a fresh Excel session
does not recompile; ``error_model="numpy"`` makes division by zero give inf/nan
instead of raising inside compiled code; ``fastmath`` only where a kernel says why.

Without Numba (Pyodide, a Python release Numba does not support yet), or with the
environment variable ``XLFOLIO_DISABLE_NUMBA=1``, :func:`jit` returns the function
unchanged (with ``.py_func`` pointing at itself, as a compiled kernel has) and
:data:`prange` is ``range``: the same code runs as plain Python.
"""

from __future__ import annotations

import os

try:
    import numba
except ImportError:  # pragma: no cover - exercised by the no-Numba CI run
    numba = None

#: True when kernels run as plain Python (no Numba installed, or disabled by the environment).
PURE_PYTHON = numba is None or os.environ.get("XLFOLIO_DISABLE_NUMBA", "") not in ("", "0")

JIT_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)
PARALLEL_JIT_OPTIONS = dict(JIT_OPTIONS, parallel=True)

#: Parallel range inside kernels: ``numba.prange`` compiled, ``range`` in plain Python.
prange = range if PURE_PYTHON else numba.prange


def jit(func=None, **overrides):
    """Compile ``func`` with the project's settings (``@jit`` or ``@jit(parallel=True)``)."""
    options = dict(JIT_OPTIONS, **overrides)

    def wrap(f):
        if PURE_PYTHON:
            f.py_func = f
            return f
        return numba.njit(**options)(f)

    return wrap(func) if func is not None else wrap
