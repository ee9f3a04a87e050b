"""``--engine dask``: one task per file of a partitioned holdings dataset, on a Dask cluster.

Each task runs :func:`addin.batch.book.rebalance_part` on one file (whole accounts) and writes its
trades to a part file in a temporary folder beside the output; the client prints every partition's
problems (file and line), then either renames the folder into place (``--out FOLDER``: one file per
partition, same name and format) or joins the parts in partition order into one file (``--out
TRADES.csv`` or ``.parquet``; the folder must be one the client and the workers share). Without
``--scheduler`` a local cluster with one single-threaded worker process per core is started.

Before the tasks, a scan of every partition (account names, and prices the models file lacks) finds
accounts split over two files (refused: their trades would be computed from half their holdings) and
gives every task the same fallback prices, so the trades equal a single-process run row for row.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from .book import PartResult, fallback_symbols, rebalance_part
from .output import FOLDER_MARK, TradesWriter, _temp_name, commit, discard, final_path
from .partitions import combine_scans, list_partitions, scan_one
from .problems import BookInputError, RowError
from .progress import ProgressBar
from .reading import is_parquet


def _scan_task(path: str, name: str, symbols: list, encoding: str | None):
    return scan_one(Path(path), name, set(symbols), encoding)


def _part_task(path: str, name: str, part_out: str | None, shared: tuple, check_only: bool):
    """Rebalance one partition into ``part_out`` (a worker's task); a partition that cannot be read is a problem.

    ``shared``: ``(models, options, encoding, fallback prices, refused accounts)``, scattered once to every worker.
    """
    models, opt, encoding, fallback, refused = shared
    writer = TradesWriter(Path(part_out)) if part_out else None
    stop = (lambda errors, counts, m: False) if check_only else None
    try:
        result = rebalance_part(Path(path), models, opt, writer, name=name, encoding=encoding, fallback=fallback,
                                refused=refused, before_writing=stop)
    except BookInputError as exc:
        if writer is not None:
            writer.abort()
        return unreadable(name, str(exc))
    if writer is not None:
        writer.close()
    return result


def unreadable(name: str, message: str) -> PartResult:
    """The result of a partition that could not be read at all (its accounts are not rebalanced)."""
    import numpy as np

    from .checks import Counts
    from .progress import Phases

    problem = RowError(name, 0, "", "", f"{message.rstrip('.')}; its accounts are not rebalanced")
    return PartResult(name, [problem], Counts(0, 0, 0), "?", 0, 0, 0, 0.0, 0.0, 0, np.zeros(0, np.float32), 0,
                      Phases(), True, [])


def _client(args):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise BookInputError("--engine dask needs dask.distributed: pip install 'xlfolio[dask]'.") from None
    if args.scheduler:
        try:
            return Client(args.scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise BookInputError(f"--scheduler {args.scheduler}: cannot connect ({exc}).") from None
    workers = args.workers or os.cpu_count() or 1
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.CRITICAL,  # problems are reported by the command, not the logs
                           env={"NUMBA_NUM_THREADS": threads, "OMP_NUM_THREADS": threads})
    return Client(cluster), cluster


def run_dask(args, models, opt, report, phases) -> tuple[list[PartResult], bool]:
    """Rebalance the dataset ``args.holdings`` on Dask; ``(results by partition, replaced a previous output)``."""
    parts = list_partitions(args.holdings)
    single_file = bool(args.out.suffix)
    target = final_path(args.out)
    client, cluster = _client(args)
    temp = None
    try:
        paths, names = [str(p) for p, _ in parts], [n for _, n in parts]
        symbols = client.scatter([sorted(fallback_symbols(models, opt.whole))], broadcast=True)[0]
        scans = client.gather(client.map(_scan_task, paths, names, [symbols] * len(paths),
                                         [args.encoding] * len(paths), pure=False))
        fallback, refused = combine_scans(parts, scans)
        shared = client.scatter([(models, opt, args.encoding, fallback, refused)], broadcast=True)[0]
        phases.lap("scan")
        if args.strict:
            checked = client.gather(client.map(_part_task, paths, names, [None] * len(paths), [shared] * len(paths),
                                               [True] * len(paths), pure=False))
            for r in checked:
                report.add(r.errors)
            if report.errors:
                from .runner import StrictStop

                raise StrictStop(f"{len(report.errors):,} problems; nothing written (--strict).")
        temp = _temp_name(target, is_dir=True)
        outs = [str(temp / _part_name(name, args.out if single_file else None)) for name in names]
        for out in outs:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
        futures = client.map(_part_task, paths, names, outs, [shared] * len(paths), [False] * len(paths), pure=False)
        bar = ProgressBar("partitions", len(futures), "files", not args.quiet)
        from dask.distributed import as_completed

        for i, _ in enumerate(as_completed(futures), 1):
            bar.update(i)
        results = client.gather(futures)
        phases.lap("partitions")
        for r in results:
            report.add(r.errors + list(r.kernel_errors))
            phases.add(r.phases, prefix="workers_")
        from .runner import _check_something_written

        _check_something_written(results)
        if single_file:
            replaced = _join(outs, args.out)
            discard(temp)
        else:
            (temp / FOLDER_MARK).write_text("trades written by xlfolio rebalance; the folder is replaced by the next run\n")
            replaced = commit(temp, args.out)
        temp = None
        return results, replaced
    finally:
        if temp is not None:
            discard(temp)
        client.close()
        if cluster is not None:
            cluster.close()


def _part_name(name: str, single: Path | None) -> str:
    """A part's file name: the partition's own name (and format), or part-i with the single output's format."""
    if single is None:
        return name
    return f"{Path(name).with_suffix('').as_posix().replace('/', '__')}{'.parquet' if is_parquet(single) else '.csv'}"


def _join(outs: list[str], target: Path) -> bool:
    """Join the part files, in partition order, into ``target`` (atomically)."""
    if is_parquet(target):
        import pyarrow.parquet as pq

        writer = None
        temp = _temp_name(final_path(target))
        try:
            for out in outs:
                table = pq.read_table(out)
                if writer is None:
                    writer = pq.ParquetWriter(temp, table.schema)
                writer.write_table(table)
            if writer is not None:
                writer.close()
        except BaseException:
            discard(temp)
            raise
        return commit(temp, target)
    temp = _temp_name(final_path(target))
    try:
        with open(temp, "wb") as sink:
            for i, out in enumerate(outs):
                with open(out, "rb") as part:
                    header = part.readline()
                    if i == 0:
                        sink.write(header)
                    shutil.copyfileobj(part, sink, 1 << 22)
    except BaseException:
        discard(temp)
        raise
    return commit(temp, target)


__all__ = ["run_dask", "unreadable"]
