"""``xlfolio build-template``, ``xlfolio lite-files``, ``xlfolio demo`` and ``xlfolio run-macro``: the template
workbooks headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_TEMPLATE = "xlfolio.xlsm"
DEFAULT_LITE_TEMPLATE = "xlfolio-lite.xlsx"
DEFAULT_DEMO_DIR = "xlfolio-demo"
DEFAULT_LITE_DIR = "."
REQUIREMENT_HELP = ("the line installing xlfolio in Lite's requirements.txt (default xlfolio==<this version>), e.g. "
                    "the URL of a pure-Python wheel on a host that sends CORS headers")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("build-template", help="build the template workbook xlfolio.xlsm (or, with --lite, "
                                                     "xlfolio-lite.xlsx for xlwings Lite)",
                              description="Build the template workbook from the text sources in workbook/. With "
                                          "--lite: the xlwings Lite template (no VBA; Lite's main.py and "
                                          "requirements.txt stored in it, and written beside it too).")
    p.add_argument("--out", default=None,
                   help=f"where to write it (default {DEFAULT_TEMPLATE}, with --lite {DEFAULT_LITE_TEMPLATE})")
    p.add_argument("--lite", action="store_true", help="build the xlwings Lite template instead")
    p.add_argument("--xlfolio-requirement", default=None, help=REQUIREMENT_HELP + " (with --lite)")
    p.set_defaults(func=run_build)

    p = subparsers.add_parser("lite-files", help="write xlwings Lite's main.py and requirements.txt",
                              description="Write the xlwings Lite code of xlfolio (main.py, requirements.txt) for "
                                          "pasting into Lite's editor: the fallback when the stored code of "
                                          "xlfolio-lite.xlsx cannot be used.")
    p.add_argument("--out-dir", type=Path, default=Path(DEFAULT_LITE_DIR),
                   help="folder to write them to (default: the current folder)")
    p.add_argument("--xlfolio-requirement", default=None, help=REQUIREMENT_HELP)
    p.set_defaults(func=run_lite_files)

    p = subparsers.add_parser("demo", help="build the template, run every button on the sample client, summarise",
                              description="Build the template, run every ribbon macro headless on the sample "
                                          "client, write the workbook and a PNG of the frontier chart, print a summary.")
    p.add_argument("--out-dir", default=DEFAULT_DEMO_DIR, help=f"output folder (default ./{DEFAULT_DEMO_DIR})")
    p.set_defaults(func=run_demo)

    p = subparsers.add_parser("run-macro", help="run one button's macro on a workbook file, write a new file",
                              description="Run one ribbon macro headless on WORKBOOK and write the result to a new "
                                          "file (the input file is never changed).")
    p.add_argument("name", help="macro: " + ", ".join(_button_names()))
    p.add_argument("workbook", type=Path, help="an xlfolio workbook (.xlsm)")
    p.add_argument("--out", type=Path, default=None,
                   help="result file (default: WORKBOOK's name with .NAME before the extension)")
    p.set_defaults(func=run_macro)


def _button_names() -> tuple[str, ...]:
    from addin.macros.buttons import BUTTONS

    return BUTTONS


def run_build(args: argparse.Namespace) -> int:
    from addin.template import build_lite_template, build_template

    if args.xlfolio_requirement and not args.lite:
        print("build-template: --xlfolio-requirement goes with --lite.", file=sys.stderr)
        return 2
    if not args.lite:
        out = Path(args.out or DEFAULT_TEMPLATE)
        data = build_template(out)
        print(f"wrote {out} ({len(data):,} bytes)")
        return 0
    out = Path(args.out or DEFAULT_LITE_TEMPLATE)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = build_lite_template(out, args.xlfolio_requirement)
    written = write_lite_files(out.parent, args.xlfolio_requirement)
    print(f"wrote {out} ({len(data):,} bytes; main.py and requirements.txt stored in it) and "
          f"{', '.join(map(str, written))}")
    return 0


def write_lite_files(folder: Path, xlfolio_requirement: str | None = None) -> list[Path]:
    """Write ``main.py`` and ``requirements.txt`` into ``folder``; return their paths."""
    from addin.template import lite_files

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in lite_files(xlfolio_requirement).items():
        path = folder / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def run_lite_files(args: argparse.Namespace) -> int:
    written = write_lite_files(args.out_dir, args.xlfolio_requirement)
    print("wrote " + ", ".join(map(str, written)))
    return 0


def run_macro(args: argparse.Namespace) -> int:
    from addin import macros
    from addin.book import FileBook

    if args.name not in macros.BUTTONS:
        print(f"run-macro: unknown macro {args.name!r}; pick one of {', '.join(macros.BUTTONS)}.", file=sys.stderr)
        return 2
    src = args.workbook
    if not src.is_file():
        print(f"run-macro: {src} is not a file; give the path of an xlfolio workbook.", file=sys.stderr)
        return 2
    out = args.out or src.with_name(f"{src.stem}.{args.name}{src.suffix}")
    if out.resolve() == src.resolve():
        print("run-macro: --out is the input file; give a new file name (the input is never overwritten).",
              file=sys.stderr)
        return 2
    try:
        book = FileBook(src)
        result = macros.button(args.name).function(book)
    except KeyError as exc:
        print(f"run-macro: {exc.args[0]}", file=sys.stderr)
        return 2
    book.save(out)
    print(f"{args.name}: {'ok' if result.ok else 'nothing written'}: {result.message}")
    print(f"wrote {out}")
    return 0 if result.ok else 1


def run_demo(args: argparse.Namespace) -> int:
    from addin import macros
    from addin.book import FileBook
    from addin.template import build_template

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    template = out_dir / DEFAULT_TEMPLATE
    build_template(template)
    book = FileBook(template)
    results = [macros.button(name).function(book) for name in macros.COMPUTING]
    result_path = book.save(out_dir / "xlfolio-demo.xlsm")
    png = frontier_png(book, out_dir / "frontier.png")
    report = _risk_report()
    if report:
        print(report)
        print()
    print(summary(book, results))
    print()
    print(f"wrote {template} (template), {result_path} (after every button), {png} (frontier chart)")
    return 0 if all(r.ok for r in results) else 1


def _risk_report() -> str | None:
    """``xlfolio risk``'s report on the bundled sample stock portfolio (the Prices sheet's history)."""
    try:
        from addin.commands.risk_report import SAMPLE_PORTFOLIO, load_weights, risk_report_text
    except ImportError:
        return None
    from workbook.sample_data import load_sample_prices

    return ("Sample stock portfolio, Prices sheet history (xlfolio risk):\n"
            + risk_report_text(load_sample_prices(), load_weights(SAMPLE_PORTFOLIO)))


def _col(book, name: str) -> list:
    return [r[0] for r in book.read(name)]


def _weights_line(classes, weights) -> str:
    return ", ".join(f"{c} {w:.1%}" for c, w in zip(classes, weights) if w is not None)


def summary(book, results) -> str:
    """A few lines on what the buttons computed, read back from the workbook they wrote."""
    classes = _col(book, "AssetClasses")
    lines = []
    value = book.read("Portfolio_Value")[0][0]
    ret, risk, sharpe = (book.read(n)[0][0] for n in ("Current_Return", "Current_Risk", "Current_Sharpe"))
    lines.append(f"Sample client: {len(_col(book, 'Holdings_Asset'))} holdings worth ${value:,.0f}, "
                 f"new cash ${book.read('CashFlow')[0][0]:,.0f}")
    lines.append(f"Current portfolio: expected return {ret:.2%}, volatility {risk:.2%}, Sharpe {sharpe:.2f}")
    stats = book.read("Optimal_Stats")
    weights = book.read("Optimal_Weights")
    lines.append(f"Max Sharpe: return {stats[0][0]:.2%}, volatility {stats[0][1]:.2%}, Sharpe {stats[0][2]:.2f}; "
                 + _weights_line(classes, weights[0]))
    lines.append(f"Min variance: return {stats[1][0]:.2%}, volatility {stats[1][1]:.2%}; "
                 + _weights_line(classes, weights[1]))
    by_name = {r.macro: r for r in results}
    rp = by_name.get("risk_parity")
    if rp is not None and rp.ok:
        lines.append("Risk parity: " + _weights_line(classes, _col(book, "RP_Weights"))
                     + f" ({rp.message})")
    else:
        lines.append(f"Risk parity: not computed: {rp.message if rp else 'not run'}")
    lines.append("Trades (Rebalance): " + by_name["rebalance"].message)
    assets = _col(book, "Holdings_Asset")
    for asset, row in zip(assets, book.read("Rebalance_Table")):
        trade, shares = row[3], row[4]
        if trade:
            side = "buy" if trade > 0 else "sell"
            lines.append(f"  {side:4} {abs(shares):>8,.0f} {asset:<6} ${abs(trade):>10,.2f}   "
                         f"weight {row[1]:.1%} -> {row[6]:.1%} (target {row[2]:.1%})")
    # the three-account household (issue 17)
    from addin.macros.household import demo_lines
    lines.extend(demo_lines(book, by_name.get("rebalance_household")))
    table = [r for r in book.read("Income_Table") if r[0] is not None]
    if table:
        lines.append(f"Projected income: ${table[0][2]:,.0f} in year 1, ${table[-1][2]:,.0f} in year "
                     f"{int(table[-1][0])} (${table[-1][3]:,.0f} in today's money), ${table[-1][4]:,.0f} in all")
    lines.append("Income target: " + by_name["income_plan"].message.split("; ")[-1] + "; "
                 + _weights_line(classes, _col(book, "IncomeTarget_Weights")))
    lines.append("Estimates (Prices sheet): " + by_name["refresh_estimates"].message)
    from addin.commands.simulate import simulation_summary  # issue 15: the Simulation sheet

    lines += simulation_summary(book)
    return "\n".join(lines)


def frontier_png(book, path: Path) -> Path:
    """Draw the Frontier sheet's chart (same ranges as the Excel chart) to a PNG with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    vols = [v for v in _col(book, "Frontier_Vols") if v is not None]
    rets = [r for r in _col(book, "Frontier_Returns") if r is not None]
    stats = book.read("Optimal_Stats")
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    ax.plot(vols, rets, "o-", ms=4, label="Efficient frontier")
    for (ret, vol, _), label, marker, colour in zip(
            stats, ("Max Sharpe", "Min variance", "Current portfolio"), ("D", "^", "s"),
            ("#C00000", "#7F7F7F", "#FFC000")):
        if ret is not None and vol is not None:
            ax.plot([vol], [ret], marker, ms=9, color=colour, label=label, linestyle="none")
    ax.set_xlabel("Volatility (a year)")
    ax.set_ylabel("Expected return (a year)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title("Efficient frontier")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
