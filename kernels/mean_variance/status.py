"""The one status vocabulary of the mean-variance solvers, and its one table of messages.

Every compiled kernel of this package (the bounded simplex, the critical line, the face QP, the
box active set) returns a :class:`Status`; a code means the same thing in all of them. The
kernels never raise and build no strings: the public functions turn a status into an exception
with :func:`status_message`.
"""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """Outcome of a mean-variance kernel."""

    OK = 0
    """Solved: the answer meets the conditions the kernel checks."""
    INFEASIBLE = 1
    """No point meets the bounds and the linear rows together (phase 1 of the simplex)."""
    MAX_ITER = 2
    """The iteration limit was reached before the method closed (a degenerate problem)."""
    SINGULAR = 3
    """A linear system the method needs is singular: the covariance is singular along a
    direction that changes the return, or a KKT system is not positive definite."""
    ALL_AT_BOUNDS = 4
    """Every asset sits at a bound, which the box active set does not handle: the general
    path decides."""


_MESSAGES = {
    Status.OK: "{caller}: solved.",
    Status.INFEASIBLE: "constraints: no portfolio meets the bounds and linear/group limits together; "
    "relax a limit or a bound.",
    Status.MAX_ITER: "{caller}: the critical line algorithm did not close after {n_iter} steps "
    "(a degenerate problem); please report the inputs.",
    Status.SINGULAR: "cov: singular along a mix of assets with another return (too few observations?); "
    "shrink it (method='ledoit_wolf').",
    Status.ALL_AT_BOUNDS: "{caller}: every asset is at a bound; the general path decides.",
}


def status_message(status: Status | int, caller: str = "", n_iter: int = 0) -> str:
    """The one-line message for ``status`` (``caller`` names the public function, ``n_iter`` the limit).

    Examples
    --------
    >>> status_message(Status.ALL_AT_BOUNDS, "min_variance")
    'min_variance: every asset is at a bound; the general path decides.'
    """
    return _MESSAGES[Status(status)].format(caller=caller, n_iter=n_iter)
