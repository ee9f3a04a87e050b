"""A stand-in for what xlwings Lite gives a workbook's ``main.py``, written from Lite's documented and
observed behaviour (research notes /work/notes/lite.md, sections 1, 2 and 5), not from its code.

It holds no tests itself. Its pieces:

* :func:`xlwings_module`: a fake ``xlwings`` module with ``func``, ``arg``, ``ret``, ``script`` and
  ``Book``, recording the metadata Lite registers (``__xlfunc__`` / ``__xlscript__``);
* :func:`invoke` / :func:`call`: a custom-function call as Lite makes it, from Office.js's payload
  (every argument a matrix; JS numbers that are whole arrive as ``int``; ``None`` for an empty cell;
  error cells as ``{"type": "Error", "basicValue": "#N/A"}``) to the Python value the function gets,
  and the function's result back to what the cells show;
* the ``xw.Book`` of a script: :mod:`tests.addin.lite_standin_book`.

:func:`load_main` runs a ``main.py`` text as a module with the fake ``xlwings`` in ``sys.modules``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
import sys
import types
import typing
from typing import Any

import numpy as np


ERROR_TEXTS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
#: Office.js error value types for the seven classic errors (what a function's error string becomes).
ERROR_TYPES = {"#DIV/0!": "Div0", "#N/A": "NotAvailable", "#NAME?": "Name", "#NULL!": "Null", "#NUM!": "Num",
               "#REF!": "Ref", "#VALUE!": "Value"}
_NAME = re.compile(r"^[^\W\d_][\w.]*$")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class XlwingsError(Exception):
    """What xlwings raises for a bad declaration."""


# ---------------------------------------------------------------------------------------------
# decorators
# ---------------------------------------------------------------------------------------------

def _meta(f) -> dict:
    if not hasattr(f, "__xlfunc__"):
        f.__xlfunc__ = {"args": {}, "ret": {}, "registered": False}
    return f.__xlfunc__


def func(f=None, *, name=None, namespace=None, volatile=False, cache=False, help_url=None, **ignored):
    """``@func``: an Excel custom function (``category``, ``call_in_wizard``... are classic-only: ignored)."""

    def decorate(f):
        params = list(inspect.signature(f).parameters.values())
        if any(p.kind is p.KEYWORD_ONLY for p in params):
            raise XlwingsError("xlwings does not support UDFs with keyword arguments")
        if any(p.kind is p.VAR_POSITIONAL for p in params) and any(p.default is not p.empty for p in params):
            raise XlwingsError("a function cannot have both defaults and *args")
        meta = _meta(f)
        ns = namespace if namespace is not None else getattr(sys.modules.get(f.__module__), "__xlwings_func_namespace__", None)
        display = name or f.__name__.upper()
        meta.update(registered=True, python_name=f.__name__, name=f"{ns.upper()}.{display}" if ns else display,
                    description=f.__doc__ or f"Python function '{f.__name__}'", volatile=volatile, cache=cache,
                    help_url=help_url)
        hints = typing.get_type_hints(f, include_extras=True)
        meta["params"] = []
        for i, p in enumerate(params):
            given = meta["args"].get(p.name, {})
            options = dict(given.get("options", {}))
            hint = hints.get(p.name)
            if typing.get_origin(hint) is typing.Annotated:
                for extra in typing.get_args(hint)[1:]:
                    if isinstance(extra, dict):
                        options = {**extra, **options}
            doc = given.get("doc") or options.pop("doc", None) or f"Positional argument {i + 1}"
            options.pop("doc", None)
            entry = {"name": p.name, "doc": doc, "options": options,
                     "optional": p.default is not p.empty, "repeating": p.kind is p.VAR_POSITIONAL}
            if entry["optional"]:
                entry["default"] = p.default
            meta["params"].append(entry)
        return f

    return decorate(f) if f is not None else decorate


def arg(name, convert=None, *, doc=None, **options):
    """``@arg(name, convert, doc=..., **options)``: one argument's conversion and help."""

    def decorate(f):
        if name not in inspect.signature(f).parameters:
            raise XlwingsError(f"the function has no argument named {name!r}")
        opts = dict(options)
        if convert is not None:
            opts["convert"] = convert
        _meta(f)["args"][name] = {"doc": doc, "options": opts}
        return f

    return decorate


def ret(convert=None, **options):
    def decorate(f):
        _meta(f)["ret"] = dict(options, **({"convert": convert} if convert is not None else {}))
        return f

    return decorate


class Book:
    """The type hint of a script's book (the object a script gets is a :class:`FakeBook`)."""


class BookAsync(Book):
    pass


def script(f=None, *, name=None, include=None, exclude=None, button=None, show_taskpane=None, **kwargs):
    """``@script``: a button; exactly one parameter annotated ``xw.Book``."""

    def decorate(f):
        hints = typing.get_type_hints(f)
        books = [p for p in inspect.signature(f).parameters if isinstance(hints.get(p), type)
                 and issubclass(hints[p], Book)]
        if len(books) != 1:
            raise XlwingsError(f"{f.__name__}: a script takes exactly one argument annotated xw.Book")
        if button is not None and not re.fullmatch(r"\[[^\]]+\][^!]+![A-Z]+\d+", button):
            raise XlwingsError(f"{f.__name__}: button must look like [shape]Sheet!B4, got {button!r}")
        f.__xlscript__ = {"name": name or f.__name__, "include": include, "exclude": exclude, "button": button,
                          "show_taskpane": show_taskpane, "description": f.__doc__}
        return f

    return decorate(f) if f is not None else decorate


