"""What every Excel function promises, checked for all of them through xlwings' own ``call_udf``.

Each function is called as Excel's UDF server calls it (``tests/xlwings_windows.py``): a normal
case, every required argument as ``#N/A``, blank and text, a bad cell inside a range, optional
arguments omitted or pointing at blank cells, random COM-shaped garbage, and its metadata and
VBA stub as xlwings writes them.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin import cells, warmup
from tests.addin import xlwings_windows as xlw

UDF = xlw.udf_module()
FUNCTIONS = warmup.excel_functions(UDF)
NAMES = list(FUNCTIONS)
EXAMPLES = warmup.example_inputs()
PREFIX = cells.ERROR_PREFIX

#: The catalogue of issue 7 whose kernels have landed, plus the extras users expect.
CATALOGUE = {
    "PORTFOLIO_RETURN", "PORTFOLIO_RISK", "RISK_CONTRIBUTIONS", "DIVERSIFICATION_RATIO", "COVARIANCE",
    "CORRELATION", "COV_FROM_CORR", "EXPECTED_RETURNS",
    "MIN_VARIANCE", "MAX_SHARPE", "EFFICIENT_PORTFOLIO", "EFFICIENT_FRONTIER", "TURNING_POINTS", "RISK_PARITY",
    "REBALANCE", "DRIFT", "AGE_ALLOCATION", "ALLOCATE",
    "PORTFOLIO_YIELD", "PORTFOLIO_INCOME", "INCOME_PROJECTION", "INCOME_PORTFOLIO", "TAX_EQUIVALENT_YIELD",
    "ASSET_LOCATION",
}
EXTRAS = {"NEAREST_CORRELATION", "EFFECTIVE_ASSETS", "HOUSEHOLD_REBALANCE", "BLACK_LITTERMAN"}
#: Functions that solve, estimate or factorise a matrix (the PSD check: about a second at 3,000 assets): not
#: evaluated while the function wizard is open.
EXPENSIVE = {"COVARIANCE", "CORRELATION", "EXPECTED_RETURNS", "NEAREST_CORRELATION", "MIN_VARIANCE", "MAX_SHARPE",
             "EFFICIENT_PORTFOLIO", "EFFICIENT_FRONTIER", "TURNING_POINTS", "RISK_PARITY", "INCOME_PORTFOLIO",
             "ASSET_LOCATION", "PORTFOLIO_RISK", "RISK_CONTRIBUTIONS", "DIVERSIFICATION_RATIO", "COV_FROM_CORR",
             "HOUSEHOLD_REBALANCE", "BLACK_LITTERMAN"}
#: Tables of text and numbers (names, symbols, dates): a text cell there is a name, not a bad number.
TEXT_TABLE_ARGS = {("HOUSEHOLD_REBALANCE", "accounts"), ("HOUSEHOLD_REBALANCE", "holdings"),
                   ("HOUSEHOLD_REBALANCE", "targets")}
#: Issue 15's backtests and Monte Carlo plans: each runs a simulation, none in the wizard.
SIMULATION = {"BACKTEST", "BACKTEST_SERIES", "PLAN_SUCCESS", "SAFE_WITHDRAWAL_RATE", "PERPETUAL_WITHDRAWAL_RATE",
              "PLAN_SUMMARY", "PLAN_PERCENTILES", "PLAN_HISTORY"}
CATALOGUE |= SIMULATION
EXPENSIVE |= SIMULATION


def params(name):
    return list(inspect.signature(FUNCTIONS[name]).parameters.values())


def required(name):
    return [p.name for p in params(name) if p.default is inspect.Parameter.empty]


def full_args(name, given_args):
    """The example arguments, padded with COM's 'missing' for every optional argument not given."""
    return tuple(given_args) + (xlw.MISSING,) * (len(params(name)) - len(given_args))


def is_error(result):
    return isinstance(result, list) and len(result) == 1 and len(result[0]) == 1 and isinstance(
        result[0][0], str) and result[0][0].startswith(PREFIX)


def message(result):
    assert is_error(result), f"expected an error message, got {result!r}"
    return result[0][0]


def with_arg(name, i, value):
    args = list(full_args(name, EXAMPLES[name]))
    args[i] = value
    return args


def test_catalogue_is_implemented():
    assert set(NAMES) == CATALOGUE | EXTRAS


