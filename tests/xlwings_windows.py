"""Run xlwings' real Windows UDF code path on Linux.

Excel has no Linux build and, off Windows, ``xlwings.func/arg/ret`` are no-ops and
``xlwings.udfs`` cannot be imported (it needs pywin32). This module makes the real
Windows path importable so tests go through the same Python code Excel's UDF server runs:

1. stand-ins for the pywin32 modules (``pywintypes``, ``pythoncom``, ``win32api``,
   ``win32com.client``, ...) go into ``sys.modules``; only what xlwings touches while
   importing and while running ``call_udf`` / ``generate_vba_wrapper`` behaves; any other
   attribute is a placeholder that raises when used, so an untested COM path fails loudly;
2. the real ``xlwings._xlwindows`` and ``xlwings.udfs`` are imported (Windows-only names of
   ``ctypes`` are lent to the import and removed again);
3. the Excel engine is registered and made active, as ``xlwings/__init__.py`` does on Windows;
4. ``xw.func/arg/ret/script`` are bound to ``udfs.xlfunc/xlarg/xlret/xlsub``, as
   ``xlwings/__init__.py`` does on Windows, and only then is ``addin.udfs`` imported (or
   reloaded), so its decorators build the real ``__xlfunc__`` metadata.

COM hands a UDF each argument as ``Range.Value`` would: a tuple of row tuples (a bare
scalar for one cell), ``None`` for an empty cell, ``float`` for numbers, ``int`` error
codes for cell errors (:data:`XL_NA`), :data:`MISSING` for an omitted optional argument,
:class:`TimeType` for dates and ``Decimal`` for currency-formatted cells.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import importlib
import io
import sys
import types

#: ``DISP_E_PARAMNOTFOUND``: what COM passes for an omitted optional argument.
MISSING = -2147352572
#: Cell error codes as COM delivers them (ints), from xlwings._xlwindows.cell_errors.
XL_NA = -2146826246
XL_DIV0 = -2146826281
XL_VALUE = -2146826273
XL_REF = -2146826265
XL_NUM = -2146826252
XL_NAME = -2146826259
XL_NULL = -2146826288

UDF_MODULE = "addin.udfs"


class TimeType(dt.datetime):
    """Stand-in for ``pywintypes.TimeType`` (``pywintypes.datetime``, a ``datetime`` subclass)."""


class com_error(Exception):  # noqa: N801 (pywin32's name)
    """Stand-in for ``pywintypes.com_error``."""


class _Unavailable:
    """Placeholder for a pywin32 attribute the tested code paths never use."""

    def __init__(self, qualname: str):
        self._qualname = qualname

    #: Calls made while xlwings._xlwindows is imported (they fill a GUID; S_OK is 0).
    IMPORT_TIME_CALLS = frozenset({"ctypes.oledll.ole32.CLSIDFromString"})

    def __call__(self, *args, **kwargs):
        if self._qualname in self.IMPORT_TIME_CALLS:
            return 0
        raise NotImplementedError(f"pywin32 stand-in: {self._qualname} is not available on this platform")

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Unavailable(f"{self._qualname}.{name}")

    def __repr__(self) -> str:
        return f"<pywin32 stand-in {self._qualname}>"


class _StandInModule(types.ModuleType):
    """A module whose unknown attributes are :class:`_Unavailable` placeholders."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Unavailable(f"{self.__name__}.{name}")


def _module(name: str, **attrs) -> _StandInModule:
    mod = _StandInModule(name)
    mod.__file__ = None
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


def _class(name: str) -> type:
    return type(name, (), {"__module__": "win32com.client"})


def _pywin32_stand_ins() -> dict[str, types.ModuleType]:
    iid_dispatch = "{00020400-0000-0000-C000-000000000046}"
    pywintypes = _module(
        "pywintypes", TimeType=TimeType, com_error=com_error, IID=lambda s: str(s).upper(), Time=TimeType
    )
    pythoncom = _module(
        "pythoncom",
        IID_IDispatch=iid_dispatch,
        TypeIIDs={iid_dispatch: _class("PyIDispatch")},
        CoInitialize=lambda: None,
        CoUninitialize=lambda: None,
    )
    client = _module(
        "win32com.client",
        CDispatch=_class("CDispatch"),
        CoClassBaseClass=_class("CoClassBaseClass"),
        DispatchBaseClass=_class("DispatchBaseClass"),
        Dispatch=_Unavailable("win32com.client.Dispatch"),
        DispatchEx=_Unavailable("win32com.client.DispatchEx"),
        gencache=_module("win32com.client.gencache"),
    )
    server = _module("win32com.server")
    server.dispatcher = _module("win32com.server.dispatcher")
    server.policy = _module("win32com.server.policy")
    server.util = _module("win32com.server.util")
    win32com = _module("win32com", client=client, server=server)
    win32com.__path__ = []  # a package, so "import win32com.client" resolves through sys.modules
    server.__path__ = []
    mods = {
        "pywintypes": pywintypes,
        "pythoncom": pythoncom,
        "win32com": win32com,
        "win32com.client": client,
        "win32com.client.gencache": client.gencache,
        "win32com.server": server,
        "win32com.server.dispatcher": server.dispatcher,
        "win32com.server.policy": server.policy,
        "win32com.server.util": server.util,
    }
    for name in ("win32api", "win32con", "win32gui", "win32process", "win32timezone", "win32event"):
        mods[name] = _module(name)
    return mods


