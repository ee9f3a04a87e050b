"""The public functions of risk budgeting: :func:`risk_parity` and :func:`inverse_volatility`.

They convert and check the inputs (:mod:`kernels._validate`), call the compiled entry point once
(:func:`.entry._risk_parity_entry`, twice when ``cov`` needs averaging or a PSD decision) and turn its
status into a :class:`RiskParityResult`. The method is described in :mod:`kernels.risk_budgeting`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._jit import kernel_errstate
from .._validate import (
    CovarianceProblem,
    as_long_only_bounds,
    as_scalar,
    check_entries,
    check_psd,
    covariance_error,
)
from .._validate.covariance import as_square_array
from .._validate.fractions import as_budgets
from .barrier import _rounding_floor
from .entry import _risk_parity_entry
from .linalg import _is_positive_definite
from .status import STATUS_MESSAGES, RiskParityStatus

#: Default stopping tolerance: largest relative error of a risk contribution against its budget.
DEFAULT_TOL = 1e-12
#: Default budget of iterations (coordinate sweeps plus Newton steps, per root-search step with bounds).
DEFAULT_MAX_ITER = 1000
#: Up to this many assets the PSD test runs in compiled code (LAPACK's call overhead dominates there).
_SMALL = 64
#: ``budgets`` for equal budgets (the compiled entry fills in 1 / n_assets).
_EQUAL_BUDGETS = np.empty(0)
#: The certificate's slack on a weight bound (weights are fractions of 1; the solver's bound search
#: leaves ``|sum(w) - 1|`` near 1e-14 and rescales only the free weights, each by a factor within 1e-13).
BOUND_ATOL = 1e-12


class RiskParityResult(NamedTuple):
    """A risk budgeting portfolio and how well it meets its budgets.

    Attributes
    ----------
    weights : ndarray of shape (n_assets,)
        Portfolio weights, positive, summing to 1.
    risk_contributions : ndarray of shape (n_assets,)
        Absolute (Euler) contributions ``w_i (C w)_i / volatility``; they sum to ``volatility``.
    relative_contributions : ndarray of shape (n_assets,)
        ``risk_contributions / volatility``; they sum to 1 and equal ``budgets`` when no bound binds.
    volatility : float
        Portfolio volatility ``sqrt(w' C w)`` in the units of ``cov``.
    n_iter : int
        Coordinate-descent sweeps plus Newton steps, over all steps of the bound search.
    converged : bool
        True only when the returned weights pass the certificate checked on them after the solve
        (not the solver's exit): every weight finite, ``|sum(w) - 1|`` within the rounding of a sum of
        ``n_assets`` weights, every bound held (to :data:`BOUND_ATOL`), and the budget error within ``tol``
        (within ``tol`` plus four times the worst-case rounding of ``C w`` when an ill-conditioned
        ``cov`` limits it, which ``status`` then says): for assets strictly inside their bounds
        ``|rc_i / (k b_i) - 1|``, for an asset at its lower bound ``rc_i >= k b_i``, at its upper bound
        ``rc_i <= k b_i`` (the optimality conditions of the bounded problem).
    max_error : float
        Largest relative budget error ``max_i |rc_i / (k b_i) - 1|`` over the assets strictly inside
        their bounds, where ``k`` is their common share (``k = 1`` when no bound binds, so this is
        ``max_i |relative_contributions_i - budgets_i| / budgets_i``).
    binding : ndarray of shape (n_assets,), int
        ``-1`` where the lower bound binds, ``+1`` where the upper bound binds, ``0`` elsewhere.
    budgets : ndarray of shape (n_assets,)
        The budgets used (normalised to sum to 1).
    status : str
        ``"converged"``, or what went wrong and the fix; notes when budgets were normalised or bounds bind.
    """

    weights: NDArray[np.float64]
    risk_contributions: NDArray[np.float64]
    relative_contributions: NDArray[np.float64]
    volatility: float
    n_iter: int
    converged: bool
    max_error: float
    binding: NDArray[np.int64]
    budgets: NDArray[np.float64]
    status: str


def _as_risk_covariance(cov: ArrayLike) -> NDArray[np.float64]:
    """``cov`` as a square, C-contiguous float64 array (entries are checked by :func:`check_entries`)."""
    return np.ascontiguousarray(as_square_array(cov, "cov"))


def _validated(C: NDArray[np.float64], problem: int, i: int, j: int, check: bool) -> NDArray[np.float64]:
    """Act on an entry check: raise its message, average a slightly asymmetric ``cov``, then settle
    positive definiteness when asked (``check``) or when the compiled test already failed
    (``NOT_POSITIVE_DEFINITE``): compiled Cholesky up to ``_SMALL`` assets, else :func:`check_psd`
    (LAPACK, eigenvalues if singular), which raises unless ``cov`` is PSD. Returns ``cov`` to solve."""
    not_pd = problem == CovarianceProblem.NOT_POSITIVE_DEFINITE
    if problem > 0 and not not_pd:
        raise covariance_error(problem, C, "cov", i, j)
    if problem == CovarianceProblem.NEARLY_SYMMETRIC:
        C = 0.5 * (C + C.T)  # asymmetry within SYMMETRY_RTOL: average, as as_square_matrix does
    if not_pd or (check and not (C.shape[0] <= _SMALL and _is_positive_definite(C))):
        check_psd(C, "cov", what="covariance")
    return C



def risk_parity(
    cov: ArrayLike,
    budgets: ArrayLike | None = None,
    *,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    check_psd: bool = True,
) -> RiskParityResult:
    """Risk parity (equal risk contribution) or risk budgeting portfolio, optionally with bounds.

    Long-only and fully invested: the weights are positive and sum to 1, and each asset's share of
    the portfolio risk ``w_i (C w)_i / (w' C w)`` equals its budget. The problem solved, the method
    and the meaning of bounds are described in the module docstring (:mod:`kernels.risk_budgeting`).

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)
        Covariance matrix of returns: symmetric, positive semi-definite, every variance > 0.
    budgets : array_like of shape (n_assets,), optional
        Risk budgets, each > 0. Default: equal (risk parity). Budgets not summing to 1 are divided
        by their sum (so ``[1, 1, 2]`` means 25%, 25%, 50%) and ``status`` says so.
    lower, upper : float or array_like of shape (n_assets,), optional
        Weight bounds, ``0 <= lower <= upper``, ``sum(lower) <= 1 <= sum(upper)``. When a bound binds
        the budgets cannot all be met: assets inside their bounds keep contributions in the ratio of
        their budgets, and ``binding`` says which bounds hold (see the module docstring).
    tol : float, default 1e-12
        Stop when the largest relative budget error is at most ``tol`` (between 1e-15 and 1e-2).
    max_iter : int, default 1000
        Most coordinate sweeps plus Newton steps (per step of the bound search when bounds bind).
    check_psd : bool, default True
        Verify that ``cov`` is positive semi-definite with a Cholesky factorisation. It costs
        ``n_assets^3 / 3`` operations, more than the solve itself from about 200 assets; pass
        False for a matrix PSD by construction (a sample or shrunk covariance). Entries, symmetry,
        variances and every pairwise correlation are checked in any case.

    Returns
    -------
    RiskParityResult
        Weights, absolute and relative risk contributions, volatility, iterations, ``converged``,
        ``max_error``, ``binding``, the budgets used and a status message. Non-convergence is
        reported there (``converged=False``), not raised.

    Raises
    ------
    InputError
        Bad ``cov`` (not square, missing values, not symmetric, a variance <= 0, not PSD), a budget
        <= 0 or missing, sizes that differ, bad ``tol``/``max_iter``, negative ``lower``, ``lower > upper``
        for an asset.
    InfeasibleError
        ``sum(lower) > 1`` or ``sum(upper) < 1``.

    Examples
    --------
    >>> cov = [[0.04, 0.006], [0.006, 0.01]]
    >>> res = risk_parity(cov)
    >>> res.weights.round(6).tolist(), res.relative_contributions.round(12).tolist(), res.converged
    ([0.333333, 0.666667], [0.5, 0.5], True)
    >>> risk_parity(cov, [0.8, 0.2]).weights.round(4).tolist()
    [0.5556, 0.4444]
    >>> res = risk_parity(cov, upper=[0.25, 1.0])
    >>> res.weights.round(12).tolist(), res.binding.tolist()
    ([0.25, 0.75], [1, 0])
    """
    C = _as_risk_covariance(cov)
    n = C.shape[0]
    if budgets is None:
        b, note = _EQUAL_BUDGETS, ""
    else:
        b, note = as_budgets(budgets, n)
    if not (type(tol) is float and 1e-15 <= tol <= 1e-2):  # fast path for the common call
        tol = as_scalar(tol, "tol", low=1e-15, high=1e-2)
    if not (type(max_iter) is int and max_iter >= 1):
        max_iter = int(as_scalar(max_iter, "max_iter", low=1, integer=True))
    boxed = lower is not None or upper is not None
    lo, hi = as_long_only_bounds(lower, upper, n) if boxed else (_EQUAL_BUDGETS, _EQUAL_BUDGETS)
    validate, check_pd = True, check_psd
    if check_psd and n > _SMALL:
        # LAPACK's Cholesky after the entry checks, before the compiled solve
        C = _validated(C, *check_entries(C, True), check_psd)
        validate = check_pd = False
    out = np.empty((4, n))
    binding = np.zeros(n, dtype=np.int64)
    try:
        with kernel_errstate():
            res = _risk_parity_entry(C, b, lo, hi, boxed, tol, max_iter, validate, check_pd, out, binding)
            if res.problem != CovarianceProblem.FINE:
                C = _validated(C, res.problem, res.i, res.j, check_psd)
                res = _risk_parity_entry(C, b, lo, hi, boxed, tol, max_iter, False, False, out, binding)
    except np.linalg.LinAlgError:  # a Newton system was not numerically positive definite
        failure = RiskParityStatus.UNBOUNDED if check_psd else RiskParityStatus.NOT_PSD
        return _failed(out[3], 0, STATUS_MESSAGES[failure], note)
    weights, contributions, relative, b = out[0], out[1], out[2], out[3]  # (unpacking is slower)
    solve = res.solve
    status, variance, max_error, n_bind = solve.status, solve.variance, solve.max_error, solve.n_binding
    if status == RiskParityStatus.NO_BOUNDED_SOLUTION or not variance > 0.0:
        failure = RiskParityStatus.NO_BOUNDED_SOLUTION if variance > 0.0 else RiskParityStatus.UNBOUNDED
        return _failed(b, solve.n_iter, STATUS_MESSAGES[failure], note)
    if status == RiskParityStatus.OK and max_error > tol:
        # the final w / sum(w) (or rescale of the free weights) moved it past tol
        status = RiskParityStatus.OK_ROUNDING
    converged = status == RiskParityStatus.OK or status == RiskParityStatus.OK_ROUNDING
    if converged:
        failed = _certificate(C, weights, relative, b, lo, hi, boxed, binding, status, tol)
        if failed:
            converged, status = False, RiskParityStatus.NOT_CERTIFIED
    if status == RiskParityStatus.NOT_CERTIFIED:
        text = "; ".join([STATUS_MESSAGES[status].format(failed=failed)] + ([note] if note else []))
    elif status == RiskParityStatus.OK and not note and not n_bind:
        text = "converged"
    else:
        notes = [STATUS_MESSAGES[status].format(max_iter=max_iter, err=max_error, tol=tol)]
        if note:
            notes.append(note)
        if n_bind:
            notes.append(f"{n_bind} bound(s) bind; those assets miss their budgets")
        text = "; ".join(notes)
    return RiskParityResult(
        weights, contributions, relative, math.sqrt(variance), solve.n_iter, converged, max_error, binding, b, text
    )


def _certificate(C, weights, relative, b, lo, hi, boxed, binding, status, tol) -> str:
    """What the returned weights fail of the conditions ``converged`` names ("" when they pass them all).

    Checked on the weights themselves after the solve (see :class:`RiskParityResult`, ``converged``),
    with NumPy: O(n_assets) beyond the relative contributions the kernel computed from the final weights.
    """
    n = weights.size
    if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(relative))):
        return "a weight is not a finite number"
    sum_atol = 4.0 * (n + 2) * np.finfo(float).eps
    if abs(float(weights.sum()) - 1.0) > sum_atol:
        return f"the weights sum to 1{float(weights.sum()) - 1.0:+.2e}"
    if boxed:
        below = lo - weights
        above = weights - hi
        if below.max() > BOUND_ATOL or above.max() > BOUND_ATOL:
            i = int(np.argmax(np.maximum(below, above)))
            side, bound = ("lower", lo[i]) if below[i] >= above[i] else ("upper", hi[i])
            return f"weight {i + 1} is {weights[i]:.4g}, beyond its {side} bound {bound:.4g}"
    limit = tol
    if status == RiskParityStatus.OK_ROUNDING:
        limit = tol + 4.0 * _rounding_floor(C, weights, C @ weights)
    free = binding == 0
    if free.any():
        share = float(relative[free].sum() / b[free].sum())
    else:
        return ""  # every bound binds: the bounds leave a single portfolio
    r = relative / (share * b) - 1.0
    error = np.where(binding < 0, np.maximum(-r, 0.0), np.where(binding > 0, np.maximum(r, 0.0), np.abs(r)))
    worst = float(error.max())
    if not worst <= limit:
        return f"budget error {worst:.2e} > {limit:.0e}"
    return ""


def _failed(b, n_iter, text, note):
    n = b.size
    nan = np.full(n, np.nan)
    return RiskParityResult(
        weights=np.full(n, np.nan),
        risk_contributions=nan,
        relative_contributions=nan.copy(),
        volatility=float("nan"),
        n_iter=int(n_iter),
        converged=False,
        max_error=float("inf"),
        binding=np.zeros(n, dtype=np.int64),
        budgets=b,
        status="; ".join([text] + ([note] if note else [])),
    )


def inverse_volatility(cov: ArrayLike) -> NDArray[np.float64]:
    """Inverse-volatility weights ``w_i = (1 / sigma_i) / sum_j (1 / sigma_j)``.

    The naive risk parity: exact risk parity only when all correlations are equal. Only the
    variances matter; ``cov`` is checked like in :func:`risk_parity` (without the PSD test).

    Parameters
    ----------
    cov : array_like of shape (n_assets, n_assets)

    Returns
    -------
    ndarray of shape (n_assets,)

    Examples
    --------
    >>> inverse_volatility([[0.04, 0.0], [0.0, 0.01]]).round(6).tolist()
    [0.333333, 0.666667]
    """
    C = _as_risk_covariance(cov)
    C = _validated(C, *check_entries(C, True), False)
    inv = 1.0 / np.sqrt(np.diag(C))
    return inv / inv.sum()
