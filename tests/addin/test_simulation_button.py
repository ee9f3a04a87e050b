"""The Simulate button (issue 15) on the template file (FileBook) and as a Lite script (stand-in book): its
blocks equal the kernels run on independently read inputs, and bad input writes nothing, names the block
and logs the attempt."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import addin.macros as m
import kernels
from addin.book import FileBook
from tests.addin.macro_support import ALL_OUTPUTS, CLOCK, OUTPUTS, fresh
from tests.workbook.template_support import source_assumptions, source_client, source_cov, template_bytes
from workbook import simulation_blocks as B
from workbook.sheets.simulation import DEFAULT_MIX

SETS = ["Client target", "60/40", "Max Sharpe", "Risk parity"]


@functools.lru_cache(maxsize=1)
def _ran() -> bytes:
    """Every computing button run on the template with its outputs blanked: Simulate sees all four sets."""
    book = fresh()
    for name in m.COMPUTING:
        assert getattr(m, name)(book).ok, name
    return book.to_bytes()


@pytest.fixture(scope="module")
def ran() -> FileBook:
    return FileBook(_ran(), clock=lambda: CLOCK)


def client_targets() -> np.ndarray:
    """The sample client's targets by asset class, from the text sources (pandas, not the button's code)."""
    a, c = source_assumptions(), source_client()
    return c.groupby("asset_class").target_weight.sum().reindex(a.asset_class, fill_value=0.0).to_numpy()


def history(book):
    dates = np.array([r[0] for r in book.read("Sim_HistoryDates")])
    values = np.array(book.read("Sim_History"), dtype=float)
    return dates, values


def expected_sets() -> np.ndarray:
    a = source_assumptions()
    mu, cov = a.expected_return.to_numpy(), source_cov()
    rf = float(a.expected_return[a.asset_class == "Cash"].iloc[0])
    mix = np.array([DEFAULT_MIX.get(c, 0.0) for c in a.asset_class])
    # issue 16: Cash is the risk-free sleeve (riskless, at its yield, held at 5%); the Assumptions sheet's limits
    cash = int(np.flatnonzero(a.asset_class == "Cash")[0])
    lo, hi = a.min_weight.to_numpy(), a.max_weight.to_numpy()
    mu_s, cov_s = mu.copy(), np.array(cov, dtype=float)
    mu_s[cash], cov_s[cash, :], cov_s[:, cash] = float(a["yield"][cash]), 0.0, 0.0
    best = kernels.max_sharpe(mu_s, cov_s, risk_free=float(mu_s[cash]), lower=lo, upper=hi).weights
    rp = kernels.risk_parity_with_cash(cov, np.full(len(mu), 1.0 / len(mu)), cash_weight=lo[cash],
                                       risk_free_asset=cash, lower=lo, upper=hi).weights
    return np.array([client_targets(), mix, best, rp])


def test_the_four_weight_sets(ran):
    assert ran.read("Sim_SetNames") == [SETS]
    np.testing.assert_allclose(np.array(ran.read("Sim_Weights"), dtype=float).T, expected_sets(), atol=1e-9)


def test_backtest_blocks_equal_the_kernel(ran):
    dates, values = history(ran)
    a = source_assumptions()
    rf = float(a.expected_return[a.asset_class == "Cash"].iloc[0])
    sets = np.array(ran.read("Sim_Weights"), dtype=float).T  # the weights the button used (checked above)
    r = kernels.backtest(values, sets, kind="returns", dates=dates, periods_per_year=12, rebalance="quarterly",
                         costs=10.0, start_value=10_000.0, risk_free=rf)
    stats = ran.read("Sim_Stats")
    for row, cells in zip(B.STAT_ROWS, stats):
        expected = getattr(r.statistics, row.field)
        if row.fmt == "date":
            serials = [float((d - np.datetime64("1899-12-30", "D")).astype(np.int64)) if not np.isnat(d)
                       else "not recovered" for d in expected]
            assert cells == serials, row.label
        else:
            np.testing.assert_allclose(cells, expected, rtol=1e-12, err_msg=row.label)
    growth = ran.read("Sim_Growth")
    assert growth[0] == ["Month end", *SETS]
    body = np.array(growth[1:], dtype=float)
    assert body.shape == (B.HISTORY_MONTHS + 1, 5)
    np.testing.assert_allclose(body[:, 1:], r.monthly_values.T, rtol=1e-12)
    assert body[0, 0] == 42004.0 and body[-1, 0] == 45657.0  # 2014-12-31 (the start) to 2024-12-31
    drawdowns = ran.read("Sim_Drawdowns")
    assert drawdowns[0] == SETS
    np.testing.assert_allclose(np.array(drawdowns[1:], dtype=float), r.drawdowns.T, rtol=1e-12, atol=1e-15)
    annual = ran.read("Sim_Annual")
    assert annual[0] == ["Year", *SETS] and [row[0] for row in annual[1:11]] == list(range(2015, 2025))
    np.testing.assert_allclose(np.array([row[1:] for row in annual[1:11]], dtype=float), r.annual_returns.T,
                               rtol=1e-12)
    assert annual[11] == [None] * 5


def test_backtest_growth_by_hand(ran):
    """Buy and hold of one set over two months, computed by hand from the sheet's returns (no kernel)."""
    _, values = history(ran)
    growth = np.array(ran.read("Sim_Growth")[1:4], dtype=float)
    w = np.array(ran.read("Sim_Weights"), dtype=float)[:, 0]  # no trade (or cost) before the first quarter end
    month1 = 10_000.0 * (w * (1 + values[0])).sum()
    np.testing.assert_allclose(growth[1, 1], month1, rtol=1e-12)
    units = w * (1 + values[0]) * (1 + values[1])
    np.testing.assert_allclose(growth[2, 1], 10_000.0 * units.sum(), rtol=1e-12)


