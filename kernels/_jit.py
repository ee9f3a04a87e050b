"""Numba compile settings for every kernel, in one place.

``cache=True`` keeps compiled machine code on disk so that a fresh Excel session
does not recompile; ``error_model="numpy"`` makes division by zero give inf/nan
instead of raising inside compiled code; no ``fastmath``: the kernels promise
results equal to reference implementations to 1e-10 and more.
"""

from __future__ import annotations

import numba

JIT_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)
PARALLEL_JIT_OPTIONS = dict(JIT_OPTIONS, parallel=True)


def jit(func=None, **overrides):
    """Compile ``func`` with the project's settings (``@jit`` or ``@jit(parallel=True)``)."""
    options = dict(JIT_OPTIONS, **overrides)

    def wrap(f):
        return numba.njit(**options)(f)

    return wrap(func) if func is not None else wrap
