"""Square matrices, covariance matrices and the positive semi-definiteness test: the rules and their messages.

A covariance is finite, square, symmetric to :data:`SYMMETRY_RTOL`, has variances >= 0 (> 0 where a
function asks for ``positive_variances``, as risk budgeting does) and is positive semi-definite to
:data:`PSD_RTOL`. The rules apply in that order and the message names the first entry that breaks one
(for symmetry, the pair that differs most). :class:`CovarianceProblem` names the rules and
:func:`covariance_error` writes their messages; two passes apply them: the NumPy/LAPACK functions here
(:func:`as_covariance` and friends) and the compiled single pass of :mod:`.covariance_pass` (risk
budgeting's, which also reports a pair of assets whose correlation is beyond +-1 before any factorisation).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._jit import jit, vectorised
from ..errors import InputError
from .arrays import _check_finite, _shape_text, _to_float_array

#: Relative tolerance for symmetry of a covariance or correlation matrix (relative to its largest |entry|).
SYMMETRY_RTOL = 1e-8
#: Smallest eigenvalue allowed, relative to the largest diagonal entry, before a matrix is "not PSD".
PSD_RTOL = 1e-10
#: Shift (relative to the largest diagonal entry) of the second Cholesky test of :func:`check_psd`: half of
#: PSD_RTOL, so that a success proves the rule holds with room for the factorisation's rounding
#: (at most ``n (n + 1) eps`` relative: 2.8e-11 at 500 assets in the worst case, ~``sqrt(n) eps`` typically).
PSD_SHIFT = 0.5 * PSD_RTOL
#: Slack of the 2 x 2 test ``C_ij^2 <= C_ii C_jj (1 + CORRELATION_SLACK)`` (a correlation within +-1).
CORRELATION_SLACK = 1e-10


class CovarianceProblem(IntEnum):
    """The covariance rules, in the order they are applied; a code means the same in every pass."""

    NEARLY_SYMMETRIC = -1  #: fine once averaged with its transpose (asymmetry within SYMMETRY_RTOL)
    FINE = 0
    NON_FINITE = 1  #: a missing, NaN or infinite entry
    ASYMMETRIC = 2  #: ``|C_ij - C_ji| > SYMMETRY_RTOL max|C|``
    NEGATIVE_VARIANCE = 3
    ZERO_VARIANCE = 4  #: only where ``positive_variances`` is asked for
    CORRELATION_BEYOND_ONE = 5  #: a 2 x 2 minor is negative: the matrix is not PSD
    NOT_POSITIVE_DEFINITE = 6  #: a compiled Cholesky test failed; :func:`check_psd` tells singular from indefinite


_MESSAGES = {
    CovarianceProblem.ASYMMETRIC: "{name}: not symmetric (row {i}, column {j} differs from row {j}, column {i}); "
    "copy the upper triangle to the lower.",
    CovarianceProblem.NEGATIVE_VARIANCE: "{name}: variance of asset {i} is negative ({value:.3g}); "
    "variances must be >= 0.",
    CovarianceProblem.ZERO_VARIANCE: "{name}: variance of asset {i} is zero; remove the asset "
    "(risk budgeting needs every variance > 0).",
    CovarianceProblem.CORRELATION_BEYOND_ONE: "{name}: not positive semi-definite (assets {j} and {i} have a "
    "correlation beyond +-1); check the entries.",
}


def covariance_error(problem: int, matrix: NDArray[np.float64], name: str, i: int, j: int) -> InputError:
    """The :class:`InputError` for ``problem`` found at row ``i``, column ``j`` (0-based) of ``matrix``.

    ``NON_FINITE`` is the rule of every array (:func:`._check_finite`, which raises itself); the
    positive-definiteness test has its own message (:func:`check_psd`).
    """
    problem = CovarianceProblem(problem)
    if problem == CovarianceProblem.NON_FINITE:
        _check_finite(matrix, name)
    if problem not in _MESSAGES:
        raise ValueError(f"covariance_error: no message for {problem!r}")
    return InputError(_MESSAGES[problem].format(name=name, i=i + 1, j=j + 1, value=matrix[i, j]))


_FLOAT64 = np.dtype(np.float64)  # NumPy's one instance: an identity test is enough
_TINY = float(np.finfo(np.float64).tiny)


def as_square_array(x: ArrayLike, name: str, *, size: int | None = None) -> NDArray[np.float64]:
    """``x`` as a square 2-D float64 array, shape (and ``size``) checked; its entries are not checked yet.

    A float64 ndarray comes back as it is (no copy: a fast path for compiled entry checks).
    """
    arr = x if type(x) is np.ndarray and x.dtype is _FLOAT64 else _to_float_array(x, name)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(
            f"{name}: expected a square matrix (n_assets x n_assets), got {_shape_text(arr.shape)}."
        )
    if size is not None and arr.shape[0] != size:
        raise InputError(
            f"{name}: is {arr.shape[0]} x {arr.shape[0]} but there are {size} assets; use one row and column per asset."
        )
    if arr.size == 0:
        raise InputError(f"{name}: is empty; enter a square matrix of numbers (n_assets x n_assets).")
    return arr


def as_square_matrix(x: ArrayLike, name: str, *, size: int | None = None) -> NDArray[np.float64]:
    """A finite, square, symmetric 2-D float64 array (size-checked when ``size`` is given)."""
    arr = as_square_array(x, name, size=size)
    # the transpose of a Fortran-order matrix is C order and gives the same symmetric part
    c_order = arr if arr.flags.c_contiguous else (arr.T if arr.flags.f_contiguous else np.ascontiguousarray(arr))
    sym = _symmetrize(c_order)
    if not sym.finite:
        _check_finite(arr, name)
    if sym.asymmetry > SYMMETRY_RTOL * max(sym.scale, _TINY):
        # the first largest |C_ij - C_ji| in row order: in the upper triangle (i < j)
        i, j = np.unravel_index(int(np.argmax(np.abs(arr - arr.T))), arr.shape)
        raise covariance_error(CovarianceProblem.ASYMMETRIC, arr, name, int(i), int(j))
    return sym.matrix


class Symmetrized(NamedTuple):
    """``(a + a') / 2`` and what the same pass saw."""

    matrix: NDArray[np.float64]
    finite: bool
    scale: float
    """``max|a|``."""
    asymmetry: float
    """``max|a - a'|``."""


def _symmetrize_numpy(a):
    with np.errstate(invalid="ignore"):
        finite = bool(np.isfinite(a).all())
        return Symmetrized(0.5 * (a + a.T), finite, float(np.abs(a).max()), float(np.abs(a - a.T).max()))


@vectorised(_symmetrize_numpy)
@jit
def _symmetrize(a):
    """``(a + a') / 2`` with, in the same pass, whether every entry is finite, ``max|a|`` and ``max|a - a'|``."""
    n = a.shape[0]
    out = np.empty((n, n))
    finite = True
    scale = 0.0
    asym = 0.0
    for i in range(n):
        for j in range(i + 1):
            x = a[i, j]
            y = a[j, i]
            if not (np.isfinite(x) and np.isfinite(y)):
                finite = False
            scale = max(scale, abs(x), abs(y))
            asym = max(asym, abs(x - y))
            m = 0.5 * (x + y)
            out[i, j] = m
            out[j, i] = m
    return Symmetrized(out, finite, scale, asym)


def smallest_eigenvalue(matrix: NDArray[np.float64]) -> float:
    """Smallest eigenvalue of a symmetric matrix."""
    return float(np.linalg.eigvalsh(matrix)[0])


def check_psd(matrix: NDArray[np.float64], name: str, *, what: str = "matrix") -> NDArray[np.float64] | None:
    """Raise when a symmetric matrix has a clearly negative eigenvalue; return its Cholesky factor.

    The rule: refused when the smallest eigenvalue is below ``-PSD_RTOL`` times the largest variance
    (``scale``). Two Cholesky factorisations settle the accepted cases without an eigenvalue
    decomposition (``O(n^3 / 3)`` flops each against ~``9 n^3``): of ``matrix`` (success: positive
    definite), then of ``matrix + s I`` with ``s = PSD_SHIFT * scale`` (success: the smallest eigenvalue
    is at least ``-s`` minus the factorisation's rounding, far inside the rule's ``-PSD_RTOL scale``:
    a singular PSD matrix, e.g. a covariance from fewer returns than assets). Only a matrix that fails
    both pays for :func:`smallest_eigenvalue`, which decides as before and writes the message.

    Returns
    -------
    ndarray of shape (n, n) or None
        The lower Cholesky factor ``L`` (Fortran order, zero above the diagonal) with
        ``matrix = L L'`` when ``matrix`` is positive definite; None when it is PSD but singular.
    """
    import scipy.linalg.lapack  # here, not at import: `import kernels` stays without SciPy (0.3 s)

    # matrix.T is the same symmetric matrix in Fortran order: LAPACK then copies without transposing
    factor, info = scipy.linalg.lapack.dpotrf(matrix.T, lower=1, clean=1)
    if info == 0:
        return factor
    scale = max(float(np.max(np.abs(np.diag(matrix)))), np.finfo(float).tiny)
    shifted = np.array(matrix, order="F")  # dpotrf then works in place on it (overwrite_a)
    shifted.flat[:: shifted.shape[0] + 1] += PSD_SHIFT * scale
    if scipy.linalg.lapack.dpotrf(shifted, lower=1, clean=0, overwrite_a=1)[1] == 0:
        return None
    lam = smallest_eigenvalue(matrix)
    if lam < -PSD_RTOL * scale:
        raise InputError(
            f"{name}: not positive semi-definite (smallest eigenvalue {lam:.3g}); "
            f"check the entries or repair the {what} (nearest_correlation)."
        )
    return None


def as_covariance(
    cov: ArrayLike, name: str = "cov", *, size: int | None = None, check_psd_: bool = True,
    positive_variances: bool = False,
) -> NDArray[np.float64]:
    """A covariance matrix: square, symmetric, finite, variances >= 0 (> 0 with ``positive_variances``)
    and (optionally) PSD.

    From :data:`PSD_MEMO_MIN` assets, a matrix found PSD is remembered by a digest of its bytes
    (:class:`_PsdMemo`): the same matrix checked again (a spreadsheet passes one covariance to many
    cells) costs a hash, ``O(n^2)``, instead of a factorisation, ``O(n^3)``.
    """
    factored = as_factored_covariance(
        cov, name, size=size, check_psd_=False, positive_variances=positive_variances
    )
    if check_psd_:
        C = factored.cov
        key = _PSD_MEMO.key(C) if C.shape[0] >= PSD_MEMO_MIN else None
        if key is None or not _PSD_MEMO.seen(key):
            check_psd(C, name, what="covariance")
            if key is not None:
                _PSD_MEMO.remember(key)
    return factored.cov


#: Size from which a verified PSD matrix is remembered (below it a factorisation costs about as much as a hash).
PSD_MEMO_MIN = 128


class _PsdMemo:
    """The digests of the last few matrices found positive semi-definite (exact up to a SHA-1 collision)."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._keys: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(C: NDArray[np.float64]) -> bytes:
        digest = hashlib.sha1(np.ascontiguousarray(C).data, usedforsecurity=False)
        digest.update(np.asarray(C.shape, dtype=np.int64).tobytes())
        return digest.digest()

    def seen(self, key: bytes) -> bool:
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return True
            return False

    def remember(self, key: bytes) -> None:
        with self._lock:
            self._keys[key] = None
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


_PSD_MEMO = _PsdMemo()


class FactoredCovariance(NamedTuple):
    """A validated covariance and, when it is positive definite and was checked, its Cholesky factor."""

    cov: NDArray[np.float64]
    """(n, n) symmetric, C order."""
    chol: NDArray[np.float64] | None
    """(n, n) lower factor ``L`` (Fortran order) with ``cov = L L'``; None if singular or unchecked."""


def as_factored_covariance(
    cov: ArrayLike, name: str = "cov", *, size: int | None = None, check_psd_: bool = True,
    positive_variances: bool = False,
) -> FactoredCovariance:
    """:func:`as_covariance` that keeps the Cholesky factor of its PSD check for the solver."""
    arr = as_square_matrix(cov, name, size=size)
    diag = np.diag(arr)
    smallest = diag.min()
    if smallest < 0.0 or (positive_variances and smallest == 0.0):
        bad = np.flatnonzero(diag <= 0.0 if positive_variances else diag < 0.0)
        i = int(bad[0])
        problem = CovarianceProblem.NEGATIVE_VARIANCE if diag[i] < 0.0 else CovarianceProblem.ZERO_VARIANCE
        raise covariance_error(problem, arr, name, i, i)
    chol = check_psd(arr, name, what="covariance") if check_psd_ else None
    return FactoredCovariance(arr, chol)
