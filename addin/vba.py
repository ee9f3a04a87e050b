"""The VBA module that makes xlfolio's Excel functions callable, written by xlwings itself.

Excel calls a Python UDF through a VBA stub per function (``Function PORTFOLIO_RISK(...)``
calling ``XLPy.CallUDF``); xlwings writes these stubs with ``xlwings.udfs.generate_vba_wrapper``
when a user clicks "Import Functions". The template workbook ships the module instead, so
:func:`udf_wrapper_module` returns exactly what that button would import.

``xlwings.udfs`` needs pywin32 and, off Windows, ``xw.func/arg/ret`` are no-ops; the template
is built on Linux, so :func:`windows_udfs` loads xlwings' real Windows UDF code there with
stand-ins for the pywin32 modules (the same stand-ins the tests use to run ``call_udf``):

1. stand-ins for the pywin32 modules go into ``sys.modules``; only what xlwings touches while
   importing and while running ``call_udf`` / ``generate_vba_wrapper`` behaves; any other
   attribute is a placeholder that raises when used, so an untested COM path fails loudly;
2. the real ``xlwings._xlwindows``, ``xlwings.udfs`` and ``xlwings.com_server`` are imported
   (the Windows-only names of ``ctypes`` are lent to the import and removed again);
3. the Excel engine is registered and made active, as ``xlwings/__init__.py`` does on Windows;
4. ``xw.func/arg/ret/script`` are bound to ``udfs.xlfunc/xlarg/xlret/xlsub``, as
   ``xlwings/__init__.py`` does on Windows, and only then is ``addin.udfs`` imported (or
   reloaded), so its decorators build the real ``__xlfunc__`` metadata.

Side effect off Windows: the process's ``xlwings.func/arg/ret`` stay bound to the Windows
decorators (harmless: they only attach metadata).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import importlib
import io
import sys
import types

UDF_MODULE = "addin.udfs"
#: The VBA module name xlwings' "Import Functions" uses.
VBA_MODULE_NAME = "xlwings_udfs"


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


def windows_udfs() -> types.ModuleType:
    """xlwings' real Windows ``xlwings.udfs`` module, with the Windows decorators bound (idempotent)."""
    if "udfs" in _state:
        return _state["udfs"]
    if sys.platform.startswith("win"):  # the real thing: xlwings/__init__.py bound the decorators
        _state["udfs"] = importlib.import_module("xlwings.udfs")
        return _state["udfs"]
    for name, mod in _pywin32_stand_ins().items():
        if name in sys.modules and not isinstance(sys.modules[name], _StandInModule):
            raise RuntimeError(f"a real {name} module is loaded; stand-ins are for platforms without pywin32")
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
    """``addin.udfs`` decorated by the real Windows decorators (imported, or reloaded if it was imported before)."""
    windows_udfs()
    module = sys.modules.get(UDF_MODULE)
    if module is None:
        module = importlib.import_module(UDF_MODULE)
    elif not hasattr(module.PORTFOLIO_RISK, "__xlfunc__"):  # imported while the decorators were no-ops
        module = importlib.reload(module)
    return module


class _Workbook:
    """What ``generate_vba_wrapper`` reads from the workbook: its file name."""

    def __init__(self, name: str):
        self.Name = name


def udf_wrapper_module(workbook_name: str = "xlfolio.xlsm") -> str:
    """The VBA module (``xlwings_udfs``) declaring every Excel function of :mod:`addin.udfs`.

    Written as xlwings' ``import_udfs`` writes it: the module header, then
    ``xlwings.udfs.generate_vba_wrapper``'s stubs. ``workbook_name`` decides, as in xlwings,
    whether the stubs pass ``ThisWorkbook`` (a workbook) or ``ActiveWorkbook`` (an ``.xlam`` add-in).
    """
    udfs = windows_udfs()
    module = udf_module()
    buffer = io.StringIO()
    buffer.write(f'Attribute VB_Name = "{VBA_MODULE_NAME}"\n')
    buffer.write("'Autogenerated code by xlwings - changes will be lost with next import!\n")
    buffer.write("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel\n""")
    udfs.generate_vba_wrapper(UDF_MODULE, module, buffer, _Workbook(workbook_name))
    return buffer.getvalue()
