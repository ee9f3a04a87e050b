"""One home per rule: the covariance rules in their two passes (NumPy/LAPACK and compiled) give the
same first problem and the same message; the compiled pass against a NumPy statement of the rules."""

import numpy as np
import pytest
import scipy.linalg.lapack

from kernels import InputError, inverse_volatility, portfolio_volatility, risk_parity
from kernels._validate import (
    CovarianceProblem,
    as_covariance,
    check_entries,
    covariance_error,
    covariance_pass,
)
from kernels._validate import covariance as cov_rules
from tests.conftest import random_cov
from tests.naive import covariance_rules


def _corrupt(rng, C, kind):
    n = len(C)
    i, j = (int(k) for k in rng.integers(0, n, 2))
    if kind == 1:
        C[i, j] = rng.choice([np.nan, np.inf, -np.inf])
    elif kind == 2:
        C[i, j] *= 1 + rng.choice([1e-9, 1e-7, 1e-5])
    elif kind == 3:
        C[i, i] = -C[i, i]
    elif kind == 4:
        C[i, i] = 0.0
    elif kind == 5:
        C[i, j] = C[j, i] = rng.choice([-1.01, 1.01]) * np.sqrt(C[i, i] * C[j, j])
    elif kind == 6:
        C[i, j] = C[j, i] = 50 * C.max()  # an entry above every variance
    elif kind == 7:
        C[i, j] = C[j, i] = (1 + 0.6e-10) * np.sqrt(C[i, i] * C[j, j])  # within the 1e-10 slack
    elif kind == 8:
        C[i, j] += 5e-9 * np.abs(C).max()  # asymmetric within the tolerance, and a bad variance
        C[j, j] = 0.0 if rng.random() < 0.5 else np.nan
    elif kind == 9:
        C[i, :] = C[:, i] = 0.0  # an asset without risk: fine unless variances must be positive
    return C


@pytest.mark.slow
@pytest.mark.parametrize("positive_variances", [True, False])
def test_compiled_pass_follows_the_rules(rng, positive_variances):
    # the fast pass (pairs of rows, a tolerance from the largest variance) hands anything it flags to
    # the exact pass: together, compiled, as Python loops and as the NumPy path, they must give the first
    # problem by the rules, at odd and even sizes
    codes = set()
    for trial in range(400):
        n = int(rng.integers(1, 30)) if trial < 380 else int(rng.choice([101, 150]))
        C = random_cov(rng, n) if n > 1 else np.array([[0.04]])
        C = _corrupt(rng, C, trial % 10)
        expected = covariance_rules(C, positive_variances)
        for f in (check_entries, check_entries.py_func, covariance_pass._check_entries_numpy):
            assert tuple(f(C, positive_variances)) == expected
        codes.add(expected[0])
    assert codes == {-1, 0, 1, 2, 3, 5} | ({4} if positive_variances else set())


BAD = [
    [[0.04, np.nan], [np.nan, 0.09]],
    [[0.04, 0.01], [0.02, 0.09]],
    [[0.04, 0.01, 0.0], [0.01, 0.09, 0.0], [0.03, 0.0, 0.16]],
    [[0.04, 0.0], [0.0, -0.09]],
    [[0.04, 0.0], [0.0, 0.0]],
]


@pytest.mark.parametrize("cov", BAD, ids=range(len(BAD)))
def test_one_message_per_rule_in_both_passes(cov):
    C = np.array(cov, dtype=float)
    problem, i, j = check_entries(C, True)
    expected = str(covariance_error(problem, C, "cov", i, j)) if problem != CovarianceProblem.NON_FINITE else None
    with pytest.raises(InputError) as generic:
        as_covariance(C, positive_variances=True, check_psd_=False)
    with pytest.raises(InputError) as compiled:
        risk_parity(C)
    assert str(generic.value) == str(compiled.value)
    assert expected is None or str(compiled.value) == expected
    if problem != CovarianceProblem.ZERO_VARIANCE:  # variances may be 0 where a function does not divide by them
        with pytest.raises(InputError) as other:
            portfolio_volatility(np.full(len(C), 1 / len(C)), C)
        assert str(other.value) == str(compiled.value)


