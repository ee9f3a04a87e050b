"""The template's two charts: the efficient frontier and the projected income (XlsxWriter)."""

from __future__ import annotations

from .grid import Block, Grid
from .simulation_charts import SIMULATION_CHARTS


def add_chart(wb, ws, grid: Grid, kind: str, anchor) -> None:
    """Insert chart ``kind`` (``"frontier"`` or ``"income"``) at ``anchor`` (row, col) of ``ws``."""
    n = grid.names
    if kind in SIMULATION_CHARTS:  # the Simulation sheet's charts (issue 15)
        ws.insert_chart(anchor[0], anchor[1], SIMULATION_CHARTS[kind](wb, grid))
        return
    if kind == "frontier":
        chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        chart.add_series({"name": "Efficient frontier", "categories": "=" + n["Frontier_Vols"].ref(),
                          "values": "=" + n["Frontier_Returns"].ref(), "marker": {"type": "circle", "size": 5}})
        stats = n["Optimal_Stats"]
        for i, (label, marker, colour) in enumerate((("Max Sharpe", "diamond", "#C00000"),
                                                     ("Min variance", "triangle", "#7F7F7F"),
                                                     ("Current portfolio", "square", "#FFC000"))):
            vol = Block(stats.sheet, stats.row + i, stats.col + 1)
            ret = Block(stats.sheet, stats.row + i, stats.col)
            chart.add_series({"name": label, "categories": "=" + vol.ref(), "values": "=" + ret.ref(),
                              "marker": {"type": marker, "size": 9, "fill": {"color": colour},
                                         "border": {"color": colour}}, "line": {"none": True}})
        chart.set_title({"name": "Efficient frontier"})
        chart.set_x_axis({"name": "Volatility (a year)", "num_format": "0%"})
        chart.set_y_axis({"name": "Expected return (a year)", "num_format": "0%"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 640, "height": 400})
    else:
        table = n["Income_Table"]
        chart = wb.add_chart({"type": "line"})
        years = Block(table.sheet, table.row, 0, table.n_rows)
        for col, label in ((2, "Income"), (3, "Income in today's money")):
            chart.add_series({"name": label, "categories": "=" + years.ref(),
                              "values": "=" + Block(table.sheet, table.row, col, table.n_rows).ref()})
        chart.set_title({"name": "Projected yearly income"})
        chart.set_x_axis({"name": "Year"})
        chart.set_y_axis({"name": "Income", "num_format": "$#,##0"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 560, "height": 340})
    ws.insert_chart(anchor[0], anchor[1], chart)
