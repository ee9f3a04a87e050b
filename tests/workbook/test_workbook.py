"""The template workbook, checked with readers we did not write: oletools, lxml, openpyxl, xlwings' own files."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import olefile
import openpyxl
import pytest
from lxml import etree

with warnings.catch_warnings():  # oletools 0.60 calls pyparsing's deprecated enablePackrat at import
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools import olevba

import addin.macros
import kernels
from addin.book import FileBook
from addin.template import BUILD_CLOCK, formula_functions, vba_sources
from tests.tolerances import RTOL_CELLS
from tests.workbook.template_support import (
    package,
    source_assumptions,
    source_class_weights,
    source_client,
    source_cov,
    template_bytes,
)
from workbook import layout as L
from workbook import package as P
from workbook import vba_project as V
from workbook.formulas import EXCEL_BUILTINS, calls
from workbook.grid import parse_ref
from workbook.sheets import SHEETS

RIBBON_NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}
CHART_NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
MAIN_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture(scope="module")
def data() -> bytes:
    return template_bytes()


@pytest.fixture(scope="module")
def book(data) -> FileBook:
    return FileBook(data)


@pytest.fixture(scope="module")
def openpyxl_book(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("opx") / "xlfolio.xlsm"
    path.write_bytes(data)
    return openpyxl.load_workbook(path, keep_vba=True)


# ----------------------------------------------------------------------------- VBA project

def test_olevba_extracts_every_module_with_the_source_text(data):
    parser = olevba.VBA_Parser("xlfolio.xlsm", data=data, relaxed=False)
    extracted = {vba_filename: code for _, _, vba_filename, code in parser.extract_macros()}
    sources = vba_sources()
    for name, (kind, source) in sources.items():
        filename = name + (".cls" if kind == "class" else ".bas")
        assert extracted[filename] == source, name
    documents = {f"{code}.cls" for code in SHEETS.values()} | {"ThisWorkbook.cls"}
    expected = documents | {n + (".cls" if k == "class" else ".bas") for n, (k, _) in sources.items()}
    assert set(extracted) == expected


def test_vba_sources_come_from_the_installed_xlwings_and_the_repo(data):
    xlwings_bas = (V.xlwings_dir() / "xlwings.bas").read_text(encoding="utf-8")
    sources = vba_sources()
    assert sources["xlwings"][1].replace("\r\n", "\n") == xlwings_bas.replace("\r\n", "\n")
    import xlwings

    assert f"'Version: {xlwings.__version__}" in sources["xlwings"][1]
    ribbon = (L.VBA_DIR / "XlfolioRibbon.bas").read_text(encoding="utf-8")
    assert sources["XlfolioRibbon"][1] == ribbon.replace("\r\n", "\n").replace("\n", "\r\n")
    from addin.vba import VBA_MODULE_NAME, udf_wrapper_module

    assert sources[VBA_MODULE_NAME][1] == udf_wrapper_module("xlfolio.xlsm").replace("\n", "\r\n")


def test_dir_stream_parses_strictly_and_modules_carry_no_compiled_cache(data):
    ole = olefile.OleFileIO(io.BytesIO(package(data).read("xl/vbaProject.bin")))
    project = olevba.VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)
    project.parse_project_stream()
    modules = list(project.parse_modules())
    assert len(modules) == len(SHEETS) + 1 + len(vba_sources())
    assert all(m.textoffset == 0 for m in project.modules)  # source only: no p-code before the text


def test_project_references_the_office_library_for_iribboncontrol(data):
    ole = olefile.OleFileIO(io.BytesIO(package(data).read("xl/vbaProject.bin")))
    dir_stream = bytes(olevba.decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    libids = re.findall(rb"\*\\G(\{[0-9A-F-]{36}\})#", dir_stream)
    assert b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in libids  # Microsoft Office Object Library
    assert b"{00020430-0000-0000-C000-000000000046}" in libids  # OLE Automation (stdole)


def test_vba_project_stream_is_the_write_form_xlwings_ships(data):
    ole = olefile.OleFileIO(io.BytesIO(package(data).read("xl/vbaProject.bin")))
    stream = ole.openstream("VBA/_VBA_PROJECT").read()
    assert stream == V.VBA_PROJECT_WRITE_FORM
    assert stream[:2] == b"\xcc\x61" and stream[2:4] == b"\xff\xff"  # [MS-OVBA] 2.3.4.1: 0x61CC, version 0xFFFF
    shipped = package((V.xlwings_dir() / "quickstart_standalone.xlsm").read_bytes()).read("xl/vbaProject.bin")
    ole_xw = olefile.OleFileIO(io.BytesIO(shipped))
    assert ole_xw.openstream("VBA/_VBA_PROJECT").read() == stream


def test_package_is_macro_enabled_with_code_names(data):
    z = package(data)
    types = z.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in types
    wb = etree.fromstring(z.read("xl/workbook.xml"))
    assert wb.find("m:workbookPr", MAIN_NS).get("codeName") == "ThisWorkbook"
    assert wb.find("m:calcPr", MAIN_NS).get("fullCalcOnLoad") is None


# ----------------------------------------------------------------------------- ribbon

def _ribbon(data):
    return etree.fromstring(package(data).read(P.CUSTOM_UI_PART))


def test_ribbon_part_and_its_extensibility_relationship(data):
    rels = etree.fromstring(package(data).read("_rels/.rels"))
    found = [r for r in rels if r.get("Type") == P.EXTENSIBILITY_REL]
    assert P.EXTENSIBILITY_REL == "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
    assert len(found) == 1 and found[0].get("Target") == P.CUSTOM_UI_PART
    assert package(data).read(P.CUSTOM_UI_PART) == L.RIBBON_XML.read_bytes()


def test_ribbon_has_the_portfolio_tab_and_every_button(data):
    root = _ribbon(data)
    tab = root.find(".//ui:tab", RIBBON_NS)
    assert tab.get("label") == "Portfolio"
    labels = [b.get("label") for b in root.iterfind(".//ui:button", RIBBON_NS)]
    assert labels == ["Rebalance", "Check Drift", "Rebalance Household", "Efficient Frontier", "Risk Parity",
                      "Income Plan", "Simulate", "Refresh Estimates", "Warm Up", "Help"]
    assert all(b.get("imageMso") for b in root.iterfind(".//ui:button", RIBBON_NS))
    ids = [b.get("id") for b in root.iter() if b.get("id")]
    assert len(ids) == len(set(ids))


def test_every_onaction_is_a_callback_sub_running_an_existing_macro(data):
    source = vba_sources()["XlfolioRibbon"][1]
    subs = dict(re.findall(r'Public Sub (\w+)\(control As IRibbonControl\)\r\n\s+RunPython "([^"]+)"', source))
    actions = [b.get("onAction") for b in _ribbon(data).iterfind(".//ui:button", RIBBON_NS)]
    assert set(actions) == set(subs)
    for action in actions:
        m = re.fullmatch(r"import addin\.macros as m; m\.(\w+)\(\)", subs[action])
        assert m, subs[action]
        assert callable(getattr(addin.macros, m.group(1)))
        assert m.group(1) in addin.macros.BUTTONS
    assert sorted(m.group(1) for m in (re.fullmatch(r".*m\.(\w+)\(\)", subs[a]) for a in actions)) == \
        sorted(addin.macros.BUTTONS)


# ----------------------------------------------------------------------------- sheets, names, formulas

def test_sheets_in_order_with_xlwings_conf(openpyxl_book):
    assert openpyxl_book.sheetnames == list(SHEETS)
    conf = {r[0]: r[1] for r in openpyxl_book["xlwings.conf"].iter_rows(values_only=True)}
    assert conf["UDF Modules"] == "addin.udfs"
    assert conf["Use UDF Server"] is True


def test_every_named_range_resolves(openpyxl_book, book):
    names = L.sizes().names()
    defined = openpyxl_book.defined_names
    assert set(names) <= set(defined)
    for name, block in names.items():
        dests = list(defined[name].destinations)
        assert len(dests) == 1
        sheet, ref = dests[0]
        assert sheet == block.sheet
        assert parse_ref(f"'{sheet}'!{ref}") == block
        ws = openpyxl_book[sheet]
        assert ws[ref.split(":")[0].replace("$", "")] is not None
    inputs = ("AssetClasses", "ExpReturns", "Vols", "Yields", "Correlation", "RiskFreeRate", "Prices",
              "Holdings_Asset", "Holdings_Shares", "Holdings_Price", "Holdings_Target", "RP_Budgets", "Income_Years")
    for name in inputs:
        assert all(v is not None for row in book.read(name) for v in row), name


def test_every_formula_calls_known_functions_with_valid_arguments(book):
    catalogue = formula_functions()
    formulas = book.formulas()
    assert len(formulas) > 50
    udf_calls = 0
    defined = set(book.names)
    for (sheet, r, c), formula in formulas.items():
        for call in calls(formula):
            if call.name in EXCEL_BUILTINS:
                continue
            assert call.name in catalogue, f"{sheet}!{r},{c}: {formula}"
            info = catalogue[call.name]
            assert info.min_args <= len(call.args) <= info.max_args, formula
            udf_calls += 1
        body = re.sub(r'"[^"]*"', "", formula)
        for token in re.findall(r"(?<![\w$.!])([A-Za-z_][A-Za-z0-9_.]*)(?![\w(!])", body):
            if re.fullmatch(r"[A-Z]{1,3}\d+", token) or token.upper() in ("TRUE", "FALSE"):
                continue
            assert token in defined, f"{sheet}: {formula} uses undefined name {token}"
    assert udf_calls >= 6


def test_stored_formula_values_equal_the_kernels(book):
    w = source_class_weights()
    cov = source_cov()
    a = source_assumptions()
    c = source_client()
    mu = a.expected_return.to_numpy()
    value = lambda n: book.read(n)[0][0]  # noqa: E731
    np.testing.assert_allclose(value("Current_Return"), kernels.portfolio_return(w, mu), rtol=RTOL_CELLS)
    np.testing.assert_allclose(value("Current_Risk"), np.sqrt(w @ cov @ w), rtol=1e-10)
    rf = float(a.expected_return[a.asset_class == "Cash"].iloc[0])
    np.testing.assert_allclose(value("Current_Sharpe"), (w @ mu - rf) / np.sqrt(w @ cov @ w), rtol=1e-10)
    yields = c.asset_class.map(dict(zip(a.asset_class, a["yield"]))).to_numpy()
    hw = c.value.to_numpy() / c.value.sum()
    np.testing.assert_allclose(value("Current_Yield"), hw @ yields, rtol=1e-10)
    np.testing.assert_allclose(value("Current_Income"), c.value.to_numpy() @ yields, rtol=1e-10)
    np.testing.assert_allclose(value("Current_EffectiveN"), 1.0 / np.sum(hw ** 2), rtol=1e-10)
    vols = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(value("Current_Diversification"), w @ vols / np.sqrt(w @ cov @ w), rtol=1e-10)
    np.testing.assert_allclose(np.array(book.read("Cov"), dtype=float), cov, rtol=RTOL_CELLS)
    np.testing.assert_allclose([r[0] for r in book.read("Class_Weights")], w, rtol=RTOL_CELLS)


def test_chart_series_point_at_filled_ranges(data, book):
    z = package(data)
    charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 + 3  # frontier, income; the Simulation sheet's growth, drawdown and fan (issue 15)
    n_refs = 0
    for name in charts:
        root = etree.fromstring(z.read(name))
        for f in root.iterfind(".//c:f", CHART_NS):
            block = parse_ref(f.text)
            values = [v for row in book.read_block(block) for v in row]
            if block.n_rows == block.n_cols == 1 and isinstance(values[0], str):
                continue  # a series name
            assert values and all(isinstance(v, float) and np.isfinite(v) for v in values), f.text
            n_refs += 1
    assert n_refs >= 2 * 4 + 2 * 2  # frontier: 4 series x (x, y); income: 2 series x (x, y)


def test_validation_formats_and_frozen_headers(openpyxl_book):
    ws = openpyxl_book["Assumptions"]
    assert ws.freeze_panes == "B5"
    assert ws["B5"].number_format == "0.0%"
    assert openpyxl_book["Portfolio"]["E8"].number_format == "$#,##0.00"
    assert openpyxl_book["Portfolio"].column_dimensions["A"].width > 10
    lists = {}
    decimals = []
    for ws in openpyxl_book.worksheets:
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list":
                lists[(ws.title, str(dv.sqref))] = dv.formula1
            elif dv.type == "decimal" and dv.operator in (None, "between"):  # between is the default
                decimals.append((ws.title, str(dv.sqref), float(dv.formula1), float(dv.formula2)))
    cov_method = L.sizes().names()["Est_CovMethod"]
    formula = lists[("Prices", cov_method.ref(with_sheet=False).replace("$", ""))]
    assert formula.strip('"').split(",") == list(kernels.ALL_COVARIANCE_METHODS)
    holdings_class = L.sizes().names()["Holdings_Class"]
    assert lists[("Portfolio", holdings_class.ref(False).replace("$", ""))] == "AssetClasses"
    assert ("Assumptions", "B5:B9", 0.0, 1.0) in decimals  # expected returns limited to 0..100%
    assert ("Portfolio", "H8:H12", 0.0, 1.0) in decimals  # target weights


def test_start_sheet_lists_every_excel_function(book):
    start = book.sheet("Start")
    texts = {start.value(r, 0) for (r, c) in start.cells if c == 0}
    assert set(formula_functions()) <= texts


def test_text_sources_are_consistent():
    a = source_assumptions()
    for _, row in a.iterrows():
        assert row.low <= row.expected_return <= row.high, row.asset_class
        assert row.return_source and row.volatility_source and row.yield_source
    expected_ranges = {"US Stocks": (0.07, 0.10), "International Stocks": (0.06, 0.09), "Bonds": (0.02, 0.05),
                       "REITs": (0.05, 0.08), "Cash": (0.0, 0.02)}
    assert {r.asset_class: (r.low, r.high) for r in a.itertuples()} == expected_ranges
    assert np.linalg.eigvalsh(source_cov()).min() > 0
    assert abs(source_client().target_weight.sum() - 1.0) < 1e-12


def test_vba_dir_of_repo_holds_only_bas_sources():
    assert sorted(p.name for p in Path(L.VBA_DIR).iterdir()) == ["XlfolioRibbon.bas"]


def test_template_ships_filled_by_the_macros_and_logs_it(book):
    rows = book.log_rows()
    assert [r[1] for r in rows] == list(addin.macros.COMPUTING)
    assert all(r[0] == BUILD_CLOCK and r[2] == "ok" for r in rows)
    for name in ("Frontier_Returns", "Optimal_Weights", "Rebalance_Table", "Drift_Table", "RP_Weights",
                 "Income_Table", "IncomeTarget_Weights", "Est_Cov"):
        assert all(v is not None for row in book.read(name) for v in row[:1]), name
