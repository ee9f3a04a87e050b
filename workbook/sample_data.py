"""The bundled sample data: real daily prices of 20 S&P 500 stocks.

Source: skfolio's ``load_sp500_dataset`` (BSD-3-Clause, see ``data/LICENSE-skfolio.txt``),
the last 2,520 trading days (2012-12-26 to 2022-12-28), adjusted closes rounded to 6 decimals.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_PRICES = DATA_DIR / "sp500_prices.csv"


def load_sample_prices() -> pd.DataFrame:
    """Daily prices, shape (2520, 20): a ``DatetimeIndex`` named ``Date`` and one column per ticker."""
    return pd.read_csv(SAMPLE_PRICES, index_col="Date", parse_dates=True)
