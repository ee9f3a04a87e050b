"""Weight bounds of a long-only, fully invested portfolio.

A lower limit above its upper limit is :func:`.arrays.check_ordered`'s rule; the bounds must also
leave room for weights summing to 1 (:func:`check_fully_investable`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InfeasibleError, InputError
from .arrays import as_bounds, check_ordered

#: Slack on ``sum(lower) <= 1 <= sum(upper)`` (bounds typed with a few decimals).
INVESTABLE_ATOL = 1e-12


def check_fully_investable(lower: NDArray[np.float64], upper: NDArray[np.float64]) -> None:
    """Raise :class:`InfeasibleError` unless ``sum(lower) <= 1 <= sum(upper)``."""
    if lower.sum() > 1.0 + INVESTABLE_ATOL:
        raise InfeasibleError(
            f"lower: bounds sum to {lower.sum():.6g} > 1, so no fully invested portfolio fits; lower them."
        )
    if upper.sum() < 1.0 - INVESTABLE_ATOL:
        raise InfeasibleError(
            f"upper: bounds sum to {upper.sum():.6g} < 1, so no fully invested portfolio fits; raise them."
        )


def as_long_only_bounds(lower: ArrayLike | None, upper: ArrayLike | None,
                        n_assets: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bounds ``0 <= lower <= upper``, ``upper > 0``, ``sum(lower) <= 1 <= sum(upper)``, broadcast to (n_assets,).

    ``None`` stands for 0 (lower) and 1 (upper). ``upper > 0`` because every asset gets a positive
    weight (risk budgeting).

    Raises
    ------
    InputError
        A negative lower bound, an upper bound <= 0, or a lower bound above its upper bound.
    InfeasibleError
        No weights summing to 1 fit in the bounds.
    """
    lo = np.zeros(n_assets) if lower is None else as_bounds(lower, n_assets, "lower")
    hi = np.ones(n_assets) if upper is None else as_bounds(upper, n_assets, "upper")
    if np.any(lo < 0.0):
        i = int(np.flatnonzero(lo < 0.0)[0])
        raise InputError(f"lower: must be >= 0 (long-only), got {lo[i]:g} for asset {i + 1}.")
    if np.any(hi <= 0.0):
        i = int(np.flatnonzero(hi <= 0.0)[0])
        raise InputError(f"upper: must be > 0 (every asset gets a positive weight), got {hi[i]:g} for asset {i + 1}.")
    check_ordered(lo, hi)
    check_fully_investable(lo, hi)
    return lo, hi
