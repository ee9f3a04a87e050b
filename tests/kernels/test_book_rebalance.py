"""The batch gives, row by row, exactly what the single-account function gives."""

import numpy as np
import pytest

from kernels import InfeasibleError, InputError, rebalance_batch, rebalance_trades
from kernels import rebalance as rb

N_ACCOUNTS = 300


def book(seed, n_assets=12):
    """A random book: ragged accounts (zero-padded), whole shares held, varied cash and flows."""
    rng = np.random.default_rng(seed)
    m, n = N_ACCOUNTS, n_assets
    prices = rng.choice([3.0, 17.5, 48.0, 99.0, 310.0], (m, n)) + rng.uniform(0, 1, (m, n)).round(2)
    values = rng.integers(0, 200, (m, n)) * prices
    targets = rng.dirichlet(np.ones(n), m)
    width = rng.integers(1, n + 1, m)  # holdings per account
    pad = np.arange(n) >= width[:, None]
    values[pad] = 0.0
    targets[pad] = 0.0
    targets /= targets.sum(axis=1, keepdims=True)
    cash = rng.uniform(0, 500, m) * (rng.uniform(size=m) < 0.5)
    flow = rng.uniform(-0.2, 0.2, m) * values.sum(axis=1) * (rng.uniform(size=m) < 0.6)
    locked = (rng.uniform(size=(m, n)) < 0.05) & ~pad
    return values, targets, cash, flow, prices, locked


OPTIONS = [
    dict(),
    dict(band=0.03, mode="to_band"),
    dict(band=0.05, relative_band=0.25),
    dict(min_trade=250.0, band=0.02),
    dict(allow_sells=False, flows="deposits"),
    dict(whole=True),
    dict(whole=True, band=0.02, mode="to_band", min_trade=100.0, lot_size=10),
    dict(whole=True, locked=True),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "full")
def test_batch_equals_single_row_by_row(options):
    values, targets, cash, flow, prices, locked = book(len(str(options)))
    kw = dict(options)
    if kw.pop("flows", None) == "deposits":
        flow = np.abs(flow)
    if kw.pop("whole", False):
        kw["prices"] = prices
    if kw.pop("locked", False):
        kw["locked"] = locked
    batch = rebalance_batch(values, targets, cash=cash, cash_flow=flow, **kw)
    assert np.mean(batch.status == 0) > 0.9
    for r in range(N_ACCOUNTS):
        row = {k: (v[r] if k in ("prices", "locked") else v) for k, v in kw.items()}
        if batch.status[r] != rb.STATUS_OK:  # the single function raises what the batch reports
            with pytest.raises(InfeasibleError) as info:
                rebalance_trades(values[r], targets[r], cash=cash[r], cash_flow=flow[r], **row)
            assert str(info.value) == rb.STATUS_MESSAGES[batch.status[r]]
            assert not batch.trades[r].any()
            continue
        single = rebalance_trades(values[r], targets[r], cash=cash[r], cash_flow=flow[r], **row)
        np.testing.assert_array_equal(batch.trades[r], single.trades)
        np.testing.assert_array_equal(batch.values[r], single.values)
        np.testing.assert_array_equal(batch.weights[r], single.weights)
        np.testing.assert_array_equal(batch.shares[r], single.shares)
        assert batch.cash[r] == single.cash and batch.turnover[r] == single.turnover
        assert batch.bands_triggered[r] == single.bands_triggered and batch.max_drift[r] == single.max_drift


