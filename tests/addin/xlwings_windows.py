"""Run xlwings' real Windows UDF code path on Linux.

Excel has no Linux build and, off Windows, ``xlwings.func/arg/ret`` are no-ops and
``xlwings.udfs`` cannot be imported (it needs pywin32). :func:`addin.vba.windows_udfs`
(product code: the template workbook is built on Linux with xlwings' own VBA generator)
makes the real Windows path importable, so tests go through the same Python code Excel's
UDF server runs:

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

import datetime as dt
import sys
import types
from decimal import Decimal

from addin import vba
from addin.vba import TimeType  # noqa: F401 (pywintypes.TimeType stand-in: a datetime subclass)

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

UDF_MODULE = vba.UDF_MODULE


def install() -> types.ModuleType:
    """Make xlwings behave as on Windows (pywin32 stand-ins, engine, decorators); return ``xlwings.udfs``."""
    return vba.windows_udfs()


def udf_module() -> types.ModuleType:
    """``addin.udfs`` as Excel's UDF server sees it (decorated by the real Windows decorators)."""
    return vba.udf_module()


def call(name: str, *args):
    """Call Excel function ``name`` exactly as Excel's UDF server does (``udfs.call_udf``).

    Returns what goes back over COM: a scalar for one cell, else a list of row lists.
    """
    udfs = install()
    udf_module()
    return udfs.call_udf(UDF_MODULE, name, args)


def vba_wrapper(workbook_name: str = "xlfolio.xlsm") -> str:
    """The VBA module text xlwings' own ``generate_vba_wrapper`` writes for ``addin.udfs``."""
    return vba.udf_wrapper_module(workbook_name)


def column(values) -> tuple:
    """A column range as COM delivers it: ``((v1,), (v2,), ...)``."""
    return tuple((com_value(v),) for v in values)


def row(values) -> tuple:
    """A row range as COM delivers it: ``((v1, v2, ...),)``."""
    return (tuple(com_value(v) for v in values),)


CELL_ERRORS = frozenset((XL_NA, XL_DIV0, XL_VALUE, XL_REF, XL_NUM, XL_NAME, XL_NULL))


def com_value(v):
    """One cell as COM delivers it: numbers become ``float``; error codes, text, None, dates, Decimal stay."""
    if isinstance(v, bool) or v is None or isinstance(v, (str, dt.datetime, Decimal)):
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


# ----------------------------------------------------------------------------- cell references

#: IID of Excel's Range interface: xlwings' is_range_instance compares the argument's type info with it.
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"


class _Count:
    def __init__(self, n: int):
        self.Count = n


class _TypeInfo:
    class _TypeAttr:
        iid = RANGE_IID

    def GetTypeAttr(self):  # noqa: N802 (COM's name)
        return self._TypeAttr()


class _OleObject:
    def GetTypeInfo(self):  # noqa: N802
        return _TypeInfo()


class _Application:
    Hwnd = 1


class _Workbook:
    Application = _Application()


class _Worksheet:
    Parent = _Workbook()


class ComRange:
    """A cell reference as COM hands it to the UDF server: an Excel ``Range`` dispatch, not its values.

    When a formula passes ``B2:B6``, VBA's ``Array(weights, ...)`` carries the Range object;
    xlwings' ``call_udf`` recognises it (``is_range_instance``), wraps it in ``xlwings.Range`` and
    reads ``Range.Value`` through the conversion pipeline. This stand-in has just the object model
    that path touches (type info, position, size, worksheet -> workbook -> application).
    """

    _oleobj_ = _OleObject()
    Worksheet = _Worksheet()
    Row = 2
    Column = 2

    def __init__(self, value):
        self.Value = value
        rows = value if isinstance(value, tuple) else ((value,),)
        self.Rows = _Count(len(rows))
        self.Columns = _Count(len(rows[0]))


def reference(value) -> ComRange:
    """``value`` (COM-shaped, as from :func:`table`) behind a cell reference."""
    install()
    # xlwings asks for the Excel process id of the range's application (win32process, pywin32)
    sys.modules["win32process"].GetWindowThreadProcessId = lambda hwnd: (1, 4242)
    return ComRange(value)
