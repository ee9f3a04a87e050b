"""Every docstring example in the public packages runs and gives the printed result."""

import doctest
import importlib
import pkgutil

import pytest

import kernels

MODULES = sorted(
    name
    for package in (kernels,)
    for _, name, _ in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {module_name}"