@pytest.mark.parametrize("name", NAMES)
def test_example_gives_a_result(name):
    result = xlw.call(name, *full_args(name, EXAMPLES[name]))
    assert not is_error(result), result
    values = np.array([[x for x in r if not isinstance(x, str)] for r in result if not all(isinstance(x, str) for x in r)],
                      dtype=float)
    assert values.size and np.all(np.isfinite(values))


REQUIRED_ARGS = [(name, i, arg) for name in NAMES for i, arg in enumerate(required(name))]


@pytest.mark.parametrize(("name", "i", "arg"), REQUIRED_ARGS)
@pytest.mark.parametrize(("cell", "what"), [(xlw.XL_NA, "#N/A"), (xlw.XL_DIV0, "#DIV/0!"), (None, "empty"),
                                            ("abc", "'abc'"), (True, "TRUE"), (xlw.TimeType(2024, 3, 1), "date")])
def test_required_argument_bad_cell_names_it(name, i, arg, cell, what):
    msg = message(xlw.call(name, *with_arg(name, i, cell)))
    assert msg.startswith(f"{PREFIX}{arg}:")
    assert what in msg
    assert "\n" not in msg and len(msg) < 160


RANGE_ARGS = [(name, i, arg) for name, i, arg in REQUIRED_ARGS
              if isinstance(EXAMPLES[name][i], tuple) and sum(map(len, EXAMPLES[name][i])) >= 2
              and (name, arg) not in TEXT_TABLE_ARGS]


def _replace_cell(grid, k, value):
    flat = [v for r in grid for v in r]
    flat[k] = value
    width = len(grid[0])
    return tuple(tuple(flat[r * width:(r + 1) * width]) for r in range(len(grid)))


@pytest.mark.parametrize(("name", "i", "arg"), RANGE_ARGS)
@pytest.mark.parametrize(("cell", "what"), [(xlw.XL_NA, "#N/A"), ("n/a", "text 'n/a'"), ("0.5", "stored as text"),
                                            (False, "FALSE"), (xlw.TimeType(2024, 3, 1), "a date (2024-03-01)")])
def test_bad_cell_inside_a_range_is_located(name, i, arg, cell, what):
    grid = EXAMPLES[name][i]
    msg = message(xlw.call(name, *with_arg(name, i, _replace_cell(grid, 1, cell))))
    assert msg.startswith(f"{PREFIX}{arg}: {what}" if what != "stored as text" else f"{PREFIX}{arg}: text '0.5'")
    if what == "stored as text":
        assert "number stored as text" in msg
    width = len(grid[0])
    r, c = divmod(1, width)
    expected = f"row {r + 1}" if width == 1 else (f"column {c + 1}" if len(grid) == 1 else f"row {r + 1}, column {c + 1}")
    assert f"at {expected};" in msg


#: CORRELATION's example is a covariance matrix (square): a blank in it is an error like in any matrix
HISTORY_ARGS = {("COVARIANCE", "data"), ("EXPECTED_RETURNS", "prices")}
HISTORY_ARGS |= {("BACKTEST", "prices"), ("BACKTEST_SERIES", "prices"), ("PLAN_HISTORY", "history")}  # issue 15


@pytest.mark.parametrize(("name", "i", "arg"), RANGE_ARGS)
def test_blank_inside_a_required_range_is_an_error_except_in_histories(name, i, arg):
    grid = EXAMPLES[name][i]
    if len(grid) < 3 and (name, arg) in HISTORY_ARGS:
        pytest.skip("history too short")
    result = xlw.call(name, *with_arg(name, i, _replace_cell(grid, 0, None)))  # the first cell is never trailing
    if (name, arg) in HISTORY_ARGS:
        assert not is_error(result), result  # a gap: the estimators drop the row and say so in their docs
    else:
        msg = message(result)
        assert msg.startswith(f"{PREFIX}{arg}: a blank cell at ")
        assert "fill in a number" in msg


@pytest.mark.parametrize(("name", "i", "arg"), RANGE_ARGS)
def test_trailing_blank_rows_and_columns_are_ignored(name, i, arg):
    grid = EXAMPLES[name][i]
    width = len(grid[0])
    padded = tuple(r + (None, None) for r in grid) + ((None,) * (width + 2),) * 3
    expected = xlw.call(name, *full_args(name, EXAMPLES[name]))
    assert xlw.call(name, *with_arg(name, i, padded)) == expected


