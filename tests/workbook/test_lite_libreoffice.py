"""The xlwings Lite template in LibreOffice (an independent spreadsheet): it opens, shows every sheet,
the values the build stored in the cells that call xlfolio's functions (stored as ``_xldudf_NAME``),
and the sheet buttons as named shapes.

One LibreOffice start for the module, through a small UNO client run by the system Python (Debian's
``python3-uno``); skipped where LibreOffice is missing, as the desktop template's test is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import kernels
from addin.lite.scripts import scripts
from tests.tolerances import RTOL_CELLS
from tests.workbook.template_support import source_assumptions, source_class_weights, source_cov
from tests.workbook.lite_support import lite_bytes
from workbook.sheets import SHEETS

pytestmark = pytest.mark.slow

SYSTEM_PYTHON = "/usr/bin/python3"
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

path, names = sys.argv[1], json.loads(sys.argv[2])
pipe = "xlfolio_lite_%d" % os.getpid()
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
    out["basic"] = list(doc.BasicLibraries.ElementNames) if doc.BasicLibraries else []
    out["formulas"] = {}
    for name in names:
        cell = doc.NamedRanges.getByName(name).ReferredCells.getCellByPosition(0, 0)
        out["formulas"][name] = {"formula": cell.Formula, "value": cell.Value, "error": cell.getError(),
                                 "string": cell.String}
    out["shapes"] = {}
    for sheet in doc.Sheets:
        page = sheet.DrawPage
        out["shapes"][sheet.Name] = [page.getByIndex(i).Name for i in range(page.Count)]
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
    if not Path(SYSTEM_PYTHON).exists() or subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], check=False,
                                                           capture_output=True).returncode:
        return "the system Python has no uno module (apt-get install python3-uno)"
    return None


@pytest.fixture(scope="module")
def lo(tmp_path_factory):
    reason = _have_libreoffice()
    if reason:
        if os.environ.get("XLFOLIO_REQUIRE_LIBREOFFICE"):
            pytest.fail(f"LibreOffice is required here but missing: {reason}")
        pytest.skip(f"LibreOffice is not installed here: {reason}")
    tmp = tmp_path_factory.mktemp("lo-lite")
    book = tmp / "xlfolio-lite.xlsx"
    book.write_bytes(lite_bytes())
    probe = tmp / "probe.py"
    probe.write_text(PROBE)
    done = subprocess.run([SYSTEM_PYTHON, str(probe), str(book), json.dumps(FORMULA_NAMES)], check=False,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_opens_with_every_sheet_and_no_macros(lo):
    assert lo["sheets"] == list(SHEETS)
    assert lo["basic"] in ([], ["Standard"])  # LibreOffice's own empty library, nothing imported


def test_cells_calling_xlfolio_show_the_stored_values(lo):
    w, cov = source_class_weights(), source_cov()
    mu = source_assumptions().expected_return.to_numpy()
    for name, cell in lo["formulas"].items():
        assert cell["error"] == 0, (name, cell)
        assert cell["string"] not in ("", "#NAME?"), (name, cell)
    assert "_XLDUDF_PORTFOLIO_RISK" in lo["formulas"]["Current_Risk"]["formula"].upper()
    np.testing.assert_allclose(lo["formulas"]["Current_Risk"]["value"], kernels.portfolio_volatility(w, cov),
                               rtol=RTOL_CELLS)
    np.testing.assert_allclose(lo["formulas"]["Current_Return"]["value"], kernels.portfolio_return(w, mu),
                               rtol=RTOL_CELLS)


def test_sheet_buttons_are_named_shapes_on_their_sheets(lo):
    for s in scripts():
        if s.button_cell is not None:
            assert s.shape_name in lo["shapes"][s.button_cell[0]], (s.name, lo["shapes"])
