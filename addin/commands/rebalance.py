"""``xlfolio rebalance``: trades for a whole book of accounts from two CSV files.

Input files (first line is a header; "row N" in messages is the line number, so the first data row is
row 2, as a spreadsheet shows it):

HOLDINGS.csv, one row per holding
    ``account, model, symbol, value`` (required), ``price``, ``lot_size``, ``locked``, ``cash_flow`` (optional).
    A row with symbol ``CASH`` gives the account's uninvested cash in ``value``. ``cash_flow`` is a
    deposit (> 0) or withdrawal (< 0); values on several rows of an account add up. ``locked`` is
    1/0, true/false or yes/no. ``price`` and ``lot_size`` are needed with ``--whole-shares``.
MODELS.csv, one row per model holding
    ``model, symbol, target`` (targets as fractions, summing to 1 per model), optional ``price``
    (used for symbols an account does not hold yet).

A holding of an account that is not in its model gets target 0 (it is sold); a model symbol the
account does not hold is bought.

Bad rows: every bad row is reported with its row number. By default the account it belongs to is
skipped as a whole (rebalancing an account with a holding missing would trade on a wrong total),
the other accounts are written, and the exit code is 1. With ``--strict`` the run stops at bad rows
without writing anything (exit code 2). A bad model row invalidates that model and skips the
accounts that use it.

Output TRADES.csv: ``account, symbol, value, target, trade, shares, value_after, weight_after`` per
holding, plus one ``CASH`` row per account (value: cash + cash flow; trade: what the trades take out of
or put into cash; value_after: cash left), so that each account's ``trade`` column sums to 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kernels import PortfolioError, rebalance_batch
from kernels import REBALANCE_MODES, TARGET_SUM_ATOL
from kernels import REBALANCE_STATUS_MESSAGES as STATUS_MESSAGES
from workbook.sample_data import DATA_DIR

SAMPLE_HOLDINGS = DATA_DIR / "sample_holdings.csv"
SAMPLE_MODELS = DATA_DIR / "sample_models.csv"
CASH_SYMBOL = "CASH"
#: Accounts per call of the compiled batch (the progress bar moves once per chunk).
CHUNK_ACCOUNTS = 20_000
#: Rows of TRADES.csv per write (the progress bar moves once per chunk).
CHUNK_ROWS = 250_000
#: Spellings accepted in the ``locked`` column.
LOCKED_WORDS = {"": False, "0": False, "1": True, "false": False, "true": True, "no": False, "yes": True,
                "n": False, "y": True}

HOLDINGS_REQUIRED = ("account", "model", "symbol", "value")
MODELS_REQUIRED = ("model", "symbol", "target")


class Problems:
    """Bad rows and skipped accounts, in the order found."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.skipped_accounts: set[str] = set()
        self.n_accounts = 0

    def row(self, file: str, row: int, text: str, account: str | None = None) -> None:
        tail = f"; account {account} skipped" if account else ""
        self.lines.append(f"{file} row {row}: {text}{tail}.")
        if account:
            self.skipped_accounts.add(account)


