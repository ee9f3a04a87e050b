"""What a risk budgeting solve ends with: one status vocabulary and one table of messages.

Compiled code uses the codes as plain ints (the ``_OK``... constants below); :data:`STATUS_MESSAGES`
turns a code into what the user reads (templates with ``max_iter``, ``err`` and ``tol``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class RiskParityStatus(IntEnum):
    """How a risk budgeting solve ended."""

    HAND_OVER = -1  #: chord Newton gives up; the line-search Newton goes on from its best point (internal)
    OK = 0  #: the budget error is within ``tol``
    MAX_ITER = 1  #: ``max_iter`` reached first
    NOT_DESCENDING = 2  #: Newton cannot improve any more (rounding floor above tol, or cov not PSD)
    UNBOUNDED = 3  #: variance went to zero or negative: cov is singular along a long-only direction
    OK_ROUNDING = 4  #: error above tol but within the rounding error of C x (ill-conditioned cov): converged
    NO_BOUNDED_SOLUTION = 5  #: even lam -> 0 leaves sum(w) > 1: hedging assets pinned at their upper bounds
    NOT_PSD = 6  #: a Newton system was not positive definite and cov was not checked (check_psd=False)
    NOT_CERTIFIED = 7  #: the solver stopped, but the weights fail a condition ``converged`` names (the certificate)


STATUS_MESSAGES = {
    RiskParityStatus.OK: "converged",
    RiskParityStatus.MAX_ITER: "stopped after max_iter={max_iter} iterations with budget error {err:.2e} > "
    "tol={tol:.0e}; raise max_iter or tol",
    RiskParityStatus.NOT_DESCENDING: "stalled at budget error {err:.2e} > tol={tol:.0e} (rounding limit for this cov); "
    "raise tol",
    RiskParityStatus.OK_ROUNDING: "converged to the rounding limit of cov (budget error {err:.2e} > tol={tol:.0e})",
    RiskParityStatus.NO_BOUNDED_SOLUTION: "upper: even the least-risk weights in the bounds sum to over 1 (hedges "
    "held at upper bounds); lower those bounds",
    RiskParityStatus.NOT_PSD: "cov: not PSD, or singular along a long-only portfolio (seen while solving); rerun "
    "with check_psd=True",
    RiskParityStatus.UNBOUNDED: "cov: singular along a long-only portfolio (zero variance), so no risk budgeting "
    "portfolio exists",
    RiskParityStatus.NOT_CERTIFIED: "not converged: {failed}; raise max_iter",
}

# the codes as plain ints, for compiled code (an IntEnum member does not unify with an int there)
_HAND_OVER = int(RiskParityStatus.HAND_OVER)
_OK = int(RiskParityStatus.OK)
_MAX_ITER = int(RiskParityStatus.MAX_ITER)
_NOT_DESCENDING = int(RiskParityStatus.NOT_DESCENDING)
_UNBOUNDED = int(RiskParityStatus.UNBOUNDED)
_OK_ROUNDING = int(RiskParityStatus.OK_ROUNDING)
_NO_BOUNDED_SOLUTION = int(RiskParityStatus.NO_BOUNDED_SOLUTION)
_NOT_PSD = int(RiskParityStatus.NOT_PSD)


class Solve(NamedTuple):
    """How a compiled solve ended: a :class:`RiskParityStatus` code, iterations (coordinate sweeps plus
    Newton steps) and the budget error reached."""

    status: int
    n_iter: int
    error: float
