"""Risk parity and risk budgeting portfolios (long-only, fully invested), with per-asset bounds.

The problem
-----------
A risk budgeting portfolio ``w`` (``w > 0``, ``sum(w) = 1``) gives each asset a share of the
portfolio variance equal to its budget ``b_i`` (``b_i > 0``, ``sum(b) = 1``; equal budgets give
the *equal risk contribution* or risk parity portfolio)::

    w_i (C w)_i / (w' C w) = b_i        for every asset i.

Following Spinu (2013), it is the normalised minimiser of the strictly convex function::

    f(x) = 1/2 x' C x - sum_i b_i log(x_i),    x > 0,      w = x / sum(x),

whose first-order condition is exactly ``x_i (C x)_i = b_i``. We minimise ``f`` by cyclical
coordinate descent (Griveau-Billion, Richard & Roncalli, 2013): each coordinate has a closed-form
minimiser, a sweep costs one pass over the lower triangle of ``C``, and after each sweep ``x`` is
rescaled optimally (``f`` is minimised along the ray ``t x``). When the sweeps contract too slowly
(strongly correlated, ill-conditioned covariance matrices), the kernel switches to Newton's method
on ``f`` with a backtracking line search, which converges quadratically; a Newton matrix
``C + diag(b / x^2)`` is factorised (Cholesky) only when conjugate gradients preconditioned with the
previous factor do not solve the next Newton system within six iterations. From 150 assets the
coordinate sweeps are Anderson-accelerated (depth 4) and, while no bound is active, that factor is
computed in single precision (half the time; the residuals stay in double, so the directions are as
exact; double precision takes over when single fails, for condition numbers beyond about 1e7). Up
to 64 assets (no bounds) the sweeps stop at a budget error of 1e-3, where Newton converges from
without a line search; the Newton matrix is then factorised in compiled code and kept for as long
as each step still cuts the error tenfold (chord steps: two triangular solves, the price of a
sweep), the line-search Newton being the fallback. The iteration stops when the largest relative
budget error ``max_i |rc_i - b_i| / b_i`` falls below ``tol`` (default 1e-12). For very ill-conditioned
matrices (condition numbers of 1e7 and more) rounding in ``C w`` alone can exceed ``tol``; when
Newton stalls within that rounding limit the result counts as converged and ``status`` says so.

Bounds (constrained risk budgeting)
-----------------------------------
With ``lower <= w <= upper`` the exact budgets may be out of reach. We then solve, following
Richard & Roncalli (2019), the box-constrained barrier problem::

    minimise  1/2 w' C w - lam * sum_i b_i log(w_i)   subject to  lower <= w <= upper,

and choose the scalar ``lam > 0`` (a one-dimensional root search) so that ``sum(w) = 1``.
Its optimality conditions say precisely what "as closely as the bounds allow" means here:

* assets strictly inside their bounds have risk contributions exactly **in the ratio of their
  budgets** (``rc_i / b_i`` is the same number for all of them);
* an asset held at its **upper** bound contributes *at most* that common share of its budget
  (it would like more weight), one at its **lower** bound *at least* that share.

It is not the portfolio that minimises a distance between contributions and budgets (that problem
is not convex, and local solvers end in different points); ``max_error`` then measures the first
property only, and ``relative_contributions - budgets`` shows how far the bound assets are from their
budgets. Binding weights sit exactly on their bounds (the free weights absorb the last rounding of
``sum(w) = 1``). ``sum(w(lam))`` moves continuously from the sum of the least-risk weights in the box
(``lam -> 0``) to ``sum(upper)``; if even the least-risk weights sum to more than 1 (negatively correlated
assets held at their upper bounds as hedges) no ``lam`` is found, and the result says so (weights NaN).

References
----------
* F. Spinu (2013), An algorithm for computing risk parity weights, SSRN 2297383.
* T. Griveau-Billion, J.-C. Richard, T. Roncalli (2013), A fast algorithm for computing
  high-dimensional risk parity portfolios, arXiv:1311.4057.
* J.-C. Richard, T. Roncalli (2019), Constrained risk budgeting portfolios, arXiv:1902.05710.
* S. Maillard, T. Roncalli, J. Teiletche (2010), The properties of equally weighted risk
  contribution portfolios, Journal of Portfolio Management 36(4).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import jit
from ._validate import SYMMETRY_RTOL, as_bounds, as_scalar, as_vector
from ._validate import check_psd as _psd_check
from .errors import InfeasibleError, InputError

#: Budgets whose sum differs from 1 by more than this are normalised (and the status says so).
BUDGET_SUM_RTOL = 1e-12
#: Default stopping tolerance: largest relative error of a risk contribution against its budget.
DEFAULT_TOL = 1e-12
#: Default budget of iterations (coordinate sweeps plus Newton steps, per root-search step with bounds).
DEFAULT_MAX_ITER = 1000
#: Anderson acceleration of the coordinate sweeps: history depth, and the size from which it pays.
_ANDERSON_DEPTH = 4
_ANDERSON_MIN_ASSETS = 150
#: Up to this many assets (no bounds) Newton's matrix is factorised in compiled code and reused over
#: steps (chord Newton), which pays once coordinate descent has brought the budget error below _CHORD_FROM.
_CHORD_MAX_ASSETS = 64
_CHORD_FROM = 1e-3
#: From this many assets Newton's preconditioning factor is in single precision (about half the time).
_SINGLE_FACTOR_FROM = 150
#: Up to this many assets the PSD test runs in compiled code (LAPACK's call overhead dominates there).
_SMALL = 64
#: ``budgets`` for equal budgets (the compiled entry fills in 1 / n_assets).
_EQUAL_BUDGETS = np.empty(0)
#: Largest number of steps of the one-dimensional search for ``lam`` when bounds bind.
_MAX_OUTER = 200

# kernel status codes
_OK = 0
_MAX_ITER = 1
_NOT_DESCENDING = 2  # Newton cannot improve any more (rounding floor above tol, or C not PSD)
_UNBOUNDED = 3  # variance went to zero or negative: C is singular along a long-only direction
_OK_ROUNDING = 4  # error above tol but within the rounding error of C x (ill-conditioned C): converged
_NO_BOUNDED_SOLUTION = 5  # even lam -> 0 leaves sum(w) > 1: hedging assets pinned at their upper bounds
_NOT_PSD = 6  # a Newton system was not positive definite and cov was not checked (check_psd=False)

_STATUS_TEXT = {
    _OK: "converged",
    _MAX_ITER: "stopped after max_iter={max_iter} iterations with budget error {err:.2e} > tol={tol:.0e}; "
    "raise max_iter or tol",
    _NOT_DESCENDING: "stalled at budget error {err:.2e} > tol={tol:.0e} (rounding limit for this cov); raise tol",
    _OK_ROUNDING: "converged to the rounding limit of cov (budget error {err:.2e} > tol={tol:.0e})",
    _NO_BOUNDED_SOLUTION: "upper: even the least-risk weights in the bounds sum to over 1 (hedges held at upper "
    "bounds); lower those bounds",
    _NOT_PSD: "cov: not PSD, or singular along a long-only portfolio (seen while solving); rerun with check_psd=True",
    _UNBOUNDED: "cov: singular along a long-only portfolio (zero variance), so no risk budgeting portfolio exists",
}


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
        True when ``max_error <= tol`` (and, with bounds, ``sum(w) = 1`` was reached), or when an
        ill-conditioned ``cov`` limits the attainable error to above ``tol`` and that limit (the rounding
        error of ``C w``) was reached; ``status`` then says so.
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


# ----------------------------------------------------------------------------- kernels


@jit
def _pair_fails(x, y, cii, cjj, atol):
    """``(C_ij, C_ji) = (x, y)`` differ by more than ``atol`` or (averaged) exceed ``sqrt(cii cjj)``;
    a non-finite entry fails too."""
    m = 0.5 * x + 0.5 * y
    return not (abs(x - y) <= atol and m * m <= cii * cjj)


@jit
def _pairs_flagged(C, atol):
    """One pass over the pairs ``(C[i, j], C[j, i])``, ``j < i``: (flagged, mismatches).

    Flagged (non-zero when any pair fails): ``|C_ij - C_ji| > atol``, or the 2 x 2 minor over the
    symmetric part ``s`` is negative (``s_ij^2 > s_ii s_jj (1 + 1e-10)``: a correlation beyond +-1),
    or an entry is not finite. ``mismatches`` counts the pairs not exactly equal.

    The strided reads of ``C[j, i]`` bound the time, so rows go in twos: one read of
    ``C[j, i:i + 2]`` serves both. Measured at 1000 x 1000: 0.47 ms, against 0.67 ms one row at a
    time and 0.9-2.7 ms in tiles or vectorised blocks (the tiled pass before this one: 1.2 ms).
    """
    n = C.shape[0]
    diagonal = np.empty(n)  # read contiguously, not down the diagonal
    for i in range(n):
        diagonal[i] = C[i, i]
    flagged = 0
    mismatches = 0
    for i in range(0, n - 1, 2):
        row_1 = C[i]
        row_2 = C[i + 1]
        c1 = diagonal[i] * (1.0 + 1e-10)
        c2 = diagonal[i + 1] * (1.0 + 1e-10)
        for j in range(i):
            row_j = C[j]
            x1 = row_1[j]
            y1 = row_j[i]
            x2 = row_2[j]
            y2 = row_j[i + 1]
            if _pair_fails(x1, y1, c1, diagonal[j], atol) or _pair_fails(x2, y2, c2, diagonal[j], atol):
                flagged += 1
            if x1 != y1 or x2 != y2:
                mismatches += 1
        if _pair_fails(row_2[i], row_1[i + 1], c2, diagonal[i], atol):
            flagged += 1
        if row_2[i] != row_1[i + 1]:
            mismatches += 1
    if n % 2:
        i = n - 1
        row = C[i]
        cii = diagonal[i] * (1.0 + 1e-10)
        for j in range(i):
            if _pair_fails(row[j], C[j, i], cii, diagonal[j], atol):
                flagged += 1
            if row[j] != C[j, i]:
                mismatches += 1
    return flagged, mismatches


@jit
def _check_cov(C):
    """Entry checks of a square matrix: (code, i, j) of the first problem, code 0 when fine.

    Codes: 1 non-finite entry, 2 not symmetric (relative to the largest |entry|), 3 negative
    variance, 4 zero variance, 5 correlation beyond +-1 (a 2 x 2 minor is negative); -1 when fine
    but not exactly symmetric. One pass settles the common case: its symmetry tolerance is relative
    to the largest variance, at most the largest |entry|, so it never accepts what the rules reject;
    whatever it flags goes to :func:`_first_problem`, which applies the rules in order.
    """
    n = C.shape[0]
    scale = 0.0
    diagonal_fine = True
    for i in range(n):
        c = C[i, i]
        diagonal_fine = diagonal_fine and 0.0 < c < np.inf
        scale = max(scale, c)
    if diagonal_fine:
        flagged, mismatches = _pairs_flagged(C, SYMMETRY_RTOL * scale)
        if flagged == 0:
            return (0 if mismatches == 0 else -1), 0, 0
    return _first_problem(C)


@jit
def _first_problem(C):
    """:func:`_check_cov`'s answer by the rules in their order, row by row (the slow, exact path)."""
    n = C.shape[0]
    for i in range(n):
        for j in range(n):
            if not np.isfinite(C[i, j]):
                return 1, i, j
    scale = 0.0
    for i in range(n):
        for j in range(n):
            scale = max(scale, abs(C[i, j]))
    atol = SYMMETRY_RTOL * scale
    exact = True
    for i in range(n):
        for j in range(i):
            if abs(C[i, j] - C[j, i]) > atol:
                return 2, i, j
            exact = exact and C[i, j] == C[j, i]
    for i in range(n):
        if C[i, i] < 0.0:
            return 3, i, i
        if C[i, i] == 0.0:
            return 4, i, i
    for i in range(n):
        for j in range(i):
            m = 0.5 * C[i, j] + 0.5 * C[j, i]
            if m * m - C[i, i] * (1.0 + 1e-10) * C[j, j] > 0.0:
                return 5, i, j
    return (0 if exact else -1), 0, 0


