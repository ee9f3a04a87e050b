"""What the book command's start-up work (issue 18) must not change: the holdings file read in a thread while
the kernels load, pandas left unimported by the command's own process, chunk tables reused from the heap.
The trades and the order in which problems are reported are those of a plain in-line run."""

import gc
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from addin.batch import csv_text, memory, runner
from addin.batch.problems import BookInputError
from addin.cli import main

ROOT = Path(__file__).resolve().parents[2]
MODELS = "model,symbol,target,price\nbalanced,STOCKS,0.6,100\nbalanced,BONDS,0.4,40\n"
HOLDINGS = "account,model,symbol,value,price\nA1,balanced,STOCKS,66000,100\nA1,balanced,BONDS,41200,40\n" \
           "A2,balanced,STOCKS,50000,100\nA2,balanced,CASH,1000,\n"


def files(tmp_path, holdings=HOLDINGS, models=MODELS):
    h, m = tmp_path / "holdings.csv", tmp_path / "models.csv"
    h.write_text(holdings)
    m.write_text(models)
    return h, m


def run(*argv):
    return main(["rebalance", *map(str, argv), "--quiet"])


def test_prefetch_gives_the_value_or_raises_the_error_in_the_caller():
    assert runner.Prefetch(lambda: 42).result() == 42

    def fail():
        raise BookInputError("holdings.csv: no such file")

    pending = runner.Prefetch(fail)
    with pytest.raises(BookInputError, match="no such file"):
        pending.result()


def test_a_bad_option_is_reported_before_a_missing_holdings_file(tmp_path, capsys):
    _, m = files(tmp_path)
    assert run(tmp_path / "missing.csv", "--targets", m, "--out", tmp_path / "t.csv", "--band", "2") == 2
    err = capsys.readouterr().err
    assert "options: band" in err and "no such file" not in err


def test_a_missing_models_file_is_reported_before_a_missing_holdings_file(tmp_path, capsys):
    assert run(tmp_path / "missing.csv", "--targets", tmp_path / "nomodels.csv", "--out", tmp_path / "t.csv") == 2
    err = capsys.readouterr().err
    assert "nomodels.csv: no such file" in err and "missing.csv" not in err


def test_the_output_may_not_be_the_input_even_while_it_is_being_read(tmp_path, capsys):
    h, m = files(tmp_path)
    before = h.read_bytes()
    assert run(h, "--targets", m, "--out", h) == 2
    assert "is the input file" in capsys.readouterr().err and h.read_bytes() == before


def test_prefetched_and_inline_reads_write_the_same_trades(tmp_path, monkeypatch):
    h, m = files(tmp_path)
    assert run(h, "--targets", m, "--out", tmp_path / "a.csv") == 0
    # in-line: the runner does not read ahead (a folder of one file takes the in-line path)
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "holdings.csv").write_text(HOLDINGS)
    assert run(folder, "--targets", m, "--out", tmp_path / "b.csv") == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_chunk_arrays_changes_nothing_unless_tuned(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "_set_threshold", lambda n: calls.append(n) or True)
    monkeypatch.setattr(memory, "_tuned", False)
    with memory.chunk_arrays():
        pass
    assert calls == []
    memory.return_freed_memory()
    with memory.chunk_arrays():
        assert calls[-1] == memory.PER_CHUNK_BYTES
    assert calls == [memory.BOOK_WIDE_BYTES, memory.PER_CHUNK_BYTES, memory.BOOK_WIDE_BYTES]


def test_the_command_in_its_own_process_does_not_import_pandas_and_pyarrow_still_can(tmp_path):
    """Nor polars when the compiled text writes every target itself (here 0.6 and 0.4); its objects are frozen
    before the exit (:func:`addin.batch.runner.before_exit`), and what it does next still works."""
    h, m = files(tmp_path)
    out = tmp_path / "trades.csv"
    code = textwrap.dedent(f"""
        import sys
        sys.argv = ["xlfolio", "rebalance", {str(h)!r}, "--targets", {str(m)!r}, "--out", {str(out)!r}, "--quiet"]
        from addin.cli import main
        code = main()
        import gc
        print(code, "pandas" in sys.modules, "polars" in sys.modules, gc.get_freeze_count() > 0)
        import pandas as pd
        import pyarrow as pa
        frame = pa.Table.from_pandas(pd.DataFrame({{"a": [1, 2]}})).to_pandas()
        print(int(frame.a.sum()), pa.array(pd.Series(pd.Categorical(["x", "y"]))).type.value_type)  # a dictionary: pandas seen
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    polars_used = csv_text.PURE_PYTHON  # the plain-Python mode writes the trades with polars
    assert proc.stdout.splitlines()[-2:] == [f"0 False {polars_used} True", "3 large_string"]  # True: gc.freeze
    in_process = tmp_path / "in_process.csv"
    frozen = gc.get_freeze_count()
    assert run(h, "--targets", m, "--out", in_process) == 0
    assert gc.get_freeze_count() == frozen  # a process that goes on keeps its collector
    assert out.read_bytes() == in_process.read_bytes()


BOOK_PATH = ("book", "checks", "csv_text", "layout", "lines", "memory", "numbers", "output", "partitions", "problems",
             "progress", "reading", "runner", "schema", "textformat", "trades")


@pytest.mark.parametrize("module", BOOK_PATH)
def test_the_book_path_imports_kernel_modules_not_the_kernels_package(module):
    """``from kernels import X`` would import every kernel module (or, with the lazy package, hide which one the
    book needs): the book's modules name the kernel module they use."""
    import ast

    tree = ast.parse((ROOT / "addin" / "batch" / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.module != "kernels", f"{module}.py line {node.lineno}: from kernels import ..."
        elif isinstance(node, ast.Import):
            assert "kernels" not in [a.name for a in node.names], f"{module}.py line {node.lineno}: import kernels"


def test_a_failing_run_in_its_own_process_still_marks_the_old_trades_stale(tmp_path):
    """The failure path ends through :func:`addin.batch.runner.before_exit` too: message, exit code, stale file."""
    from addin.batch.problems import EXIT_INPUT

    h, m = files(tmp_path, holdings="account,model,symbol,value\nA1,balanced,STOCKS,abc\n")
    out = tmp_path / "trades.csv"
    out.write_text("old trades\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "addin", "rebalance", str(h), "--targets", str(m), "--out", str(out),
                           "--quiet"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == EXIT_INPUT, proc.stderr
    assert "line 2" in proc.stderr and "no account can be rebalanced" in proc.stderr
    assert not out.exists() and (tmp_path / "trades.csv.stale").read_text() == "old trades\n"
