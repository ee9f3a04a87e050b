"""The Simulation sheet of the built template (issue 15), read with independent readers (lxml on the chart
parts, openpyxl for values and validation): its three charts point at the blocks the Simulate button
fills, the file holds their values, and the illustrative history is what the sheet says it is."""

from __future__ import annotations

import io
import posixpath

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from addin.book import FileBook
from kernels import REBALANCE_POLICIES, WITHDRAWAL_TYPES
from tests.workbook.template_support import package, source_assumptions, template_bytes
from workbook import layout as L
from workbook import simulation_blocks as B
from workbook.grid import Block, parse_ref
from workbook.sheets.simulation import month_ends, sample_history

C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
     "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


@pytest.fixture(scope="module")
def book() -> FileBook:
    return FileBook(template_bytes())


def _rels(z, part: str) -> list[str]:
    """Targets of a part's relationships, as package paths."""
    folder, name = posixpath.split(part)
    rels = etree.fromstring(z.read(f"{folder}/_rels/{name}.rels"))
    return [posixpath.normpath(posixpath.join(folder, r.get("Target"))) for r in rels.iter(REL)]


@pytest.fixture(scope="module")
def charts(book) -> list:
    """The chart parts drawn on the Simulation sheet, in drawing order (growth, drawdown, fan)."""
    z = package(template_bytes())
    sheet_part = book._sheet_paths[B.SHEET]
    drawing = [t for t in _rels(z, sheet_part) if "/drawings/" in t]
    assert len(drawing) == 1
    parts = [t for t in _rels(z, drawing[0]) if "/charts/" in t]
    return [etree.fromstring(z.read(p)) for p in parts]


def refs(node, path: str) -> list[Block]:
    return [parse_ref(f.text) for f in node.iterfind(path, C)]


def column(name: str, col: int, skip_header: bool, book) -> Block:
    b = book.names[name]
    first = 1 if skip_header else 0
    return Block(b.sheet, b.row + first, b.col + col, b.n_rows - first)


def test_three_charts_on_the_sheet(charts):
    assert len(charts) == 3
    assert [len(c.findall(".//c:lineChart", C)) for c in charts] == [1, 1, 1]
    assert [len(c.findall(".//c:areaChart", C)) for c in charts] == [0, 0, 1]


@pytest.mark.parametrize("index, block, first_col", [(0, "Sim_Growth", 1), (1, "Sim_Drawdowns", 0)])
def test_growth_and_drawdown_series_point_at_their_blocks(book, charts, index, block, first_col):
    chart = charts[index]
    series = chart.findall(".//c:lineChart/c:ser", C)
    assert len(series) == B.N_SETS
    dates = column("Sim_Growth", 0, True, book)
    b = book.names[block]
    for j, ser in enumerate(series):
        assert refs(ser, "c:tx//c:f") == [Block(b.sheet, b.row, b.col + first_col + j)]
        assert refs(ser, "c:cat//c:f") == [dates]
        assert refs(ser, "c:val//c:f") == [column(block, first_col + j, True, book)]
    assert chart.find(".//c:dateAx", C) is not None
    cache = chart.find(".//c:cat/c:numRef/c:numCache", C)  # the dates are numbers in the file's cache too
    points = [float(v.text) for v in cache.iterfind(".//c:v", C)]
    assert len(points) == B.HISTORY_MONTHS + 1 and points[0] == 42004.0 and points[-1] == 45657.0


