"""The kernels' constants are what tools/gen_constants.py computes, and its sources agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
def test_derivative_zeros_are_double_double_roots(name: str, hi: float, lo: float) -> None:
    # the derivative (from sympy.diff, not from the generator's h) changes sign within
    # 1e-30 of hi + lo: the zero to double-double accuracy
    with mpmath.workdps(45):
        x0 = mpmath.mpf(hi) + lo
        eps = mpmath.mpf(10) ** -30
        assert _derivative_at(name, x0 - eps) * _derivative_at(name, x0 + eps) < 0


def test_silu_t0_is_exp_of_its_x0() -> None:
    with mpmath.workdps(45):
        t0 = mpmath.exp(mpmath.mpf(constants.SILU_X0_HI) + constants.SILU_X0_LO)
        assert float(t0) == constants.SILU_T0


@pytest.mark.parametrize("v", ["-2.0", "-1.25", "-1.19", "-0.7", "-0.4"])
def test_mish_expansion_around_x0_is_the_derivative(v: str) -> None:
    # mish'(x) = t h / q^2 (t = e^x, q = t (t + 2) + 2), with h(x0 + d) expanded in
    # m = expm1(d) and d by the generated coefficients; held to sympy.diff of mish
    c = constants
    with mpmath.workdps(45):
        xv = mpmath.mpf(v)
        d = xv - (mpmath.mpf(c.MISH_X0_HI) + c.MISH_X0_LO)
        m = mpmath.expm1(d)
        h = c.MISH_H_M * m + c.MISH_H_D * d + c.MISH_H_MM * m**2 + c.MISH_H_MMM * m**3
        h += c.MISH_H_MD * m * d
        t = mpmath.exp(xv)
        got = t * h / (t * (t + 2) + 2) ** 2
        want = _derivative_at("mish", xv)
        # the coefficients are rounded to float64: agreement to ~1e-15 relative
        assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** -14
    assert c.MISH_H_D_HEAD + c.MISH_H_D_TAIL == c.MISH_H_D


def test_tanhshrink_coefficients_are_the_series() -> None:
    with mpmath.workdps(40):
        for k in range(1, 12):
            exact = mpmath.mpf(2 * k) / mpmath.factorial(2 * k + 1)
            assert getattr(constants, f"TANHSHRINK_C{k}") == float(exact)
