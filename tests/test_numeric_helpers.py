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


@pytest.mark.parametrize(
    ("v", "n", "expected"),
    [
        (math.pi, 2, 3.0),
        (1.0 + 2.0**-20, 14, 1.0),
        (1.0 + 2.0**-13, 14, 1.0 + 2.0**-13),
        (-0.7071067811865476, 3, -0.75),
        (1e-300, 1, 2.0 ** math.frexp(1e-300)[1] / 2),
    ],
)
def test_bits_rounds_to_n_significant_bits(v: float, n: int, expected: float) -> None:
    assert num._bits(v, n) == expected


def test_bits_keeps_n_bits_and_rounds_to_nearest() -> None:
    for v in (math.pi, math.e, -1 / 3, 0.044715, 123456.789):
        for n in (13, 14, 40):
            r = num._bits(v, n)
            m = math.frexp(r)[0]
            assert float(m * 2**n).is_integer(), (v, n)
            assert abs(r - v) <= math.ldexp(1.0, math.frexp(v)[1] - n - 1), (v, n)


def _sympy_grad_at(name: str, v: mpmath.mpf) -> mpmath.mpf:
    return mpmath.mpf(str(sympy.N(actref.get(name).dexpr.subs(X, sympy.Float(str(v), 45)), 45)))


@pytest.mark.parametrize("v", ["-3.5", "-1.25", "-0.4", "0.3", "2.0"])
def test_gelu_tanh_h_is_the_derivative_over_sigma_sigma(v: str) -> None:
    # gelu_tanh'(x) = sigma(2z) sigma(-2z) h(x), 2z = 2 sqrt(2/pi) (x + 0.044715 x^3)
    with mpmath.workdps(45):
        xv = mpmath.mpf(v)
        two_z = 2 * mpmath.sqrt(2 / mpmath.pi) * (xv + mpmath.mpf("0.044715") * xv**3)
        ss = 1 / ((1 + mpmath.exp(-two_z)) * (1 + mpmath.exp(two_z)))
        got = num._gelu_tanh_h(xv)
        assert abs(got * ss - _sympy_grad_at("gelu_tanh", xv)) < mpmath.mpf(10) ** -35


@pytest.mark.parametrize(
    ("root", "function"),
    [
        (num._GELU_X0, lambda v: mpmath.ncdf(v) + v * mpmath.npdf(v)),
        (num._GELU_TANH_X0, lambda v: num._gelu_tanh_h(v)),
    ],
    ids=["gelu", "gelu_tanh"],
)
def test_derivative_zeros_are_double_double_roots(
    root: tuple[float, float], function: object
) -> None:
    with mpmath.workdps(45):
        x0 = _mp(root)
        # a sign change within 1e-30 of x0: the root to double-double accuracy
        eps = mpmath.mpf(10) ** -30
        assert function(x0 - eps) * function(x0 + eps) < 0  # type: ignore[operator]


def test_gelu_grad_taylor_coefficients_reproduce_n() -> None:
    # N = Phi/phi + x around its zero x0: d (c0 + c1 d + ...) with d = x - x0, through
    # the whole window where numeric.py uses it, to a fraction of an ULP
    coefs = num._gelu_grad_coefficients()
    assert coefs == num._GELU_GRAD_N
    with mpmath.workdps(50):
        x0 = _mp(num._GELU_X0)
        for v in mpmath.linspace(num._GELU_GRAD_LO, num._GELU_GRAD_HI, 41):
            d = v - x0
            series = d * sum(mpmath.mpf(c) * d**k for k, c in enumerate(coefs))
            want = mpmath.ncdf(v) / mpmath.npdf(v) + v
            assert abs(series - want) <= abs(want) * mpmath.mpf(2) ** -54, v


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
    assert num._exact_in(dt, *values) is exact


def test_shrinks_run_natively_only_for_a_representable_lambda() -> None:
    assert num._lambd_native(F32)  # the default 0.5
    assert num._lambd_native(F32, 0.25)
    assert not num._lambd_native(F32, 0.3)


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
    assert num._slope_native(dt, a) is native


def test_slope_native_default_is_pytorchs_slope() -> None:
    assert num._slope_native(F32) is num._slope_native(F32, 0.01) is True


@pytest.mark.parametrize("a", [0.01, 0.1, 0.2, 1 / 3, 0.7, 1.0])
def test_a_native_slope_is_within_one_ulp(a: float) -> None:
    # the promise behind the flag: fl(fl(a) x) within 1 ULP of the exact a x
    if not num._slope_native(F32, a):
        pytest.skip("not native in float32")
    xs = np.geomspace(1e-30, 1e30, 2001).astype(np.float32)
    got = (np.float32(a) * xs).astype(np.float64)
    exact = [mpmath.mpf(a) * mpmath.mpf(float(v)) for v in xs]
    truth = np.array([oracle.round_to(e, np.float32) for e in exact])
    assert contract.ulp_error(got.astype(np.float32), truth, np.float32).max() <= 1
