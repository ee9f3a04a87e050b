"""The pieces around the Excel functions: README reference, Numba cache folder, warm-up, cell helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from addin import cells, function_reference, numba_cache, warmup
from kernels import InputError
from tests.addin import xlwings_windows as xlw

UDF = xlw.udf_module()
ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- function reference


def test_reference_lists_every_function_with_the_wizard_texts():
    entries = function_reference.function_entries()
    assert [e.name for e in entries] == list(warmup.excel_functions(UDF))
    text = function_reference.render_markdown(entries)
    for name, func in warmup.excel_functions(UDF).items():
        meta = func.__xlfunc__
        assert f"### {name}\n" in text
        assert meta["ret"]["doc"] in text
        for a in meta["args"]:
            assert f"| `{a['name']}` | {a['doc'].replace('|', chr(92) + '|')} |" in text
        assert func.__xlfolio__["example"] in text


def test_reference_signature_brackets_optional_arguments():
    entry = next(e for e in function_reference.function_entries() if e.name == "PORTFOLIO_RISK")
    assert function_reference.signature(entry) == "PORTFOLIO_RISK(weights, cov_or_vols, [correlation])"


def test_readme_update_rewrites_only_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    before = "# xlfolio\n\nIntro.\n\n"
    after = "\n\n## Licence\n\nBSD.\n"
    readme.write_text(f"{before}{function_reference.START}\nold text\n{function_reference.END}{after}", encoding="utf-8")
    assert function_reference.update_file(readme) is True
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(before + function_reference.START + "\n") and text.endswith(function_reference.END + after)
    assert "old text" not in text and "### EFFICIENT_FRONTIER" in text
    assert function_reference.update_file(readme) is False  # idempotent
    assert readme.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("content", ["no markers at all", f"{function_reference.END} then {function_reference.START}",
                                     f"{function_reference.START} {function_reference.START} {function_reference.END}"])
def test_readme_without_proper_markers_is_refused(tmp_path, content):
    readme = tmp_path / "README.md"
    readme.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="README: "):
        function_reference.update_file(readme)
    assert readme.read_text(encoding="utf-8") == content


def test_reference_check_mode(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"{function_reference.START}\n{function_reference.END}\n", encoding="utf-8")
    assert function_reference.main([str(readme), "--check"]) == 1
    function_reference.update_file(readme)
    assert function_reference.main([str(readme), "--check"]) == 0


# ----------------------------------------------------------------------------- Numba cache folder


@pytest.fixture
def clean_numba_env(monkeypatch):
    import numba.core.config

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    return numba.core.config


def test_writable_default_leaves_numba_alone(tmp_path, clean_numba_env):
    assert numba_cache.configure(default_dir=tmp_path / "pycache", fallback_dir=tmp_path / "user") is None
    assert "NUMBA_CACHE_DIR" not in os.environ


def test_unwritable_default_moves_the_cache_to_the_user_folder(tmp_path, clean_numba_env):
    blocker = tmp_path / "site-packages-file"
    blocker.write_text("a file where a folder would have to be")
    folder = numba_cache.configure(default_dir=blocker / "__pycache__", fallback_dir=tmp_path / "user" / "numba")
    assert folder == str(tmp_path / "user" / "numba")
    assert os.environ["NUMBA_CACHE_DIR"] == folder
    assert clean_numba_env.CACHE_DIR == folder  # numba was imported already: its config follows
    assert (tmp_path / "user" / "numba").is_dir()


def test_user_setting_wins(tmp_path, clean_numba_env, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    blocker = tmp_path / "f"
    blocker.write_text("x")
    assert numba_cache.configure(default_dir=blocker / "sub") is None
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "mine")


def test_user_cache_dir_is_per_user():
    folder = numba_cache.user_cache_dir()
    assert folder.parts[-2:] == ("xlfolio", "numba")
    assert str(Path.home()) in str(folder) or "XDG_CACHE_HOME" in os.environ or "LOCALAPPDATA" in os.environ


@pytest.mark.slow
def test_fresh_process_with_unwritable_kernels_folder_uses_the_user_folder(tmp_path):
    """A real import of addin.udfs in a fresh process, as Excel's UDF server does it."""
    code = (
        "import os, addin.numba_cache as nc, pathlib\n"
        "nc.kernels_source_dir = lambda: pathlib.Path(os.environ['BLOCKER'])\n"
        "nc.user_cache_dir = lambda: pathlib.Path(os.environ['USERDIR'])\n"
        "import addin.udfs, numba.core.config as c\n"
        "print(os.environ.get('NUMBA_CACHE_DIR'), c.CACHE_DIR)\n"
    )
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(BLOCKER=str(blocker), USERDIR=str(tmp_path / "user"), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.split() == [str(tmp_path / "user")] * 2


# ----------------------------------------------------------------------------- warm-up


def test_warm_up_runs_every_function_successfully():
    results = warmup.warm_up(UDF)
    assert [r.name for r in results] == list(warmup.excel_functions(UDF))
    assert [r for r in results if not r.ok] == []


def test_warm_up_reports_a_function_without_example():
    class Module:
        pass

    module = Module()

    def NEW_FUNCTION():  # noqa: N802
        return 1.0

    NEW_FUNCTION.__xlfolio__ = {}
    module.NEW_FUNCTION = NEW_FUNCTION
    (result,) = warmup.warm_up(module)
    assert not result.ok and "no warm-up example" in result.message


def test_warmup_command(capsys):
    from addin.cli import main

    assert main(["warmup"]) == 0
    out = capsys.readouterr().out
    assert "PORTFOLIO_RISK" in out and f"{len(warmup.excel_functions(UDF))} of {len(warmup.excel_functions(UDF))}" in out


# ----------------------------------------------------------------------------- cell helpers


def test_cell_errors_cover_excel_365_errors():
    assert cells.CELL_ERRORS[xlw.XL_NA] == "#N/A"
    for code, text in [(xlw.XL_DIV0, "#DIV/0!"), (xlw.XL_VALUE, "#VALUE!"), (xlw.XL_REF, "#REF!"),
                       (xlw.XL_NUM, "#NUM!"), (xlw.XL_NAME, "#NAME?"), (xlw.XL_NULL, "#NULL!")]:
        assert cells.CELL_ERRORS[code] == text
    with pytest.raises(InputError, match=r"^w: #SPILL! at row 2; fix the cell it comes from\.$"):
        cells.vector(((1.0,), (-2146826243,)), "w")


def test_fast_and_slow_paths_agree(rng):
    x = rng.normal(size=(30, 4))
    grid = tuple(tuple(map(float, r)) for r in x)
    np.testing.assert_array_equal(cells.matrix(grid, "m"), x)
    with_decimal = (tuple(Decimal(str(v)) for v in grid[0]),) + grid[1:]
    np.testing.assert_allclose(cells.matrix(with_decimal, "m"), x, rtol=1e-15)


def test_true_false_among_numbers_is_caught_at_any_size():
    grid = [[0.5] * 50 for _ in range(50)]
    grid[37][12] = True
    with pytest.raises(InputError, match=r"^m: TRUE at row 38, column 13; enter a number\.$"):
        cells.matrix(tuple(map(tuple, grid)), "m")


def test_ragged_rows_are_refused():
    with pytest.raises(InputError, match="rows have different lengths"):
        cells.matrix(((1.0, 2.0), (3.0,)), "m")


def test_vector_orientation():
    assert cells.vector(((1.0, 2.0),), "w").orientation == "row"
    assert cells.vector(((1.0,), (2.0,)), "w").orientation == "column"
    assert cells.vector(3.0, "w").orientation == "column"
    assert cells.spill([1.0, 2.0], "row") == [[1.0, 2.0]]
    assert cells.spill(np.array([1.0, 2.0])) == [[1.0], [2.0]]
