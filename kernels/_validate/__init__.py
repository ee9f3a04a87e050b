"""Input conversion and checks shared by every public function (one home per rule).

Each helper takes the argument's ``name`` so that messages say which input is
wrong, what was expected, what came and how to fix it, in one line that fits
an Excel cell, e.g. ``"cov: expected a square matrix (n_assets x n_assets), got 5 x 4."``.

Modules: :mod:`.arrays` (numbers, vectors, matrices, bounds, option words, lower <= upper),
:mod:`.covariance` (square, symmetric, positive semi-definite matrices: the rules and their
messages), :mod:`.covariance_pass` (the same rules in one compiled pass, for risk budgeting),
:mod:`.bounds` (long-only, fully invested weight bounds), :mod:`.fractions` (rates and shares as
decimal fractions, non-negative amounts) and :mod:`.holdings` (the inputs of rebalancing, for one
account or a book).
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
from .bounds import as_long_only_bounds, check_fully_investable
from .covariance import (
    PSD_RTOL,
    SYMMETRY_RTOL,
    CovarianceProblem,
    FactoredCovariance,
    _symmetrize,
    as_covariance,
    as_factored_covariance,
    as_square_matrix,
    check_psd,
    covariance_error,
    smallest_eigenvalue,
)
from .covariance_pass import EntryCheck, check_entries
from .echo import ECHO_CHARS, echo
from .fractions import as_rate, check_fractions, check_non_negative

__all__ = [
    "ECHO_CHARS",
    "PSD_RTOL",
    "SYMMETRY_RTOL",
    "CovarianceProblem",
    "EntryCheck",
    "FactoredCovariance",
    "_check_finite",
    "_shape_text",
    "_symmetrize",
    "_to_float_array",
    "as_bounds",
    "as_covariance",
    "as_factored_covariance",
    "as_long_only_bounds",
    "as_matrix",
    "as_rate",
    "as_scalar",
    "as_square_matrix",
    "as_vector",
    "check_choice",
    "check_entries",
    "check_fractions",
    "check_fully_investable",
    "check_non_negative",
    "check_ordered",
    "check_psd",
    "covariance_error",
    "echo",
    "smallest_eigenvalue",
]