@jit(fastmath={"reassoc"})
def _dot_head(a, b, m):
    """``sum(a[:m] * b[:m])``, reassociated so that it vectorises like BLAS ``ddot``.

    The only fast-math flag in the project, and only here: it lets LLVM reorder this sum, which
    halves the time of a coordinate sweep (2.1 -> 1.3 ms at 2000 assets); results agree with the
    sequential sum to rounding (tests compare the sweep with its ``.py_func``).
    """
    acc = 0.0
    for j in range(m):
        acc += a[j] * b[j]
    return acc


@jit
def _cholesky_in_place(L):
    """Overwrite the lower triangle of ``L`` with its Cholesky factor (left-looking, rows read
    contiguously); False, leaving ``L`` partly factorised, when it is not numerically positive definite.
    The upper triangle is not read."""
    n = L.shape[0]
    for j in range(n):
        row_j = L[j]
        pivot = row_j[j] - _dot_head(row_j, row_j, j)
        if not pivot > 0.0:
            return False
        pivot = np.sqrt(pivot)
        row_j[j] = pivot
        inv = 1.0 / pivot
        for i in range(j + 1, n):
            row_i = L[i]
            row_i[j] = (row_i[j] - _dot_head(row_i, row_j, j)) * inv
    return True


@jit
def _is_positive_definite(C):
    """Cholesky without pivoting in compiled code (for small matrices, where LAPACK's call costs more)."""
    return _cholesky_in_place(C.copy())


