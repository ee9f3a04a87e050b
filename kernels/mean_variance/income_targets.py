"""Income-target portfolios: the least risky portfolio that pays enough, the best payer within a risk cap.

A portfolio's yield ``y' w`` is linear in the weights, so "yield at least a target" is one more
linear constraint, and the *income frontier* (least volatility for each yield) is the efficient
path (:mod:`.path`) with the yields in place of the expected returns. Along it the weights are
piecewise linear between turning points, so the three questions below are answered exactly
from the turning points:

* :func:`min_volatility_for_income`: minimum volatility with ``y' w >= target_yield``;
* :func:`max_yield_for_volatility`: maximum yield with volatility ``<= max_volatility``;
* :func:`income_frontier`: yield against volatility, ``n_points`` portfolios.

All three take the same guards against chasing yield: per-asset floors and caps
(``lower``/``upper``), caps per asset class (``classes`` + ``class_caps``, e.g. REITs at most 25%)
and an optional minimum expected total return (``expected_returns`` + ``min_return``) so that the
portfolio still grows against inflation. Weights are long-only fractions summing to 1.

Units: yields, returns, caps and volatilities are decimal fractions per year (0.04 is 4%);
``cov`` is the annual covariance of returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import scipy  # scipy.optimize and scipy.sparse load on first use (they cost ~0.8 s at import)
from numpy.typing import ArrayLike, NDArray

from .._validate import (
    as_bounds,
    as_covariance,
    as_factored_covariance,
    as_rate,
    as_scalar,
    as_vector,
    check_fractions,
    check_ordered,
)
from ..errors import InfeasibleError, InputError
from .constraints import LinearConstraints, _Problem
from .income_cash import with_cash
from .path import (
    TARGET_RTOL,
    _Path,
    _point_at_volatility,
    _points_at_returns,
    _solve_path,
)


class IncomePortfolio(NamedTuple):
    """One income-target portfolio.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
        Fractions of value, summing to 1.
    yield_ : float
        ``yields' weights``, decimal fraction per year.
    volatility : float
        ``sqrt(w' C w)``, in the units of ``cov`` (annual).
    expected_return : float
        ``expected_returns' weights`` (NaN when no expected returns were given).
    binding : str
        Which requirement decides the answer: ``"yield_target"``, ``"volatility_cap"``,
        ``"min_variance"`` (the least risky portfolio already pays enough), ``"min_return"`` (the
        least risky portfolio meeting ``min_return`` already pays enough) or ``"max_yield"``
        (the highest-yield portfolio is within the cap).
    """

    weights: NDArray[np.float64]
    yield_: float
    volatility: float
    expected_return: float
    binding: str


class IncomeFrontier(NamedTuple):
    """The income frontier: least volatility for each yield, from the least risky portfolio to the highest yield.

    Attributes
    ----------
    yields : ndarray of shape (n_points,)
        Evenly spaced yields, increasing.
    volatilities : ndarray of shape (n_points,)
        Least volatility for each yield (non-decreasing).
    expected_returns : ndarray of shape (n_points,)
        Expected returns of the portfolios (NaN when none were given).
    weights : ndarray of shape (n_points, n_assets)
    turning_yields : ndarray of shape (n_turning,)
        Yields of the turning points (where an asset or class cap starts or stops binding), increasing.
    turning_weights : ndarray of shape (n_turning, n_assets)
    """

    yields: NDArray[np.float64]
    volatilities: NDArray[np.float64]
    expected_returns: NDArray[np.float64]
    weights: NDArray[np.float64]
    turning_yields: NDArray[np.float64]
    turning_weights: NDArray[np.float64]


class _IncomeProblem(NamedTuple):
    cov: NDArray[np.float64]
    yields: NDArray[np.float64]
    expected_returns: NDArray[np.float64] | None
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    A: NDArray[np.float64]  # general rows, shape (n_rows, n_assets): row_lower <= A w <= row_upper
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    min_return: float | None


# --------------------------------------------------------------------------- validation


def _class_rows(classes, class_caps, n: int):
    if class_caps is None or len(class_caps) == 0:
        return np.zeros((0, n)), np.zeros(0)
    if classes is None:
        raise InputError("class_caps: needs classes (one label per asset); enter them or leave class_caps empty.")
    if isinstance(classes, str):
        raise InputError(f"classes: expected one label per asset ({n}), got {type(classes).__name__}.")
    labels = [str(c).strip() for c in np.asarray(classes, dtype=object).ravel()]
    if len(labels) != n:
        raise InputError(f"classes: expected {n} labels (one per asset), got {len(labels)}.")
    if not isinstance(class_caps, Mapping):
        raise InputError("class_caps: expected a table of class -> cap, e.g. {'REIT': 0.25}.")
    known = list(dict.fromkeys(labels))
    rows, caps = [], []
    for label, cap in class_caps.items():
        key = str(label).strip()
        if key not in known:
            raise InputError(f"class_caps: class '{key}' is not in classes ({', '.join(known)}); check the spelling.")
        value = as_scalar(cap, f"class_caps['{key}']")
        if not 0.0 <= value <= 1.0:
            raise InputError(
                f"class_caps: {value:g} for class '{key}' is outside 0..1; "
                "enter caps as decimal fractions (0.25 for 25%)."
            )
        rows.append([1.0 if c == key else 0.0 for c in labels])
        caps.append(value)
    return np.array(rows), np.array(caps)


def _weight_bounds(lower, upper, n: int):
    lo = as_bounds(lower, n, "lower")
    hi = as_bounds(upper, n, "upper")
    check_fractions(lo, "lower", what="weights")
    check_fractions(hi, "upper", what="weights")
    check_ordered(lo, hi)
    if hi.sum() < 1.0 - 1e-12:
        raise InfeasibleError(
            f"upper: the caps add up to {hi.sum():g}, below 1; raise them so the weights can sum to 1."
        )
    if lo.sum() > 1.0 + 1e-12:
        raise InfeasibleError(
            f"lower: the floors add up to {lo.sum():g}, above 1; lower them so the weights can sum to 1."
        )
    return lo, hi


def _problem(cov, yields, expected_returns, min_return, lower, upper, classes, class_caps) -> _IncomeProblem:
    # the PSD check (a factorisation) is made once the other inputs are known good (:func:`_path`)
    C = as_covariance(cov, "cov", check_psd_=False)
    n = C.shape[0]
    y = as_vector(yields, "yields", size=n)
    check_fractions(y, "yields", what="yields")
    lo, hi = _weight_bounds(lower, upper, n)
    mu = None
    if expected_returns is not None:
        mu = as_vector(expected_returns, "expected_returns", size=n)
    G, caps = _class_rows(classes, class_caps, n)
    A, rlo, rhi = G, np.full(G.shape[0], -np.inf), caps
    r = None
    if G.shape[0] and _linear_max(y, lo, hi, A, rlo, rhi) is None:
        raise _class_infeasible()
    if min_return is not None:
        if mu is None:
            raise InputError(
                "min_return: needs expected_returns (one per asset); enter them or leave min_return empty."
            )
        r = as_scalar(min_return, "min_return", low=-1.0, high=1.0)
        best = _linear_max(mu, lo, hi, A, rlo, rhi)
        if best is None:
            raise _class_infeasible()
        if best < r - TARGET_RTOL * max(1.0, abs(r)):
            raise InfeasibleError(
                f"min_return: {r:g} is out of reach; the highest expected return these limits allow is "
                f"{best:.4g}; lower it or relax caps."
            )
        A = np.vstack([A, mu[None, :]])
        rlo = np.append(rlo, r)
        rhi = np.append(rhi, np.inf)
    return _IncomeProblem(C, y, mu, lo, hi, np.ascontiguousarray(A.reshape(-1, n)), rlo, rhi, r)


def _class_infeasible() -> InfeasibleError:
    return InfeasibleError("class_caps: no portfolio meets the class caps with these asset floors; raise a class cap.")


def _linear_max(c, lo, hi, A, rlo, rhi) -> float | None:
    """Largest ``c' w`` over the feasible set (HiGHS); None when the set is empty."""
    n = c.size
    a_ub, b_ub = [], []
    for row, low, high in zip(A, rlo, rhi):
        if np.isfinite(high):
            a_ub.append(row)
            b_ub.append(high)
        if np.isfinite(low):
            a_ub.append(-row)
            b_ub.append(-low)
    res = scipy.optimize.linprog(
        -c, A_ub=np.array(a_ub).reshape(-1, n) if a_ub else None, b_ub=np.array(b_ub) if b_ub else None,
        A_eq=np.ones((1, n)), b_eq=np.ones(1), bounds=np.column_stack([lo, hi]), method="highs",
    )
    return float(-res.fun) if res.status == 0 else None


# --------------------------------------------------------------------------- the income path


def _path(problem: _IncomeProblem, caller: str) -> _Path:
    """The efficient path with the yields as the "returns", by increasing yield.

    The extra rows (class caps, minimum expected return) go in as :class:`LinearConstraints`.
    """
    C, chol = as_factored_covariance(problem.cov, "cov")
    rows = None
    if problem.A.shape[0]:
        rows = LinearConstraints(problem.A, problem.row_lower, problem.row_upper)
    return _solve_path(problem.yields, _Problem(C, problem.lower, problem.upper, rows, chol), caller)


# --------------------------------------------------------------------------- results


def _portfolio(problem: _IncomeProblem, w: NDArray[np.float64], binding: str) -> IncomePortfolio:
    w = np.where(np.abs(w) < 1e-15, 0.0, w)
    mu = problem.expected_returns
    return IncomePortfolio(
        w, float(problem.yields @ w), float(np.sqrt(max(w @ problem.cov @ w, 0.0))),
        float(mu @ w) if mu is not None else float("nan"), binding,
    )


def _unreachable_target(target: float, best: float) -> InfeasibleError:
    return InfeasibleError(
        f"target_yield: {target:g} is out of reach; the highest yield these limits allow is {best:.4g} "
        f"({best:.2%}); lower it or relax caps."
    )


_COMMON_DOC = """    expected_returns : array_like of shape (n_assets,), optional
        Expected total returns, decimal fractions per year; needed for ``min_return``.
    min_return : float, optional
        Least expected total return of the portfolio (guards growth against inflation).
    lower, upper : float or array_like of shape (n_assets,), default 0.0 and 1.0
        Per-asset floors and caps on the weights, 0..1.
    classes : sequence of str of length n_assets, optional
        Asset class of each asset (e.g. "bonds", "REIT"); needed for ``class_caps``.
    class_caps : mapping of str to float, optional
        Largest weight of each named class, 0..1 (e.g. ``{"REIT": 0.25}``).
    risk_free_asset : int, optional
        0-based position of the cash asset: riskless (its row and column of ``cov`` are ignored), its
        weight free within its bounds unless ``cash_weight`` is given (see :mod:`.income_cash`).
    cash_weight : float, optional
        Fixed cash weight in [0, 1): the risky assets share the rest, every limit on the final weights."""


def max_attainable_yield(
    yields: ArrayLike,
    *,
    expected_returns: ArrayLike | None = None,
    min_return: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    classes: Sequence[str] | None = None,
    class_caps: Mapping[str, float] | None = None,
    risk_free_asset: int | None = None, cash_weight: float | None = None,
) -> float:
    """Highest portfolio yield the constraints allow (a linear programme, HiGHS).

    Parameters
    ----------
    yields : array_like of shape (n_assets,)
        Yearly cash yields, decimal fractions in 0..1.
    {common}

    Returns
    -------
    float

    Examples
    --------
    >>> y = max_attainable_yield([0.05, 0.02, 0.07], classes=["bond", "stock", "REIT"], class_caps={{"REIT": 0.2}})
    >>> round(y, 6)
    0.054
    """
    if risk_free_asset is not None or cash_weight is not None:
        return with_cash("max_attainable_yield", locals())
    y = as_vector(yields, "yields")
    n = y.size
    problem = _problem(np.eye(n), y, expected_returns, min_return, lower, upper, classes, class_caps)
    best = _linear_max(problem.yields, problem.lower, problem.upper, problem.A, problem.row_lower, problem.row_upper)
    if best is None:
        raise _class_infeasible()
    return best


max_attainable_yield.__doc__ = max_attainable_yield.__doc__.format(common=_COMMON_DOC.strip())


def min_volatility_for_income(
    cov: ArrayLike,
    yields: ArrayLike,
    target_yield: float,
    *,
    expected_returns: ArrayLike | None = None,
    min_return: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    classes: Sequence[str] | None = None,
    class_caps: Mapping[str, float] | None = None,
    risk_free_asset: int | None = None, cash_weight: float | None = None,
) -> IncomePortfolio:
    """Least volatile long-only portfolio whose yield is at least ``target_yield``.

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
        Covariance of returns (annual), symmetric positive semi-definite.
    yields : array_like of shape (n_assets,)
        Yearly cash yields, decimal fractions in 0..1.
    target_yield : float
        Least portfolio yield wanted, 0..1 (income needed / amount invested).
    {common}

    Returns
    -------
    IncomePortfolio
        ``binding`` is ``"min_variance"`` (or ``"min_return"`` when that floor binds) when the
        least risky portfolio already pays enough.

    Raises
    ------
    InputError
        Bad shapes or values (see the messages).
    InfeasibleError
        The target (or ``min_return``) cannot be reached under the caps: the message gives the
        highest attainable yield; or the caps and floors admit no portfolio.

    Examples
    --------
    A bond fund (5% yield, 5% volatility) and a stock fund (2%, 20%), uncorrelated; 4.9% wanted:

    >>> p = min_volatility_for_income([[0.0025, 0.0], [0.0, 0.04]], [0.05, 0.02], 0.049)
    >>> p.weights.round(4).tolist(), round(p.yield_, 6), p.binding
    ([0.9667, 0.0333], 0.049, 'yield_target')
    """
    if risk_free_asset is not None or cash_weight is not None:
        return with_cash("min_volatility_for_income", locals())
    problem = _problem(cov, yields, expected_returns, min_return, lower, upper, classes, class_caps)
    target = as_rate(target_yield, "target_yield", what="yields")
    path = _path(problem, "min_volatility_for_income")
    top = float(path.returns[-1])
    if target > top + TARGET_RTOL * max(1.0, top):
        raise _unreachable_target(target, top)
    if path.returns[0] >= target - TARGET_RTOL * max(1.0, abs(target)):  # the least risky portfolio pays enough
        w = path.weights[0].copy()
        r = problem.min_return
        return_binds = r is not None and problem.expected_returns @ w <= r + TARGET_RTOL * max(1.0, abs(r))
        return _portfolio(problem, w, "min_return" if return_binds else "min_variance")
    W, _ = _points_at_returns(path, [min(target, top)])
    return _portfolio(problem, W[0], "yield_target")


min_volatility_for_income.__doc__ = min_volatility_for_income.__doc__.format(common=_COMMON_DOC.strip())


def max_yield_for_volatility(
    cov: ArrayLike,
    yields: ArrayLike,
    max_volatility: float,
    *,
    expected_returns: ArrayLike | None = None,
    min_return: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    classes: Sequence[str] | None = None,
    class_caps: Mapping[str, float] | None = None,
    risk_free_asset: int | None = None, cash_weight: float | None = None,
) -> IncomePortfolio:
    """Highest-yield long-only portfolio whose volatility is at most ``max_volatility``.

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
        Covariance of returns (annual), symmetric positive semi-definite.
    yields : array_like of shape (n_assets,)
        Yearly cash yields, decimal fractions in 0..1.
    max_volatility : float
        Largest volatility allowed, > 0, in the units of ``cov`` (annual).
    {common}

    Returns
    -------
    IncomePortfolio
        ``binding`` is ``"max_yield"`` when the highest-yield portfolio is already within the cap.

    Raises
    ------
    InputError
        Bad shapes or values.
    InfeasibleError
        The cap is below the least volatility the constraints allow (the message gives it).

    Examples
    --------
    >>> p = max_yield_for_volatility([[0.0025, 0.0], [0.0, 0.04]], [0.05, 0.02], 0.05)
    >>> p.weights.round(6).tolist(), round(p.volatility, 6)
    ([1.0, 0.0], 0.05)
    """
    if risk_free_asset is not None or cash_weight is not None:
        return with_cash("max_yield_for_volatility", locals())
    problem = _problem(cov, yields, expected_returns, min_return, lower, upper, classes, class_caps)
    cap = as_scalar(max_volatility, "max_volatility", low=0.0, low_inclusive=False)
    path = _path(problem, "max_yield_for_volatility")
    point = _point_at_volatility(path, problem.cov, cap)
    if point is None:
        least = float(np.sqrt(path.variances[0]))
        raise InfeasibleError(
            f"max_volatility: {cap:g} is below the least volatility possible here ({least:.4g}); "
            "raise the cap or relax the limits."
        )
    at_top = cap >= np.sqrt(path.variances[-1])
    return _portfolio(problem, point[0], "max_yield" if at_top else "volatility_cap")


max_yield_for_volatility.__doc__ = max_yield_for_volatility.__doc__.format(common=_COMMON_DOC.strip())


def income_frontier(
    cov: ArrayLike,
    yields: ArrayLike,
    n_points: int = 20,
    *,
    expected_returns: ArrayLike | None = None,
    min_return: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    classes: Sequence[str] | None = None,
    class_caps: Mapping[str, float] | None = None,
    risk_free_asset: int | None = None, cash_weight: float | None = None,
) -> IncomeFrontier:
    """Least volatility for evenly spaced yields, from the least risky portfolio to the highest yield.

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
        Covariance of returns (annual), symmetric positive semi-definite.
    yields : array_like of shape (n_assets,)
        Yearly cash yields, decimal fractions in 0..1.
    n_points : int, default 20
        Number of portfolios, 2..1000.
    {common}

    Returns
    -------
    IncomeFrontier

    Examples
    --------
    >>> f = income_frontier([[0.0025, 0.0], [0.0, 0.04]], [0.05, 0.02], n_points=3)
    >>> f.yields.round(6).tolist()
    [0.048235, 0.049118, 0.05]
    """
    if risk_free_asset is not None or cash_weight is not None:
        return with_cash("income_frontier", locals())
    problem = _problem(cov, yields, expected_returns, min_return, lower, upper, classes, class_caps)
    n_points = int(as_scalar(n_points, "n_points", low=2, high=1000, integer=True))
    path = _path(problem, "income_frontier")
    W, _ = _points_at_returns(path, np.linspace(float(path.returns[0]), float(path.returns[-1]), n_points))
    W[np.abs(W) < 1e-15] = 0.0
    vols = np.sqrt(np.maximum(np.einsum("ki,ij,kj->k", W, problem.cov, W), 0.0))
    mu = problem.expected_returns
    rets = W @ mu if mu is not None else np.full(n_points, np.nan)
    return IncomeFrontier(W @ problem.yields, vols, rets, W, path.weights @ problem.yields, path.weights.copy())


income_frontier.__doc__ = income_frontier.__doc__.format(common=_COMMON_DOC.strip())
