"""Tests for kernels/mean_variance/box_active_set.py (the box-bounds-only fast path of ``min_variance``).

Oracles: the exact general path (critical line + face QP of kernels/mean_variance, called
directly); cvxpy with Clarabel at tight tolerances; the KKT conditions checked in plain NumPy;
the compiled kernel against its ``.py_func``.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import min_variance
from kernels.mean_variance.box_active_set import (
    MAX_CONDITION,
    _equality_active_set,
    _min_variance_box,
)
from kernels.mean_variance.status import Status
from tests.naive import (
    cvxpy_min_variance,
    exact_min_variance,
    kkt_violation_box,
    random_box_problem,
    random_problem,
    with_duplicate_asset,
)
from tests.tolerances import (
    ATOL_EXACT,
    ATOL_ORACLE_WEIGHTS,
    RTOL_KKT,
    RTOL_ORACLE_VARIANCE,
)

N_RANDOM = 240


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_fast_path_equals_exact_path(seed):
    C, lower, upper = random_box_problem(seed)
    w = _min_variance_box(C, lower, upper)
    assert w is not None  # well-conditioned: the fast path certifies its answer
    ref = exact_min_variance(C, lower, upper)
    np.testing.assert_allclose(w, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert abs(float(w @ C @ w) - ref.volatility**2) <= ATOL_EXACT
    got = min_variance(C, lower, upper)
    np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert abs(got.volatility**2 - ref.volatility**2) <= ATOL_EXACT
    assert got.risk_tolerance == ref.risk_tolerance == 0.0
    assert kkt_violation_box(C, got.weights, lower, upper) <= RTOL_KKT


@pytest.mark.parametrize("seed", range(6))
def test_result_fields_with_expected_returns(seed):
    C, lower, upper = random_box_problem(1000 + seed)
    mu = np.random.default_rng(seed).normal(0.06, 0.04, size=C.shape[0])
    got = min_variance(C, lower, upper, expected_returns=mu)
    ref = exact_min_variance(C, lower, upper, mu)
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


@pytest.mark.parametrize("seed", range(8))
def test_singular_covariance_falls_back(seed):
    C = with_duplicate_asset(random_box_problem(seed)[0][: 2 + 3 * seed, : 2 + 3 * seed])
    lower, upper = np.zeros(C.shape[0]), np.ones(C.shape[0])
    assert _min_variance_box(C, lower, upper) is None
    got = min_variance(C, lower, upper)
    ref = exact_min_variance(C, lower, upper)
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
    C, lower, upper = random_box_problem(2)  # long-short: needs more than one iteration
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
    C, lower, upper = random_box_problem(seed)
    n = C.shape[0]
    H = np.linalg.inv(C)
    H = np.ascontiguousarray(np.tril(H))  # the kernel reads the lower triangle only
    a, b = (fn(H, np.ones(n), lower, upper, 50, np.empty(n), np.empty(n, dtype=np.int64))
            for fn in (_equality_active_set, _equality_active_set.py_func))
    assert a.status == b.status == Status.OK
    assert a.n_iter == b.n_iter
    np.testing.assert_array_equal(a.state, b.state)
    np.testing.assert_allclose(a.weights, b.weights, rtol=0, atol=1e-13)
    assert a.gamma == pytest.approx(b.gamma, rel=1e-12)
