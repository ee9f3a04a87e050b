"""The catalogue of cell functions: what each Excel function is, as plain data (no xlwings here).

An entry (:class:`CellFunction`) is made by decorating its implementation with :func:`cell_function`
in a domain module of :mod:`addin.functions`; :data:`addin.functions.FUNCTIONS` lists the entries
in order. Every front-end reads them from there:

* :mod:`addin.udfs`: desktop Excel (COM), the ``xw.func``/``xw.arg`` functions of xlwings' "UDF Modules";
* :mod:`addin.vba`: the ``xlwings_udfs`` VBA module, written by xlwings from :mod:`addin.udfs`;
* :mod:`addin.function_reference`: the README's function reference;
* :mod:`addin.warmup`: one call of every function, to compile the kernels;
* :mod:`addin.template`: the Start sheet's reference and the values of the template's formulas;
* an xlwings Lite module (``@func``/``@arg``), generated from the same entries.

The implementation takes the cell values in the canonical form of :mod:`addin.cells.values`
(COM's ``Range.Value``), one per argument, optional ones already replaced by their default when
omitted, and raises a :class:`kernels.PortfolioError` on bad input; the front-ends call it through
:func:`addin.cells.guard.cell_callable`, which turns every failure into a cell message.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple

#: The function wizard's category of every xlfolio function.
CATEGORY = "xlfolio"
#: Excel's MacroOptions limit for descriptions and argument help (xlwings cuts there).
WIZARD_TEXT_LIMIT = 255


class Argument(NamedTuple):
    """One argument of a cell function, as the function wizard and the README show it."""

    name: str
    doc: str
    optional: bool
    default: Any = None


@dataclass(frozen=True)
class CellFunction:
    """One Excel function: everything a front-end needs to offer it, and the implementation."""

    #: The Excel name, e.g. ``PORTFOLIO_RISK`` (also the implementation's Python name).
    name: str
    #: Takes one canonical cell value per argument; returns a number, text or rows for a spill.
    implementation: Callable[..., Any]
    #: One line: the function wizard's description and the README's.
    description: str
    arguments: tuple[Argument, ...]
    #: What the cell shows (README).
    result: str
    #: A formula using it (README).
    example: str
    #: False for functions that solve or estimate: Excel does not run them while the wizard is open.
    call_in_wizard: bool
    #: The kernel's argument name -> the Excel argument name, for the first word of a kernel's message.
    renames: Mapping[str, str]
    category: str = CATEGORY

    @property
    def n_required(self) -> int:
        return sum(not a.optional for a in self.arguments)

    def signature(self) -> inspect.Signature:
        """The Python signature a front-end gives its function: the arguments, optional ones with their default."""
        empty = inspect.Parameter.empty
        return inspect.Signature([
            inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=a.default if a.optional else empty)
            for a in self.arguments])


def cell_function(*, args: Mapping[str, str], result: str, example: str, renames: Mapping[str, str] | None = None,
                  call_in_wizard: bool = True, category: str = CATEGORY) -> Callable[[Callable], CellFunction]:
    """Make a :class:`CellFunction` of the decorated implementation.

    Its Python name is the Excel name, its one-line docstring the description, its Python defaults the
    defaults of the optional arguments. ``args`` gives the help of every argument, in the order of the
    signature; ``result`` and ``example`` feed the README; ``renames`` maps the kernel's argument names
    to the Excel ones (e.g. ``{"cov": "cov_or_vols"}``).
    """

    def decorate(implementation: Callable) -> CellFunction:
        name = implementation.__name__
        description = (implementation.__doc__ or "").strip()
        if not description or "\n" in description:
            raise TypeError(f"{name}: give a one-line docstring (the function wizard's description).")
        params = list(inspect.signature(implementation).parameters.values())
        if [p.name for p in params] != list(args):
            raise TypeError(f"{name}: args= documents {list(args)}, the function takes {[p.name for p in params]}.")
        if any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in params):
            raise TypeError(f"{name}: arguments are plain positional ones (no *args, **kwargs or keyword-only).")
        too_long = [k for k, text in (("description", description), *args.items()) if len(text) > WIZARD_TEXT_LIMIT]
        if too_long:
            raise TypeError(f"{name}: {too_long} longer than the wizard's {WIZARD_TEXT_LIMIT} characters.")
        arguments = tuple(
            Argument(p.name, args[p.name], p.default is not p.empty, None if p.default is p.empty else p.default)
            for p in params)
        return CellFunction(name, implementation, description, arguments, result, example, call_in_wizard,
                            MappingProxyType(dict(renames or {})), category)

    return decorate
