"""The holdings checks' NumPy shortcuts against the obvious Python: blank names by one comparison, each account's
rows (``Holdings.start``) by counting."""

import numpy as np
import pytest

from addin.batch.checks import _blank_codes, check_holdings, check_models
from addin.batch.reading import read_table
from addin.batch.schema import HOLDINGS, MODELS

MODELS_CSV = "model,symbol,target,price\nm1,AAA,0.5,10\nm1,BBB,0.5,20\nm2,AAA,0.3,10\nm2,CCC,0.7,5\n"


def test_blank_codes_are_the_empty_strings():
    values = np.array(["", "A1", " ", "CASH", "", "é"], dtype=object)
    assert _blank_codes(values).tolist() == [v == "" for v in values]
    assert _blank_codes(np.zeros(0, object)).dtype == bool and _blank_codes(np.zeros(0, object)).size == 0


@pytest.mark.parametrize("seed", range(4))
def test_each_account_gets_its_own_held_rows(tmp_path, seed):
    """Accounts with no security held, bad accounts skipped, rows out of order: ``start`` still bounds each
    good account's securities (counted here row by row from the file's text)."""
    rng = np.random.default_rng(seed)
    lines, held = ["account,model,symbol,value,price,lot_size,locked,cash_flow"], {}
    for a in range(int(rng.integers(0, 60))):
        name, model = f"A{a}", "m1" if a % 3 else "m2"
        bad = rng.random() < 0.2
        symbols = list(rng.permutation(["AAA", "BBB", "CCC", "CASH"])[: rng.integers(1, 5)])
        for k, sym in enumerate(symbols):
            value = "x" if bad and k == 0 else f"{rng.integers(0, 1000)}.5"
            lines.append(f"{name},{model},{sym},{value},,,,")
        if not bad:
            held[name] = sorted(s for s in symbols if s != "CASH")
    order = [lines[0]] + [lines[1:][i] for i in rng.permutation(len(lines) - 1)]
    path, mpath = tmp_path / "holdings.csv", tmp_path / "models.csv"
    path.write_text("\n".join(order) + "\n")
    mpath.write_text(MODELS_CSV)
    models, _ = check_models(read_table(mpath, MODELS), False)
    holdings, _, _ = check_holdings(read_table(path, HOLDINGS), models, False, {})
    assert sorted(holdings.names) == sorted(held)
    assert holdings.start[0] == 0 and holdings.start[-1] == holdings.sym.size
    for a, name in enumerate(holdings.names):
        mine = holdings.symbols[holdings.sym[holdings.start[a]:holdings.start[a + 1]]]
        assert list(mine) == held[name], name
