"""Tests for kernels/min_variance_box.py (the box-bounds-only fast path of ``min_variance``).

Oracles: the existing exact path (critical line + primal active set of kernels/qp.py, called
directly); cvxpy with Clarabel at tight tolerances; the KKT conditions checked in plain NumPy;
the compiled kernel against its ``.py_func``.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import min_variance
from kernels.frontier import _problem, _result, _solve_path
from kernels.min_variance_box import (
    BOX_OK,
    MAX_CONDITION,
    _equality_active_set,
    _min_variance_box,
)
from tests.naive import cvxpy_min_variance, random_problem
from tests.tolerances import (
    ATOL_EXACT,
    ATOL_ORACLE_WEIGHTS,
    RTOL_KKT,
    RTOL_ORACLE_VARIANCE,
)

#: Fast path against the exact general path (the issue's bar), weights and variance, absolute.
#: Clarabel at tight tolerances is an interior-point solution: weights agree to its accuracy only.
#: KKT residuals relative to max|C| * max(1, max|w|) (roundoff of a solve on a well-conditioned C).
N_RANDOM = 240


def _exact(C, lower, upper, mu=None):
    """The existing general path, as ``min_variance`` ran before the fast path."""
    n = C.shape[0]
    prob = _problem(C, n, lower, upper, None, None, None, None)
    path = _solve_path(np.zeros(n) if mu is None else np.asarray(mu, float), prob, "min_variance")
    return _result(path.weights[0].copy(), mu, prob.cov, float(path.lambdas[0]))


def _random_box_problem(seed: int):
    """Factor-model covariance and a random box: long-only, tight (binding) upper bounds, long-short."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 201))
    k = int(rng.integers(1, 8))
    B = rng.normal(size=(n, k)) * rng.uniform(0.05, 0.3)
    C = B @ B.T + np.diag(rng.uniform(0.03, 0.4, size=n) ** 2)
    kind = seed % 4
    if kind == 0:  # long-only
        lower, upper = np.zeros(n), np.ones(n)
    elif kind == 1:  # caps that bind
        lower = np.zeros(n)
        upper = rng.uniform(1.05, 3.0) / n * rng.uniform(0.5, 1.5, size=n)
        upper *= max(1.0, 1.05 / upper.sum())
    elif kind == 2:  # long-short
        lower = -rng.uniform(0.0, 0.3, size=n)
        upper = rng.uniform(1.5 / n, 1.0, size=n)
        upper *= max(1.0, 1.05 / upper.sum())
    else:  # floors and caps, some assets pinned (lower == upper)
        lower = np.where(rng.random(n) < 0.3, rng.uniform(0.0, 0.5 / n, size=n), 0.0)
        upper = np.maximum(lower + 1e-3, rng.uniform(1.5 / n, 1.0, size=n))
        pinned = rng.random(n) < 0.1
        upper[pinned] = lower[pinned]
        upper[~pinned] *= max(1.0, (1.05 - upper[pinned].sum()) / upper[~pinned].sum())
    return C, lower, upper


def _kkt_violation(C, w, lower, upper):
    """Largest violation of the KKT conditions of min w'Cw/2, sum w = 1, lower <= w <= upper."""
    g0 = C @ w
    scale = float(np.max(np.abs(C))) * max(1.0, float(np.max(np.abs(w))))
    tol = 1e-12 * max(1.0, float(np.max(np.abs(w))))
    at_lo = w <= lower + tol
    at_hi = w >= upper - tol
    free = ~(at_lo | at_hi)
    # budget multiplier: the common gradient of the free assets (or any value that fits the bounds)
    if free.any():
        gamma = float(np.mean(g0[free]))
    else:
        gamma = 0.5 * (float(np.max(g0[at_hi])) + float(np.min(g0[at_lo]))) if at_lo.any() and at_hi.any() else 0.0
    g = g0 - gamma
    viol = [abs(float(w.sum()) - 1.0), float(np.max(lower - w)), float(np.max(w - upper))]
    if free.any():
        viol.append(float(np.max(np.abs(g[free]))) / scale)
    lo_only = at_lo & ~at_hi
    hi_only = at_hi & ~at_lo
    if lo_only.any():
        viol.append(float(np.max(-g[lo_only])) / scale)  # multiplier of a lower bound must be >= 0
    if hi_only.any():
        viol.append(float(np.max(g[hi_only])) / scale)  # multiplier of an upper bound must be <= 0
    return max(viol)


