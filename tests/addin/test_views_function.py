"""BLACK_LITTERMAN (issue 16): the cell function equals kernels.black_litterman, and its messages name its arguments."""

from __future__ import annotations

import numpy as np
import pytest

import kernels
from addin.cells import ERROR_PREFIX
from addin.cells.guard import cell_callable
from addin.functions import by_name

BL = cell_callable(by_name()["BLACK_LITTERMAN"])
# He & Litterman (1999)-like three assets: volatilities 15%, 10%, 5%
VOLS = np.array([0.15, 0.10, 0.05])
CORR = np.array([[1.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.0]])
COV = CORR * np.outer(VOLS, VOLS)
W = np.array([0.5, 0.3, 0.2])


def table(a):
    return tuple(tuple(None if v is None else float(v) for v in r) for r in np.atleast_2d(a))


def column(v):
    return tuple((float(x),) for x in v)


def values(result):
    return np.array(result, dtype=float)


@pytest.mark.parametrize("confidences", [None, [0.5, 0.9]])
@pytest.mark.parametrize("output, field", [("returns", "returns"), ("prior", "implied_returns"), ("cov", "cov"),
                                           ("weights", "weights")])
def test_equals_the_kernel(output, field, confidences):
    P, Q = [[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]], [0.02, 0.04]
    expected = kernels.black_litterman(COV, market_weights=W, risk_aversion=3.0, P=P, Q=Q, confidences=confidences,
                                       tau=0.1)
    got = BL(table(COV), column(W), 3.0, ((1.0, -1.0, None), (None, None, 1.0)), column(Q),
             None if confidences is None else column(confidences), 0.1, output)
    want = getattr(expected, field)
    np.testing.assert_allclose(values(got).reshape(want.shape), want, rtol=1e-12, atol=1e-15)


def test_without_views_the_posterior_is_the_prior_and_weights_are_the_market():
    # an independent closed form: pi = delta C w
    got = values(BL(table(COV), column(W), 2.5)).ravel()
    np.testing.assert_allclose(got, 2.5 * COV @ W, rtol=1e-12)
    np.testing.assert_allclose(values(BL(table(COV), column(W), 2.5, None, None, None, 0.05, "weights")).ravel(), W,
                               rtol=1e-10)


def test_a_row_of_weights_spills_a_row():
    got = BL(table(COV), (tuple(W),), 2.5, ((1.0, None, None),), 0.05)
    assert len(got) == 1 and len(got[0]) == 3


@pytest.mark.parametrize("args, message", [
    ((table(COV), column(W), 2.5, ((1.0, -1.0),), 0.02), "P: expected 3 columns (one per asset), got 2."),
    ((table(COV), column(W), 2.5, ((1.0, -1.0, None),)), "Q: missing; give P (the views' asset weights) and Q"),
    ((table(COV), column(W), 2.5, None, 0.02), "P: missing; give P"),
    ((table(COV), column(W), 2.5, None, None, 0.5), "confidences: given without views"),
    ((table(COV), column(W), 2.5, ((1.0, -1.0, None),), 0.02, 1.5), "confidences: view 1 has 1.5"),
    ((table(COV), column(W), 2.5, ((1.0, "x", None),), 0.02), "P: text 'x'"),
    ((table(COV), column(W), -1.0), "risk_aversion:"),
    ((table(COV), column(W), 2.5, None, None, None, 2.0), "tau:"),
    ((table(COV), column(W), 2.5, None, None, None, 0.05, "mean"), "output: expected one of returns, prior, cov"),
    ((table(COV), column([0.5, 0.5]), 2.5), "market_weights:"),
])
def test_bad_input_names_the_excel_argument(args, message):
    got = BL(*args)
    assert isinstance(got, str) or isinstance(got[0][0], str)
    text = got if isinstance(got, str) else got[0][0]
    assert text.startswith(ERROR_PREFIX) and message in text, text
    assert "\n" not in text and len(text) < 160
