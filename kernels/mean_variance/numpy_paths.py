"""Where a kernel's NumPy path replaces its loops: without Numba only.

:func:`vectorised` is the rule of ``kernels._jit.vectorised`` (helper r1a's branch), kept here until
that module is merged; the kernels of this package then import it from ``kernels._jit`` instead.
"""

from __future__ import annotations

from .._jit import PURE_PYTHON


def vectorised(numpy_version):
    """Run ``numpy_version`` in place of the decorated kernel in the plain-Python mode.

    Written above ``@jit``: compiled, the loop kernel stays; in the plain-Python mode
    ``numpy_version`` (the same result by whole-array NumPy operations, for loops far too slow as
    Python) takes the kernel's name, with ``.py_func`` the loop version. So ``kernel(...)`` against
    ``kernel.py_func(...)`` compares compiled loops with Python loops, or the NumPy path with them.
    """

    def wrap(kernel):
        if not PURE_PYTHON:
            return kernel
        numpy_version.py_func = kernel.py_func
        return numpy_version

    return wrap
