"""The kernels' constants are what tools/gen_constants.py computes, and its sources agree."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import mpmath
import pytest
import sympy

import actref
from actref.kernels import constants
from actref.symbolic import x as X

ROOT = Path(__file__).resolve().parent.parent


def test_generated_module_is_current() -> None:
    run = subprocess.run(
        [sys.executable, "tools/gen_constants.py", "--check"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


def test_constants_are_correctly_rounded() -> None:
    # an independent check of three, at another precision
    with mpmath.workdps(50):
        assert float(mpmath.sqrt(mpmath.mpf(1) / 2)) == constants.SQRT1_2
        assert float(1 / mpmath.sqrt(2 * mpmath.pi)) == constants.INV_SQRT_2PI
        assert float(mpmath.sqrt(2 / mpmath.pi)) == constants.SQRT_2_OVER_PI


# ------------------------------------------------------------------------- gaussian
def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_constants", ROOT / "tools/gen_constants.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks itself up there
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()


def _mp(hi: float, lo: float) -> mpmath.mpf:
    return mpmath.mpf(hi) + lo


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
    assert float(GEN._bits(mpmath.mpf(v), n)) == expected


def test_bits_keeps_n_bits_and_rounds_to_nearest() -> None:
    for v in (math.pi, math.e, -1 / 3, 0.044715, 123456.789):
        for n in (13, 14, 40):
            r = float(GEN._bits(mpmath.mpf(v), n))
            m = math.frexp(r)[0]
            assert float(m * 2**n).is_integer(), (v, n)
            assert abs(r - v) <= math.ldexp(1.0, math.frexp(v)[1] - n - 1), (v, n)


def test_gelu_tanh_heads_make_exact_products() -> None:
    # A_HEAD h and B_HEAD h^3 are exact for a 13-bit h (kernels/gaussian.py, _two_z)
    assert float(mpmath.mpf(constants.GELU_TANH_A_HEAD) * 2**40).is_integer()
    assert float(mpmath.mpf(constants.GELU_TANH_B_HEAD) * 2**17).is_integer()
    with mpmath.workdps(60):
        a = 2 * mpmath.sqrt(2 / mpmath.pi)
        b = a * mpmath.mpf(44715) / 10**6
        assert abs(_mp(constants.GELU_TANH_A_HEAD, constants.GELU_TANH_A_TAIL) - a) < a * 2.0**-92
        assert abs(_mp(constants.GELU_TANH_B_HEAD, constants.GELU_TANH_B_TAIL) - b) < b * 2.0**-66


@pytest.mark.parametrize("v", ["-3.5", "-1.25", "-0.4", "0.3", "2.0"])
def test_gelu_tanh_h_is_the_derivative_over_sigma_sigma(v: str) -> None:
    # gelu_tanh'(x) = sigma(2z) sigma(-2z) h(x), 2z = 2 sqrt(2/pi) (x + 0.044715 x^3)
    with mpmath.workdps(45):
        xv = mpmath.mpf(v)
        two_z = 2 * mpmath.sqrt(2 / mpmath.pi) * (xv + mpmath.mpf("0.044715") * xv**3)
        ss = 1 / ((1 + mpmath.exp(-two_z)) * (1 + mpmath.exp(two_z)))
        dexpr = actref.get("gelu_tanh").dexpr
        want = mpmath.mpf(str(sympy.N(dexpr.subs(X, sympy.Float(v, 45)), 45)))
        assert abs(GEN.gelu_tanh_h(xv) * ss - want) < mpmath.mpf(10) ** -35


@pytest.mark.parametrize(
    ("hi", "lo", "function"),
    [
        (
            constants.GELU_GRAD_X0_HI,
            constants.GELU_GRAD_X0_LO,
            lambda v: mpmath.ncdf(v) + v * mpmath.npdf(v),
        ),
        (constants.GELU_TANH_GRAD_X0_HI, constants.GELU_TANH_GRAD_X0_LO, GEN.gelu_tanh_h),
    ],
    ids=["gelu", "gelu_tanh"],
)
def test_derivative_zeros_are_double_double_roots(hi: float, lo: float, function: Any) -> None:
    with mpmath.workdps(45):
        x0 = _mp(hi, lo)
        # a sign change within 1e-30 of x0: the root to double-double accuracy
        eps = mpmath.mpf(10) ** -30
        assert function(x0 - eps) * function(x0 + eps) < 0


def test_gelu_tanh_grad_e0_is_e_to_2z_at_the_zero() -> None:
    # e^{2z(x0)} with 2z taken with the kernel's rounded A (see gen_constants): within
    # an ULP of the exact value
    with mpmath.workdps(45):
        x0 = _mp(constants.GELU_TANH_GRAD_X0_HI, constants.GELU_TANH_GRAD_X0_LO)
        u0 = x0 + mpmath.mpf(44715) / 10**6 * x0**3
        assert float(mpmath.exp(constants.GELU_TANH_A * u0)) == constants.GELU_TANH_GRAD_E0
        exact = mpmath.exp(2 * mpmath.sqrt(2 / mpmath.pi) * u0)
        assert abs(constants.GELU_TANH_GRAD_E0 - exact) < math.ulp(constants.GELU_TANH_GRAD_E0)
        assert float(x0**2) == constants.GELU_TANH_GRAD_X0_SQUARED


def test_gelu_grad_taylor_coefficients_reproduce_n() -> None:
    # N = Phi/phi + x around its zero x0: d (c1 + c2 d + ...) with d = x - x0, through
    # the whole window where the kernel uses it, to a fraction of an ULP
    coefs = constants.GELU_GRAD_SERIES
    with mpmath.workdps(50):
        x0 = _mp(constants.GELU_GRAD_X0_HI, constants.GELU_GRAD_X0_LO)
        lo, hi = constants.GELU_GRAD_SERIES_FROM, constants.GELU_GRAD_SERIES_TO
        for v in mpmath.linspace(lo, hi, 41):
            d = v - x0
            series = d * sum(mpmath.mpf(c) * d**k for k, c in enumerate(coefs))
            want = mpmath.ncdf(v) / mpmath.npdf(v) + v
            assert abs(series - want) <= abs(want) * mpmath.mpf(2) ** -54, v


# --------------------------------------------------------------------------- smooth
def _derivative_at(name: str, v: mpmath.mpf) -> mpmath.mpf:
    expr = actref.get(name).dexpr
    return mpmath.mpf(str(sympy.N(expr.subs(X, sympy.Float(str(v), 45)), 45)))


@pytest.mark.parametrize(
    ("name", "hi", "lo"),
    [
        ("silu", constants.SILU_X0_HI, constants.SILU_X0_LO),
        ("mish", constants.MISH_X0_HI, constants.MISH_X0_LO),
    ],
)
def test_smooth_derivative_zeros_are_double_double_roots(name: str, hi: float, lo: float) -> None:
    # the derivative (from sympy.diff, not from the generator's h) changes sign within
    # 1e-30 of hi + lo: the zero to double-double accuracy
    with mpmath.workdps(45):
        x0 = _mp(hi, lo)
        eps = mpmath.mpf(10) ** -30
        assert _derivative_at(name, x0 - eps) * _derivative_at(name, x0 + eps) < 0


def test_silu_t0_is_exp_of_its_x0() -> None:
    with mpmath.workdps(45):
        assert float(mpmath.exp(_mp(constants.SILU_X0_HI, constants.SILU_X0_LO))) == (
            constants.SILU_T0
        )


@pytest.mark.parametrize("v", ["-2.0", "-1.25", "-1.19", "-0.7", "-0.4"])
def test_mish_expansion_around_x0_is_the_derivative(v: str) -> None:
    # mish'(x) = t h / q^2 (t = e^x, q = t (t + 2) + 2), with h(x0 + d) expanded in
    # m = expm1(d) and d by the generated coefficients; held to sympy.diff of mish
    c = constants
    with mpmath.workdps(45):
        xv = mpmath.mpf(v)
        d = xv - _mp(c.MISH_X0_HI, c.MISH_X0_LO)
        m = mpmath.expm1(d)
        h = c.MISH_H_M * m + c.MISH_H_D * d + c.MISH_H_MM * m**2 + c.MISH_H_MMM * m**3
        h += c.MISH_H_MD * m * d
        t = mpmath.exp(xv)
        got = t * h / (t * (t + 2) + 2) ** 2
        want = _derivative_at("mish", xv)
        # the coefficients are rounded to float64: agreement to ~1e-15 relative
        assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** -14
    assert c.MISH_H_D_HEAD + c.MISH_H_D_TAIL == c.MISH_H_D


def test_tanhshrink_series_is_x_cosh_x_minus_sinh_x() -> None:
    with mpmath.workdps(40):
        exact = [mpmath.mpf(2 * k) / mpmath.factorial(2 * k + 1) for k in range(1, 12)]
        assert tuple(float(v) for v in exact) == constants.TANHSHRINK_SERIES
        # and the series sums to (x cosh x - sinh x) / x^3 at the switch, |x| = 1.5
        y = mpmath.mpf("2.25")
        total = sum(c * y**k for k, c in enumerate(exact))
        x = mpmath.mpf("1.5")
        assert abs(total - (x * mpmath.cosh(x) - mpmath.sinh(x)) / x**3) < 1e-17
