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


# ------------------------------------------------------------------------- the book as rows (book_rows)


def compressed_book(seed, n_accounts=200, n_symbols=16, n_models=4, cash_targets=False):
    """A random book as compressed rows: accounts on models, some holding securities outside their model."""
    from kernels.book_rows import BookHoldings, BookModels

    rng = np.random.default_rng(seed)
    prices = rng.choice([3.0, 17.5, 48.0, 99.0, 310.0], n_symbols) + rng.uniform(0, 1, n_symbols).round(2)
    m_syms, m_targets = [], []
    for _ in range(n_models):
        syms = np.sort(rng.choice(n_symbols - 4, rng.integers(1, 8), replace=False))
        t = rng.dirichlet(np.ones(syms.size))
        m_syms.append(syms)
        m_targets.append(t)
    cash_target = np.where(rng.uniform(size=n_models) < 0.5, 0.05, 0.0) if cash_targets else np.zeros(n_models)
    m_targets = [t * (1 - c) for t, c in zip(m_targets, cash_target)]
    model = rng.integers(0, n_models, n_accounts)
    start, h_sym, h_val, h_lot, h_lock = [0], [], [], [], []
    for a in range(n_accounts):
        own = m_syms[model[a]]
        held = set(rng.choice(own, rng.integers(0, own.size + 1), replace=False).tolist())
        if rng.uniform() < 0.3:
            held.add(int(rng.integers(n_symbols - 4, n_symbols)))
        for s in sorted(held):
            h_sym.append(s)
            h_val.append(float(rng.integers(0, 300)) * prices[s])
            h_lot.append(float(rng.choice([1.0, 1.0, 5.0])))
            h_lock.append(bool(rng.uniform() < 0.05))
        start.append(len(h_sym))
    cash = rng.integers(0, 4, n_accounts) * 1000.0
    flow = rng.choice([0.0, 0.0, 2500.0, -1500.0], n_accounts)
    h_sym = np.array(h_sym, np.int32)
    holdings = BookHoldings(np.array(start, np.int64), h_sym, np.array(h_val), prices[h_sym], np.array(h_lot),
                            np.array(h_lock, bool), model.astype(np.int64), cash, flow)
    ptr = np.r_[0, np.cumsum([s.size for s in m_syms])].astype(np.int64)
    flat = np.concatenate(m_syms).astype(np.int64)
    models = BookModels(ptr, flat, np.concatenate(m_targets), prices[flat], cash_target)
    return holdings, models


def account_oracle(h, mo, a, options):
    """Account ``a`` by :func:`rebalance_trades` on its own columns (model and held, sorted) and a cash column."""
    k = h.model[a]
    held = {int(s): i for i, s in enumerate(h.symbol[h.start[a]:h.start[a + 1]], h.start[a])}
    model = {int(s): i for i, s in enumerate(mo.symbol[mo.start[k]:mo.start[k + 1]], mo.start[k])}
    syms = sorted(set(held) | set(model))
    v = [h.value[held[s]] if s in held else 0.0 for s in syms]
    t = [mo.target[model[s]] if s in model else 0.0 for s in syms]
    locked = [bool(h.locked[held[s]]) if s in held else False for s in syms]
    tc = mo.cash_target[k]
    flow_in = h.cash[a] + h.cash_flow[a]
    reserve = max(min(flow_in, tc * (sum(v) + flow_in)), 0.0) if tc > 0 else 0.0
    kw = {key: options[key] for key in ("band", "relative_band", "mode", "min_trade", "allow_sells") if key in options}
    if options.get("whole"):
        kw["prices"] = [h.price[held[s]] if s in held else mo.price[model[s]] for s in syms] + [1.0]
        kw["lot_size"] = [h.lot_size[held[s]] if s in held else 1.0 for s in syms] + [0.01]
    c0 = flow_in - reserve
    cash, flow = (max(c0, 0.0), min(c0, 0.0)) if tc > 0 else (h.cash[a], h.cash_flow[a])
    r = rebalance_trades(v + [reserve], t + [tc], cash=cash, cash_flow=flow, locked=locked + [False], **kw)
    return syms, v, t, r, flow_in, tc


ROW_OPTIONS = [dict(), dict(band=0.03, relative_band=0.25, mode="to_band", min_trade=250.0),
               dict(whole=True, band=0.02), dict(whole=True, allow_sells=False, min_trade=100.0)]


