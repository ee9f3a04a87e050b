Attribute VB_Name = "XlfolioRibbon"
Option Explicit

' Callbacks of the Portfolio ribbon tab (workbook/ribbon/customUI14.xml).
' Each button runs one function of the Python package addin.macros through xlwings' RunPython;
' with 'Use UDF Server' set on the xlwings.conf sheet the click reuses the warm Python process.

Public Sub OnRebalance(control As IRibbonControl)
    RunPython "import addin.macros as m; m.rebalance()"
End Sub

Public Sub OnCheckDrift(control As IRibbonControl)
    RunPython "import addin.macros as m; m.check_drift()"
End Sub

Public Sub OnRebalanceHousehold(control As IRibbonControl)
    RunPython "import addin.macros as m; m.rebalance_household()"
End Sub

Public Sub OnEfficientFrontier(control As IRibbonControl)
    RunPython "import addin.macros as m; m.efficient_frontier()"
End Sub

Public Sub OnRiskParity(control As IRibbonControl)
    RunPython "import addin.macros as m; m.risk_parity()"
End Sub

Public Sub OnIncomePlan(control As IRibbonControl)
    RunPython "import addin.macros as m; m.income_plan()"
End Sub

Public Sub OnSimulate(control As IRibbonControl)
    RunPython "import addin.macros as m; m.simulate()"
End Sub

Public Sub OnRefreshEstimates(control As IRibbonControl)
    RunPython "import addin.macros as m; m.refresh_estimates()"
End Sub

Public Sub OnWarmUp(control As IRibbonControl)
    RunPython "import addin.macros as m; m.warm_up()"
End Sub

Public Sub OnHelp(control As IRibbonControl)
    RunPython "import addin.macros as m; m.show_help()"
End Sub
