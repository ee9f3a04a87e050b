"""The optimal portfolios: minimum variance, maximum Sharpe ratio, a target return or volatility.

Each is a point of the exact efficient path (:mod:`.path`); under box bounds only the certified box
active set answers first (:mod:`.box_active_set`, :mod:`.box_path`, :mod:`.box_l2_risk`), the path when
it cannot certify its answer (``method`` says which).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate import as_scalar, as_vector
from .._validate.covariance import as_square_array
from ..errors import InfeasibleError, InputError
from ..risk_free.sleeve import (
    as_cash_index,
    as_cash_weight,
    embed,
    riskless_cov,
    risky_bounds,
    risky_cov,
    risky_rows,
    risky_vector,
    split_cash,
)
from .box_active_set import _max_sharpe_box, _min_variance_box
from .box_l2_risk import _l2_risk_point
from .box_path import _path_point, _utility_box
from .constraints import (
    LinearConstraints,
    _as_constraints,
    _problem,
    _stacked,
    group_constraints,
)
from .path import (
    TARGET_RTOL,
    _max_sharpe_on_path,
    _point_at_volatility,
    _points_at_returns,
    _solve_path,
)
from .regularised import (
    _box_only,
    _max_return_l2_at_volatility,
    _regularised,
    _utility_point,
)


class PortfolioResult(NamedTuple):
    """One efficient portfolio.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
    expected_return : float
        ``w' mu`` (nan for :func:`min_variance` without ``expected_returns``).
    volatility : float
    sharpe_ratio : float
        ``(expected_return - risk_free) / volatility`` (risk_free is 0 except in :func:`max_sharpe`).
    risk_tolerance : float
        ``lam`` of the point on the path ``min 1/2 w'Qw - lam mu'w`` (``Q = C``, or ``C + gamma I``
        with L2; with a fixed ``cash_weight``, the risky sleeve's path).
    cash_weight : float
        Weight of the cash (risk-free) sleeve: ``weights[risk_free_asset]`` when the inputs have a cash
        asset, else the ``cash_weight`` held outside ``weights`` (then ``weights`` sum to
        ``1 - cash_weight``); 0 when no cash option is used.
    method : str
        :data:`BOX_ACTIVE_SET` (box bounds only, KKT conditions certified on the weights), :data:`CRITICAL_LINE`
        (the exact path), or :data:`NOT_CERTIFIED_FALLBACK` (the box active set could not certify, e.g.
        condition number above ``box_active_set.MAX_CONDITION``: the slower exact path answered).
    """

    weights: NDArray[np.float64]
    expected_return: float
    volatility: float
    sharpe_ratio: float
    risk_tolerance: float
    cash_weight: float = 0.0
    method: str = "critical line"


BOX_ACTIVE_SET = "box active set"
CRITICAL_LINE = "critical line"
NOT_CERTIFIED_FALLBACK = "critical line (the box active set could not certify: ill-conditioned or singular free set)"


def _vol(w, C) -> float:
    return float(np.sqrt(max(float(w @ C @ w), 0.0)))


def _sharpe(ret, vol, risk_free) -> float:
    return float((ret - risk_free) / vol if vol > 0.0 else (np.inf if ret > risk_free else float("nan")))


def _result(w, mu, C, lam, risk_free=0.0, cash_weight=0.0, method=CRITICAL_LINE) -> PortfolioResult:
    vol = _vol(w, C)
    ret = float(w @ mu) if mu is not None else float("nan")
    return PortfolioResult(w, ret, vol, _sharpe(ret, vol, risk_free), lam, float(cash_weight), method)


def _cash_options(cov, expected_returns, risk_free_asset, cash_weight, risk_free):
    """``(split, full_problem)``: how to treat the cash options, None when none is used.

    ``full_problem`` is the riskless-cash covariance when the cash weight is free (cash solved as an
    asset with variance 0 within its own bounds), else None (risky sleeve solved, cash fixed).
    """
    if risk_free_asset is None and cash_weight is None:
        return None, None
    n = as_square_array(cov, "cov").shape[0]
    k = as_cash_index(risk_free_asset, n)
    c = 0.0 if cash_weight is None else as_cash_weight(cash_weight)
    rf = 0.0 if risk_free is None else as_scalar(risk_free, "risk_free")
    if k >= 0:
        if expected_returns is not None:
            rate = float(as_vector(expected_returns, "expected_returns", size=n)[k])
            if risk_free is not None and rate != rf:
                raise InputError(
                    f"risk_free: {rf:.4g} differs from the cash asset's expected return {rate:.4g}; "
                    "leave risk_free blank (cash's return is the risk-free rate)."
                )
            rf = rate
        elif risk_free is None:
            rf = float("nan")
    return split_cash(n, k, c, rf), (riskless_cov(cov, k) if k >= 0 and cash_weight is None else None)


def _risky_inputs(split, expected_returns, cov, lower, upper, constraints, groups, group_lower, group_upper):
    """The risky sleeve's inputs (mu, cov, lower, upper, rows), limits rescaled to fractions of the sleeve."""
    n = split.n_assets
    parts = []
    if constraints is not None:
        parts.append(_as_constraints(constraints, n))
    if groups is not None:
        parts.append(group_constraints(groups, group_lower, group_upper, n_assets=n))
    elif group_lower is not None or group_upper is not None:
        raise InputError("groups: group_lower/group_upper given without groups; give one group label per asset.")
    lo, hi = risky_bounds(lower, upper, split)
    return (risky_vector(expected_returns, split, "expected_returns"), risky_cov(cov, split), lo, hi,
            risky_rows(_stacked(parts), split))


def _sleeve_result(res: PortfolioResult, split, mu_risky) -> PortfolioResult:
    """The risky sleeve's result with the cash sleeve put back (weights, return, volatility, Sharpe)."""
    c, rf = split.cash_weight, split.risk_free
    w = embed(res.weights, split)
    vol = (1.0 - c) * res.volatility
    ret = float("nan") if mu_risky is None else float((1.0 - c) * res.expected_return + (c * rf if c > 0.0 else 0.0))
    sharpe = _sharpe(ret, vol, 0.0 if np.isnan(rf) else rf)
    return PortfolioResult(w, ret, vol, sharpe, res.risk_tolerance, c, res.method)


def _full_result(res: PortfolioResult, split, mu) -> PortfolioResult:
    """A result solved with cash as a riskless asset: Sharpe against the cash rate, cash weight named."""
    rf = 0.0 if np.isnan(split.risk_free) else split.risk_free
    return res._replace(sharpe_ratio=_sharpe(res.expected_return, res.volatility, rf),
                        cash_weight=float(res.weights[split.cash_index]))


def min_variance(
    cov: ArrayLike,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
    expected_returns: ArrayLike | None = None,
    gamma: float = 0.0,
    risk_free_asset: int | None = None,
    cash_weight: float | None = None,
) -> PortfolioResult:
    """The minimum-variance portfolio under bounds and linear constraints.

    ``min w'Cw + gamma w'w`` subject to the budget, the bounds and the rows.

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
    lower, upper, constraints, groups, group_lower, group_upper
        As in :func:`~kernels.mean_variance.frontier.efficient_frontier`.
    expected_returns : array_like of shape (n_assets,), optional
        Only to report the return and, when the minimum is not unique (singular ``cov``), to pick
        the minimum-variance portfolio with the highest expected return.
    gamma : float, default 0
        L2 regularisation (PyPortfolioOpt's ``L2_reg``): ``gamma * ||w||^2`` is added to the
        objective, i.e. ``C + gamma I`` replaces ``C`` in the optimisation (volatility is still
        reported under ``C``). Larger ``gamma`` spreads the weights; it is in the units of ``cov``
        (0.1 is strong against annual variances of 0.01-0.04).
    risk_free_asset : int, optional
        With ``cash_weight`` not given, cash is an asset like the others within its own bounds
        (all cash when ``upper`` allows it: give ``cash_weight`` or a cash ``upper``).
        0-based position of the cash (risk-free) asset in the inputs. Its row and column of ``cov``
        are ignored (cash is riskless) and its expected return is the risk-free rate.
    cash_weight : float, optional
        Fixed weight of the cash sleeve, ``0 <= cash_weight < 1``: the risky assets share
        ``1 - cash_weight`` and every bound and row still applies to the final weights (solved
        exactly, see :mod:`kernels.risk_free.sleeve`). Without a cash asset in the inputs the
        returned ``weights`` sum to ``1 - cash_weight`` and ``result.cash_weight`` names the sleeve.

    Returns
    -------
    PortfolioResult
        ``expected_return`` and ``sharpe_ratio`` are nan without ``expected_returns``.

    Examples
    --------
    >>> r = min_variance([[0.04, 0.0], [0.0, 0.01]])
    >>> r.weights.round(4).tolist(), round(r.volatility, 6)
    ([0.2, 0.8], 0.089443)
    """
    g = as_scalar(gamma, "gamma", low=0.0)
    split, full_cov = _cash_options(cov, expected_returns, risk_free_asset, cash_weight, None)
    if split is not None:
        if full_cov is not None:
            res = min_variance(full_cov, lower, upper, constraints=constraints, groups=groups, group_lower=group_lower,
                               group_upper=group_upper, expected_returns=expected_returns, gamma=g)
            return _full_result(res, split, expected_returns)
        mu_r, C_r, lo, hi, rows = _risky_inputs(split, expected_returns, cov, lower, upper, constraints, groups,
                                                group_lower, group_upper)
        res = min_variance(C_r, 0.0 if lo is None else lo, 1.0 if hi is None else hi, constraints=rows,
                           expected_returns=mu_r, gamma=g)
        return _sleeve_result(res, split, mu_r)
    prob = _problem(cov, None, lower, upper, constraints, groups, group_lower, group_upper)
    n = prob.cov.shape[0]
    mu = None if expected_returns is None else as_vector(expected_returns, "expected_returns", size=n)
    reg = _regularised(prob, g)
    # box bounds and budget only, cov positive definite (validation found its factor): fast path,
    # None when it cannot certify
    method = CRITICAL_LINE
    if reg.rows is None and reg.chol is not None:
        w = _min_variance_box(reg.cov, reg.lower, reg.upper, chol=reg.chol, conditioned=reg.conditioned)
        if w is not None:
            return _result(w, mu, prob.cov, 0.0, method=BOX_ACTIVE_SET)
        method = NOT_CERTIFIED_FALLBACK
    path = _solve_path(np.zeros(n) if mu is None else mu, reg, "min_variance")
    return _result(path.weights[0].copy(), mu, prob.cov, float(path.lambdas[0]), method=method)


def max_sharpe(
    expected_returns: ArrayLike,
    cov: ArrayLike,
    risk_free: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
    gamma: float = 0.0,
    risk_free_asset: int | None = None,
    cash_weight: float | None = None,
) -> PortfolioResult:
    """The tangency (maximum Sharpe ratio) portfolio, maximised exactly on each frontier segment.

    ``max (w'mu - risk_free) / sqrt(w'(C + gamma I)w)`` subject to the budget, bounds and rows.

    Between two turning points ``w(t) = w0 + t (w1 - w0)``; the Sharpe ratio's stationary point
    in ``t`` solves a linear equation, so the maximum is found in closed form, not on a grid.

    Parameters
    ----------
    expected_returns, cov, lower, upper, constraints, groups, group_lower, group_upper
        As in :func:`~kernels.mean_variance.frontier.efficient_frontier`.
    risk_free : float, optional
        Risk-free rate in the units of ``expected_returns``; default 0, or the cash asset's expected
        return with ``risk_free_asset`` (then leave it out).
    gamma : float, default 0
        L2 regularisation (PyPortfolioOpt's ``L2_reg``): ``gamma * ||w||^2`` is added to the
        objective, i.e. ``C + gamma I`` replaces ``C`` in the optimisation (volatility is still
        reported under ``C``). Larger ``gamma`` spreads the weights; it is in the units of ``cov``
        (0.1 is strong against annual variances of 0.01-0.04).
    risk_free_asset : int, optional
        The cash asset is left out of the optimisation (its Sharpe ratio is undefined): weight 0
        unless ``cash_weight`` is given, which mixes the tangency portfolio with cash (the same
        Sharpe ratio; bounds still apply to the final weights).
        0-based position of the cash (risk-free) asset in the inputs. Its row and column of ``cov``
        are ignored (cash is riskless) and its expected return is the risk-free rate.
    cash_weight : float, optional
        Fixed weight of the cash sleeve, ``0 <= cash_weight < 1``: the risky assets share
        ``1 - cash_weight`` and every bound and row still applies to the final weights (solved
        exactly, see :mod:`kernels.risk_free.sleeve`). Without a cash asset in the inputs the
        returned ``weights`` sum to ``1 - cash_weight`` and ``result.cash_weight`` names the sleeve.

    Raises
    ------
    InfeasibleError
        Every attainable expected return is at most ``risk_free`` (use :func:`min_variance`).

    Examples
    --------
    >>> r = max_sharpe([0.10, 0.05], [[0.04, 0.0], [0.0, 0.01]])
    >>> r.weights.round(4).tolist(), round(r.sharpe_ratio, 6)
    ([0.3333, 0.6667], 0.707107)
    """
    g = as_scalar(gamma, "gamma", low=0.0)
    split, _ = _cash_options(cov, expected_returns, risk_free_asset, cash_weight, risk_free)
    if split is not None:
        mu_r, C_r, lo, hi, rows = _risky_inputs(split, expected_returns, cov, lower, upper, constraints, groups,
                                                group_lower, group_upper)
        res = max_sharpe(mu_r, C_r, split.risk_free, lo, hi, constraints=rows, gamma=g)
        return _sleeve_result(res, split, mu_r)
    mu = as_vector(expected_returns, "expected_returns")
    rf = 0.0 if risk_free is None else as_scalar(risk_free, "risk_free")
    prob = _problem(cov, mu.size, lower, upper, constraints, groups, group_lower, group_upper)
    reg = _regularised(prob, g)
    method = CRITICAL_LINE
    if _box_only(reg) and np.any(mu > rf):
        if np.all(reg.lower == 0.0) and np.all(reg.upper >= 1.0):
            fast = _max_sharpe_box(reg.cov, mu, rf, chol=reg.chol, conditioned=reg.conditioned)  # long-only, no caps
        else:
            fast = _path_point(reg.cov, mu, reg.lower, reg.upper, "sharpe", rf, chol=reg.chol, conditioned=reg.conditioned)
        if fast is not None:
            return _result(fast[0], mu, prob.cov, fast[1], rf, method=BOX_ACTIVE_SET)
        method = NOT_CERTIFIED_FALLBACK
    path = _solve_path(mu, reg, "max_sharpe", stop_rf=rf)  # stops past the tangency portfolio
    if path.returns[-1] <= rf:
        raise InfeasibleError(
            f"risk_free: every attainable expected return (at most {path.returns[-1]:.4g}) is <= risk_free {rf:.4g}; "
            "max Sharpe is undefined, use min_variance."
        )
    w, lam = _max_sharpe_on_path(path, reg.cov, rf)
    return _result(w, mu, prob.cov, lam, rf, method=method)


def efficient_portfolio(
    expected_returns: ArrayLike,
    cov: ArrayLike,
    target_return: float | None = None,
    target_risk: float | None = None,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    constraints: LinearConstraints | None = None,
    groups=None,
    group_lower=None,
    group_upper=None,
    risk_aversion: float | None = None,
    gamma: float = 0.0,
    risk_free_asset: int | None = None,
    cash_weight: float | None = None,
) -> PortfolioResult:
    """The efficient portfolio for a target expected return, a target volatility or a risk aversion.

    * ``target_return``: the least volatile portfolio with expected return >= target (below the
      minimum-variance return that is the minimum-variance portfolio):
      ``min w'Cw + gamma w'w`` with ``w'mu >= target_return`` (PyPortfolioOpt's ``efficient_return``);
    * ``target_risk``: the highest expected return with volatility <= target (above the
      maximum-return portfolio's volatility that is the maximum-return portfolio):
      ``max w'mu - gamma w'w`` with ``sqrt(w'Cw) <= target_risk`` (``efficient_risk``);
    * ``risk_aversion`` (delta > 0): quadratic utility ``max w'mu - (delta / 2) w'Cw - gamma w'w``
      (PyPortfolioOpt's ``max_quadratic_utility``; the point of the critical line at risk tolerance
      ``1 / delta``, so ``black_litterman(...).risk_aversion`` plugs in directly).

    Exact except ``target_risk`` with ``gamma > 0`` (a root search, to a relative 1e-10 in volatility).

    Parameters
    ----------
    expected_returns, cov, lower, upper, constraints, groups, group_lower, group_upper
        As in :func:`~kernels.mean_variance.frontier.efficient_frontier`.
    target_return : float, optional
    target_risk : float, optional
        Volatility cap, in the units of ``sqrt(cov)``.
    risk_aversion : float, optional
        delta > 0 of the quadratic utility. Give exactly one of the three.
    gamma : float, default 0
        L2 regularisation (PyPortfolioOpt's ``L2_reg``): ``gamma * ||w||^2`` is added to the
        objective, i.e. ``C + gamma I`` replaces ``C`` in the optimisation (volatility is still
        reported under ``C``). Larger ``gamma`` spreads the weights; it is in the units of ``cov``
        (0.1 is strong against annual variances of 0.01-0.04).
    risk_free_asset : int, optional
        With ``cash_weight`` not given, cash is an asset with variance 0 within its own bounds: a
        target on the capital market line mixes cash and the tangency portfolio (with final-weight
        bounds honoured; :func:`capital_market_line` for the classic, bounds-on-the-sleeve form).
        0-based position of the cash (risk-free) asset in the inputs. Its row and column of ``cov``
        are ignored (cash is riskless) and its expected return is the risk-free rate.
    cash_weight : float, optional
        Fixed weight of the cash sleeve, ``0 <= cash_weight < 1``: the risky assets share
        ``1 - cash_weight`` and every bound and row still applies to the final weights (solved
        exactly, see :mod:`kernels.risk_free.sleeve`). Without a cash asset in the inputs the
        returned ``weights`` sum to ``1 - cash_weight`` and ``result.cash_weight`` names the sleeve.

    Raises
    ------
    InfeasibleError
        ``target_return`` above the highest attainable return, or ``target_risk`` below the lowest
        attainable volatility (the message gives the attainable range).

    Examples
    --------
    >>> r = efficient_portfolio([0.10, 0.05], [[0.04, 0.0], [0.0, 0.01]], target_return=0.08)
    >>> r.weights.round(4).tolist(), round(r.volatility, 6)
    ([0.6, 0.4], 0.126491)
    """
    given = [x is not None for x in (target_return, target_risk, risk_aversion)]
    if sum(given) != 1:
        raise InputError("target_return: give either target_return or target_risk or risk_aversion (exactly one of them).")
    g = as_scalar(gamma, "gamma", low=0.0)
    split, full_cov = _cash_options(cov, expected_returns, risk_free_asset, cash_weight, None)
    if split is not None:
        if full_cov is not None:
            res = efficient_portfolio(expected_returns, full_cov, target_return, target_risk, lower, upper,
                                      constraints=constraints, groups=groups, group_lower=group_lower,
                                      group_upper=group_upper, risk_aversion=risk_aversion, gamma=g)
            return _full_result(res, split, expected_returns)
        return _efficient_sleeve(split, expected_returns, cov, target_return, target_risk, risk_aversion, g,
                                 lower, upper, constraints, groups, group_lower, group_upper)
    mu = as_vector(expected_returns, "expected_returns")
    prob = _problem(cov, mu.size, lower, upper, constraints, groups, group_lower, group_upper)
    method = CRITICAL_LINE  # box bounds only: the certified box active set first (NOT_CERTIFIED_FALLBACK if not)
    if risk_aversion is not None:
        delta = as_scalar(risk_aversion, "risk_aversion", low=0.0, low_inclusive=False)
        reg = _regularised(prob, 2.0 * g / delta)
        if _box_only(reg):
            w = _utility_box(reg.cov, mu, 1.0 / delta, reg.lower, reg.upper, chol=reg.chol, conditioned=reg.conditioned)
            if w is not None:
                return _result(w, mu, prob.cov, 1.0 / delta, method=BOX_ACTIVE_SET)
            method = NOT_CERTIFIED_FALLBACK
        w, lam = _utility_point(mu, prob, delta, g, "efficient_portfolio")
        return _result(w, mu, prob.cov, lam, method=method)
    if target_return is not None or g == 0.0:
        # a target return (with L2: C + gamma I), or a target risk without L2: one point of one path
        kind, goal = ("return", target_return) if target_return is not None else ("variance", target_risk)
        goal = as_scalar(goal, "target_return" if kind == "return" else "target_risk", low=None if kind == "return" else 0.0)
        reg = _regularised(prob, g)
        if _box_only(reg):
            found = _path_point(reg.cov, mu, reg.lower, reg.upper, kind, goal if kind == "return" else goal * goal,
                                chol=reg.chol, conditioned=reg.conditioned)
            if found is not None:
                return _result(found[0], mu, prob.cov, found[1], method=BOX_ACTIVE_SET)
            method = NOT_CERTIFIED_FALLBACK
    if target_return is not None:
        tr = as_scalar(target_return, "target_return")
        path = _solve_path(mu, _regularised(prob, g), "efficient_portfolio")
        lo_r, hi_r = float(path.returns[0]), float(path.returns[-1])
        if tr > hi_r + TARGET_RTOL * max(1.0, abs(hi_r)):
            raise InfeasibleError(
                f"target_return: {tr:.6g} is above the highest attainable return {hi_r:.6g}; "
                f"choose a target from {lo_r:.6g} to {hi_r:.6g}."
            )
        W, lams = _points_at_returns(path, [min(tr, hi_r)])
        return _result(W[0], mu, prob.cov, float(lams[0]), method=method)
    cap = as_scalar(target_risk, "target_risk", low=0.0)
    if g > 0.0:
        if prob.rows is None:
            found = _l2_risk_point(prob.cov, mu, prob.lower, prob.upper, g, cap)
            if found is not None:
                return _result(found[0], mu, prob.cov, found[1], method=BOX_ACTIVE_SET)
            method = NOT_CERTIFIED_FALLBACK
        w, nu = _max_return_l2_at_volatility(mu, prob, cap, g, "efficient_portfolio")
        return _result(w, mu, prob.cov, 1.0 / (2.0 * nu) if nu > 0.0 else np.inf, method=method)
    path = _solve_path(mu, prob, "efficient_portfolio")
    point = _point_at_volatility(path, prob.cov, cap)
    if point is None:
        vols = np.sqrt(path.variances)
        raise InfeasibleError(
            f"target_risk: {cap:.6g} is below the lowest attainable volatility {vols[0]:.6g}; "
            f"choose a volatility from {vols[0]:.6g} to {vols[-1]:.6g}."
        )
    return _result(point[0], mu, prob.cov, point[1], method=method)


def _efficient_sleeve(split, expected_returns, cov, target_return, target_risk, risk_aversion, gamma,
                      lower, upper, constraints, groups, group_lower, group_upper) -> PortfolioResult:
    """:func:`efficient_portfolio` with the cash weight fixed: the risky sleeve's target, then cash put back.

    With cash at ``c`` and the sleeve at ``v``: return ``c rf + (1 - c) v'mu``, volatility
    ``(1 - c) sqrt(v'Cv)``, utility ``(1 - c) (v'mu - delta (1 - c)/2 v'Cv - gamma (1 - c) v'v)`` + constants.
    """
    c, rf = split.cash_weight, split.risk_free
    mu_r, C_r, lo, hi, rows = _risky_inputs(split, expected_returns, cov, lower, upper, constraints, groups,
                                            group_lower, group_upper)
    s = 1.0 - c
    kw = {"lower": lo, "upper": hi, "constraints": rows}
    try:
        if risk_aversion is not None:
            delta = as_scalar(risk_aversion, "risk_aversion", low=0.0, low_inclusive=False)
            res = efficient_portfolio(mu_r, C_r, risk_aversion=delta * s, gamma=gamma * s, **kw)
        elif target_return is not None:
            tr = as_scalar(target_return, "target_return")
            cash_part = c * (0.0 if np.isnan(rf) else rf)
            res = efficient_portfolio(mu_r, C_r, target_return=(tr - cash_part) / s, gamma=gamma, **kw)
        else:
            cap = as_scalar(target_risk, "target_risk", low=0.0)
            res = efficient_portfolio(mu_r, C_r, target_risk=cap / s, gamma=gamma * s, **kw)
    except InfeasibleError as err:
        name, value = ("target_return", target_return) if target_return is not None else ("target_risk", target_risk)
        if not str(err).startswith(name):
            raise
        raise InfeasibleError(
            f"{name}: {float(value):.4g} is out of reach with cash_weight {c:.4g} (the risky assets hold only "
            f"{s:.4g}); change the target or lower cash_weight."
        ) from None
    return _sleeve_result(res, split, mu_r)
