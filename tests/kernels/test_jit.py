"""kernels._jit: every way the kernels use Numba gives the same answers compiled and as plain Python,
an unknown way fails loudly, the plain-Python switch, and the cache folder that follows the sources.

This module runs in both CI passes: compiled (``f`` against ``f.py_func`` and an oracle) and with
``XLFOLIO_DISABLE_NUMBA=1`` (where ``f`` is the plain function: against the same oracle).
"""

import ast
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from kernels import _jit
from kernels._jit import PURE_PYTHON, jit, prange
from tests.tolerances import RTOL_PATHS

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels"


# ----------------------------------------------------------------------------- one sample kernel per form


@jit
def _plain(x):
    acc = 0.0
    for v in x:
        acc += v * v
    return acc


@jit(parallel=True)
def _parallel(x, out):
    total = 0.0
    for i in prange(x.shape[0]):  # a loop over prange with a reduction
        out[i] = x[i] * x[i]
        total += out[i]
    return total


@jit(fastmath=True)
def _fastmath_all(x):
    acc = 0.0
    for v in x:
        acc += v
    return acc


@jit(fastmath={"reassoc"})
def _fastmath_flags(x):
    acc = 0.0
    for v in x:
        acc += v
    return acc


@jit(cache=False)
def _uncached(x):
    return x.sum()


class _Pair(NamedTuple):
    status: int
    value: float


@jit
def _named_result(x):
    """A NamedTuple built in compiled code, with an int status from either branch."""
    if x[0] < 0.0:
        return _Pair(1, np.nan)
    return _Pair(0, np.sqrt(x[0]))


@jit
def _calls_a_kernel(x):
    return _plain(x) + _named_result(x).value


@jit
def _catches_linalg_error(a):
    try:
        return True, np.linalg.cholesky(a)
    except Exception:  # noqa: BLE001  (as newton._single_factor)
        return False, np.empty((0, 0))


@jit
def _float_semantics(a, b):
    """``error_model="numpy"``: division by zero gives inf/nan; Python's floor division and modulo."""
    return a / b, (-7) // 2, (-7) % 3, np.float64(-7.5) % 2.0


X = np.linspace(-1.0, 2.0, 101)

FORMS = {
    # form (sorted keyword names of @jit(...)) -> (kernel, arguments, oracle)
    (): (_plain, (X,), lambda x: float(np.sum(x * x))),
    ("parallel",): (_parallel, (X, np.empty(101)), lambda x, out: float(np.sum(x * x))),
    ("fastmath",): (_fastmath_all, (X,), lambda x: float(np.sum(x))),
    ("fastmath-flags",): (_fastmath_flags, (X,), lambda x: float(np.sum(x))),
    ("cache",): (_uncached, (X,), lambda x: float(np.sum(x))),
}


@pytest.mark.parametrize("form", sorted(FORMS), ids=lambda f: ",".join(f) or "plain")
def test_each_form_gives_the_oracle_compiled_and_as_python(form):
    kernel, args, oracle = FORMS[form]
    expected = oracle(*args)
    for f in (kernel, kernel.py_func):
        assert f(*(a.copy() for a in args)) == pytest.approx(expected, rel=RTOL_PATHS)


def test_prange_loop_fills_its_output():
    out = np.empty(101)
    _parallel(X, out)
    np.testing.assert_array_equal(out, X * X)


def test_named_results_cross_kernel_calls_and_caught_errors():
    assert _named_result(np.array([4.0])) == _Pair(0, 2.0) == _named_result.py_func(np.array([4.0]))
    assert _named_result(np.array([-1.0])).status == 1
    assert type(_named_result(np.array([4.0]))) is _Pair
    assert _calls_a_kernel(np.array([4.0, 1.0])) == 19.0
    ok, factor = _catches_linalg_error(np.eye(2) * 4.0)
    assert ok and np.array_equal(factor, np.eye(2) * 2.0)
    assert not _catches_linalg_error(np.array([[1.0, 2.0], [2.0, 1.0]]))[0]


def test_float_semantics_are_numpys_in_both_modes():
    with np.errstate(divide="ignore", invalid="ignore"):  # what kernel_errstate does in the plain-Python mode
        q, floor_div, mod, fmod = _float_semantics(np.float64(1.0), np.float64(0.0))
        nan = _float_semantics(np.float64(0.0), np.float64(0.0))[0]
    assert q == np.inf and math.isnan(nan)
    assert (floor_div, mod, fmod) == (-4, 2, 0.5)


def test_unknown_forms_fail_loudly():
    with pytest.raises(TypeError, match="unknown option"):
        jit(nopython=False)
    with pytest.raises(TypeError, match="unknown option"):
        jit(boundscheck=True)
    with pytest.raises(TypeError, match="no signatures"):
        jit("float64(float64)")
    with pytest.raises(TypeError, match="expected a function"):
        jit()(3)
    with pytest.raises(ImportError):
        from kernels._jit import objmode  # noqa: F401  (not offered: a kernel needing it fails at import)


def _jit_uses(path):
    """Every ``@jit``/``@jit(...)`` in a source file as the sorted tuple of its keywords, and the names
    imported from ``_jit``."""
    tree = ast.parse(path.read_text())
    forms, names = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Name) and dec.id == "jit":
                    forms.add(())
                elif isinstance(dec, ast.Call) and getattr(dec.func, "id", None) == "jit":
                    assert not dec.args, f"{path.name}:{node.name}: @jit with a positional argument"
                    keys = []
                    for kw in dec.keywords:
                        flags = kw.arg == "fastmath" and isinstance(kw.value, (ast.Set, ast.Dict))
                        keys.append("fastmath-flags" if flags else kw.arg)
                    forms.add(tuple(sorted(keys)))
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("_jit"):
            names.update(a.name for a in node.names)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(m.split(".")[0] == "numba" for m in modules), f"{path}: imports numba (use kernels._jit)"
    return forms, names