@jit
def _upper_products(C, x, u):
    """``u_i = sum_{j > i} C_ij x_j`` from the lower triangle (``C`` symmetric)."""
    n = x.shape[0]
    for i in range(n):
        u[i] = 0.0
    for i in range(n):
        xi = x[i]
        row = C[i]
        for j in range(i):
            u[j] += row[j] * xi


@jit
def _coordinate_min(s, cii, beta, lo, hi):
    """Minimiser over ``t`` in [lo, hi] of ``cii t^2 / 2 + s t - beta log t`` (beta > 0, cii > 0)."""
    root = np.sqrt(s * s + 4.0 * cii * beta)
    if s >= 0.0:
        t = 2.0 * beta / (s + root)  # no cancellation
    else:
        t = (root - s) / (2.0 * cii)
    if t < lo:
        t = lo
    elif t > hi:
        t = hi
    return t


@jit
def _sweep(C, beta, lo, hi, x, u, lower_dot, u_next):
    """One cyclical coordinate-descent sweep over the lower triangle; leaves ``u`` for the new ``x``.

    On return ``(C x)_i = lower_dot[i] + C_ii x_i + u[i]`` exactly for the new ``x``.
    """
    n = x.shape[0]
    for i in range(n):
        u_next[i] = 0.0
    for i in range(n):
        row = C[i]
        d = _dot_head(row, x, i)
        xi = _coordinate_min(d + u[i], row[i], beta[i], lo[i], hi[i])
        x[i] = xi
        lower_dot[i] = d
        for j in range(i):
            u_next[j] += row[j] * xi
    for i in range(n):
        u[i] = u_next[i]


@jit
def _sweep_rows(C, beta, x, cx):
    """One coordinate-descent sweep without a box that keeps ``cx = C x`` up to date with a full-row
    update per coordinate (for small ``C``, in cache, where this beats :func:`_sweep`'s two half-row
    passes: no sum waits on the previous coordinate). ``cx`` drifts by rounding; recompute it when exact
    values matter."""
    n = x.shape[0]
    for i in range(n):
        row = C[i]
        xi = x[i]
        t = _coordinate_min(cx[i] - row[i] * xi, row[i], beta[i], 0.0, np.inf)
        x[i] = t
        delta = t - xi
        for j in range(n):
            cx[j] += row[j] * delta


@jit
def _exact_products(C, x, cx):
    """``cx = C x``, row by row."""
    for i in range(x.shape[0]):
        cx[i] = _dot_head(C[i], x, x.shape[0])


@jit
def _kkt_error(C, beta, lo, hi, x, cx):
    """Largest relative violation of the optimality conditions of the box-constrained barrier problem."""
    n = x.shape[0]
    err = 0.0
    for i in range(n):
        r = x[i] * cx[i] / beta[i] - 1.0
        if x[i] <= lo[i]:
            e = -r if r < 0.0 else 0.0  # at the lower bound the contribution may exceed its budget
        elif x[i] >= hi[i]:
            e = r if r > 0.0 else 0.0  # at the upper bound it may fall short
        else:
            e = abs(r)
        if not e <= err:  # also catches NaN
            err = e
    return err


@jit
def _objective(beta, x, cx):
    f = 0.0
    for i in range(x.shape[0]):
        f += 0.5 * x[i] * cx[i] - beta[i] * np.log(x[i])
    return f


@jit
def _rounding_floor(C, x, cx):
    """Worst-case relative rounding error of the computed ``x_i (C x)_i`` (a dot product of n terms)."""
    n = x.shape[0]
    floor = 0.0
    for i in range(n):
        mag = 0.0
        for j in range(n):
            mag += abs(C[i, j] * x[j])
        e = 2.0 * (n + 2) * 2.220446049250313e-16 * mag / abs(cx[i])
        if e > floor:
            floor = e
    return floor


@jit
def _cholesky_solve_in_place(L, inv_diag, y):
    """Overwrite ``y`` with the solution of ``L L' d = y`` (``L`` lower triangular, rows read
    contiguously; ``inv_diag = 1 / diag(L)``, so that no division waits in the substitutions)."""
    m = y.shape[0]
    for i in range(m):
        y[i] = (y[i] - _dot_head(L[i], y, i)) * inv_diag[i]
    for i in range(m - 1, -1, -1):
        yi = y[i] * inv_diag[i]
        y[i] = yi
        row = L[i]
        for j in range(i):
            y[j] -= row[j] * yi


@jit
def _cholesky_solve(L, r):
    """Solve ``L L' d = r`` for lower-triangular ``L``."""
    y = r.copy()
    _cholesky_solve_in_place(L, 1.0 / np.diag(L), y)
    return y


