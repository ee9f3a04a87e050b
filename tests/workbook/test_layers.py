"""The layers run one way, addin -> workbook -> kernels: the workbook never imports the add-in, the kernels
import neither."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tests.workbook.source_scan import imported_modules, imports_of, line_counts

MAX_MODULE_LINES = 500


def _addin_imports(imports: set[str]) -> set[str]:
    return {name for name in imports if name == "addin" or name.startswith("addin.")}


def test_no_workbook_module_imports_the_addin():
    found = {module: sorted(_addin_imports(names)) for module, names in imports_of("workbook").items()}
    assert {m: names for m, names in found.items() if names} == {}


@pytest.mark.parametrize("source, module, imports_addin", [
    ("from addin import macros", "workbook.build", True),
    ("import addin.udfs", "workbook.sheets.start", True),
    ("def f():\n    from addin.vba import udf_wrapper_module\n", "workbook.package", True),
    ("import addin_helpers, kernels", "workbook.build", False),
    ("from .. import addin", "workbook.sheets.start", False),  # that is workbook.addin, not the add-in
])
def test_the_import_scan_sees_every_form(source, module, imports_addin):
    assert bool(_addin_imports(imported_modules(source, module))) is imports_addin


def test_no_kernels_module_imports_the_workbook_or_the_addin():
    def upper_layers(names):
        return sorted(n for n in names if n.split(".")[0] in ("addin", "workbook"))

    found = {module: upper_layers(names) for module, names in imports_of("kernels").items()}
    assert {m: names for m, names in found.items() if names} == {}
    assert len(found) > 40  # the scan found the package


def test_no_module_over_500_lines():
    counts = line_counts("addin", "workbook", "kernels")
    assert {path: n for path, n in counts.items() if n > MAX_MODULE_LINES} == {}
    assert len(counts) > 40  # the scan found the packages


@pytest.mark.parametrize("package", ["workbook", "workbook.sheets"])
def test_no_module_is_hidden_by_a_name_of_its_package(package):
    """``import workbook.sheets.x`` gives the module: no function or constant of the package has its name."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        assert getattr(pkg, info.name) is module, f"{package}.{info.name} is not the module"


def test_every_sheet_module_is_in_the_sheet_list():
    from workbook import sheets

    modules = {info.name for info in pkgutil.iter_modules(sheets.__path__) if not info.name.startswith("_")}
    assert {m.__name__.rsplit(".", 1)[1] for m in sheets.ORDER} == modules
    assert len({m.NAME for m in sheets.ORDER}) == len({m.CODE_NAME for m in sheets.ORDER}) == len(sheets.ORDER)
