"""The cash (risk-free) sleeve: split it out of the inputs, solve over the risky assets, put it back.

Two options, the same in every optimiser that takes them:

* ``risk_free_asset=k``: asset ``k`` of ``expected_returns`` / ``cov`` (0-based position) is cash, the
  risk-free asset. Its expected return is the risk-free rate; its row and column of ``cov`` are
  ignored (cash is riskless: variance 0, no covariance).
* ``cash_weight=c`` (``0 <= c < 1``): the weight in cash is fixed at ``c`` and the risky assets share
  ``1 - c``. Every limit (``lower``, ``upper``, linear and group rows) still applies to the final
  weights, so the risky problem is solved exactly with the limits rescaled: ``lower / (1 - c)``,
  ``upper / (1 - c)``, and for a row ``lo <= a' w <= hi`` the limits ``(lo - a_cash c) / (1 - c)``.
  Variance, the Sharpe ratio and L2 are all unchanged in their minimiser by that scaling, so the
  answer is the optimum with cash held at ``c``, not an approximation.

This module knows nothing of the optimisers (they import it), so the risk parity wrapper can use it too.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._validate import as_bounds, as_scalar, as_vector
from .._validate.covariance import as_square_array
from ..errors import InputError


class CashSplit(NamedTuple):
    """The risky problem cut out of the inputs, and how to put the cash sleeve back.

    Attributes
    ----------
    n_assets : int
        Assets as given (the cash asset included when ``cash_index >= 0``).
    risky : ndarray of shape (n_risky,), int
        Positions of the risky assets in the inputs.
    cash_index : int
        Position of the cash asset, -1 when the inputs have none.
    cash_weight : float
        The fixed weight of cash (0 when only the cash asset is taken out).
    risk_free : float
        The risk-free rate: the cash asset's expected return, else ``risk_free`` as given.
    """

    n_assets: int
    risky: NDArray[np.intp]
    cash_index: int
    cash_weight: float
    risk_free: float


def as_cash_index(risk_free_asset, n_assets: int) -> int:
    """The 0-based position of the cash asset (-1 for None), checked against ``n_assets``."""
    if risk_free_asset is None:
        return -1
    if isinstance(risk_free_asset, (bool, np.bool_)):
        raise InputError("risk_free_asset: expected the position of the cash asset (0 = first), got a True/False.")
    k = as_scalar(risk_free_asset, "risk_free_asset", low=0, high=n_assets - 1, integer=True)
    if n_assets < 2:
        raise InputError("risk_free_asset: there is only one asset; give at least one risky asset besides cash.")
    return int(k)


def as_cash_weight(cash_weight) -> float:
    """``cash_weight`` as a float in [0, 1)."""
    return as_scalar(cash_weight, "cash_weight", low=0.0, high=1.0, high_inclusive=False)


def riskless_cov(cov, cash_index: int):
    """``cov`` with the cash asset's row and column set to 0 (cash is riskless); shape checked only."""
    C = np.array(as_square_array(cov, "cov"), dtype=np.float64)
    if cash_index >= C.shape[0]:
        raise InputError(f"risk_free_asset: position {cash_index} is outside the {C.shape[0]} assets of cov.")
    C[cash_index, :] = 0.0
    C[:, cash_index] = 0.0
    return C


def split_cash(n_assets: int, cash_index: int, cash_weight: float, risk_free: float) -> CashSplit:
    """The split for ``n_assets`` inputs with cash at ``cash_index`` (-1: none) held at ``cash_weight``."""
    risky = np.arange(n_assets) if cash_index < 0 else np.delete(np.arange(n_assets), cash_index)
    return CashSplit(n_assets, risky, cash_index, cash_weight, risk_free)


def risky_cov(cov, split: CashSplit):
    """The risky assets' covariance (rows and columns of ``split.risky``); shape checked, entries not yet."""
    C = as_square_array(cov, "cov", size=split.n_assets)
    k = split.cash_index
    if k < 0:
        return np.array(C, dtype=np.float64, order="C")
    # four block copies: a fancy-indexed copy of the risky block is 7x slower at 500 assets
    out = np.empty((C.shape[0] - 1, C.shape[0] - 1))
    out[:k, :k], out[:k, k:] = C[:k, :k], C[:k, k + 1:]
    out[k:, :k], out[k:, k:] = C[k + 1:, :k], C[k + 1:, k + 1:]
    return out


def risky_vector(x, split: CashSplit, name: str):
    """A per-asset vector restricted to the risky assets (None stays None)."""
    if x is None:
        return None
    return as_vector(x, name, size=split.n_assets)[split.risky]


def risky_bounds(lower, upper, split: CashSplit):
    """Per-asset bounds of the risky assets as fractions of the risky sleeve (``bound / (1 - c)``).

    ``None`` stays ``None`` (the optimiser's own default applies to the sleeve).
    """
    scale = 1.0 - split.cash_weight
    out = []
    for b, name in ((lower, "lower"), (upper, "upper")):
        out.append(None if b is None else as_bounds(b, split.n_assets, name)[split.risky] / scale)
    return out[0], out[1]


def risky_rows(rows, split: CashSplit):
    """Linear rows ``lo <= A w <= hi`` on the final weights as rows on the risky sleeve's fractions.

    ``rows`` is a :class:`~kernels.mean_variance.constraints.LinearConstraints` already validated
    for ``split.n_assets`` columns (or None); the result has the same type.
    """
    if rows is None:
        return None
    A = np.asarray(rows.A, dtype=np.float64)
    scale = 1.0 - split.cash_weight
    fixed = A[:, split.cash_index] * split.cash_weight if split.cash_index >= 0 else 0.0
    with np.errstate(invalid="ignore"):  # inf limits stay inf
        lo = (np.asarray(rows.lower, dtype=np.float64) - fixed) / scale
        hi = (np.asarray(rows.upper, dtype=np.float64) - fixed) / scale
    return type(rows)(np.ascontiguousarray(A[:, split.risky]), lo, hi)


def embed(w_risky, split: CashSplit):
    """Final weights of shape (n_assets,): the risky sleeve's fractions times ``1 - c``, cash at ``c``.

    Without a cash asset in the inputs the weights sum to ``1 - c`` and the cash sleeve is only named
    by the result's ``cash_weight``.
    """
    w = np.zeros(split.n_assets)
    w[split.risky] = (1.0 - split.cash_weight) * np.asarray(w_risky, dtype=np.float64)
    if split.cash_index >= 0:
        w[split.cash_index] = split.cash_weight
    return w

