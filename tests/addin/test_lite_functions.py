"""The xlwings Lite cell functions: the generated ``main.py`` registers the catalogue unchanged, and
the same cells give the same results and messages as the desktop (COM) front-end.

``main.py`` runs against a stand-in for Lite's ``xlwings`` (tests/addin/lite_standin.py); each
call goes through Lite's argument conversion from the Office.js payload of the same cells that COM
would hand the desktop function.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin import cells, warmup
from addin.cells.guard import cell_callable
from addin.cells.normalise import lite_cell, lite_value
from addin.cells.values import CELL_ERRORS, MISSING
from addin.functions import FUNCTIONS
from addin.lite.source import main_py
from tests.addin import lite_standin as lite
from tests.tolerances import ATOL_EXACT, RTOL_ESTIMATOR

EXAMPLES = warmup.example_inputs()
NAMES = [f.name for f in FUNCTIONS]
BY_NAME = {f.name: f for f in FUNCTIONS}
PREFIX = cells.ERROR_PREFIX
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def main_source():
    return main_py(xlfolio="0.0.test")


@pytest.fixture(scope="module")
def main(main_source):
    with pytest.MonkeyPatch.context() as patch:
        yield lite.load_main(main_source, patch)


def com_call(name, *com_args):
    """The desktop function's Python result for COM's arguments (``MISSING`` for an omitted optional one)."""
    f = BY_NAME[name]
    args = list(com_args) + [MISSING] * (len(f.arguments) - len(com_args))
    return cell_callable(f, lambda v: v)(*args)


def js(com):
    """The Office.js payload of the cells COM gives as ``com`` (``None`` for an omitted argument)."""
    if com is None or (type(com) is int and com == MISSING):
        return None
    return lite.js_value(com, error_texts=CELL_ERRORS)


def lite_call(main, name, *com_args):
    return lite.invoke(getattr(main, name), *(js(a) for a in com_args))


# ----------------------------------------------------------------------------- one catalogue


def test_main_py_registers_every_catalogue_function_as_it_is(main):
    functions, _ = lite.registered(main)
    assert list(functions) == NAMES
    for f in FUNCTIONS:
        meta = functions[f.name].__xlfunc__
        assert meta["python_name"] == meta["name"] == f.name
        assert meta["description"] == f.description
        params = meta["params"]
        assert [p["name"] for p in params] == [a.name for a in f.arguments]
        assert [p["doc"] for p in params] == [a.doc for a in f.arguments]
        assert [p["optional"] for p in params] == [a.optional for a in f.arguments]
        for p, a in zip(params, f.arguments):
            assert p["options"] == {"ndim": 2, "err_to_str": True}
            assert not p["repeating"]
            if a.optional:
                assert p["default"] == a.default and type(p["default"]) is type(a.default)
        assert inspect.signature(functions[f.name]) == f.signature()


def test_a_changed_catalogue_shows_in_main_py(monkeypatch, main_source):
    import addin.functions as registry

    f = FUNCTIONS[0]
    renamed = f.__class__(**{**f.__dict__, "name": "PORTFOLIO_RETURN_2", "description": "Changed."})
    monkeypatch.setattr(registry, "FUNCTIONS", (*FUNCTIONS, renamed))
    source = main_py(xlfolio="0.0.test")
    assert source != main_source
    assert "def PORTFOLIO_RETURN_2(weights, expected_returns):\n    \"\"\"Changed.\"\"\"" in source


def test_main_py_is_valid_and_repeatable(main_source):
    compile(main_source, "main.py", "exec")
    assert main_py(xlfolio="0.0.test") == main_source
    assert "xlwings.pro" not in main_source and "xlwings.server" not in main_source


# ----------------------------------------------------------------------------- the same cells, the same answer


@pytest.mark.parametrize("name", NAMES)
def test_example_gives_the_desktop_result(main, name):
    expected = com_call(name, *EXAMPLES[name])
    assert not (isinstance(expected, str) and expected.startswith(PREFIX)), expected
    assert lite_call(main, name, *EXAMPLES[name]) == expected


REQUIRED = [(f.name, i, a.name) for f in FUNCTIONS for i, a in enumerate(f.arguments) if not a.optional]


@pytest.mark.parametrize(("name", "i", "arg"), REQUIRED)
@pytest.mark.parametrize("cell", [-2146826246, -2146826281, None, "abc", True, "", "  "],
                         ids=["NA", "DIV0", "empty", "text", "TRUE", "empty-text", "spaces"])
def test_required_argument_bad_cell_gives_the_desktop_message(main, name, i, arg, cell):
    args = list(EXAMPLES[name])
    args[i] = cell
    expected = com_call(name, *args)
    assert isinstance(expected, str) and expected.startswith(f"{PREFIX}{arg}:")
    assert lite_call(main, name, *args) == expected


def _replace_cell(grid, k, value):
    flat = [v for r in grid for v in r]
    flat[k] = value
    width = len(grid[0])
    return tuple(tuple(flat[r * width:(r + 1) * width]) for r in range(len(grid)))


RANGES = [(n, i, a) for n, i, a in REQUIRED if isinstance(EXAMPLES[n][i], tuple) and sum(map(len, EXAMPLES[n][i])) >= 2]


@pytest.mark.parametrize(("name", "i", "arg"), RANGES)
@pytest.mark.parametrize("cell", [-2146826246, "n/a", "0.5", False, None, 3.0], ids=["NA", "text", "numtext", "FALSE",
                                                                                       "blank", "whole"])
def test_cell_inside_a_range_gives_the_desktop_message(main, name, i, arg, cell):
    args = list(EXAMPLES[name])
    args[i] = _replace_cell(args[i], 1, cell)
    assert lite_call(main, name, *args) == com_call(name, *args)


OPTIONAL = [(f.name, i, a.name) for f in FUNCTIONS for i, a in enumerate(f.arguments) if a.optional]


@pytest.mark.parametrize(("name", "i", "arg"), OPTIONAL)
@pytest.mark.parametrize("blank", [MISSING, None, "", ((None,), (None,)), ((None, None),)],
                         ids=["omitted", "empty", "empty-text", "blank-column", "blank-row"])
def test_optional_argument_omitted_or_blank_takes_the_desktop_default(main, name, i, arg, blank):
    args = list(EXAMPLES[name]) + [MISSING] * (len(BY_NAME[name].arguments) - len(EXAMPLES[name]))
    args[i] = blank
    assert lite_call(main, name, *args) == com_call(name, *args)


@pytest.mark.parametrize(("name", "i", "arg"), [o for o in OPTIONAL if BY_NAME[o[0]].arguments[o[1]].default is not None])
def test_optional_argument_given_its_default_value(main, name, i, arg):
    args = list(EXAMPLES[name]) + [MISSING] * (len(BY_NAME[name].arguments) - len(EXAMPLES[name]))
    args[i] = BY_NAME[name].arguments[i].default
    assert lite_call(main, name, *args) == com_call(name, *args)


def _dated(prices, header=True):
    start = dt.datetime(2024, 1, 1)
    rows = tuple((start + dt.timedelta(days=k), *map(float, r)) for k, r in enumerate(np.asarray(prices)))
    return (((None, "AAA", "BBB", "CCC"),) if header else ()) + rows


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("name", ["EXPECTED_RETURNS", "COVARIANCE", "CORRELATION"])
def test_history_with_its_date_column_reads_as_on_the_desktop(main, name, header):
    dated = _dated(EXAMPLES["EXPECTED_RETURNS"][0], header)
    args = (dated, "sample", "prices") if name == "COVARIANCE" else (dated,)
    expected = com_call(name, *args)
    assert not (isinstance(expected, str) and expected.startswith(PREFIX)), expected
    assert lite_call(main, name, *args) == expected
    # and the dates are set aside: the same as the prices alone
    assert expected == com_call(name, *((tuple(r[1:] for r in dated[1 if header else 0:]),) + args[1:]))


def test_a_date_column_in_a_matrix_is_named_as_on_the_desktop(main):
    dated = _dated(EXAMPLES["EXPECTED_RETURNS"][0][:4], header=False)
    expected = com_call("MIN_VARIANCE", dated)
    assert expected.startswith(f"{PREFIX}cov: a date (2024-01-01) at row 1, column 1")
    assert lite_call(main, "MIN_VARIANCE", dated) == expected


def test_whole_numbers_are_not_taken_for_dates():
    amounts = [[20000, 25000], [30000, 35000], [40000, 45000]]
    assert lite_value(amounts) == ((20000.0, 25000.0), (30000.0, 35000.0), (40000.0, 45000.0))
    too_few = [[45292, 0.5], [45293, 0.25]]
    assert lite_value(too_few) == ((45292.0, 0.5), (45293.0, 0.25))
    not_monotone = [[45292, 0.5], [45294, 0.25], [45293, 0.1]]
    assert lite_value(not_monotone)[0][0] == 45292.0
    dates = [["Date", "A"], [45292, 0.5], [45293, 0.25], [45294, 0.1]]
    assert lite_value(dates)[1][0] == dt.datetime(2024, 1, 1) and lite_value(dates)[0][0] == "Date"


def test_lite_cells_in_the_canonical_form():
    assert lite_cell(3) == 3.0 and type(lite_cell(3)) is float
    assert lite_cell(True) is True and lite_cell("") is None and lite_cell(None) is None
    assert lite_cell("#N/A") == -2146826246 and lite_cell("#DIV/0!") == -2146826281
    assert lite_cell("#ERROR: x: bad") == "#ERROR: x: bad"  # another xlfolio cell's message is text
    assert lite_cell("#BUSY!") == "#BUSY!"  # no COM code: stays text
    assert lite_value([[5]]) == 5.0 and lite_value([[None]]) is None
    assert lite_value([[1, 2.5], [None, "#N/A"]]) == ((1.0, 2.5), (None, -2146826246))
    default = 252.0
    assert lite_value(default) is default


# ----------------------------------------------------------------------------- fuzzed cells

ERROR_NAMES = set(CELL_ERRORS.values())
CELL = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0),
    st.integers(-1000, 1000).map(float),
    st.none(), st.text(max_size=5).filter(lambda s: s not in ERROR_NAMES), st.booleans(),
    st.sampled_from(sorted(CELL_ERRORS)),
)
GRID = st.integers(1, 4).flatmap(lambda w: st.lists(st.tuples(*[CELL] * w), min_size=1, max_size=4).map(tuple))
ARG = st.one_of(CELL, GRID)


def _comparable(result):
    return json.dumps(result, default=repr, sort_keys=True)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_cells_give_the_desktop_answer(main, name, data):
    n = len(BY_NAME[name].arguments)
    args = [data.draw(ARG) for _ in range(data.draw(st.integers(BY_NAME[name].n_required, n)))]
    assert _comparable(lite_call(main, name, *args)) == _comparable(com_call(name, *args))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_cells_in_the_example_give_the_desktop_answer(main, name, data):
    """One argument of the working example replaced by fuzzed cells: also the solved cases compare."""
    args = list(EXAMPLES[name])
    i = data.draw(st.integers(0, len(args) - 1))
    if isinstance(args[i], tuple):
        grid = [list(r) for r in args[i]]
        r = data.draw(st.integers(0, len(grid) - 1))
        c = data.draw(st.integers(0, len(grid[0]) - 1))
        grid[r][c] = data.draw(CELL)
        args[i] = tuple(tuple(x) for x in grid)
    else:
        args[i] = data.draw(CELL)
    assert _comparable(lite_call(main, name, *args)) == _comparable(com_call(name, *args))


# ----------------------------------------------------------------------------- what the cells show


def test_column_results_spill_as_columns_and_messages_stay_text(main):
    shown = lite.call(main.RISK_CONTRIBUTIONS, *(js(a) for a in EXAMPLES["RISK_CONTRIBUTIONS"]))
    assert len(shown) == 3 and all(len(r) == 1 and isinstance(r[0], float) for r in shown)
    row_weights = (tuple(v for (v,) in EXAMPLES["RISK_CONTRIBUTIONS"][0]),)
    shown = lite.call(main.RISK_CONTRIBUTIONS, js(row_weights), js(EXAMPLES["RISK_CONTRIBUTIONS"][1]))
    assert len(shown) == 1 and len(shown[0]) == 3
    na = [[{"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}]]
    bad = lite.call(main.PORTFOLIO_RISK, js(EXAMPLES["PORTFOLIO_RISK"][0]), na)
    assert bad == [[com_call("PORTFOLIO_RISK", EXAMPLES["PORTFOLIO_RISK"][0], -2146826246)]]
    assert bad[0][0].startswith(f"{PREFIX}cov_or_vols:") and "#N/A" in bad[0][0]


@pytest.mark.parametrize("name", NAMES)
def test_every_result_shows_without_an_error_value(main, name):
    shown = lite.call(getattr(main, name), *(js(a) for a in EXAMPLES[name]))
    assert isinstance(shown, list) and len({len(r) for r in shown}) == 1
    for r in shown:
        for x in r:
            assert not isinstance(x, dict), (name, x)  # no #NUM! or other error value
            assert isinstance(x, (float, str, bool)) and not (isinstance(x, str) and x.startswith(PREFIX))


# ----------------------------------------------------------------------------- without Numba

NO_NUMBA = r'''
import json, sys, types
sys.modules["numba"] = None  # as in Pyodide: "import numba" fails
sys.path.insert(0, sys.argv[1])
from tests.addin import lite_standin as lite
from tests.tolerances import ATOL_EXACT, RTOL_ESTIMATOR
from addin.cells.values import CELL_ERRORS
from addin import warmup
import kernels._jit
assert kernels._jit.PURE_PYTHON
sys.modules["xlwings"] = lite.xlwings_module()
main = types.ModuleType("main")
exec(compile(open(sys.argv[2]).read(), "main.py", "exec"), main.__dict__)
out = {}
for name, args in warmup.example_inputs().items():
    out[name] = lite.call(getattr(main, name), *(lite.js_value(a, error_texts=CELL_ERRORS) for a in args))
print(json.dumps(out))
'''


@pytest.mark.slow
def test_main_py_runs_without_numba_and_agrees_with_the_compiled_kernels(main, main_source, tmp_path):
    (tmp_path / "main.py").write_text(main_source)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA")}
    done = subprocess.run([sys.executable, "-c", NO_NUMBA, str(ROOT), str(tmp_path / "main.py")],
                          check=False, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    pure = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(pure) == set(NAMES)
    for name in NAMES:
        compiled = lite.call(getattr(main, name), *(js(a) for a in EXAMPLES[name]))
        got = pure[name]
        assert len(got) == len(compiled) and all(len(a) == len(b) for a, b in zip(got, compiled)), name
        for a, b in zip(got, compiled):
            for x, y in zip(a, b):
                if isinstance(y, float):
                    np.testing.assert_allclose(x, y, rtol=RTOL_ESTIMATOR, atol=ATOL_EXACT, err_msg=name)
                else:
                    assert x == y, name
