"""The ``xlfolio`` command.

Each subcommand lives in its own module under :mod:`addin.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to the function
that runs it (returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Subcommand modules, in the order ``xlfolio --help`` lists them.
COMMAND_MODULES = (
    "addin.commands.risk_report",
    "addin.commands.warmup",
    "addin.commands.template",
    "addin.commands.rebalance",
    "addin.commands.simulate",
)


#: Subcommands whose module alone is imported when the command line names them (``xlfolio rebalance`` runs
#: overnight on whole books: it does not pay for pandas and the workbook macros the other commands import).
ALONE = {"rebalance": "addin.commands.rebalance"}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of the one module ``only`` (see :data:`ALONE`)."""
    parser = argparse.ArgumentParser(prog="xlfolio", description="Portfolio construction for Excel users.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``: the process is then the command's own)."""
    own_process = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(ALONE.get(argv[0]) if argv else None)
    args = parser.parse_args(argv)
    args.own_process = own_process
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
