"""Issue 16's template defaults: balanced portfolios, the class limits reach every optimising button, the views
block feeds Efficient Frontier."""

from __future__ import annotations

import numpy as np
import pytest

import addin.macros as m
import kernels
from tests.addin.macro_support import fresh
from tests.workbook.template_support import source_assumptions, source_cov

A = source_assumptions()
LO, HI = A.min_weight.to_numpy(), A.max_weight.to_numpy()
CASH = int(np.flatnonzero(A.asset_class == "Cash")[0])
OPTIMISED = {"efficient_frontier": ("Frontier_Weights", "Optimal_Weights"), "risk_parity": ("RP_Weights",),
             "income_plan": ("IncomeTarget_Weights",)}


def _weights(book, name):
    rows = np.array(book.read(name), dtype=float)
    return rows.T if name in ("RP_Weights", "IncomeTarget_Weights") else rows


def _ran(edit=None):
    book = fresh()
    if edit:
        edit(book)
    for macro in OPTIMISED:
        result = getattr(m, macro)(book)
        assert result.ok, result.message
    return book


@pytest.fixture(scope="module")
def ran():
    return _ran()


def test_defaults_are_reasonable_limits():
    assert LO[CASH] == HI[CASH] == 0.05  # the cash target
    assert np.all(LO <= HI) and LO.sum() <= 1.0 <= HI.sum()
    assert A["yield"][CASH] == pytest.approx(0.01)


def test_every_optimised_portfolio_is_balanced(ran):
    for names in OPTIMISED.values():
        for name in names:
            w = _weights(ran, name)
            w = w[: 2] if name == "Optimal_Weights" else w  # its third row is the current portfolio
            np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-9)
            assert np.all(w >= LO - 1e-9) and np.all(w <= HI + 1e-9), name
            np.testing.assert_allclose(w[:, CASH], 0.05, rtol=1e-12)
    # what issue 16 complained of: no cash-heavy min variance or risk parity, international held by max Sharpe
    best, safest = _weights(ran, "Optimal_Weights")[:2]
    assert safest[CASH] < 0.1 and _weights(ran, "RP_Weights")[0, CASH] < 0.1
    assert best[1] >= 0.10
    stocks = [i for i, c in enumerate(A.asset_class) if "Stocks" in c]
    for w in (best, safest, _weights(ran, "RP_Weights")[0]):
        assert 0.3 <= w[stocks].sum() <= 0.75  # a balanced stock/bond mix


def test_max_sharpe_is_the_risky_tangency_portfolio(ran):
    # with cash riskless at the risk-free rate, the Sharpe ratio does not depend on the cash weight: the Frontier's
    # max Sharpe equals the kernels' max Sharpe over the risky classes alone (limits as shares of 95%)
    mu = A.expected_return.to_numpy()
    risky = [i for i in range(len(mu)) if i != CASH]
    C = np.asarray(source_cov())[np.ix_(risky, risky)]
    alone = kernels.max_sharpe(mu[risky], C, risk_free=0.01, lower=LO[risky] / 0.95, upper=np.minimum(HI[risky] / 0.95, 1))
    stats = np.array(ran.read("Optimal_Stats"), dtype=float)
    assert stats[0, 2] == pytest.approx(alone.sharpe_ratio, rel=1e-9)
    np.testing.assert_allclose(_weights(ran, "Optimal_Weights")[0][risky], 0.95 * alone.weights, atol=1e-9)


@pytest.mark.parametrize("row, column, value", [(3, 0, 0.10), (1, 0, 0.25), (4, 0, 0.10)])
def test_a_limit_changed_on_the_sheet_changes_every_optimiser(ran, row, column, value):
    name = ("MinWeights", "MaxWeights")[column]

    def edit(book):
        block = book.names[name]
        book.sheet(block.sheet).set(block.row + row, block.col, value)
        if row == CASH:  # the cash target: Min = Max weight
            other = book.names["MaxWeights"]
            book.sheet(other.sheet).set(other.row + row, other.col, value)

    changed = _ran(edit)
    lo, hi = LO.copy(), HI.copy()
    (lo if column == 0 else hi)[row] = value
    if row == CASH:
        hi[row] = value
    for names in OPTIMISED.values():
        for n in names:
            before, after = _weights(ran, n), _weights(changed, n)
            if n == "Optimal_Weights":
                before, after = before[:2], after[:2]
            assert not np.allclose(before, after, atol=1e-6), (name, row, n)
            assert np.all(after >= lo - 1e-9) and np.all(after <= hi + 1e-9), (name, row, n)


def _set_views(book, P, Q, confidences=None):
    for i, (p, q) in enumerate(zip(P, Q)):
        block = book.names["Views_P"]
        for j, v in enumerate(p):
            book.sheet(block.sheet).set(block.row + i, block.col + j, v)
        q_block = book.names["Views_Q"]
        book.sheet(q_block.sheet).set(q_block.row + i, q_block.col, q)
        if confidences is not None:
            c_block = book.names["Views_Confidence"]
            book.sheet(c_block.sheet).set(c_block.row + i, c_block.col, confidences[i])


@pytest.mark.parametrize("confidences", [None, [0.6, 0.3]])
def test_views_feed_the_frontier_as_black_litterman_posterior(ran, confidences):
    # international beats US stocks by 2%; REITs return 5%
    P, Q = [[-1.0, 1.0, None, None, None], [None, None, None, 1.0, None]], [0.02, 0.05]
    book = fresh()
    _set_views(book, P, Q, confidences)
    result = m.efficient_frontier(book)
    assert result.ok and "2 views" in result.message, result.message
    mu = A.expected_return.to_numpy()
    expected = kernels.black_litterman(source_cov(), prior_returns=mu, P=[[0 if v is None else v for v in p] for p in P],
                                       Q=Q, confidences=confidences).returns
    np.testing.assert_allclose(np.array(book.read("Views_Returns"), dtype=float)[0], expected, rtol=1e-12)
    assert expected[1] - expected[0] > mu[1] - mu[0]  # the view moved international up against US stocks
    best = np.array(book.read("Optimal_Weights"), dtype=float)[0]
    assert best[1] > _weights(ran, "Optimal_Weights")[0][1] + 1e-3  # and max Sharpe holds more of it
    assert np.all(best >= LO - 1e-9) and np.all(best <= HI + 1e-9)
