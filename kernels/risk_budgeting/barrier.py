"""Spinu's barrier function and how far a point is from its minimiser (see :mod:`kernels.risk_budgeting`).

``f(x) = 1/2 x' C x - sum_i beta_i log(x_i)`` over the box ``lo <= x <= hi``; the descent and Newton
solvers share these measures. ``cx`` is always ``C x``.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, vectorised

#: Machine epsilon of float64 (a literal: compiled code reads it as a constant).
_EPS = 2.220446049250313e-16


def _kkt_error_numpy(C, beta, lo, hi, x, cx):
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        r = x * cx / beta - 1.0
        e = np.where(x <= lo, np.maximum(-r, 0.0), np.where(x >= hi, np.maximum(r, 0.0), np.abs(r)))
    nan = np.flatnonzero(np.isnan(e))
    if nan.size:  # as the loop: a NaN is kept only when it comes last
        e = e[nan[-1] + 1 :]
        if not e.size:
            return float("nan")
    return float(max(e.max(), 0.0))


@vectorised(_kkt_error_numpy)
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


def _objective_numpy(beta, x, cx):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(0.5 * x * cx - beta * np.log(x)))


@vectorised(_objective_numpy)
@jit
def _objective(beta, x, cx):
    """``f(x)`` from ``cx = C x``."""
    f = 0.0
    for i in range(x.shape[0]):
        f += 0.5 * x[i] * cx[i] - beta[i] * np.log(x[i])
    return f


def _rounding_floor_numpy(C, x, cx):
    n = x.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        e = 2.0 * (n + 2) * _EPS * np.abs(C * x).sum(axis=1) / np.abs(cx)
    return float(np.max(e, initial=0.0, where=~np.isnan(e)))


@vectorised(_rounding_floor_numpy)
@jit
def _rounding_floor(C, x, cx):
    """Worst-case relative rounding error of the computed ``x_i (C x)_i`` (a dot product of n terms)."""
    n = x.shape[0]
    floor = 0.0
    for i in range(n):
        mag = 0.0
        for j in range(n):
            mag += abs(C[i, j] * x[j])
        e = 2.0 * (n + 2) * _EPS * mag / abs(cx[i])
        if e > floor:
            floor = e
    return floor
