"""xlfolio's Excel side: cell functions, ribbon macros, the CLI and the front-ends (COM UDFs, xlwings Lite)."""

from addin import blas

blas.configure()  # before NumPy/SciPy load their BLAS where possible (see addin.blas)
