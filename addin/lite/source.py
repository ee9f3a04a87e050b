"""The text of the Lite workbook's ``main.py`` and ``requirements.txt``, generated from the catalogues.

``main.py`` declares, for xlwings Lite's decorators, every cell function of
:data:`addin.functions.FUNCTIONS` (same name, arguments, defaults, description and argument help as
the desktop functions; every argument ``ndim=2, err_to_str=True``, see :mod:`addin.lite.functions`)
and every button of :data:`addin.macros.CATALOGUE` (:mod:`addin.lite.scripts`). Each body is one call
into the xlfolio package, which ``requirements.txt`` installs; so a new function or button reaches
Lite by regenerating these two files (``xlfolio lite-files`` or ``xlfolio build-template --lite``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: The xlwings release Lite installs in the workbook: it decides which decorator features exist
#: (``@script(name=...)`` needs 0.33.21, the empty-cell fix for newer Pyodide 0.36.7). Lite marks
#: its own lines ``# required``.
XLWINGS_PIN = "0.37.8"
#: The other lines xlwings Lite writes into every workbook's requirements.txt (add-in 1.0.0.0-35).
LITE_REQUIRED = ("python-dotenv==1.2.1", "pyodide-http", "black")
#: Packages Pyodide ships (never pinned: their version comes with Pyodide's).
PYODIDE_PACKAGES = ("numpy", "scipy", "pandas", "lxml")
#: Every argument's conversion options in Lite (see :mod:`addin.lite.functions`).
ARG_OPTIONS = "ndim=2, err_to_str=True"

HEADER = '''"""# xlfolio

Portfolio construction in Excel: {n_functions} cell functions (type `=PORTFOLIO_RISK(` in a cell, the
formula builder shows the help of each) and the buttons of the desktop add-in's Portfolio tab.

Generated from xlfolio {version} by `xlfolio lite-files`; regenerate it rather than edit it. The work
is done by the xlfolio package of requirements.txt: this file declares the functions and buttons.
"""

import xlwings as xw
from xlwings import arg, func, script

from addin.lite import functions as xlfolio_functions
from addin.lite.scripts import run_script
'''


def xlfolio_version() -> str:
    """The installed xlfolio's version (the one ``requirements.txt`` pins)."""
    try:
        return version("xlfolio")
    except PackageNotFoundError:  # running from a source tree that was never installed
        raise RuntimeError("xlfolio is not installed (pip install -e .): its version goes into "
                           "requirements.txt") from None


def _docstring(text: str) -> str:
    """``text`` as a docstring line (a triple-quoted literal where it can be, else its repr)."""
    if '"""' in text or "\\" in text or text.endswith('"'):
        return f"    {text!r}"
    return f'    """{text}"""'


def _function_source(function) -> str:
    lines = ["@func"]
    for a in function.arguments:
        lines.append(f"@arg({a.name!r}, {ARG_OPTIONS}, doc={a.doc!r})")
    params = ", ".join(f"{a.name}={a.default!r}" if a.optional else a.name for a in function.arguments)
    names = ", ".join(a.name for a in function.arguments)
    lines.append(f"def {function.name}({params}):")
    lines.append(_docstring(function.description))
    lines.append(f"    return xlfolio_functions.{function.name}({names})")
    return "\n".join(lines)


def _script_source(s) -> str:
    options = [f"name={s.label!r}", f"include={list(s.include)!r}"]
    if s.button is not None:
        options.append(f"button={s.button!r}")
    return "\n".join([f"@script({', '.join(options)})",
                      f"def {s.name}(book: xw.Book):",
                      _docstring(s.doc),
                      f"    run_script({s.name!r}, book)"])


def main_py(xlfolio: str | None = None) -> str:
    """The text of ``main.py`` (``xlfolio``: the version named in its docstring, default the installed one)."""
    from addin.functions import FUNCTIONS
    from addin.lite.scripts import scripts

    parts = [HEADER.format(n_functions=len(FUNCTIONS), version=xlfolio or xlfolio_version()).rstrip("\n"),
             "# --- cell functions (addin.functions.FUNCTIONS)",
             *(_function_source(f) for f in FUNCTIONS),
             "# --- buttons (addin.macros.CATALOGUE)",
             *(_script_source(s) for s in scripts())]
    return "\n\n\n".join(parts) + "\n"


def requirements_txt(xlfolio_requirement: str | None = None) -> str:
    """The text of ``requirements.txt``: Lite's own lines, Pyodide's packages unpinned, then xlfolio.

    ``xlfolio_requirement`` replaces ``xlfolio==<installed version>``, e.g. with the URL of a wheel on
    a host that sends CORS headers, before a release is on PyPI.
    """
    lines = [f"xlwings=={XLWINGS_PIN}  # required", *(f"{r}  # required" for r in LITE_REQUIRED),
             *PYODIDE_PACKAGES, xlfolio_requirement or f"xlfolio=={xlfolio_version()}"]
    return "\n".join(lines) + "\n"
