"""``xlfolio build-template``, ``run-macro`` and ``demo``: files written, inputs never damaged."""

from __future__ import annotations

import numpy as np
import pytest

import kernels
from addin.book import FileBook
from addin.cli import main
from tests.addin.macro_support import fresh
from tests.workbook.template_support import (
    package,
    source_assumptions,
    source_class_weights,
    source_cov,
    template_bytes,
)
from workbook import layout as L

UNTOUCHED = ("xl/vbaProject.bin", "customUI/customUI14.xml", "_rels/.rels", "[Content_Types].xml",
             "xl/workbook.xml", "xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/styles.xml")


def test_build_template_command(tmp_path, capsys):
    out = tmp_path / "t.xlsm"
    assert main(["build-template", "--out", str(out)]) == 0
    assert out.read_bytes() == template_bytes()
    assert f"wrote {out}" in capsys.readouterr().out


def test_run_macro_writes_a_new_file_and_keeps_the_package(tmp_path, capsys):
    src = tmp_path / "client.xlsm"
    src.write_bytes(fresh().to_bytes())  # outputs blank
    original = src.read_bytes()
    assert main(["run-macro", "efficient_frontier", str(src)]) == 0
    out = tmp_path / "client.efficient_frontier.xlsm"
    assert src.read_bytes() == original
    a, b = package(original), package(out.read_bytes())
    assert a.namelist() == b.namelist()
    for part in UNTOUCHED:
        assert a.read(part) == b.read(part), part
    book = FileBook(out)
    sheet_parts = {book._sheet_paths[s] for s in ("Frontier", "Log", "Assumptions")}  # + Views_Returns (issue 16)
    changed = {p for p in a.namelist() if a.read(p) != b.read(p)}
    assert changed == sheet_parts
    a_ = source_assumptions()
    mu_s, cov_s = a_.expected_return.to_numpy().copy(), np.array(source_cov(), dtype=float)
    mu_s[4], cov_s[4, :], cov_s[:, 4] = 0.01, 0.0, 0.0  # issue 16: Cash riskless at its yield, held at 5%
    front = kernels.efficient_frontier(mu_s, cov_s, L.FRONTIER_POINTS, a_.min_weight.to_numpy(), a_.max_weight.to_numpy())
    np.testing.assert_allclose([r[0] for r in book.read("Frontier_Returns")], front.returns, rtol=1e-9)
    assert book.log_rows()[-1][1:3] == ["efficient_frontier", "ok"]
    stdout = capsys.readouterr().out
    assert stdout.startswith("efficient_frontier: ok: 20 points")


def test_run_macro_on_bad_input_writes_nothing_but_the_log(tmp_path, capsys):
    book = fresh()
    block = book.names["Holdings_Target"]
    book.sheet("Portfolio").set(block.row, block.col, 0.9)
    src = tmp_path / "bad.xlsm"
    book.save(src)
    assert main(["run-macro", "rebalance", str(src), "--out", str(tmp_path / "out.xlsm")]) == 1
    result = FileBook(tmp_path / "out.xlsm")
    assert all(v is None for row in result.read("Rebalance_Table") for v in row)
    assert result.log_rows()[-1][2] == "error"
    assert "Holdings_Target: target weights add up to 150.00%, not 100%; fix them." in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["run-macro", "optimise_everything", "{src}"], "unknown macro 'optimise_everything'"),
    (["run-macro", "rebalance", "{tmp}/missing.xlsm"], "is not a file"),
    (["run-macro", "rebalance", "{src}", "--out", "{src}"], "--out is the input file"),
])
def test_run_macro_refuses(argv, message, tmp_path, capsys):
    src = tmp_path / "x.xlsm"
    src.write_bytes(template_bytes())
    argv = [a.format(src=src, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert src.read_bytes() == template_bytes()


@pytest.mark.slow
def test_demo(tmp_path, capsys):
    out_dir = tmp_path / "demo"
    assert main(["demo", "--out-dir", str(out_dir)]) == 0
    text = capsys.readouterr().out
    assert (out_dir / "xlfolio.xlsm").read_bytes() == template_bytes()
    assert (out_dir / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    book = FileBook(out_dir / "xlfolio-demo.xlsm")
    assert [r[2] for r in book.log_rows()[-6:]] == ["ok"] * 6
    w, cov = source_class_weights(), source_cov()
    mu = source_assumptions().expected_return.to_numpy()
    assert (f"Current portfolio: expected return {w @ mu:.2%}, volatility {np.sqrt(w @ cov @ w):.2%}") in text
    # issue 16: Cash is the risk-free sleeve at 5%, every class within the Assumptions sheet's limits
    a = source_assumptions()
    lo, hi = a.min_weight.to_numpy(), a.max_weight.to_numpy()
    mu_s, cov_s = mu.copy(), np.array(cov, dtype=float)
    mu_s[4], cov_s[4, :], cov_s[:, 4] = 0.01, 0.0, 0.0
    best = kernels.max_sharpe(mu_s, cov_s, risk_free=0.01, lower=lo, upper=hi)
    assert f"Max Sharpe: return {best.expected_return:.2%}, volatility {best.volatility:.2%}" in text
    rp = kernels.risk_parity_with_cash(cov, np.full(len(mu), 1 / len(mu)), cash_weight=0.05, risk_free_asset=4,
                                       lower=lo, upper=hi)
    assert "Risk parity: US Stocks " + f"{rp.weights[0]:.1%}" in text and "Cash 5.0%" in text
    assert "Trades (Rebalance): 5 trades" in text and "  sell " in text and "  buy " in text
    assert "Projected income: $" in text and "Portfolio risk report:" in text