def test_every_form_the_kernels_use_is_tested_here():
    used, names = set(), set()
    for path in KERNELS.rglob("*.py"):
        if path.name != "_jit.py":
            forms, imported = _jit_uses(path)
            used |= forms
            names |= imported
    assert used <= set(FORMS), f"untested @jit forms: {used - set(FORMS)}; add a sample kernel for each"
    assert names <= {"jit", "prange", "vectorised", "kernel_errstate", "PURE_PYTHON"}


def test_plain_python_mode_gives_plain_functions():
    if PURE_PYTHON:
        assert prange is range
        assert _plain.py_func is _plain and not hasattr(_plain, "signatures")
    else:
        assert prange is not range and _plain.py_func is not _plain


def _python(code, root=ROOT, **env):
    """Run ``code`` in a fresh interpreter that imports ``kernels`` from ``root``; the words it printed."""
    run_env = {k: v for k, v in os.environ.items() if k not in ("XLFOLIO_DISABLE_NUMBA", "NUMBA_CACHE_DIR")}
    run_env.update(PYTHONPATH=str(root), **env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=run_env, cwd=root)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


@pytest.mark.slow
def test_switches_to_plain_python_without_numba_or_when_disabled():
    probe = ("import sys; import kernels, kernels._jit as j, kernels.rebalance as r; "
             "print(j.PURE_PYTHON, sys.modules.get('numba') is not None, r._rebalance_one.py_func is r._rebalance_one, "
             "j.prange is range, kernels.risk_parity([[0.04, 0.006], [0.006, 0.01]]).weights.round(6)[0])")
    assert _python(probe, XLFOLIO_DISABLE_NUMBA="1") == ["True", "False", "True", "True", "0.333333"]
    absent = "import sys; sys.modules['numba'] = None; " + probe  # `import numba` raises ImportError
    assert _python(absent) == ["True", "False", "True", "True", "0.333333"]


# ----------------------------------------------------------------------------- the cache rule


def test_source_key_changes_with_any_source(tmp_path):
    package = tmp_path / "kernels"
    shutil.copytree(KERNELS, package, ignore=shutil.ignore_patterns("__pycache__"))
    key = _jit.source_key.__wrapped__(package)
    assert key == _jit.source_key.__wrapped__(package) and len(key) == 16
    (package / "_validate" / "arrays.py").write_text((package / "_validate" / "arrays.py").read_text() + "\n")
    assert _jit.source_key.__wrapped__(package) != key
    assert _jit.cache_folder(tmp_path).name == f"xlfolio-{_jit.source_key()}"


def test_prune_keeps_the_current_and_recent_folders(tmp_path):
    current = _jit.cache_folder(tmp_path)
    current.mkdir()
    others = [tmp_path / f"xlfolio-{i:016x}" for i in range(4)]
    for age, folder in enumerate(others):
        folder.mkdir()
        os.utime(folder, (1e9 + age, 1e9 + age))
    (tmp_path / "not-ours").mkdir()
    removed = _jit.prune_cache(tmp_path, keep=3)
    assert sorted(removed) == sorted(others[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([current.name, others[3].name, others[2].name,
                                                                 "not-ours"])


# descent._sweep (risk budgeting's coordinate sweep) calls linalg._dot_head, in another file; a small
# chain to compile (the example, rebalance -> whole_shares._round_to_lots, costs ten times more)
_FIRST_CALL = ("import numpy as np; from kernels.risk_budgeting.descent import _sweep as k; "
               "x = np.ones(2); k(np.array([[2.0, 0.5], [0.5, 1.0]]), np.full(2, 0.5), np.zeros(2), np.full(2, np.inf), "
               "x, np.array([0.5, 0.0]), np.empty(2), np.empty(2)); "
               "print(round(x[1], 6), sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values()))")
_CALLEE = ("    return acc\n", "    return acc + 1000.0\n")


def _copy_of_kernels(tmp_path, name):
    root = tmp_path / name
    shutil.copytree(KERNELS, root / "kernels", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


@pytest.mark.slow
@pytest.mark.skipif(PURE_PYTHON, reason="Numba's cache: compiled mode only")
def test_an_edited_callee_in_another_file_is_seen(tmp_path):
    cache = tmp_path / "cache"

    def first_call(root):
        x, hits, misses = _python(_FIRST_CALL, root, NUMBA_CACHE_DIR=str(cache))
        return float(x), int(hits), int(misses)

    ruled = _copy_of_kernels(tmp_path, "ruled")
    before = first_call(ruled)
    assert before[1:] == (0, 1)  # compiled and cached
    _edit(ruled / "kernels" / "risk_budgeting" / "linalg.py", *_CALLEE)
    after = first_call(ruled)
    assert after[0] != before[0] and after[1:] == (0, 1)  # new sources, new folder: compiled with the edit
    assert first_call(ruled) == (after[0], 1, 0)  # and cached there
    # without the rule (one folder whatever the sources) Numba loads the caller compiled with the old callee
    stale = _copy_of_kernels(tmp_path, "stale")
    _edit(stale / "kernels" / "_jit.py", "    return digest.hexdigest()[:16]", '    return "fixed"')
    assert first_call(stale) == before
    _edit(stale / "kernels" / "risk_budgeting" / "linalg.py", *_CALLEE)
    assert first_call(stale) == (before[0], 1, 0)  # numba#1833: stale machine code
