"""Portfolio yield, the cash a portfolio pays, and a year-by-year income projection.

Units: yields, growth rates, inflation and the reinvested share are decimal fractions
per year (0.03 is 3%); values, incomes and withdrawals are amounts of currency.
A yield is the yearly cash a holding pays (dividends, interest, distributions)
divided by its value.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit, kernel_errstate
from ._validate import as_rate, as_scalar, as_vector, check_fractions, check_non_negative
from .errors import InputError

#: Longest projection, in years (a cell asking for more is almost surely a typo).
MAX_YEARS = 200
MONTHS_PER_YEAR = 12


class PortfolioIncome(NamedTuple):
    """Cash income of a portfolio, from :func:`portfolio_income`.

    Attributes
    ----------
    annual : float
        Yearly income of the whole portfolio, currency.
    monthly : float
        ``annual / 12``, currency.
    by_asset_annual : ndarray of shape (n_assets,)
        Yearly income of each holding, currency; sums to ``annual``.
    by_asset_monthly : ndarray of shape (n_assets,)
        ``by_asset_annual / 12``.
    total_value : float
        Sum of the holdings' values, currency.
    yield_ : float
        ``annual / total_value`` (0 when the portfolio is empty), decimal fraction.
    """

    annual: float
    monthly: float
    by_asset_annual: NDArray[np.float64]
    by_asset_monthly: NDArray[np.float64]
    total_value: float
    yield_: float


class IncomeProjection(NamedTuple):
    """Year-by-year income table, from :func:`income_projection`. Every array has shape (years,).

    Attributes
    ----------
    year : ndarray of int64
        1, 2, ..., years.
    start_value : ndarray
        Portfolio value at the start of the year, currency.
    income : ndarray
        Cash paid by the portfolio during the year (nominal), currency.
    income_real : ndarray
        ``income / (1 + inflation) ** year``: the same income in today's money.
    reinvested : ndarray
        Part of ``income`` used to buy more of the portfolio at year end.
    cash_income : ndarray
        ``income - reinvested``: income paid out to the investor.
    withdrawn : ndarray
        Value sold from the portfolio at year end (at most what is left).
    end_value : ndarray
        Portfolio value at the end of the year, after price change, reinvestment and withdrawal.
    end_value_real : ndarray
        ``end_value / (1 + inflation) ** year``.
    yield_on_value : ndarray
        ``income / start_value`` (0 once the portfolio is used up).
    """

    year: NDArray[np.int64]
    start_value: NDArray[np.float64]
    income: NDArray[np.float64]
    income_real: NDArray[np.float64]
    reinvested: NDArray[np.float64]
    cash_income: NDArray[np.float64]
    withdrawn: NDArray[np.float64]
    end_value: NDArray[np.float64]
    end_value_real: NDArray[np.float64]
    yield_on_value: NDArray[np.float64]

    def to_frame(self):
        """The table as a :class:`pandas.DataFrame`, one row per year (the Excel layer spills this)."""
        import pandas as pd

        return pd.DataFrame(self._asdict()).set_index("year")


def portfolio_yield(weights: ArrayLike, yields: ArrayLike) -> float:
    """Yield of a portfolio: ``sum_i w_i y_i``.

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
        Fractions of the portfolio's value in each asset (normally summing to 1), used as given.
    yields : array_like of shape (n_assets,)
        Yearly cash yield of each asset, decimal fractions in 0..1 (0.03 is 3%).

    Returns
    -------
    float
        Portfolio yield, decimal fraction per year.

    Raises
    ------
    InputError
        Sizes differ, a value is missing, or a yield lies outside 0..1.

    Examples
    --------
    >>> round(portfolio_yield([0.6, 0.4], [0.02, 0.045]), 12)
    0.03
    """
    w = as_vector(weights, "weights")
    y = as_vector(yields, "yields", size=w.size, size_name="len(weights)")
    check_fractions(y, "yields", what="yields")
    return float(w @ y)


def portfolio_income(values: ArrayLike, yields: ArrayLike) -> PortfolioIncome:
    """Yearly and monthly cash income of holdings worth ``values`` paying ``yields``.

    Parameters
    ----------
    values : array_like of shape (n_assets,)
        Value of each holding, currency, >= 0.
    yields : array_like of shape (n_assets,)
        Yearly cash yield of each holding, decimal fractions in 0..1.

    Returns
    -------
    PortfolioIncome

    Raises
    ------
    InputError
        Sizes differ, a value is missing or negative, or a yield lies outside 0..1.

    Examples
    --------
    >>> inc = portfolio_income([60_000, 40_000], [0.02, 0.045])
    >>> round(inc.annual, 2), round(inc.monthly, 2), round(inc.yield_, 4)
    (3000.0, 250.0, 0.03)
    """
    v = as_vector(values, "values")
    y = as_vector(yields, "yields", size=v.size, size_name="len(values)")
    check_non_negative(v, "values", "holding values")
    check_fractions(y, "yields", what="yields")
    by_asset = v * y
    annual = float(by_asset.sum())
    total = float(v.sum())
    return PortfolioIncome(
        annual, annual / MONTHS_PER_YEAR, by_asset, by_asset / MONTHS_PER_YEAR, total,
        annual / total if total > 0 else 0.0,
    )


@jit
def _income_projection(value, yield_, years, payout_growth, price_growth, inflation, reinvest, withdrawal,
                       start_value, income, income_real, reinvested, cash_income, withdrawn, end_value,
                       end_value_real, yield_on_value):
    # Shares and price: the price starts at 1, so the first year's payout per share is the yield.
    shares = value
    payout = yield_
    for t in range(years):
        price_start = (1.0 + price_growth) ** t
        price_end = price_start * (1.0 + price_growth)
        deflator = (1.0 + inflation) ** (t + 1)
        start = shares * price_start
        inc = shares * payout
        reinv = reinvest * inc
        shares += reinv / price_end
        wd = min(withdrawal, shares * price_end)
        shares -= wd / price_end
        if shares < 0.0:
            shares = 0.0
        start_value[t] = start
        income[t] = inc
        income_real[t] = inc / deflator
        reinvested[t] = reinv
        cash_income[t] = inc - reinv
        withdrawn[t] = wd
        end_value[t] = shares * price_end
        end_value_real[t] = end_value[t] / deflator
        yield_on_value[t] = inc / start if start > 0.0 else 0.0
        payout *= 1.0 + payout_growth


def income_projection(
    value: float,
    yield_: float,
    years: int,
    *,
    payout_growth: float = 0.0,
    price_growth: float = 0.0,
    inflation: float = 0.0,
    reinvest: float = 0.0,
    withdrawal: float = 0.0,
) -> IncomeProjection:
    """Project a portfolio's income and value year by year.

    The model, per year ``t = 1..years``: the portfolio is a number of units whose price
    starts at 1 and grows by ``price_growth`` a year; each unit pays ``yield_`` in year 1,
    growing by ``payout_growth`` a year. Income is paid at year end; the ``reinvest`` share
    of it buys more units at the year-end price (compounding), the rest is paid out;
    then ``withdrawal`` of value is sold (nominal, the same amount every year; never more
    than what is left). With ``payout_growth == price_growth`` the yield on value stays
    ``yield_`` and, reinvesting everything, the value grows by ``price_growth + yield_`` a year.

    Parameters
    ----------
    value : float
        Starting value, currency, >= 0.
    yield_ : float
        Yearly cash yield on the starting value, decimal fraction in 0..1.
    years : int
        Number of years, 1..200.
    payout_growth : float, default 0.0
        Yearly growth of the payout per unit (dividend growth), decimal fraction in -1..1.
    price_growth : float, default 0.0
        Yearly price change, decimal fraction above -1 and up to 1.
    inflation : float, default 0.0
        Yearly inflation used for the real (today's money) columns, decimal fraction above -1 and up to 1.
    reinvest : float, default 0.0
        Share of income reinvested, 0..1.
    withdrawal : float, default 0.0
        Value sold at each year end, currency, >= 0.

    Returns
    -------
    IncomeProjection
        One entry per year in each array; ``.to_frame()`` gives a table.

    Raises
    ------
    InputError
        A rate outside its range, a negative value or withdrawal, or years not a whole number in 1..200.

    Examples
    --------
    >>> p = income_projection(100_000, 0.04, 3, reinvest=1.0)
    >>> p.income.round(2).tolist()
    [4000.0, 4160.0, 4326.4]
    >>> round(float(p.end_value[-1]), 2)
    112486.4
    """
    value = as_scalar(value, "value", low=0.0)
    yield_ = as_rate(yield_, "yield_", what="yields")
    years = int(as_scalar(years, "years", low=1, high=MAX_YEARS, integer=True))
    payout_growth = as_rate(payout_growth, "payout_growth", -1.0, 1.0, what="growth rates")
    price_growth = as_rate(price_growth, "price_growth", -1.0, 1.0, low_inclusive=False, what="growth rates")
    inflation = as_rate(inflation, "inflation", -1.0, 1.0, low_inclusive=False)
    reinvest = as_rate(reinvest, "reinvest", what="shares")
    withdrawal = as_scalar(withdrawal, "withdrawal", low=0.0)
    cols = [np.empty(years) for _ in range(9)]
    # NumPy scalars: in the plain-Python mode an underflowing deflator then divides to inf as compiled code does
    rates = map(np.float64, (payout_growth, price_growth, inflation, reinvest, withdrawal))
    with kernel_errstate():
        _income_projection(np.float64(value), np.float64(yield_), years, *rates, *cols)
    _check_representable(cols, inflation)
    return IncomeProjection(np.arange(1, years + 1, dtype=np.int64), *cols)


#: The columns of :class:`IncomeProjection` in today's money (divided by the inflation index).
_REAL_COLUMNS = (2, 7)  # income_real, end_value_real among the 9 computed columns


def _check_representable(cols: list[NDArray[np.float64]], inflation: float) -> None:
    """Raise when an amount of the table overflows (beyond 1.8e308), naming the input that drives it."""
    finite = np.isfinite(np.stack(cols))
    if finite.all():
        return
    nominal = np.delete(finite, _REAL_COLUMNS, axis=0)
    if nominal.all():
        year = int(np.flatnonzero(~finite.all(axis=0))[0]) + 1
        raise InputError(f"inflation: {inflation:.4g} a year makes the amounts in today's money overflow in year "
                         f"{year}; project fewer years or check the inflation.")
    year = int(np.flatnonzero(~nominal.all(axis=0))[0]) + 1
    raise InputError(f"years: the amounts overflow in year {year} (beyond 1.8e308); project fewer years or check "
                     "value, payout_growth and price_growth.")
