"""Input conversion and checks shared by every public function (one home per rule).

Each helper takes the argument's ``name`` so that messages say which input is
wrong, what was expected, what came and how to fix it, in one line that fits
an Excel cell, e.g. ``"cov: expected a square matrix (n_assets x n_assets), got 5 x 4."``.

Modules: :mod:`.arrays` (numbers, vectors, matrices, bounds, option words) and
:mod:`.covariance` (square, symmetric, positive semi-definite matrices).
"""

from .arrays import (
    _check_finite,
    _shape_text,
    _to_float_array,
    as_bounds,
    as_matrix,
    as_scalar,
    as_vector,
    check_choice,
    check_ordered,
)
from .covariance import (
    PSD_RTOL,
    SYMMETRY_RTOL,
    FactoredCovariance,
    _symmetrize,
    as_covariance,
    as_factored_covariance,
    as_square_matrix,
    check_psd,
    smallest_eigenvalue,
)

__all__ = [
    "PSD_RTOL",
    "SYMMETRY_RTOL",
    "FactoredCovariance",
    "_check_finite",
    "_shape_text",
    "_symmetrize",
    "_to_float_array",
    "as_bounds",
    "as_covariance",
    "as_factored_covariance",
    "as_matrix",
    "as_scalar",
    "as_square_matrix",
    "as_vector",
    "check_choice",
    "check_ordered",
    "check_psd",
    "smallest_eigenvalue",
]
