"""Risk parity over the risky assets with a cash sleeve set by the user.

Cash has no risk, so it cannot take part in risk parity (its risk contribution is 0 whatever its
weight). Advisors run risk parity over the risky sleeves and hold the cash they choose:
:func:`risk_parity_with_cash` solves :func:`kernels.risk_parity` on the risky assets' covariance and
scales the weights to ``1 - cash_weight``. Risk contributions scale with the weights, so the relative
contributions (the budgets met) are those of the risky solve.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validate.covariance import as_square_array
from ..risk_budgeting import RiskParityResult, risk_parity
from .sleeve import (
    as_cash_index,
    as_cash_weight,
    embed,
    risky_bounds,
    risky_vector,
    split_cash,
)


class CashRiskParityResult(NamedTuple):
    """Risk parity over the risky assets plus a cash sleeve.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
        Final weights: the risky solve times ``1 - cash_weight``, and ``cash_weight`` at
        ``risk_free_asset`` when the inputs have one (else the weights sum to ``1 - cash_weight``).
    cash_weight : float
    volatility : float
        ``(1 - cash_weight) * risky.volatility``, in the units of ``cov``.
    risk_contributions : ndarray of shape (n_assets,)
        Absolute (Euler) contributions of the final weights, summing to ``volatility`` (0 for cash).
    relative_contributions : ndarray of shape (n_assets,)
        ``risk_contributions / volatility`` (0 for cash).
    converged : bool
        ``risky.converged``.
    status : str
        ``risky.status``.
    risky : RiskParityResult
        The solve over the risky assets alone (weights summing to 1, its certificate and status).
    """

    weights: NDArray[np.float64]
    cash_weight: float
    volatility: float
    risk_contributions: NDArray[np.float64]
    relative_contributions: NDArray[np.float64]
    converged: bool
    status: str
    risky: RiskParityResult


def risk_parity_with_cash(
    cov: ArrayLike,
    budgets: ArrayLike | None = None,
    *,
    cash_weight: float = 0.0,
    risk_free_asset: int | None = None,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    **options,
) -> CashRiskParityResult:
    """Risk parity (or risk budgeting) over the risky assets with ``cash_weight`` in cash.

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
        Covariance of returns; the row and column of ``risk_free_asset`` are ignored.
    budgets : array_like of shape (n_assets,), optional
        Risk budgets as in :func:`kernels.risk_parity` (the cash asset's entry is ignored).
    cash_weight : float, default 0
        Weight held in cash, ``0 <= cash_weight < 1``.
    risk_free_asset : int, optional
        0-based position of the cash asset in ``cov`` (it gets ``cash_weight``).
    lower, upper : float or array_like of shape (n_assets,), optional
        Bounds on the final weights (the cash asset's entries are ignored); the risky solve gets
        ``bound / (1 - cash_weight)``, so the final weights meet them exactly.
    **options
        ``tol``, ``max_iter``, ``check_psd`` of :func:`kernels.risk_parity`.

    Returns
    -------
    CashRiskParityResult

    Examples
    --------
    >>> r = risk_parity_with_cash([[0.04, 0.0, 0.0], [0.0, 0.01, 0.0], [0.0, 0.0, 0.0]],
    ...                           cash_weight=0.2, risk_free_asset=2)
    >>> r.weights.round(4).tolist(), r.relative_contributions.round(4).tolist()
    ([0.2667, 0.5333, 0.2], [0.5, 0.5, 0.0])
    """
    n = as_square_array(cov, "cov").shape[0]
    split = split_cash(n, as_cash_index(risk_free_asset, n), as_cash_weight(cash_weight), float("nan"))
    C = as_square_array(cov, "cov")
    C_r = np.ascontiguousarray(C[np.ix_(split.risky, split.risky)])
    lo, hi = risky_bounds(lower, upper, split)
    if hi is not None:
        hi = np.minimum(hi, 1.0)  # a sleeve fraction above 1 is no limit
    risky = risk_parity(C_r, risky_vector(budgets, split, "budgets"), lower=lo, upper=hi, **options)
    w = embed(risky.weights, split)
    s = 1.0 - split.cash_weight
    rc = np.zeros(n)
    rc[split.risky] = s * risky.risk_contributions
    rel = np.zeros(n)
    rel[split.risky] = risky.relative_contributions
    return CashRiskParityResult(w, split.cash_weight, s * risky.volatility, rc, rel, risky.converged, risky.status,
                                risky)