def test_zero_variance_is_refused_only_where_asked():
    C = np.array([[0.04, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(as_covariance(C), C)
    with pytest.raises(InputError, match=r"^cov: variance of asset 2 is zero; remove the asset"):
        inverse_volatility(C)


def test_every_problem_has_one_message():
    C = np.eye(2)
    for problem in CovarianceProblem:
        if problem in (CovarianceProblem.NEARLY_SYMMETRIC, CovarianceProblem.FINE,
                       CovarianceProblem.NON_FINITE, CovarianceProblem.NOT_POSITIVE_DEFINITE):
            continue
        message = str(covariance_error(problem, C, "cov", 1, 0))
        assert message.startswith("cov: ") and len(message) < 200
    with pytest.raises(ValueError, match="no message"):
        covariance_error(CovarianceProblem.NOT_POSITIVE_DEFINITE, C, "cov", 0, 0)


# ----------------------------------------------------------------------------- issue 19

def test_a_matrix_found_psd_is_remembered_and_a_changed_one_is_checked_again(monkeypatch):
    from kernels._validate import covariance as cov_rules

    calls = []
    real = cov_rules.check_psd
    monkeypatch.setattr(cov_rules, "check_psd", lambda *a, **k: calls.append(1) or real(*a, **k))
    cov_rules._PSD_MEMO.clear()
    rng = np.random.default_rng(19)
    n = cov_rules.PSD_MEMO_MIN
    C = random_cov(rng, n)
    for _ in range(3):
        as_covariance(C)
    assert len(calls) == 1  # factorised once, then known by its digest
    broken = C.copy()
    broken[0, 1] = broken[1, 0] = 1.5 * np.sqrt(C[0, 0] * C[1, 1])  # a correlation of 1.5: not PSD
    with pytest.raises(InputError, match=r"^cov: not positive semi-definite"):
        as_covariance(broken)
    with pytest.raises(InputError, match=r"^cov: not positive semi-definite"):
        as_covariance(broken)  # a refusal is never remembered
    small = random_cov(rng, 5)
    as_covariance(small), as_covariance(small)
    assert len(calls) == 5  # below PSD_MEMO_MIN every call factorises (as cheap as hashing)


def test_a_long_option_word_is_quoted_short():
    from kernels._validate import check_choice, echo

    with pytest.raises(InputError) as info:
        check_choice("x" * 5000, "method", ("sample", "ewma"))
    assert str(info.value) == "method: expected one of sample, ewma, got 'xxxxxxxxxxxxxxxxx...'."
    assert echo(1e300) == "1e+300" and echo("short") == "'short'"


# ---------------------------------------------------------------- the PSD rule's two Cholesky tests
# check_psd settles accepted matrices by a Cholesky factorisation, then one of C + PSD_SHIFT * scale * I
# (singular PSD), before the eigenvalue rule. The oracle is the rule itself by NumPy's eigvalsh:
# refused iff the smallest eigenvalue < -PSD_RTOL * max variance.


def _eigen_rule_accepts(C):
    return bool(np.linalg.eigvalsh(C)[0] >= -cov_rules.PSD_RTOL * np.abs(np.diag(C)).max())


def _with_smallest_eigenvalue(rng, n, rank, smallest):
    """A symmetric matrix of rank ``rank`` (+ a shift) whose smallest eigenvalue is ``smallest`` x max variance."""
    x = rng.normal(size=(rank, n)) * rng.uniform(0.05, 0.4, n)
    C = x.T @ x / rank
    C = 0.5 * (C + C.T)
    lam = np.linalg.eigvalsh(C)[0]
    C = C + (smallest * np.diag(C).max() - lam) * np.eye(n)
    return 0.5 * (C + C.T)


def test_a_singular_psd_matrix_is_accepted_without_an_eigenvalue_decomposition(monkeypatch):
    rng = np.random.default_rng(16)
    calls = []
    real = cov_rules.smallest_eigenvalue
    monkeypatch.setattr(cov_rules, "smallest_eigenvalue", lambda C: calls.append(1) or real(C))
    for n, rank in [(5, 2), (40, 20), (200, 60)]:
        x = rng.normal(size=(rank, n)) * rng.uniform(0.05, 0.4, n)
        C = np.cov(x, rowvar=False)  # fewer observations than assets: singular, PSD up to rounding
        assert scipy.linalg.lapack.dpotrf(C, lower=1)[1] != 0  # plain Cholesky refuses it
        assert _eigen_rule_accepts(C)
        assert cov_rules.check_psd(C, "cov") is None
        assert as_covariance(C).shape == (n, n)
    assert calls == []


@pytest.mark.parametrize("n", [3, 30, 300])
def test_near_singular_verdicts_are_the_eigenvalue_rules(n):
    """Smallest eigenvalues from 0 to -10 x the tolerance: Cholesky rejects them all (or finds the matrix
    definite), the shifted one accepts those above -PSD_SHIFT, the eigenvalue rule settles the rest."""
    rng = np.random.default_rng(n)
    for relative in [1e-9, 0.0, -1e-14, -0.2, -0.49, -0.51, -0.9, -0.99, -1.01, -1.5, -3.0, -10.0]:
        for rank in (1, max(1, n // 3), n):
            C = _with_smallest_eigenvalue(rng, n, rank, relative * cov_rules.PSD_RTOL)
            expected = _eigen_rule_accepts(C)
            assert expected == (relative >= -0.99)  # the construction is where it says
            if expected:
                cov_rules.check_psd(C, "cov")
            else:
                with pytest.raises(InputError, match=r"^cov: not positive semi-definite \(smallest eigenvalue -"):
                    cov_rules.check_psd(C, "cov")


def test_a_refused_matrix_keeps_its_message():
    C = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.9], [0.0, 0.9, 1.0]])  # correlations within +-1, not PSD
    lam = np.linalg.eigvalsh(C)[0]
    message = (f"correlations: not positive semi-definite (smallest eigenvalue {lam:.3g}); check the entries "
               "or repair the covariance (nearest_correlation).")
    with pytest.raises(InputError) as info:
        as_covariance(C, "correlations")
    assert str(info.value) == message