class _WindowsCtypes:
    """Lend ``ctypes`` the Windows-only names ``xlwings._xlwindows`` imports, for the import only."""

    _NAMES = ("windll", "oledll", "PyDLL")

    def __enter__(self):
        self._saved = {n: getattr(ctypes, n) for n in self._NAMES if hasattr(ctypes, n)}
        ctypes.windll = _Unavailable("ctypes.windll")
        ctypes.oledll = _Unavailable("ctypes.oledll")
        # _xlwindows: PyDLL(pythoncom.__file__).PyCom_PyObjectFromIUnknown (only used to attach to a running Excel)
        ctypes.PyDLL = lambda path: _Unavailable("ctypes.PyDLL(pythoncom)")
        return self

    def __exit__(self, *exc):
        for name in self._NAMES:
            if name in self._saved:
                setattr(ctypes, name, self._saved[name])
            elif hasattr(ctypes, name):
                delattr(ctypes, name)
        return False


_state: dict[str, types.ModuleType] = {}


def install() -> types.ModuleType:
    """Make xlwings behave as on Windows; return the real ``xlwings.udfs`` module (idempotent)."""
    if "udfs" in _state:
        return _state["udfs"]
    for name, mod in _pywin32_stand_ins().items():
        if name in sys.modules and not isinstance(sys.modules[name], _StandInModule):
            raise RuntimeError(f"a real {name} module is loaded; this harness is for platforms without pywin32")
        sys.modules[name] = mod

    import xlwings as xw

    with _WindowsCtypes():
        xlwindows = importlib.import_module("xlwings._xlwindows")
    udfs = importlib.import_module("xlwings.udfs")
    importlib.import_module("xlwings.com_server")  # call_udf imports its event loop from here

    if "excel" not in [engine.name for engine in xw.engines]:
        xw.engines.add(xw.Engine(impl=xlwindows.engine))
    xw.engines.active = xw.engines["excel"]

    # As xlwings/__init__.py does on Windows with pywin32.
    xw.func, xw.arg, xw.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
    xw.script = xw.sub = udfs.xlsub
    _state["udfs"] = udfs
    return udfs


def udf_module() -> types.ModuleType:
    """``addin.udfs`` decorated by the real Windows decorators (imported or reloaded after :func:`install`)."""
    if "addin" in _state:
        return _state["addin"]
    install()
    if UDF_MODULE in sys.modules:
        module = importlib.reload(sys.modules[UDF_MODULE])
    else:
        module = importlib.import_module(UDF_MODULE)
    _state["addin"] = module
    return module


def call(name: str, *args):
    """Call Excel function ``name`` exactly as Excel's UDF server does (``udfs.call_udf``).

    Returns what goes back over COM: a scalar for one cell, else a list of row lists.
    """
    udfs = install()
    udf_module()
    return udfs.call_udf(UDF_MODULE, name, args)


class _FakeWorkbook:
    """What ``generate_vba_wrapper`` reads from the workbook: its file name."""

    def __init__(self, name: str):
        self.Name = name


def vba_wrapper(workbook_name: str = "xlfolio.xlsm") -> str:
    """The VBA module text xlwings' own ``generate_vba_wrapper`` writes for ``addin.udfs``."""
    udfs = install()
    module = udf_module()
    buffer = io.StringIO()
    udfs.generate_vba_wrapper(UDF_MODULE, module, buffer, _FakeWorkbook(workbook_name))
    return buffer.getvalue()


def column(values) -> tuple:
    """A column range as COM delivers it: ``((v1,), (v2,), ...)``."""
    return tuple((com_value(v),) for v in values)


def row(values) -> tuple:
    """A row range as COM delivers it: ``((v1, v2, ...),)``."""
    return (tuple(com_value(v) for v in values),)


CELL_ERRORS = frozenset((XL_NA, XL_DIV0, XL_VALUE, XL_REF, XL_NUM, XL_NAME, XL_NULL))


def com_value(v):
    """One cell as COM delivers it: numbers become ``float``; error codes, text, None, dates stay."""
    if isinstance(v, bool) or v is None or isinstance(v, (str, dt.datetime)):
        return v
    if isinstance(v, int) and v in CELL_ERRORS:
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return v


def table(matrix) -> tuple:
    """A 2-D range as COM delivers it: a tuple of row tuples."""
    return tuple(tuple(com_value(v) for v in r) for r in matrix)