class ProgressBar:
    """A one-line progress bar on stderr (silent when disabled)."""

    def __init__(self, label: str, total: int, unit: str, enabled: bool, width: int = 30) -> None:
        self.label, self.total, self.unit, self.enabled, self.width = label, max(total, 1), unit, enabled, width

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        filled = int(self.width * done / self.total)
        sys.stderr.write(
            f"\r{self.label:<11} |{'#' * filled}{' ' * (self.width - filled)}| {done:,}/{self.total:,} {self.unit}"
        )
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _read(path: Path, required: tuple[str, ...], label: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise PortfolioError(f"{label}: needs columns {', '.join(required)}; missing {', '.join(missing)}.")
    for column in ("account", "model", "symbol", "locked"):  # numbers are parsed with their spaces
        if column in frame.columns:
            frame[column] = frame[column].str.strip()
    frame["row"] = np.arange(len(frame)) + 2
    return frame


def _number(frame: pd.DataFrame, column: str, default: float | None = None) -> pd.Series:
    """Column as floats; NaN where the text is not a finite number (blank -> ``default`` when given)."""
    if column not in frame.columns:
        return pd.Series(np.nan if default is None else default, index=frame.index)
    text = frame[column]
    values = pd.to_numeric(text, errors="coerce")
    retry = values.isna() & (text != "")
    if retry.any():  # thousands separators ("1,250.00") and stray spaces
        values[retry] = pd.to_numeric(text[retry].str.replace(",", "", regex=False).str.strip(), errors="coerce")
    if default is not None:
        text = text.str.strip()
        values = values.where(text != "", default)
    return values.where(np.isfinite(values))


def _flag_rows(problems: Problems, file: str, frame: pd.DataFrame, mask, message, account_col: str | None) -> None:
    for _, rec in frame[mask].iterrows():
        account = rec[account_col] if account_col and rec[account_col] else None
        problems.row(file, int(rec["row"]), message(rec), account)


def load_models(path: Path, problems: Problems) -> tuple[pd.DataFrame, set[str]]:
    """Valid model rows (model, symbol, target, price) and the names of models with bad rows."""
    file = path.name
    frame = _read(path, MODELS_REQUIRED, file)
    frame["target_f"] = _number(frame, "target")
    frame["price_f"] = _number(frame, "price")
    bad_models: set[str] = set()
    checks = [
        (frame["model"] == "", lambda r: "model is blank"),
        (frame["symbol"] == "", lambda r: "symbol is blank"),
        (frame["target_f"].isna(), lambda r: f"target {r['target']!r} is not a number"),
        (frame["target_f"] < 0, lambda r: f"target {r['target']} is negative; targets must be >= 0"),
        (frame.duplicated(["model", "symbol"], keep="first") & (frame["symbol"] != ""),
         lambda r: f"symbol {r['symbol']} appears twice in model {r['model']}"),
    ]
    bad = pd.Series(False, index=frame.index)
    for mask, message in checks:
        mask = mask & ~bad
        for _, rec in frame[mask].iterrows():
            problems.lines.append(f"{file} row {int(rec['row'])}: {message(rec)}; model {rec['model'] or '?'} not used.")
            bad_models.add(rec["model"])
        bad |= mask
    good = frame[~bad]
    sums = good.groupby("model")["target_f"].sum()
    for model, total in sums.items():
        if abs(total - 1.0) > TARGET_SUM_ATOL and model not in bad_models:
            rows = good.loc[good["model"] == model, "row"]
            problems.lines.append(
                f"{file} rows {rows.min()}-{rows.max()}: targets of model {model} sum to {total:.6g}, expected 1; "
                "model not used."
            )
            bad_models.add(model)
    good = good[~good["model"].isin(bad_models)]
    return good[["model", "symbol", "target_f", "price_f"]].rename(columns={"target_f": "target", "price_f": "price"}), bad_models


def load_holdings(path: Path, models: pd.DataFrame, bad_models: set[str], whole: bool, problems: Problems) -> pd.DataFrame:
    """Valid holding rows with numeric columns; rows of accounts with any bad row removed (and reported)."""
    file = path.name
    frame = _read(path, HOLDINGS_REQUIRED, file)
    frame["value_f"] = _number(frame, "value")
    frame["price_f"] = _number(frame, "price")
    frame["lot_f"] = _number(frame, "lot_size", default=1.0)
    frame["flow_f"] = _number(frame, "cash_flow", default=0.0)
    locked_text = frame["locked"].str.lower() if "locked" in frame.columns else pd.Series("", index=frame.index)
    frame["locked_b"] = locked_text.map(LOCKED_WORDS)
    frame["is_cash"] = frame["symbol"].str.upper() == CASH_SYMBOL
    if whole and "price" not in frame.columns:
        raise PortfolioError(f"{file}: --whole-shares needs a price column (and optionally lot_size).")
    problems.n_accounts = int(frame.loc[frame["account"] != "", "account"].nunique())
    known = set(models["model"])
    first_model = frame.groupby("account")["model"].transform("first")
    checks = [
        (frame["account"] == "", lambda r: "account is blank"),
        (frame["symbol"] == "", lambda r: "symbol is blank"),
        (frame["model"] == "", lambda r: "model is blank"),
        (frame["model"].isin(bad_models), lambda r: f"model {r['model']} has bad rows in the models file"),
        (~frame["model"].isin(known | bad_models), lambda r: f"model {r['model']} is not in the models file"),
        (frame["model"] != first_model, lambda r: f"model {r['model']} differs from the account's first row"),
        (frame["value_f"].isna(), lambda r: f"value {r['value']!r} is not a number"),
        (frame["value_f"] < 0, lambda r: f"value {r['value']} is negative; market values must be >= 0"),
        (frame["flow_f"].isna(), lambda r: f"cash_flow {r['cash_flow']!r} is not a number"),
        (frame["locked_b"].isna(), lambda r: f"locked {r['locked']!r} is not 1/0, true/false or yes/no"),
        (frame.duplicated(["account", "symbol"], keep="first") & (frame["symbol"] != ""),
         lambda r: f"symbol {r['symbol']} appears twice in account {r['account']}"),
    ]
    if whole:
        needs_price = ~frame["is_cash"]
        checks += [
            (needs_price & frame["price_f"].isna(), lambda r: f"price {r.get('price', '')!r} is not a number"),
            (needs_price & (frame["price_f"] <= 0), lambda r: f"price {r['price']} must be > 0"),
            (needs_price & (frame["lot_f"].isna() | (frame["lot_f"] <= 0)),
             lambda r: f"lot_size {r['lot_size']!r} must be a number > 0"),
        ]
    bad = pd.Series(False, index=frame.index)
    for mask, message in checks:
        mask = mask.fillna(False).astype(bool) & ~bad
        _flag_rows(problems, file, frame, mask, message, "account")
        bad |= mask
    return frame[~frame["account"].isin(problems.skipped_accounts) & (frame["account"] != "")]


def build_book(holdings: pd.DataFrame, models: pd.DataFrame, whole: bool, problems: Problems, file: str):
    """Arrays for :func:`rebalance_batch` and the long table that maps them back to (account, symbol)."""
    cash_rows = holdings[holdings["is_cash"]]
    positions = holdings[~holdings["is_cash"]]
    accounts = holdings.groupby("account", sort=False).agg(model=("model", "first"), flow=("flow_f", "sum"))
    accounts["cash"] = cash_rows.groupby("account")["value_f"].sum()
    accounts["cash"] = accounts["cash"].fillna(0.0)
    wanted = accounts[["model"]].reset_index().merge(models, on="model", how="inner")
    held = positions[["account", "symbol", "value_f", "price_f", "lot_f", "locked_b"]]
    long = held.merge(wanted[["account", "symbol", "target", "price"]], on=["account", "symbol"], how="outer")
    long["value_f"] = long["value_f"].fillna(0.0)
    long["target"] = long["target"].fillna(0.0)
    long["lot_f"] = long["lot_f"].fillna(1.0)
    long["locked_b"] = long["locked_b"].fillna(False).astype(bool)
    if whole:
        known_price = positions.groupby("symbol")["price_f"].first()
        long["price_f"] = long["price_f"].fillna(long["symbol"].map(known_price)).fillna(long["price"])
        missing = long["price_f"].isna() | (long["price_f"] <= 0)
        for account, symbol in long.loc[missing, ["account", "symbol"]].itertuples(index=False):
            problems.lines.append(
                f"{file}: account {account}: no price for model symbol {symbol} (not held anywhere and no price in "
                "the models file); account skipped."
            )
            problems.skipped_accounts.add(account)
        long = long[~long["account"].isin(problems.skipped_accounts)]
        accounts = accounts[~accounts.index.isin(problems.skipped_accounts)]
    order = {a: i for i, a in enumerate(accounts.index)}
    long["a"] = long["account"].map(order)
    long = long.sort_values(["a", "symbol"], kind="stable").reset_index(drop=True)
    long["j"] = long.groupby("a").cumcount()
    m, n = len(accounts), int(long["j"].max()) + 1 if len(long) else 1

    def table(column, fill):
        out = np.full((m, n), fill, dtype=float)
        out[long["a"].to_numpy(), long["j"].to_numpy()] = long[column].to_numpy(dtype=float)
        return out

    arrays = dict(
        values=table("value_f", 0.0),
        targets=table("target", 0.0),
        cash=accounts["cash"].to_numpy(dtype=float),
        cash_flow=accounts["flow"].to_numpy(dtype=float),
        locked=table("locked_b", 0.0).astype(bool),
    )
    if whole:
        arrays["prices"] = table("price_f", 0.0)
        arrays["lot_size"] = table("lot_f", 1.0)
    return accounts, long, arrays


def rebalance_book(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.out.resolve() in (args.holdings.resolve(), args.targets.resolve()):
        raise PortfolioError(f"--out {args.out}: is one of the input files; choose another file for the trades.")
    replaced = args.out.exists()
    problems = Problems()
    if not args.quiet:
        print(f"reading {args.holdings} and {args.targets} ...", file=sys.stderr, flush=True)
    models, bad_models = load_models(args.targets, problems)
    holdings = load_holdings(args.holdings, models, bad_models, args.whole_shares, problems)
    if problems.lines and args.strict:
        for line in problems.lines:
            print(line, file=sys.stderr)
        print(f"xlfolio rebalance: {len(problems.lines)} bad rows; nothing written (--strict).", file=sys.stderr)
        return 2
    accounts, long, arrays = build_book(holdings, models, args.whole_shares, problems, args.holdings.name)
    m = len(accounts)
    options = dict(band=args.band, relative_band=args.relative_band, mode=args.mode, min_trade=args.min_trade,
                   allow_sells=not args.no_sells)
    fields = ("trades", "shares", "values", "weights", "cash", "turnover", "bands_triggered", "status")
    res = {"trades": np.zeros((0, 1)), "shares": np.zeros((0, 1)), "values": np.zeros((0, 1)),
           "weights": np.zeros((0, 1)), "cash": np.zeros(0), "turnover": np.zeros(0),
           "bands_triggered": np.zeros(0, bool), "status": np.zeros(0, np.int8)}
    bar = ProgressBar("rebalancing", m, "accounts", not args.quiet)
    parts = []
    for start in range(0, m, CHUNK_ACCOUNTS):
        rows = slice(start, min(m, start + CHUNK_ACCOUNTS))
        chunk = {k: v[rows] for k, v in arrays.items()}
        parts.append(rebalance_batch(chunk.pop("values"), chunk.pop("targets"), **chunk, **options))
        bar.update(rows.stop)
    if parts:
        res = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
        arrays_values, arrays_targets = arrays["values"], arrays["targets"]
    else:
        arrays_values = arrays_targets = np.zeros((0, 1))

    names = accounts.index.to_numpy()
    failed = np.flatnonzero(res["status"] != 0)
    for r in failed:
        problems.lines.append(f"account {names[r]}: {STATUS_MESSAGES[int(res['status'][r])]} Account skipped.")
    ok = res["status"] == 0
    a, j = long["a"].to_numpy(dtype=int), long["j"].to_numpy(dtype=int)
    keep = ok[a]
    trades = pd.DataFrame({
        "account": long["account"].to_numpy()[keep],
        "symbol": long["symbol"].to_numpy()[keep],
        "value": arrays_values[a, j][keep],
        "target": arrays_targets[a, j][keep],
        "trade": res["trades"][a, j][keep],
        "shares": res["shares"][a, j][keep],
        "value_after": res["values"][a, j][keep],
        "weight_after": res["weights"][a, j][keep],
        "_a": a[keep],
    })
    okr = np.flatnonzero(ok)
    cash_in = (arrays["cash"] + arrays["cash_flow"])[okr] if m else np.zeros(0)
    end_total = (res["values"].sum(axis=1) + res["cash"])[okr]
    cash = pd.DataFrame({
        "account": names[okr], "symbol": CASH_SYMBOL, "value": cash_in, "target": 0.0,
        "trade": 0.0 - res["trades"].sum(axis=1)[okr], "shares": np.nan, "value_after": res["cash"][okr],
        "weight_after": np.divide(res["cash"][okr], end_total, out=np.zeros(okr.size), where=end_total > 0),
        "_a": okr,
    })
    table = pd.concat([trades, cash], ignore_index=True).sort_values("_a", kind="stable").drop(columns="_a")
    # money to 1/100 of a cent and weights to 10 decimals: exact enough, and a third of the time to write
    table = table.round({"value": 4, "trade": 4, "value_after": 4, "weight_after": 10, "shares": 6})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    bar = ProgressBar("writing", len(table), "rows", not args.quiet)
    with open(args.out, "w", newline="") as handle:
        for start in range(0, max(len(table), 1), CHUNK_ROWS):
            table.iloc[start:start + CHUNK_ROWS].to_csv(handle, index=False, header=start == 0)
            bar.update(min(len(table), start + CHUNK_ROWS))

    for line in problems.lines:
        print(line, file=sys.stderr)
    traded = res["trades"][ok]
    n_rows_bad = sum(1 for line in problems.lines if " row " in line)
    summary = [
        f"xlfolio rebalance: {problems.n_accounts:,} accounts read, "
        f"{int(ok.sum()):,} rebalanced, {len(problems.skipped_accounts):,} skipped for bad rows "
        f"({n_rows_bad} bad rows), {len(failed):,} infeasible",
        f"  bands triggered in {int(res['bands_triggered'][ok].sum()):,} accounts; "
        f"{int(np.count_nonzero(traded)):,} trades; bought {traded[traded > 0].sum():,.2f}, "
        f"sold {-traded[traded < 0].sum():,.2f}; median turnover {np.median(res['turnover'][ok]) if ok.any() else 0:.2%}",
        f"  wrote {len(table):,} rows to {args.out}{' (replaced the previous file)' if replaced else ''} "
        f"in {time.perf_counter() - started:.2f} s",
    ]
    print("\n".join(summary))
    return 1 if problems.lines else 0


def run(args: argparse.Namespace) -> int:
    try:
        return rebalance_book(args)
    except (PortfolioError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        print(f"xlfolio rebalance: {exc}", file=sys.stderr)
        return 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "rebalance",
        help="trades for a book of accounts: HOLDINGS.csv --targets MODELS.csv --out TRADES.csv",
        description="Rebalance every account of HOLDINGS.csv to its model in MODELS.csv and write the trades. "
        "Bad rows are reported by row number and their account skipped (exit code 1); --strict stops instead.",
    )
    parser.add_argument("holdings", type=Path, nargs="?", default=SAMPLE_HOLDINGS,
                        help="CSV: account,model,symbol,value[,price,lot_size,locked,cash_flow] (default: synthetic sample)")
    parser.add_argument("--targets", type=Path, default=SAMPLE_MODELS, help="CSV: model,symbol,target[,price]")
    parser.add_argument("--out", type=Path, default=Path("trades.csv"), help="where to write the trades CSV")
    parser.add_argument("--band", type=float, default=None, help="absolute band in weight points, e.g. 0.05")
    parser.add_argument("--relative-band", type=float, default=None, help="relative band, e.g. 0.25 of the target")
    parser.add_argument("--mode", choices=list(REBALANCE_MODES), default="to_target")
    parser.add_argument("--min-trade", type=float, default=0.0, help="smallest trade worth making (currency)")
    parser.add_argument("--whole-shares", action="store_true", help="trade whole lots (needs price, lot_size)")
    parser.add_argument("--no-sells", action="store_true", help="never sell: invest cash and deposits only")
    parser.add_argument("--strict", action="store_true", help="stop at bad rows instead of skipping their accounts")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
