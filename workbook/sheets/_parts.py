"""Pieces several sheets share: a column of labelled input cells, and the validation rules of inputs."""

from __future__ import annotations

from typing import Any, Sequence

from workbook.grid import Grid


def put_inputs(grid: Grid, sheet: str, row: int, col: int, inputs: Sequence[tuple[str, Any, str]]) -> int:
    """A label in column ``col`` and its input cell beside it, one ``(label, value, format)`` a row from
    ``row`` down; returns the row below them."""
    for i, (label, value, fmt) in enumerate(inputs):
        grid.put(sheet, row + i, col, label, "label")
        grid.put(sheet, row + i, col + 1, value, fmt)
    return row + len(inputs)


def pct_validation(title: str) -> dict:
    """A percentage between 0% and 100%."""
    return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
            "error_title": title, "error_message": f"{title}: enter a percentage between 0% and 100%."}


def list_validation(title: str, choices) -> dict:
    """One of the words in ``choices`` (a dropdown)."""
    return {"validate": "list", "source": list(choices), "error_title": title,
            "error_message": f"{title}: pick one of {', '.join(choices)}."}
