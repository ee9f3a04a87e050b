"""A writable root for Numba's on-disk cache, chosen before any kernel is compiled.

The kernels cache under a root, in the subfolder of their sources' hash
(``<root>/xlfolio-<key>``, the rule of :func:`kernels._jit.cache_folder`: an upgrade or an
edit never runs stale compiled code, and the folders of older versions are pruned). The root
is ``kernels/__pycache__`` by default. When the package is installed where the user cannot
write (``Program Files``, a shared site-packages), every fresh Excel session would compile
again: :func:`configure` then points ``NUMBA_CACHE_DIR`` at a per-user root, so that the
warm-up run at install time (``xlfolio warmup``) and every later Excel session share one cache.

Call :func:`configure` before ``kernels`` is imported (``addin.udfs`` does so first thing):
the kernels settle their cache folder when the first one is decorated.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

#: Folder (under the user's cache folder) used when the default is not writable.
APP_DIR_NAME = "xlfolio"


def kernels_source_dir() -> Path:
    """Folder of the ``kernels`` package, found without importing it (importing would compile)."""
    return Path(__file__).resolve().parent.parent / "kernels"


def user_cache_dir() -> Path:
    """The per-user cache root: ``%LOCALAPPDATA%\\xlfolio\\numba`` on Windows, ``~/Library/Caches/xlfolio/numba``
    on a Mac, ``~/.cache/xlfolio/numba`` elsewhere.

    The kernels of one version of the sources cache in its subfolder ``xlfolio-<key>``.
    """
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
    elif sys.platform == "darwin":
        base = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_DIR_NAME / "numba"


def is_writable(folder: Path) -> bool:
    """True when a file can be created in ``folder`` (created if needed), the test Numba itself makes."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
        return True
    except OSError:
        return False


def configure(default_dir: Path | None = None, fallback_dir: Path | None = None) -> str | None:
    """Set ``NUMBA_CACHE_DIR`` to a user root when the default cache root is not writable.

    Parameters
    ----------
    default_dir : Path, optional
        Where Numba would cache by default (``kernels/__pycache__``).
    fallback_dir : Path, optional
        The user folder to use instead (default :func:`user_cache_dir`).

    Returns
    -------
    str or None
        The cache root set, or ``None`` when nothing needed changing (the default is
        writable, or the user already set ``NUMBA_CACHE_DIR``). Either way the kernels cache
        in the root's subfolder for their sources (:func:`kernels._jit.cache_folder`).
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    default_dir = default_dir or kernels_source_dir() / "__pycache__"
    if is_writable(default_dir):
        return None
    folder = fallback_dir or user_cache_dir()
    if not is_writable(folder):
        folder = Path(tempfile.gettempdir()) / APP_DIR_NAME / "numba"
        folder.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    numba_config = sys.modules.get("numba.core.config")
    if numba_config is not None:  # Numba already imported: it read the environment then
        numba_config.CACHE_DIR = str(folder)
    return str(folder)
