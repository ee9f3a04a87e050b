"""A stand-in for what xlwings Lite gives a workbook's ``main.py``, written from Lite's documented and
observed behaviour (research notes /work/notes/lite.md, sections 1, 2 and 5), not from its code.

It holds no tests itself. Three pieces:

* :func:`xlwings_module`: a fake ``xlwings`` module with ``func``, ``arg``, ``ret``, ``script`` and
  ``Book``, recording the metadata Lite registers (``__xlfunc__`` / ``__xlscript__``);
* :func:`invoke` / :func:`call`: a custom-function call as Lite makes it, from Office.js's payload
  (every argument a matrix; JS numbers that are whole arrive as ``int``; ``None`` for an empty cell;
  error cells as ``{"type": "Error", "basicValue": "#N/A"}``) to the Python value the function gets,
  and the function's result back to what the cells show;
* :class:`FakeBook`: the ``xw.Book`` of a script: a snapshot of the included sheets' values, reads
  that never see the script's writes, writes queued as actions and applied to the workbook only if
  the script returns without an exception, ``app.alert`` queued, ``app.status_bar`` unsupported.

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

from workbook.grid import a1, col_index

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


def _clean(v, err_to_str: bool):
    if v is None or v == "":
        return None
    if isinstance(v, dict) and v.get("type") == "Error":
        return v["basicValue"] if err_to_str else None
    if isinstance(v, dict) and "basicValue" in v:  # a formatted number or a linked data type
        return v["basicValue"]
    return v


def _read_argument(value, options: dict):
    rows = value if isinstance(value, list) else [[value]]
    if rows and not isinstance(rows[0], list):
        rows = [rows]
    rows = [[_clean(v, options.get("err_to_str", False)) for v in r] for r in rows]
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
        out.append(_read_argument(value, p["options"]))
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


# ---------------------------------------------------------------------------------------------
# the book of a script
# ---------------------------------------------------------------------------------------------

_A1_RANGE = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


class _App:
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self._book.actions.append(("alert", prompt, title))

    @property
    def status_bar(self):
        raise NotImplementedError("status_bar is not supported by xlwings Lite: it has no equivalent setting.")

    @status_bar.setter
    def status_bar(self, value):
        raise NotImplementedError("status_bar is not supported by xlwings Lite: it has no equivalent setting.")


class FakeRange:
    """A rectangle of one sheet (1-based ``row``/``column`` like xlwings)."""

    def __init__(self, sheet: FakeSheet, row: int, column: int, n_rows: int = 1, n_cols: int = 1,
                 options: dict | None = None) -> None:
        self.sheet, self.row, self.column = sheet, row, column
        self.shape = (n_rows, n_cols)
        self._options = options or {}

    def options(self, **options) -> FakeRange:
        return FakeRange(self.sheet, self.row, self.column, *self.shape, options=options)

    @property
    def address(self) -> str:
        first = a1(self.row - 1, self.column - 1, True)
        if self.shape == (1, 1):
            return first
        return f"{first}:{a1(self.row + self.shape[0] - 2, self.column + self.shape[1] - 2, True)}"

    @property
    def value(self):
        grid = self.sheet.snapshot
        rows = []
        for r in range(self.row - 1, self.row - 1 + self.shape[0]):
            line = grid[r] if r < len(grid) else []
            rows.append([line[c] if c < len(line) else "" for c in range(self.column - 1, self.column - 1 + self.shape[1])])
        return _read_argument(rows, self._options) if self._options.get("ndim") == 2 or self.shape != (1, 1) \
            else _clean(rows[0][0], self._options.get("err_to_str", False))

    @value.setter
    def value(self, data) -> None:
        if not isinstance(data, list):
            data = [[data]]
        elif data and not isinstance(data[0], list):
            data = [data]
        rows = [[_write_cell(v) for v in r] for r in data]
        self.sheet.book.actions.append(("setValues", self.sheet.name, self.row - 1, self.column - 1, rows))


def _write_cell(v):
    if v is None:
        return ""
    if isinstance(v, (np.floating, np.integer)):
        v = float(v)
    if isinstance(v, float) and not math.isfinite(v):
        return "" if math.isnan(v) else v
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return v


class FakeSheet:
    def __init__(self, book: FakeBook, name: str, snapshot: list[list[Any]]) -> None:
        self.book, self.name, self.snapshot = book, name, snapshot

    def range(self, cell1, cell2=None) -> FakeRange:
        if isinstance(cell1, str):
            m = _A1_RANGE.match(cell1.upper())
            r0, c0 = int(m.group(2)), col_index(m.group(1)) + 1
            r1, c1 = (int(m.group(4)), col_index(m.group(3)) + 1) if m.group(3) else (r0, c0)
        else:
            r0, c0 = cell1
            r1, c1 = cell2 if cell2 is not None else cell1
        return FakeRange(self, r0, c0, r1 - r0 + 1, c1 - c0 + 1)

    def __getitem__(self, address: str) -> FakeRange:
        return self.range(address)

    @property
    def used_range(self) -> FakeRange:
        n_rows = max(len(self.snapshot), 1)
        n_cols = max((len(r) for r in self.snapshot), default=1) or 1
        return FakeRange(self, 1, 1, n_rows, n_cols)

    def activate(self) -> None:
        self.book.actions.append(("activateSheet", self.name))


class _Sheets:
    def __init__(self, sheets: dict[str, FakeSheet]) -> None:
        self._sheets = sheets

    def __getitem__(self, key):
        if isinstance(key, int):
            return list(self._sheets.values())[key]
        return self._sheets[key]

    def __iter__(self):
        return iter(self._sheets.values())


class _Name:
    def __init__(self, book: FakeBook, name: str, sheet: str, address: str) -> None:
        self.book, self.name, self._sheet, self._address = book, name, sheet, address

    @property
    def refers_to_range(self) -> FakeRange:
        return self.book.sheets[self._sheet].range(self._address.replace("$", ""))


class _Names:
    def __init__(self, book: FakeBook, names: dict[str, tuple[str, str]]) -> None:
        self._names = {n: _Name(book, n, s, a) for n, (s, a) in names.items()}

    def __getitem__(self, name: str) -> _Name:
        return self._names[name]

    def __contains__(self, name: str) -> bool:
        return name in self._names


class FakeBook:
    """The ``xw.Book`` a Lite script gets, over ``workbook``: sheet -> rows of Office.js values
    (``""`` for empty, errors as their text, whole numbers as ``int``, dates as serials), and
    ``names``: name -> (sheet, ``$A$1:$B$2``), range names only.

    Only the sheets in ``include`` (all when None) have values in the snapshot; the others are empty,
    as Lite sends only the included sheets' values.
    """

    def __init__(self, workbook: dict[str, list[list[Any]]], names: dict[str, tuple[str, str]],
                 include: list[str] | None = None) -> None:
        self.workbook = {s: [list(r) for r in rows] for s, rows in workbook.items()}
        sheets = {s: FakeSheet(self, s, rows if include is None or s in include else [])
                  for s, rows in self.workbook.items()}
        self.sheets = _Sheets(sheets)
        self.names = _Names(self, names)
        self.app = _App(self)
        self.actions: list[tuple] = []
        self.alerts: list[str] = []
        self.active_sheet: str | None = None
        self.error: BaseException | None = None

    def run(self, script_fn) -> bool:
        """Run a ``@script`` on this book as Lite does: queued actions applied only if it returned normally."""
        self.actions.clear()
        try:
            script_fn(self)
        except Exception as exc:  # Lite shows it in the task pane and writes nothing
            self.error = exc
            self.actions.clear()
            return False
        for action in self.actions:
            if action[0] == "setValues":
                _, sheet, r0, c0, rows = action
                grid = self.workbook[sheet]
                for i, row in enumerate(rows):
                    while len(grid) <= r0 + i:
                        grid.append([])
                    line = grid[r0 + i]
                    while len(line) < c0 + len(row):
                        line.append("")
                    line[c0:c0 + len(row)] = row
            elif action[0] == "alert":
                self.alerts.append(action[1])
            elif action[0] == "activateSheet":
                self.active_sheet = action[1]
        return True

    def cell(self, sheet: str, row: int, col: int) -> Any:
        """The workbook's value at 0-based (row, col) after the runs."""
        grid = self.workbook[sheet]
        return grid[row][col] if row < len(grid) and col < len(grid[row]) else ""


def snapshot(data: bytes) -> tuple[dict[str, list[list[Any]]], dict[str, tuple[str, str]]]:
    """Every sheet's values (``A1`` to the last cell holding a value) as Office.js reads them, and the
    workbook's range names, from a workbook file's stored values (read by openpyxl, not by xlfolio)."""
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_vba=False)
    sheets = {}
    for ws in wb.worksheets:
        filled = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value not in (None, "")]
        n_rows = max((r for r, _ in filled), default=0)
        n_cols = max((c for _, c in filled), default=0)
        grid = [["" for _ in range(n_cols)] for _ in range(n_rows)]
        for row in ws.iter_rows(max_row=n_rows, max_col=n_cols):
            for c in row:
                grid[c.row - 1][c.column - 1] = _office_js_cell(c.value)
        sheets[ws.title] = grid
    names = {}
    for name, dn in wb.defined_names.items():
        for sheet, address in dn.destinations:
            names[name] = (sheet, address)
    return sheets, names


def _office_js_cell(v):
    if v is None:
        return ""
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, dt.datetime):
        return js_number((v - EXCEL_EPOCH) / dt.timedelta(days=1))
    if isinstance(v, (int, float)):
        return js_number(float(v))
    return v