OPTIONAL_ARGS = [(name, i, p.name) for name in NAMES for i, p in enumerate(params(name))
                 if p.default is not inspect.Parameter.empty]


@pytest.mark.parametrize(("name", "i", "arg"), OPTIONAL_ARGS)
@pytest.mark.parametrize("blank", [None, "", ((None,), (None,)), ((None, None),)])
def test_optional_argument_on_blank_cells_takes_its_default(name, i, arg, blank):
    args = list(full_args(name, EXAMPLES[name]))
    args[i] = xlw.MISSING
    omitted = xlw.call(name, *args)
    args[i] = blank
    assert xlw.call(name, *args) == omitted


@pytest.mark.parametrize(("name", "i", "arg"), [a for a in OPTIONAL_ARGS if params(a[0])[a[1]].default is not None])
def test_omitted_optional_argument_equals_its_default_given(name, i, arg):
    args = list(full_args(name, EXAMPLES[name]))
    args[i] = xlw.MISSING
    omitted = xlw.call(name, *args)
    args[i] = xlw.com_value(params(name)[i].default)
    assert xlw.call(name, *args) == omitted


@pytest.mark.parametrize(("name", "i", "arg"), [a for a in OPTIONAL_ARGS if a[2] in ("header",)])
def test_header_false_drops_the_header_row(name, i, arg):
    args = list(full_args(name, EXAMPLES[name]))
    with_header = xlw.call(name, *args)
    args[i] = False
    without = xlw.call(name, *args)
    assert all(isinstance(x, str) for x in with_header[0])
    assert without == with_header[1:]


@pytest.mark.parametrize(("name", "i", "arg"), [a for a in REQUIRED_ARGS if isinstance(EXAMPLES[a[0]][a[1]], tuple)])
def test_currency_cells_read_as_numbers(name, i, arg):
    grid = EXAMPLES[name][i]
    as_decimal = tuple(tuple(Decimal(repr(v)) if isinstance(v, float) else v for v in r) for r in grid)
    assert xlw.call(name, *with_arg(name, i, as_decimal)) == xlw.call(name, *full_args(name, EXAMPLES[name]))


# ----------------------------------------------------------------------------- nothing escapes

CELL = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.none(), st.text(max_size=5), st.booleans(), st.sampled_from(sorted(xlw.CELL_ERRORS)),
    st.decimals(-1000, 1000, allow_nan=False, allow_infinity=False, places=2),
    st.builds(xlw.TimeType, st.integers(1990, 2030), st.integers(1, 12), st.integers(1, 28)),
)
GRID = st.integers(1, 4).flatmap(lambda w: st.lists(st.tuples(*[CELL] * w), min_size=1, max_size=4).map(tuple))
ARG = st.one_of(CELL, GRID, st.just(xlw.MISSING))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_exception_escapes_call_udf(name, data):
    n = len(params(name))
    args = [data.draw(ARG) for _ in range(n)]
    result = xlw.call(name, *args)
    assert isinstance(result, list) and result and isinstance(result[0], list)
    if is_error(result):
        assert "internal error" not in result[0][0], result[0][0]


def test_internal_error_becomes_a_message_and_is_logged(monkeypatch, caplog):
    import kernels

    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(kernels, "portfolio_volatility", broken)
    with caplog.at_level(logging.ERROR, logger="addin.cells"):
        msg = message(xlw.call("PORTFOLIO_RISK", *full_args("PORTFOLIO_RISK", EXAMPLES["PORTFOLIO_RISK"])))
    assert msg == f"{PREFIX}internal error in PORTFOLIO_RISK (ZeroDivisionError: float division by zero); please report it."
    assert "PORTFOLIO_RISK failed" in caplog.text


def test_long_messages_are_cut_to_one_short_line():
    text = cells.error_text("x: " + "word " * 100 + "\nsecond line")
    assert text.startswith(PREFIX) and "\n" not in text and len(text) == cells.MAX_MESSAGE_CHARS < 200
    assert text.endswith("...")


def test_long_numbers_and_quotes_in_a_message_are_put_short():
    big = f"{1e300:,.2f}"  # 403 characters
    text = cells.error_text(f"total: {big} is more than {12345.5:,.2f}; got '{'x' * 5000}' instead.")
    assert text == f"{PREFIX}total: 1e+300 is more than 12,345.50; got 'xxxxxxxxxxxxxxxxxxxxx...' instead."


