"""The softmax family as scipy.special has it: axis=None, tuple axes, empty input;
Jacobians along any axis, in float64, and a clear error for a size that cannot fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import special

import actref

X = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.5


@pytest.mark.parametrize("axis", [None, (0, 2), (2, 0), (1,), (-1, -2), 1], ids=repr)
@pytest.mark.parametrize(
    ("ours", "scipys"),
    [
        (actref.softmax, special.softmax),
        (actref.log_softmax, special.log_softmax),
        (actref.logsumexp, special.logsumexp),
    ],
    ids=["softmax", "log_softmax", "logsumexp"],
)
def test_axes_as_in_scipy(ours: Any, scipys: Any, axis: Any) -> None:
    got = ours(X, axis=axis)
    want = scipys(X, axis=axis)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("axis", [None, (0, 2), 1], ids=repr)
def test_logsumexp_keepdims_over_several_axes(axis: Any) -> None:
    got = actref.logsumexp(X, axis=axis, keepdims=True)
    want = special.logsumexp(X, axis=axis, keepdims=True)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_axis_none_is_the_whole_array() -> None:
    s = actref.softmax(X, axis=None)
    assert s.sum() == pytest.approx(1.0, rel=1e-15)
    np.testing.assert_array_equal(s, actref.softmax(X.ravel()).reshape(X.shape))


def test_tuple_axes_must_be_distinct_integers() -> None:
    with pytest.raises(ValueError, match=r"^axis \(0, 0\) must name distinct axes"):
        actref.softmax(X, axis=(0, 0))
    with pytest.raises(ValueError, match=r"^axis \(\) must name distinct axes, at least one$"):
        actref.softmax(X, axis=())
    with pytest.raises(TypeError, match=r"^axis must be a tuple of integers, got float$"):
        actref.softmax(X, axis=(0, 1.0))
    with pytest.raises(ValueError, match=r"^axis 3 is out of range for an array of 3 dim"):
        actref.log_softmax(X, axis=(0, 3))


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4)], ids=str)
def test_empty_input(shape: tuple[int, ...]) -> None:
    x = np.zeros(shape)
    for fn in (actref.softmax, actref.log_softmax, actref.softmax_jacobian_diag):
        out = fn(x)
        assert out.shape == shape
        assert out.dtype == np.float64
    assert actref.softmax(np.zeros(shape, dtype=np.float32)).dtype == np.float32
    lse = actref.logsumexp(x)
    assert lse.shape == shape[:-1]
    if shape[-1] == 0:
        assert np.all(lse == -np.inf)
    assert actref.softmax_jacobian(x).shape == (*shape, shape[-1])


def test_jacobian_along_another_axis() -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0], [0.0, -40.0]])  # rows along axis 0
    jac = actref.softmax_jacobian(x, axis=0)
    assert jac.shape == (2, 3, 3)
    np.testing.assert_array_equal(jac, actref.softmax_jacobian(x.T))
    diag = actref.softmax_jacobian_diag(x, axis=0)
    assert diag.shape == x.shape
    np.testing.assert_array_equal(diag, actref.softmax_jacobian_diag(x.T).T)


def test_jacobian_is_float64_not_long_double() -> None:
    jac = actref.softmax_jacobian([1.0, 2.0, 3.0])
    assert jac.dtype == np.float64
    assert actref.softmax_jacobian_diag([1.0, 2.0]).dtype == np.float64
    # the diagonal still has no cancellation where s is near 1
    assert actref.softmax_jacobian([0.0, -40.0])[0, 0] == pytest.approx(4.248354255291589e-18)


def test_a_jacobian_too_large_to_allocate_says_so() -> None:
    x = np.broadcast_to(0.0, (2**21,))  # 2**42 entries: 32 TiB
    with pytest.raises(MemoryError) as info:
        actref.softmax_jacobian(x)
    msg = str(info.value)
    assert msg.startswith("softmax_jacobian of 2097152 entries per row needs 2097152x2097152 ")
    assert "3.28e+04 GiB" in msg
    assert "softmax_jacobian_diag(x)" in msg
