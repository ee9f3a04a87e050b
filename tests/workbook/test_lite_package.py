"""The xlwings Lite template ``xlfolio-lite.xlsx``, read by independent readers: zipfile and lxml (the
package's parts, content types and relationships), openpyxl (sheets, names, stored values), the
Open XML schema validator openxml-audit, and the settings decoded as JSON.
"""

from __future__ import annotations

import html
import io
import json
import posixpath
import re
import zipfile

import pytest
from lxml import etree

from addin.commands.template import write_lite_files
from addin.lite.scripts import scripts
from addin.template import build_lite_template, formula_functions, lite_files
from tests.workbook.lite_support import lite_bytes
from tests.workbook.template_support import package, template_bytes
from workbook.grid import parse_ref
from workbook.sheets import SHEETS

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WE_NS = {"we": "http://schemas.microsoft.com/office/webextensions/webextension/2010/11",
         "wetp": "http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11",
         "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
XDR = {"xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
       "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
TASKPANES_REL = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
WEBEXTENSION_REL = "http://schemas.microsoft.com/office/2011/relationships/webextension"
HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


@pytest.fixture(scope="module")
def z():
    return package(lite_bytes())


def rels_of(z, part: str) -> dict[str, tuple[str, str, str | None]]:
    """Relationships of ``part``: id -> (type, resolved target, TargetMode)."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")  # "" -> _rels/.rels
    if rels_part not in z.namelist():
        return {}
    out = {}
    for rel in etree.fromstring(z.read(rels_part)).iterfind(f"{{{REL_NS}}}Relationship"):
        target = rel.get("Target")
        if rel.get("TargetMode") != "External" and not target.startswith("#"):
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type"), target, rel.get("TargetMode"))
    return out


# ----------------------------------------------------------------------------- the package


def test_every_part_is_well_formed_typed_and_reachable(z):
    types = etree.fromstring(z.read("[Content_Types].xml"))
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iterfind(f"{{{CT_NS}}}Default")}
    overrides = {o.get("PartName").lstrip("/"): o.get("ContentType") for o in types.iterfind(f"{{{CT_NS}}}Override")}
    names = set(z.namelist())
    reached = {"[Content_Types].xml"}
    todo = [""]  # "" is the package itself: its relationships are _rels/.rels
    while todo:
        part = todo.pop()
        for _, target, mode in rels_of(z, part).values():
            if mode == "External" or target.startswith("#"):
                continue
            assert target in names, (part, target)
            if target not in reached:
                reached.add(target)
                todo.append(target)
    for name in names:
        if name.endswith(".rels"):
            continue
        assert name in reached, f"{name} is not reachable through the relationships"
        assert name in overrides or name.rsplit(".", 1)[-1] in defaults, f"{name} has no content type"
        if name.endswith(".xml"):
            etree.fromstring(z.read(name))
    assert overrides["xl/workbook.xml"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    assert overrides["xl/webextensions/taskpanes.xml"] == "application/vnd.ms-office.webextensiontaskpanes+xml"
    assert overrides["xl/webextensions/webextension1.xml"] == "application/vnd.ms-office.webextension+xml"
    assert not [n for n in names if "vba" in n.lower() or n.startswith("customUI")]


def test_the_add_in_is_xlwings_lite_and_opens_with_the_file(z):
    root_rels = [r for r in etree.fromstring(z.read("_rels/.rels")).iterfind(f"{{{REL_NS}}}Relationship")
                 if r.get("Type") == TASKPANES_REL]
    assert [r.get("Target") for r in root_rels] == ["xl/webextensions/taskpanes.xml"]
    panes = etree.fromstring(z.read("xl/webextensions/taskpanes.xml"))
    pane = panes.find("wetp:taskpane", WE_NS)
    assert pane.get("visibility") == "1" and pane.get("dockstate") == "right"
    ref = pane.find("wetp:webextensionref", WE_NS).get(f"{{{WE_NS['r']}}}id")
    kind, target, _ = rels_of(z, "xl/webextensions/taskpanes.xml")[ref]
    assert (kind, target) == (WEBEXTENSION_REL, "xl/webextensions/webextension1.xml")
    ext = etree.fromstring(z.read(target))
    assert ext.find("we:reference", WE_NS).attrib == {"id": "wa200008175", "version": "1.0.0.0", "store": "en-US",
                                                       "storeType": "OMEX"}
    assert ext.find("we:alternateReferences/we:reference", WE_NS).get("store") == "WA200008175"
    assert ext.find(".//we:containsCustomFunctions", WE_NS) is not None


def test_main_py_and_requirements_are_stored_as_lite_stores_them(z):
    raw = z.read("xl/webextensions/webextension1.xml").decode("utf-8")
    ext = etree.fromstring(raw.encode())
    stored = {p.get("name"): json.loads(p.get("value")) for p in ext.iterfind("we:properties/we:property", WE_NS)}
    assert stored == lite_files()
    assert "xlfolio==" in stored["requirements.txt"] and "xlwings==" in stored["requirements.txt"]
    # the encoding Office writes: a JSON string, "/" escaped as "\/", XML-escaped, nothing else escaped
    for name, text in stored.items():
        attr = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', raw).group(1)
        value = html.unescape(attr)
        assert json.loads(value) == text
        assert "/" not in value.replace("\\/", "")
        assert "&apos;" not in attr and text.count("'") == attr.count("'")  # single quotes stay raw


def test_openxml_audit_finds_nothing(tmp_path):
    audit = pytest.importorskip("openxml_audit")
    path = tmp_path / "xlfolio-lite.xlsx"
    path.write_bytes(lite_bytes())
    result = audit.OpenXmlValidator(file_format=audit.FileFormat.MICROSOFT_365).validate(str(path))
    assert result.is_valid, [str(e) for e in result.errors][:10]


def test_build_is_repeatable():
    assert build_lite_template() == lite_bytes()


# ----------------------------------------------------------------------------- the sheets


@pytest.fixture(scope="module")
def books():
    openpyxl = pytest.importorskip("openpyxl")
    lite = openpyxl.load_workbook(io.BytesIO(lite_bytes()), data_only=False)
    lite_values = openpyxl.load_workbook(io.BytesIO(lite_bytes()), data_only=True)
    desk = openpyxl.load_workbook(io.BytesIO(template_bytes()), data_only=False, keep_vba=True)
    desk_values = openpyxl.load_workbook(io.BytesIO(template_bytes()), data_only=True, keep_vba=True)
    return lite, lite_values, desk, desk_values


def test_same_sheets_names_values_and_charts_as_the_desktop_template(books, z):
    lite, lite_values, desk, desk_values = books
    assert lite.sheetnames == desk.sheetnames == list(SHEETS)
    assert {n: d.attr_text for n, d in lite.defined_names.items()} == {n: d.attr_text
                                                                        for n, d in desk.defined_names.items()}
    udf = set(formula_functions())
    n_udf = 0
    for name in lite.sheetnames:
        for row_l, row_lv, row_d, row_dv in zip(lite[name].iter_rows(), lite_values[name].iter_rows(),
                                                desk[name].iter_rows(), desk_values[name].iter_rows()):
            for cl, clv, cd, cdv in zip(row_l, row_lv, row_d, row_dv):
                assert clv.value == cdv.value, (name, cl.coordinate)
                if isinstance(cd.value, str) and cd.value.startswith("="):
                    expected = cd.value
                    for f in udf:
                        expected = re.sub(rf"(?<![\w.]){f}\(", f"_xldudf_{f}(", expected)
                    n_udf += expected != cd.value
                    assert cl.value == expected, (name, cl.coordinate)
                else:
                    assert cl.value == cd.value, (name, cl.coordinate)
    assert n_udf == 6 + 4  # the Portfolio sheet's figures (the Sharpe ratio is Excel arithmetic), the Household's
    assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 2 + 3  # + Simulation (issue 15)


def test_the_log_records_the_build_runs(books):
    _, lite_values, _, desk_values = books
    rows = [[c.value for c in r] for r in lite_values["Log"].iter_rows(min_row=5)]
    assert rows == [[c.value for c in r] for r in desk_values["Log"].iter_rows(min_row=5)]
    assert rows and all(r[0] == "template build" and r[2] == "ok" for r in rows)


def test_every_sheet_button_is_a_named_shape_linking_to_its_script_cell(z):
    expected = {s.shape_name: s for s in scripts() if s.button is not None}
    assert expected
    found = {}
    workbook_rels = rels_of(z, "xl/workbook.xml")
    sheet_parts = {}
    book = etree.fromstring(z.read("xl/workbook.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    for sheet in book.iterfind("m:sheets/m:sheet", ns):
        sheet_parts[workbook_rels[sheet.get(f"{{{XDR['r']}}}id")][1]] = sheet.get("name")
    for part, sheet_name in sheet_parts.items():
        for kind, drawing, _ in rels_of(z, part).values():
            if not kind.endswith("/drawing"):
                continue
            links = rels_of(z, drawing)
            root = etree.fromstring(z.read(drawing))
            for c_nv_pr in root.iterfind(".//xdr:sp/xdr:nvSpPr/xdr:cNvPr", XDR):
                link = c_nv_pr.find("a:hlinkClick", XDR)
                kind_, target, mode = links[link.get(f"{{{XDR['r']}}}id")]
                assert kind_ == HYPERLINK_REL and mode is None
                found[c_nv_pr.get("name")] = (sheet_name, target)
    assert set(found) == set(expected)
    for shape, (sheet_name, target) in found.items():
        lite_button = expected[shape].button  # "[shape]Sheet!D3", what main.py tells Lite
        m = re.fullmatch(r"\[(.+)\](.+)!([A-Z]+\d+)", lite_button)
        assert m.group(1) == shape and m.group(2) == sheet_name
        block = parse_ref(target.lstrip("#"))
        assert block.sheet == sheet_name and f"{block.ref(with_sheet=False)}".replace("$", "") == m.group(3)


def test_buttons_cover_no_filled_cell(books):
    lite, *_ = books
    for s in scripts():
        if s.button_cell is None:
            continue
        sheet, row, col = s.button_cell
        for c in range(col, col + 2):
            assert lite[sheet].cell(row + 1, c + 1).value is None, (s.name, sheet, row, c)


# ----------------------------------------------------------------------------- the files beside it


def test_lite_files_are_the_stored_code(tmp_path):
    written = write_lite_files(tmp_path / "lite", "xlfolio @ https://example.org/xlfolio-0.1.0-py3-none-any.whl")
    texts = {p.name: p.read_text(encoding="utf-8") for p in written}
    assert texts["main.py"] == lite_files()["main.py"]
    assert texts["requirements.txt"].splitlines()[-1] == "xlfolio @ https://example.org/xlfolio-0.1.0-py3-none-any.whl"
    assert texts["requirements.txt"].splitlines()[:-1] == lite_files()["requirements.txt"].splitlines()[:-1]


def test_cli_builds_the_lite_template_and_its_files(tmp_path, capsys):
    from addin.cli import main

    out = tmp_path / "out" / "xlfolio-lite.xlsx"
    assert main(["build-template", "--lite", "--out", str(out)]) == 0
    assert out.read_bytes() == lite_bytes()
    assert (out.parent / "main.py").read_text(encoding="utf-8") == lite_files()["main.py"]
    assert main(["build-template", "--xlfolio-requirement", "x"]) == 2
    assert "--xlfolio-requirement goes with --lite" in capsys.readouterr().err
    with zipfile.ZipFile(out) as zf:
        assert "xl/webextensions/webextension1.xml" in zf.namelist()
