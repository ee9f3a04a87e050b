"""The NumPy paths of the estimator kernels (used without Numba) against their loops.

Every loop kernel of kernels/estimators (data, moments) with a ``*_numpy`` twin gets the same inputs
as its loops run as plain Python (``kernel.py_func``), on returns with gaps, constant columns and
edge shapes; with Numba the compiled kernel is checked too. Both runs of the suite (compiled, and
``XLFOLIO_DISABLE_NUMBA=1``) check both sides, and the public estimators agree whichever path runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import covariance, expected_returns
from kernels._jit import PURE_PYTHON
from kernels.estimators import data, moments
from kernels.estimators.covariance_estimate import ALL_COVARIANCE_METHODS
from tests.conftest import random_returns
from tests.tolerances import RTOL_ESTIMATOR, RTOL_PATHS

#: Each kernel with a NumPy path, and its module.
TWINS = {
    "_simple_returns": data, "_complete_rows": data, "_first_constant_column": data,
    "_centered": moments, "_scaled_rows": moments, "_downside": moments,
    "_row_square_norms_squared_sum": moments, "_pairwise_covariance": moments, "_ewm_mean_last": moments,
}
#: Shapes: a long history, a short one, one asset, one row.
SHAPES = [(2520, 20), (40, 6), (30, 1), (1, 4)]


def _history(shape, seed, gaps=True):
    rng = np.random.default_rng(seed)
    x = random_returns(rng, *shape) if shape[1] > 1 else rng.normal(0.0005, 0.01, shape)
    if gaps and x.size > 4:
        x[rng.random(shape) < 0.03] = np.nan
    return x


def _versions(name):
    """The loops as plain Python, the NumPy twin, and (with Numba) the compiled kernel."""
    kernel = getattr(TWINS[name], name)
    out = {"loops": kernel.py_func, "numpy": getattr(TWINS[name], name + "_numpy")}
    if not PURE_PYTHON:
        out["compiled"] = kernel
    return out


def _close(actual, desired, rtol, name):
    """Equal to ``rtol`` relative to the largest entry (the sums run in another order: a centred value
    near zero carries the rounding of its column's mean)."""
    desired = np.asarray(desired)
    scale = np.nanmax(np.abs(desired)) if desired.size and not np.isnan(desired).all() else 0.0
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=rtol * scale, err_msg=name)
    assert np.asarray(actual).dtype == desired.dtype, name


def _agree(results, rtol=RTOL_PATHS):
    first, *rest = results.values()
    for name, other in zip(list(results)[1:], rest):
        for a, b in zip(first, other) if isinstance(first, tuple) else [(first, other)]:
            _close(b, a, rtol, name)


def test_the_numpy_paths_run_only_without_numba():
    for name, module in TWINS.items():
        kernel = getattr(module, name)
        if PURE_PYTHON:
            assert kernel is getattr(module, name + "_numpy")
            assert kernel.py_func is not kernel  # the loops stay reachable
        else:
            assert kernel is not getattr(module, name + "_numpy")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", range(3))
def test_row_kernels_agree(shape, seed):
    x = _history(shape, seed)
    prices = 100.0 * np.cumprod(1.0 + np.nan_to_num(_history(shape, seed, gaps=False)), axis=0)
    n_obs = shape[0]
    w = 0.94 ** np.arange(n_obs - 1, -1, -1, dtype=np.float64)
    full = np.nan_to_num(x)
    cases = {
        "_simple_returns": (prices,),
        "_complete_rows": (x,),
        "_first_constant_column": (x,),
        "_centered": (full, w),
        "_scaled_rows": (full, w),
        "_downside": (x, 0.0005),
        "_row_square_norms_squared_sum": (full,),
    }
    for name, args in cases.items():
        _agree({k: f(*args) for k, f in _versions(name).items()})


def test_first_constant_column_edges():
    x = _history((40, 6), 1)
    x[:, 3] = 0.25
    x[5, 3] = np.nan  # a gap does not make a constant column vary
    x[:, 5] = np.nan  # all missing counts as constant
    for f in _versions("_first_constant_column").values():
        assert f(x) == 3
        assert f(x[:, [0, 1, 5]]) == 2
        assert f(x[:, :3]) == -1
        assert f(np.zeros((0, 2))) == 0


def test_downside_gap_is_zero():
    x = np.array([[0.01, np.nan], [-0.02, -0.0]])
    for f in _versions("_downside").values():
        assert np.array_equal(f(x, 0.0), [[0.0, 0.0], [-0.02, 0.0]])


@pytest.mark.parametrize("shape", [(400, 12), (40, 6), (30, 1)])  # the loops as Python: ~1 s at 2,520 x 20
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("ddof", [0, 1])
def test_pairwise_covariance_agrees(shape, seed, ddof):
    x = _history(shape, seed)
    if shape[1] > 2:
        x[: shape[0] - 1, 2] = np.nan  # one row left: too few for ddof=1
    _agree({k: f(x, ddof) for k, f in _versions("_pairwise_covariance").items()}, rtol=RTOL_ESTIMATOR)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("alpha", [0.06, 2.0 / 61.0, 1.0])
def test_ewm_mean_last_agrees(shape, alpha):
    x = _history(shape, 11)
    _agree({k: f(x, alpha) for k, f in _versions("_ewm_mean_last").items()}, rtol=RTOL_ESTIMATOR)


def test_ewm_mean_last_empty_column_is_nan():
    x = np.full((5, 2), np.nan)
    x[:, 0] = 0.01
    out = moments._ewm_mean_last_numpy(x, 0.1)
    assert out[0] == pytest.approx(0.01, rel=RTOL_PATHS) and np.isnan(out[1])


def _swap(monkeypatch, version):
    """Every estimator kernel with a twin as ``version`` ("loops" or "numpy") in its own module and its callers."""
    from kernels.estimators import covariance_estimate, return_estimate

    for name, module in TWINS.items():
        kernel = getattr(module, name)
        chosen = kernel.py_func if version == "loops" else getattr(module, name + "_numpy")
        for where in (module, covariance_estimate, return_estimate):
            if hasattr(where, name):
                monkeypatch.setattr(where, name, chosen)


@pytest.mark.parametrize(("method", "missing"),
                         [(m, "drop") for m in ALL_COVARIANCE_METHODS] + [("sample", "pairwise")])
def test_public_estimators_agree_on_either_path(monkeypatch, method, missing):
    rng = np.random.default_rng(3)
    prices = 100.0 * np.cumprod(1.0 + random_returns(rng, 300, 8), axis=0)
    prices[rng.random(prices.shape) < 0.01] = np.nan
    results = {}
    for version in ("loops", "numpy"):
        with monkeypatch.context() as m:
            _swap(m, version)
            cov = covariance(prices, method, missing=missing)
            mu = {k: expected_returns(prices, k, missing=missing).values for k in ("mean", "geometric", "ewma")}
            results[version] = (cov.matrix, cov.shrinkage, *mu.values())
    for a, b in zip(results["loops"], results["numpy"]):
        np.testing.assert_allclose(b, a, rtol=RTOL_ESTIMATOR, atol=0)
