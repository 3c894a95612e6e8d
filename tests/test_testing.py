"""actref.testing: the reference other test suites call.

Each check is run on implementations known right and known wrong, and the wrong ones
must fail with the package's one failure-message shape.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import actref
from actref import finite_diff as fd
from actref import testing

RELU = actref.get("relu")


def relu_grad_at_zero(g0: float):  # type: ignore[no-untyped-def]
    return lambda v: np.where(v > 0, 1.0, np.where(v < 0, 0.0, g0))


def log_softmax_jacobian(x: np.ndarray) -> np.ndarray:
    s = actref.softmax(x)
    return np.eye(s.shape[-1]) - s[..., None, :]


# ------------------------------------------------------------ DerivativeCheck
def test_a_wrong_derivative_is_falsy_and_a_right_one_truthy() -> None:
    x = np.linspace(-3, 3, 13)
    assert fd.check_derivative(np.sin, np.cos, x)
    wrong = fd.check_derivative(np.sin, lambda v: np.cos(v) * 1.001, x)
    assert not wrong
    assert bool(wrong) is wrong.ok is False
    with pytest.raises(AssertionError):
        assert fd.check_derivative(np.sin, np.sin, x)


def test_repr_is_one_short_line_naming_the_worst_point() -> None:
    x = np.linspace(0.5, 3, 10_000)
    wrong = fd.check_derivative(np.exp, lambda v: np.exp(v) * (1 + 1e-3), x)
    text = repr(wrong)
    assert "\n" not in text
    assert len(text) < 300
    assert text.startswith("DerivativeCheck(failed at 10000 of 10000 points; worst: exp'(x=")
    assert repr(fd.check_derivative(np.exp, np.exp, [1.0])).startswith(
        "DerivativeCheck(ok, 1 point, max error "
    )


def test_per_point_results_are_arrays() -> None:
    x = np.linspace(-2, 2, 1001)
    check = fd.check_derivative(RELU, RELU.grad, x, kinks=RELU.kinks)
    for arr in (check.x, check.claimed, check.expected, check.error, check.tolerance):
        assert isinstance(arr, np.ndarray)
        assert arr.dtype == np.float64
        assert arr.shape == (1001,)
    assert check.kind_codes.dtype == np.int8
    assert check.passed.dtype == np.bool_
    assert list(check.kinds[499:502]) == ["near-kink", "kink", "near-kink"]
    assert check.point(500).kind == "kink"
    assert len(check) == 1001


def test_atol_lets_an_absolute_error_pass() -> None:
    x = np.array([1.0, 2.0])
    off = lambda v: np.cos(v) + 1e-6
    assert not fd.check_derivative(np.sin, off, x)
    assert fd.check_derivative(np.sin, off, x, atol=2e-6)
    assert not fd.check_derivative(np.sin, off, x, atol=5e-7)


@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan, "1e-3", True])
def test_atol_is_validated_like_rtol(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^`atol` must be a finite number >= 0; got "):
        fd.check_derivative(np.sin, np.cos, [1.0], atol=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^`atol` must be a finite number >= 0; got "):
        fd.check_jacobian(actref.softmax, actref.softmax_jacobian, [1.0, 2.0], atol=bad)  # type: ignore[arg-type]


# --------------------------------------------------------------- kink hint
def test_an_undeclared_kink_is_named_in_the_message() -> None:
    check = fd.check_derivative(RELU, RELU.grad, [-1.0, 0.0, 1.0])
    assert not check
    assert check.worst_x == 0.0
    assert check.worst.suspected_kink
    assert (check.worst.left, check.worst.right) == (0.0, pytest.approx(1.0))
    assert check.worst.describe("relu").endswith(
        "the one-sided derivatives are 0 and 1: kink? pass kinks=[0.0]"
    )
    assert "kink? pass kinks=[0.0]" in repr(check)
    assert fd.check_derivative(RELU, RELU.grad, [-1.0, 0.0, 1.0], kinks=[0.0])


def test_a_wrong_smooth_derivative_gets_no_kink_hint() -> None:
    check = fd.check_derivative(np.sin, lambda v: np.cos(v) + 0.1, [0.0, 1.0])
    assert not check
    assert not check.suspected_kink.any()
    assert "kink?" not in check.describe()


def test_only_the_points_at_an_undeclared_kink_are_suspected() -> None:
    act = actref.get("hardtanh")
    check = fd.check_derivative(act, lambda v: act.grad(v) + (v == 2.0), [1.0, 2.0])
    assert not check
    assert check.passed.tolist() == [False, False]
    assert check.suspected_kink.tolist() == [True, False]
    assert "kink? pass kinks=[1.0]" in check.describe()


# ------------------------------------------------------------- scalar only
def test_a_scalar_only_function_gets_a_one_line_hint() -> None:
    with pytest.raises(TypeError) as info:
        fd.check_derivative(math.tanh, lambda v: 1 - np.tanh(v) ** 2, [0.1, 0.2])
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("`f` takes one number at a time, not an array (TypeError: ")
    assert "np.vectorize(f)" in msg
    with pytest.raises(TypeError, match=r"^`df` takes one number at a time"):
        fd.check_derivative(np.tanh, lambda v: 1 - math.tanh(v) ** 2, [0.1, 0.2])

    def branchy(v: float) -> float:
        return v if v > 0 else 0.0

    with pytest.raises(TypeError, match=r"^`df` takes one number at a time.*ValueError: "):
        fd.check_derivative(RELU, branchy, [0.5, 1.0])
    # vectorised, the same functions pass
    assert fd.check_derivative(np.vectorize(math.tanh), lambda v: 1 - np.tanh(v) ** 2, [0.1, 0.2])


def test_a_function_broken_for_scalars_too_keeps_its_own_error() -> None:
    def broken(v: object) -> float:
        raise TypeError("broken everywhere")

    with pytest.raises(TypeError, match=r"^broken everywhere$"):
        fd.check_derivative(np.sin, broken, [0.1, 0.2])


# ---------------------------------------------------------- assert_derivative
def test_assert_derivative_passes_and_returns_the_check() -> None:
    check = testing.assert_derivative(RELU, relu_grad_at_zero(0.5), [-1.0, 0.0, 1.0], kinks=[0.0])
    assert check.ok


def test_assert_derivative_names_the_worst_point() -> None:
    with pytest.raises(AssertionError) as info:
        testing.assert_derivative(RELU, relu_grad_at_zero(2.0), [-1.0, 0.0, 1.0], kinks=[0.0])
    lines = str(info.value).splitlines()
    assert lines[0] == "relu': 1 of 3 points fail; the worst:"
    assert lines[1].startswith("  relu'(x=0.0) = 2.0, expected between 0 and 1 (one-sided")
    assert len(lines) == 2


def test_assert_derivative_lists_at_most_five_points_worst_first() -> None:
    x = np.arange(1.0, 11.0)
    with pytest.raises(AssertionError) as info:
        testing.assert_derivative(np.sin, lambda v: np.cos(v) * (1 + 1e-3 * v), x)
    lines = str(info.value).splitlines()
    assert lines[0] == "sin': 10 of 10 points fail; the worst:"
    assert len(lines) == 6
    assert lines[1].startswith("  sin'(x=10.0) = ")


def test_assert_derivative_rtol_and_atol_reach_the_check() -> None:
    off = lambda v: np.cos(v) * (1 + 1e-6)
    with pytest.raises(AssertionError):
        testing.assert_derivative(np.sin, off, [1.0])
    testing.assert_derivative(np.sin, off, [1.0], rtol=1e-5)
    testing.assert_derivative(np.sin, lambda v: np.cos(v) + 1e-7, [1.0], atol=1e-6)


# ------------------------------------------------------------- check_jacobian
@pytest.mark.parametrize(
    "x", [[1.0, 2.0, 3.0], [[0.0, -1.0, 4.0, 2.0], [10.0, 10.0, 10.0, -30.0]]], ids=["1d", "batch"]
)
def test_check_jacobian_accepts_the_right_jacobians(x: list[float]) -> None:
    assert fd.check_jacobian(actref.softmax, actref.softmax_jacobian, x)
    assert testing.check_jacobian(actref.log_softmax, log_softmax_jacobian, x)


def test_check_jacobian_rejects_a_transposed_jacobian() -> None:
    x = [1.0, 2.0, 3.0]
    wrong = lambda v: np.swapaxes(log_softmax_jacobian(v), -1, -2)
    check = fd.check_jacobian(actref.log_softmax, wrong, x)
    assert not check
    i, j = check.worst_index
    assert i != j
    with pytest.raises(AssertionError) as info:
        testing.assert_jacobian(actref.log_softmax, wrong, x)
    msg = str(info.value)
    assert msg.startswith(
        "JacobianCheck(failed at 6 of 9 entries; worst: log_softmax'(x=[1.0, 2.0"
    )
    assert f"[{i}, {j}] = {float(wrong(np.array(x))[i, j])!r}, expected " in msg


def test_check_jacobian_rejects_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"^`jac` returned shape \(3,\); expected \(3, 3\)"):
        fd.check_jacobian(actref.softmax, actref.softmax, [1.0, 2.0, 3.0])


def test_check_jacobian_in_float32() -> None:
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    assert fd.check_jacobian(actref.softmax, actref.softmax_jacobian, x)
    off = lambda v: actref.softmax_jacobian(v) * np.float32(1.01)
    assert not fd.check_jacobian(actref.softmax, off, x)
