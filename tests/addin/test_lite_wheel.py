"""``pip install xlfolio`` under Pyodide (xlwings Lite): the wheel is pure Python, and its requirements,
evaluated for ``sys_platform == "emscripten"`` as micropip evaluates them, leave no compiled-only
dependency; on Windows desktop they still bring everything the COM route and the build need.

Pyodide cannot run here (its packages come from a CDN), so this reads the wheel's metadata.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from addin.lite.source import PYODIDE_PACKAGES, XLWINGS_PIN, requirements_txt

ROOT = Path(__file__).resolve().parents[2]

#: The environment markers of xlwings Lite's Python (Pyodide 0.27, Python 3.12, WebAssembly).
PYODIDE = {"sys_platform": "emscripten", "platform_system": "Emscripten", "platform_machine": "wasm32",
           "os_name": "posix", "python_version": "3.12", "python_full_version": "3.12.7",
           "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}
WINDOWS = {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "os_name": "nt",
           "python_version": "3.12", "python_full_version": "3.12.7", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "extra": ""}
#: Packages with compiled code that Pyodide builds and ships (its README names NumPy, pandas, SciPy,
#: Matplotlib and lxml among them): micropip takes them from Pyodide's repository.
PYODIDE_BUILT = {"numpy", "scipy", "pandas", "lxml", "matplotlib"}
#: Packages with a pure-Python wheel on PyPI (py3-none-any), which micropip can install.
PURE_ON_PYPI = {"xlwings", "xlsxwriter", "pyopenvba", "python-dotenv", "pyodide-http", "black"}
#: What the COM route, the template build and the book CLI need on the desktop.
DESKTOP = {"numpy", "numba", "scipy", "pandas", "xlwings", "xlsxwriter", "pyopenvba", "lxml", "matplotlib", "pyarrow",
           "polars", "threadpoolctl"}


def _name(requirement: Requirement) -> str:
    return requirement.name.lower().replace("_", "-")


@functools.lru_cache(maxsize=1)
def wheel() -> Path:
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (pip install hatchling)")
    out = Path(tempfile.mkdtemp(prefix="xlfolio-wheel-"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(out), str(ROOT)], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    (path,) = out.glob("xlfolio-*.whl")
    return path


def metadata() -> tuple[dict, list[Requirement]]:
    with zipfile.ZipFile(wheel()) as z:
        dist_info = next(n.split("/")[0] for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(f"{dist_info}/METADATA").decode())
        wheel_file = Parser().parsestr(z.read(f"{dist_info}/WHEEL").decode())
    return wheel_file, [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


def installed_on(env: dict, requirements: list[Requirement]) -> set[str]:
    return {_name(r) for r in requirements if r.marker is None or r.marker.evaluate(env)}


def test_the_wheel_is_pure_python():
    wheel_file, _ = metadata()
    assert wheel_file.get_all("Tag") == ["py3-none-any"]
    assert wheel_file["Root-Is-Purelib"] == "true"
    with zipfile.ZipFile(wheel()) as z:
        names = z.namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dll", ".dylib"))]
    assert {"addin/lite/functions.py", "addin/lite/scripts.py", "addin/lite/adapter.py",
            "addin/cells/normalise.py", "kernels/_jit.py"} <= set(names)


def test_under_pyodide_no_compiled_only_dependency_remains():
    _, requirements = metadata()
    lite = installed_on(PYODIDE, requirements)
    assert "numba" not in lite
    assert lite <= PYODIDE_BUILT | PURE_ON_PYPI, lite - PYODIDE_BUILT - PURE_ON_PYPI
    assert {"numpy", "scipy", "pandas", "xlwings", "lxml"} <= lite  # what the Lite front-end imports


def test_on_windows_desktop_everything_the_com_route_needs_comes_with_it():
    _, requirements = metadata()
    assert installed_on(WINDOWS, requirements) == DESKTOP
    assert not [r for r in requirements if r.marker is not None and "extra" in str(r.marker)
                and _name(r) in DESKTOP]


def test_xlwings_brings_nothing_compiled_under_pyodide():
    """xlwings' own requirements (pywin32 on Windows, appscript on macOS) are all behind platform markers."""
    assert not installed_on(PYODIDE, [Requirement(r) for r in requires("xlwings") or []
                                      if "extra ==" not in r])


def test_lite_requirements_pin_xlwings_and_leave_pyodide_packages_unpinned():
    lines = [line.split("#")[0].strip() for line in requirements_txt().splitlines()]
    reqs = [Requirement(line) for line in lines if line]
    by_name = {_name(r): r for r in reqs}
    assert str(by_name["xlwings"].specifier) == f"=={XLWINGS_PIN}"
    for name in PYODIDE_PACKAGES:
        assert not by_name[name].specifier, name
    assert set(by_name) <= PYODIDE_BUILT | PURE_ON_PYPI | {"xlfolio"}
    assert str(by_name["xlfolio"].specifier).startswith("==")
