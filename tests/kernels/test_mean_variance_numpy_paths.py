"""The NumPy paths of the mean-variance kernels (used without Numba) against their loops.

Every kernel with a ``*_numpy`` path (kernels/mean_variance: kkt, active_set, cla, simplex) gets the same
inputs as its ``*_loops`` version, on states of real problems (a simplex vertex, a free set grown and
shrunk through the KKT updates); then the whole critical-line path runs with every twin swapped in
and is compared with the loops (and, with Numba, with the compiled kernel). Both runs of the suite
(compiled, and ``XLFOLIO_DISABLE_NUMBA=1``) check both sides.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kernels._jit import PURE_PYTHON
from kernels.mean_variance import active_set, cla, kkt, simplex
from kernels.mean_variance.constraints import _problem, _standard_form
from kernels.mean_variance.status import Status
from tests.naive import linear_constraints, random_problem, with_duplicate_asset
from tests.tolerances import ATOL_EXACT, RTOL_CLOSED_FORM, RTOL_LAMBDA, RTOL_NUMPY_PATH

#: Each kernel with a NumPy path, and its module.
TWINS = {
    "_kkt_solve": kkt, "_kkt_add": kkt, "_kkt_remove": kkt,
    "_bounded_product": active_set, "_constant_rhs": active_set, "_entering_variable": active_set,
    "_step_to_block": active_set, "_next_event": cla, "_sharpe_at": cla, "_nonbasic_rhs": simplex,
    "_price": simplex,
}
MODULES = (kkt, active_set, cla, simplex)
#: The threshold the face QP and the simplex take (an input of the kernels here, not a test tolerance).
GTOL = 1e-12
#: The loops as plain Python (``kernel.py_func`` in both modes) and the NumPy paths.
LOOPS = {name: getattr(module, name).py_func for name, module in TWINS.items()}
NUMPY = {name: getattr(module, name + "_numpy") for name, module in TWINS.items()}


def loops(name):
    return LOOPS[name]


def numpy_twin(name):
    return NUMPY[name]


def use(monkeypatch, version):
    """Every kernel with a NumPy path as ``version`` ("loops" or "numpy"), every other compiled kernel
    as plain Python (its ``py_func`` then calls what is patched here)."""
    pick = LOOPS if version == "loops" else NUMPY
    for module in MODULES:
        for name, obj in list(vars(module).items()):
            if name in TWINS:
                monkeypatch.setattr(module, name, pick[name])
            elif not name.endswith("_numpy") and getattr(obj, "py_func", obj) is not obj:
                monkeypatch.setattr(module, name, obj.py_func)


def test_the_numpy_paths_run_only_without_numba():
    for name, module in TWINS.items():
        kernel = getattr(module, name)
        assert (kernel is NUMPY[name]) == PURE_PYTHON
        assert kernel.py_func is LOOPS[name] is not NUMPY[name]


# ----------------------------------------------------------------------------- states of real problems


def state(seed, n=14, duplicate=False):
    """A standard-form problem at a simplex vertex whose free set then grows by about half the assets."""
    rng = np.random.default_rng(seed)
    p = random_problem(seed, n, groups=True, long_short=seed % 3 == 2)
    cov, mu = (with_duplicate_asset(p.cov, p.mu) if duplicate else (p.cov, p.mu))
    lower, upper = (np.append(p.lower, p.lower[0]), np.append(p.upper, p.upper[0])) if duplicate else (p.lower, p.upper)
    A = np.hstack([p.A, p.A[:, :1]]) if duplicate else p.A
    n = mu.size
    prob = _problem(cov, n, lower, upper, (A, p.row_lower, p.row_upper), None, None, None)
    mu_s, E, b, lo, hi = _standard_form(mu, prob)
    k, m = E.shape
    x, basis = np.empty(m), np.empty(k, dtype=np.int64)
    assert simplex._bounded_simplex(E, b, lo, hi, -mu_s, x, basis, 1000) == Status.OK
    s = SimpleNamespace(C=prob.cov, mu=mu_s, E=E, b=b, lo=lo, hi=hi, n=n, k=k, m=m, x=x, rng=rng,
                        M=np.zeros((k + m, k + m)), free=np.empty(m, dtype=np.int64), pos=np.full(m, -1),
                        is_free=np.zeros(m, dtype=np.bool_), f=k, cbound=np.empty(n))
    s.free[:k] = basis
    s.pos[basis] = np.arange(k)
    s.is_free[basis] = True
    kkt._kkt_init(s.C, E, n, basis, s.M)
    for j in rng.permutation(n)[: n // 2]:
        if not s.is_free[j] and loops("_kkt_add")(s.C, E, n, s.free, s.f, s.pos, s.M, j):
            s.is_free[j] = True
            s.f += 1
    loops("_bounded_product")(s.C, n, s.is_free, x, s.cbound)
    return s


def copies(s):
    return [SimpleNamespace(**{key: (val.copy() if isinstance(val, np.ndarray) else val) for key, val in vars(s).items()})
            for _ in range(2)]


def kkt_solution(s, rhs, refine=True):
    out, work = np.zeros(s.k + s.m), np.zeros(s.k + s.m)
    loops("_kkt_solve")(s.C, s.E, s.n, s.free, s.f, s.M, rhs, out, work, refine)
    return out


SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
def test_kkt_solve(seed):
    s = state(seed)
    rhs = s.rng.normal(size=s.k + s.m)
    for refine in (False, True):
        a, b = (np.zeros(s.k + s.m) for _ in range(2))
        loops("_kkt_solve")(s.C, s.E, s.n, s.free, s.f, s.M, rhs, a, np.zeros(s.k + s.m), refine)
        numpy_twin("_kkt_solve")(s.C, s.E, s.n, s.free, s.f, s.M, rhs, b, np.zeros(s.k + s.m), refine)
        np.testing.assert_allclose(b[: s.k + s.f], a[: s.k + s.f], rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("duplicate", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_kkt_add_and_remove(seed, duplicate):
    """The same sequence of bordering and downdates, state by state; a twin asset is refused by both."""
    s = state(seed, duplicate=duplicate)
    one, two = copies(s)

    def both(change, var):
        if change < 0:
            p = int(one.pos[var])
            ok = [fn(s.E, t.free, t.f, t.pos, t.M, p) for fn, t in ((loops("_kkt_remove"), one),
                                                                     (numpy_twin("_kkt_remove"), two))]
        else:
            ok = [fn(s.C, s.E, s.n, t.free, t.f, t.pos, t.M, var) for fn, t in ((loops("_kkt_add"), one),
                                                                                 (numpy_twin("_kkt_add"), two))]
        assert ok[0] == ok[1]
        if ok[0]:
            for t in (one, two):
                t.f += change
                t.is_free[var] = change > 0
        size = s.k + one.f
        np.testing.assert_array_equal(one.free[: one.f], two.free[: two.f])
        np.testing.assert_array_equal(one.pos, two.pos)
        np.testing.assert_allclose(two.M[:size, :size], one.M[:size, :size], rtol=0,
                                   atol=RTOL_NUMPY_PATH * np.abs(one.M[:size, :size]).max())
        return ok[0]

    for step in range(12):
        bounded = np.flatnonzero(~one.is_free[: s.n])
        if step % 3 == 2 or bounded.size == 0:
            both(-1, int(one.free[s.rng.integers(0, one.f)]))
        else:
            both(1, int(bounded[s.rng.integers(0, bounded.size)]))
    if duplicate:  # asset 0 and its twin, the last asset: never both free
        first, twin = (0, s.n - 1) if not one.is_free[s.n - 1] else (s.n - 1, 0)
        if not one.is_free[first]:
            assert both(1, first)
        assert not both(1, twin)


@pytest.mark.parametrize("seed", SEEDS)
def test_scans(seed):
    s = state(seed)
    C, E, n, k, f = s.C, s.E, s.n, s.k, s.f
    args = (C, s.n, s.is_free, s.x)
    a, b = np.empty(n), np.empty(n)
    loops("_bounded_product")(*args, a)
    numpy_twin("_bounded_product")(*args, b)
    np.testing.assert_allclose(b, a, rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM)

    rhs_a, rhs_b = np.empty(k + s.m), np.empty(k + s.m)
    loops("_constant_rhs")(C, E, s.b, n, s.free, f, s.is_free, s.x, s.cbound, rhs_a)
    numpy_twin("_constant_rhs")(C, E, s.b, n, s.free, f, s.is_free, s.x, s.cbound, rhs_b)
    np.testing.assert_allclose(rhs_b[: k + f], rhs_a[: k + f], rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM)

    # the two KKT solutions of the critical line at this free set: alpha (lam-free) and beta (per unit lam)
    alpha = kkt_solution(s, rhs_a)
    rhs_mu = np.zeros(k + s.m)
    rhs_mu[k:k + f] = s.mu[s.free[:f]]
    beta = kkt_solution(s, rhs_mu)
    zeros = np.zeros(n)
    for lam in (np.inf, 10.0, 0.05):
        for last in (-1, int(s.free[k]), int(np.flatnonzero(~s.is_free)[0])):
            scan = (C, s.mu, E, n, s.free, f, s.is_free, s.x, s.lo, s.hi, alpha, beta, s.cbound, zeros, lam, last,
                    last, 1e-11 * np.abs(s.mu).max())  # the critical line's own qtol
            got, ref = numpy_twin("_next_event")(*scan), loops("_next_event")(*scan)
            assert got[1:] == ref[1:]
            assert got[0] == pytest.approx(ref[0], rel=RTOL_CLOSED_FORM)
    for rf in (0.0, float(np.median(s.mu[:n]))):
        got = numpy_twin("_sharpe_at")(C, s.mu, n, s.free, f, s.x, s.cbound, rf)
        assert got == pytest.approx(loops("_sharpe_at")(C, s.mu, n, s.free, f, s.x, s.cbound, rf), rel=RTOL_CLOSED_FORM)

    # the face QP's steps from x towards a KKT point, and the variable that enters after one
    allowed = s.rng.random(s.m) < 0.8
    blocked = s.rng.random(s.m) < 0.1
    for sol in (alpha, alpha + 0.5 * beta, kkt_solution(s, s.rng.normal(size=k + s.m))):
        got = numpy_twin("_entering_variable")(C, E, n, s.free, f, s.x, sol, s.cbound, s.lo, s.hi, s.is_free, blocked,
                                              allowed, GTOL)
        assert got == loops("_entering_variable")(C, E, n, s.free, f, s.x, sol, s.cbound, s.lo, s.hi, s.is_free,
                                                  blocked, allowed, GTOL)
        x1, x2 = s.x.copy(), s.x.copy()
        ref = loops("_step_to_block")(s.free, f, k, x1, sol, s.lo, s.hi)
        assert numpy_twin("_step_to_block")(s.free, f, k, x2, sol, s.lo, s.hi) == ref
        np.testing.assert_allclose(x2, x1, rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM)


@pytest.mark.parametrize("seed", SEEDS)
def test_simplex_scans(seed):
    s = state(seed)
    is_basic = np.zeros(s.m, dtype=np.bool_)
    is_basic[s.free[: s.k]] = True
    np.testing.assert_allclose(numpy_twin("_nonbasic_rhs")(s.E, s.b, s.x, is_basic),
                               loops("_nonbasic_rhs")(s.E, s.b, s.x, is_basic), rtol=RTOL_CLOSED_FORM, atol=RTOL_CLOSED_FORM)
    for cost in (-s.mu, s.rng.normal(size=s.m)):
        y = s.rng.normal(size=s.k) * 0.1
        for bland in (False, True):
            args = (s.E, cost, y, s.x, s.lo, s.hi, is_basic, GTOL, bland)
            assert numpy_twin("_price")(*args) == loops("_price")(*args)


# ----------------------------------------------------------------------------- the whole path


PATHS = [  # (seed, n_assets, groups, long_short, duplicate asset, mu: "mu" / "zero" (min variance), stop_rf)
    (0, 6, False, False, False, "mu", np.nan), (1, 12, True, False, False, "mu", np.nan),
    (2, 15, False, True, False, "mu", np.nan), (3, 10, True, False, True, "mu", np.nan),
    (4, 20, True, True, False, "zero", np.nan), (5, 25, False, False, False, "zero", np.nan),
    (6, 20, True, False, False, "mu", 0.03), (7, 30, False, False, False, "mu", 0.0),
]


@pytest.mark.parametrize("seed,n,groups,long_short,dup,kind,stop_rf", PATHS)
def test_whole_path_with_numpy_twins(seed, n, groups, long_short, dup, kind, stop_rf, monkeypatch):
    p = random_problem(seed, n, groups=groups, long_short=long_short, singular=dup)
    prob = _problem(p.cov, n, p.lower, p.upper, linear_constraints(p), None, None, None)
    mu = p.mu if kind == "mu" else np.zeros(n)
    args = (prob.cov, *_standard_form(mu, prob), n, 50 * (n + p.A.shape[0]) + 1000, stop_rf)
    runs = {}
    for version in ("loops", "numpy"):
        with monkeypatch.context() as m:
            use(m, version)  # cla._critical_line is now its plain-Python function
            runs[version] = cla._critical_line(*args)
    if not PURE_PYTHON:
        runs["compiled"] = cla._critical_line(*args)
    ref = runs["loops"]
    assert ref.status == Status.OK
    for name, got in runs.items():
        assert got.status == ref.status, name
        assert got.weights.shape == ref.weights.shape, name
        np.testing.assert_allclose(got.weights, ref.weights, rtol=0, atol=ATOL_EXACT, err_msg=name)
        np.testing.assert_allclose(got.lambdas, ref.lambdas, rtol=RTOL_LAMBDA, atol=ATOL_EXACT, err_msg=name)
