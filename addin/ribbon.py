"""The ribbon's text sources, generated from the button catalogue (:mod:`addin.macros.buttons`).

Two files of the template's sources are written from :data:`addin.macros.CATALOGUE` and checked
for drift by the tests, as the README's function reference is:

* ``workbook/ribbon/customUI14.xml``: the Portfolio tab, one group per button group, one button each;
* ``workbook/vba/XlfolioRibbon.bas``: one callback sub per button, running its macro through
  xlwings' ``RunPython``.

Regenerate them after changing the catalogue::

    python -m addin.ribbon          # rewrite the two files
    python -m addin.ribbon --check  # exit 1 if either is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape

from workbook import layout as L

TAB_ID = "xlfolioTab"
TAB_LABEL = "Portfolio"
#: The VBA module holding the callbacks (its file is ``workbook/vba/<name>.bas``).
CALLBACK_MODULE = "XlfolioRibbon"
CALLBACK_FILE = L.VBA_DIR / f"{CALLBACK_MODULE}.bas"


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def ribbon_xml(buttons: Iterable | None = None) -> str:
    """``customUI14.xml``: the tab, its groups in order of first appearance, their buttons in catalogue order."""
    buttons = list(_catalogue() if buttons is None else buttons)
    groups = list(dict.fromkeys(b.group for b in buttons))
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f"<!-- The {TAB_LABEL} tab. Every onAction names a sub of the {CALLBACK_MODULE} module "
        f"(workbook/vba/{CALLBACK_FILE.name}). -->",
        '<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui">',
        "  <ribbon>",
        "    <tabs>",
        f'      <tab id="{TAB_ID}" label="{_attr(TAB_LABEL)}">',
    ]
    for group in groups:
        lines.append(f'        <group id="xlfolio{group}" label="{_attr(group)}">')
        for b in (b for b in buttons if b.group == group):
            lines += [
                f'          <button id="{b.ribbon_id}" label="{_attr(b.label)}" size="large" imageMso="{b.image}"',
                f'                  screentip="{_attr(b.screentip)}" supertip="{_attr(b.supertip)}"',
                f'                  onAction="{b.callback}"/>',
            ]
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>"]
    return "\n".join(lines) + "\n"


def callbacks_module(buttons: Iterable | None = None) -> str:
    """``XlfolioRibbon.bas``: one ``Public Sub On...(control As IRibbonControl)`` per button (CRLF line ends)."""
    buttons = list(_catalogue() if buttons is None else buttons)
    lines = [
        f'Attribute VB_Name = "{CALLBACK_MODULE}"',
        "Option Explicit",
        "",
        f"' Callbacks of the {TAB_LABEL} ribbon tab (workbook/ribbon/{L.RIBBON_XML.name}).",
        "' Each button runs one function of the Python package addin.macros through xlwings' RunPython;",
        "' with 'Use UDF Server' set on the xlwings.conf sheet the click reuses the warm Python process.",
    ]
    for b in buttons:
        lines += ["", f"Public Sub {b.callback}(control As IRibbonControl)",
                  f'    RunPython "import addin.macros as m; m.{b.name}()"', "End Sub"]
    return "\r\n".join(lines) + "\r\n"


def _catalogue():
    from addin.macros import CATALOGUE

    return CATALOGUE


def generated_files() -> dict[Path, bytes]:
    """Path -> the bytes the catalogue gives it."""
    return {L.RIBBON_XML: ribbon_xml().encode("utf-8"), CALLBACK_FILE: callbacks_module().encode("utf-8")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the ribbon XML and its VBA callbacks from the button catalogue.")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date, change nothing")
    args = parser.parse_args(argv)
    stale = [path for path, data in generated_files().items() if not path.is_file() or path.read_bytes() != data]
    if args.check:
        for path in stale:
            print(f"{path}: out of date; run python -m addin.ribbon")
        return int(bool(stale))
    for path, data in generated_files().items():
        if path in stale:
            path.write_bytes(data)
        print(f"{path}: {'updated' if path in stale else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
