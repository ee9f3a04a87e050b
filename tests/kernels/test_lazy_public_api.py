"""``kernels`` loads its public names on first use (PEP 562): each resolves to its own module's object, the table
of names is the only list, and ``import kernels`` imports no kernel module and not Numba."""

import ast
import importlib
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kernels

ROOT = Path(__file__).resolve().parents[2]
INIT = ROOT / "kernels" / "__init__.py"


def _where(name: str) -> tuple[str, str]:
    module, _, attr = kernels._PUBLIC[name].partition(":")
    return f"kernels.{module}", attr or name


@pytest.mark.parametrize("name", kernels.__all__)
def test_every_public_name_is_its_modules_own_object(name):
    module, attr = _where(name)
    own = getattr(importlib.import_module(module), attr)
    assert getattr(kernels, name) is own
    assert getattr(__import__("kernels", fromlist=[name]), name) is own  # what ``from kernels import name`` does
    defined_in = getattr(own, "__module__", None)
    if defined_in is not None and callable(own):  # functions and classes: defined in that module (or below it)
        assert defined_in == module or defined_in.startswith(module + "."), (name, defined_in)


def test_the_table_is_the_only_list_and_names_each_once():
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    tables = [node.value for node in tree.body if isinstance(node, ast.Assign)
              and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["_PUBLIC"]]
    assert len(tables) == 1 and isinstance(tables[0], ast.Dict)
    keys = [k.value for k in tables[0].keys]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
    assert kernels.__all__ == keys
    assert not [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                and (isinstance(node, ast.Import) or node.level or node.module.startswith("kernels"))
                and not (isinstance(node, ast.Import) and [a.name for a in node.names] == ["importlib.util"])]


def test_no_public_name_is_also_a_module_name():
    """``import kernels.x`` sets the attribute ``x`` to the module: a public name ``x`` would be hidden."""
    modules = {m.name for m in pkgutil.iter_modules(kernels.__path__)}
    assert not modules & set(kernels.__all__)
    assert {m.split(":")[0] for m in kernels._PUBLIC.values()} <= modules


def test_dir_lists_the_public_names_and_the_modules():
    names = set(dir(kernels))
    assert set(kernels.__all__) <= names
    assert {"errors", "rebalance", "household", "mean_variance", "_jit"} <= names


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="^module 'kernels' has no attribute 'no_such_name'$"):
        kernels.no_such_name  # noqa: B018
    assert not hasattr(kernels, "__wrapped__")


def test_import_kernels_imports_no_kernel_module_nor_numba():
    """And ``from kernels import *`` gives the public names, an unknown name the usual ImportError."""
    code = textwrap.dedent("""
        import sys
        import kernels
        print(sorted(m for m in sys.modules if m.startswith(("kernels.", "numba", "scipy"))))
        from kernels import InputError
        print(sorted(m for m in sys.modules if m.startswith("kernels.")), "numba" in sys.modules)
        from kernels import rebalance_trades
        print("kernels.rebalance" in sys.modules, "kernels.mean_variance" in sys.modules,
              rebalance_trades.__module__)
        print(kernels.household.DEFAULT_MIP_GAP == kernels.household.plan.DEFAULT_MIP_GAP, "kernels.household" in sys.modules)
        before = set(globals())
        from kernels import *
        print(sorted(set(globals()) - before - {"before"} - set(kernels.__all__)),
              all(globals()[n] is getattr(kernels, n) for n in kernels.__all__))
        try:
            from kernels import no_such_name
        except ImportError as exc:
            print(exc)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[]", "['kernels.errors'] False", "True False kernels.rebalance",
                                        "True True", "[] True",
                                        f"cannot import name 'no_such_name' from 'kernels' ({kernels.__file__})"]
