"""Static reads of the product's sources (no import): which modules a file imports, how long modules are.

Shared by the layer tests of tests/addin and tests/workbook; it holds no tests itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(source: str, module: str) -> set[str]:
    """Every module ``source`` (the text of module ``module``, e.g. ``workbook.sheets.start``) imports,
    at the top or inside functions, relative imports resolved to absolute names."""
    package = module.rsplit(".", 1)[0] if "." in module else ""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


def python_files(package: str) -> dict[str, Path]:
    """Module name -> path of every ``.py`` file under the folder of ``package`` (e.g. ``workbook``)."""
    folder = ROOT / package.replace(".", "/")
    out = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if path.name == "__init__.py":
            name += ".__init__"  # relative imports of a package resolve against the package itself
        out[name] = path
    return out


def imports_of(package: str) -> dict[str, set[str]]:
    """Module -> the modules it imports, for every module of ``package``."""
    return {name.removesuffix(".__init__"): imported_modules(path.read_text(encoding="utf-8"), name)
            for name, path in python_files(package).items()}


def line_counts(*packages: str) -> dict[str, int]:
    """Path (relative to the repository) -> number of lines, for every ``.py`` file of ``packages``."""
    return {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
            for package in packages for path in python_files(package).values()}