@pytest.mark.parametrize("cash_targets", [False, True])
@pytest.mark.parametrize("options", ROW_OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_book_rows_equal_the_single_account_function(options, cash_targets):
    from kernels.book_rows import ROW_DECIMALS, rebalance_book_rows

    h, mo = compressed_book(len(str(options)) + cash_targets, cash_targets=cash_targets)
    n = h.model.size
    cash_code = 99
    out = rebalance_book_rows(h, mo, 0, n, cash_code=cash_code, **options)
    assert np.mean(out.status == 0) > 0.7
    rows = 0
    for a in range(n):
        try:
            syms, v, t, r, flow_in, tc = account_oracle(h, mo, a, options)
        except (InfeasibleError, InputError) as exc:  # the single function raises what the book reports
            assert out.status[a] != 0
            if isinstance(exc, InfeasibleError):
                assert str(exc) == rb.STATUS_MESSAGES[out.status[a]]
            assert not (out.account == a).any()
            continue
        assert out.status[a] == 0
        mine = out.account == a
        assert np.flatnonzero(mine).tolist() == list(range(rows, rows + len(syms) + 1))  # in order, together
        rows += len(syms) + 1
        assert out.symbol[mine].tolist() == syms + [cash_code]
        w = len(syms)
        end = r.values.sum() + r.cash
        want = np.array([
            v + [flow_in], t + [tc], list(r.trades[:w]) + [-r.trades[:w].sum()],
            list(r.shares[:w]) + [np.nan], list(r.values[:w]) + [r.values[w] + r.cash],
            list(r.weights[:w]) + [(r.values[w] + r.cash) / end if end > 0 else 0.0]])
        for c, d in enumerate(ROW_DECIMALS):
            expected = np.round(want[c], d) + 0.0 if d >= 0 else want[c]
            np.testing.assert_array_equal(out.numbers[c, mine], expected)
        assert out.turnover[a] == r.turnover and out.triggered[a] == r.bands_triggered
        traded = r.trades[:w]
        assert out.n_traded[a] == np.count_nonzero(traded)
        assert out.bought[a] == pytest.approx(traded[traded > 0].sum(), abs=1e-9)
        assert out.sold[a] == pytest.approx(-traded[traded < 0].sum(), abs=1e-9)
    assert rows == out.account.size


def test_book_rows_compiled_equals_python():
    from kernels.book_rows import _book_rows, rebalance_book_rows

    if _book_rows.py_func is _book_rows:
        pytest.skip("plain-Python mode: the kernel is its own .py_func")
    h, mo = compressed_book(5, n_accounts=40, cash_targets=True)
    a = rebalance_book_rows(h, mo, 3, 37, whole=True, band=0.02)
    import kernels.book_rows as br

    saved = br._book_rows
    br._book_rows = _book_rows.py_func
    try:
        b = rebalance_book_rows(h, mo, 3, 37, whole=True, band=0.02)
    finally:
        br._book_rows = saved
    for field in a._fields:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_book_rows_of_a_chunk_are_those_of_the_book():
    from kernels.book_rows import rebalance_book_rows

    h, mo = compressed_book(9, n_accounts=60)
    whole = rebalance_book_rows(h, mo, 0, 60)
    part = rebalance_book_rows(h, mo, 20, 45)
    mine = (whole.account >= 20) & (whole.account < 45)
    np.testing.assert_array_equal(part.account, whole.account[mine])
    np.testing.assert_array_equal(part.numbers, whole.numbers[:, mine])
    np.testing.assert_array_equal(part.status, whole.status[20:45])


def test_book_rows_refuse_what_the_kernel_cannot_trade():
    from kernels.book_rows import rebalance_book_rows

    h, mo = compressed_book(3, n_accounts=10)
    a = next(a for a in range(4, 10) if h.start[a + 1] > h.start[a])  # an account holding something
    bad = h._replace(value=np.where(np.arange(h.value.size) == h.start[a], -1.0, h.value))
    with pytest.raises(InputError, match=rf"^holdings: account {a + 1} has a negative, blank or non-finite value"):
        rebalance_book_rows(bad, mo, 0, 10)
    rebalance_book_rows(bad, mo, a + 1, 10)  # another chunk does not see it
    k = h.model[2]
    priceless = mo._replace(price=np.full(mo.price.size, np.nan))
    with pytest.raises(InputError, match=r"^prices: account \d+ targets a security it does not hold"):
        rebalance_book_rows(h, priceless, 0, 10, whole=True)
    rebalance_book_rows(h, priceless, 0, 10)  # prices are not used without whole shares
    assert k >= 0
    with pytest.raises(InputError, match=r"^cash: account 1 has negative"):
        rebalance_book_rows(h._replace(cash=-np.ones(10)), mo, 0, 10)