def test_plan_blocks_equal_the_kernel(ran):
    a, c = source_assumptions(), source_client()
    total = float(c.value.sum())
    plan = kernels.simulate_plan(client_targets(), cov=source_cov(), expected_returns=a.expected_return.to_numpy(),
                                 yields=a["yield"].to_numpy(), years=30, start_value=total,
                                 withdrawal=round(0.04 * total, -3), n_paths=10_000, seed=0)
    stats = [r[0] for r in ran.read("Sim_PlanStats")]
    assert stats == [plan.success_probability, plan.safe_withdrawal_rate, plan.perpetual_withdrawal_rate,
                     plan.real_value[2, -1], plan.real_value[0, -1], plan.annual_return_real[2], 10_000.0]
    fan = np.array(ran.read("Sim_Fan"), dtype=float)
    np.testing.assert_array_equal(fan[:, 0], np.arange(31))
    np.testing.assert_allclose(fan[:, 1:6], plan.real_value.T, rtol=1e-12)
    np.testing.assert_allclose(fan[:, 6], plan.real_income[2], rtol=1e-12)
    np.testing.assert_allclose(fan[:, 7], plan.survival, rtol=1e-12)
    bands = np.array(ran.read("Sim_FanBands"), dtype=float)
    np.testing.assert_allclose(np.cumsum(bands, axis=1), fan[:, 1:6], rtol=1e-9, atol=1e-6)  # bands stack up
    assert ran.read("Sim_FanTitle") == [[f"Success {plan.success_probability:.0%} over 30 years "
                                         f"(safe withdrawal rate {plan.safe_withdrawal_rate:.1%})"]]


def test_the_status_line_and_the_log(ran):
    info = ran.read("Sim_Info")[0][0]
    assert info.startswith("backtest 2014-12-31 to 2024-12-31: Client target ")
    assert "; plan: success " in info and info.endswith("over 30 years (10,000 paths)")
    row = ran.log_rows()[-1]
    assert row[1:3] == ["simulate", "ok"] and row[5] == info
    assert "Sim_Growth (Simulation!$H$96:$L$217)" in row[4]


def test_sets_from_buttons_not_run_yet_are_left_out():
    book = fresh()  # Frontier and Risk Parity blocks blank
    result = m.simulate(book)
    assert result.ok, result.message
    assert result.message.endswith("; Max Sharpe left out (click Efficient Frontier first); "
                                   "Risk parity left out (click Risk Parity first)")
    assert book.read("Sim_SetNames") == [["Client target", "60/40", None, None]]
    assert all(row[2:] == [None, None] for row in book.read("Sim_Stats"))
    assert all(row[3:] == [None, None] for row in book.read("Sim_Growth"))