@jit
def _pcg_direction(C, dvec, L, rhs, dx, rtol, max_cg):
    """Solve ``(C + diag(dvec)) dx = rhs`` by conjugate gradients preconditioned with ``L L'``, the
    Cholesky factor of an earlier Newton matrix. True when ``|residual| <= rtol |rhs|`` in time."""
    n = rhs.shape[0]
    dx[:] = _cholesky_solve(L, rhs)
    r = rhs - (C @ dx + dvec * dx)
    target = rtol * np.sqrt(np.dot(rhs, rhs))
    if np.sqrt(np.dot(r, r)) <= target:
        return True
    z = _cholesky_solve(L, r)
    p = z.copy()
    rz = np.dot(r, z)
    for _ in range(max_cg):
        ap = C @ p + dvec * p
        curvature = np.dot(p, ap)
        if not curvature > 0.0:
            return False
        alpha = rz / curvature
        for i in range(n):
            dx[i] += alpha * p[i]
            r[i] -= alpha * ap[i]
        if np.sqrt(np.dot(r, r)) <= target:
            return True
        z = _cholesky_solve(L, r)
        rz_new = np.dot(r, z)
        scale = rz_new / rz
        rz = rz_new
        for i in range(n):
            p[i] = z[i] + scale * p[i]
    return False


@jit
def _single_factor(C, dvec):
    """(True, single-precision Cholesky factor of ``C + diag(dvec)``), or (False, empty) when that
    matrix is not positive definite in single precision (condition number above about 1e7)."""
    n = C.shape[0]
    H = np.empty((n, n), dtype=np.float32)
    for i in range(n):
        row = C[i]
        for j in range(n):
            H[i, j] = row[j]
        H[i, i] += dvec[i]
    try:
        return True, np.linalg.cholesky(H)
    except Exception:  # noqa: BLE001  (compiled code catches no narrower class; here: not positive definite)
        return False, np.empty((0, 0), dtype=np.float32)


@jit
def _newton(C, beta, lo, hi, boxed, x, cx, tol, max_steps):
    """Projected Newton steps on the barrier problem (free coordinates only), backtracking on ``f``.

    Returns (status, steps, error); ``x`` and ``cx = C x`` are updated in place.
    """
    n = x.shape[0]
    g = np.empty(n)
    free = np.empty(n, dtype=np.int64)
    xn = np.empty(n)
    cxn = np.empty(n)
    f = _objective(beta, x, cx)
    err = _kkt_error(C, beta, lo, hi, x, cx)
    stall = 0
    have_factor = False
    L = np.empty((0, 0))
    use_single = n >= _SINGLE_FACTOR_FROM
    have_single = False
    L_single = np.empty((0, 0), dtype=np.float32)
    dvec = np.empty(n)
    dx_full = np.empty(n)
    for step in range(max_steps):
        if err <= tol:
            return _OK, step, err
        m = 0
        for i in range(n):
            g[i] = cx[i] - beta[i] / x[i]
            at_lo = boxed and x[i] <= lo[i] and g[i] > 0.0
            at_hi = boxed and x[i] >= hi[i] and g[i] < 0.0
            if not (at_lo or at_hi):
                free[m] = i
                m += 1
        if m == 0:
            return _NOT_DESCENDING, step, err
        rhs = np.empty(m)
        for a in range(m):
            rhs[a] = -g[free[a]]
        # without bounds the Newton matrix keeps its size: an earlier factor preconditions CG, and a
        # new Cholesky factorisation is paid only when CG does not reach the forcing tolerance fast.
        # From _SINGLE_FACTOR_FROM assets that factor is in single precision (half the time, and CG's
        # residuals are in double, so the direction is not less exact); double when single fails
        reuse = False
        if m == n:
            for i in range(n):
                dvec[i] = beta[i] / (x[i] * x[i])
            forcing = min(0.1, 0.1 * err)
            if use_single and have_single:
                reuse = _pcg_direction(C, dvec, L_single, rhs, dx_full, forcing, 6)
            elif have_factor:
                reuse = _pcg_direction(C, dvec, L, rhs, dx_full, forcing, 6)
            if not reuse and use_single:
                have_single, L_single = _single_factor(C, dvec)
                reuse = have_single and _pcg_direction(C, dvec, L_single, rhs, dx_full, forcing, 6)
                use_single = reuse  # single precision is not enough for this matrix: double from now on
        if reuse:
            dx = dx_full
        else:
            H = np.empty((m, m))
            for a in range(m):
                i = free[a]
                for c in range(m):
                    H[a, c] = C[i, free[c]]
                H[a, a] += beta[i] / (x[i] * x[i])
            L = np.linalg.cholesky(H)
            have_factor = m == n
            dx = _cholesky_solve(L, rhs)
        t = 1.0
        accepted = False
        for _ in range(40):
            ok = True
            for i in range(n):
                xn[i] = x[i]
            for a in range(m):
                i = free[a]
                v = x[i] + t * dx[a]
                if v <= 0.0:
                    ok = False
                    break
                if boxed:
                    if v < lo[i]:
                        v = lo[i]
                    elif v > hi[i]:
                        v = hi[i]
                xn[i] = v
            if ok:
                cxn[:] = C @ xn
                fn = _objective(beta, xn, cxn)
                decrease = 0.0
                for i in range(n):
                    decrease += g[i] * (xn[i] - x[i])
                if fn <= f + 1e-4 * decrease:
                    accepted = True
                    break
                # near the solution f changes by less than its rounding: judge the full step by the error
                if t == 1.0 and _kkt_error(C, beta, lo, hi, xn, cxn) < 0.5 * err:
                    accepted = True
                    break
            t *= 0.5
        if not accepted:
            if err <= _rounding_floor(C, x, cx):
                return _OK_ROUNDING, step + 1, err
            return _NOT_DESCENDING, step + 1, err
        x[:] = xn
        cx[:] = cxn
        f_new = _objective(beta, x, cx)
        progress = f - f_new > 1e-13 * abs(f_new)
        f = f_new
        new_err = _kkt_error(C, beta, lo, hi, x, cx)
        if new_err > tol and new_err >= 0.5 * err and new_err <= _rounding_floor(C, x, cx):
            return _OK_ROUNDING, step + 1, new_err  # no quadratic progress left: rounding decides
        if not progress and new_err >= 0.5 * err:
            stall += 1
            if stall >= 5:
                if new_err <= _rounding_floor(C, xn, cxn):
                    return _OK_ROUNDING, step + 1, new_err
                return _NOT_DESCENDING, step + 1, new_err
        else:
            stall = 0
        err = new_err
    if err <= tol:
        return _OK, max_steps, err
    return _MAX_ITER, max_steps, err


