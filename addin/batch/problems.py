"""What went wrong with a book: one row-error type, the exit codes, and the fatal input error.

Every problem the batch finds (a bad row, an account whose model is bad, an account the kernel cannot
rebalance) is a :class:`RowError`; the command prints them, counts them and writes them to
``--errors FILE``. A problem that stops the whole run (a missing column, an unreadable file) is a
:class:`BookInputError`, which carries its exit code.
"""

from __future__ import annotations

from typing import NamedTuple

#: Exit codes of ``xlfolio rebalance`` (documented in the command's help and the README).
EXIT_OK = 0  # every account rebalanced and written
EXIT_PARTIAL = 1  # trades written for the good accounts; some rows or accounts were bad (reported)
EXIT_INPUT = 2  # nothing written: fix the input or the command line (message on stderr)
EXIT_OUTPUT = 3  # nothing written: the output could not be written (disk, permissions)
EXIT_INTERNAL = 4  # nothing written: an unexpected error (a bug: please report it with XLFOLIO_DEBUG=1's traceback)
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C; nothing written

EXIT_CODES = {
    EXIT_OK: "every account rebalanced and written",
    EXIT_PARTIAL: "trades written for the good accounts; bad rows or infeasible accounts reported and skipped",
    EXIT_INPUT: "nothing written: an input or option needs fixing (or --strict found bad rows)",
    EXIT_OUTPUT: "nothing written: the output could not be written",
    EXIT_INTERNAL: "nothing written: an unexpected error (please report it; XLFOLIO_DEBUG=1 shows the traceback)",
    EXIT_INTERRUPTED: "interrupted; nothing written",
}


class RowError(NamedTuple):
    """One problem, located as the user sees it.

    Attributes
    ----------
    file : str
        File (or dataset partition) name; "" for a problem found by the kernel.
    line : int
        Physical line in a CSV file (the header is line 1) or data row in a Parquet file (from 1);
        0 when the problem is not one row's.
    column : str
        Column at fault ("" when the whole row or account is).
    value : str
        The text found in that column (or the row's text for a malformed row).
    problem : str
        What is wrong and how to fix it (no final full stop).
    account : str
        Account skipped because of it ("" when none is).
    model : str
        Model not used because of it ("" when none).
    unit : str
        ``"line"`` (CSV) or ``"row"`` (Parquet).
    last_line : int
        Last line of a problem that spans rows (a model's targets), else 0.
    household : str
        Household skipped because of it ("" when none is; ``xlfolio rebalance --households``).
    """

    file: str
    line: int
    column: str
    value: str
    problem: str
    account: str = ""
    model: str = ""
    unit: str = "line"
    last_line: int = 0
    household: str = ""

    @property
    def consequence(self) -> str:
        if self.household:
            return f"household {self.household} skipped"
        if self.model:
            return f"model {self.model} not used"
        if self.account:
            return f"account {self.account} skipped"
        return ""

    def message(self) -> str:
        """One line: ``holdings.csv line 7: value '1,5' has a decimal comma; write 1.5; account A1 skipped.``"""
        where = self.file
        if self.line:
            plural = "s" if self.last_line and self.last_line != self.line else ""
            span = f"{self.line}-{self.last_line}" if plural else f"{self.line}"
            where = f"{self.file} {self.unit}{plural} {span}"
        tail = f"; {self.consequence}" if self.consequence else ""
        return f"{where}: {self.problem}{tail}." if where else f"{self.problem}{tail}."


class BookInputError(Exception):
    """A problem that stops the run before anything is written (exit code 2 unless given)."""

    def __init__(self, message: str, exit_code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code