# ----------------------------------------------------------------------------- metadata and VBA


@pytest.mark.parametrize("name", NAMES)
def test_wizard_metadata(name):
    meta = FUNCTIONS[name].__xlfunc__
    assert meta["name"] == name == name.upper()
    assert meta["category"] == "xlfolio"
    description = meta["ret"]["doc"]
    assert "\n" not in description.strip() and 10 < len(description) <= 255
    assert meta["call_in_wizard"] is (name not in EXPENSIVE)
    assert [a["name"] for a in meta["args"]] == [p.name for p in params(name)]
    for a in meta["args"]:
        assert not a["doc"].startswith("Positional argument"), f"{name}.{a['name']} has no doc"
        assert len(a["doc"]) <= 255
        assert a["options"] == {"convert": "raw"}
        if "optional" in a:
            assert a["doc"].startswith("Optional")


VBA_SIGNATURE = re.compile(r"^Function (\w+)\((.*)\)$", re.M)


def test_vba_wrapper_declares_every_function_with_its_arguments():
    text = xlw.vba_wrapper("xlfolio.xlsm")
    assert text.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    declared = dict(VBA_SIGNATURE.findall(text))
    assert set(declared) == set(NAMES)
    for name in NAMES:
        expected = ", ".join(("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
                             for p in params(name))
        assert declared[name] == expected
        arg_list = ", ".join(p.name for p in params(name))
        call = f'{name} = XLPy.CallUDF("addin.udfs", "{name}", Array({arg_list}), ThisWorkbook, Application.Caller)'
        assert call in text
        body = text[text.index(f"Function {name}("):text.index("End Function", text.index(f"Function {name}("))]
        assert ("CommandBars" in body) is (name in EXPENSIVE)
        assert f"{name} = Err.Description" in body


def test_vba_wrapper_for_an_addin_uses_the_active_workbook():
    text = xlw.vba_wrapper("xlfolio.xlam")
    assert "ActiveWorkbook, Application.Caller" in text and "ThisWorkbook" not in text


def test_vba_module_function_is_what_xlwings_generates():
    from addin.vba import udf_wrapper_module

    assert udf_wrapper_module() == xlw.vba_wrapper()


# ----------------------------------------------------------------------------- dates in histories


def test_history_with_header_row_and_date_column_equals_the_numbers():
    prices = np.asarray(EXAMPLES["EXPECTED_RETURNS"][0], dtype=float)
    start = dt.date(2024, 1, 1)
    dated = ((None, "AAA", "BBB", "CCC"),) + tuple(
        (xlw.TimeType(start.year, start.month, start.day) + dt.timedelta(days=k), *map(float, r))
        for k, r in enumerate(prices))
    for name, args in (("EXPECTED_RETURNS", (dated,)), ("COVARIANCE", (dated, xlw.MISSING, "prices"))):
        plain = xlw.call(name, *full_args(name, (xlw.table(prices),) + args[1:]))
        assert xlw.call(name, *full_args(name, args)) == plain
        assert not is_error(plain)


def test_non_finite_result_is_a_message():
    # volatilities of 1e200 make covariances of 1e400: no float holds them, so no cell shows them
    corr = EXAMPLES["COV_FROM_CORR"][1]
    msg = message(xlw.call("COV_FROM_CORR", xlw.column([1e200, 1e200, 1e200]), corr))
    assert msg == (f"{PREFIX}vols, correlation: no finite result (row 1, column 1) for these values (an overflow or "
                   "a division by zero); check them for extreme values or zeros.")
    # a subnormal weight once made (sum |w|)^2 underflow to 0 and the ratio 0/0: now computed on rescaled weights
    assert xlw.call("EFFECTIVE_ASSETS", 5e-324) == [[1.0]]


@pytest.mark.parametrize("name", NAMES)
def test_cell_references_read_like_values(name):
    """Formulas usually pass references (B2:B6): xlwings reads Range.Value; the result is the same."""
    by_value = full_args(name, EXAMPLES[name])
    by_reference = tuple(a if a == xlw.MISSING else xlw.reference(a) for a in by_value)
    assert xlw.call(name, *by_reference) == xlw.call(name, *by_value)
