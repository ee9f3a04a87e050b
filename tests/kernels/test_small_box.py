"""The compiled box-path loops for small problems (``kernels.mean_variance.box_small``, issue 16 speed):
the same certified answers as the Python/LAPACK loops of ``box_path`` they replace, as their own plain-Python
version, and as cvxpy/Clarabel.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import efficient_portfolio, max_sharpe
from kernels._jit import PURE_PYTHON
from kernels.mean_variance import box_l2_risk, box_path, box_small, box_small_l2
from kernels.mean_variance.portfolios import BOX_ACTIVE_SET
from tests.naive import cvxpy_options, random_box_problem, random_problem
from tests.tolerances import (
    ATOL_EXACT,
    ATOL_ORACLE_WEIGHTS,
    ATOL_ORACLE_WEIGHTS_FLAT,
    RTOL_CLOSED_FORM,
    RTOL_ORACLE,
    RTOL_QP,
)

pytestmark = pytest.mark.skipif(PURE_PYTHON, reason="the compiled loops run only compiled (box_small.ENABLED)")

SEEDS = range(40)


def _python_loops(monkeypatch):
    """Back to the Python/LAPACK loops of ``box_path`` and ``box_l2_risk`` (SciPy's ``brentq`` for the root)."""
    monkeypatch.setattr(box_path, "SMALL_ENABLED", False)
    monkeypatch.setattr(box_l2_risk, "SMALL_ENABLED", False)


def _problem(seed):
    """A random box problem of 2 to 200 assets (long-only, binding caps, long-short, pinned) with returns."""
    C, lower, upper = random_box_problem(seed)
    mu = np.random.default_rng(1000 + seed).normal(0.06, 0.04, C.shape[0])
    return mu, C, lower, upper


def _calls(mu, C, lower, upper):
    """Each entry point the compiled loops serve, at a point inside the problem's range."""
    lo = efficient_portfolio(mu, C, risk_aversion=1e6, lower=lower, upper=upper)
    hi = efficient_portfolio(mu, C, risk_aversion=1e-3, lower=lower, upper=upper)
    return {
        "target_return": {"target_return": 0.4 * lo.expected_return + 0.6 * hi.expected_return},
        "target_risk": {"target_risk": 0.6 * lo.volatility + 0.4 * hi.volatility},
        "utility": {"risk_aversion": 3.0},
        "utility_l2": {"risk_aversion": 3.0, "gamma": 0.05},
        "target_risk_l2": {"target_risk": 0.5 * lo.volatility + 0.5 * hi.volatility, "gamma": 0.05},
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_same_answers_as_the_python_loops(seed, monkeypatch):
    mu, C, lower, upper = _problem(seed)
    calls = _calls(mu, C, lower, upper)
    fast = {k: efficient_portfolio(mu, C, lower=lower, upper=upper, **kw) for k, kw in calls.items()}
    fast_sharpe = max_sharpe(mu, C, 0.01, lower=lower, upper=upper) if np.any(mu > 0.01) else None
    _python_loops(monkeypatch)
    for k, kw in calls.items():
        slow = efficient_portfolio(mu, C, lower=lower, upper=upper, **kw)
        assert fast[k].method == slow.method, k  # the fallback (when the box path cannot certify) included
        np.testing.assert_allclose(fast[k].weights, slow.weights, atol=ATOL_EXACT, err_msg=k)
    if fast_sharpe is not None:
        slow = max_sharpe(mu, C, 0.01, lower=lower, upper=upper)
        assert fast_sharpe.method == slow.method
        np.testing.assert_allclose(fast_sharpe.weights, slow.weights, atol=ATOL_EXACT)


def test_the_compiled_loops_answer(monkeypatch):
    """The compiled search proposes the answer itself (it does not give up to the Python loops)."""
    seen = []
    point = box_small._point_small
    monkeypatch.setattr(box_path, "_point_small", lambda *a: seen.append(point(*a)) or seen[-1])
    for seed in range(8):
        p = random_problem(seed, 20 + 20 * seed)
        efficient_portfolio(p.mu, p.cov, target_return=float(np.median(p.mu)), lower=p.lower, upper=p.upper)
    assert len(seen) == 8 and all(s is not None for s in seen)
    seen_l2 = []
    l2_point = box_small_l2._l2_point_small
    monkeypatch.setattr(box_l2_risk, "_l2_point_small", lambda *a: seen_l2.append(l2_point(*a)) or seen_l2[-1])
    for seed in range(8):
        p = random_problem(seed, 20 + 20 * seed)
        lo = efficient_portfolio(p.mu, p.cov, risk_aversion=1e6, lower=p.lower, upper=p.upper).volatility
        hi = efficient_portfolio(p.mu, p.cov, risk_aversion=1e-3, lower=p.lower, upper=p.upper).volatility
        r = efficient_portfolio(p.mu, p.cov, target_risk=0.5 * (lo + hi), gamma=0.05, lower=p.lower, upper=p.upper)
        assert r.method == BOX_ACTIVE_SET
    # (the L2 optimum alone can already meet the limit: then no search at all)
    assert len(seen_l2) >= 5 and all(s is not None for s in seen_l2)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", ["return", "variance", "sharpe"])
def test_kernel_as_plain_python(seed, kind):
    """The compiled search and its plain-Python version (``py_func``) take the same steps."""
    p = random_problem(seed, 5 + 4 * seed, long_short=seed % 3 == 1)
    n = p.mu.size
    target = {"return": float(np.median(p.mu)), "variance": float(np.median(np.diag(p.cov))) * 0.3,
              "sharpe": 0.0}[kind]
    L = np.linalg.cholesky(p.cov) if seed % 2 else None  # with a factor: sets solved in the range space too
    out = []
    for f in (box_small._path_point_small, box_small._path_point_small.py_func):
        state = np.where(p.lower == p.upper, -1, 0).astype(np.int64)
        bufs = [np.empty(n) for _ in range(4)]
        rs = box_small._workspace(L, p.mu)  # the kernel fills its columns: one each
        res = f(p.cov, rs, p.mu, p.lower, p.upper, box_small.KINDS[kind], target, 0.0, state, 60, 50, *bufs)
        out.append((res, state, bufs))
    (r1, s1, b1), (r2, s2, b2) = out
    assert r1[0] == r2[0] and np.array_equal(s1, s2)
    np.testing.assert_allclose(r1[1:], r2[1:], rtol=RTOL_CLOSED_FORM, atol=1e-15)
    for x, y in zip(b1, b2):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("seed", range(6))
def test_variance_root_as_brentq(seed):
    """The compiled root of a set's variance against SciPy's ``brentq`` on the same function (the Python loop)."""
    p = random_problem(seed, 30)
    state = np.zeros(30, dtype=np.int64)
    state[:5] = -1
    lower = np.zeros(30)
    target = float(np.median(np.diag(p.cov))) * 0.2
    ours = box_small_l2._set_root_small(p.cov, p.mu, state, lower, p.upper, 0.05, target, box_l2_risk.LAM_GRID)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(box_l2_risk, "SMALL_ENABLED", False)
        theirs = box_l2_risk._root_on_set(p.cov, p.mu, state, lower, p.upper, 0.05, target)
    assert theirs is not None and ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [20, 100])
def test_against_clarabel(seed, n):
    pytest.importorskip("cvxpy")
    p = random_problem(seed, n, long_short=seed % 2 == 1)
    lo = efficient_portfolio(p.mu, p.cov, risk_aversion=1e6, lower=p.lower, upper=p.upper)
    hi = efficient_portfolio(p.mu, p.cov, risk_aversion=1e-3, lower=p.lower, upper=p.upper)
    tr = 0.5 * (lo.expected_return + hi.expected_return)
    res = efficient_portfolio(p.mu, p.cov, target_return=tr, lower=p.lower, upper=p.upper)
    assert res.method == BOX_ACTIVE_SET
    want = cvxpy_options(p, "target_return", target=tr)
    assert res.volatility**2 <= float(want @ p.cov @ want) * (1.0 + RTOL_ORACLE)
    np.testing.assert_allclose(res.weights, want, atol=ATOL_ORACLE_WEIGHTS)
    ut = efficient_portfolio(p.mu, p.cov, risk_aversion=2.0, lower=p.lower, upper=p.upper)
    assert ut.method == BOX_ACTIVE_SET
    np.testing.assert_allclose(ut.weights, cvxpy_options(p, "utility", delta=2.0), atol=ATOL_ORACLE_WEIGHTS)
    ts = 0.5 * (lo.volatility + hi.volatility)
    l2 = efficient_portfolio(p.mu, p.cov, target_risk=ts, gamma=0.05, lower=p.lower, upper=p.upper)
    assert l2.method == BOX_ACTIVE_SET and l2.volatility <= ts * (1.0 + 1e-9)
    want = cvxpy_options(p, "target_risk", gamma=0.05, target=ts)
    u = lambda w: p.mu @ w - 0.05 * w @ w
    assert u(l2.weights) >= u(want) - RTOL_QP * abs(u(want))
    np.testing.assert_allclose(l2.weights, want, atol=ATOL_ORACLE_WEIGHTS_FLAT)
