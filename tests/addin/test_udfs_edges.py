"""Issue 19 at the cells, through xlwings' real ``call_udf``: wrong numbers, blank spills and guessed shapes.

Each test failed on the code before the issue was fixed (see each test's comment for what it gave).
"""

from __future__ import annotations

import numpy as np
import pytest

import kernels
from addin import cells, warmup
from tests.addin import xlwings_windows as xlw
from tests.addin.cell_values import kernel_message
from tests.naive import scale_free_risk_measures
from tests.tolerances import RTOL_CLOSED_FORM

M = xlw.MISSING
E = cells.ERROR_PREFIX
EX = warmup.example_inputs()
COV = np.array(EX["RISK_CONTRIBUTIONS"][1], dtype=float)
W = np.array([0.5, 0.3, 0.2])
NOT_PSD = [[0.04, 0.05], [0.05, 0.04]]  # smallest eigenvalue -0.01


@pytest.fixture(scope="module", autouse=True)
def windows_xlwings():
    xlw.udf_module()


def is_error(result):
    first = result[0][0] if isinstance(result, list) and len(result) == 1 else None
    return isinstance(first, str) and first.startswith(E)


# ----------------------------------------------------------------------------- a covariance that is not PSD

@pytest.mark.parametrize(("name", "args", "kernel", "renames"), [
    ("PORTFOLIO_RISK", (xlw.column([0.5, 0.5]), xlw.table(NOT_PSD), M), kernels.portfolio_volatility,
     {"cov": "cov_or_vols"}),
    ("RISK_CONTRIBUTIONS", (xlw.column([0.5, 0.5]), xlw.table(NOT_PSD), M), kernels.risk_contributions, {}),
    ("DIVERSIFICATION_RATIO", (xlw.column([0.5, 0.5]), xlw.table(NOT_PSD)), kernels.diversification_ratio, {}),
    ("CORRELATION", (xlw.table(NOT_PSD),), lambda w, C: kernels.correlation_from_covariance(C), {"cov": "cov_or_data"}),
])
def test_a_covariance_that_is_not_psd_is_refused_like_min_variance_refuses_it(name, args, kernel, renames):
    # before: PORTFOLIO_RISK gave 0.2121, RISK_CONTRIBUTIONS {0.5; 0.5}, DIVERSIFICATION_RATIO 0.9428
    got = xlw.call(name, *args)
    assert got == [[kernel_message(kernel, [0.5, 0.5], NOT_PSD, renames=renames)]]
    assert "not positive semi-definite (smallest eigenvalue -0.01)" in got[0][0]
    assert is_error(xlw.call("MIN_VARIANCE", xlw.table(NOT_PSD), M, M, M, M))


# ----------------------------------------------------------------------------- scale

