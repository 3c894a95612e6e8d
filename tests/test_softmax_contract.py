"""The softmax family to the letter: infinite and nan rows, every axis and dtype, the
exact shift, and every refusal worded in full (mutation testing showed which of these
nothing held)."""

from __future__ import annotations

import re
from typing import Any

import mpmath
import numpy as np
import pytest

import actref
from actref import contract, oracle

INF = np.inf
FAMILY = [actref.softmax, actref.log_softmax, actref.logsumexp]


def _truth(row: list[float]) -> dict[str, np.ndarray]:
    """softmax, log_softmax, logsumexp and s(1 - s) at 80 digits, correctly rounded."""
    with mpmath.workdps(80):
        xs = [mpmath.mpf(v) for v in row]
        m = max(xs)
        es = [mpmath.exp(v - m) for v in xs]
        total = mpmath.fsum(es)
        lse = m + mpmath.log(total)
        s = [e / total for e in es]
        comp = [mpmath.fsum(es[:i] + es[i + 1 :]) / total for i in range(len(es))]
        out = {
            "softmax": s,
            "log_softmax": [v - lse for v in xs],
            "logsumexp": [lse],
            "diag": [a * b for a, b in zip(s, comp, strict=True)],
        }
    return {k: np.array([oracle.round_to(v) for v in vs]) for k, vs in out.items()}


# x - max is not a float in these rows: exp of the rounded difference would be off by
# |x - max| * 2^-53 relatively, hundreds of ULP; the exact two-sum shift is needed
INEXACT_SHIFT = [
    [0.1, -650.3, 3.7],
    [-0.7, 412.9, 1e-3, 409.55],
    [33.3, 0.01, -2.2, 33.299999],
]


@pytest.mark.parametrize("row", INEXACT_SHIFT, ids=str)
def test_the_shift_by_the_max_is_exact(row: list[float]) -> None:
    want = _truth(row)
    got = {
        "softmax": actref.softmax(row),
        "log_softmax": actref.log_softmax(row),
        "logsumexp": np.atleast_1d(actref.logsumexp(row)),
        "diag": actref.softmax_jacobian_diag(row),
    }
    for name, value in got.items():
        err = contract.contract_ulp_error(value, want[name])
        assert err.max() <= 4, f"{name}(x={row}) = {value.tolist()}, expected {want[name]}"
    jac = actref.softmax_jacobian(row)
    s = want["softmax"]
    np.testing.assert_array_equal(np.diagonal(jac), actref.softmax_jacobian_diag(row))
    off = ~np.eye(len(row), dtype=bool)
    np.testing.assert_allclose(jac[off], (-s[:, None] * s[None, :])[off], rtol=8e-16, atol=0)


def test_the_complement_sums_the_other_entries_on_both_sides() -> None:
    """1 - s_i near 1 is summed from entries before and after i (prefix and suffix)."""
    row = [-40.0, -41.5, 0.0, -39.0, -45.0]
    want = _truth(row)["diag"]
    got = actref.softmax_jacobian_diag(row)
    assert contract.ulp_error(got, want).max() <= 4, got.tolist()
    np.testing.assert_array_equal(np.diagonal(actref.softmax_jacobian(row)), got)


