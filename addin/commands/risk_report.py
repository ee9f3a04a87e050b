"""``xlfolio risk``: the risk report of a portfolio under each covariance estimator."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from kernels import (
    PortfolioError,
    concentration,
    covariance,
    diversification_ratio,
    expected_returns,
    portfolio_return,
    risk_contributions,
)
from kernels import COVARIANCE_METHODS
from workbook.sample_data import DATA_DIR, load_sample_prices

SAMPLE_PORTFOLIO = DATA_DIR / "sample_portfolio.csv"


def load_weights(path: Path) -> pd.Series:
    """Weights from a CSV with columns ``ticker,weight``."""
    frame = pd.read_csv(path)
    missing = {"ticker", "weight"} - set(frame.columns)
    if missing:
        raise PortfolioError(f"{path}: needs columns ticker and weight, missing {', '.join(sorted(missing))}.")
    return frame.set_index("ticker")["weight"].astype(float)


def risk_report_text(prices: pd.DataFrame, weights: pd.Series, periods_per_year: float = 252) -> str:
    """The risk report as text: weights, return, volatility, contributions and diversification per estimator.

    Parameters
    ----------
    prices : DataFrame of shape (n_obs, n_assets_all)
        Daily prices, one column per ticker.
    weights : Series
        Weight per ticker; every ticker must be a column of ``prices``.
    """
    unknown = sorted(set(weights.index) - set(prices.columns))
    if unknown:
        raise PortfolioError(f"weights: no prices for {', '.join(unknown)}; use tickers from the prices file.")
    px = prices[list(weights.index)].to_numpy()
    w = weights.to_numpy(dtype=float)
    mu_mean = expected_returns(px, "mean", periods_per_year)
    mu_geo = expected_returns(px, "geometric", periods_per_year)
    conc = concentration(w)
    start, end = prices.index[0], prices.index[-1]
    lines = [
        f"Portfolio risk report: {len(w)} assets, {mu_mean.n_observations} daily returns "
        f"({start:%Y-%m-%d} to {end:%Y-%m-%d}), annualised with {periods_per_year:g} periods per year",
        f"Weights sum to {w.sum():.4f}; HHI {conc.hhi:.4f}, effective number of assets {conc.effective_n:.2f}",
        f"Expected return: {portfolio_return(w, mu_mean.values):.2%} (mean), "
        f"{portfolio_return(w, mu_geo.values):.2%} (geometric, CAGR-weighted)",
        "",
    ]
    summary = []
    contrib = {"weight": pd.Series(w, index=weights.index)}
    for method in COVARIANCE_METHODS:
        est = covariance(px, method, data_kind="prices", periods_per_year=periods_per_year)
        rc = risk_contributions(w, est.matrix)
        summary.append(
            {
                "estimator": method,
                "volatility": f"{rc.volatility:.2%}",
                "diversification ratio": f"{diversification_ratio(w, est.matrix):.3f}",
                "shrinkage": f"{est.shrinkage:.4f}",
            }
        )
        contrib[f"{method} abs"] = pd.Series(rc.absolute, index=weights.index)
        contrib[f"{method} %"] = pd.Series(rc.relative, index=weights.index)
    lines.append(pd.DataFrame(summary).to_string(index=False))
    lines.append("")
    lines.append("Risk contributions (abs: share of annual volatility; %: share of risk)")
    table = pd.DataFrame(contrib)
    total = table.sum().rename("total")
    table = pd.concat([table, total.to_frame().T])
    formatters = {c: ("{:.2%}".format if c.endswith("%") or c == "weight" else "{:.4f}".format) for c in table}
    lines.append(table.to_string(formatters=formatters))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        prices = load_sample_prices() if args.prices is None else pd.read_csv(args.prices, index_col=0, parse_dates=True)
        weights = load_weights(args.weights)
        print(risk_report_text(prices, weights, args.periods_per_year))
    except (PortfolioError, OSError) as exc:
        print(f"xlfolio risk: {exc}")
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("risk", help="risk report of a portfolio (default: the bundled sample)")
    parser.add_argument("--prices", type=Path, default=None, help="CSV of daily prices (date column, one column per ticker)")
    parser.add_argument("--weights", type=Path, default=SAMPLE_PORTFOLIO, help="CSV with columns ticker,weight")
    parser.add_argument("--periods-per-year", type=float, default=252.0)
    parser.set_defaults(func=run)