def test_a_blank_start_value_is_the_portfolio():
    book = fresh()
    start = book.block("Sim_StartValue")
    book.sheet("Simulation").set(start.row, start.col, None)
    assert m.simulate(book).ok
    reference = fresh()
    assert m.simulate(reference).ok
    assert book.read("Sim_PlanStats") == reference.read("Sim_PlanStats")


def _set(book, name, value, offset=(0, 0)):
    block = book.names[name]
    book.sheet(block.sheet).set(block.row + offset[0], block.col + offset[1], value)


BAD_INPUTS = [
    ("Sim_Rebalance", (0, 0), "sometimes", "Sim_Rebalance: expected one of none, daily, monthly, quarterly, "
     "semiannual, annual, bands, cash_flow, got 'sometimes'; pick one from the list."),
    ("Sim_Rebalance", (0, 0), "none", "Sim_Band: has no effect with rebalance='none'; choose 'bands' or a calendar "
     "policy.", {"Sim_Band": 0.05}),
    ("Sim_Costs", (0, 0), -1.0, "Sim_Costs: expected basis points of the value traded between 0 and 10,000 "
     "(10 = 0.10%)."),
    ("Sim_StartBalance", (0, 0), "ten", "Sim_StartBalance: expected a number, got text 'ten'; enter a number."),
    ("Sim_HistoryKind", (0, 0), "levels", "Sim_HistoryKind: expected one of prices, returns, got 'levels'; pick one "
     "from the list."),
    ("Sim_HistoryKind", (0, 0), "prices", "Sim_History: row 1, column 1 (US Stocks) is a price of -0.0542; prices "
     "must be > 0."),
    ("Sim_History", (4, 2), "n/a", "Sim_History: text 'n/a' at row 5, column 3; enter a number."),
    ("Sim_History", (4, 2), -1.5, "Sim_History: row 5, column 3 is a return of -1.5 (-100% or less); returns are "
     "decimal fractions above -1 (0.05 = 5%)."),
    ("Sim_HistoryDates", (6, 0), None, "Sim_HistoryDates: row 7 is blank; give every row of the history its date."),
    ("Sim_HistoryDates", (6, 0), "July", "Sim_HistoryDates: text 'July' at row 7; enter a date."),
    ("Sim_Mix", (0, 0), 0.5, "Sim_Mix: must sum to 1 (100%), got 1.08; adjust the weights so they add up to 1."),
    ("Sim_Mix", (1, 0), None, "Sim_Mix: a blank cell at row 2; fill in a number or shorten the range."),
    ("Sim_Years", (0, 0), 0.0, "Sim_Years: must be >= 1, got 0."),
    ("Sim_Years", (0, 0), 40.0, "Sim_Fan: room for 31 rows of results but 41 are needed; insert rows inside the "
     "table (its named range grows with them)."),
    ("Sim_Withdrawal", (0, 0), -5.0, "Sim_Withdrawal: must be >= 0, got -5."),
    ("Sim_WithdrawalType", (0, 0), "monthly", "Sim_WithdrawalType: expected one of fixed_real, fixed_nominal, "
     "percent, income, got 'monthly'; pick one from the list."),
    ("Sim_WithdrawalStart", (0, 0), 30.0, "Sim_WithdrawalStart: year 30 is not before the end of the plan "
     "(years=30); start withdrawals earlier or simulate more years."),
    ("Sim_ContributionYears", (0, 0), 31.0, "Sim_ContributionYears: must be <= 30, got 31."),
    ("Sim_Inflation", (0, 0), 2.0, "Sim_Inflation: must be <= 1, got 2."),
    ("Sim_Fees", (0, 0), 1.0, "Sim_Fees: must be < 1, got 1."),
    ("Sim_PlanRebalance", (0, 0), "bands", "Sim_PlanRebalance: expected one of none, monthly, quarterly, semiannual, "
     "annual, got 'bands'; pick one from the list."),
    ("Sim_Distribution", (0, 0), "cauchy", "Sim_Distribution: expected one of normal, lognormal, student_t, got "
     "'cauchy'; pick one from the list."),
    ("Sim_Paths", (0, 0), 2_000_000.0, "Sim_Paths: at most 1,000,000 paths a click, got 2,000,000; use xlfolio "
     "simulate for more."),
    ("Sim_Paths", (0, 0), 0.0, "Sim_Paths: must be >= 1, got 0."),
    ("Sim_Seed", (0, 0), -1.0, "Sim_Seed: must be >= 0, got -1."),
    ("Sim_SuccessTarget", (0, 0), 1.5, "Sim_SuccessTarget: must be < 1, got 1.5."),
    ("Optimal_Weights", (0, 1), "x", "Optimal_Weights: text 'x' at column 2; enter a number."),
    ("RP_Weights", (0, 0), 0.9, "RP_Weights: must sum to 1 (100%), got 1.7; adjust the weights so they add up to 1."),
    ("Holdings_Target", (0, 0), 0.5, "Holdings_Target: must sum to 1 (100%), got 1.1; adjust the weights so they "
     "add up to 1."),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[f"{c[0]}-{c[2]}" for c in BAD_INPUTS])
