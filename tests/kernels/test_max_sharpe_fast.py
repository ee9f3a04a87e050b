"""Tests for the fast long-only path of ``max_sharpe`` (kernels/mean_variance/box_active_set.py ``_max_sharpe_box``).

Long-only, ``lower = 0``, ``upper >= 1``, no rows: ``w = y / sum(y)`` with ``y`` minimising
``y'Cy`` subject to ``(mu - rf)'y = 1``, ``y >= 0``.  Oracles: the existing exact path (the critical
line, called directly by disabling the fast path); cvxpy with Clarabel; the KKT conditions of the
Sharpe problem checked in plain NumPy; the compiled kernel against its ``.py_func``.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import LinearConstraints, max_sharpe
from kernels.errors import InfeasibleError
from kernels.mean_variance import portfolios
from kernels.mean_variance.box_active_set import (
    MAX_CONDITION,
    _equality_active_set,
    _max_sharpe_box,
)
from kernels.mean_variance.status import Status
from tests.naive import (
    cvxpy_long_only_max_sharpe,
    exact_max_sharpe,
    kkt_violation_sharpe,
    random_sharpe_problem,
    with_duplicate_asset,
)
from tests.tolerances import ATOL_EXACT, ATOL_ORACLE_WEIGHTS, RTOL_KKT, RTOL_LAMBDA

N_RANDOM = 220


def _spy(monkeypatch):
    calls = []
    real = portfolios._max_sharpe_box

    def spy(*a, **k):
        out = real(*a, **k)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(portfolios, "_max_sharpe_box", spy)
    return calls


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_fast_path_equals_exact_path(seed, monkeypatch):
    C, mu, rf = random_sharpe_problem(seed)
    ref = exact_max_sharpe(monkeypatch, mu, C, rf)
    calls = _spy(monkeypatch)
    got = max_sharpe(mu, C, rf)
    assert len(calls) == 1
    if int(np.sum(ref.weights > 0)) >= 2:
        assert calls == [True]  # well-conditioned, two or more assets held: the fast path certifies
    np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert abs(got.sharpe_ratio - ref.sharpe_ratio) <= ATOL_EXACT
    assert abs(got.expected_return - ref.expected_return) <= ATOL_EXACT
    assert abs(got.volatility - ref.volatility) <= ATOL_EXACT
    assert got.risk_tolerance == pytest.approx(ref.risk_tolerance, rel=RTOL_LAMBDA)
    w = got.weights
    lam_tangency = float(w @ C @ w) / float(w @ mu - rf)
    assert kkt_violation_sharpe(C, mu, w, lam_tangency, rf) <= RTOL_KKT
    assert kkt_violation_sharpe(C, mu, w, got.risk_tolerance) <= RTOL_KKT
    # the Sharpe ratio reported is the one of the weights
    assert got.sharpe_ratio == pytest.approx((w @ mu - rf) / np.sqrt(w @ C @ w), rel=1e-12)


def test_most_random_problems_take_the_fast_path(monkeypatch):
    calls = _spy(monkeypatch)
    for seed in range(40):
        C, mu, rf = random_sharpe_problem(seed)
        max_sharpe(mu, C, rf)
    assert len(calls) == 40 and sum(calls) >= 35


@pytest.mark.parametrize("seed, n", [(1, 5), (2, 30), (3, 80), (4, 150)])
def test_against_clarabel(seed, n):
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, max(1, n // 4))) * 0.15
    C = B @ B.T + np.diag(rng.uniform(0.05, 0.3, size=n) ** 2)
    mu = rng.normal(0.06, 0.04, size=n)
    rf = 0.02
    got = max_sharpe(mu, C, rf)
    w_cvx = cvxpy_long_only_max_sharpe(C, mu, rf)
    np.testing.assert_allclose(got.weights, w_cvx, rtol=0, atol=ATOL_ORACLE_WEIGHTS)
    s_cvx = (w_cvx @ mu - rf) / np.sqrt(w_cvx @ C @ w_cvx)
    assert got.sharpe_ratio >= s_cvx - 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_singular_covariance_falls_back(seed, monkeypatch):
    C, mu, rf = random_sharpe_problem(seed)
    C, mu = with_duplicate_asset(C, mu)
    assert _max_sharpe_box(C, mu, rf) is None
    got = max_sharpe(mu, C, rf)
    ref = exact_max_sharpe(monkeypatch, mu, C, rf)
    np.testing.assert_array_equal(got.weights, ref.weights)  # the very same computation
    assert got.risk_tolerance == ref.risk_tolerance


@pytest.mark.parametrize("seed", range(6))
def test_ill_conditioned_covariance_falls_back(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    C = (Q * np.logspace(-rng.uniform(7.5, 9.0), 0.0, n) * 0.04) @ Q.T
    C = 0.5 * (C + C.T)
    assert np.linalg.cond(C, 1) > MAX_CONDITION
    mu = rng.normal(0.06, 0.04, size=n)
    assert _max_sharpe_box(C, mu, 0.0) is None
    got = max_sharpe(mu, C)
    ref = exact_max_sharpe(monkeypatch, mu, C)
    np.testing.assert_array_equal(got.weights, ref.weights)


def test_uncertified_result_falls_back():
    C, mu, rf = random_sharpe_problem(5)
    assert _max_sharpe_box(C, mu, rf, max_iter=1) is None  # needs more than one iteration
    assert _max_sharpe_box(C, mu, rf) is not None


def test_one_asset_held_falls_back(monkeypatch):
    # only asset 0 beats rf and the others are positively correlated with it: all in asset 0,
    # where lam is not unique, so the exact path decides risk_tolerance
    C = np.array([[0.04, 0.01, 0.01], [0.01, 0.09, 0.02], [0.01, 0.02, 0.16]])
    mu = np.array([0.08, 0.01, 0.0])
    assert _max_sharpe_box(C, mu, 0.02) is None
    got = max_sharpe(mu, C, 0.02)
    ref = exact_max_sharpe(monkeypatch, mu, C, 0.02)
    np.testing.assert_array_equal(got.weights, [1.0, 0.0, 0.0])
    assert got.risk_tolerance == ref.risk_tolerance


def test_two_assets_closed_form():
    # uncorrelated: w_i proportional to (mu_i - rf) / var_i
    C = np.diag([0.04, 0.01])
    w, lam = _max_sharpe_box(C, np.array([0.10, 0.05]), 0.0)
    np.testing.assert_allclose(w, [1.0 / 3.0, 2.0 / 3.0], rtol=0, atol=1e-15)
    assert lam == pytest.approx((w @ C @ w) / (w @ [0.10, 0.05]), rel=1e-14)


def test_every_return_below_risk_free_still_raises():
    C = np.diag([0.04, 0.01])
    assert _max_sharpe_box(C, np.array([0.01, 0.02]), 0.03) is None
    with pytest.raises(InfeasibleError, match="risk_free: every attainable expected return"):
        max_sharpe([0.01, 0.02], C, risk_free=0.03)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"upper": 0.3},  # caps bind
        {"upper": [1.0, 1.0, 1.0, 1.0, 0.999]},  # one cap below 1
        {"lower": 0.01},  # floors
        {"lower": -0.2},  # long-short
        {"groups": ["a", "a", "b", "b", "b"], "group_upper": {"a": 0.4}},
        {"constraints": LinearConstraints(np.ones((1, 5)), [-np.inf], [np.inf])},
    ],
)
def test_capped_grouped_problems_use_exact_path(kwargs, monkeypatch):
    rng = np.random.default_rng(7)
    B = rng.normal(size=(5, 2)) * 0.2
    C = B @ B.T + np.diag(rng.uniform(0.05, 0.3, size=5) ** 2)
    mu = np.array([0.08, 0.07, 0.06, 0.09, 0.05])
    calls = _spy(monkeypatch)
    max_sharpe(mu, C, 0.01, **kwargs)
    assert calls == []


@pytest.mark.parametrize("kwargs", [{}, {"upper": 1.0}, {"upper": 2.5}, {"lower": 0.0, "upper": [1.0, 3, 1, 1, 1]}])
def test_no_effective_caps_take_fast_path(kwargs, monkeypatch):
    rng = np.random.default_rng(8)
    B = rng.normal(size=(5, 2)) * 0.2
    C = B @ B.T + np.diag(rng.uniform(0.05, 0.3, size=5) ** 2)
    mu = np.array([0.08, 0.07, 0.06, 0.09, 0.05])
    ref = exact_max_sharpe(monkeypatch, mu, C, 0.01, **kwargs)
    calls = _spy(monkeypatch)
    got = max_sharpe(mu, C, 0.01, **kwargs)
    assert calls == [True]
    np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT)
    assert got.risk_tolerance == pytest.approx(ref.risk_tolerance, rel=RTOL_LAMBDA)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_kernel_matches_py_func(seed):
    C, mu, rf = random_sharpe_problem(seed)
    n = C.shape[0]
    H = np.ascontiguousarray(np.tril(np.linalg.inv(C)))  # the kernel reads the lower triangle only
    a, b = (fn(H, mu - rf, np.zeros(n), np.full(n, np.inf), 50, np.empty(n), np.empty(n, dtype=np.int64))
            for fn in (_equality_active_set, _equality_active_set.py_func))
    assert a.status == b.status == Status.OK
    assert a.n_iter == b.n_iter
    np.testing.assert_array_equal(a.state, b.state)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-12, atol=0)
    assert a.gamma == pytest.approx(b.gamma, rel=1e-12)