def test_shared_model_and_scalars_broadcast():
    values, _, _, _, prices, _ = book(1, n_assets=4)
    model = [0.4, 0.3, 0.2, 0.1]
    a = rebalance_batch(values, model, cash=100.0, prices=prices[0], lot_size=[1, 1, 10, 1])
    b = rebalance_batch(values, np.tile(model, (N_ACCOUNTS, 1)), cash=np.full(N_ACCOUNTS, 100.0),
                        prices=np.tile(prices[0], (N_ACCOUNTS, 1)), lot_size=np.tile([1, 1, 10, 1], (N_ACCOUNTS, 1)))
    for field in ("trades", "shares", "cash"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_padding_columns_never_trade_and_need_no_price():
    values = np.array([[600.0, 400.0, 0.0], [100.0, 200.0, 300.0]])
    targets = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    prices = np.array([[10.0, 20.0, 0.0], [10.0, 20.0, 30.0]])  # price 0 where account 1 has nothing
    r = rebalance_batch(values, targets, prices=prices)
    assert r.trades[0, 2] == 0.0 and r.status.tolist() == [0, 0]
    np.testing.assert_allclose(r.trades[0, :2], [-100.0, 100.0])


def test_an_infeasible_account_is_reported_not_raised():
    values = np.array([[50.0, 50.0], [50.0, 50.0], [50.0, 50.0]])
    r = rebalance_batch(values, [0.5, 0.5], cash_flow=[-10.0, -150.0, 0.0], locked=[[0, 0], [0, 0], [1, 0]])
    assert r.status.tolist() == [rb.STATUS_OK, rb.STATUS_WITHDRAWAL_EXCEEDS_ACCOUNT, rb.STATUS_OK]
    assert np.array_equal(r.trades[1], [0.0, 0.0])
    r = rebalance_batch(values, [0.5, 0.5], cash_flow=[-10.0, 5.0, -60.0], locked=[[0, 0], [0, 0], [1, 0]])
    assert r.status.tolist() == [0, 0, rb.STATUS_WITHDRAWAL_EXCEEDS_UNLOCKED]
    assert rb.STATUS_MESSAGES[r.status[2]].startswith("cash_flow: the withdrawal exceeds cash plus unlocked")


def test_batch_kernel_matches_its_python_version(monkeypatch):
    from kernels.book_rebalance import _rebalance_batch

    values, targets, cash, flow, prices, locked = book(3, n_assets=5)
    values, targets, cash, flow, prices = values[:20], targets[:20], cash[:20], flow[:20], prices[:20]
    r = rebalance_batch(values, targets, cash=cash, cash_flow=flow, prices=prices, band=0.02)
    monkeypatch.setattr("kernels.book_rebalance._rebalance_batch", _rebalance_batch.py_func)
    p = rebalance_batch(values, targets, cash=cash, cash_flow=flow, prices=prices, band=0.02)
    np.testing.assert_array_equal(p.trades, r.trades)
    np.testing.assert_array_equal(p.cash, r.cash)


BAD = [
    (dict(values=[[1.0, -2.0]], targets=[0.5, 0.5]),
     "values: account 1, holding 2 is negative (-2); values must be >= 0."),
    (dict(values=[[1.0, 2.0], [1.0, 1.0]], targets=[[0.5, 0.5], [0.5, 0.4]]),
     "targets: account 2 sums to 0.9, expected 1 (100%); fix that account's model."),
    (dict(values=[[1.0, 2.0]], targets=[0.2, 0.3, 0.5]),
     "targets: expected 2 values (a model for all accounts) or a 1 x 2 table (accounts x holdings), got 1 x 3."),
    (dict(values=[[1.0, 2.0]], targets=[0.5, 0.5], prices=[[1.0, 0.0]]),
     "prices: account 1, holding 2 has price 0; prices must be > 0."),
    (dict(values=[[1.0, 2.0]], targets=[0.5, 0.5], cash=[1.0, 2.0, 3.0]),
     "cash: expected one value or one per account (1), got 3."),
    (dict(values=[[1.0, 2.0]], targets=[0.5, 0.5], cash=-1.0),
     "cash: account 1 has negative cash (-1); cash must be >= 0."),
    (dict(values=[[1.0, 2.0]], targets=[0.5, 0.5], mode="to_band"),
     "mode: 'to_band' needs band or relative_band; give a band or use mode='to_target'."),
]


@pytest.mark.parametrize("kwargs,message", BAD)
def test_bad_input_messages(kwargs, message):
    with pytest.raises(InputError) as info:
        rebalance_batch(**kwargs)
    assert str(info.value) == message
