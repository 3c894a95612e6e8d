"""dtype and shape behaviour, limits at ±inf, nan, kinks, warnings and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import actref
from actref import contract, oracle
from actref.hard_inputs import hard_inputs

ALL = [pytest.param(act, id=act.name) for act in actref.all_activations()]


@pytest.mark.parametrize("act", ALL)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtype_is_kept(act: actref.Activation, dtype: type) -> None:
    x = np.linspace(-3, 3, 7, dtype=dtype)
    assert act(x).dtype == dtype
    assert act.grad(x).dtype == dtype


@pytest.mark.parametrize("act", ALL)
def test_ints_and_bools_become_float64(act: actref.Activation) -> None:
    assert act(np.arange(-2, 3)).dtype == np.float64
    assert act.grad(np.array([True, False])).dtype == np.float64


@pytest.mark.parametrize("act", ALL)
def test_python_scalar_gives_0d_array_and_shape_is_kept(act: actref.Activation) -> None:
    out = act(0.25)
    assert isinstance(out, np.ndarray)
    assert out.shape == ()
    x = np.linspace(-2, 2, 24).reshape(2, 3, 4)
    assert act(x).shape == (2, 3, 4)
    assert act.grad(x.tolist()).shape == (2, 3, 4)


@pytest.mark.parametrize(
    "bad",
    [np.array([1 + 2j]), np.array([object()]), ["a", "b"], "x"],
    ids=["complex", "object", "strings", "string"],
)
def test_bad_input_names_the_accepted_dtypes(bad: object) -> None:
    act = actref.get("gelu")
    with pytest.raises(TypeError, match=r"x has dtype .*; accepted: real numbers \(float16/32/64"):
        act(bad)
    with pytest.raises(TypeError, match="accepted"):
        act.grad(bad)


@pytest.mark.parametrize("act", ALL)
def test_limits_at_infinity(act: actref.Activation) -> None:
    for part, fn, expr in (("value", act, act.expr), ("derivative", act.grad, act.dexpr)):
        for x in (-math.inf, math.inf):
            want = float(oracle.evaluate(expr, x))
            got = float(fn(x))
            assert got == want or (math.isnan(got) and math.isnan(want)), (
                f"{act.name}{'' if part == 'value' else chr(39)}(x={x}) = {got}, expected {want}"
            )


@pytest.mark.parametrize("act", ALL)
def test_nan_in_nan_out(act: actref.Activation) -> None:
    x = np.array([np.nan, 1.0, np.nan])
    assert np.isnan(act(x)[[0, 2]]).all()
    assert np.isnan(act.grad(x)[[0, 2]]).all()
    assert not np.isnan(act(x)[1])


@pytest.mark.parametrize("act", ALL)
def test_derivative_at_kinks_is_pytorchs(act: actref.Activation) -> None:
    for kink in act.kinks:
        got = float(act.grad(kink.at))
        assert got == kink.grad, f"{act.name}'(x={kink.at}) = {got}, expected {kink.grad}"


@pytest.mark.parametrize("act", ALL)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_no_warning_and_no_wrong_nonfinite_on_hard_inputs(
    act: actref.Activation, dtype: type
) -> None:
    """pytest turns every NumPy warning into an error; finite in -> finite or the true inf."""
    xs = hard_inputs(dtype, [k.at for k in act.kinks])
    finite = np.isfinite(xs)
    for fn, expr in ((act, act.expr), (act.grad, act.dexpr)):
        out = fn(xs)
        bad = finite & ~np.isfinite(out)
        for x, y in zip(xs[bad], out[bad], strict=True):
            # only an overflow of the true value may give inf: the oracle must round to it
            true = oracle.round_to(oracle.evaluate(expr, float(x)), dtype)
            assert y == true, f"{act.name}(x={x!r}) = {y!r}, expected {true!r}"


@pytest.mark.parametrize(
    ("name", "x", "want"),
    [
        ("tanhshrink", 1e-8, 1e-24 / 3),
        ("tanhshrink", -1e-100, -1e-300 / 3),
        ("gelu", -37.5, None),
        ("sigmoid", -40.0, None),
        ("softplus", 30.0, None),
    ],
    ids=lambda v: str(v),
)
def test_named_extremes(name: str, x: float, want: float | None) -> None:
    """Where textbook formulas break (REFERENCES/issue): the true value, not 0."""
    act = actref.get(name)
    truth = want if want is not None else oracle.round_to(oracle.evaluate(act.expr, x))
    got = float(act(x))
    err = float(contract.ulp_error(got, truth))
    assert err <= 8, f"{name}(x={x}) = {got}, expected {truth} (error {err:.3g} ULP)"
