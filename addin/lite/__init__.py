"""The xlwings Lite front-end: xlfolio's cell functions and buttons in Excel on Mac, on the web and on
Windows without a Python install.

xlwings Lite (a free add-in from the Office store) runs Python in the browser engine of Excel's
add-in runtime (Pyodide) and keeps a workbook's code inside the workbook: a ``main.py`` with
``@func`` cell functions and ``@script`` buttons, and a ``requirements.txt``. xlfolio's ``main.py`` is
generated from the two catalogues and holds only what Lite needs to register them (names,
arguments, defaults, help texts, the sheet buttons); the work is done by this package, installed
from ``requirements.txt``:

* :mod:`~addin.lite.functions`: every entry of :data:`addin.functions.FUNCTIONS` as Lite calls it
  (values normalised by :func:`addin.cells.normalise.lite_value`, then the shared conversion);
* :mod:`~addin.lite.adapter`: :class:`~addin.lite.adapter.LiteBook`, the :class:`addin.book.Book`
  over the ``xw.Book`` a Lite script receives;
* :mod:`~addin.lite.scripts`: every button of :data:`addin.macros.CATALOGUE` run through it, the
  sheets each one needs and where its sheet button sits;
* :mod:`~addin.lite.source`: the text of ``main.py`` and ``requirements.txt``.

Nothing here imports xlwings except ``main.py`` itself: the package runs in CPython too (the tests
give ``main.py`` a stand-in ``xlwings`` module).
"""
