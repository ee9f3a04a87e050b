"""Rebalancing a whole book from files: the engine behind ``xlfolio rebalance``.

Modules, in the order a run uses them: :mod:`~addin.batch.schema` (the columns of each file kind),
:mod:`~addin.batch.textformat` (encoding, delimiter, header), :mod:`~addin.batch.reading` (CSV and
Parquet to NumPy columns, with :mod:`~addin.batch.numbers` and :mod:`~addin.batch.lines`),
:mod:`~addin.batch.checks` (the rules; one :class:`~addin.batch.problems.RowError` per problem),
:mod:`~addin.batch.layout` (accounts x holdings tables), :mod:`~addin.batch.trades` (the kernel and
the output rows), :mod:`~addin.batch.output` (safe writing), :mod:`~addin.batch.book` (one file),
:mod:`~addin.batch.runner` (one run; :mod:`~addin.batch.memory`: the allocator's settings for it),
:mod:`~addin.batch.partitions` and
:mod:`~addin.batch.distributed` (datasets, Dask). Importing this package imports none of them.
"""
