"""The Simulation sheet in LibreOffice (issue 15): the values the build stored show, and the three charts
show the data of the blocks they point at (what a reader without Python sees).

One LibreOffice start for the module (Debian packages ``libreoffice-calc-nogui python3-uno``), run by the
system Python through a small UNO client that answers as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

from addin.book import FileBook
from tests.workbook.template_support import template_bytes
from tests.workbook.test_libreoffice import SYSTEM_PYTHON, _have_libreoffice
from workbook import simulation_blocks as B

pytestmark = pytest.mark.slow

NAMES = ("Sim_SetNames", "Sim_Stats", "Sim_PlanStats", "Sim_FanTitle", "Sim_Growth", "Sim_Fan", "Sim_Info")

PROBE = r'''
import json, os, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

path, sheet_name, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
pipe = "xlfolio_sim_%d" % os.getpid()
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
    out["values"] = {n: [list(r) for r in doc.NamedRanges.getByName(n).ReferredCells.DataArray] for n in names}
    sheet = doc.Sheets.getByName(sheet_name)
    charts = []
    for i in range(sheet.Charts.Count):
        chart = sheet.Charts.getByIndex(i)
        ranges = [[r.Sheet, r.StartColumn, r.StartRow, r.EndColumn, r.EndRow] for r in chart.getRanges()]
        model = chart.EmbeddedObject
        series = []
        for cts in model.getFirstDiagram().CoordinateSystems:
            for ct in cts.ChartTypes:
                for s in ct.DataSeries:
                    values = {}
                    for seq in s.DataSequences:
                        role = seq.Values.Role
                        values[role] = [float(v) if isinstance(v, (int, float)) else None for v in seq.Values.Data]
                    series.append({"type": ct.ChartType, "values": values})
        charts.append({"ranges": ranges, "series": series})
    out["charts"] = charts
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


@pytest.fixture(scope="module")
def lo(tmp_path_factory):
    reason = _have_libreoffice()
    if reason:
        if os.environ.get("XLFOLIO_REQUIRE_LIBREOFFICE"):
            pytest.fail(f"LibreOffice is required here but missing: {reason}")
        pytest.skip(f"LibreOffice is not installed here: {reason}")
    tmp = tmp_path_factory.mktemp("lo-sim")
    book = tmp / "xlfolio.xlsm"
    book.write_bytes(template_bytes())
    probe = tmp / "probe.py"
    probe.write_text(PROBE)
    done = subprocess.run([SYSTEM_PYTHON, str(probe), str(book), B.SHEET, json.dumps(NAMES)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _numbers(rows):
    return np.array([[np.nan if v == "" else v for v in r] for r in rows], dtype=float)


def test_libreoffice_shows_the_stored_values(lo):
    book = FileBook(template_bytes())
    v = lo["values"]
    assert v["Sim_SetNames"] == book.read("Sim_SetNames")
    assert v["Sim_FanTitle"] == book.read("Sim_FanTitle") and v["Sim_Info"] == book.read("Sim_Info")
    np.testing.assert_array_equal(_numbers(v["Sim_PlanStats"]), np.array(book.read("Sim_PlanStats"), dtype=float))
    stats = [[x if not isinstance(x, str) else np.nan for x in row] for row in book.read("Sim_Stats")]
    np.testing.assert_array_equal(_numbers([[x if not isinstance(x, str) else "" for x in r] for r in v["Sim_Stats"]]),
                                  np.array(stats, dtype=float))
    np.testing.assert_array_equal(_numbers(v["Sim_Fan"]), np.array(book.read("Sim_Fan"), dtype=float))
    assert v["Sim_Growth"][0] == book.read("Sim_Growth")[0]
    np.testing.assert_array_equal(_numbers(v["Sim_Growth"][1:]), np.array(book.read("Sim_Growth")[1:], dtype=float))


def test_libreoffice_draws_the_three_charts_from_the_blocks(lo):
    book = FileBook(template_bytes())
    charts = lo["charts"]
    assert len(charts) == 3
    growth = np.array(book.read("Sim_Growth")[1:], dtype=float)
    drawdowns = np.array(book.read("Sim_Drawdowns")[1:], dtype=float)
    for chart, table in ((charts[0], growth[:, 1:]), (charts[1], drawdowns)):
        lines = [s for s in chart["series"] if s["type"].endswith("LineChartType")]
        assert len(lines) == B.N_SETS
        shown = np.array([s["values"]["values-y"] for s in lines]).T
        np.testing.assert_array_equal(shown, table)
    fan = charts[2]["series"]
    bands = np.array(book.read("Sim_FanBands"), dtype=float)
    areas = [s for s in fan if s["type"].endswith("AreaChartType")]
    np.testing.assert_array_equal(np.array([s["values"]["values-y"] for s in areas]).T, bands)
    median = [s for s in fan if s["type"].endswith("LineChartType")]
    np.testing.assert_array_equal(median[0]["values"]["values-y"], [r[3] for r in book.read("Sim_Fan")])