@jit
def _chord_newton(C, beta, lo, hi, x, cx, err, tol, max_steps):
    """Newton steps on the unbounded barrier problem, each Newton matrix reused while it works.

    For small problems, from a point where coordinate descent has done the rough work: the matrix
    ``C + diag(beta / x^2)`` is factorised and the next steps solve with that factor (chord steps:
    two triangular solves and ``C x``, the price of one sweep) as long as each cuts the error at least
    tenfold; otherwise it is refactorised at the current point (a true Newton step). No line search:
    a step that does not reduce the error is retried with a fresh factor, and if that fails too the
    caller's line-search Newton takes over from the best point, left in ``x`` and ``cx = C x``.

    ``lo = 0`` and ``hi = inf`` (no box) serve the error measure only. Returns (status, steps, error);
    status ``-1`` means "hand over".
    """
    n = x.shape[0]
    work = np.empty((n + 4, n))
    L = work[:n]
    step, xn, cxn, inv_diag = work[n], work[n + 1], work[n + 2], work[n + 3]
    steps = 0
    factor_at_x = False
    refactor = True
    while steps < max_steps:
        if refactor:
            for i in range(n):
                row = L[i]
                for j in range(i):
                    row[j] = C[i, j]
                row[i] = C[i, i] + beta[i] / (x[i] * x[i])
            if not _cholesky_in_place(L):
                return -1, steps, err
            for i in range(n):
                inv_diag[i] = 1.0 / L[i, i]
            factor_at_x = True
            refactor = False
        for i in range(n):
            step[i] = beta[i] / x[i] - cx[i]  # minus the gradient
        _cholesky_solve_in_place(L, inv_diag, step)
        positive = True
        for i in range(n):
            v = x[i] + step[i]
            positive = positive and v > 0.0
            xn[i] = v
        steps += 1
        new = np.inf
        if positive:
            _exact_products(C, xn, cxn)
            new = _kkt_error(C, beta, lo, hi, xn, cxn)
        if not new < err:
            if factor_at_x:
                return -1, steps, err
            refactor = True
            continue
        x[:] = xn
        cx[:] = cxn
        if new <= tol:
            return _OK, steps, new
        refactor = new > 0.1 * err
        factor_at_x = False
        err = new
    return _MAX_ITER, steps, err


@jit
def _anderson_mix(Gx, Gu, F, head, count, x, u):
    """Type-II Anderson mixing of the last ``count`` sweeps (ring buffers, newest at ``head``).

    ``Gx``/``Gu`` hold sweep outputs ``x`` and their upper products ``u`` (linear in ``x``, so they
    mix exactly), ``F`` the residuals ``output - input``. Writes the mixed point into ``x`` and ``u``;
    returns False, leaving the newest output there, when the mix is unusable (a weight <= 0).
    """
    depth = Gx.shape[0]
    n = x.shape[0]
    m = count - 1
    D = np.empty((m, n))
    for a in range(m):
        old = (head - 1 - a) % depth
        for i in range(n):
            D[a, i] = F[head, i] - F[old, i]
    A = np.empty((m, m))
    r = np.empty(m)
    trace = 0.0
    for a in range(m):
        for c in range(a + 1):
            acc = 0.0
            for i in range(n):
                acc += D[a, i] * D[c, i]
            A[a, c] = acc
            A[c, a] = acc
        acc = 0.0
        for i in range(n):
            acc += D[a, i] * F[head, i]
        r[a] = acc
        trace += A[a, a]
    if not (trace > 0.0 and np.isfinite(trace)):
        return False
    for a in range(m):
        A[a, a] += 1e-10 * trace  # Tikhonov: keeps the small system positive definite
    _cholesky_in_place(A)  # positive definite: a Gram matrix plus a positive diagonal
    gamma = _cholesky_solve(A, r)
    for i in range(n):
        vx = Gx[head, i]
        vu = Gu[head, i]
        for a in range(m):
            old = (head - 1 - a) % depth
            vx -= gamma[a] * (Gx[head, i] - Gx[old, i])
            vu -= gamma[a] * (Gu[head, i] - Gu[old, i])
        if not vx > 0.0:
            for j in range(n):
                x[j] = Gx[head, j]
                u[j] = Gu[head, j]
            return False
        x[i] = vx
        u[i] = vu
    return True


