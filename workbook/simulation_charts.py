"""The Simulation sheet's three charts (XlsxWriter): growth and drawdown of each weight set, the Monte Carlo fan.

Every series points at a named block of :mod:`workbook.simulation_blocks` that the Simulate button
fills; the series names and the fan chart's title point at cells it writes too, so the legend shows
the weight sets' names and the title the plan's success probability.
"""

from __future__ import annotations

from collections.abc import Callable

from . import simulation_blocks as B
from .grid import Block, Grid

#: One colour per weight set (client target, alternative mix, max Sharpe, risk parity).
SET_COLOURS = ("#1F3864", "#7F7F7F", "#C00000", "#FFC000")
#: Fan chart bands from the 10th-25th to the 75th-90th percentile (darker in the middle).
BAND_COLOURS = ("#BDD7EE", "#6FA8DC", "#6FA8DC", "#BDD7EE")


def _column(block: Block, col: int, skip_header: bool) -> Block:
    first = 1 if skip_header else 0
    return Block(block.sheet, block.row + first, block.col + col, block.n_rows - first)


def _sets_chart(wb, grid: Grid, values: Block, first_col: int, title: str, y_name: str, y_format: str,
                y_max: float | None = None):
    growth = grid.names["Sim_Growth"]
    dates = _column(growth, 0, True)
    chart = wb.add_chart({"type": "line"})
    for j in range(B.N_SETS):
        name = Block(values.sheet, values.row, values.col + first_col + j)
        chart.add_series({"name": "=" + name.ref(), "categories": "=" + dates.ref(),
                          "values": "=" + _column(values, first_col + j, True).ref(),
                          "line": {"color": SET_COLOURS[j], "width": 1.5}})
    chart.set_title({"name": title})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy", "major_unit": 1, "major_unit_type": "years",
                      "label_position": "low"})
    y_axis = {"name": y_name, "num_format": y_format}
    if y_max is not None:
        y_axis["max"] = y_max
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 360})
    return chart


def growth_chart(wb, grid: Grid):
    """Month-end value of each weight set (the Sim_Growth block)."""
    return _sets_chart(wb, grid, grid.names["Sim_Growth"], 1, "Growth of the start balance", "Value", "$#,##0")


def drawdown_chart(wb, grid: Grid):
    """Month-end drawdown of each weight set from its running peak (the Sim_Drawdowns block)."""
    return _sets_chart(wb, grid, grid.names["Sim_Drawdowns"], 0, "Drawdown from the running peak", "Drawdown",
                       "0%", y_max=0)


def fan_chart(wb, grid: Grid):
    """Percentile bands of the plan's value in today's money by year, stacked (Sim_FanBands), and the median."""
    fan, bands = grid.names["Sim_Fan"], grid.names["Sim_FanBands"]
    years = _column(fan, 0, False)
    chart = wb.add_chart({"type": "area", "subtype": "stacked"})
    header = fan.row - 1
    for j, label in enumerate(B.BAND_COLUMNS):
        series = {"name": "=" + Block(bands.sheet, header, bands.col + j).ref(), "categories": "=" + years.ref(),
                  "values": "=" + _column(bands, j, False).ref()}
        if j == 0:
            series.update({"fill": {"none": True}, "border": {"none": True}})
        else:
            series.update({"fill": {"color": BAND_COLOURS[j - 1]}, "border": {"none": True}})
        chart.add_series(series)
    median = wb.add_chart({"type": "line"})
    median.add_series({"name": "=" + Block(fan.sheet, header, fan.col + 3).ref(), "categories": "=" + years.ref(),
                       "values": "=" + _column(fan, 3, False).ref(), "line": {"color": "#1F3864", "width": 2}})
    chart.combine(median)
    chart.set_title({"name": "=" + grid.names["Sim_FanTitle"].ref()})
    chart.set_x_axis({"name": "Year"})
    chart.set_y_axis({"name": "Value in today's money", "num_format": "$#,##0"})
    chart.set_legend({"position": "bottom", "delete_series": [0]})
    chart.set_size({"width": 640, "height": 360})
    return chart


#: Chart kind (as a sheet lists it) -> the function making it.
SIMULATION_CHARTS: dict[str, Callable] = {"sim_growth": growth_chart, "sim_drawdown": drawdown_chart,
                                          "sim_fan": fan_chart}