def xlwings_module() -> types.ModuleType:
    """A fake ``xlwings`` with the names a Lite ``main.py`` uses."""
    module = types.ModuleType("xlwings")
    module.__version__ = "stand-in"
    module.func, module.arg, module.ret, module.script = func, arg, ret, script
    module.Book, module.BookAsync, module.XlwingsError = Book, BookAsync, XlwingsError
    return module


def load_main(source: str, monkeypatch) -> types.ModuleType:
    """Run ``main.py``'s text as the module ``main`` with the fake ``xlwings`` installed (for the test's duration)."""
    monkeypatch.setitem(sys.modules, "xlwings", xlwings_module())
    module = types.ModuleType("main")
    module.__file__ = "main.py"
    monkeypatch.setitem(sys.modules, "main", module)
    exec(compile(source, "main.py", "exec"), module.__dict__)
    return module


def registered(module: types.ModuleType) -> tuple[dict[str, Any], dict[str, Any]]:
    """What Lite registers from ``module``: custom functions by Excel name, scripts by name (duplicates raise)."""
    functions, scripts = {}, {}
    for value in vars(module).values():
        meta = getattr(value, "__xlfunc__", None)
        if meta and meta["registered"]:
            if not _NAME.match(meta["name"]) or len(meta["name"]) > 128:
                raise XlwingsError(f"invalid function name {meta['name']!r}")
            if meta["name"] in functions:
                raise XlwingsError(f"duplicate function name {meta['name']}")
            functions[meta["name"]] = value
        if hasattr(value, "__xlscript__"):
            scripts[value.__name__] = value
    return functions, scripts


# ---------------------------------------------------------------------------------------------
# custom-function calls
# ---------------------------------------------------------------------------------------------

def js_number(x: float) -> int | float:
    """A JS number as Pyodide hands it to Python: an ``int`` when it is a safe whole number."""
    if isinstance(x, float) and x.is_integer() and abs(x) <= 2 ** 53:
        return int(x)
    return x


def _to_scalar(value):
    if isinstance(value, list) and len(value) == 1:
        inner = value[0]
        if isinstance(inner, list) and len(inner) == 1:
            return inner[0]
        if not isinstance(inner, list):
            return inner
    return value


def clean(v, err_to_str: bool):
    if v is None or v == "":
        return None
    if isinstance(v, dict) and v.get("type") == "Error":
        return v["basicValue"] if err_to_str else None
    if isinstance(v, dict) and "basicValue" in v:  # a formatted number or a linked data type
        return v["basicValue"]
    return v


def read_argument(value, options: dict):
    rows = value if isinstance(value, list) else [[value]]
    if rows and not isinstance(rows[0], list):
        rows = [rows]
    rows = [[clean(v, options.get("err_to_str", False)) for v in r] for r in rows]
    ndim = options.get("ndim")
    if ndim == 2:
        return rows
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0] if ndim is None else [rows[0][0]]
    if len(rows) == 1 or all(len(r) == 1 for r in rows):
        return [v for r in rows for v in r]
    if ndim == 1:
        raise ValueError("Range must be 1-by-n or n-by-1 when ndim=1.")
    return rows


def invoke(fn, *office_js_args):
    """The Python value ``fn`` (a ``@func``) returns for Office.js arguments, after Lite's argument conversion.

    Every argument goes through ``to_scalar`` first; a value that is then ``None`` (an omitted argument,
    or one empty cell) is replaced by the Python default (``None`` for a required argument) and not
    converted. Others: cleaned (``None``/``""`` -> ``None``, errors -> ``None`` or their text with
    ``err_to_str``), shaped by ``ndim``.
    """
    meta = fn.__xlfunc__
    params = meta["params"]
    args = list(office_js_args) + [None] * (len(params) - len(office_js_args))
    out = []
    for p, value in zip(params, args):
        value = _to_scalar(value)
        if value is None:
            out.append(p.get("default"))
            continue
        out.append(read_argument(value, p["options"]))
    return fn(*out)


def _cell_out(x):
    if x is None:
        return ""
    if isinstance(x, (np.floating, np.integer)):
        x = float(x)
    if isinstance(x, float) and math.isnan(x):
        return {"type": "Error", "errorType": "Num"}
    if isinstance(x, str) and x in ERROR_TYPES:
        return {"type": "Error", "errorType": ERROR_TYPES[x]}
    return x


def call(fn, *office_js_args):
    """What the cells show for ``=FN(args)``: a list of row lists (a 1-D list is one row), or ``("#VALUE!", message)``."""
    try:
        result = invoke(fn, *office_js_args)
    except Exception as exc:  # Lite shows #VALUE! with the message on hover
        return ("#VALUE!", str(exc))
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if not isinstance(result, list):
        rows = [[result]]
    elif result and isinstance(result[0], list):
        if len({len(r) for r in result}) > 1:
            return ("#VALUE!", "All elements of a 2d list or tuple must be of the same length")
        rows = result
    else:
        rows = [result]
    return [[_cell_out(x) for x in r] for r in rows]


def js_value(com, *, error_texts: dict[int, str]) -> Any:
    """A COM argument (canonical form) as Office.js sends the same cells: always a matrix."""
    if isinstance(com, tuple):
        rows = com if com and isinstance(com[0], tuple) else (com,)
        return [[js_cell(v, error_texts) for v in r] for r in rows]
    return [[js_cell(com, error_texts)]]


def js_cell(v, error_texts: dict[int, str]):
    from decimal import Decimal

    if type(v) is int and v in error_texts:
        return {"type": "Error", "basicValue": error_texts[v], "errorType": "x"}
    if isinstance(v, dt.datetime):
        return js_number((v.replace(tzinfo=None) - EXCEL_EPOCH) / dt.timedelta(days=1))
    if isinstance(v, Decimal):
        return js_number(float(v))
    if isinstance(v, float):
        return js_number(v)
    return v
