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

Modules: :mod:`.api` (the public functions and their result), :mod:`.entry` (the compiled entry
point: checks and solve in one call), :mod:`.bounds` (bounds: the unbounded start, then
:mod:`.joint`'s Newton iteration on the weights and ``lam`` together, its systems first by conjugate
gradients preconditioned with the diagonal, the search for ``lam`` as its fallback),
:mod:`.descent` (coordinate descent, Anderson acceleration), :mod:`.newton` (line-search and chord
Newton, conjugate gradients, the single-precision factor), :mod:`.barrier` (the barrier function and
its optimality error), :mod:`.linalg` (dot products, Cholesky, triangular solves) and :mod:`.status`
(one status vocabulary and its messages). The covariance checks are :mod:`kernels._validate`'s.
"""

from .api import DEFAULT_MAX_ITER, DEFAULT_TOL, RiskParityResult, inverse_volatility, risk_parity
from .status import STATUS_MESSAGES, RiskParityStatus

__all__ = [
    "DEFAULT_MAX_ITER",
    "DEFAULT_TOL",
    "STATUS_MESSAGES",
    "RiskParityResult",
    "RiskParityStatus",
    "inverse_volatility",
    "risk_parity",
]
