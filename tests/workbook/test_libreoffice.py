"""The template in LibreOffice (an independent spreadsheet): opens headless, exports to PDF, shows the
Basic modules it imported from the VBA project, and shows the values the build stored.

One LibreOffice start per session: a small UNO client (run by the system Python, which has Debian's
``python3-uno``) opens the file once, answers every question as JSON, and exits.
Debian packages: ``libreoffice-calc-nogui python3-uno``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import kernels
from addin.template import formula_functions
from tests.workbook.template_support import (
    source_assumptions,
    source_class_weights,
    source_cov,
    template_bytes,
)
from workbook import layout as L
from workbook.formulas import calls
from workbook.sample_data import load_sample_prices
from workbook.sheets import SHEETS
from workbook.sheets.portfolio import METRICS

pytestmark = pytest.mark.slow  # one LibreOffice start for the module

SYSTEM_PYTHON = "/usr/bin/python3"
NAMES = ("Current_Return", "Current_Risk", "Current_Sharpe", "Current_Yield", "Cov", "Frontier_Returns",
         "Frontier_Vols", "Optimal_Weights", "Est_Cov", "Est_Returns", "Rebalance_Table", "Income_Table",
         "Holdings_Value")
FORMULA_NAMES = ("Current_Return", "Current_Risk", "Current_Sharpe", "Current_Yield", "Current_Income",
                 "Current_Diversification", "Current_EffectiveN")

PROBE = r'''
import json, os, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

path, pdf, names, formula_names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
pipe = "xlfolio_%d" % os.getpid()
profile = tempfile.mkdtemp(prefix="lo-profile-")
proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                         "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
                         "--accept=pipe,name=%s;urp;" % pipe], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
out = {}
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except NoConnectException:
            time.sleep(0.25)
    else:
        raise SystemExit("LibreOffice did not start")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (prop("Hidden", True),))
    out["sheets"] = list(doc.Sheets.ElementNames)
    libs = doc.BasicLibraries
    out["basic"] = {}
    for lib_name in libs.ElementNames:
        libs.loadLibrary(lib_name)
        lib = libs.getByName(lib_name)
        out["basic"][lib_name] = {m: lib.getByName(m) for m in lib.ElementNames}
    out["values"] = {}
    for name in names:
        cells = doc.NamedRanges.getByName(name).ReferredCells
        out["values"][name] = [list(r) for r in cells.DataArray]
    out["formulas"] = {}
    for name in formula_names:
        cell = doc.NamedRanges.getByName(name).ReferredCells.getCellByPosition(0, 0)
        out["formulas"][name] = {"formula": cell.Formula, "value": cell.Value, "error": cell.getError(),
                                 "string": cell.String}
    from com.sun.star.sheet.CellFlags import FORMULA
    cells = []
    for sheet in doc.Sheets:
        found = sheet.queryContentCells(FORMULA).Cells.createEnumeration()
        while found.hasMoreElements():
            cell = found.nextElement()
            a = cell.CellAddress
            cells.append([sheet.Name, a.Row, a.Column, cell.Formula, cell.Value, cell.getError()])
    doc.storeToURL(uno.systemPathToFileUrl(pdf), (prop("FilterName", "calc_pdf_Export"),))
    doc.calculateAll()  # LibreOffice's own evaluation of every formula it can compute
    for entry in cells:
        cell = doc.Sheets.getByName(entry[0]).getCellByPosition(entry[2], entry[1])
        entry += [cell.Value, cell.getError()]
    out["formula_cells"] = cells
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    import shutil
    shutil.rmtree(profile, ignore_errors=True)
print(json.dumps(out))
'''


def _have_libreoffice() -> str | None:
    if shutil.which("soffice") is None:
        return "soffice not found (apt-get install libreoffice-calc-nogui)"
    if not Path(SYSTEM_PYTHON).exists() or subprocess.run([SYSTEM_PYTHON, "-c", "import uno"],
                                                           capture_output=True).returncode:
        return "the system Python has no uno module (apt-get install python3-uno)"
    return None


@pytest.fixture(scope="module")
def lo(tmp_path_factory):
    reason = _have_libreoffice()
    if reason:
        if os.environ.get("XLFOLIO_REQUIRE_LIBREOFFICE"):  # set by .ci/run, which installs LibreOffice
            pytest.fail(f"LibreOffice is required here but missing: {reason}")
        pytest.skip(f"LibreOffice is not installed here: {reason}")
    tmp = tmp_path_factory.mktemp("lo")
    book = tmp / "xlfolio.xlsm"
    book.write_bytes(template_bytes())
    probe = tmp / "probe.py"
    probe.write_text(PROBE)
    pdf = tmp / "xlfolio.pdf"
    done = subprocess.run([SYSTEM_PYTHON, str(probe), str(book), str(pdf), json.dumps(NAMES), json.dumps(FORMULA_NAMES)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["pdf"] = pdf
    return result


def test_opens_with_every_sheet(lo):
    assert lo["sheets"] == list(SHEETS)


def test_converts_to_pdf(lo):
    data = lo["pdf"].read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", data)
    assert len(pages) > len(SHEETS)  # every sheet prints; Prices takes many pages


def test_lists_the_basic_modules_imported_from_vba(lo):
    modules = {name: src for lib in lo["basic"].values() for name, src in lib.items()}
    assert {"xlwings", "Dictionary", "xlwings_udfs", "XlfolioRibbon"} <= set(modules)
    assert "Public Sub OnRebalance(control As IRibbonControl)" in modules["XlfolioRibbon"]
    assert 'RunPython "import addin.macros as m; m.rebalance()"' in modules["XlfolioRibbon"]
    assert "Function RunPython(" in modules["xlwings"]


def test_formula_cells_show_the_stored_values(lo):
    for name, cell in lo["formulas"].items():
        assert cell["error"] == 0, (name, cell)
        assert cell["string"] not in ("", "#NAME?"), (name, cell)
        assert "(" in cell["formula"], (name, cell)


def test_values_shown_equal_the_kernels(lo):
    v = lo["values"]
    w, cov = source_class_weights(), source_cov()
    a = source_assumptions()
    mu = a.expected_return.to_numpy()
    np.testing.assert_allclose(v["Current_Risk"][0][0], kernels.portfolio_volatility(w, cov), rtol=1e-12)
    np.testing.assert_allclose(v["Current_Return"][0][0], kernels.portfolio_return(w, mu), rtol=1e-12)
    np.testing.assert_allclose(np.array(v["Cov"]), cov, rtol=1e-12)
    # issue 16: Cash riskless at its yield and held at 5%, every class within its limits (the whole problem)
    cash = int(np.flatnonzero(a.asset_class == "Cash")[0])
    mu_s, cov_s = mu.copy(), np.array(cov, dtype=float)
    mu_s[cash], cov_s[cash, :], cov_s[:, cash] = float(a["yield"][cash]), 0.0, 0.0
    lo, hi = a.min_weight.to_numpy(), a.max_weight.to_numpy()
    front = kernels.efficient_frontier(mu_s, cov_s, L.FRONTIER_POINTS, lo, hi)
    np.testing.assert_allclose([r[0] for r in v["Frontier_Returns"]], front.returns, rtol=1e-9)
    np.testing.assert_allclose([r[0] for r in v["Frontier_Vols"]], front.volatilities, rtol=1e-9)
    best = kernels.max_sharpe(mu_s, cov_s, risk_free=float(mu_s[cash]), lower=lo, upper=hi)
    np.testing.assert_allclose(v["Optimal_Weights"][0], best.weights, rtol=1e-9, atol=1e-12)
    prices = load_sample_prices().to_numpy()
    est = kernels.covariance(prices, "ledoit_wolf", data_kind="prices")
    np.testing.assert_allclose(np.array(v["Est_Cov"]), est.matrix, rtol=1e-12)
    np.testing.assert_allclose([r[0] for r in v["Est_Returns"]], kernels.expected_returns(prices).values, rtol=1e-12)


def test_libreoffice_recomputes_the_stored_values_of_excel_formulas(lo):
    """Every formula built from Excel's own functions (Value, Weight, Yield lookups, SUMIF class weights,
    the covariance block, totals): LibreOffice's recalculation gives the value the build stored."""
    udf_names = set(formula_functions())
    # cells holding an xlfolio function, by name: formulas reading them cannot be recomputed without Python
    from_udf = {name for _, name, formula, _ in METRICS if any(c.name in udf_names for c in calls(formula))}
    builtin, udf = 0, 0
    for sheet, row, col, formula, stored, error, recomputed, error_after in lo["formula_cells"]:
        assert error == 0, (sheet, row, col, formula)
        if any(c.name in udf_names for c in calls(formula)) or set(re.findall(r"\w+", formula)) & from_udf:
            udf += 1
            continue
        builtin += 1
        assert error_after == 0, (sheet, row, col, formula)
        np.testing.assert_allclose(recomputed, stored, rtol=1e-12, atol=1e-15, err_msg=f"{sheet} {formula}")
    assert builtin > 50 and udf >= 6
