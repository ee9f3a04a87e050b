"""Both built workbooks checked by Office's own rules, by validators we did not write (issue 19).

* The Open XML SDK's schema and semantic rules: ``openxml-audit`` (a pure-Python port of the SDK's
  validator, PyPI) on ``xlfolio.xlsm`` and ``xlfolio-lite.xlsx``: no error; and it does catch an
  element the schema does not allow.
* VBA syntax: every module the ``.xlsm`` ships (read back from its vbaProject.bin by oletools), parsed
  by the MS-VBAL grammar of ``antlr4-vba`` (MIT) after conditional compilation for Windows 64-bit, 32-bit
  and Mac (tests/workbook/vba_syntax.py): no syntax error; an unclosed ``If`` is caught. And
  ``pyvbaanalysis`` (MIT, the errors the VBA compiler would report): no error-level finding; a
  malformed statement is caught.

oletools (tests/workbook/test_workbook.py) and LibreOffice (test_libreoffice.py) keep their checks.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.workbook.template_support import template_bytes
from tests.workbook.vba_syntax import ENVIRONMENTS, shipped_modules, syntax_errors


@pytest.fixture(scope="module")
def lite_bytes():
    from addin.template import build_lite_template

    return build_lite_template()


def _rewrite(data: bytes, part: str, edit) -> bytes:
    """The package with one part edited; every other part copied."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            body = source.read(info.filename)
            z.writestr(info, edit(body) if info.filename == part else body)
    return out.getvalue()


def _audit(tmp_path, name: str, data: bytes):
    audit = pytest.importorskip("openxml_audit")
    path = tmp_path / name
    path.write_bytes(data)
    return audit.OpenXmlValidator(file_format=audit.FileFormat.MICROSOFT_365).validate(str(path))


# ----------------------------------------------------------------------------- Open XML schema

@pytest.mark.slow
def test_the_macro_workbook_meets_the_open_xml_rules(tmp_path):
    result = _audit(tmp_path, "xlfolio.xlsm", template_bytes())
    assert result.is_valid and not result.errors, [str(e) for e in result.errors][:10]


@pytest.mark.slow
def test_the_lite_workbook_meets_the_open_xml_rules(tmp_path, lite_bytes):
    result = _audit(tmp_path, "xlfolio-lite.xlsx", lite_bytes)
    assert result.is_valid and not result.errors, [str(e) for e in result.errors][:10]


@pytest.mark.slow
def test_the_open_xml_check_catches_an_element_the_schema_does_not_allow(tmp_path):
    broken = _rewrite(template_bytes(), "xl/worksheets/sheet1.xml",
                      lambda xml: xml.replace(b"<sheetData>", b"<sheetData><bogus/>", 1))
    result = _audit(tmp_path, "broken.xlsm", broken)
    assert not result.is_valid
    assert any("Unexpected element 'bogus'" in str(e) and "sheet1.xml" in str(e) for e in result.errors), result.errors


# ----------------------------------------------------------------------------- VBA syntax

@pytest.fixture(scope="module")
def modules():
    pytest.importorskip("antlr4_vba")
    return shipped_modules(template_bytes())


def test_the_template_ships_the_expected_modules(modules):
    assert {"XlfolioRibbon.bas", "xlwings_udfs.bas", "xlwings.bas", "Dictionary.cls", "ThisWorkbook.cls"} <= set(modules)
    assert sum(name.startswith("Sheet") for name in modules) >= 9


@pytest.mark.parametrize("environment", list(ENVIRONMENTS))
def test_every_shipped_module_parses_by_the_vba_grammar(modules, environment):
    found = {name: syntax_errors(code, ENVIRONMENTS[environment], is_class=name.endswith(".cls"))
             for name, code in modules.items()}
    assert not any(found.values()), {k: v[:3] for k, v in found.items() if v}


def test_the_grammar_catches_an_unclosed_if(modules):
    code = modules["XlfolioRibbon.bas"]
    lines = code.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("Public Sub OnRebalance"))
    lines.insert(k + 1, "    If control Is Nothing Then")  # and no End If
    problems = syntax_errors("\r\n".join(lines), ENVIRONMENTS["Windows 64-bit"], is_class=False)
    # found at the End Sub that comes before the If is closed (line k + 4, 1-based): "End Sub" where "End If" is due
    assert problems[0] == (k + 4, 4, "mismatched input 'Sub' expecting 'IF'")


UNCLOSED_ON_A_MAC = """Attribute VB_Name = "Paths"
Option Explicit

Function Separator() As String
#If Mac Then
    If Len(Application.PathSeparator) = 1 Then
        Separator = "/"
#Else
    Separator = "\\"
#End If
End Function
"""


def test_conditional_compilation_decides_which_lines_are_checked():
    code = UNCLOSED_ON_A_MAC.replace("\n", "\r\n")
    assert syntax_errors(code, ENVIRONMENTS["Mac"], is_class=False)  # the unclosed If is compiled on a Mac
    assert not syntax_errors(code, ENVIRONMENTS["Windows 64-bit"], is_class=False)  # and only there


# ----------------------------------------------------------------------------- what the VBA compiler rejects

@pytest.mark.slow
def test_pyvbaanalysis_finds_no_error_in_the_template(tmp_path):
    analysis = pytest.importorskip("pyvbaanalysis")
    path = tmp_path / "xlfolio.xlsm"
    path.write_bytes(template_bytes())
    errors = {module: [f"{p.code}: {p.message}" for p in problems if p.severity.value == "error"]
              for module, problems in analysis.analyze_office_file(str(path)).items()}
    assert not any(errors.values()), errors


def test_pyvbaanalysis_catches_a_malformed_statement(modules):
    analysis = pytest.importorskip("pyvbaanalysis")
    code = modules["XlfolioRibbon.bas"].replace('    RunPython "import addin.macros as m; m.rebalance()"',
                                                '    Dim x As Long\r\n    x = = 3 )', 1)
    codes = {p.code for p in analysis.analyze_module(code) if p.severity.value == "error"}
    assert {"invalid-expression-syntax", "unbalanced-parens"} <= codes
    assert not [p for p in analysis.analyze_module(modules["XlfolioRibbon.bas"]) if p.severity.value == "error"]
