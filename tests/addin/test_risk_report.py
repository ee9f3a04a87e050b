"""``xlfolio risk``: the report's numbers are the kernels' numbers for the bundled sample."""

import re

import pytest

from addin.cli import main
from addin.commands.risk_report import SAMPLE_PORTFOLIO, load_weights
from kernels import covariance, risk_contributions
from workbook.sample_data import load_sample_prices


def test_sample_data_is_real_and_complete():
    prices = load_sample_prices()
    assert prices.shape == (2520, 20)
    assert prices.index.is_monotonic_increasing and not prices.isna().any().any()
    assert str(prices.index[0].date()) == "2012-12-26" and str(prices.index[-1].date()) == "2022-12-28"


def test_risk_report_prints_kernel_numbers(capsys):
    assert main(["risk"]) == 0
    out = capsys.readouterr().out
    weights = load_weights(SAMPLE_PORTFOLIO)
    px = load_sample_prices()[list(weights.index)].to_numpy()
    for method in ("sample", "ewma", "ledoit_wolf", "oas"):
        cov = covariance(px, method, data_kind="prices").matrix
        rc = risk_contributions(weights.to_numpy(), cov)
        row = re.search(rf"^\s*{method}\s+([\d.]+)%", out, flags=re.M)
        assert row, f"no summary row for {method}"
        assert float(row.group(1)) / 100 == pytest.approx(rc.volatility, abs=5e-5)
    assert "total 100.00%" in out


def test_risk_report_bad_weights_file(tmp_path, capsys):
    bad = tmp_path / "w.csv"
    bad.write_text("ticker,weight\nNOPE,1.0\n")
    assert main(["risk", "--weights", str(bad)]) == 1
    assert "weights: no prices for NOPE" in capsys.readouterr().out
    bad.write_text("name,w\nAAPL,1.0\n")
    assert main(["risk", "--weights", str(bad)]) == 1
    assert "needs columns ticker and weight" in capsys.readouterr().out
