"""``simulate_plan``: will the income last? Monte Carlo paths of a portfolio with contributions and withdrawals."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._jit import PURE_PYTHON
from .._validate import as_bounds, as_scalar, as_vector, check_choice
from ..backtesting.calendar import (
    CALENDAR_FREQUENCIES,
    calendar,
    period_end_rows,
    period_ids,
)
from ..backtesting.history import HISTORY_KINDS, prepare_history
from ..errors import InputError
from ..rebalance import check_targets
from .models import (
    ASSET_CLASS_ASSUMPTIONS,
    DISTRIBUTIONS,
    RETURN_MODELS,
    as_monthly_history,
    bootstrap_model,
    check_history_length,
    parameterised_model,
    statistical_model,
)
from .paths import INCOME_REAL, NOMINAL, RATE_BINS, REAL, VALUE_BINS, _simulate_plan
from .paths_numpy import simulate_plan_numpy
from .streams import seed_words
from .summaries import bin_quantiles, rate_quantile, value_quantiles

#: ``withdrawal_type`` words.
WITHDRAWAL_TYPES = ("fixed_real", "fixed_nominal", "percent", "income")
#: ``rebalance`` words of a plan.
PLAN_REBALANCE = ("none", "monthly", "quarterly", "semiannual", "annual")
#: Percentile levels reported unless others are asked for.
DEFAULT_PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
#: Paths are split into at most this many lanes (fixed, so results do not depend on the thread count).
MAX_LANES = 8
#: A lane per this many paths (fewer lanes: less histogram memory for small runs).
PATHS_PER_LANE = 4_096
MAX_YEARS = 100
#: Steps of a run that reports progress (each runs a part of every lane's paths).
PROGRESS_STEPS = 20


class PlanResult(NamedTuple):
    """Monte Carlo summary of a plan. Values are currency; rates decimal fractions a year.

    Attributes
    ----------
    success_probability : float
        Share of paths on which every fixed withdrawal was paid in full (1 without fixed withdrawals).
    safe_withdrawal_rate : float
        Highest yearly withdrawal, as a fraction of ``start_value``, raised with inflation, that succeeds on
        ``success_target`` of the paths (same contributions, start year and returns); NaN if start_value is 0.
    perpetual_withdrawal_rate : float
        Highest such rate that also leaves the real value at the end at least ``start_value``.
    success_target : float
        The probability those two rates are for.
    percentiles : ndarray of shape (n_percentiles,)
        Percentile levels (0.1 = 10th percentile).
    years : ndarray of shape (years + 1,), int
        0 (today), 1, ..., years.
    nominal_value, real_value : ndarray of shape (n_percentiles, years + 1)
        Percentiles of the value at each year end, in money of the day and in today's money.
    real_income : ndarray of shape (n_percentiles, years + 1)
        Percentiles of the income paid in each year, in today's money (year 0: 0).
    mean_nominal_value, mean_real_value, mean_income, mean_real_income : ndarray of shape (years + 1,)
        Means over the paths of the same.
    survival : ndarray of shape (years + 1,)
        Share of paths with no shortfall up to each year end.
    annual_return, annual_return_real : ndarray of shape (n_percentiles,)
        Percentiles of the time-weighted yearly return over the whole plan (after fees), nominal and real.
    monthly_mean : ndarray of shape (n_assets,)
        The model's monthly mean return (of log returns for "lognormal"; the history's for "bootstrap").
    monthly_cov : ndarray of shape (n_assets, n_assets)
        The model's monthly covariance.
    n_paths : int
    seed : int
    paths_nominal, paths_real : ndarray of shape (n_paths, years + 1)
        Every path's year-end values when ``keep_paths=True`` (else shape (0, years + 1)).
    """

    success_probability: float
    safe_withdrawal_rate: float
    perpetual_withdrawal_rate: float
    success_target: float
    percentiles: NDArray[np.float64]
    years: NDArray[np.int64]
    nominal_value: NDArray[np.float64]
    real_value: NDArray[np.float64]
    real_income: NDArray[np.float64]
    mean_nominal_value: NDArray[np.float64]
    mean_real_value: NDArray[np.float64]
    mean_income: NDArray[np.float64]
    mean_real_income: NDArray[np.float64]
    survival: NDArray[np.float64]
    annual_return: NDArray[np.float64]
    annual_return_real: NDArray[np.float64]
    monthly_mean: NDArray[np.float64]
    monthly_cov: NDArray[np.float64]
    n_paths: int
    seed: int
    paths_nominal: NDArray[np.float64]
    paths_real: NDArray[np.float64]


def monthly_history(history: ArrayLike, kind: str, dates: ArrayLike | None, periods_per_year: int,
                    n_assets: int) -> NDArray[np.float64]:
    """Monthly returns (n_months, n_assets) of a price or return history of any frequency.

    Months end at the last row of each calendar month (with dates) or every ``periods_per_year / 12`` rows;
    with dates, a first month that the history does not cover from its start is left out.
    """
    if kind == "returns" and dates is None and periods_per_year == 12 and not hasattr(history, "index"):
        table = np.asarray(history, dtype=object)
        if not any(v is None or (isinstance(v, float) and np.isnan(v)) for v in table.ravel()):
            return as_monthly_history(history, n_assets)  # complete monthly returns: used as they are
    hist = prepare_history(history, kind=kind, dates=dates, held=None, benchmark=None, name="history")
    if hist.prices.shape[1] != n_assets:
        raise InputError(f"history: expected {n_assets} columns (one per asset), got {hist.prices.shape[1]}.")
    n_obs = hist.prices.shape[0]
    ends = np.flatnonzero(period_end_rows(period_ids(calendar(hist.dates, n_obs, periods_per_year), 12)))
    points = np.concatenate([[0], ends])
    if hist.dates is not None and kind == "prices" and ends.size:
        first = hist.dates[0]
        if (first + 1).astype("datetime64[M]") == first.astype("datetime64[M]"):
            points = ends  # the history starts inside its first month
    p = hist.prices[points]
    return np.ascontiguousarray(p[1:] / p[:-1] - 1.0)


def _schedules(n_months, start_value, withdrawal, wtype, start_year, contribution, contribution_years,
               inflation, rebalance):
    """Per-month ``(deflator, contributions, fixed, percent, spend, rebalance, swr_unit)``."""
    t = np.arange(n_months)
    level = (1.0 + inflation) ** ((t + 1) / 12.0)
    contrib = np.where(t < 12 * contribution_years, contribution / 12.0 * level, 0.0)
    on = t >= 12 * start_year
    zero = np.zeros(n_months)
    wfix = {"fixed_real": np.where(on, withdrawal / 12.0 * level, 0.0),
            "fixed_nominal": np.where(on, withdrawal / 12.0, 0.0)}.get(wtype, zero)
    wpct = np.where(on, withdrawal / 12.0, 0.0) if wtype == "percent" else zero
    wspend = on.astype(np.float64) if wtype == "income" else zero
    rebal = np.zeros(n_months, np.bool_) if rebalance == "none" else (
        (t + 1) % (12 // CALENDAR_FREQUENCIES[rebalance]) == 0)
    swr_unit = np.where(on, start_value * level / 12.0, 0.0)
    return 1.0 / level, contrib, wfix, wpct, wspend, rebal, swr_unit


def simulate_plan(
    weights: ArrayLike,
    *,
    returns_model: str = "parameterised",
    expected_returns: ArrayLike | None = None,
    volatilities: ArrayLike | None = None,
    correlations: ArrayLike | None = None,
    cov: ArrayLike | None = None,
    yields: ArrayLike | None = None,
    distribution: str = "normal",
    dof: float = 5.0,
    history: ArrayLike | None = None,
    history_kind: str = "returns",
    history_dates: ArrayLike | None = None,
    history_periods_per_year: int = 12,
    block_months: int = 1,
    years: int = 30,
    start_value: float = 1_000_000.0,
    withdrawal: float = 40_000.0,
    withdrawal_type: str = "fixed_real",
    withdrawal_start: int = 0,
    contribution: float = 0.0,
    contribution_years: int = 0,
    inflation: float = 0.025,
    rebalance: str = "annual",
    fees: float = 0.0,
    n_paths: int = 2_000,
    seed: int = 0,
    success_target: float = 0.9,
    percentiles: ArrayLike = DEFAULT_PERCENTILES,
    keep_paths: bool = False,
    progress: Callable[[int, int], object] | None = None,
) -> PlanResult:
    """Monte Carlo simulation of a portfolio plan with monthly steps.

    Parameters
    ----------
    weights : array_like of shape (n_assets,)
        Target weights (>= 0, summing to 1), restored by ``rebalance``.
    returns_model : {"parameterised", "statistical", "bootstrap"}, default "parameterised"
        Yearly assumptions per asset; the mean and covariance of ``history``; or months of ``history``.
    expected_returns, volatilities : array_like of shape (n_assets,), optional
        Yearly expected (arithmetic) returns and standard deviations; default: the Assumptions sheet's five
        asset classes (US stocks, international stocks, bonds, REITs, cash) when there are five weights.
    correlations, cov : array_like of shape (n_assets, n_assets), optional
        Yearly correlations (with volatilities; identity if omitted) or the yearly covariance instead.
    yields : array_like of shape (n_assets,), optional
        Yearly income yields (part of the return, paid as cash); default the Assumptions sheet's with its
        defaults, else 0.
    distribution : {"normal", "lognormal", "student_t"}, default "normal"
        Monthly returns multivariate normal, lognormal, or Student-t with ``dof`` (> 2) degrees of freedom.
    history : array_like of shape (n_rows, n_assets), optional
        Prices or returns for "statistical" and "bootstrap" (``history_kind``, ``history_dates``,
        ``history_periods_per_year`` as in :func:`kernels.backtest`); made monthly first.
    block_months : int, default 1
        Bootstrap blocks of consecutive months (1: single months).
    years : int, default 30
        Length of the plan (1 to 100).
    start_value : float, default 1,000,000
        Value today, currency.
    withdrawal : float, default 40,000
        Yearly withdrawal: an amount in today's money ("fixed_real"), in money of the day ("fixed_nominal"),
        or a fraction of the value ("percent", 0.04 = 4%); ignored for "income". Paid monthly.
    withdrawal_type : {"fixed_real", "fixed_nominal", "percent", "income"}, default "fixed_real"
        "income" spends the portfolio's income (yields) and keeps the principal invested.
    withdrawal_start : int, default 0
        Years from now until withdrawals start.
    contribution : float, default 0
        Yearly contribution in today's money (raised with inflation), paid monthly.
    contribution_years : int, default 0
        Years of contributions, from now.
    inflation : float, default 0.025
        Yearly inflation.
    rebalance : {"none", "monthly", "quarterly", "semiannual", "annual"}, default "annual"
    fees : float, default 0
        Yearly fee, a fraction of the value charged monthly.
    n_paths : int, default 2,000
    seed : int, default 0
        The same seed gives the same numbers on any number of threads, compiled or not.
    success_target : float, default 0.9
        Probability for the safe and perpetual withdrawal rates.
    percentiles : array_like, default (0.1, 0.25, 0.5, 0.75, 0.9)
    keep_paths : bool, default False
        Also return every path's year-end values (memory grows with ``n_paths``).
    progress : callable, optional
        Called as ``progress(paths_done, n_paths)`` after each of up to :data:`PROGRESS_STEPS` steps of
        the run (for a progress bar); the numbers are the same as without it.

    Returns
    -------
    PlanResult

    Raises
    ------
    InputError
        Bad weights or model inputs, unknown words, a history too short, impossible withdrawal settings.

    Examples
    --------
    >>> r = simulate_plan([0.4, 0.2, 0.3, 0.05, 0.05], years=30, withdrawal=40_000, n_paths=1_000)
    >>> 0.5 < r.success_probability <= 1.0, r.real_value.shape
    (True, (5, 31))
    """
    model_word = check_choice(returns_model, "returns_model", RETURN_MODELS)
    dist = check_choice(distribution, "distribution", DISTRIBUTIONS)
    wtype = check_choice(withdrawal_type, "withdrawal_type", WITHDRAWAL_TYPES)
    policy = check_choice(rebalance, "rebalance", PLAN_REBALANCE)
    w = as_vector(weights, "weights")
    n = w.size
    w = check_targets(w, n, name="weights")
    w = np.ascontiguousarray(w / w.sum())
    n_years = int(as_scalar(years, "years", low=1, high=MAX_YEARS, integer=True))
    v0 = as_scalar(start_value, "start_value", low=0.0)
    amount = as_scalar(withdrawal, "withdrawal", low=0.0)
    start_year = int(as_scalar(withdrawal_start, "withdrawal_start", low=0, integer=True))
    contrib = as_scalar(contribution, "contribution", low=0.0)
    contrib_years = int(as_scalar(contribution_years, "contribution_years", low=0, high=n_years, integer=True))
    infl = as_scalar(inflation, "inflation", low=-0.5, high=1.0)
    fee = as_scalar(fees, "fees", low=0.0, high=1.0, high_inclusive=False)
    paths = int(as_scalar(n_paths, "n_paths", low=1, high=100_000_000, integer=True))
    seed_ = int(as_scalar(seed, "seed", low=0, high=2.0 ** 63 - 1, integer=True))
    target = as_scalar(success_target, "success_target", low=0.0, high=1.0, low_inclusive=False,
                       high_inclusive=False)
    qs = as_vector(percentiles, "percentiles")
    if np.any((qs <= 0) | (qs >= 1)):
        raise InputError("percentiles: expected fractions between 0 and 1 (0.1 = 10th percentile).")
    if start_year >= n_years:
        raise InputError(f"withdrawal_start: year {start_year} is not before the end of the plan "
                         f"(years={n_years}); start withdrawals earlier or simulate more years.")
    if wtype == "percent" and amount > 1.0:
        raise InputError(f"withdrawal: a percent withdrawal of {amount:.4g} a year is more than the whole "
                         "portfolio; enter a fraction (0.04 = 4%).")
    if v0 == 0.0 and (contrib == 0.0 or contrib_years == 0):
        raise InputError("start_value: 0 with no contributions leaves nothing to simulate; enter a start value.")

    if model_word == "parameterised":
        model = parameterised_model(n, expected_returns, volatilities, correlations, cov, dist, dof_check(dof, dist))
        defaults = all(x is None for x in (expected_returns, volatilities, correlations, cov))
        default_yields = ASSET_CLASS_ASSUMPTIONS.yields if defaults else 0.0
    else:
        if history is None:
            raise InputError(f"history: needed for returns_model={model_word!r}; give monthly returns or prices.")
        hkind = check_choice(history_kind, "history_kind", HISTORY_KINDS)
        hppy = int(as_scalar(history_periods_per_year, "history_periods_per_year", low=1, high=100_000,
                             integer=True))
        monthly = monthly_history(history, hkind, history_dates, hppy, n)
        default_yields = 0.0
        if model_word == "statistical":
            check_history_length(monthly, n + 1, "history")
            model = statistical_model(monthly, dist, dof_check(dof, dist))
        else:
            check_history_length(monthly, 2, "history")
            block = int(as_scalar(block_months, "block_months", low=1, high=monthly.shape[0], integer=True))
            model = bootstrap_model(monthly, block)
    y = as_bounds(default_yields if yields is None else yields, n, "yields")
    if np.any(y < 0) or np.any(y >= 1):
        raise InputError("yields: expected yearly yields as fractions between 0 and 1 (0.03 = 3%).")
    if wtype == "income" and not np.any(y * w > 0):
        raise InputError("withdrawal_type: 'income' spends the yields, but the portfolio yields nothing; "
                         "give yields or choose another withdrawal type.")

    n_months = 12 * n_years
    deflator, c_sched, wfix, wpct, wspend, rebal, swr_unit = _schedules(
        n_months, v0, amount, wtype, start_year, contrib, contrib_years, infl, policy)
    scale = max(v0, contrib * max(contrib_years, 1), amount if wtype.startswith("fixed") else 0.0, 1.0)
    lanes = int(min(MAX_LANES, max(1, paths // PATHS_PER_LANE)))
    shape = (lanes, n_years + 1, 3, VALUE_BINS)
    counts, lows, highs = np.zeros(shape, np.int32), np.full(shape, np.inf), np.full(shape, -np.inf)
    hist_growth = np.zeros((lanes, 2, VALUE_BINS), np.int32)
    hist_rates = np.zeros((lanes, 2, RATE_BINS), np.int32)
    sums = np.zeros((lanes, 4, n_years + 1))
    failures = np.zeros((lanes, n_years + 1), np.int64)
    kept = (paths, n_years + 1) if keep_paths else (0, n_years + 1)
    paths_nominal, paths_real = np.zeros(kept), np.zeros(kept)
    s1, s2 = seed_words(seed_)
    lower = bool(np.all(np.triu(model.root, 1) == 0.0))
    args = (s1, s2, paths, lanes, model.code, model.mean, model.root, lower, model.dof, model.history, model.block,
            w, y / 12.0, wtype == "income", 1.0 - fee / 12.0, c_sched, wfix, wpct, wspend, rebal, deflator,
            swr_unit, v0, 1.0 / scale, counts, lows, highs, hist_growth, hist_rates, sums, failures,
            bool(keep_paths), paths_nominal, paths_real)
    if progress is not None and not callable(progress):
        raise InputError("progress: expected a function called as progress(paths_done, n_paths), or None.")
    engine = simulate_plan_numpy if PURE_PYTHON else _simulate_plan
    n_steps = 1 if progress is None else min(PROGRESS_STEPS, paths)
    spans = np.diff((np.arange(lanes + 1) * paths) // lanes)
    for step in range(n_steps):
        engine(*args, step, n_steps)
        if progress is not None:
            progress(int((spans * (step + 1) // n_steps).sum()), paths)
    return summarise(counts, lows, highs, hist_growth, hist_rates, sums, failures, paths, n_years, qs, scale, target, v0,
                     model, seed_, paths_nominal, paths_real)


def dof_check(dof: float, dist: str) -> float:
    """Student-t degrees of freedom: > 2 (finite variance)."""
    if dist != "student_t":
        return 0.0
    return as_scalar(dof, "dof", low=2.0, low_inclusive=False, high=1e6)


def summarise(counts, lows, highs, hist_growth, hist_rates, sums, failures, n_paths, n_years, qs, scale, target, v0,
              model, seed, paths_nominal, paths_real) -> PlanResult:
    """Merge the lanes and read percentiles, means and rates off the histograms."""
    merged = counts.sum(axis=0, dtype=np.int64)
    growth_counts = hist_growth.sum(axis=0, dtype=np.int64)
    rate_counts = hist_rates.sum(axis=0, dtype=np.int64)
    total = np.zeros(sums.shape[1:])
    for lane in range(sums.shape[0]):
        total += sums[lane]
    mean = total / n_paths
    failed = failures.sum(axis=0)
    value_q = value_quantiles(merged, qs, lows.min(axis=0), highs.max(axis=0))  # (years + 1, 3, n_q)
    growth_q = bin_quantiles(growth_counts, qs, 1.0)  # (2, n_q)
    swr = rate_quantile(rate_counts[0], 1.0 - target) if v0 > 0 else np.nan
    pwr = rate_quantile(rate_counts[1], 1.0 - target) if v0 > 0 else np.nan
    return PlanResult(
        success_probability=float(1.0 - failed.sum() / n_paths),
        safe_withdrawal_rate=swr,
        perpetual_withdrawal_rate=pwr,
        success_target=target,
        percentiles=qs,
        years=np.arange(n_years + 1),
        nominal_value=value_q[:, NOMINAL, :].T.copy(),
        real_value=value_q[:, REAL, :].T.copy(),
        real_income=value_q[:, INCOME_REAL, :].T.copy(),
        mean_nominal_value=mean[2].copy(),
        mean_real_value=mean[3].copy(),
        mean_income=mean[0].copy(),
        mean_real_income=mean[1].copy(),
        survival=1.0 - np.cumsum(failed) / n_paths,
        annual_return=growth_q[0] ** (1.0 / n_years) - 1.0,
        annual_return_real=growth_q[1] ** (1.0 / n_years) - 1.0,
        monthly_mean=model.mean if model.code != 3 else model.history.mean(axis=0),
        monthly_cov=model.cov if model.code != 3 else np.atleast_2d(np.cov(model.history, rowvar=False)),
        n_paths=n_paths,
        seed=seed,
        paths_nominal=paths_nominal,
        paths_real=paths_real,
    )
