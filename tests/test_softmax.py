"""Softmax family: the basic laws and the extremes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import actref

ROWS = [[1000.0, 1000.0], [-1000.0, 0.0], [1e300, -1e300, 0.0], [0.5, -2.0, 3.0, 1e-9]]


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_softmax_is_finite_and_sums_to_1(row: list[float]) -> None:
    s = actref.softmax(row)
    assert np.isfinite(s).all()
    assert abs(s.sum() - 1.0) <= 4 * np.finfo(float).eps
    assert np.isfinite(actref.log_softmax(row)).all()
    assert np.isfinite(actref.logsumexp(row))


def test_softmax_shift_invariance() -> None:
    x = np.array([[0.1, -2.0, 3.5], [7.0, 7.0, -1.0]])
    np.testing.assert_allclose(actref.softmax(x + 100.0), actref.softmax(x), rtol=1e-13)
    # x - 50 rounds x itself by up to 3.6e-15, which log_softmax passes on absolutely
    np.testing.assert_allclose(actref.log_softmax(x - 50.0), actref.log_softmax(x), atol=8e-15)


def test_softmax_along_any_axis() -> None:
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(actref.softmax(x, axis=0).sum(axis=0), 1.0, rtol=1e-15)
    np.testing.assert_allclose(actref.softmax(x, axis=0), actref.softmax(x.T).T)
    assert actref.logsumexp(x, axis=0).shape == (4,)


def test_jacobian_diagonal_is_s_times_one_minus_s() -> None:
    x = np.array([[0.3, -1.0, 2.0, 0.0], [5.0, 5.0, 5.0, 5.0]])
    s = actref.softmax(x)
    jac = actref.softmax_jacobian(x)
    assert jac.shape == (2, 4, 4)
    np.testing.assert_allclose(np.diagonal(jac, axis1=-2, axis2=-1), s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(actref.softmax_jacobian_diag(x), s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(jac.sum(axis=-1), 0.0, atol=1e-16)


def test_jacobian_diagonal_when_s_is_near_1() -> None:
    """1 - s from the other entries: s(1-s) = e^-40 / (1+e^-40)^2, not 0."""
    d = actref.softmax_jacobian_diag([0.0, -40.0])
    want = np.exp(-40.0) / (1 + np.exp(-40.0)) ** 2
    np.testing.assert_allclose(d, [want, want], rtol=4e-16)


def test_log_softmax_of_the_max_is_not_zero() -> None:
    assert actref.log_softmax([0.0, -40.0])[0] == pytest.approx(-np.exp(-40.0), rel=1e-15)


def test_infinite_entries() -> None:
    np.testing.assert_array_equal(actref.softmax([np.inf, 0.0]), [1.0, 0.0])
    np.testing.assert_array_equal(actref.softmax([np.inf, np.inf, 1.0]), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(actref.softmax([-np.inf, 0.0]), [0.0, 1.0])
    assert actref.logsumexp([-np.inf, -np.inf]) == -np.inf
    assert np.isnan(actref.softmax([np.nan, 1.0])).all()


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one dimension"):
        actref.softmax(1.0)
    with pytest.raises(ValueError, match="out of range"):
        actref.softmax([1.0, 2.0], axis=1)
    with pytest.raises(TypeError, match="accepted"):
        actref.softmax(["a"])


@pytest.mark.parametrize("fn", [actref.softmax, actref.log_softmax, actref.softmax_jacobian_diag])
def test_softmax_family_spread_beyond_the_largest_float(fn: Any) -> None:
    """x - max overflows to -inf here; the results are still exact and nothing warns."""
    big = np.finfo(np.float64).max
    out = fn(np.array([big, big / 2, -big]))
    if fn is actref.softmax:
        np.testing.assert_array_equal(out, [1.0, 0.0, 0.0])
    elif fn is actref.log_softmax:
        np.testing.assert_array_equal(out, [0.0, -big / 2, -np.inf])
    else:
        np.testing.assert_array_equal(out, [0.0, 0.0, 0.0])
