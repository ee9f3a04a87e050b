"""``xlfolio rebalance``: trades for a whole book of accounts, from a holdings file and a models file.

Input files (CSV in any encoding Excel writes, or Parquet by extension; a folder of files is a
partitioned dataset, each file holding whole accounts):

HOLDINGS, one row per holding
    ``account, model, symbol, value`` (required), ``price``, ``lot_size``, ``locked``, ``cash_flow`` (optional).
    A row with symbol ``CASH`` gives the account's uninvested cash in ``value``. ``cash_flow`` is a
    deposit (> 0) or withdrawal (< 0); values on several rows of an account add up. ``locked`` is
    1/0, true/false or yes/no. ``price`` and ``lot_size`` are needed with ``--whole-shares``.
MODELS, one row per model holding
    ``model, symbol, target`` (targets as fractions, summing to 1 per model), optional ``price``
    (used for symbols an account does not hold). A ``CASH`` row keeps that share of the account in cash.

A holding of an account that is not in its model gets target 0 (it is sold); a model symbol the
account does not hold is bought.

Bad rows are all reported, with their line in the file (the header is line 1), before anything is
written; the account a bad row belongs to is skipped as a whole, the other accounts are written.
Output TRADES (CSV, or Parquet by extension): ``account, symbol, value, target, trade, shares,
value_after, weight_after`` per holding, plus one ``CASH`` row per account (value: cash + cash flow;
trade: what the trades take out of or put into cash; value_after: cash left), so that each account's
``trade`` column sums to 0. The implementation is the package :mod:`addin.batch`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import workbook
from addin.batch.problems import EXIT_CODES

#: ``workbook.sample_data.DATA_DIR``, without importing that module (it imports pandas: 0.4 s a run).
DATA_DIR = Path(workbook.__file__).resolve().parent / "data"
SAMPLE_HOLDINGS = DATA_DIR / "sample_holdings.csv"
SAMPLE_MODELS = DATA_DIR / "sample_models.csv"
REBALANCE_MODES = ("to_target", "to_band")  # checked against kernels.REBALANCE_MODES in the tests

EXIT_CODES_HELP = "exit codes:\n" + "".join(f"  {code:<4} {meaning}\n" for code, meaning in EXIT_CODES.items()) + (
    "When nothing is written, a trades file from an earlier run is renamed NAME.stale.")


def run(args: argparse.Namespace) -> int:
    if args.households is not None or args.accounts is not None or args.lots is not None:
        from addin.batch.household_runner import run as run_households

        return run_households(args)
    if args.partition is not None:
        return _partition(args)
    from addin.batch.runner import run as run_book

    return run_book(args)


def _partition(args: argparse.Namespace) -> int:
    from addin.batch.output import check_target
    from addin.batch.partitions import write_partitions
    from addin.batch.problems import BookInputError

    try:
        check_target(args.partition, [args.holdings], "--partition")
        if args.partition.exists() and any(args.partition.iterdir()):
            raise BookInputError(f"--partition {args.partition}: the folder is not empty; give a new folder.")
        files, rows = write_partitions(args.holdings, args.partition, args.accounts_per_part, args.encoding)
    except BookInputError as exc:
        print(f"xlfolio rebalance: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"xlfolio rebalance: wrote {rows:,} rows of {args.holdings.name} to {files} Parquet files of whole "
          f"accounts in {args.partition}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rebalance",
        help="trades for a book of accounts: HOLDINGS --targets MODELS --out TRADES",
        description="Rebalance every account of HOLDINGS to its model in MODELS and write the trades. "
        "Every bad row is reported with its line before anything is written, and its account skipped "
        "(exit code 1); --strict stops instead.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("holdings", type=Path, nargs="?", default=SAMPLE_HOLDINGS,
                        help="CSV or Parquet file (or a folder of them): account,model,symbol,value"
                        "[,price,lot_size,locked,cash_flow] (default: synthetic sample)")
    parser.add_argument("--targets", type=Path, default=SAMPLE_MODELS, help="CSV or Parquet: model,symbol,target[,price]")
    parser.add_argument("--out", type=Path, default=Path("trades.csv"),
                        help="trades file: .csv, or .parquet; with --engine dask also a folder (one file per partition)")
    parser.add_argument("--band", type=float, default=None, help="absolute band in weight points, e.g. 0.05")
    parser.add_argument("--relative-band", type=float, default=None, help="relative band, e.g. 0.25 of the target")
    parser.add_argument("--mode", choices=list(REBALANCE_MODES), default="to_target")
    parser.add_argument("--min-trade", type=float, default=0.0, help="smallest trade worth making (currency)")
    parser.add_argument("--whole-shares", action="store_true", help="trade whole lots (needs price, lot_size)")
    parser.add_argument("--no-sells", action="store_true", help="never sell: invest cash and deposits only")
    parser.add_argument("--strict", action="store_true", help="write nothing if any row is bad (exit code 2)")
    parser.add_argument("--errors", type=Path, default=None, metavar="FILE",
                        help="write every problem to FILE (CSV: file,line,column,value,account,model,problem,message)")
    parser.add_argument("--encoding", default=None,
                        help="encoding of the CSV inputs (default: detected: UTF-8 with or without BOM, UTF-16, "
                        "Windows-1252)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local: this process; dask: one task per file of a partitioned dataset")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address (default: a local cluster on this machine)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes: of the local Dask cluster, or for households (default: cores)")
    parser.add_argument("--partition", type=Path, default=None, metavar="FOLDER",
                        help="instead of rebalancing: write HOLDINGS as Parquet files of whole accounts in FOLDER")
    parser.add_argument("--accounts-per-part", type=int, default=100_000, help="accounts per file with --partition")
    _household_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--timings", action="store_true", help="print the time of each phase on stderr")
    parser.set_defaults(func=run)


def _household_arguments(parser: argparse.ArgumentParser) -> None:
    """Households (issue 17): accounts grouped into households, tax lots, tax-aware trades."""
    group = parser.add_argument_group(
        "households (tax-aware; any of --households, --accounts, --lots selects this mode)",
        "HOLDINGS is then household,account,symbol,shares,price[,asset_class,no_sell,no_buy,account_type,cash_flow] "
        "and --targets MODELS is model,asset_class,target. Writes OUT (trades by account) and, beside it, "
        "OUT_lots (lots sold: gains, tax), OUT_accounts and OUT_summary (per household: tax, costs, drift, status). "
        "A bad row skips its household; the others are written. Whole shares cost about 10x the CPU of fractional "
        "ones at the default --mip-gap; for a whole book use --mip-gap 1e-3 or more workers.")
    group.add_argument("--households", type=Path, default=None, metavar="FILE",
                       help="household,model,short_term,long_term[,state,as_of,drift_penalty,max_turnover,"
                       "harvest_threshold]: one row per household")
    group.add_argument("--accounts", type=Path, default=None, metavar="FILE",
                       help="household,account,type[,cash,cash_flow] (or an account_type column in HOLDINGS, with "
                       "CASH rows for cash)")
    group.add_argument("--lots", type=Path, default=None, metavar="FILE",
                       help="household,account,symbol,shares,cost_basis,acquired (YYYY-MM-DD): the taxable "
                       "holdings' tax lots")
    group.add_argument("--substitutes", type=Path, default=None, metavar="FILE",
                       help="symbol,replacement[,price]: what to buy after harvesting a loss (the whole book)")
    group.add_argument("--recent", type=Path, default=None, metavar="FILE",
                       help="household,account,symbol,shares,date[,gain]: trades of the last 30 days (wash sales)")
    group.add_argument("--lot-sales", type=Path, default=None, metavar="FILE", help="lots sold (default OUT_lots)")
    group.add_argument("--account-summary", type=Path, default=None, metavar="FILE",
                       help="accounts after the trades (default OUT_accounts)")
    group.add_argument("--summary", type=Path, default=None, metavar="FILE",
                       help="one row per household (default OUT_summary)")
    group.add_argument("--as-of", default=None, metavar="DATE", help="trade date, YYYY-MM-DD (default today; a "
                       "household's as_of column wins)")
    group.add_argument("--costs-bp", type=float, default=0.0, help="cost of a trade in basis points of its value")
    group.add_argument("--fee", type=float, default=0.0, help="fixed fee per trade (a mixed-integer programme)")
    group.add_argument("--harvest-threshold", type=float, default=None,
                       help="harvest lots whose loss is at least this fraction of their cost, e.g. 0.1")
    group.add_argument("--lot-method", choices=("min_tax", "hifo"), default="min_tax")
    group.add_argument("--drift-penalty", type=float, default=None,
                       help="tax and costs worth paying per unit moved into place (default 1: meet the targets)")
    group.add_argument("--max-turnover", type=float, default=None, help="largest one-way turnover, e.g. 0.2")
    group.add_argument("--mip-gap", type=float, default=1e-4,
                       help="whole shares and fees: a plan within this fraction of the household's value of the "
                       "best is optimal (default 1e-4)")
    group.add_argument("--time-limit", type=float, default=10.0, help="seconds per household (default 10)")
