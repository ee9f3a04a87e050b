"""The one catalogue of cell functions: complete, plain data, and what every front-end reads."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import addin
import addin.cells
import addin.functions
import addin.macros
from addin import warmup
from addin.catalogue import WIZARD_TEXT_LIMIT, Argument, CellFunction, cell_function
from addin.cells.guard import cell_callable
from addin.cells.normalise import book_value
from addin.functions import FUNCTIONS, by_name
from addin.template import formula_functions
from tests.addin import xlwings_windows as xlw
from tests.workbook.source_scan import imports_of

UDF = xlw.udf_module()


def _defined_entries():
    for info in pkgutil.iter_modules(addin.functions.__path__):
        module = importlib.import_module(f"addin.functions.{info.name}")
        for value in vars(module).values():
            if isinstance(value, CellFunction):
                yield info.name, value


def test_every_function_defined_is_registered_once():
    defined = list(_defined_entries())
    assert defined and sorted(f.name for _, f in defined) == sorted(f.name for f in FUNCTIONS)
    assert len({f.name for f in FUNCTIONS}) == len(FUNCTIONS)
    assert set(by_name()) == {f.name for f in FUNCTIONS}


def test_catalogue_functions_and_cells_need_no_xlwings():
    """Plain data and plain Python: a front-end other than COM (xlwings Lite) can import them."""
    modules = {m: names for p in ("addin.functions", "addin.cells") for m, names in imports_of(p).items()}
    modules.update({m: n for m, n in imports_of("addin").items() if m == "addin.catalogue"})
    assert "addin.catalogue" in modules and "addin.cells.guard" in modules
    uses = {m: sorted(n for n in names if n.split(".")[0] == "xlwings") for m, names in modules.items()}
    assert {m: n for m, n in uses.items() if n} == {}


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.name)
def test_com_function_is_built_from_the_entry(function):
    """Name, description, argument help and defaults, category and wizard flag: what xlwings reads."""
    udf = getattr(UDF, function.name)
    meta = udf.__xlfunc__
    assert meta["name"] == udf.__name__ == function.name
    assert meta["ret"]["doc"] == function.description
    assert meta["category"] == function.category == "xlfolio"
    assert meta["call_in_wizard"] is function.call_in_wizard
    assert [(a["name"], a["doc"], "optional" in a, a.get("optional")) for a in meta["args"]] == \
        [tuple(a) for a in function.arguments]
    assert udf.__xlfolio__ == {"result": function.result, "example": function.example}
    assert inspect.signature(udf) == function.signature()


def test_the_warm_up_and_the_build_call_every_entry():
    assert list(warmup.excel_functions()) == [f.name for f in FUNCTIONS]
    assert set(warmup.example_inputs()) == {f.name for f in FUNCTIONS}
    built = formula_functions()
    assert list(built) == [f.name for f in FUNCTIONS]
    for f in FUNCTIONS:
        assert (built[f.name].min_args, built[f.name].max_args) == (f.n_required, len(f.arguments))
        assert built[f.name].description == f.description


@pytest.mark.parametrize("name", ["PORTFOLIO_RISK", "RISK_CONTRIBUTIONS", "EFFICIENT_FRONTIER", "ALLOCATE"])
def test_a_front_end_normalises_its_own_values_before_the_shared_conversion(name):
    """Rows as a Book reads them (lists of row lists, one-cell blocks too) give what COM's form gives."""
    com_args = warmup.example_inputs()[name]
    as_rows = [[list(r) for r in a] if isinstance(a, tuple) else [[a]] for a in com_args]
    from_rows = cell_callable(by_name()[name], book_value)
    expected = cell_callable(by_name()[name])(*com_args)
    assert from_rows(*as_rows) == expected
    first = expected
    while isinstance(first, list):
        first = first[0]
    assert isinstance(first, (float, str)) and not str(first).startswith(addin.cells.ERROR_PREFIX), expected


def test_a_normaliser_sees_every_argument_first():
    seen = []

    def normalise(value):
        seen.append(value)
        return value

    call = cell_callable(by_name()["PORTFOLIO_RETURN"], normalise)
    call("w", "mu")
    assert seen == ["w", "mu"]


def test_the_cell_callable_is_named_and_documented_like_the_entry():
    function = by_name()["PORTFOLIO_RISK"]
    call = cell_callable(function)
    assert call.__name__ == "PORTFOLIO_RISK" and call.__doc__ == function.description
    assert str(inspect.signature(call)) == "(weights, cov_or_vols, correlation=None)"
    assert function.arguments[2] == Argument("correlation", function.arguments[2].doc, True, None)


# ----------------------------------------------------------------------------- the decorator refuses


def _entry(**kwargs):
    options = {"args": {"x": "An x."}, "result": "A number.", "example": "=F(1)"} | kwargs

    def F(x):  # noqa: N802
        """Does f."""
        return x

    return cell_function(**options)(F)


def test_cell_function_reads_name_docstring_and_defaults():
    def G(x, y=2.0):  # noqa: N802
        """Does g."""

    entry = cell_function(args={"x": "An x.", "y": "Optional y."}, result="r", example="=G(1)",
                          renames={"y_kernel": "y"}, call_in_wizard=False)(G)
    assert (entry.name, entry.description, entry.implementation) == ("G", "Does g.", G)
    assert entry.arguments == (Argument("x", "An x.", False, None), Argument("y", "Optional y.", True, 2.0))
    assert entry.n_required == 1 and entry.call_in_wizard is False and dict(entry.renames) == {"y_kernel": "y"}
    with pytest.raises(TypeError):
        entry.renames["z"] = "w"  # plain data, read-only


@pytest.mark.parametrize("kwargs, message", [
    ({"args": {"y": "A y."}}, r"^F: args= documents \['y'\], the function takes \['x'\]\.$"),
    ({"args": {"x": "x" * (WIZARD_TEXT_LIMIT + 1)}}, r"^F: \['x'\] longer than the wizard's 255 characters\.$"),
])
def test_cell_function_refuses_what_a_front_end_could_not_show(kwargs, message):
    with pytest.raises(TypeError, match=message):
        _entry(**kwargs)


def test_cell_function_wants_a_one_line_docstring():
    def H(x):  # noqa: N802
        """Two
        lines."""

    with pytest.raises(TypeError, match=r"^H: give a one-line docstring"):
        cell_function(args={"x": "An x."}, result="r", example="e")(H)


@pytest.mark.parametrize("package", ["addin", "addin.cells", "addin.functions", "addin.macros"])
def test_no_module_is_hidden_by_a_name_of_its_package(package):
    """``import addin.macros.x`` gives the module: no function of the package has its name (``rebalance``...)."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name == "__main__":  # runs the command line
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        assert getattr(pkg, info.name) is module, f"{package}.{info.name} is not the module"
