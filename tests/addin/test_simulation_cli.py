"""``xlfolio simulate`` and the demo's simulation lines (issue 15): the printed and written numbers equal the
kernels', bad files get a message naming the file and the line, the progress bar's steps give the same plan."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kernels
from addin.cli import main
from addin.commands.simulate import PERCENTILES, ProgressBar, sample_client
from tests.workbook.template_support import source_assumptions, source_cov
from workbook.sample_data import load_sample_prices

ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main(["simulate", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def sample_weights() -> np.ndarray:
    prices = load_sample_prices()
    w = pd.read_csv(ROOT / "workbook" / "data" / "sample_portfolio.csv").set_index("ticker").weight
    return np.vstack([w.reindex(prices.columns, fill_value=0.0).to_numpy(), np.full(prices.shape[1], 1 / 20)])


def client_plan(n_paths=10_000, **options):
    a = source_assumptions()
    _, targets, value = sample_client()
    return kernels.simulate_plan(targets, expected_returns=a.expected_return.to_numpy(), cov=source_cov(),
                                 yields=a["yield"].to_numpy(), start_value=value, withdrawal=round(0.04 * value, -3),
                                 n_paths=n_paths, percentiles=PERCENTILES, **options)


# ----------------------------------------------------------------------------- the progress bar's steps


@pytest.mark.parametrize("n_paths, keep", [(40_000, False), (3_000, True)])
def test_a_plan_run_in_steps_gives_the_same_numbers(n_paths, keep):
    calls = []
    stepped = client_plan(n_paths, keep_paths=keep, progress=lambda done, total: calls.append((done, total)))
    whole = client_plan(n_paths, keep_paths=keep)
    for field, a, b in zip(whole._fields, whole, stepped):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=field)
    assert len(calls) == 20 and calls[-1] == (n_paths, n_paths)
    assert all(d1 < d2 for (d1, _), (d2, _) in zip(calls, calls[1:]))


@pytest.mark.slow
def test_the_plain_python_engine_in_steps_gives_the_same_numbers():
    script = (
        "import numpy as np, kernels\n"
        "from kernels._jit import PURE_PYTHON\n"
        "assert PURE_PYTHON\n"
        "kw = dict(n_paths=9000, keep_paths=True, seed=3, contribution=10000, contribution_years=5)\n"
        "a = kernels.simulate_plan([0.4, 0.2, 0.3, 0.05, 0.05], **kw)\n"
        "b = kernels.simulate_plan([0.4, 0.2, 0.3, 0.05, 0.05], progress=lambda d, t: None, **kw)\n"
        "assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))\n"
        "print('same', a.success_probability)\n")
    env = dict(os.environ, XLFOLIO_DISABLE_NUMBA="1")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    compiled = kernels.simulate_plan([0.4, 0.2, 0.3, 0.05, 0.05], n_paths=9000, seed=3, contribution=10000,
                                     contribution_years=5)
    assert done.stdout.split() == ["same", repr(compiled.success_probability)]


def test_progress_bar_draws_in_place():
    stream = io.StringIO()
    bar = ProgressBar("Monte Carlo", stream, width=10)
    bar(2_500, 10_000)
    bar(10_000, 10_000)
    assert stream.getvalue() == ("\rMonte Carlo |##        |  25% 2,500/10,000 paths"
                                 "\rMonte Carlo |##########| 100% 10,000/10,000 paths\n")


# ----------------------------------------------------------------------------- output


def test_default_run_prints_the_backtest_and_the_templates_plan(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--out", str(tmp_path))
    assert code == 0, err
    assert err == ""  # 10,000 paths: below the progress bar's threshold
    prices = load_sample_prices()
    r = kernels.backtest(prices, sample_weights(), rebalance="quarterly", costs=10.0)
    lines = out.splitlines()
    assert lines[0] == ("Backtest of sp500_prices.csv: Sample portfolio, Equal weight; rebalance quarterly, costs 10 bp; "
                        "common period 2012-12-26 to 2022-12-28")
    cagr = next(line for line in lines if line.startswith("CAGR"))
    assert cagr.split()[1:] == [f"{x:.2%}" for x in r.statistics.cagr]
    plan = client_plan()
    assert f"success probability {plan.success_probability:.1%}; safe withdrawal rate " \
           f"{plan.safe_withdrawal_rate:.2%}" in out
    stats = pd.read_csv(tmp_path / "backtest_statistics.csv", index_col=0)
    np.testing.assert_array_equal(stats.loc["sharpe"].to_numpy(dtype=float), r.statistics.sharpe)
    values = pd.read_csv(tmp_path / "backtest_values.csv", index_col=0)
    np.testing.assert_array_equal(values.to_numpy(), r.monthly_values.T)
    assert list(values.columns) == ["Sample portfolio", "Equal weight"] and values.index[0] == "2012-12-26"
    fan = pd.read_csv(tmp_path / "plan_percentiles.csv", index_col=0)
    np.testing.assert_array_equal(fan[["real 10%", "real 50%", "real 90%"]].to_numpy(), plan.real_value[[0, 2, 4]].T)
    assert out.rstrip().endswith("plan_summary.csv")


def test_own_files_and_options(capsys, tmp_path):
    prices = load_sample_prices()[["AAPL", "MSFT", "KO"]].iloc[:600]
    prices.to_csv(tmp_path / "p.csv")
    (tmp_path / "w.csv").write_text("asset,Tech,Mixed\nAAPL,0.5,0.2\nMSFT,0.5,0.3\nKO,0,0.5\n")
    (tmp_path / "pw.csv").write_text("asset,weight\nAAPL,0.3\nMSFT,0.3\nKO,0.4\n")
    code, out, err = run_cli(capsys, "--prices", str(tmp_path / "p.csv"), "--weights", str(tmp_path / "w.csv"),
                             "--rebalance", "bands", "--band", "0.05", "--benchmark", "KO", "--model", "bootstrap",
                             "--plan-weights", str(tmp_path / "pw.csv"), "--paths", "2000", "--plan-value", "500000",
                             "--withdrawal", "20000", "--block-months", "3")
    assert code == 0, err
    r = kernels.backtest(prices, [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]], rebalance="bands", band=0.05, costs=10.0,
                         benchmark="KO")
    corr = next(line for line in out.splitlines() if line.startswith("Benchmark correlation"))
    assert corr.split()[2:] == [f"{x:.2f}" for x in r.statistics.benchmark_correlation]
    plan = kernels.simulate_plan([0.3, 0.3, 0.4], returns_model="bootstrap", history=prices.to_numpy(),
                                 history_dates=prices.index.to_numpy(), history_kind="prices", block_months=3,
                                 start_value=500_000, withdrawal=20_000, n_paths=2000, percentiles=PERCENTILES)
    assert f"success probability {plan.success_probability:.1%};" in out


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


BAD_FILES = [
    ("prices", "date,A,B\n2020-01-31,1,2\n2020-02-29,1,x\n2020-03-31,1,2\n", "{p} line 3, column B: 'x' is not a number; fix the file."),
    ("prices", "date,A,B\n2020-01-31,1,2\nFeb 2020,1,2\n2020-03-31,1,2\n", "{p} line 3: 'Feb 2020' is not a date; write dates as YYYY-MM-DD."),
    ("prices", "date,A,B\n2020-01-31,1,2\n2020-02-29,1\n2020-03-31,1,2\n", "{p} line 3: 2 fields, the header has 3; one field per column."),
    ("prices", b"date,A\n2020-01-31,1\n2020-02-29,\xff\n", "{p}: not UTF-8 text (byte 32); save it as CSV UTF-8."),
    ("prices", "", "{p}: is empty; it needs a header line and data lines."),
    ("prices", "date,A,B\n2020-01-31,1,2\n", "{p}: needs a header line (date, asset names) and at least 2 lines of data."),
    ("prices", "date,A,B\n2020-01-31,1,2\n2020-02-29,-1,2\n2020-03-31,1,2\n",
     "prices_or_returns: row 2, column 1 (A) is a price of -1; prices must be > 0."),
    ("weights", "asset,S\nA,0.5\nC,0.5\n", "{p} line 3: 'C' is not one of the columns of {prices}; use its name there."),
    ("weights", "asset,S\nA,0.5\nA,0.5\n", "{p} line 3: 'A' is listed twice; give each asset one line."),
    ("weights", "asset,S\nA,0.5\nB,\n", "{p} line 3, column S: blank is not a number; fix the file."),
    ("weights", "asset,S\nA,0.5\nB,0.4\n", "weights: must sum to 1 (100%), got 0.9; adjust the weights so they add up to 1."),
]


@pytest.mark.parametrize("kind, text, message", BAD_FILES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD_FILES)])
def test_bad_files_are_named_with_the_line(capsys, tmp_path, kind, text, message):
    prices = _write(tmp_path / "prices.csv", "date,A,B\n2020-01-31,1,2\n2020-02-29,1.1,2.1\n2020-03-31,1.2,2.0\n")
    path = _write(tmp_path / f"{kind}.csv", text)
    args = ["--prices", str(prices if kind == "weights" else path), "--no-plan"]
    if kind == "weights":
        args += ["--weights", str(path)]
    code, out, err = run_cli(capsys, *args)
    assert (code, out) == (2, "")
    assert err == "xlfolio simulate: " + message.format(p=path, prices=prices) + "\n"


def test_missing_file_and_nothing_to_do(capsys, tmp_path):
    code, _, err = run_cli(capsys, "--prices", str(tmp_path / "none.csv"), "--no-plan")
    assert (code, err) == (2, f"xlfolio simulate: {tmp_path / 'none.csv'}: no such file.\n")
    code, _, err = run_cli(capsys, "--no-plan", "--no-backtest")
    assert (code, err) == (2, "xlfolio simulate: --no-backtest and --no-plan leave nothing to do.\n")


def test_a_kernel_message_for_a_plan_option(capsys):
    code, _, err = run_cli(capsys, "--no-backtest", "--years", "0")
    assert (code, err) == (2, "xlfolio simulate: years: must be >= 1, got 0.\n")


# ----------------------------------------------------------------------------- as users run it


@pytest.mark.slow
def test_command_line_with_a_progress_bar(tmp_path):
    done = subprocess.run([sys.executable, "-m", "addin", "simulate", "--no-backtest", "--paths", "40000",
                           "--out", str(tmp_path)], capture_output=True, cwd=ROOT, timeout=900)  # bytes: keep the \r
    stderr, stdout = done.stderr.decode(), done.stdout.decode()
    assert done.returncode == 0, stderr[-2000:]
    frames = stderr.split("\r")[1:]
    assert len(frames) == 20 and frames[-1] == "Monte Carlo |##############################| 100% 40,000/40,000 paths\n"
    plan = client_plan(40_000)
    with open(tmp_path / "plan_summary.csv", newline="") as fh:
        rows = dict(csv.reader(fh))
    assert float(rows["success_probability"]) == plan.success_probability
    assert stdout.startswith("Monte Carlo plan: 30 years from 327,300, withdrawing 13,000 a year (fixed_real); "
                                  "40,000 paths, seed 0")


@pytest.mark.slow
def test_command_line_bad_csv(tmp_path):
    bad = _write(tmp_path / "p.csv", "date,A\n2020-01-31,1\n2020-02-29,oops\n")
    done = subprocess.run([sys.executable, "-m", "addin", "simulate", "--prices", str(bad), "--no-plan"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"xlfolio simulate: {bad} line 3, column A: 'oops' is not a number; fix the file.\n"


@pytest.mark.slow
def test_the_demo_prints_both(tmp_path, capsys):
    assert main(["demo", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Backtest (Simulation sheet")))
    assert lines[start] == "Backtest (Simulation sheet, illustrative class history; backtest 2014-12-31 to 2024-12-31):"
    assert lines[start + 1].split() == ["Client", "target", "60/40", "Max", "Sharpe", "Risk", "parity"]
    assert [line.split()[0] for line in lines[start + 2:start + 7]] == ["CAGR", "Stdev", "Max.", "Sharpe", "End"]
    plan = client_plan()
    assert lines[start + 7] == (f"Monte Carlo plan (client targets, 30 years, 10,000 paths): success "
                                f"{plan.success_probability:.1%}, safe withdrawal rate {plan.safe_withdrawal_rate:.2%}, "
                                f"perpetual {plan.perpetual_withdrawal_rate:.2%}; median value at the end "
                                f"{plan.real_value[2, -1]:,.0f} in today's money")
