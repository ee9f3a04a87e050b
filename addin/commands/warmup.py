"""``xlfolio warmup``: compile every kernel once (run at install, or after an upgrade)."""

from __future__ import annotations

import argparse
import os
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "warmup", help="compile every Excel function's kernels once, so Excel's first call is fast",
        description="Call every Excel function once on a small example; Numba caches the compiled code on disk.")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    from addin import udfs  # sets NUMBA_CACHE_DIR if needed, before kernels are imported
    from addin.warmup import warm_up

    imported = time.perf_counter() - start
    results = warm_up(udfs)
    print(f"import addin.udfs: {imported:.2f} s; Numba cache: {os.environ.get('NUMBA_CACHE_DIR') or 'next to the kernels'}")
    for r in results:
        print(f"  {r.name:<24} {r.seconds:7.3f} s  {'ok' if r.ok else 'FAILED: ' + r.message}")
    failed = [r.name for r in results if not r.ok]
    print(f"{len(results) - len(failed)} of {len(results)} functions ready in {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0