def test_fan_chart_stacks_the_bands_under_the_median(book, charts):
    fan = charts[2]
    area = fan.find(".//c:areaChart", C)
    assert area.find("c:grouping", C).get("val") == "stacked"
    series = area.findall("c:ser", C)
    assert len(series) == len(B.BAND_COLUMNS)
    years = column("Sim_Fan", 0, False, book)
    for j, ser in enumerate(series):
        assert refs(ser, "c:val//c:f") == [column("Sim_FanBands", j, False, book)]
        assert refs(ser, "c:cat//c:f") == [years]
    assert series[0].find("c:spPr/a:noFill", C) is not None  # the base below the 10th percentile is invisible
    median = fan.findall(".//c:lineChart/c:ser", C)
    assert len(median) == 1 and refs(median[0], "c:val//c:f") == [column("Sim_Fan", 3, False, book)]
    assert refs(fan, "c:chart/c:title//c:f") == [book.names["Sim_FanTitle"]]
    assert fan.find(".//c:legend/c:legendEntry/c:idx", C).get("val") == "0"


def test_every_chart_reference_holds_values_in_the_file(book, charts):
    n_numbers = 0
    for chart in charts:
        for block in refs(chart, ".//c:f"):
            values = [v for row in book.read_block(block) for v in row]
            if block.n_rows == block.n_cols == 1:
                assert isinstance(values[0], str) and values[0], block  # a series name or the title
                continue
            assert all(isinstance(v, float) and np.isfinite(v) for v in values), block
            n_numbers += len(values)
    assert n_numbers == 2 * B.N_SETS * 2 * (B.HISTORY_MONTHS + 1) + 2 * 6 * (B.PLAN_YEARS + 1)


def test_values_are_stored_for_readers_without_python():
    """openpyxl reads the values the file stores (no formula evaluation, no xlfolio)."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()), data_only=True)
    ws = wb[B.SHEET]

    def read(name):
        dest = list(wb.defined_names[name].destinations)[0][1].replace("$", "")
        cells = ws[dest]
        return [[c.value for c in row] for row in cells] if isinstance(cells, tuple) else [[cells.value]]

    assert read("Sim_SetNames") == [["Client target", "60/40", "Max Sharpe", "Risk parity"]]
    stats = read("Sim_Stats")
    assert all(isinstance(v, float) for row in stats[:8] for v in row)
    assert read("Sim_FanTitle")[0][0].startswith("Success ")
    assert 0 < read("Sim_PlanStats")[0][0] < 1
    assert read("Sim_StartValue")[0][0] == pytest.approx(327_300.0)  # the formula =Portfolio_Value, stored


def test_dropdowns_offer_the_kernels_words():
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(io.BytesIO(template_bytes()))[B.SHEET]
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists["B4"] == '"' + ",".join(REBALANCE_POLICIES) + '"'
    assert lists["H7"] == '"' + ",".join(WITHDRAWAL_TYPES) + '"'


def test_the_history_is_the_illustrative_draw_it_says_it_is(book):
    a = source_assumptions()
    corr = pd.read_csv(L.CORRELATIONS_CSV, index_col=0).loc[a.asset_class, a.asset_class].to_numpy()
    expected = sample_history(a.expected_return, a.volatility, corr)
    values = np.array(book.read("Sim_History"), dtype=float)
    np.testing.assert_array_equal(values, expected)
    assert np.all(values == np.round(values, 6))
    dates = [r[0] for r in book.read("Sim_HistoryDates")]
    assert dates[0] == 42035.0 and dates[-1] == 45657.0  # 2015-01-31 and 2024-12-31 as Excel serials
    assert [d.day for d in month_ends(14)] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 29]
    note = book.read_block(Block(B.SHEET, B.section_rows(len(a)).monthly, 0))[0][0]
    assert "ILLUSTRATIVE" in note and "not market data" in note
    # drawn from the Assumptions: the yearly volatility of 120 months lands near each class's figure
    np.testing.assert_allclose(values.std(axis=0, ddof=1) * np.sqrt(12), a.volatility, rtol=0.25)


def test_the_lite_button_row_is_free_of_cells():
    from workbook.build import lay_out
    from addin.template import formula_functions

    cells = lay_out(formula_functions()).sheets[B.SHEET].cells
    assert not {(2, 3), (2, 4)} & set(cells)  # the Simulate sheet button sits on D3:E3 in xlwings Lite
