"""The one catalogue of buttons: the ribbon's XML and VBA callbacks, the CLI and the headless runs read it."""

from __future__ import annotations

import re

import pytest
from lxml import etree

import addin.macros as m
from addin import ribbon
from addin.cli import build_parser
from addin.macros.buttons import Button

RIBBON_NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}


def test_ribbon_sources_are_generated_from_the_catalogue(capsys):
    assert ribbon.main(["--check"]) == 0, capsys.readouterr().out
    for path, data in ribbon.generated_files().items():
        assert path.read_bytes() == data


def test_a_changed_catalogue_shows_in_both_sources():
    extra = m.CATALOGUE[0]._replace(ribbon_id="btnExtra", supertip='Says "hi" & <more>.', group="New")
    xml = ribbon.ribbon_xml((*m.CATALOGUE, extra))
    root = etree.fromstring(xml.encode())
    groups = [g.get("label") for g in root.iterfind(".//ui:group", RIBBON_NS)]
    assert groups == ["Holdings", "Optimise", "Data", "New"]
    new = root.find(".//ui:group[@id='xlfolioNew']/ui:button", RIBBON_NS)
    assert new.get("supertip") == 'Says "hi" & <more>.' and new.get("onAction") == "OnRebalance"
    assert ribbon.ribbon_xml() != xml
    vba = ribbon.callbacks_module(m.CATALOGUE[:2])
    assert vba.count("Public Sub ") == 2 and "\n" not in vba.replace("\r\n", "")


def test_every_button_runs_the_function_addin_macros_exports_under_its_name():
    for b in m.CATALOGUE:
        assert isinstance(b, Button)
        assert b.function.__name__ == b.name == b.macro.name
        assert getattr(m, b.name) is b.function
        assert m.button(b.name) is b
    for field in ("name", "ribbon_id", "callback", "label"):
        values = [getattr(b, field) for b in m.CATALOGUE]
        assert len(set(values)) == len(values), field


def test_computing_buttons_in_run_order():
    computing = [b for b in m.CATALOGUE if b.computes]
    assert list(m.COMPUTING) == [b.name for b in sorted(computing, key=lambda b: b.run_order)]
    assert sorted(b.run_order for b in computing) == list(range(1, len(computing) + 1))
    assert all(b.macro.writes for b in computing)
    assert all(not b.macro.writes for b in m.CATALOGUE if not b.computes)
    assert m.BUTTONS == tuple(b.name for b in m.CATALOGUE)


def test_unknown_button_names_the_choices():
    with pytest.raises(KeyError, match=r"unknown macro 'optimise_everything'; pick one of rebalance, check_drift"):
        m.button("optimise_everything")


def test_run_macro_lists_the_catalogue():
    parser = build_parser()
    run_macro = parser._subparsers._group_actions[0].choices["run-macro"]
    help_text = next(a.help for a in run_macro._actions if a.dest == "name")
    assert help_text == "macro: " + ", ".join(m.BUTTONS)


def test_callbacks_run_each_macro_through_runpython():
    subs = re.findall(r'Public Sub (\w+)\(control As IRibbonControl\)\r\n    RunPython "import addin\.macros as m; '
                      r'm\.(\w+)\(\)"\r\nEnd Sub', ribbon.callbacks_module())
    assert subs == [(b.callback, b.name) for b in m.CATALOGUE]
