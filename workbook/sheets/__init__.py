"""The template's sheets: one module per sheet, and :data:`ORDER`, the one list of them.

A sheet module has ``NAME`` (the tab), ``CODE_NAME`` (its VBA code name) and
``lay_out(grid, sources, functions)``, which draws the sheet into the in-memory
:class:`~workbook.grid.Grid`: its text, input cells with their validation, formulas with the
values they compute (``functions`` are the add-in's cell functions,
:data:`workbook.formulas.Functions`), the blank output blocks of the macros and its charts. The
named blocks are placed by :mod:`workbook.layout`. Sheets are laid out in workbook order; a sheet
may read the blocks of a sheet before it (the Portfolio sheet reads the Assumptions).

A new sheet: a module here, one entry in :data:`ORDER`, its named blocks in :mod:`workbook.layout`.
"""

from . import (
    assumptions,
    frontier,
    household,
    income,
    log,
    portfolio,
    prices,
    rebalancing,
    risk_budgets,
    simulation,
    start,
    xlwings_conf,
)

#: The sheets in workbook order.
ORDER = (start, assumptions, prices, portfolio, frontier, rebalancing, household, risk_budgets, income, simulation, log,
         xlwings_conf)

#: Sheet name -> VBA code name, in workbook order.
SHEETS = {sheet.NAME: sheet.CODE_NAME for sheet in ORDER}
