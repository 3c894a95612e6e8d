"""The finite-difference engine to the letter: exact truncation terms, documented
defaults, every argument exercised, every refusal worded in full.

These pin down what `test_finite_diff.py` checks only loosely (mutation testing showed
which behaviours nothing held): the error estimates on inputs where theory gives them
exactly, the step and method actually used, the selection of the worst point, and the
validation of arguments that the main tests never pass.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import actref
from actref import finite_diff as fd

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
RELU = actref.get("relu")


def exactly(message: str) -> str:
    """A ``match=`` pattern for the whole message (``match`` alone finds substrings)."""
    return f"^{re.escape(message)}$"


# ------------------------------------------------------------ derivative: results
@pytest.mark.parametrize(("method", "nfev"), [("central", 4), ("richardson", 6), ("complex", 2)])
def test_result_names_its_method_and_counts_evaluations(method: str, nfev: int) -> None:
    res = fd.derivative(np.exp, [0.5, 1.5], method=method)  # type: ignore[arg-type]
    assert (res.method, res.nfev) == (method, nfev)
    assert res.df.shape == res.error.shape == res.step.shape == (2,)
    # the default step is the documented one (exactly representable at these points)
    np.testing.assert_allclose(res.step, fd.default_step([0.5, 1.5], method), rtol=1e-12)


def test_central_truncation_estimate_is_exact_on_a_cubic() -> None:
    """D(h) = 3x^2 + h^2 and D(2h) = 3x^2 + 4h^2: a third of the gap is the error h^2;
    the rest of the estimate is the rounding term 2 eps max|f| / h."""
    h = 2.0**-6
    res = fd.derivative(lambda v: v**3, 1.0, step=h)
    rounding = 2 * EPS * (1 + 2 * h) ** 3 / h
    assert res.error == pytest.approx(h**2 + rounding, rel=1e-12, abs=0)


def test_central_error_of_a_linear_function_is_rounding_only() -> None:
    """No truncation: the estimate is 2 eps max|f(x ± h)|, max|f(x ± 2h)| over h."""
    h = 2.0**-4
    res = fd.derivative(lambda v: 1e6 + 3 * v, 2.0, step=h)
    assert res.df == 3.0
    assert res.error == pytest.approx(2 * EPS * (1e6 + 3 * (2 + 2 * h)) / h, rel=1e-12, abs=0)


def test_richardson_leaves_exactly_h6_over_64_of_x7() -> None:
    """D(h) of x^7 at 1 is 7 + 35h^2 + 21h^4 + h^6; extrapolating D(h), D(h/2), D(h/4)
    cancels h^2 and h^4 and leaves h^6/64. The error estimate is the distance to the
    previous column, 21h^4/64 + 5h^6/1024 more (plus rounding)."""
    h = 0.5
    res = fd.derivative(lambda v: v**7, 1.0, method="richardson", step=h)
    assert res.df - 7.0 == pytest.approx(h**6 / 64, rel=1e-9, abs=0)
    truncation = 21 * h**4 / 64 + h**6 / 64 + 5 * h**6 / 1024
    rounding = 4 * EPS * (1 + h) ** 7 / (h / 4)
    assert res.error == pytest.approx(truncation + rounding, rel=1e-12, abs=0)
    assert res.step == h  # the largest step


def test_richardson_falls_back_to_first_order_where_f_is_not_twice_differentiable() -> None:
    """x|x| at 0: D(h) = h, so the differences shrink by 2, not 4. Richardson would
    give 14h/90; the first-order extrapolation 2 D(h/4) - D(h/2) gives 0 exactly, with
    error |D(h/4) - D(h/2)| = h/4."""
    res = fd.derivative(lambda v: v * np.abs(v), 0.0, method="richardson", step=0.5)
    assert res.df == 0.0
    assert res.error == pytest.approx(0.125, rel=1e-12, abs=0)


@pytest.mark.parametrize(("p", "fallback"), [(1.0, True), (1.3, True), (1.8, False), (2.0, False)])
def test_richardson_trusts_differences_shrinking_by_about_4(p: float, fallback: bool) -> None:
    """f = x|x|^p at 0 has D(h) = h^p: differences shrink by 2^p (2, 2.5, 3.5, 4). Near
    4 is the even expansion Richardson assumes; near 2 is the first-order case."""
    h = 0.5
    res = fd.derivative(lambda v: v * np.abs(v) ** p, 0.0, method="richardson", step=h)
    d1, d2 = (h / 2) ** p, (h / 4) ** p
    if fallback:
        assert res.df == pytest.approx(2 * d2 - d1, abs=1e-15)
        assert res.error == pytest.approx(abs(d2 - d1), rel=1e-9, abs=0)
    else:
        assert abs(res.df - (2 * d2 - d1)) > 0.01
        assert res.error < abs(d2 - d1) / 50
    if p == 2.0:  # D(h) = h^2 exactly: Richardson cancels it
        assert res.df == 0.0


def test_complex_step_truncation_estimate_is_exact_on_a_cubic() -> None:
    """Im (x + ih)^3 / h = 3x^2 - h^2: a third of D(2h) - D(h) is h^2, plus eps |D|."""
    h = 1e-3
    res = fd.derivative(lambda v: v**3, 2.0, method="complex", step=h)
    assert res.error == pytest.approx(h**2 + EPS * abs(res.df), rel=1e-9, abs=0)
    assert res.step == h


def test_complex_step_broadcasts_a_constant_to_the_shape_of_x() -> None:
    res = fd.derivative(lambda z: np.complex128(5.0), [0.0, 1.0, 2.0], method="complex")
    np.testing.assert_array_equal(res.df, [0.0, 0.0, 0.0])


def test_real_methods_broadcast_a_constant_and_take_the_real_part() -> None:
    """A constant f still gives one derivative per point; a complex-valued f (a
    lambdified expression on real input) is differentiated through its real part."""
    res = fd.derivative(lambda v: 5.0, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(res.df, [0.0, 0.0, 0.0])
    res = fd.derivative(lambda v: (v + 0j) ** 2, 1.5, method="central")
    assert res.df == pytest.approx(3.0, rel=1e-12, abs=0)


# -------------------------------------------------------------- steps and dtypes
@pytest.mark.parametrize("x", [np.array([True, False]), np.array([1, 0], dtype=np.uint8)])
def test_bool_and_unsigned_x_become_float64(x: np.ndarray) -> None:
    res = fd.derivative(np.sin, x)
    np.testing.assert_allclose(res.df, np.cos([1.0, 0.0]), rtol=1e-9)
    np.testing.assert_allclose(res.step, fd.default_step([1.0, 0.0]), rtol=1e-9)


def test_float16_is_kept() -> None:
    """Evaluated in float16, with a float16-sized step: accurate to float16 only."""
    x = np.array([0.5, 1.0], dtype=np.float16)
    res = fd.derivative(np.sin, x)
    eps16 = float(np.finfo(np.float16).eps)
    np.testing.assert_allclose(res.step, eps16 ** (1 / 3) * np.array([1.0, 1.0]), rtol=0.05)
    err = np.abs(res.df - np.cos(x.astype(np.float64)))
    assert np.all(err < 0.05)
    assert np.any(err > 1e-6)


def test_extended_precision_x_is_refused() -> None:
    x = np.array([1.0], dtype=np.longdouble)
    if x.dtype.itemsize <= 8:
        pytest.skip("long double is float64 on this platform")
    with pytest.raises(
        TypeError,
        match=exactly(
            f"`x` must be real numbers (float16/32/64 or integers), got dtype {x.dtype}."
        ),
    ):
        fd.derivative(np.sin, x)


@pytest.mark.parametrize("step", [0.0, math.inf, math.nan, [0.1, -0.1]])
def test_step_must_be_positive_and_finite(step: object) -> None:
    with pytest.raises(ValueError, match=exactly("`step` must be positive and finite.")):
        fd.derivative(np.sin, [0.0, 1.0], step=step)  # type: ignore[arg-type]


def test_step_per_point_is_used_as_given() -> None:
    res = fd.derivative(np.sin, [0.0, 1.0], step=[0.25, 0.5])
    np.testing.assert_array_equal(res.step, [0.25, 0.5])
    res = fd.derivative(np.sin, [0.0, 1.0], method="richardson", step=[0.25, 0.5])
    np.testing.assert_array_equal(res.step, [0.25, 0.5])


def test_method_must_be_a_known_name() -> None:
    with pytest.raises(
        ValueError,
        match=exactly("`method` must be one of 'central', 'richardson', 'complex'; got 3."),
    ):
        fd.derivative(np.sin, 1.0, method=3)  # type: ignore[arg-type]


def test_default_step_of_integers_and_of_an_explicit_dtype() -> None:
    assert fd.default_step(3)[()] == pytest.approx(3 * EPS ** (1 / 3), rel=1e-15, abs=0)
    assert fd.default_step(0.0, dtype=np.float32)[()] == pytest.approx(EPS32 ** (1 / 3))
    assert fd.default_step(np.float32(2.0), dtype=np.float64)[()] == pytest.approx(
        2 * EPS ** (1 / 3)
    )


# ------------------------------------------------------------------ jacobian
def test_jacobian_defaults_and_bookkeeping() -> None:
    """Richardson by default, the documented default step, 6 evaluations per column."""
    x = np.array([0.5, -1.0, 2.0])
    jac = fd.jacobian(actref.softmax, x)
    assert (jac.method, jac.nfev) == ("richardson", 3 * 6)
    np.testing.assert_array_equal(jac.step, fd.default_step(x, "richardson"))
    central = fd.jacobian(actref.softmax, x, method="central")
    assert (central.method, central.nfev) == ("central", 3 * 4)
    np.testing.assert_array_equal(central.step, fd.default_step(x, "central"))


def test_jacobian_with_an_explicit_step_and_batch() -> None:
    """Quadratic maps are differentiated exactly by central differences at any step."""

    def f(v: np.ndarray) -> np.ndarray:
        return np.stack([v[..., 0] * v[..., 1], v[..., 1] ** 2 - v[..., 0]], axis=-1)

    x = np.array([[2.0, 3.0], [-1.0, 0.5]])
    jac = fd.jacobian(f, x, method="central", step=0.25)
    want = [[[3.0, 2.0], [-1.0, 6.0]], [[0.5, -1.0], [-1.0, 1.0]]]
    np.testing.assert_array_equal(jac.df, want)
    np.testing.assert_array_equal(jac.step, np.full((2, 2), 0.25))


def test_jacobian_error_estimates_are_the_truncation_terms() -> None:
    """For f(v) = (v0^3, v0 v1) at (1, 2): central d/dv0 of v0^3 is off by exactly h^2,
    and that is the estimate; Richardson is exact on a cubic."""
    h = 2.0**-6

    def f(v: np.ndarray) -> np.ndarray:
        return np.stack([v[..., 0] ** 3, v[..., 0] * v[..., 1]], axis=-1)

    central = fd.jacobian(f, [1.0, 2.0], method="central", step=h)
    assert central.df[0, 0] - 3.0 == pytest.approx(h**2, rel=1e-9, abs=0)
    rounding = 2 * EPS * (1 + 2 * h) ** 3 / h
    assert central.error[0, 0] == pytest.approx(h**2 + rounding, rel=1e-9, abs=0)
    rich = fd.jacobian(f, [1.0, 2.0], step=h)
    assert rich.df[0, 0] == pytest.approx(3.0, abs=1e-12)
    assert rich.error[0, 0] == pytest.approx(4 * EPS * (1 + h) ** 3 / (h / 4), rel=0.5, abs=0)


def test_jacobian_of_x7_matches_the_scalar_richardson() -> None:
    def f(v: np.ndarray) -> np.ndarray:
        return v**7

    jac = fd.jacobian(f, [1.0], step=0.5)
    scalar = fd.derivative(lambda v: v**7, 1.0, method="richardson", step=0.5)
    assert jac.df[0, 0] == scalar.df
    assert jac.error[0, 0] == scalar.error


def test_jacobian_falls_back_where_f_is_not_twice_differentiable() -> None:
    jac = fd.jacobian(lambda v: v * np.abs(v), [0.0], step=0.5)
    assert jac.df[0, 0] == 0.0
    assert jac.error[0, 0] == pytest.approx(0.125, rel=1e-12, abs=0)


# ------------------------------------------------------------ check_derivative
def test_smooth_points_use_the_chosen_estimator() -> None:
    x = np.array([0.3, 1.7])
    for method in ("central", "richardson"):
        check = fd.check_derivative(np.sin, np.cos, x, method=method)  # type: ignore[arg-type]
        est = fd.derivative(np.sin, x, method=method)  # type: ignore[arg-type]
        assert check.ok
        np.testing.assert_array_equal([p.expected for p in check.points], est.df)
        rtol = math.sqrt(EPS)
        np.testing.assert_allclose(
            [p.tolerance for p in check.points],
            4 * est.error + rtol * np.abs(est.df),
            rtol=1e-12,
        )


def test_check_derivative_refuses_the_complex_method() -> None:
    with pytest.raises(
        ValueError,
        match=exactly("`method` must be one of 'central', 'richardson'; got 'complex'."),
    ):
        fd.check_derivative(np.sin, np.cos, [1.0], method="complex")  # type: ignore[arg-type]


def test_default_rtol_is_the_square_root_of_eps() -> None:
    """float64: rtol 1.5e-8, so 1e-7 relative is caught and 1e-9 is not; float32: 3.5e-4."""
    x = np.array([0.3, 1.0, 2.0])
    assert len(fd.check_derivative(np.sin, lambda v: np.cos(v) * (1 + 1e-7), x).failures) == 3
    assert fd.check_derivative(np.sin, lambda v: np.cos(v) * (1 + 1e-9), x).ok
    x32 = x.astype(np.float32)
    check = fd.check_derivative(np.sin, np.cos, x32)
    for p in check.points:
        assert p.tolerance >= math.sqrt(EPS32) * abs(p.expected)
        assert p.tolerance < 2 * math.sqrt(EPS32) * abs(p.expected)


@pytest.mark.parametrize(("rtol", "ok"), [(1e-3, True), (1e-5, False), (0, False), (0.0, False)])
def test_explicit_rtol(rtol: float, ok: bool) -> None:
    check = fd.check_derivative(np.sin, lambda v: np.cos(v) * (1 + 1e-4), [0.5, 1.0], rtol=rtol)
    assert check.ok is ok


@pytest.mark.parametrize("rtol", [math.inf, math.nan, -1e-300, "0.1", None])
def test_bad_rtol(rtol: object) -> None:
    if rtol is None:  # None is the default, not an error
        assert fd.check_derivative(np.sin, np.cos, [1.0], rtol=rtol).ok  # type: ignore[arg-type]
        return
    with pytest.raises(
        ValueError, match=exactly(f"`rtol` must be a finite number >= 0; got {rtol!r}.")
    ):
        fd.check_derivative(np.sin, np.cos, [1.0], rtol=rtol)  # type: ignore[arg-type]


def test_a_scalar_claimed_derivative_is_broadcast() -> None:
    assert fd.check_derivative(lambda v: 2 * v, lambda v: 2.0, [1.0, 2.0, 3.0]).ok
    assert not fd.check_derivative(lambda v: 2 * v, lambda v: 2.1, [1.0, 2.0, 3.0]).ok


def test_worst_is_the_largest_error_to_tolerance_ratio_not_the_largest_error() -> None:
    """At 5 the absolute error (1.5e-4) is larger, at 0 the relative one (1e-5)."""
    x = np.array([5.0, 0.0])
    factor = np.array([1 + 1e-6, 1 + 1e-5])
    check = fd.check_derivative(np.exp, lambda v: np.exp(v) * factor, x)
    assert not check.ok
    assert check.worst_x == 0.0
    # per-point verdicts are built on demand from arrays: equal in content, and nan
    # (left/right away from a kink) is never == itself, so compare their messages
    assert check.worst_index == 1
    assert check.worst.describe() == check.points[1].describe()
    assert check.max_error == pytest.approx(math.exp(5.0) * 1e-6, rel=1e-6, abs=0)
    assert [p.describe() for p in check.failures] == [p.describe() for p in check.points]


def test_a_point_with_zero_tolerance_and_zero_error_passes_and_is_not_the_worst() -> None:
    """f = 0 around 0: no rounding, no truncation, tolerance 0; an exact claim passes
    there, and the worst point is the one that actually has an error."""
    zero_left = actref.get("relu")
    x = np.array([-3.0, 2.0])
    check = fd.check_derivative(
        lambda v: zero_left(v) ** 2, lambda v: 2 * zero_left(v), x, rtol=0.0
    )
    # no rounding, no truncation: only the subnormal floor is left
    assert check.points[0].tolerance == np.finfo(np.float64).smallest_normal
    assert check.points[0].error == 0.0
    assert check.ok
    assert check.worst_x == 2.0
    wrong = fd.check_derivative(
        lambda v: zero_left(v) ** 2, lambda v: 2 * zero_left(v) + 1e-300, x, rtol=0.0
    )
    assert not wrong.points[0].ok
    assert wrong.worst_x == -3.0


def test_nan_claims_and_nan_functions_fail() -> None:
    check = fd.check_derivative(np.sin, lambda v: np.where(v > 1, np.nan, np.cos(v)), [0.5, 2.0])
    assert [p.ok for p in check.points] == [True, False]
    assert check.points[1].error == math.inf
    assert check.max_error == math.inf
    assert check.worst_x == 2.0
    bad_f = fd.check_derivative(lambda v: np.where(v > 1, np.nan, v), np.ones_like, [0.5, 2.0])
    assert [p.ok for p in bad_f.points] == [True, False]
    assert bad_f.points[1].tolerance == 0.0


def test_once_differentiable_point_is_resolved_one_sidedly() -> None:
    """softsign at 0 is differentiable (f' = 1) but not twice: the one-sided stencils
    resolve it to better than 1e-9, so a relative error of 1e-6 is caught there."""
    softsign = actref.get("softsign")
    check = fd.check_derivative(softsign, softsign.grad, [0.0])
    assert check.ok
    assert abs(check.points[0].expected - 1.0) < 1e-9
    assert check.points[0].tolerance < 2e-8
    assert not fd.check_derivative(softsign, lambda v: softsign.grad(v) * (1 + 1e-6), [0.0]).ok


def test_near_kink_means_within_one_step() -> None:
    """Richardson's stencil spans x ± h with h = eps^(1/7) near 0: a point exactly h
    from the kink is differentiated one-sidedly, one just beyond it is smooth."""
    h = float(fd.default_step(0.0, "richardson"))
    check = fd.check_derivative(RELU, RELU.grad, [h, -h, 2 * h], kinks=[0.0])
    assert [p.kind for p in check.points] == ["near-kink", "near-kink", "smooth"]
    assert check.ok
    central = fd.check_derivative(RELU, RELU.grad, [1e-3], kinks=[0.0], method="central")
    assert central.points[0].kind == "smooth"


@pytest.mark.parametrize("kinks", [[1e-6, -1e-6], [-1e-6, 1e-6, 1e-6]])
def test_kinks_closer_than_the_stencil(kinks: list[float]) -> None:
    """hardtanh on [-1e-6, 1e-6]: the stencil at each kink must stop short of the other
    one (eight steps to spare), in whatever order the kinks are given."""
    act = actref.get("hardtanh", min_val=-1e-6, max_val=1e-6)
    x = [-1e-6, -5e-7, 0.0, 5e-7, 1e-6, 2e-6]
    check = fd.check_derivative(act, act.grad, x, kinks=kinks)
    assert check.ok, check.worst.describe("hardtanh")
    kinds = ["kink", "near-kink", "near-kink", "near-kink", "kink", "near-kink"]
    assert [p.kind for p in check.points] == kinds
    assert (check.points[0].left, check.points[0].right) == (0.0, pytest.approx(1.0))
    assert (check.points[4].left, check.points[4].right) == (pytest.approx(1.0), 0.0)
    for wrong in (0.0, 2.0):
        bad = fd.check_derivative(act, lambda v, w=wrong: np.full_like(v, w), [0.0], kinks=kinks)
        assert not bad.ok


def test_near_kink_goes_away_from_the_nearest_kink() -> None:
    """elu(alpha=2) at ±1e-7: above the kink the line (slope 1), below it the
    exponential piece (slope 2 e^x); the point at 3 is far from the kink."""
    elu = actref.get("elu", alpha=2.0)
    check = fd.check_derivative(elu, elu.grad, [1e-7, -1e-7, 3.0], kinks=elu.kinks)
    assert check.ok
    assert [p.kind for p in check.points] == ["near-kink", "near-kink", "smooth"]
    assert check.points[0].expected == pytest.approx(1.0, abs=1e-9)
    assert check.points[1].expected == pytest.approx(2 * math.exp(-1e-7), abs=1e-9)
    swapped = fd.check_derivative(elu, elu.grad, [1e-7, -1e-7], kinks=[0.0, 0.0])
    assert swapped.ok


def test_describe_away_from_a_kink() -> None:
    check = fd.check_derivative(np.sin, lambda v: 2.0 * np.ones_like(v), [0.0])
    text = check.worst.describe("sin")
    assert text.startswith("sin'(x=0.0) = 2.0, expected 0.99999999"), text
    assert text.endswith(" (error 1, tolerance 1.5e-08, smooth)"), text
    assert check.worst.describe().startswith("f'(x=0.0) = 2.0, expected ")


# --------------------------------------------------------------------- Taylor
def test_taylor_steps_halve_from_a_sixteenth() -> None:
    res = fd.taylor_test(np.sin, np.cos, [0.5, -4.0])
    assert res.steps.shape == res.remainders.shape == (2, 32)
    np.testing.assert_array_equal(res.steps[0], 2.0 ** -np.arange(4, 36))
    np.testing.assert_array_equal(res.steps[1], 4 * 2.0 ** -np.arange(4, 36))
    short = fd.taylor_test(np.sin, np.cos, [0.5], n_steps=4)
    assert short.steps.shape == (1, 4)
    assert short.ok


def test_taylor_first_step_is_half_the_distance_to_a_kink() -> None:
    res = fd.taylor_test(RELU, RELU.grad, [2.0**-8, -(2.0**-6), 1.0], kinks=[0.0])
    assert res.steps[0, 0] == 2.0**-9
    assert res.steps[1, 0] == 2.0**-7
    assert res.steps[2, 0] == 2.0**-4


def test_taylor_worst_point_and_shape() -> None:
    x = np.array([[0.3, 1.0], [2.0, -1.0]])
    wrong_at_2 = fd.taylor_test(np.sin, lambda v: np.cos(v) + 1e-4 * (v == 2.0), x, kinks=[])
    assert wrong_at_2.order.shape == (2, 2)
    assert not wrong_at_2.ok
    assert wrong_at_2.worst_x == 2.0
    assert wrong_at_2.order[1, 0] == pytest.approx(1.0, abs=0.1)
    right = np.delete(wrong_at_2.order.ravel(), 2)
    np.testing.assert_allclose(right, 2.0, atol=0.1)


def test_taylor_with_a_scalar_derivative() -> None:
    """A linear f: every remainder is rounding, the order nan, the first point reported."""
    res = fd.taylor_test(lambda v: 3 * v, lambda v: 3.0, [1.0, 2.0])
    assert res.ok
    assert np.all(np.isnan(res.order))
    assert res.worst_x == 1.0
    assert not fd.taylor_test(lambda v: 3 * v, lambda v: 3.001, [1.0, 2.0]).ok


@pytest.mark.parametrize("n_steps", [3, 4.0, "8"])
def test_taylor_n_steps_must_be_an_integer_of_at_least_4(n_steps: object) -> None:
    with pytest.raises(
        ValueError, match=exactly(f"`n_steps` must be an integer >= 4; got {n_steps!r}.")
    ):
        fd.taylor_test(np.sin, np.cos, [1.0], n_steps=n_steps)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_jacobian_in_float32_evaluates_f_in_float32(method: str) -> None:
    """float32 input: f sees float32, the steps are float32-sized, and the result is as
    accurate as float32 allows (no better: float32 really was used)."""
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    seen: set[np.dtype[np.generic]] = set()

    def f(v: np.ndarray) -> np.ndarray:
        seen.add(v.dtype)
        return actref.softmax(v)

    jac = fd.jacobian(f, x, method=method)  # type: ignore[arg-type]
    assert seen == {np.dtype(np.float32)}
    np.testing.assert_array_equal(jac.step, fd.default_step(x, method))
    assert jac.step[0] > 10 * fd.default_step(0.5, method)  # far above the float64 step
    err = np.abs(jac.df - actref.softmax_jacobian(x.astype(np.float64)))
    assert np.all(err <= 4 * jac.error)
    assert 1e-9 < err.max() < 1e-4


def test_taylor_goes_on_after_a_kink_and_a_linear_piece() -> None:
    """elu(alpha=2): skipped at the kink, nan on the line, order 2 on the exponential."""
    elu = actref.get("elu", alpha=2.0)
    res = fd.taylor_test(elu, elu.grad, [0.0, 2.0, -1.0], kinks=elu.kinks)
    assert res.ok
    assert np.isnan(res.order[:2]).all()
    assert res.order[2] == pytest.approx(2.0, abs=0.1)
    wrong = fd.taylor_test(elu, lambda v: elu.grad(v) * (1 + 1e-4), [0.0, 2.0, -1.0], kinks=[0])
    assert not wrong.ok
    assert wrong.worst_x == -1.0


def test_taylor_near_a_kink_away_from_zero() -> None:
    hardtanh = actref.get("hardtanh")  # kinks at -1 and 1
    res = fd.taylor_test(
        hardtanh, hardtanh.grad, [1 + 2.0**-8, -1 - 2.0**-6], kinks=hardtanh.kinks
    )
    np.testing.assert_array_equal(res.steps[:, 0], [2.0**-9, 2.0**-7])
    one_kink = fd.taylor_test(np.sin, np.cos, [1 + 2.0**-8, -1.0], kinks=[1.0])
    np.testing.assert_array_equal(one_kink.steps[:, 0], [2.0**-9, 2.0**-4])


def test_taylor_in_float32_evaluates_in_float32() -> None:
    seen: set[tuple[str, np.dtype[np.generic]]] = set()

    def f(v: np.ndarray) -> np.ndarray:
        seen.add(("f", v.dtype))
        return np.sin(v)

    def df(v: np.ndarray) -> np.ndarray:
        seen.add(("df", v.dtype))
        return np.cos(v)

    res = fd.taylor_test(f, df, np.array([0.3, 1.0], dtype=np.float32))
    assert seen == {("f", np.dtype(np.float32)), ("df", np.dtype(np.float32))}
    assert res.ok
    # the steps taken are the float32 ones: x + h is a float32
    xp = np.float32(0.3).astype(np.float64) + res.steps[0]
    np.testing.assert_array_equal(xp.astype(np.float32).astype(np.float64), xp)


def test_taylor_of_an_infinite_or_huge_function_warns_nothing() -> None:
    """inf - inf and |f(x+h)| + |f(x)| beyond the largest float stay silent (and pass:
    no remainder stands clear of the noise)."""
    inf_right = fd.taylor_test(lambda v: np.where(v > 0, np.inf, 0.0), np.zeros_like, [1.0])
    assert inf_right.ok
    huge = fd.taylor_test(lambda v: np.full_like(v, 1.5e308), np.zeros_like, [1.0])
    assert huge.ok
    assert np.isnan(huge.order).all()


def test_float32_check_evaluates_everything_in_float32() -> None:
    """Smooth, near-kink and kink points alike: f sees float32, the smooth estimate is
    the float32 one, and "near" is judged by the float32 step (0.1 for Richardson, so
    0.05 from the kink is near; in float64 it is smooth)."""
    seen: set[np.dtype[np.generic]] = set()

    def f(v: np.ndarray) -> np.ndarray:
        seen.add(v.dtype)
        return RELU(v)

    x = np.array([0.0, 0.05, 2.0], dtype=np.float32)
    check = fd.check_derivative(f, RELU.grad, x, kinks=[0.0])
    assert seen == {np.dtype(np.float32)}
    assert [p.kind for p in check.points] == ["kink", "near-kink", "smooth"]
    assert check.ok
    x64 = fd.check_derivative(RELU, RELU.grad, [0.05], kinks=[0.0])
    assert x64.points[0].kind == "smooth"
    x32 = np.array([0.3, 1.7], dtype=np.float32)
    sin32 = fd.check_derivative(np.sin, np.cos, x32)
    est = fd.derivative(np.sin, x32, method="richardson")
    np.testing.assert_array_equal([p.expected for p in sin32.points], est.df)


def test_one_sided_stencil_on_a_cubic_piece() -> None:
    """Right of 0, f = x^3: the one-sided quadratic stencil gives -11 h^2 and, at 2h,
    -44 h^2; a third of the gap, 11 h^2, is its error estimate (rtol 0: the tolerance
    is four times that, plus a rounding term far below it)."""
    h = float(fd.default_step(0.0))

    def f(v: np.ndarray) -> np.ndarray:
        return np.where(v > 0, v**3, 0.0)

    check = fd.check_derivative(f, np.zeros_like, [0.0], kinks=[0.0], rtol=0.0)
    p = check.points[0]
    assert p.right == pytest.approx(-11 * h**2, rel=1e-6, abs=0)
    assert p.left == 0.0
    assert p.tolerance == pytest.approx(4 * 11 * h**2, rel=1e-3, abs=0)


def test_one_sided_stencil_meeting_infinity_is_silent_and_fails() -> None:
    def f(v: np.ndarray) -> np.ndarray:
        return np.where(v > 0, np.inf, 0.0)

    assert not fd.check_derivative(f, np.zeros_like, [0.0], kinks=[0.0]).ok


def test_rounding_terms_of_complex_step_and_central_jacobian() -> None:
    """Linear maps: no truncation, so the estimates are the rounding terms alone:
    eps |f'| for the complex step, 2 eps max|f| / h for central differences."""
    res = fd.derivative(lambda z: 3 * z + 1, 2.0, method="complex", step=1e-3)
    assert res.df == 3.0
    assert res.error == pytest.approx(3 * EPS, rel=1e-12, abs=0)
    h = 2.0**-4
    jac = fd.jacobian(lambda v: 1e6 + 3 * v, [2.0], method="central", step=h)
    assert jac.df[0, 0] == 3.0
    assert jac.error[0, 0] == pytest.approx(
        2 * EPS * (1e6 + 3 * (2 + 2 * h)) / h, rel=1e-12, abs=0
    )


def test_describe_at_a_kink_prints_no_negative_zero() -> None:
    # a one-sided derivative of -0.0 (a flat piece approached from the left) reads 0
    point = fd.PointCheck(
        x=0.0, claimed=2.0, expected=0.0, left=-0.0, right=-0.0, error=2.0,
        tolerance=1e-9, kind="kink", ok=False,
    )  # fmt: skip
    assert "expected between 0 and 0 (one-sided derivatives)" in point.describe("g")


def test_float32_checks_the_float32_derivative() -> None:
    # the claimed derivative is evaluated on float32 input, as the user's code would be
    def df(v: np.ndarray) -> np.ndarray:
        return np.cos(v) * (1.01 if v.dtype == np.float32 else 1.0)

    x = np.array([0.5, 1.0], dtype=np.float32)
    assert not fd.check_derivative(np.sin, df, x).ok
    assert fd.check_derivative(np.sin, df, x.astype(np.float64)).ok


def test_an_infinite_function_value_fails_the_point_without_a_warning() -> None:
    # f = inf on both sides of x: the difference quotient is nan, reported as a failed
    # point (pytest turns any NumPy warning into an error here)
    def f(v: np.ndarray) -> np.ndarray:
        return np.where(v > 700.0, np.inf, v)

    for method in ("central", "richardson"):
        d = fd.derivative(f, [800.0, 1.0], method=method)
        assert np.isnan(d.df[0])
        assert d.df[1] == pytest.approx(1.0)
    check = fd.check_derivative(f, np.ones_like, [800.0, 1.0])
    assert [p.ok for p in check.points] == [False, True]
    assert check.worst_x == 800.0
    at_edge = fd.check_derivative(f, np.ones_like, [700.0], kinks=[700.0])
    assert not at_edge.ok
    assert at_edge.points[0].kind == "kink"
