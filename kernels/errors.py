"""The exceptions every public function raises.

All derive from :class:`PortfolioError`, so one ``except PortfolioError`` catches
every problem a user can fix; the Excel layer turns them into one-line cell messages.
"""

from __future__ import annotations


class PortfolioError(Exception):
    """Base class: a problem with the inputs or the problem posed, described for the user."""


class InputError(PortfolioError, ValueError):
    """An input has the wrong shape, type, sign or value (blank, text, NaN, not PSD, ...)."""


class InfeasibleError(PortfolioError, ValueError):
    """The constraints admit no portfolio (bounds, group limits, targets out of reach)."""


class ConvergenceError(PortfolioError, RuntimeError):
    """An iterative method did not converge (only raised where no partial result makes sense)."""
