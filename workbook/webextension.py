"""An Office add-in (web extension) stored in a workbook, with its settings: how the template carries
xlwings Lite's ``main.py`` and ``requirements.txt``.

An Office add-in inserted in a document is kept in the package as two parts (Microsoft's Open XML
extensions [MS-OWEXML]; the content types and relationship types below are documented there):

* ``xl/webextensions/taskpanes.xml``, related from the package (``_rels/.rels``): the task pane, its
  dock side, width and whether it is open, so that opening the file opens the add-in's pane (and
  prompts to install the add-in where it is missing);
* ``xl/webextensions/webextension1.xml``, related from the task pane: the add-in's store reference
  and its settings (``Office.context.document.settings``) as ``<we:property name= value=>`` pairs,
  each value a JSON text.

xlwings Lite (store id ``WA200008175``) keeps the workbook's code in two settings named ``main.py``
and ``requirements.txt``, each a JSON string written like JavaScript's ``JSON.stringify`` (no ASCII
escaping), with every ``/`` escaped as ``\\/`` as Office's serializer does, then XML-escaped. Those
names and that encoding are not documented by xlwings: they were read from workbooks Lite saved
(research notes /work/notes/lite.md, section 4), so the manual release check opens the file in Lite.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Mapping

TASKPANES_PART = "xl/webextensions/taskpanes.xml"
WEBEXTENSION_PART = "xl/webextensions/webextension1.xml"
TASKPANES_RELS_PART = "xl/webextensions/_rels/taskpanes.xml.rels"
TASKPANES_REL = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
WEBEXTENSION_REL = "http://schemas.microsoft.com/office/2011/relationships/webextension"
TASKPANES_CONTENT_TYPE = "application/vnd.ms-office.webextensiontaskpanes+xml"
WEBEXTENSION_CONTENT_TYPE = "application/vnd.ms-office.webextension+xml"
WE_NS = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
WETP_NS = "http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
#: Extensions Excel writes for an add-in with custom functions (observed in Lite workbooks).
CONTAINS_CUSTOM_FUNCTIONS_URI = "{D87F86FE-615C-45B5-9D79-34F1136793EB}"
CUSTOM_FUNCTION_IDS_URI = "{7C84B067-C214-45C3-A712-C9D94CD141B2}"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def encode_setting(text: str) -> str:
    """A setting's value as the XML attribute text Office writes: JSON, ``/`` as ``\\/``, XML-escaped."""
    return _xml_attr(json.dumps(text, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/"))


def webextension_xml(store_id: str, properties: Mapping[str, str], guid: str, *, store: str = "en-US",
                     custom_functions: bool = True) -> bytes:
    """The add-in part: the store reference (``OMEX``: the Office store), its settings (text values)."""
    props = "".join(f'<we:property name="{_xml_attr(name)}" value="{encode_setting(value)}"/>'
                    for name, value in properties.items())
    ext = ""
    if custom_functions:
        ext = (f'<we:extLst><a:ext xmlns:a="{A_NS}" uri="{CONTAINS_CUSTOM_FUNCTIONS_URI}"><we:containsCustomFunctions/>'
               f'</a:ext><a:ext xmlns:a="{A_NS}" uri="{CUSTOM_FUNCTION_IDS_URI}"><we:customFunctionIdList/></a:ext>'
               '</we:extLst>')
    text = (f'{DECLARATION}<we:webextension xmlns:we="{WE_NS}" id="{{{guid.upper()}}}">'
            f'<we:reference id="{store_id.lower()}" version="1.0.0.0" store="{store}" storeType="OMEX"/>'
            f'<we:alternateReferences><we:reference id="{store_id}" version="1.0.0.0" store="{store_id}" '
            f'storeType="OMEX"/></we:alternateReferences><we:properties>{props}</we:properties><we:bindings/>'
            f'<we:snapshot xmlns:r="{R_NS}"/>{ext}</we:webextension>')
    return text.encode("utf-8")


def taskpanes_xml(*, visible: bool = True, width: int = 438) -> bytes:
    """The task pane part: docked right, open when ``visible`` (so the add-in loads with the file)."""
    text = (f'{DECLARATION}<wetp:taskpanes xmlns:wetp="{WETP_NS}"><wetp:taskpane dockstate="right" '
            f'visibility="{int(visible)}" width="{width}" row="3"><wetp:webextensionref xmlns:r="{R_NS}" r:id="rId1"/>'
            '</wetp:taskpane></wetp:taskpanes>')
    return text.encode("utf-8")


def _taskpanes_rels() -> bytes:
    return (f'{DECLARATION}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{WEBEXTENSION_REL}" '
            'Target="webextension1.xml"/></Relationships>').encode("utf-8")


def _content_types(body: bytes) -> bytes:
    overrides = (f'<Override PartName="/{TASKPANES_PART}" ContentType="{TASKPANES_CONTENT_TYPE}"/>'
                 f'<Override PartName="/{WEBEXTENSION_PART}" ContentType="{WEBEXTENSION_CONTENT_TYPE}"/>').encode()
    return body.replace(b"</Types>", overrides + b"</Types>")


def _package_rels(body: bytes) -> bytes:
    taken = set(re.findall(rb'Id="([^"]+)"', body))
    n = 1
    while f"rId{n}".encode() in taken:
        n += 1
    rel = f'<Relationship Id="rId{n}" Type="{TASKPANES_REL}" Target="{TASKPANES_PART}"/>'.encode()
    return body.replace(b"</Relationships>", rel + b"</Relationships>")


def add_webextension(data: bytes, store_id: str, properties: Mapping[str, str], guid: str, *,
                     visible: bool = True) -> bytes:
    """The package ``data`` with an add-in and its settings; every other part copied unchanged.

    Entries keep a fixed time stamp, so a build stays byte-for-byte repeatable.
    """
    parts = {TASKPANES_PART: taskpanes_xml(visible=visible), TASKPANES_RELS_PART: _taskpanes_rels(),
             WEBEXTENSION_PART: webextension_xml(store_id, properties, guid)}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        if TASKPANES_PART in names:
            raise ValueError("the package already holds an add-in task pane")
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                body = _content_types(body)
            elif info.filename == "_rels/.rels":
                body = _package_rels(body)
            zout.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), body, zipfile.ZIP_DEFLATED)
        for name, body in parts.items():
            zout.writestr(zipfile.ZipInfo(name, ZIP_TIME), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()
