"""One HiGHS solve, as :func:`scipy.optimize.milp` does it, without its per-call overhead.

``milp`` checks its arguments, converts them, sets each option through a validating lookup, and
after the solve loops in Python over every column to build bound multipliers nobody here reads:
about half of the time of a small household's solve (issue 17's book of 10,000 households). This
module hands the same model, with the same options, to the same HiGHS build (the one SciPy bundles,
``scipy.optimize._highspy._core``), so the plan is the one ``milp`` would return, bit for bit (tested).
Where that private module is missing (another SciPy), :func:`solve_lp` calls ``milp`` itself.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import scipy  # scipy.optimize loads on first use


class Solved(NamedTuple):
    """What the household solver reads of a solve (the fields of ``milp``'s result it uses)."""

    status: int  # milp's codes: 0 optimal, 1 time or iteration limit, 2 infeasible, 3 unbounded, 4 other
    x: np.ndarray | None
    fun: float | None
    mip_dual_bound: float | None
    message: str


def _core():
    try:
        from scipy.optimize._highspy import _core
    except ImportError:
        return None
    return _core if hasattr(_core, "_Highs") and hasattr(_core, "HighsLp") else None


def solve_lp(c, integrality, lb, ub, a, row_lb, row_ub, options: dict, *, direct: bool = True) -> Solved:
    """``milp(c, integrality=..., bounds=Bounds(lb, ub), constraints=LinearConstraint(a, row_lb, row_ub),
    options=options)``; ``options`` may hold ``time_limit``, ``presolve`` (bool), ``mip_rel_gap`` and
    ``mip_abs_gap``. ``direct=False`` calls ``milp`` (the reference the direct path is tested against)."""
    core = _core() if direct else None
    if core is None:
        return _milp(c, integrality, lb, ub, a, row_lb, row_ub, options)
    h = core
    csc = a.tocsc()  # milp hands HiGHS the column-wise matrix
    lp = h.HighsLp()
    n, m = c.size, row_lb.size
    lp.num_col_, lp.num_row_ = n, m
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.a_matrix_.format_ = h.MatrixFormat.kColwise
    lp.col_cost_ = np.asarray(c, np.float64)
    lp.col_lower_ = np.asarray(lb, np.float64)
    lp.col_upper_ = np.asarray(ub, np.float64)
    lp.row_lower_ = np.asarray(row_lb, np.float64)
    lp.row_upper_ = np.asarray(row_ub, np.float64)
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    is_mip = bool(np.any(integrality))
    lp.integrality_ = [h.HighsVarType(int(i)) for i in integrality]  # as milp does, zeros (continuous) for an LP
    opts = h.HighsOptions()
    opts.log_to_console = False
    for key, value in options.items():
        setattr(opts, key, ("on" if value else "off") if key == "presolve" else float(value))
    highs = h._Highs()
    if highs.passOptions(opts) == h.HighsStatus.kError or highs.passModel(lp) == h.HighsStatus.kError:
        return _milp(c, integrality, lb, ub, a, row_lb, row_ub, options)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    limits = (h.HighsModelStatus.kTimeLimit, h.HighsModelStatus.kIterationLimit, h.HighsModelStatus.kSolutionLimit)
    code = {h.HighsModelStatus.kOptimal: 0, h.HighsModelStatus.kTimeLimit: 1, h.HighsModelStatus.kIterationLimit: 1,
            h.HighsModelStatus.kInfeasible: 2, h.HighsModelStatus.kModelError: 2,
            h.HighsModelStatus.kUnbounded: 3}.get(status, 4)
    failed = (status not in (h.HighsModelStatus.kOptimal, *limits) or (
        status in limits and info.objective_function_value == h.kHighsInf)) if is_mip else \
        status != h.HighsModelStatus.kOptimal
    message = highs.modelStatusToString(status)
    if failed:
        return Solved(code, None, None, None, message)
    x = np.array(highs.getSolution().col_value)
    return Solved(code, x, float(info.objective_function_value), float(info.mip_dual_bound) if is_mip else None,
                  message)


def _milp(c, integrality, lb, ub, a, row_lb, row_ub, options) -> Solved:
    with warnings.catch_warnings():  # scipy passes options it does not list (mip_abs_gap) to HiGHS as they are
        warnings.filterwarnings("ignore", message="Unrecognized options detected", category=RuntimeWarning)
        res = scipy.optimize.milp(c, integrality=integrality if np.any(integrality) else None,
                                  bounds=scipy.optimize.Bounds(lb, ub),
                                  constraints=scipy.optimize.LinearConstraint(a, row_lb, row_ub), options=dict(options))
    return Solved(int(res.status), res.x, None if res.fun is None else float(res.fun), res.mip_dual_bound, res.message)
