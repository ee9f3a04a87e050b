"""A syntax check of VBA modules by an independent grammar (MS-VBAL, as the ANTLR grammar of the
``antlr4-vba`` package, MIT, on the ``antlr4-python3-runtime``, BSD-3). Shared by the template tests;
it holds no tests itself.

VBA is compiled after a conditional-compilation pass (``#Const``, ``#If ... #End If``); the grammar
parses the result. :func:`syntax_errors` does that pass for one environment (Windows 64-bit, 32-bit,
Mac) and parses what is left, blanking the lines that are not compiled so that line numbers stay.
A document or class module as stored in a workbook carries attributes the exported ``.cls`` file
format of MS-VBAL does not have (``VB_Base``, ``VB_TemplateDerived``, a module ``VB_Description``):
they are commented out, and the class file's ``VERSION 1.0 CLASS`` header is put in front.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The host constants VBA defines, per environment the template runs in.
ENVIRONMENTS = {
    "Windows 64-bit": {"VBA7": True, "VBA6": True, "Win64": True, "Win32": True, "Win16": False, "Mac": False},
    "Windows 32-bit": {"VBA7": True, "VBA6": True, "Win64": False, "Win32": True, "Win16": False, "Mac": False},
    "Mac": {"VBA7": True, "VBA6": True, "Win64": False, "Win32": False, "Win16": False, "Mac": True,
            "MAC_OFFICE_VERSION": 16},
}
#: Class-module attributes of MS-VBAL's class file header (section 4.2); others are the VBE's.
CLASS_ATTRIBUTES = ("VB_Name", "VB_GlobalNameSpace", "VB_Creatable", "VB_PredeclaredId", "VB_Exposed",
                    "VB_Customizable")
CLASS_HEADER = ["VERSION 1.0 CLASS", "BEGIN", "  MultiUse = -1  'True", "END"]

_DIRECTIVE = re.compile(r"^\s*#\s*(Const|If|ElseIf|Else|End\s*If)\b(.*)$", re.I)
_TOKEN = re.compile(r'\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>"[^"]*")|(?P<op><>|<=|>=|=|<|>|\(|\))|(?P<name>\w+))')


class SyntaxProblem(NamedTuple):
    line: int
    column: int
    message: str


def _evaluate(expression: str, env: dict) -> object:
    """A conditional-compilation expression (constants, literals, comparisons, And/Or/Not/Xor)."""
    expression = expression.split("'")[0].strip()
    parts, pos = [], 0
    while pos < len(expression):
        m = _TOKEN.match(expression, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read #If expression {expression!r}")
        pos = m.end()
        if m.group("num") or m.group("str"):
            parts.append(m.group("num") or m.group("str"))
        elif m.group("op"):
            parts.append({"=": "==", "<>": "!="}.get(m.group("op"), m.group("op")))
        else:
            word = m.group("name")
            keyword = {"and": "and", "or": "or", "not": "not", "xor": "^", "true": "True", "false": "False"}
            if word.lower() in keyword:
                parts.append(keyword[word.lower()])
            else:
                parts.append(repr(env.get(word, env.get(word.lower(), False))))
    return eval(" ".join(parts), {"__builtins__": {}})  # a test helper: literals and operators only


def precompiled(code: str, env: dict) -> list[str]:
    """The module's lines after conditional compilation in ``env``; lines not compiled become blank."""
    env = dict(env)
    out, stack = [], []  # stack: (this branch active, a branch already taken, enclosing active)
    active = True
    for line in code.splitlines():
        m = _DIRECTIVE.match(line)
        if not m:
            out.append(line if active else "")
            continue
        kind, rest = m.group(1).lower().replace(" ", ""), m.group(2)
        if kind == "const":
            if active:
                name, _, value = rest.partition("=")
                env[name.strip()] = _evaluate(value, env)
        elif kind == "if":
            cond = active and bool(_evaluate(rest.rsplit("Then", 1)[0], env))
            stack.append((cond, cond, active))
            active = cond
        elif kind == "elseif":
            _, taken, outer = stack.pop()
            cond = outer and not taken and bool(_evaluate(rest.rsplit("Then", 1)[0], env))
            stack.append((cond, taken or cond, outer))
            active = cond
        elif kind == "else":
            _, taken, outer = stack.pop()
            stack.append((outer and not taken, True, outer))
            active = outer and not taken
        else:  # End If
            active = stack.pop()[2]
        out.append("")
    if stack:
        raise ValueError("an #If without #End If")
    return out


def syntax_errors(code: str, env: dict, *, is_class: bool) -> list[SyntaxProblem]:
    """The grammar's syntax errors in ``code`` compiled for ``env`` (line numbers of ``code``)."""
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from antlr4_vba.vbaLexer import vbaLexer
    from antlr4_vba.vbaParser import vbaParser

    lines = precompiled(code, env)
    head = 0
    if is_class:
        for k, line in enumerate(lines):
            m = re.match(r"^Attribute (VB_\w+)\s*=", line)
            if m and m.group(1) not in CLASS_ATTRIBUTES:
                lines[k] = "'" + line
        lines = CLASS_HEADER + lines
        head = len(CLASS_HEADER)

    problems: list[SyntaxProblem] = []

    class Collect(ErrorListener):
        def syntaxError(self, recognizer, symbol, line, column, msg, e):  # ANTLR's name
            problems.append(SyntaxProblem(line - head, column, msg))

    lexer = vbaLexer(InputStream("\r\n".join(lines) + "\r\n"))
    lexer.removeErrorListeners()
    lexer.addErrorListener(Collect())
    parser = vbaParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(Collect())
    parser.startRule()
    return problems


def shipped_modules(workbook: bytes) -> dict[str, str]:
    """Every VBA module of a workbook (name with its .bas/.cls extension -> source), read by oletools."""
    import warnings

    with warnings.catch_warnings():  # oletools 0.60 calls pyparsing's deprecated enablePackrat at import
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    parser = VBA_Parser("template.xlsm", data=workbook)
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
