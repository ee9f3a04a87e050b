"""The button catalogue: every button of the Portfolio ribbon tab, defined once.

Read by the ribbon's text sources (:mod:`addin.ribbon` generates ``customUI14.xml`` and the VBA
callbacks), by ``xlfolio run-macro`` and ``xlfolio demo``, by the template build (which runs the
computing buttons on the sample client) and by the xlwings Lite scripts. A new button is a module in
:mod:`addin.macros` (its :class:`~addin.macros._run.Macro` and the function that runs it) plus one
entry in :data:`CATALOGUE`.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from . import estimates, frontier, household, income, rebalancing, risk_budgets, session
from . import simulation  # issue 15
from ._run import Book, Macro, MacroResult


class Button(NamedTuple):
    """One ribbon button and the macro it runs."""

    #: What the macro reads and writes; its ``name`` is the button's, its ``label`` the ribbon's.
    macro: Macro
    #: Runs the macro on a :class:`~addin.book.Book` (the calling workbook when None); named ``macro.name``,
    #: exported by :mod:`addin.macros`, called by the ribbon as ``RunPython "import addin.macros as m; m.<name>()"``.
    function: Callable[[Book | None], MacroResult]
    #: The ribbon group it sits in (its label; the group's id is ``xlfolio`` + label).
    group: str
    #: The ribbon control id.
    ribbon_id: str
    #: The icon: an Office built-in image (``imageMso``).
    image: str
    #: The longer tooltip under the screentip.
    supertip: str
    #: Position when every computing button runs headless (the template build, ``xlfolio demo``);
    #: None for a button that computes nothing (its run writes no output block).
    run_order: int | None = None

    @property
    def name(self) -> str:
        return self.macro.name

    @property
    def label(self) -> str:
        return self.macro.label

    @property
    def screentip(self) -> str:
        return self.macro.label

    @property
    def callback(self) -> str:
        """The VBA sub the ribbon's ``onAction`` names: ``On`` + the label without spaces."""
        return "On" + self.label.replace(" ", "")

    @property
    def computes(self) -> bool:
        return self.run_order is not None


#: Every button, in ribbon order.
CATALOGUE: tuple[Button, ...] = (
    Button(rebalancing.REBALANCE, rebalancing.rebalance, "Holdings", "btnRebalance", "AccountingFormat",
           "Trades that bring the holdings back to their target weights (Rebalance sheet).", run_order=4),
    Button(rebalancing.CHECK_DRIFT, rebalancing.check_drift, "Holdings", "btnCheckDrift", "ConditionalFormattingMenu",
           "How far each holding has drifted from its target, against the band (Rebalance sheet).", run_order=5),
    Button(household.MACRO, household.rebalance_household, "Holdings", "btnRebalanceHousehold", "PercentStyle",
           "Tax-aware trades for all the household's accounts and tax lots (Household sheet).", run_order=7),
    Button(frontier.MACRO, frontier.efficient_frontier, "Optimise", "btnFrontier", "ChartTypeXYScatterInsertGallery",
           "Frontier table, max-Sharpe and min-variance portfolios (Frontier sheet).", run_order=2),
    Button(risk_budgets.MACRO, risk_budgets.risk_parity, "Optimise", "btnRiskParity", "ChartTypePieInsertGallery",
           "Weights whose risk contributions match the budgets (Risk Parity sheet).", run_order=3),
    Button(income.MACRO, income.income_plan, "Optimise", "btnIncome", "ChartTypeLineInsertGallery",
           "Income projection and the income-target portfolio (Income sheet).", run_order=6),
    Button(simulation.MACRO, simulation.simulate, "Optimise", "btnSimulate", "ChartTypeAreaInsertGallery",
           "Backtest of the client's targets against alternatives, and the Monte Carlo income plan (Simulation sheet).",
           run_order=8),
    Button(estimates.MACRO, estimates.refresh_estimates, "Data", "btnEstimates", "RefreshAll",
           "Covariance and expected returns from the Prices sheet.", run_order=1),
    Button(session.WARM_UP, session.warm_up, "Data", "btnWarmUp", "HappyFace",
           "Start Python and compile the kernels now, so later clicks are instant."),
    Button(session.HELP, session.show_help, "Data", "btnHelp", "Help",
           "Go to the Start sheet: setup and the function reference."),
)

#: Button order of the ribbon: the name of each button's macro.
BUTTONS = tuple(b.name for b in CATALOGUE)
#: Macros that compute something, in the order headless runs (build, ``xlfolio demo``) run them.
COMPUTING = tuple(b.name for b in sorted((b for b in CATALOGUE if b.computes), key=lambda b: b.run_order))


def button(name: str) -> Button:
    """The button whose macro is ``name``; KeyError naming the choices otherwise."""
    for b in CATALOGUE:
        if b.name == name:
            return b
    raise KeyError(f"unknown macro {name!r}; pick one of {', '.join(BUTTONS)}.")