def test_bad_input_writes_nothing_names_the_block_and_logs(case):
    name, offset, value, message, *more = case
    book = FileBook(_ran(), clock=lambda: CLOCK)  # outputs filled, so "nothing written" shows
    _set(book, name, value, offset)
    for other, v in (more[0] if more else {}).items():
        _set(book, other, v)
    inputs_before = {n: book.read(n) for n in (*B.INPUT_NAMES, "Holdings_Target")}
    before = {n: book.read(n) for n in ALL_OUTPUTS}
    n_log = len(book.log_rows())
    result = m.simulate(book)
    assert (result.ok, result.message, result.wrote) == (False, message, ())
    assert {n: book.read(n) for n in ALL_OUTPUTS} == before
    assert {n: book.read(n) for n in (*B.INPUT_NAMES, "Holdings_Target")} == inputs_before
    log = book.log_rows()
    assert len(log) == n_log + 1 and log[-1][1:3] == ["simulate", "error"] and log[-1][5] == message
    assert book.messages == [f"Simulate: {message}"]


def test_the_button_writes_only_its_blocks():
    book = fresh()
    reads = {n: book.read(n) for n in m.button("simulate").macro.reads}
    result = m.simulate(book)
    assert result.ok and set(result.wrote) == set(OUTPUTS["simulate"]) == set(B.OUTPUT_NAMES)
    assert {n: book.read(n) for n in reads} == reads


def test_the_template_ships_the_simulation_filled():
    book = FileBook(template_bytes())
    assert book.read("Sim_SetNames") == [SETS]
    assert all(isinstance(v, float) for row in book.read("Sim_Stats")[:8] for v in row)
    assert all(isinstance(v, float) for row in book.read("Sim_Growth")[1:] for v in row)
    assert book.read("Sim_FanTitle")[0][0].startswith("Success ")


def test_a_result_set_of_another_length_is_refused_naming_its_block():
    from addin.macros.simulation import weight_sets
    from kernels import InputError

    classes = ["A", "B", "C"]
    inputs = {"Sim_Mix": [[0.5], [0.3], [0.2]], "Sim_MixName": [["Mix"]],
              "Optimal_Weights": [[0.6, 0.4]], "RP_Weights": [[None], [None], [None]]}
    with pytest.raises(InputError, match=r"^Optimal_Weights: 2 weights for 3 asset classes; click Efficient "
                                         r"Frontier again\.$"):
        weight_sets(inputs, classes, np.array([0.4, 0.4, 0.2]))
    inputs["Optimal_Weights"] = [[0.6, 0.3, 0.1]]
    sets, left_out = weight_sets(inputs, classes, np.array([0.4, 0.4, 0.2]))
    assert [s.name for s in sets] == ["Client target", "Mix", "Max Sharpe"] and left_out == [
        "Risk parity left out (click Risk Parity first)"]