# --------------------------------------------------------------- infinite rows
def test_plus_infinity_takes_all_the_mass() -> None:
    np.testing.assert_array_equal(actref.softmax([INF, -INF, 0.0]), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(actref.log_softmax([INF, 0.0, -INF]), [0.0, -INF, -INF])
    np.testing.assert_array_equal(
        actref.log_softmax([INF, INF, 1.0]), [-np.log(2.0), -np.log(2.0), -INF]
    )
    assert actref.logsumexp([INF, 0.0]) == INF
    assert actref.logsumexp([INF, -INF]) == INF
    np.testing.assert_array_equal(actref.softmax_jacobian_diag([INF, 0.0]), [0.0, 0.0])
    np.testing.assert_array_equal(actref.softmax_jacobian([INF, 0.0]), np.zeros((2, 2)))


def test_a_row_of_minus_infinity_is_undefined_but_its_logsumexp_is_minus_infinity() -> None:
    assert np.isnan(actref.softmax([-INF, -INF])).all()
    assert np.isnan(actref.log_softmax([-INF, -INF])).all()
    assert actref.logsumexp([-INF, -INF]) == -INF


@pytest.mark.parametrize("fn", FAMILY, ids=lambda f: f.__name__)
def test_nan_spoils_its_own_row_only(fn: Any) -> None:
    x = np.array([[np.nan, 1.0], [0.0, 1.0], [INF, np.nan]])
    out = fn(x)
    assert np.isnan(out[0]).all()
    assert np.isnan(out[2]).all()
    np.testing.assert_array_equal(out[1], fn(x[1]))
    assert np.isfinite(out[1]).all()


# ------------------------------------------------------------- axes and dtypes
@pytest.mark.parametrize("fn", FAMILY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis", [0, 1, -2, np.int64(0)], ids=repr)
def test_any_axis_is_the_last_axis_of_a_transpose(fn: Any, axis: int) -> None:
    x = np.array([[0.5, -3.0, 2.0], [7.25, 0.0, -1.0]])
    a = int(axis)
    along_last = fn(np.moveaxis(x, a, -1))
    if fn is not actref.logsumexp:
        along_last = np.moveaxis(along_last, -1, a)
    np.testing.assert_array_equal(fn(x, axis=axis), along_last)


def test_logsumexp_keepdims_along_the_first_axis() -> None:
    x = np.array([[0.0, 1.0, 2.0], [np.log(3.0), 1.0, -INF]])
    out = actref.logsumexp(x, axis=0, keepdims=True)
    assert out.shape == (1, 3)
    np.testing.assert_allclose(out[0], [np.log(4.0), 1.0 + np.log(2.0), 2.0], rtol=4e-16)
    assert actref.logsumexp(x, axis=0).shape == (3,)


@pytest.mark.parametrize(
    "fn",
    [*FAMILY, actref.softmax_jacobian, actref.softmax_jacobian_diag],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_the_result_has_the_dtype_of_x(fn: Any, dtype: type) -> None:
    x = np.array([0.5, -1.0, 2.0], dtype=dtype)
    out = fn(x)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, fn(x.astype(np.float64)).astype(dtype), rtol=2e-3)


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (
            lambda: actref.softmax(1.0),
            ValueError,
            "x must have at least one dimension to take a softmax over",
        ),
        (
            lambda: actref.log_softmax([1.0], axis=1.0),
            TypeError,
            "axis must be an integer, a tuple of integers or None, got float",
        ),
        (
            lambda: actref.logsumexp([1.0], axis=True),
            TypeError,
            "axis must be an integer, a tuple of integers or None, got bool",
        ),
        (
            lambda: actref.softmax([[1.0]], axis=-3),
            ValueError,
            "axis -3 is out of range for an array of 2 dimension(s)",
        ),
        (
            lambda: actref.softmax([1.0, 2.0], axis=1),
            ValueError,
            "axis 1 is out of range for an array of 1 dimension(s)",
        ),
        (
            lambda: actref.softmax_jacobian(2.0),
            ValueError,
            "x must have at least one dimension to take a softmax over",
        ),
    ],
    ids=["0-d", "float-axis", "bool-axis", "axis-too-low", "axis-too-high", "jacobian-0-d"],
)
def test_bad_input_is_named_in_full(call: Any, exc: type[Exception], message: str) -> None:
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        call()


def test_the_lowest_axis_is_in_range() -> None:
    np.testing.assert_array_equal(actref.softmax([[1.0], [1.0]], axis=-2), [[0.5], [0.5]])


def test_logsumexp_squeezes_only_the_reduced_axis() -> None:
    assert actref.logsumexp(np.zeros((1, 3))).shape == (1,)
    assert actref.logsumexp(np.zeros((1, 3)), axis=0).shape == (3,)
    assert actref.logsumexp(np.zeros((2, 1)), axis=0).shape == (1,)
    np.testing.assert_allclose(actref.logsumexp(np.zeros((1, 3))), [np.log(3.0)], rtol=4e-16)


def test_each_row_of_a_batch_is_shifted_by_its_own_max() -> None:
    rows = np.array([[0.0, -1.0, 2.0], [-1000.0, -1001.0, -998.0]])
    for fn in (actref.softmax_jacobian_diag, actref.softmax_jacobian, actref.softmax):
        out = fn(rows)
        np.testing.assert_allclose(out[1], out[0], rtol=1e-12)
        assert np.all(out[1] != 0)


def test_jacobian_of_a_row_of_minus_infinity_is_nan_and_silent() -> None:
    assert np.isnan(actref.softmax_jacobian_diag([[-INF, -INF]])).all()
    assert np.isnan(actref.softmax_jacobian([-INF, -INF])).all()


def test_softmax_within_its_4_ulp_budget_on_random_rows() -> None:
    """exp's error, a float64 pairwise sum and one quotient: measured at most 3-4 ULP
    on these rows (extended-precision sums would give 2, at ten times the cost)."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        row = rng.normal(0, rng.choice([1.0, 5.0, 30.0, 300.0]), rng.integers(2, 9)).tolist()
        want = _truth(row)["softmax"]
        got = actref.softmax(row)
        err = contract.contract_ulp_error(got, want).max()
        assert err <= 4, f"softmax(x={row}) = {got.tolist()}, expected {want} ({err} ULP)"
