"""The trades file equals the library called account by account (random books, every option).

The oracle builds each account's vectors by hand (dicts, sorted symbols, the holdings file's own
prices, the models file's prices for what is not held) and calls :func:`kernels.rebalance_trades`;
the command lays the book out in tables and calls :func:`kernels.rebalance_batch` in chunks.
"""

import csv
import zlib

import numpy as np
import pandas as pd
import pytest

from addin.batch import book
from addin.cli import main
from kernels import InputError, rebalance_trades

SYMBOLS = [f"S{i:02d}" for i in range(14)]


def random_book(rng, n_accounts=120, n_models=5):
    models = {}
    prices = {s: float(rng.choice([12.5, 40.0, 99.0, 250.0])) for s in SYMBOLS}
    for k in range(n_models):
        syms = sorted(rng.choice(SYMBOLS[:10], rng.integers(2, 7), replace=False))
        t = rng.dirichlet(np.ones(len(syms))).round(4)
        t[-1] = round(1 - t[:-1].sum(), 4)
        models[f"m{k}"] = dict(zip(syms, t))
    accounts = {}
    for a in range(n_accounts):
        model = f"m{rng.integers(n_models)}"
        held = set(rng.choice(list(models[model]), rng.integers(0, len(models[model]) + 1), replace=False))
        if rng.random() < 0.3:  # a security outside the model (sold)
            held.add(str(rng.choice(SYMBOLS[10:])))
        holdings = {s: {"value": float(rng.integers(0, 300) * prices[s]), "price": prices[s],
                            "lot": float(rng.choice([1, 1, 5])), "locked": bool(rng.random() < 0.1)} for s in held}
        accounts[f"ACC{a:04d}"] = {"model": model, "holdings": holdings, "cash": float(rng.integers(0, 4) * 1000),
                                       "flow": float(rng.choice([0, 0, 2500, -1500]))}
    return models, prices, accounts


def write_book(tmp_path, models, prices, accounts, rng):
    m = tmp_path / "models.csv"
    with open(m, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "symbol", "target", "price"])
        for name, targets in models.items():
            for s, t in targets.items():
                w.writerow([name, s, t, prices[s]])
    rows = []
    for acc, a in accounts.items():
        for s, h in a["holdings"].items():
            rows.append([acc, a["model"], s, h["value"], h["price"], h["lot"], "yes" if h["locked"] else "", ""])
        rows.append([acc, a["model"], "CASH", a["cash"], "", "", "", a["flow"]])
    order = rng.permutation(len(rows))  # rows of an account need not be together
    h = tmp_path / "holdings.csv"
    with open(h, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account", "model", "symbol", "value", "price", "lot_size", "locked", "cash_flow"])
        w.writerows(rows[i] for i in order)
    first_seen = list(dict.fromkeys(rows[i][0] for i in order))
    return h, m, first_seen


def oracle(models, prices, account, options):
    """``{symbol: (value, target, trade, shares, value_after, weight_after)}`` or None when infeasible."""
    targets = models[account["model"]]
    syms = sorted(set(targets) | set(account["holdings"]))
    hold = account["holdings"]
    v = [hold[s]["value"] if s in hold else 0.0 for s in syms]
    t = [targets.get(s, 0.0) for s in syms]
    kw = dict(cash=account["cash"], cash_flow=account["flow"], locked=[hold.get(s, {}).get("locked", False) for s in syms],
              **{k: options[k] for k in ("band", "relative_band", "mode", "min_trade", "allow_sells")})
    if options["whole"]:
        kw.update(prices=[hold[s]["price"] if s in hold else prices[s] for s in syms],
                  lot_size=[hold[s]["lot"] if s in hold else 1.0 for s in syms])
    try:
        r = rebalance_trades(v, t, **kw)
    except InputError:
        return None
    except Exception as exc:
        if type(exc).__name__ == "InfeasibleError":
            return None
        raise
    out = {s: (v[i], t[i], r.trades[i], r.shares[i], r.values[i], r.weights[i]) for i, s in enumerate(syms)}
    end = r.values.sum() + r.cash
    out["CASH"] = (account["cash"] + account["flow"], 0.0, -r.trades.sum(), np.nan, r.cash, r.cash / end if end else 0)
    return out


OPTIONS = {
    "plain": {"band": None, "relative_band": None, "mode": "to_target", "min_trade": 0.0, "allow_sells": True, "whole": False},
    "bands_to_band_min_trade": {"band": 0.03, "relative_band": 0.25, "mode": "to_band", "min_trade": 250.0, "allow_sells": True,
                                    "whole": False},
    "whole_shares": {"band": 0.02, "relative_band": None, "mode": "to_target", "min_trade": 0.0, "allow_sells": True, "whole": True},
    "no_sells_whole": {"band": None, "relative_band": None, "mode": "to_target", "min_trade": 100.0, "allow_sells": False,
                           "whole": True},
}


def flags(o):
    out = []
    if o["band"] is not None:
        out += ["--band", str(o["band"])]
    if o["relative_band"] is not None:
        out += ["--relative-band", str(o["relative_band"])]
    out += ["--mode", o["mode"], "--min-trade", str(o["min_trade"])]
    out += ["--whole-shares"] * o["whole"] + ["--no-sells"] * (not o["allow_sells"])
    return out


@pytest.mark.parametrize("chunk", [7, book.CHUNK_ACCOUNTS])
@pytest.mark.parametrize("name", list(OPTIONS))
def test_trades_equal_the_library_account_by_account(tmp_path, monkeypatch, capsys, name, chunk):
    monkeypatch.setattr(book, "CHUNK_ACCOUNTS", chunk)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    models, prices, accounts = random_book(rng)
    h, m, first_seen = write_book(tmp_path, models, prices, accounts, rng)
    out = tmp_path / "trades.csv"
    code = main(["rebalance", str(h), "--targets", str(m), "--out", str(out), "--quiet", *flags(OPTIONS[name])])
    assert code in (0, 1)
    got = pd.read_csv(out, keep_default_na=True)
    expected_accounts = [a for a in first_seen if oracle(models, prices, accounts[a], OPTIONS[name]) is not None]
    assert list(dict.fromkeys(got.account)) == expected_accounts  # accounts in the order they first appear
    assert len(expected_accounts) > len(accounts) // 2
    infeasible = len(accounts) - len(expected_accounts)
    assert f"{infeasible:,} infeasible" in capsys.readouterr().out
    for acc, rows in got.groupby("account", sort=False):
        want = oracle(models, prices, accounts[acc], OPTIONS[name])
        assert list(rows.symbol) == [s for s in want if s != "CASH"] + ["CASH"]
        expected = np.array([want[s] for s in rows.symbol], float)
        np.testing.assert_allclose(rows[["value", "target", "trade"]].to_numpy(), expected[:, :3], atol=1e-4)
        np.testing.assert_allclose(rows["shares"].to_numpy(), expected[:, 3], atol=1e-6)
        np.testing.assert_allclose(rows[["value_after", "weight_after"]].to_numpy(), expected[:, 4:], atol=1e-4)