@jit
def _solve_barrier(C, beta, lo, hi, boxed, x, cx, tol, max_iter):
    """Minimise ``1/2 x'Cx - sum beta log x`` over ``lo <= x <= hi`` from ``x`` (> 0), in place.

    Without a box (``boxed=False``) ``x`` is rescaled optimally after every sweep; from
    ``_ANDERSON_MIN_ASSETS`` assets the sweeps are Anderson-accelerated, up to ``_CHORD_MAX_ASSETS``
    they update ``C x`` row by row and hand over to :func:`_chord_newton` below ``_CHORD_FROM``.
    Coordinate sweeps run while they contract fast enough; otherwise Newton takes over. On return
    ``cx = C x`` (recomputed exactly). Returns (status, iterations, error).
    """
    n = x.shape[0]
    accelerate = (not boxed) and n >= _ANDERSON_MIN_ASSETS
    depth = _ANDERSON_DEPTH + 1 if accelerate else 0
    work = np.empty((4 + 3 * depth, n))  # one allocation: they cost as much as a sweep at 20 assets
    u, u_next, lower_dot, x_in = work[0], work[1], work[2], work[3]
    Gx = work[4 : 4 + depth]
    Gu = work[4 + depth : 4 + 2 * depth]
    F = work[4 + 2 * depth :]
    chord = (not boxed) and n <= _CHORD_MAX_ASSETS
    if chord:
        _exact_products(C, x, cx)
    else:
        _upper_products(C, x, u)
    head = -1
    count = 0
    log_errs = np.full(3, np.inf)  # logs of the last three errors, for the contraction rate
    log_tol = np.log(tol)
    err = np.inf
    # a Newton step costs about n/3 sweeps (Cholesky n^3/3 vs n^2 per sweep), and Newton needs a few
    newton_worth = 8.0 + n / 10.0
    it = 0
    while it < max_iter:
        if chord:
            _sweep_rows(C, beta, x, cx)
        else:
            if accelerate:
                x_in[:] = x
            _sweep(C, beta, lo, hi, x, u, lower_dot, u_next)
            for i in range(n):
                cx[i] = lower_dot[i] + C[i, i] * x[i] + u[i]
        it += 1
        if not boxed:
            var = 0.0
            total = 0.0
            for i in range(n):
                var += x[i] * cx[i]
                total += beta[i]
            if not var > 0.0:
                return _UNBOUNDED, it, np.inf
            s = np.sqrt(total / var)
            for i in range(n):
                x[i] *= s
                cx[i] *= s
                u[i] *= s
        err = _kkt_error(C, beta, lo, hi, x, cx)
        if err <= tol and chord:
            _exact_products(C, x, cx)  # (the rows' updates drift by rounding)
            err = _kkt_error(C, beta, lo, hi, x, cx)
        if err <= tol:
            return _OK, it, err
        if not np.isfinite(err):
            return _UNBOUNDED, it, err
        if chord and err <= _CHORD_FROM:
            break
        log_err = np.log(err)
        if it >= 4:
            # geometric mean rate over three sweeps (mixing makes single steps uneven)
            log_rate = (log_err - log_errs[(it - 3) % 3]) / 3.0
            if log_rate >= 0.0 or (log_tol - log_err) / log_rate > newton_worth:
                break
        log_errs[it % 3] = log_err
        if accelerate:
            head = (head + 1) % depth
            count = min(count + 1, depth)
            Gx[head] = x
            Gu[head] = u
            for i in range(n):
                F[head, i] = x[i] - x_in[i]
            if count >= 2 and it < max_iter and not _anderson_mix(Gx, Gu, F, head, count, x, u):
                count = 1  # start the history again from the newest sweep
    if it >= max_iter:
        return _MAX_ITER, it, err
    if chord:
        status, steps, err = _chord_newton(C, beta, lo, hi, x, cx, err, tol, max_iter - it)
        it += steps
        if status >= 0 or it >= max_iter:
            return (status if status >= 0 else _MAX_ITER), it, err
    status, steps, err = _newton(C, beta, lo, hi, boxed, x, cx, tol, max_iter - it)
    return status, it + steps, err


@jit
def _risk_budgeting(C, b, lo, hi, boxed, tol, max_iter, x, cx, bind):
    """Risk budgeting weights in ``x`` (summing to 1), ``cx = C x`` and binding bounds in ``bind`` (-1/0/+1).

    Returns (status, iterations, error).

    Unbounded: one barrier solve then normalisation. Bounded: first the unbounded solution (kept
    if within bounds), else a safeguarded secant search on ``log(lam)`` for ``sum(x(lam)) = 1``.
    """
    n = b.shape[0]
    inf_box = np.full(n, np.inf)
    zero_box = np.zeros(n)
    for i in range(n):
        x[i] = np.sqrt(b[i] / C[i, i])
    status, iters, err = _solve_barrier(C, b, zero_box, inf_box, False, x, cx, tol, max_iter)
    total = x.sum()
    for i in range(n):
        x[i] /= total
        cx[i] /= total
    if not boxed or status == _UNBOUNDED:
        return status, iters, err
    inside = True
    for i in range(n):
        if x[i] < lo[i] or x[i] > hi[i]:
            inside = False
    if inside:
        return status, iters, err
    # bounds bind: lam such that the box-constrained minimiser sums to 1
    beta = np.empty(n)
    xs = np.empty(n)
    for i in range(n):
        xs[i] = min(max(x[i], lo[i]), hi[i])
    var = 0.0
    for i in range(n):
        var += x[i] * cx[i]
    mu = np.log(var)  # log(lam): the unbounded solution is the barrier minimiser for lam = w' C w
    mu_start = mu
    mu_lo = -np.inf
    mu_hi = np.inf
    phi_lo = 0.0
    phi_hi = 0.0
    mu_prev = np.nan
    phi_prev = np.nan
    last_step = 0.0
    last_width = np.inf
    found = False
    for outer in range(_MAX_OUTER):
        lam = np.exp(mu)
        for i in range(n):
            beta[i] = lam * b[i]
            x[i] = xs[i]
        status, steps, err = _solve_barrier(C, beta, lo, hi, True, x, cx, tol, max_iter)
        iters += steps
        total = x.sum()
        for i in range(n):
            xs[i] = x[i]
        if status == _UNBOUNDED:
            found = True  # nothing better to find: report the inner status
            break
        if abs(total - 1.0) <= 2.2e-16 * (2.0 + np.sqrt(n)):  # the rounding of a sum of n weights
            found = True
            break
        phi = np.log(total)
        if phi < 0.0:
            mu_lo, phi_lo = mu, phi
        else:
            mu_hi, phi_hi = mu, phi
        # secant through the last two points
        if np.isfinite(mu_prev) and phi != phi_prev:
            new = mu - phi * (mu - mu_prev) / (phi - phi_prev)
        else:
            new = mu - 2.0 * phi  # free weights scale like sqrt(lam)
        if np.isfinite(mu_lo) and np.isfinite(mu_hi):
            width = mu_hi - mu_lo
            if width <= 4e-16 * max(1.0, abs(mu)):
                found = True  # sum(w) is flat or jumps by rounding here: as close to 1 as it gets
                break
            if not (mu_lo < new < mu_hi) or phi == phi_prev:
                new = mu_lo - phi_lo * width / (phi_hi - phi_lo)  # regula falsi on the bracket
            if width > 0.5 * last_width or not (mu_lo < new < mu_hi):
                new = 0.5 * (mu_lo + mu_hi)  # the bracket shrinks too slowly: bisect
            last_width = width
        else:
            # no bracket yet: move against phi, at least twice as far as last time in the same direction
            step = new - mu
            if not (step * phi < 0.0):
                step = -np.sign(phi)
            if last_step * step > 0.0 and abs(step) < 2.0 * abs(last_step):
                step = 2.0 * abs(last_step) * np.sign(step)
            step = max(-8.0, min(8.0, step))
            if phi > 0.0 and mu < mu_start - 80.0:
                status = _NO_BOUNDED_SOLUTION  # lam shrunk by e^-80 and sum(w) still above 1
                found = True
                break
            new = mu + step
            last_step = step
        mu_prev, phi_prev = mu, phi
        mu = new
    if not found:
        status = _MAX_ITER
    free_sum = 0.0
    bound_sum = 0.0
    for i in range(n):
        if x[i] <= lo[i] and lo[i] > 0.0:
            bind[i] = -1
        elif x[i] >= hi[i]:
            bind[i] = 1
        if bind[i] == 0:
            free_sum += x[i]
        else:
            bound_sum += x[i]
    # the search leaves |sum(w) - 1| ~ 1e-14: rescale the free weights only, so bounds hold exactly
    if free_sum > 0.0 and bound_sum < 1.0:
        s = (1.0 - bound_sum) / free_sum
        for i in range(n):
            if bind[i] == 0:
                x[i] *= s
    else:
        s = 1.0 / (free_sum + bound_sum)
        for i in range(n):
            x[i] *= s
    cx[:] = C @ x
    return status, iters, err


