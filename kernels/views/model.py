"""Black-Litterman: blend the market's implied returns with an advisor's views.

The prior is the return the market implies (``pi = delta C w_mkt + r_f``, reverse optimisation)
or any return vector the user gives. Each view says a portfolio of assets (a row of ``P``) will
return ``Q``: an absolute view has one weight of 1, a relative view weights that sum to 0
("Germany beats France and the UK by 5%"). How far the posterior moves toward a view depends on
its variance ``omega_k`` against the prior's uncertainty ``tau C``:

=================  ==================================================================================
``proportional``   He & Litterman (1999): ``omega_k = tau p_k C p_k'``, the variance of the view
                   portfolio scaled like the prior's (the default without confidences)
``idzorek``        Idzorek (2005): a confidence ``c_k`` in [0, 1] per view moves the unconstrained
                   optimal weights ``c_k`` of the way from the market to where the view held with
                   certainty would put them: ``omega_k = (1 - c_k) / c_k * tau p_k C p_k'``
                   (exact for each view alone, Walters 2014); 0 ignores the view, 1 imposes it
given ``omega``    a variance per view (the diagonal) or a full ``k x k`` matrix
=================  ==================================================================================

The posterior ``returns`` and ``cov`` are plain arrays for every optimiser
(``efficient_portfolio(result.returns, result.cov, ...)``).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import scipy  # scipy.linalg loads on first use (`import kernels` stays fast)
from numpy.typing import ArrayLike, NDArray

from .._validate import (
    as_covariance,
    as_factored_covariance,
    as_scalar,
    as_vector,
    check_choice,
)
from ..errors import InputError
from .checks import as_confidences, as_market_weights, as_omega, as_views
from .posterior import STATUS_OK, _posterior


class OmegaMethod(StrEnum):
    """How the view variances Omega are set (the words of the workbook's drop-down)."""

    PROPORTIONAL = "proportional"
    IDZOREK = "idzorek"


#: Omega methods by name (a given Omega is passed as numbers instead).
OMEGA_METHODS = tuple(m.value for m in OmegaMethod)
#: He & Litterman (1999) and PyPortfolioOpt's default weight on the prior's uncertainty.
DEFAULT_TAU = 0.05


class BlackLittermanResult(NamedTuple):
    """Posterior returns and covariance, and what produced them.

    Attributes
    ----------
    returns : ndarray of shape (n_assets,)
        Posterior expected returns, annual decimal fractions (the prior's units).
    cov : ndarray of shape (n_assets, n_assets)
        Posterior covariance of returns, ``C + M`` with ``M`` the posterior covariance of the mean.
    implied_returns : ndarray of shape (n_assets,)
        The prior ``pi`` (market-implied, or ``prior_returns`` as given).
    weights : ndarray of shape (n_assets,)
        Unconstrained optimal weights for the posterior, ``(delta C)^-1 (returns - r_f)``: the
        market weights when there are no views (Idzorek 2005, eq. 13); NaN when no risk aversion
        is known or ``cov`` is singular with a given prior.
    omega : ndarray of shape (n_views, n_views)
        The view variances used (``inf`` on the diagonal for a view with confidence 0).
    P : ndarray of shape (n_views, n_assets)
        The views' portfolios, relative views first, then absolute views in asset order.
    Q : ndarray of shape (n_views,)
        The views' expected returns.
    implied_view_returns : ndarray of shape (n_views,)
        ``P pi``: what the prior says each view portfolio returns.
    posterior_view_returns : ndarray of shape (n_views,)
        ``P returns``: where the blend lands, between ``P pi`` and ``Q``.
    risk_aversion : float
        ``delta`` used (NaN when none was given or needed).
    tau : float
    omega_method : str
        ``"proportional"``, ``"idzorek"`` or ``"given"``.
    """

    returns: NDArray[np.float64]
    cov: NDArray[np.float64]
    implied_returns: NDArray[np.float64]
    weights: NDArray[np.float64]
    omega: NDArray[np.float64]
    P: NDArray[np.float64]
    Q: NDArray[np.float64]
    implied_view_returns: NDArray[np.float64]
    posterior_view_returns: NDArray[np.float64]
    risk_aversion: float
    tau: float
    omega_method: str


def _risk_aversion(risk_aversion, market_sharpe, w_mkt, C) -> float:
    if risk_aversion is not None and market_sharpe is not None:
        raise InputError("market_sharpe: give risk_aversion or market_sharpe, not both.")
    if risk_aversion is not None:
        return as_scalar(risk_aversion, "risk_aversion", low=0.0, low_inclusive=False)
    if market_sharpe is not None:
        if w_mkt is None:
            raise InputError("market_sharpe: needs market_weights (the market's volatility); give risk_aversion instead.")
        sharpe = as_scalar(market_sharpe, "market_sharpe", low=0.0, low_inclusive=False)
        vol = float(np.sqrt(max(w_mkt @ C @ w_mkt, 0.0)))
        if not vol > 0:
            raise InputError("market_sharpe: the market portfolio has zero volatility in cov; give risk_aversion.")
        return sharpe / vol  # delta = (E[r_m] - r_f) / var_m = SR / vol
    if w_mkt is not None:
        raise InputError("risk_aversion: missing; give the market's risk aversion (2.5 is common) or market_sharpe.")
    return float("nan")


def black_litterman(
    cov: ArrayLike,
    *,
    market_weights: ArrayLike | None = None,
    risk_aversion: float | None = None,
    market_sharpe: float | None = None,
    prior_returns: ArrayLike | None = None,
    P: ArrayLike | None = None,
    Q: ArrayLike | None = None,
    absolute_views: ArrayLike | None = None,
    omega: str | ArrayLike | None = None,
    confidences: ArrayLike | None = None,
    tau: float = DEFAULT_TAU,
    risk_free_rate: float = 0.0,
    check_psd: bool = True,
) -> BlackLittermanResult:
    """Posterior expected returns and covariance from a prior and views (Black & Litterman 1992).

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
        Annualised covariance of returns ``C`` (symmetric PSD).
    market_weights : array_like of shape (n_assets,), optional
        Market capitalisations or weights (>= 0, scaled to sum to 1): the prior is
        ``pi = delta C w_mkt + risk_free_rate``. Give this or ``prior_returns``.
    risk_aversion : float, optional
        ``delta > 0``. With ``market_weights`` give it or ``market_sharpe``.
    market_sharpe : float, optional
        The market's Sharpe ratio; then ``delta = market_sharpe / sqrt(w_mkt' C w_mkt)``.
    prior_returns : array_like of shape (n_assets,), optional
        A prior of your own (annual, decimal) instead of the market's.
    P : array_like of shape (n_views, n_assets), optional
        One row per view: the weights of the view portfolio (a row of one 1 is an absolute view;
        weights summing to 0 a relative one).
    Q : array_like of shape (n_views,), optional
        Expected return of each view portfolio (annual, decimal).
    absolute_views : array_like of shape (n_assets,), optional
        An expected return per asset, NaN (a blank cell) for no view; appended after ``P``'s views.
    omega : {"proportional", "idzorek"} or array_like, optional
        Default ``"proportional"``, or ``"idzorek"`` when ``confidences`` are given; numbers give
        Omega itself: ``n_views`` variances or an ``n_views x n_views`` PSD matrix.
    confidences : array_like of shape (n_views,), optional
        Idzorek confidences in [0, 1] (0.5 = 50%), in the order of the views.
    tau : float, default 0.05
        Uncertainty of the prior mean relative to ``C``, in (0, 1].
    risk_free_rate : float, default 0
        Annual, decimal: added to the market-implied prior; subtracted before computing ``weights``.
    check_psd : bool, default True
        Verify that ``cov`` is positive semi-definite with a Cholesky factorisation (``n_assets^3 / 3``
        operations: from about 100 assets more than the posterior itself, which is ``O(n_assets^2 n_views)``).
        Pass False only for a matrix already checked or PSD by construction (a sample or shrunk covariance,
        the ``cov`` of an earlier result): a matrix that is not PSD then gives a posterior without meaning
        instead of an error. Entries, shape, symmetry and variances >= 0 are checked in any case.

    Returns
    -------
    BlackLittermanResult

    Raises
    ------
    InputError
        Blank or non-numeric entries, wrong shapes, ``P``/``Q`` mismatch, a non-PSD ``cov`` or
        ``omega``, confidences outside [0, 1], ``tau`` outside (0, 1], views that repeat each
        other with certainty.

    Examples
    --------
    >>> cov = [[0.04, 0.006], [0.006, 0.01]]
    >>> r = black_litterman(cov, market_weights=[0.6, 0.4], risk_aversion=2.5, P=[[1, -1]], Q=[0.05])
    >>> r.implied_returns.round(4).tolist(), r.returns.round(4).tolist()
    ([0.066, 0.019], [0.0673, 0.0188])
    """
    if prior_returns is None:  # no solve with C: the PSD verdict may come from the memo (as_covariance)
        C, chol = as_covariance(cov, "cov", check_psd_=bool(check_psd)), None
    else:
        C, chol = as_factored_covariance(cov, "cov", check_psd_=bool(check_psd))
    n = C.shape[0]
    if (market_weights is None) == (prior_returns is None):
        raise InputError("market_weights: give market_weights (market-implied prior) or prior_returns, one of them.")
    t = as_scalar(tau, "tau", low=0.0, high=1.0, low_inclusive=False)
    rf = as_scalar(risk_free_rate, "risk_free_rate")
    w_mkt = None if market_weights is None else as_market_weights(market_weights, n)
    delta = _risk_aversion(risk_aversion, market_sharpe, w_mkt, C)
    pi = delta * (C @ w_mkt) + rf if w_mkt is not None else as_vector(prior_returns, "prior_returns", size=n)
    views = as_views(P, Q, absolute_views, n)
    k = views.Q.size
    scale = np.ones(k)
    given = np.zeros((k, k))
    if confidences is not None and omega is not None and not isinstance(omega, str):
        raise InputError("confidences: work with omega='idzorek' only; remove the given omega or the confidences.")
    if omega is None or isinstance(omega, str):
        method = check_choice(omega or ("idzorek" if confidences is not None else "proportional"), "omega",
                              OMEGA_METHODS)
        if method == OmegaMethod.IDZOREK:
            if confidences is None:
                raise InputError("confidences: missing; omega='idzorek' needs one confidence in [0, 1] per view.")
            c = as_confidences(confidences, k)
            with np.errstate(divide="ignore"):
                scale = (1.0 - c) / c  # inf for confidence 0: the view is dropped below
        elif confidences is not None:
            raise InputError("confidences: work with omega='idzorek' only; set omega='idzorek' or remove them.")
    else:
        method = "given"
        given = as_omega(omega, k)
        scale = np.zeros(k)
    everything = method != OmegaMethod.IDZOREK or bool(np.isfinite(scale).all())  # confidence 0: inf
    if everything:
        Pk, Qk = views.P, views.Q
    else:
        keep = np.flatnonzero(np.isfinite(scale))
        Pk, Qk = np.ascontiguousarray(views.P[keep]), views.Q[keep]
        given, scale = np.ascontiguousarray(given[np.ix_(keep, keep)]), scale[keep]
    post = _posterior(C, pi, Pk, Qk, given, scale, t)
    if post.status != STATUS_OK:
        raise InputError("P: the views repeat each other (a view is a combination of others) and Omega gives them "
                         "no uncertainty; remove the repeated view or raise its omega.")
    if everything:
        omega_used, implied_view, posterior_view = post.omega, post.implied_view_returns, post.posterior_view_returns
    else:
        omega_used = np.diag(np.full(k, np.inf))
        omega_used[np.ix_(keep, keep)] = post.omega
        implied_view, posterior_view = views.P @ pi, views.P @ post.returns
    weights = None
    if math.isfinite(delta):
        tilt = (t / delta) * (post.view_shift @ Pk)  # C^-1 (returns - pi) / delta = tau P' A^-1 (Q - P pi) / delta
        if w_mkt is not None:
            weights = w_mkt + tilt  # C^-1 (pi - r_f) / delta = w_mkt
        else:
            if chol is None and not check_psd:  # the factor the check would have left (None: C is singular)
                chol, info = scipy.linalg.lapack.dpotrf(C, lower=1, clean=1)
                chol = chol if info == 0 else None
            if chol is not None:
                weights = scipy.linalg.cho_solve((chol, True), pi - rf) / delta + tilt
    if weights is None:
        weights = np.full(n, np.nan)
    return BlackLittermanResult(
        returns=post.returns,
        cov=post.cov,
        implied_returns=pi,
        weights=weights,
        omega=omega_used,
        P=views.P,
        Q=views.Q,
        implied_view_returns=implied_view,
        posterior_view_returns=posterior_view,
        risk_aversion=float(delta),
        tau=t,
        omega_method=str(method),
    )
