"""The helpers numeric.py runs once, at import, to build its constants.

Their results are frozen into module constants before any test runs, so a test of the
kernels alone cannot notice a wrong helper until the constants happen to matter; these
tests call each helper and hold it against mpmath or SymPy directly.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy

import actref
from actref import contract, oracle
from actref import numeric as num
from actref.kernels import piecewise
from actref.symbolic import x as X


def _mp(pair: tuple[float, float]) -> mpmath.mpf:
    return mpmath.mpf(pair[0]) + pair[1]


def test_f64_is_a_0d_float64_constant() -> None:
    c = num._f64(0.1)
    assert isinstance(c, np.ndarray)
    assert c.shape == ()
    assert c.dtype == np.float64
    assert float(c) == 0.1


@pytest.mark.parametrize("value", [math.pi, -1 / 3, 1e-200, 2.0**70 + 1.5e54])
def test_dd_is_a_double_double(value: float) -> None:
    with mpmath.workdps(40):
        exact = mpmath.mpf(value) * mpmath.pi / 3  # not a float
        hi, lo = num._dd(exact)
        assert hi == float(exact)  # the correctly rounded head
        assert abs(lo) <= math.ulp(hi) / 2
        assert abs((mpmath.mpf(hi) + lo) - exact) <= abs(exact) * mpmath.mpf(2) ** -104


def test_root_is_the_zero_to_double_double_precision() -> None:
    hi, lo = num._root(lambda v: v * v - 2, 1.5)
    with mpmath.workdps(50):
        assert hi == float(mpmath.sqrt(2))
        assert abs(_mp((hi, lo)) - mpmath.sqrt(2)) < mpmath.mpf(10) ** -31


def _sympy_grad_at(name: str, v: mpmath.mpf) -> mpmath.mpf:
    return mpmath.mpf(str(sympy.N(actref.get(name).dexpr.subs(X, sympy.Float(str(v), 45)), 45)))


@pytest.mark.parametrize("v", ["-30", "-4.5", "-1.19", "-0.5", "0"])
def test_mish_grad_h_is_the_scaled_derivative(v: str) -> None:
    # for x <= 0: mish'(x) = t h(x) / (n + 2)^2, t = e^x, n = t (t + 2)
    with mpmath.workdps(45):
        xv = mpmath.mpf(v)
        t = mpmath.exp(xv)
        n = t * (t + 2)
        got = t * num._mish_grad_h(xv) / (n + 2) ** 2
        want = _sympy_grad_at("mish", xv)
        assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** -35 + mpmath.mpf(10) ** -40


@pytest.mark.parametrize(
    ("root", "function"),
    [(num._MISH_X0, lambda v: num._mish_grad_h(v))],
    ids=["mish"],
)
def test_derivative_zeros_are_double_double_roots(
    root: tuple[float, float], function: object
) -> None:
    with mpmath.workdps(45):
        x0 = _mp(root)
        # a sign change within 1e-30 of x0: the root to double-double accuracy
        eps = mpmath.mpf(10) ** -30
        assert function(x0 - eps) * function(x0 + eps) < 0  # type: ignore[operator]


F16, F32 = np.dtype(np.float16), np.dtype(np.float32)


@pytest.mark.parametrize(
    ("dt", "values", "exact"),
    [
        (F32, (0.5,), True),
        (F32, (0.5, 0.25, 6.0), True),
        (F32, (0.1,), False),
        (F32, (0.5, 0.1), False),  # every one must be exact
        (F16, (1e-8,), False),
        (F16, (2048.0,), True),
    ],
)
def test_exact_in_tells_representable_values(
    dt: np.dtype[Any], values: tuple[float, ...], exact: bool
) -> None:
    assert piecewise.representable(dt, *values) is exact


@pytest.mark.parametrize("name", ["softshrink", "hardshrink"])
def test_shrinks_run_natively_only_for_a_representable_lambda(name: str) -> None:
    for part in (name, name + "_grad"):
        native = getattr(piecewise, part).exact_in
        assert native(F32, 0.5)  # the default
        assert native(F32, 0.25)
        assert not native(F32, 0.3)


@pytest.mark.parametrize(
    ("dt", "a", "native"),
    [
        (F32, 0.01, True),  # 0.37 ULP from rounding the slope (the docstring's figure)
        (F16, 0.01, True),  # 0.44 ULP
        (F32, 0.0, True),
        (F32, 1.0, True),
        (F32, 0.5 + 2.0**-25, False),  # rounding the slope costs 1/2 ULP: 1 in all
        (F32, 1.5, False),  # a > 1 could overflow
        (F32, -0.01, False),
    ],
)
def test_slope_native_only_within_one_ulp(dt: np.dtype[Any], a: float, native: bool) -> None:
    assert piecewise.slope_native(dt, a) is native


def test_pytorchs_default_slope_runs_natively() -> None:
    default = actref.get("leaky_relu").params["negative_slope"]
    assert default == 0.01
    assert piecewise.leaky_relu.exact_in is piecewise.slope_native
    assert piecewise.slope_native(F32, default) is True


@pytest.mark.parametrize("a", [0.01, 0.1, 0.2, 1 / 3, 0.7, 1.0])
def test_a_native_slope_is_within_one_ulp(a: float) -> None:
    # the promise behind the flag: fl(fl(a) x) within 1 ULP of the exact a x
    if not piecewise.slope_native(F32, a):
        pytest.skip("not native in float32")
    xs = np.geomspace(1e-30, 1e30, 2001).astype(np.float32)
    got = (np.float32(a) * xs).astype(np.float64)
    exact = [mpmath.mpf(a) * mpmath.mpf(float(v)) for v in xs]
    truth = np.array([oracle.round_to(e, np.float32) for e in exact])
    assert contract.ulp_error(got.astype(np.float32), truth, np.float32).max() <= 1