@jit
def _risk_parity_kernel(C, b, lo, hi, boxed, tol, max_iter, w, relative, bind):
    """Weights ``w``, relative contributions and binding flags in place; returns
    (status, iterations, variance, max_error over free assets, number of binding bounds)."""
    n = b.shape[0]
    cx = np.empty(n)
    lo_sum = 0.0
    hi_sum = 0.0
    if boxed:
        lo_sum = lo.sum()
        hi_sum = hi.sum()
    if boxed and (lo_sum >= 1.0 - 1e-15 or hi_sum <= 1.0 + 1e-15):
        # the bounds leave a single portfolio
        side = -1 if lo_sum >= 1.0 - 1e-15 else 1
        total = lo_sum if side == -1 else hi_sum
        for i in range(n):
            w[i] = (lo[i] if side == -1 else hi[i]) / total
            bind[i] = side
        cx[:] = C @ w
        status, iters = _OK, 0
    else:
        status, iters, _ = _risk_budgeting(C, b, lo, hi, boxed, tol, max_iter, w, cx, bind)
    variance = 0.0
    for i in range(n):
        variance += w[i] * cx[i]
    b_free = 0.0
    rel_free = 0.0
    n_bind = 0
    for i in range(n):
        relative[i] = w[i] * cx[i] / variance
        if bind[i] == 0:
            b_free += b[i]
            rel_free += relative[i]
        else:
            n_bind += 1
    err = 0.0
    if n_bind < n:
        share = rel_free / b_free
        for i in range(n):
            if bind[i] == 0:
                e = abs(relative[i] / (share * b[i]) - 1.0)
                if not e <= err:
                    err = e
    return status, iters, variance, err, n_bind


@jit
def _risk_parity_entry(C, b, lo, hi, boxed, tol, max_iter, validate, check_pd, out, bind):
    """Validation (:func:`_check_cov` with ``validate``, the compiled positive-definiteness test with
    ``check_pd``) and solve in one compiled call, the common case's only one.

    ``out`` (4 x n_assets) receives weights, absolute and relative contributions and the budgets
    used (equal when ``b`` is empty). Returns (code, i, j, status, iterations, variance, max_error,
    n_binding): ``code`` is :func:`_check_cov`'s (nothing solved unless it is 0), or
    ``_CODE_NOT_PD`` when a small ``cov`` failed the compiled Cholesky test (the caller decides
    between PSD-singular and indefinite).
    """
    n = C.shape[0]
    if validate:
        code, i, j = _check_cov(C)
        if code == 0 and check_pd and not _is_positive_definite(C):
            code = _CODE_NOT_PD
        if code != 0:
            return code, i, j, _OK, 0, np.nan, np.inf, 0
    budgets = out[3]
    if b.shape[0] == 0:
        budgets[:] = 1.0 / n
    else:
        budgets[:] = b
    if not boxed:
        lo = hi = budgets  # not read
    status, iters, variance, err, n_bind = _risk_parity_kernel(
        C, budgets, lo, hi, boxed, tol, max_iter, out[0], out[2], bind
    )
    vol = np.sqrt(variance)
    for i in range(n):
        out[1, i] = out[2, i] * vol
    return 0, 0, 0, status, iters, variance, err, n_bind


# ----------------------------------------------------------------------------- public API


_FLOAT64 = np.dtype(np.float64)  # NumPy's one instance: an identity test is enough
_CODE_NOT_PD = 6  # beside _check_cov's codes 1-5: the compiled Cholesky test failed

_COV_MESSAGES = {
    1: "cov: missing or non-finite value at row {i}, column {j}; fill in a number.",
    2: "cov: not symmetric (row {i}, column {j} differs from row {j}, column {i}); copy the upper triangle to the lower.",
    3: "cov: variance of asset {i} is negative; variances must be > 0.",
    4: "cov: variance of asset {i} is zero; remove the asset (risk budgeting needs every variance > 0).",
    5: "cov: not positive semi-definite (assets {j} and {i} have a correlation beyond +-1); check the entries.",
}