def test_risk_contributions_of_weights_near_1e200():
    # before: {0; 0; 0}
    got = xlw.call("RISK_CONTRIBUTIONS", xlw.column(W * 1e200), xlw.table(COV), M)
    relative, _, _ = scale_free_risk_measures(W, COV)
    np.testing.assert_allclose(np.array(got).ravel(), relative, rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(np.array(got).ravel(), [0.773, 0.198, 0.029], atol=5e-4)


def test_diversification_ratio_of_weights_times_1e160():
    # before: 0
    got = xlw.call("DIVERSIFICATION_RATIO", xlw.column(W * 1e160), xlw.table(COV))[0][0]
    assert got == pytest.approx(scale_free_risk_measures(W, COV)[1], rel=RTOL_CLOSED_FORM)


def test_effective_assets_of_weights_near_1e200():
    # before: "#ERROR: internal error in EFFECTIVE_ASSETS (OverflowError ...)"
    assert xlw.call("EFFECTIVE_ASSETS", xlw.column([1e200, 2e200]))[0][0] == pytest.approx(1.8, rel=RTOL_CLOSED_FORM)


# ----------------------------------------------------------------------------- CORRELATION's input

def _cov_with(i, j, value):
    grid = [list(r) for r in EX["CORRELATION"][0]]
    grid[i][j] = value
    return tuple(tuple(r) for r in grid)


def test_a_square_range_with_one_asymmetric_entry_is_read_as_a_matrix():
    # before: read as a 3-row return history, a matrix of +-1
    got = xlw.call("CORRELATION", _cov_with(0, 1, 0.009))
    assert got == [[f"{E}cov_or_data: not symmetric (row 1, column 2 differs from row 2, column 1); copy the upper "
                     "triangle to the lower."]]


def test_a_square_range_with_a_blank_cell_is_read_as_a_matrix():
    # before: the blank was a gap in a 3-row history
    got = xlw.call("CORRELATION", _cov_with(1, 2, None))
    assert got == [[f"{E}cov_or_data: a blank cell at row 2, column 3; fill in a number or shorten the range."]]


def test_a_square_covariance_gives_its_correlation():
    vols = np.sqrt(np.diag(COV))
    np.testing.assert_allclose(xlw.call("CORRELATION", xlw.table(COV)), COV / np.outer(vols, vols), rtol=1e-14)


def test_a_history_is_a_taller_range_or_one_with_names_or_dates():
    returns = np.array(EX["COVARIANCE"][0], dtype=float)
    expected = np.corrcoef(returns, rowvar=False)
    np.testing.assert_allclose(xlw.call("CORRELATION", xlw.table(returns)), expected, rtol=1e-12)
    square = returns[:4, :3]  # 4 rows under a header row: a history, although its body is square... 3 x 3
    named = (("A", "B", "C"),) + xlw.table(square[:3])
    np.testing.assert_allclose(xlw.call("CORRELATION", named), np.corrcoef(square[:3], rowvar=False), rtol=1e-12)
    dated = tuple((xlw.TimeType(2024, 1, 2 + k), *r) for k, r in enumerate(xlw.table(square[:3, :2])))
    np.testing.assert_allclose(xlw.call("CORRELATION", dated), np.corrcoef(square[:3, :2], rowvar=False), rtol=1e-12)


# ----------------------------------------------------------------------------- never a blank for a number

def test_efficient_frontier_near_1e310_is_a_message_not_blank_rows():
    # before: a header and blank rows (the kernel's volatilities come back NaN for these subnormal returns)
    mu = xlw.column(np.array([0.08, 0.06, 0.03]) * 1e-310)
    got = xlw.call("EFFICIENT_FRONTIER", mu, xlw.table(COV), M, M, M, M, M)
    assert is_error(got), got
    assert got[0][0].startswith(f"{E}expected_returns, cov: no finite result (row ")


def test_income_projection_with_inflation_near_minus_one_is_a_message():
    # before: the real-money columns blank from year 103 on
    got = xlw.call("INCOME_PROJECTION", 100000.0, 0.04, 200.0, M, -0.999, M, M, M, M)
    assert got == [[kernel_message(kernels.income_projection, 100000.0, 0.04, 200, inflation=-0.999)]]
    assert got[0][0].startswith(f"{E}inflation: -0.999 a year makes the amounts in today's money overflow in year ")


def test_a_sharpe_ratio_at_zero_risk_is_the_one_documented_blank():
    # one riskless asset: the minimum-variance end of the frontier has zero risk and no Sharpe ratio
    cov = np.diag([0.04, 0.0])
    got = xlw.call("EFFICIENT_FRONTIER", xlw.column([0.08, 0.02]), xlw.table(cov), 3.0, M, M, M, M)
    assert got[0] == ["risk", "return", "sharpe", "w1", "w2"]
    assert got[1][0] == 0.0 and got[1][2] == ""  # xlwings hands Excel an empty string for a blank cell
    assert all(isinstance(v, float) for r in got[2:] for v in r)


def test_the_guard_refuses_a_spill_holding_a_non_finite_number_and_keeps_meant_blanks():
    from addin.cells.guard import shown

    table = cells.spill_table(np.array([[1.0, np.inf], [2.0, 3.0]]), ["a", "b"])
    with pytest.raises(kernels.InputError, match=r"^x, y: no finite result \(row 2, column 2\) for these values"):
        shown(table, "x, y")
    meant = cells.spill_table(np.array([[1.0, np.inf], [2.0, 3.0]]), ["a", "b"], np.array([[False, True], [False, False]]))
    assert shown(meant, "x") == [["a", "b"], [1.0, None], [2.0, 3.0]]
    with pytest.raises(kernels.InputError):
        shown(float("nan"), "x")
    with pytest.raises(kernels.InputError):
        shown([[1.0, float("-inf")]], "x")
    assert shown(cells.spill([1.0, 2.0], "row"), "x") == [[1.0, 2.0]]