@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_fast_path_equals_exact_path(seed):
    C, lower, upper = _random_box_problem(seed)
    w = _min_variance_box(C, lower, upper)
    assert w is not None  # well-conditioned: the fast path certifies its answer
    ref = _exact(C, lower, upper)
    np.testing.assert_allclose(w, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert abs(float(w @ C @ w) - ref.volatility**2) <= ATOL_EXACT
    got = min_variance(C, lower, upper)
    np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert abs(got.volatility**2 - ref.volatility**2) <= ATOL_EXACT
    assert got.risk_tolerance == ref.risk_tolerance == 0.0
    assert _kkt_violation(C, got.weights, lower, upper) <= RTOL_KKT


@pytest.mark.parametrize("seed", range(6))
def test_result_fields_with_expected_returns(seed):
    C, lower, upper = _random_box_problem(1000 + seed)
    mu = np.random.default_rng(seed).normal(0.06, 0.04, size=C.shape[0])
    got = min_variance(C, lower, upper, expected_returns=mu)
    ref = _exact(C, lower, upper, mu)
    np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert got.expected_return == pytest.approx(ref.expected_return, abs=ATOL_EXACT)
    assert got.sharpe_ratio == pytest.approx(ref.sharpe_ratio, rel=1e-8)
    assert got.risk_tolerance == ref.risk_tolerance


@pytest.mark.parametrize("seed, n, long_short", [(1, 5, False), (2, 30, True), (3, 80, False), (4, 120, True)])
def test_against_clarabel(seed, n, long_short):
    prob = random_problem(seed, n, long_short=long_short)
    w = _min_variance_box(prob.cov, prob.lower, prob.upper)
    assert w is not None
    value, w_cvx = cvxpy_min_variance(prob, None)
    np.testing.assert_allclose(w, w_cvx, rtol=0, atol=ATOL_ORACLE_WEIGHTS)
    assert float(w @ prob.cov @ w) <= value * (1.0 + RTOL_ORACLE_VARIANCE)


def _duplicate_asset(seed, n):
    C = _random_box_problem(seed)[0][:n, :n]
    n = C.shape[0]
    C2 = np.empty((n + 1, n + 1))
    C2[:n, :n] = C
    C2[n, :n] = C2[:n, n] = C[0]
    C2[n, n] = C[0, 0]
    return C2, np.zeros(n + 1), np.ones(n + 1)


@pytest.mark.parametrize("seed", range(8))
def test_singular_covariance_falls_back(seed):
    C, lower, upper = _duplicate_asset(seed, 2 + 3 * seed)
    assert _min_variance_box(C, lower, upper) is None
    got = min_variance(C, lower, upper)
    ref = _exact(C, lower, upper)
    np.testing.assert_array_equal(got.weights, ref.weights)  # the very same computation


@pytest.mark.parametrize("seed", range(8))
def test_ill_conditioned_covariance_falls_back(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    C = (Q * np.logspace(-rng.uniform(7.5, 9.0), 0.0, n) * 0.04) @ Q.T
    C = 0.5 * (C + C.T)
    assert np.linalg.cond(C, 1) > MAX_CONDITION
    lower, upper = np.zeros(n), np.ones(n)
    assert _min_variance_box(C, lower, upper) is None


def test_uncertified_result_falls_back():
    C, lower, upper = _random_box_problem(2)  # long-short: needs more than one iteration
    assert _min_variance_box(C, lower, upper, max_iter=1) is None
    assert _min_variance_box(C, lower, upper) is not None


def test_every_asset_pinned_falls_back():
    C = np.diag([0.04, 0.01])
    assert _min_variance_box(C, np.array([0.3, 0.7]), np.array([0.3, 0.7])) is None
    np.testing.assert_allclose(min_variance(C, [0.3, 0.7], [0.3, 0.7]).weights, [0.3, 0.7])


def test_two_assets_closed_form():
    # minimum of a w^2 + b (1-w)^2: w = b / (a + b); a cap at 0.15 binds
    C = np.diag([0.04, 0.01])
    np.testing.assert_allclose(_min_variance_box(C, np.zeros(2), np.ones(2)), [0.2, 0.8], rtol=0, atol=1e-15)
    np.testing.assert_allclose(_min_variance_box(C, np.zeros(2), np.array([1.0, 0.75])), [0.25, 0.75], atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_kernel_matches_py_func(seed):
    C, lower, upper = _random_box_problem(seed)
    n = C.shape[0]
    H = np.linalg.inv(C)
    H = np.ascontiguousarray(np.tril(H))  # the kernel reads the lower triangle only
    out = []
    for fn in (_equality_active_set, _equality_active_set.py_func):
        w = np.empty(n)
        state = np.empty(n, dtype=np.int64)
        status, n_iter, gamma = fn(H, np.ones(n), lower, upper, 50, w, state)
        out.append((status, n_iter, gamma, w, state))
    (s1, i1, g1, w1, st1), (s2, i2, g2, w2, st2) = out
    assert s1 == s2 == BOX_OK
    assert i1 == i2
    np.testing.assert_array_equal(st1, st2)
    np.testing.assert_allclose(w1, w2, rtol=0, atol=1e-13)
    assert g1 == pytest.approx(g2, rel=1e-12)
