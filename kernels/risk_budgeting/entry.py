"""The compiled entry point of risk budgeting: checks and solve in one call (the common case's only one)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import jit
from .._validate.covariance import CovarianceProblem
from .._validate.covariance_pass import check_entries
from .bounds import KernelResult, _risk_parity_kernel
from .linalg import _is_positive_definite
from .status import _OK

_FINE = int(CovarianceProblem.FINE)
_NOT_POSITIVE_DEFINITE = int(CovarianceProblem.NOT_POSITIVE_DEFINITE)


class EntryResult(NamedTuple):
    """What :func:`_risk_parity_entry` returns beside the arrays it fills."""

    problem: int
    """A :class:`kernels._validate.CovarianceProblem` code: nothing was solved unless it is ``FINE``."""
    i: int
    """Row (0-based) of the problem."""
    j: int
    """Column (0-based) of the problem."""
    solve: KernelResult
    """How the solve ended (``status`` OK and nothing else meaningful when nothing was solved)."""


@jit
def _risk_parity_entry(C, b, lo, hi, boxed, tol, max_iter, validate, check_pd, out, bind):
    """Validation (:func:`kernels._validate.check_entries` with ``validate``, the compiled
    positive-definiteness test with ``check_pd``) and solve in one compiled call: an :class:`EntryResult`.

    ``out`` (4 x n_assets) receives weights, absolute and relative contributions and the budgets
    used (equal when ``b`` is empty). ``problem`` is the entry check's, or ``NOT_POSITIVE_DEFINITE``
    when a small ``cov`` failed the compiled Cholesky test (the caller decides between PSD-singular
    and indefinite).
    """
    n = C.shape[0]
    if validate:
        # (``validate``, True here, not the literal: a literal argument would compile a second
        # specialisation of check_entries beside the one the public function calls from Python)
        problem, i, j = check_entries(C, validate)
        if problem == _FINE and check_pd and not _is_positive_definite(C):
            problem = _NOT_POSITIVE_DEFINITE
        if problem != _FINE:
            return EntryResult(problem, i, j, KernelResult(_OK, 0, np.nan, np.inf, 0))
    budgets = out[3]
    if b.shape[0] == 0:
        budgets[:] = 1.0 / n
    else:
        for i in range(n):
            budgets[i] = b[i]
    if not boxed:
        lo = hi = budgets  # not read
    solved = _risk_parity_kernel(C, budgets, lo, hi, boxed, tol, max_iter, out[0], out[2], bind)
    vol = np.sqrt(solved.variance)
    for i in range(n):
        out[1, i] = out[2, i] * vol
    return EntryResult(_FINE, 0, 0, solved)
