"""Numba compile settings for every kernel, the rule for their disk cache, and the plain-Python mode.

Compile settings
----------------
Kernels write ``@jit`` or ``@jit(option=...)`` (never ``import numba``). Every kernel compiles with
:data:`JIT_OPTIONS`: ``cache=True`` keeps the machine code on disk, so that a fresh Excel session does
not compile again; ``error_model="numpy"`` makes a division by zero give inf/nan instead of raising in
compiled code; ``nogil=True`` lets threads run kernels side by side. A kernel may add ``parallel=True``
(its loops over :data:`prange` run on all cores), ``fastmath`` (only where a benchmark and a test
justify it, said in the kernel's docstring; today one sum, :func:`kernels.risk_budgeting.linalg._dot_head`) or ``cache=False``. Any other option, or an explicit
signature, is refused with a :class:`TypeError` at import, in both modes: a stand-in that ignored it
could return other numbers. ``tests/kernels/test_jit.py`` runs one sample kernel per form the kernels
use, compiled and as Python, and fails when a kernel uses a form it does not cover.

The cache rule
--------------
Numba's cache checks the source of the function it loads, not the sources of the functions that function
calls in other files (numba#1833): after an edit of ``whole_shares._round_to_lots``, a cached
``rebalance._rebalance_one`` would still run the old rounding. So every kernel caches in
:func:`cache_folder`, ``<root>/xlfolio-<key>``: ``key`` hashes the text of every ``kernels/**/*.py``
(:func:`source_key`, about a millisecond) and ``root`` is ``NUMBA_CACHE_DIR`` when set (the tests, the
benchmarks and the add-in set it: :mod:`addin.numba_cache`), else ``kernels/__pycache__``. Any edit gives
a new folder: the next run compiles anew and never loads code compiled from other sources. The
first kernel a process decorates settles the folder and prunes the folders of older sources
(:func:`prune_cache`: the three most recently used stay). Only xlfolio's kernels use that folder;
other Numba code in the same process keeps Numba's own rules.

Plain-Python mode
-----------------
Without Numba (Pyodide, a Python release Numba does not support yet), or with the environment variable
``XLFOLIO_DISABLE_NUMBA=1`` (Numba is then not even imported), :data:`PURE_PYTHON` is True, :func:`jit`
returns the function unchanged (with ``.py_func`` pointing at itself, as a compiled kernel has) and
:data:`prange` is ``range``: the same code runs as plain Python and gives the same answers. Kernels are
written so that this holds (no Numba-only semantics: integer overflow, typed containers, ``numba.*``
calls). Loops far too slow as plain Python at advisor sizes have a NumPy path, put in the kernel's place
by :func:`vectorised` (the loops stay reachable as ``kernel.py_func``, and the tests compare the two).
Public functions call kernels inside :func:`kernel_errstate` where compiled code relies on
``error_model="numpy"`` (inf/nan without a warning). Numba features not offered here (``objmode``,
``vectorize``, typed containers, signatures) cannot be imported from this module: a kernel that needs
one fails at import, not with wrong numbers. CI runs the kernels' tests in both modes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

#: True when kernels run as plain Python (no Numba installed, or disabled by the environment).
PURE_PYTHON = os.environ.get("XLFOLIO_DISABLE_NUMBA", "") not in ("", "0")
if PURE_PYTHON:
    numba = None
else:
    try:
        import numba
    except ImportError:  # Pyodide, or a Python release Numba does not support yet
        numba = None
        PURE_PYTHON = True

#: The options every kernel compiles with.
JIT_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)
#: The options a kernel may set (anything else is refused: the plain-Python mode might not honour it).
KNOWN_OPTIONS = frozenset({"parallel", "fastmath", "cache"})

#: The ``kernels`` package folder: its ``*.py`` files make the cache key.
PACKAGE_DIR = Path(__file__).resolve().parent
#: Prefix of the cache folders, ``xlfolio-<key>``, under the cache root.
CACHE_PREFIX = "xlfolio-"

#: Parallel range inside kernels: ``numba.prange`` compiled, ``range`` in plain Python.
prange = range if PURE_PYTHON else numba.prange


@functools.cache
def source_key(package_dir: Path = PACKAGE_DIR) -> str:
    """16 hex digits of a SHA-256 over the relative path and bytes of every ``*.py`` under ``package_dir``.

    Any edit of any kernel source (or a file added, removed or renamed) changes the key. About a
    millisecond for the ~35 files (``os.walk`` and plain reads: pathlib's glob costs four times more).
    """
    digest = hashlib.sha256()
    start = len(str(package_dir)) + 1
    for folder, subfolders, names in os.walk(package_dir):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(path[start:].replace(os.sep, "/").encode() + b"\0")
                with open(path, "rb") as source:
                    digest.update(source.read() + b"\0")
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    """Where the cache folders live: ``NUMBA_CACHE_DIR`` when set, else ``kernels/__pycache__``."""
    root = os.environ.get("NUMBA_CACHE_DIR") or (numba.config.CACHE_DIR if numba is not None else "")
    return Path(root) if root else PACKAGE_DIR / "__pycache__"


def cache_folder(root: str | os.PathLike | None = None) -> Path:
    """The folder the kernels of these sources cache in: ``<root>/xlfolio-<source_key()>``.

    Parameters
    ----------
    root : path, optional
        The cache root (default :func:`cache_root`).
    """
    return Path(root if root is not None else cache_root()) / f"{CACHE_PREFIX}{source_key()}"


def prune_cache(root: str | os.PathLike, keep: int = 3) -> list[Path]:
    """Delete the cache folders of older sources under ``root``; return the folders deleted.

    The folder of the current sources is kept, and so are the most recently modified others up to
    ``keep`` folders in all (another checkout or version sharing the root keeps its cache).
    """
    root = Path(root)
    current = cache_folder(root)
    try:
        others = [p for p in root.iterdir() if p.name.startswith(CACHE_PREFIX) and p != current and p.is_dir()]
    except OSError:
        return []
    others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for folder in others[max(keep - 1, 0):]:
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


@functools.cache
def _cache_dir_for_kernels() -> str:
    """:func:`cache_folder` for this process (marked as used), after pruning the folders of older sources."""
    root = cache_root()
    folder = cache_folder(root)
    with contextlib.suppress(OSError):
        if folder.is_dir():
            os.utime(folder)  # "recently used", for prune_cache
        prune_cache(root)
    return str(folder)


def _compile(func, options):
    """``numba.njit(**options)(func)``, caching in :func:`cache_folder` (Numba reads its cache folder here)."""
    if not options.get("cache"):
        return numba.njit(**options)(func)
    config = numba.core.config
    saved = config.CACHE_DIR
    config.CACHE_DIR = _cache_dir_for_kernels()
    try:
        return numba.njit(**options)(func)
    finally:
        config.CACHE_DIR = saved


def kernel_errstate():
    """Context for calling kernels from a public function: the floating-point rules of compiled code.

    Compiled kernels (``error_model="numpy"``) turn a division by zero or the root of a negative
    number into inf/nan silently, and the caller acts on the result; NumPy would also warn. In the
    plain-Python mode this silences those warnings (``np.errstate(all="ignore")``); compiled, it does
    nothing.
    """
    return np.errstate(all="ignore") if PURE_PYTHON else contextlib.nullcontext()


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


def jit(func=None, /, **options):
    """Compile ``func`` with the project's settings: ``@jit`` or ``@jit(parallel=True)`` (see the module doc).

    In the plain-Python mode the function itself is returned, with ``func.py_func = func``.

    Raises
    ------
    TypeError
        An option outside :data:`KNOWN_OPTIONS`, or a signature instead of a function.
    """
    unknown = sorted(set(options) - KNOWN_OPTIONS)
    if unknown:
        raise TypeError(f"jit: unknown option(s) {', '.join(unknown)}; kernels may set {', '.join(sorted(KNOWN_OPTIONS))}.")
    if func is not None and not callable(func):
        raise TypeError(f"jit: expected a function, got {func!r}; kernels compile lazily (no signatures).")
    settings = dict(JIT_OPTIONS, **options)

    def wrap(f):
        if not callable(f):
            raise TypeError(f"jit: expected a function, got {f!r}.")
        if PURE_PYTHON:
            f.py_func = f
            return f
        return _compile(f, settings)

    return wrap(func) if func is not None else wrap
