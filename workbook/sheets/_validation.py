"""Data validation rules several sheets put on their input cells."""

from __future__ import annotations


def pct_validation(title: str) -> dict:
    """A percentage between 0% and 100%."""
    return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
            "error_title": title, "error_message": f"{title}: enter a percentage between 0% and 100%."}


def list_validation(title: str, choices) -> dict:
    """One of the words in ``choices`` (a dropdown)."""
    return {"validate": "list", "source": list(choices), "error_title": title,
            "error_message": f"{title}: pick one of {', '.join(choices)}."}
