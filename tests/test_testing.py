"""actref.testing: the reference other test suites call.

Each check is run on implementations known right and known wrong, and the wrong ones
must fail with the package's one failure-message shape.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import actref
from actref import finite_diff as fd
from actref import oracle, testing, truth
from actref.hard_inputs import hard_inputs

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


# ==================================================================== compare
SMALL = np.array([-3.0, -0.5, 0.0, 1e-300, 0.75, 2.0, 30.0])


def exact_tanh(x: np.ndarray) -> np.ndarray:
    """The correctly rounded truth itself, looked up: 0 ULP by construction."""
    xs, truth = testing.reference_values("tanh", SMALL)
    return truth[np.searchsorted(xs, x)]


def naive_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def naive_gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def test_the_truth_itself_is_0_ulp_and_one_ulp_off_is_1() -> None:
    rep = testing.compare(exact_tanh, "tanh", inputs=SMALL)
    assert rep.max_ulp == 0
    assert rep.worst == ()
    one_off = lambda v: np.where(v == 0.75, np.nextafter(exact_tanh(v), 2), exact_tanh(v))
    rep = testing.compare(one_off, "tanh", inputs=SMALL)
    assert rep.max_ulp == 1
    (m,) = rep.worst
    assert (m.x, m.ulp, m.region) == (0.75, 1.0, "ordinary")
    assert m.expected == float(exact_tanh(np.array([0.75]))[0])
    assert m.abs_error == pytest.approx(np.spacing(m.expected))
    with pytest.raises(AssertionError) as info:
        testing.assert_matches_reference(one_off, "tanh", inputs=SMALL, max_ulp=0)
    assert str(info.value) == (
        "tanh: 1 of 7 float64 entries off the reference by more than 0 ULP; the worst:\n"
        f"  tanh(x=0.75) = {m.got!r}, expected {m.expected!r} (error 1 ULP)"
    )
    testing.assert_matches_reference(one_off, "tanh", inputs=SMALL, max_ulp=1)
    testing.assert_matches_reference(one_off, "tanh", inputs=SMALL, rtol=2.3e-16)
    with pytest.raises(AssertionError):
        testing.assert_matches_reference(one_off, "tanh", inputs=SMALL, rtol=1e-16)


def test_the_truth_is_the_oracle_not_actrefs_kernel() -> None:
    _xs, truth = testing.reference_values("gelu", [-37.5, 1.0])
    assert truth.tolist() == [
        oracle.round_to(oracle.evaluate(actref.get("gelu").expr, v)) for v in (-37.5, 1.0)
    ]
    assert truth[0] < 0  # the true value is a tiny negative number, not 0


def test_the_default_inputs_are_the_hard_set_with_the_kinks() -> None:
    xs = testing.reference_inputs("relu", np.float32)
    assert xs.dtype == np.float32
    assert 0.0 in xs
    assert np.isnan(xs).sum() == 1
    assert np.isinf(xs).sum() == 2
    assert (xs[np.isfinite(xs)] != 0).any()
    hard = hard_inputs(np.float32, [0.0])
    assert np.array_equal(xs, hard, equal_nan=True)


def test_truths_are_cached_per_function_dtype_params_and_inputs() -> None:
    a = testing.reference_values("elu", SMALL, params={"alpha": 0.5})
    b = testing.reference_values("elu", SMALL, params={"alpha": 0.5})
    assert a[1] is b[1]
    c = testing.reference_values("elu", SMALL, params={"alpha": 0.25})
    assert c[1] is not a[1]
    assert c[1][0] != a[1][0]
    d = testing.reference_values("elu", SMALL, params={"alpha": 0.5}, dtype=np.float32)
    assert d[1].dtype == np.float32
    assert not a[1].flags.writeable


def test_a_naive_gelu_float32_report() -> None:
    rep = testing.compare(naive_gelu, "gelu", dtype=np.float32)
    assert rep.max_ulp > 1e8  # 1 + erf(-8.4) cancels to 0
    worst = rep.worst[0]
    assert worst.got == 0.0
    assert worst.expected < 0
    assert worst.x == float(np.float32(-8.4))
    # -inf * 0 is nan, the limit is 0
    (lim,) = rep.wrong_limits
    assert lim.x == -math.inf
    assert math.isnan(lim.got)
    assert lim.expected == 0.0
    assert rep.nan_ok
    assert rep.wrong_nonfinite == ()
    assert any("invalid value" in w for w in rep.warnings)
    names = [r.region for r in rep.regions]
    assert names == [
        "ordinary",
        "near zero",
        "subnormal",
        "thresholds",
        "far tails",
        "±inf",
        "nan",
    ]
    with pytest.raises(AssertionError) as info:
        testing.assert_matches_reference(naive_gelu, "gelu", dtype=np.float32, max_ulp=2)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("gelu: ")
    assert lines[0].endswith(" float32 entries off the reference by more than 2 ULP; the worst:")
    assert lines[1] == "  gelu(x=-inf) = nan, expected 0.0 (error inf ULP)"
    assert re.fullmatch(
        r"  gelu\(x=-8\.399999618530273\) = -0\.0, expected -1\.875\d+e-16 "
        r"\(error 6\.27e\+08 ULP\)",
        lines[2],
    )
    assert len(lines) == 6


def test_underflow_to_zero_is_explicit() -> None:
    xs = np.array([-740.0, -700.0, -1.0, 0.0])
    rep = testing.compare(naive_sigmoid, "sigmoid", inputs=xs)
    assert rep.underflow.tolist() == [True, False, False, False]  # truth 4e-322, got 0
    assert rep.max_ulp <= 2
    testing.assert_matches_reference(naive_sigmoid, "sigmoid", inputs=xs, max_ulp=2)
    with pytest.raises(AssertionError, match=r"sigmoid\(x=-740\.0\) = 0\.0, expected 4\.\d+e-322"):
        testing.assert_matches_reference(
            naive_sigmoid, "sigmoid", inputs=xs, max_ulp=2, ignore_underflow=False
        )
    assert testing.compare(naive_sigmoid, "sigmoid", inputs=xs, ignore_underflow=False).max_ulp > 1


def test_nan_and_wrong_non_finite_results() -> None:
    xs = np.array([-1.0, 1000.0, np.nan])
    naive_softplus = lambda v: np.nan_to_num(np.log1p(np.exp(v)), nan=0.0, posinf=np.inf)
    with np.errstate(over="ignore"):
        rep = testing.compare(naive_softplus, "softplus", inputs=xs)
    (bad,) = rep.wrong_nonfinite
    assert (bad.x, bad.got, bad.expected) == (1000.0, math.inf, 1000.0)
    (nan_bad,) = rep.wrong_nan
    assert isinstance(nan_bad.x, float)
    assert math.isnan(nan_bad.x)
    assert not rep.nan_ok
    assert next(m.x for m in rep.failures(max_ulp=1e300)) == 1000.0
    assert len(rep.failures(max_ulp=1e300)) == 2


def test_kink_values_against_the_convention_and_the_subgradient() -> None:
    xs = np.array([-1.0, 0.0, 1.0])
    half = relu_grad_at_zero(0.5)
    rep = testing.assert_matches_reference(half, "relu", derivative=True, inputs=xs, max_ulp=0)
    (k,) = rep.kinks
    assert (k.x, k.got, k.convention, k.subgradient, k.matches_convention) == (
        0.0,
        0.5,
        0.0,
        True,
        False,
    )
    assert "kink: relu'(x=0.0) = 0.5; convention 0, one-sided 0 and 1: another subgradient" in (
        rep.format()
    )
    with pytest.raises(AssertionError, match=r"relu'\(x=0\.0\) = 2\.0, expected 0\.0"):
        testing.assert_matches_reference(
            relu_grad_at_zero(2.0), "relu", derivative=True, inputs=xs
        )


def test_parameters_reach_the_truth() -> None:
    mine = lambda v: np.where(v > 0, v, 0.01 * v)
    testing.assert_matches_reference(mine, "leaky_relu", inputs=SMALL)
    with pytest.raises(AssertionError, match=r"leaky_relu\(x=-3\.0, negative_slope=0\.1\) = "):
        testing.assert_matches_reference(
            mine, "leaky_relu", params={"negative_slope": 0.1}, inputs=SMALL
        )


def test_without_a_bound_the_budget_is_actrefs_own() -> None:
    rep = testing.compare(actref.get("gelu"), "gelu", inputs=SMALL)
    assert rep.default_max_ulp == actref.get("gelu").ulp_budget[0]
    assert testing.compare(np.tanh, "tanh", dtype=np.float32, inputs=SMALL).default_max_ulp == 1
    testing.assert_matches_reference(actref.get("gelu"), "gelu", dtype=np.float32)


# ------------------------------------------------------ what fn may take and return
class ArrayOnly:
    """A foreign array readable only through ``__array__``."""

    def __init__(self, a: np.ndarray) -> None:
        self._a = np.asarray(a)

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return self._a if dtype is None else self._a.astype(dtype)


class DLPackOnly:
    """A foreign array readable only through DLPack."""

    def __init__(self, a: np.ndarray) -> None:
        self._a = np.ascontiguousarray(a)

    def __dlpack__(self, **kwargs: object) -> object:
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._a.__dlpack_device__()  # type: ignore[return-value]


class Bfloat16Like(DLPackOnly):
    """DLPack refuses its dtype; ``.float()`` widens it (torch's bfloat16)."""

    def __dlpack__(self, **kwargs: object) -> object:
        raise BufferError("bfloat16 is not supported")

    def float(self) -> DLPackOnly:
        return DLPackOnly(self._a)


class RequiresGrad:
    """Refuses to be read until detached (torch's requires_grad=True)."""

    def __init__(self, a: np.ndarray) -> None:
        self._a = a

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")

    def detach(self) -> DLPackOnly:
        return DLPackOnly(self._a)


@pytest.mark.parametrize("wrap", [ArrayOnly, DLPackOnly, RequiresGrad, Bfloat16Like])
def test_foreign_results_are_read_at_the_edge(wrap: type) -> None:
    rep = testing.compare(lambda v: wrap(np.tanh(v)), "tanh", inputs=SMALL)
    assert rep.max_ulp <= 1
    assert rep.got.tolist() == np.tanh(SMALL).tolist()


def test_foreign_inputs_through_convert_input() -> None:
    def takes_only_dlpack(t: object) -> DLPackOnly:
        assert isinstance(t, DLPackOnly)
        return DLPackOnly(np.tanh(np.from_dlpack(t)))

    rep = testing.compare(takes_only_dlpack, "tanh", inputs=SMALL, convert_input=DLPackOnly)
    assert rep.max_ulp <= 1


def test_python_floats_one_at_a_time() -> None:
    rep = testing.compare(math.tanh, "tanh", inputs=SMALL)
    assert rep.scalar_only
    assert rep.max_ulp <= 1
    # math.exp(1000) raises: that input gets nan, and the report says so
    rep = testing.compare(lambda v: 1 / (1 + math.exp(-v)), "sigmoid", inputs=[-1000.0, 1.0])
    assert math.isnan(rep.got[0])
    assert rep.warnings == ("OverflowError at x=-1000.0: math range error",)
    assert rep.wrong_nonfinite[0].x == -1000.0


def test_float32_results_are_compared_as_float32() -> None:
    rep = testing.compare(lambda v: np.tanh(v.astype(np.float64)), "tanh", dtype=np.float32)
    assert rep.max_ulp <= 1  # the float64 result rounded to float32 once
    assert rep.inputs.dtype == np.float32


# --------------------------------------------------------------------- softmax
def naive_softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_family_against_the_reference() -> None:
    testing.assert_matches_reference(actref.softmax, "softmax")
    testing.assert_matches_reference(actref.log_softmax, "log_softmax", dtype=np.float32)
    with np.errstate(all="ignore"), pytest.raises(AssertionError) as info:
        testing.assert_matches_reference(naive_softmax, "softmax", max_ulp=4)
    assert "softmax(x=[" in str(info.value)
    assert "= nan, expected " in str(info.value)
    rep = testing.compare(naive_softmax, "softmax", inputs=[[1000.0, 1000.0], [1.0, 2.0]])
    assert [m.x for m in rep.wrong_nonfinite] == [(1000.0, 1000.0), (1000.0, 1000.0)]
    assert rep.wrong_nonfinite[0].describe("softmax") == (
        "softmax(x=[1000.0, 1000.0])[0] = nan, expected 0.5 (error inf ULP)"
    )


def test_softmax_jacobians_against_the_reference() -> None:
    rows = [[1.0, 2.0, 3.0], [0.0, -40.0, 5.0]]
    testing.assert_matches_reference(
        actref.softmax_jacobian, "softmax", derivative=True, inputs=rows
    )
    # 1 - s_j computed as a difference cancels where s_j is near 1: caught at 4 ULP
    testing.assert_matches_reference(
        log_softmax_jacobian, "log_softmax", derivative=True, inputs=rows, rtol=1e-13
    )
    with pytest.raises(AssertionError) as info:
        testing.assert_matches_reference(
            log_softmax_jacobian, "log_softmax", derivative=True, inputs=rows, max_ulp=4
        )
    assert "log_softmax'(x=[0.0, -40.0, 5.0])[2, 2] = " in str(info.value)
    transposed = lambda v: np.swapaxes(log_softmax_jacobian(v), -1, -2)
    with pytest.raises(
        AssertionError, match=r"log_softmax.\(x=\[0\.0, -40\.0, 5\.0\]\)\[1, 2\] = "
    ):
        testing.assert_matches_reference(transposed, "log_softmax", derivative=True, inputs=rows)


# ----------------------------------------------------------------- the output
def test_report_formats() -> None:
    rep = testing.compare(naive_sigmoid, "sigmoid", inputs=[-740.0, 0.5, np.inf, np.nan])
    data = json.loads(rep.format("json"))
    assert data["function"] == "sigmoid"
    assert data["underflow"] == 1
    assert [r["region"] for r in data["regions"]] == ["ordinary", "far tails", "±inf", "nan"]
    md = rep.format("md")
    assert md.startswith("## sigmoid: float64, 4 entries against the correctly rounded oracle")
    assert "| region | entries | worst ULP | at x |" in md
    assert str(rep) == rep.format("text")
    assert repr(rep).startswith("ComparisonReport(sigmoid, float64, 4 entries, max ")
    with pytest.raises(ValueError, match=r"^`fmt` must be 'text', 'json' or 'md'; got 'csv'\.$"):
        rep.format("csv")  # type: ignore[arg-type]


def test_compare_validates_at_the_edge() -> None:
    with pytest.raises(actref.UnknownActivationError):
        testing.compare(np.tanh, "tanhh")
    with pytest.raises(TypeError, match=r"^`dtype` must be float64, float32 or float16"):
        testing.compare(np.tanh, "tanh", dtype=np.int32)
    with pytest.raises(TypeError, match=r"^`fn` must be callable, got int\.$"):
        testing.compare(3, "tanh")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^`fn` returned shape \(2,\) for inputs of shape"):
        testing.compare(lambda v: np.zeros(2), "tanh", inputs=SMALL)
    with pytest.raises(ValueError, match=r"^softmax has no parameters; got axis\.$"):
        testing.compare(actref.softmax, "softmax", params={"axis": 0})
    with pytest.raises(ValueError, match=r"^`max_ulp` must be a number >= 0; got -1\.$"):
        testing.assert_matches_reference(np.tanh, "tanh", inputs=SMALL, max_ulp=-1)


def test_truths_persist_in_actref_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTREF_CACHE_DIR", str(tmp_path))
    xs = np.array([0.125, -3.0, 7.0])
    _, first = testing.reference_values("softsign", xs, derivative=True)
    (path,) = tmp_path.glob("softsign-grad-float64-*.npy")
    truth.clear_cache()

    def no_oracle(*args: object) -> None:
        raise AssertionError("the oracle ran although the truth was on disk")

    monkeypatch.setattr(oracle, "true_values", no_oracle)
    _, again = testing.reference_values("softsign", xs, derivative=True)
    assert again.tolist() == first.tolist()
    # another definition (parameters) is another file, never a stale read
    with pytest.raises(AssertionError, match="the oracle ran"):
        testing.reference_values("elu", xs, params={"alpha": 0.75})
    # an unreadable file is computed again
    truth.clear_cache()
    monkeypatch.undo()
    monkeypatch.setenv("ACTREF_CACHE_DIR", str(tmp_path))
    path.write_bytes(b"not a numpy file")
    _, third = testing.reference_values("softsign", xs, derivative=True)
    assert third.tolist() == first.tolist()
    assert np.load(path).tolist() == first.tolist()