def _as_risk_covariance(cov: ArrayLike) -> NDArray[np.float64]:
    """``cov`` as a square, C-contiguous float64 array (entries are checked by :func:`_check_cov`)."""
    if type(cov) is np.ndarray and cov.dtype is _FLOAT64:
        C = cov
    else:
        try:
            C = np.asarray(cov, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("cov: expected numbers, found text or an empty entry; enter numbers only.") from None
        if C.ndim == 0:
            C = C.reshape(1, 1)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or C.shape[0] == 0:
        shape = " x ".join(str(s) for s in C.shape) if C.ndim else "a single value"
        raise InputError(f"cov: expected a square matrix (n_assets x n_assets), got {shape}.")
    if not C.flags.c_contiguous:
        C = np.ascontiguousarray(C)
    return C


def _validated(C: NDArray[np.float64], code: int, i: int, j: int, check: bool) -> NDArray[np.float64]:
    """Act on a :func:`_check_cov` code: raise its message, average a slightly asymmetric ``cov``,
    then settle positive definiteness when asked (``check``) or when the compiled test already failed
    (``_CODE_NOT_PD``): compiled Cholesky up to ``_SMALL`` assets, else :func:`check_psd` (LAPACK,
    eigenvalues if singular), which raises unless ``cov`` is PSD. Returns ``cov`` to solve."""
    if code > 0 and code != _CODE_NOT_PD:
        raise InputError(_COV_MESSAGES[code].format(i=i + 1, j=j + 1))
    if code < 0:
        C = 0.5 * (C + C.T)  # asymmetry within SYMMETRY_RTOL: average, as as_square_matrix does
    if code == _CODE_NOT_PD or (check and not (C.shape[0] <= _SMALL and _is_positive_definite(C))):
        _psd_check(C, "cov", what="covariance")
    return C


def _as_budgets(budgets: ArrayLike | None, n: int) -> tuple[NDArray[np.float64], str]:
    if budgets is None:
        return np.full(n, 1.0 / n), ""
    b = as_vector(budgets, "budgets", size=n)
    bad = np.flatnonzero(b <= 0.0)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"budgets: budget of asset {i + 1} is {b[i]:g}; every budget must be > 0 (drop the asset instead)."
        )
    total = float(b.sum())
    if abs(total - 1.0) > BUDGET_SUM_RTOL:
        return b / total, f"budgets summed to {total:.12g}, normalised to 1"
    return b, ""


def _as_box(lower, upper, n: int):
    lo = np.zeros(n) if lower is None else as_bounds(lower, n, "lower")
    hi = np.ones(n) if upper is None else as_bounds(upper, n, "upper")
    if np.any(lo < 0.0):
        i = int(np.flatnonzero(lo < 0.0)[0])
        raise InputError(f"lower: must be >= 0 (long-only), got {lo[i]:g} for asset {i + 1}.")
    if np.any(hi <= 0.0):
        i = int(np.flatnonzero(hi <= 0.0)[0])
        raise InputError(f"upper: must be > 0 (every asset gets a positive weight), got {hi[i]:g} for asset {i + 1}.")
    if np.any(lo > hi):
        i = int(np.flatnonzero(lo > hi)[0])
        raise InfeasibleError(f"lower: {lo[i]:g} is above upper {hi[i]:g} for asset {i + 1}; swap or fix them.")
    if lo.sum() > 1.0 + 1e-12:
        raise InfeasibleError(f"lower: bounds sum to {lo.sum():.6g} > 1, so no fully invested portfolio fits; lower them.")
    if hi.sum() < 1.0 - 1e-12:
        raise InfeasibleError(f"upper: bounds sum to {hi.sum():.6g} < 1, so no fully invested portfolio fits; raise them.")
    return lo, hi


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
    and the meaning of bounds are described in the module docstring (:mod:`kernels.risk_parity`).

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
        <= 0 or missing, sizes that differ, bad ``tol``/``max_iter``, negative ``lower``.
    InfeasibleError
        ``lower > upper`` for an asset, ``sum(lower) > 1`` or ``sum(upper) < 1``.

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
        b, note = _as_budgets(budgets, n)
    if not (type(tol) is float and 1e-15 <= tol <= 1e-2):  # fast path for the common call
        tol = as_scalar(tol, "tol", low=1e-15, high=1e-2)
    if not (type(max_iter) is int and max_iter >= 1):
        max_iter = int(as_scalar(max_iter, "max_iter", low=1, integer=True))
    boxed = lower is not None or upper is not None
    lo, hi = _as_box(lower, upper, n) if boxed else (_EQUAL_BUDGETS, _EQUAL_BUDGETS)
    validate, check_pd = True, check_psd
    if check_psd and n > _SMALL:
        # LAPACK's Cholesky after the entry checks, before the compiled solve
        C = _validated(C, *_check_cov(C), check_psd)
        validate = check_pd = False
    out = np.empty((4, n))
    binding = np.zeros(n, dtype=np.int64)
    try:
        code, i, j, status, n_iter, variance, max_error, n_bind = _risk_parity_entry(
            C, b, lo, hi, boxed, tol, max_iter, validate, check_pd, out, binding
        )
        if code != 0:
            C = _validated(C, code, i, j, check_psd)
            code, i, j, status, n_iter, variance, max_error, n_bind = _risk_parity_entry(
                C, b, lo, hi, boxed, tol, max_iter, False, False, out, binding
            )
    except np.linalg.LinAlgError:  # a Newton system was not numerically positive definite
        return _failed(out[3], 0, _STATUS_TEXT[_UNBOUNDED if check_psd else _NOT_PSD], note)
    weights, contributions, relative, b = out[0], out[1], out[2], out[3]  # (unpacking is slower)
    if status == _NO_BOUNDED_SOLUTION or not variance > 0.0:
        return _failed(b, n_iter, _STATUS_TEXT[_NO_BOUNDED_SOLUTION if variance > 0.0 else _UNBOUNDED], note)
    if status == _OK and max_error > tol:
        status = _OK_ROUNDING  # the final w / sum(w) (or rescale of the free weights) moved it past tol
    converged = status == _OK or status == _OK_ROUNDING
    if status == _OK and not note and not n_bind:
        text = "converged"
    else:
        notes = [_STATUS_TEXT[status].format(max_iter=max_iter, err=max_error, tol=tol)]
        if note:
            notes.append(note)
        if n_bind:
            notes.append(f"{n_bind} bound(s) bind; those assets miss their budgets")
        text = "; ".join(notes)
    return RiskParityResult(
        weights, contributions, relative, math.sqrt(variance), n_iter, converged, max_error, binding, b, text
    )


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
    C = _validated(C, *_check_cov(C), False)
    inv = 1.0 / np.sqrt(np.diag(C))
    return inv / inv.sum()
