"""Write src/actref/kernels/constants.py: every constant the kernels use that is not a
short decimal, computed with mpmath at 200 bits and rounded once to float64.

    python tools/gen_constants.py            # rewrite the module
    python tools/gen_constants.py --check    # exit 1 if the module differs (a test runs this)

Each constant is named by its role, written as a hex float (exact) with its decimal
value and the mpmath expression that made it. A double-double ``(hi, lo)`` pair is two
constants ``NAME_HI``/``NAME_LO``: ``hi`` the correctly rounded value, ``lo`` the
correctly rounded rest. A series is a tuple of constants, each rounded once. Add a
constant to ``CONSTANTS`` in its family's section.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mpmath

PREC = 200  # bits: far beyond the 106 of a double-double, so every rounding is once
TARGET = Path(__file__).resolve().parent.parent / "src/actref/kernels/constants.py"
COMMAND = "python tools/gen_constants.py"


@dataclass(frozen=True)
class Constant:
    name: str
    make: Callable[[], mpmath.mpf | tuple[mpmath.mpf, ...]]  # called at PREC bits
    source: str  # the expression, as shown in the generated file
    doc: str
    double_double: bool = False


def _root(f: Callable[[mpmath.mpf], mpmath.mpf], guess: float) -> mpmath.mpf:
    return mpmath.findroot(f, mpmath.mpf(guess))


def _bits(v: mpmath.mpf, n: int) -> mpmath.mpf:
    """``v`` rounded to ``n`` significant bits, to nearest: a head whose product with a
    short enough factor is exact in float64 (the same as rounding ``float(v)`` to ``n``
    bits for every head below)."""
    m, e = mpmath.frexp(v)
    return mpmath.ldexp(mpmath.nint(m * 2**n), e - n)


# ------------------------------------------------------------------------- smooth
def _silu_x0() -> mpmath.mpf:
    """silu'(x) = sigma(x) sigma(-x) (1 + x + e^x): the zero of the last factor."""
    return _root(lambda v: 1 + v + mpmath.exp(v), -1.28)


def _mish_h(v: mpmath.mpf) -> mpmath.mpf:
    """mish'(x) = t h(x) / (t (t + 2) + 2)^2 with t = e^x (x <= 0)."""
    t = mpmath.exp(v)
    return t**3 + 4 * t**2 + 6 * t + 4 + 4 * v + 4 * v * t


def _mish_x0() -> mpmath.mpf:
    return _root(_mish_h, -1.19)


def _mish_h_coefficients() -> dict[str, mpmath.mpf]:
    """h(x0 + d) = M m + D d + MM m^2 + MMM m^3 + MD m d, m = expm1(d), T = e^x0:
    t^3 + 4t^2 + 6t + 4 + 4x + 4xt expanded with t = T (1 + m), h(x0) = 0."""
    x0 = _mish_x0()
    t = mpmath.exp(x0)
    return {
        "M": 3 * t**3 + 8 * t**2 + t * (6 + 4 * x0),
        "D": 4 + 4 * t,
        "MM": 3 * t**3 + 4 * t**2,
        "MMM": t**3,
        "MD": 4 * t,
    }


def _mish_h_d_head() -> mpmath.mpf:
    """float64(MISH_H_D) to 26 bits: with the rest, a Dekker split made once."""
    return _bits(mpmath.mpf(float(_mish_h_coefficients()["D"])), 26)


def tanhshrink_series() -> tuple[mpmath.mpf, ...]:
    """x cosh x - sinh x = sum_{k>=1} 2k x^(2k+1) / (2k+1)!, k = 1..11: all positive;
    at |x| = 1.5 the 12th term is below 1e-17 of the sum."""
    return tuple(mpmath.mpf(2 * k) / mpmath.factorial(2 * k + 1) for k in range(1, 12))


# ------------------------------------------------------------------------- gaussian
# gelu'(x) = Phi(x) + x phi(x) = phi(x) N(x) with N = Phi/phi + x: both forms cancel
# around the zero x0, so there (the window, measured: outside it they stay within the
# budget) the kernel sums N's Taylor series at x0.
GELU_GRAD_SERIES_WINDOW = ("-2.0", "-0.42")


def _gelu_c() -> mpmath.mpf:
    """gelu_tanh's 0.044715, exactly as in the SymPy expression."""
    return mpmath.mpf(44715) / 10**6


def _gelu_grad_zero() -> mpmath.mpf:
    return _root(lambda v: mpmath.ncdf(v) + v * mpmath.npdf(v), -0.75)


def gelu_grad_series() -> tuple[mpmath.mpf, ...]:
    """Taylor coefficients c1, c2, ... of N = Phi/phi + x at its zero x0, so that
    N(x) = sum_k c_k (x - x0)^k (c0 = N(x0) = 0 is left out).

    N' = 2 - x^2 + x N, hence N'' = -2x + N + x N', N''' = -2 + 2N' + x N'' and
    N^(k+1) = x N^(k) + k N^(k-1) for k >= 3. Terms are kept while c_k r^(k-1), r the
    window's farther edge from x0, is at least 1e-19 (of c1 ~ 1.43: far below an ULP).
    """
    x0 = _gelu_grad_zero()
    ders = [mpmath.mpf(0), 2 - x0**2]
    ders.append(-2 * x0 + x0 * ders[1])
    ders.append(-2 + 2 * ders[1] + x0 * ders[2])
    for k in range(3, 60):
        ders.append(x0 * ders[k] + k * ders[k - 1])
    coefs = [ders[k] / mpmath.factorial(k) for k in range(len(ders))]
    radius = max(abs(mpmath.mpf(edge) - x0) for edge in GELU_GRAD_SERIES_WINDOW)
    last = next(k for k in range(2, len(coefs)) if abs(coefs[k]) * radius ** (k - 1) < 1e-19)
    return tuple(coefs[1 : last + 1])


def _gelu_grad_deep_shift() -> mpmath.mpf:
    """K = 128 log 2 - log sqrt(2 pi): phi(x) = 2^-128 e^{K - x^2/2}, normal-sized where
    phi is subnormal (x < -37.6) but gelu'(x) = phi(x) N(x) is not."""
    return 128 * mpmath.log(2) - mpmath.log(mpmath.sqrt(2 * mpmath.pi))


def _gelu_tanh_a() -> mpmath.mpf:
    return 2 * mpmath.sqrt(2 / mpmath.pi)


def _gelu_tanh_b() -> mpmath.mpf:
    return _gelu_tanh_a() * _gelu_c()


def _gelu_tanh_two_z(v: mpmath.mpf) -> mpmath.mpf:
    """2z = A x + B x^3: gelu_tanh(x) = x/2 (1 + tanh z) = x sigma(2z)."""
    return _gelu_tanh_a() * v + _gelu_tanh_b() * v**3


def gelu_tanh_h(v: mpmath.mpf) -> mpmath.mpf:
    """h = 1 + e^{2z} + 2 x z': gelu_tanh'(x) = sigma(2z) sigma(-2z) h(x)."""
    return 1 + mpmath.exp(_gelu_tanh_two_z(v)) + v * _gelu_tanh_a() * (1 + 3 * _gelu_c() * v**2)


def _gelu_tanh_grad_zero() -> mpmath.mpf:
    return _root(gelu_tanh_h, -0.75)


# One section per kernel family; names say what the number is for.
CONSTANTS: tuple[Constant, ...] = (
    # ------------------------------------------------------------------- shared
    Constant(
        "SQRT1_2",
        lambda: 1 / mpmath.sqrt(2),
        "1/sqrt(2)",
        "erf(x/sqrt(2)) and the Gaussian CDF",
    ),
    Constant(
        "INV_SQRT_2PI",
        lambda: 1 / mpmath.sqrt(2 * mpmath.pi),
        "1/sqrt(2 pi)",
        "the standard normal density's factor",
    ),
    Constant(
        "SQRT_2_OVER_PI",
        lambda: mpmath.sqrt(2 / mpmath.pi),
        "sqrt(2/pi)",
        "the tanh approximation of GELU",
    ),
    # ----------------------------------------------------------------- gaussian
    Constant(
        "SQRT_PI_OVER_2",
        lambda: mpmath.sqrt(mpmath.pi / 2),
        "sqrt(pi/2)",
        "Phi(x)/phi(x) = sqrt(pi/2) erfcx(-x/sqrt(2))",
    ),
    Constant(
        "GELU_GRAD_X0",
        _gelu_grad_zero,
        "findroot(ncdf(x) + x npdf(x), -0.75)",
        "the zero of gelu'",
        double_double=True,
    ),
    Constant(
        "GELU_GRAD_SERIES_FROM",
        lambda: mpmath.mpf(GELU_GRAD_SERIES_WINDOW[0]),
        GELU_GRAD_SERIES_WINDOW[0],
        "gelu' by its series at x0 from here (below, the tail form is within budget)",
    ),
    Constant(
        "GELU_GRAD_SERIES_TO",
        lambda: mpmath.mpf(GELU_GRAD_SERIES_WINDOW[1]),
        GELU_GRAD_SERIES_WINDOW[1],
        "to here (from here, Phi(x) + x phi(x) is within budget)",
    ),
    Constant(
        "LOG_INV_SQRT_2PI_HI",
        lambda: _bits(-mpmath.log(mpmath.sqrt(2 * mpmath.pi)), 30),
        "_bits(-log(sqrt(2 pi)), 30): rounded to 30 significant bits",
        "phi(x) = e^{L - x^2/2}; L's head, so that L_HI - h^2/2 is exact for a 26-bit h",
    ),
    Constant(
        "LOG_INV_SQRT_2PI_LO",
        lambda: (
            -mpmath.log(mpmath.sqrt(2 * mpmath.pi))
            - _bits(-mpmath.log(mpmath.sqrt(2 * mpmath.pi)), 30)
        ),
        "-log(sqrt(2 pi)) - _bits(-log(sqrt(2 pi)), 30)",
        "L's tail",
    ),
    Constant(
        "GELU_GRAD_DEEP_SHIFT_HI",
        lambda: _bits(_gelu_grad_deep_shift(), 30),
        "_bits(128 log(2) - log(sqrt(2 pi)), 30): rounded to 30 significant bits",
        "gelu' deep left: phi(x) = 2^-128 e^{K - x^2/2}; K's head, so that K_HI - h^2/2"
        " is exact for a 26-bit h (both multiples of 2^-41, the sum below 2^10)",
    ),
    Constant(
        "GELU_GRAD_DEEP_SHIFT_LO",
        lambda: _gelu_grad_deep_shift() - _bits(_gelu_grad_deep_shift(), 30),
        "128 log(2) - log(sqrt(2 pi)) - _bits(128 log(2) - log(sqrt(2 pi)), 30)",
        "K's tail",
    ),
    Constant(
        "GELU_GRAD_SERIES",
        gelu_grad_series,
        "N^(k)(x0)/k!, k = 1, 2, ...: gelu_grad_series()",
        "gelu' = phi(x) N(x) near its zero x0: N(x) = sum c_k (x - x0)^k",
    ),
    Constant(
        "GELU_TANH_A",
        _gelu_tanh_a,
        "2 sqrt(2/pi)",
        "gelu_tanh: 2z = A x + B x^3, 2z' = A (1 + 3 c x^2)",
    ),
    Constant(
        "GELU_TANH_A_HEAD",
        lambda: _bits(_gelu_tanh_a(), 40),
        "_bits(2 sqrt(2/pi), 40): A rounded to 40 significant bits",
        "A's head: A_HEAD h is exact for x's 13-bit head h",
    ),
    Constant(
        "GELU_TANH_A_TAIL",
        lambda: _gelu_tanh_a() - _bits(_gelu_tanh_a(), 40),
        "2 sqrt(2/pi) - _bits(2 sqrt(2/pi), 40)",
        "A's tail: A = A_HEAD + A_TAIL (to 2^-93 of A)",
    ),
    Constant(
        "GELU_TANH_B",
        _gelu_tanh_b,
        "2 sqrt(2/pi) 0.044715",
        "gelu_tanh: B = A c, the cube's coefficient in 2z",
    ),
    Constant(
        "GELU_TANH_B_HEAD",
        lambda: _bits(_gelu_tanh_b(), 14),
        "_bits(2 sqrt(2/pi) 0.044715, 14): B rounded to 14 significant bits",
        "B's head: B_HEAD h^3 is exact (h^3 has 39 bits)",
    ),
    Constant(
        "GELU_TANH_B_TAIL",
        lambda: _gelu_tanh_b() - _bits(_gelu_tanh_b(), 14),
        "2 sqrt(2/pi) 0.044715 - _bits(2 sqrt(2/pi) 0.044715, 14)",
        "B's tail: B = B_HEAD + B_TAIL (to 2^-67 of B)",
    ),
    Constant(
        "GELU_TANH_GRAD_X0",
        _gelu_tanh_grad_zero,
        "findroot(1 + exp(A x + B x^3) + A x (1 + 3 c x^2), -0.75), c = 0.044715",
        "the zero of gelu_tanh'",
        double_double=True,
    ),
    Constant(
        "GELU_TANH_GRAD_X0_SQUARED",
        lambda: _gelu_tanh_grad_zero() ** 2,
        "x0^2",
        "gelu_tanh' around its zero: q = x^2 + x x0 + x0^2",
    ),
    Constant(
        "GELU_TANH_GRAD_E0",
        lambda: mpmath.exp(
            mpmath.mpf(float(_gelu_tanh_a()))
            * _gelu_tanh_grad_zero()
            * (1 + _gelu_c() * _gelu_tanh_grad_zero() ** 2)
        ),
        "exp(fl(A) (x0 + c x0^3)), fl(A) = GELU_TANH_A, the A the kernel's expm1 term uses:"
        " e0 expm1(fl(A) (u - u0)) is then e^{fl(A) u} - e^{fl(A) u0} (measured: fewer"
        " points at 3+ ULP than with the exact e^{2z(x0)}, 7 ULP at worst instead of 8)",
        "gelu_tanh' around its zero: e^{2z(x0)}",
    ),
    # ------------------------------------------------------------------- smooth
    Constant(
        "SILU_X0",
        _silu_x0,
        "findroot(1 + x + exp(x), -1.28)",
        "silu' vanishes where 1 + x + e^x does",
        double_double=True,
    ),
    Constant(
        "SILU_T0",
        lambda: mpmath.exp(_silu_x0()),
        "exp(SILU_X0) = -(1 + SILU_X0)",
        "e^x at silu's x0, the factor of expm1(x - x0)",
    ),
    Constant(
        "TANHSHRINK_SERIES",
        tanhshrink_series,
        "2k/(2k+1)!, k = 1..11: tanhshrink_series()",
        "tanhshrink near 0: the series of x cosh x - sinh x over x^3, in x^2",
    ),
    Constant(
        "MISH_X0",
        _mish_x0,
        "findroot(t^3 + 4t^2 + 6t + 4 + 4x + 4xt, t = exp(x), -1.19)",
        "mish' vanishes where h does",
        double_double=True,
    ),
    Constant(
        "MISH_H_M",
        lambda: _mish_h_coefficients()["M"],
        "3T^3 + 8T^2 + T (6 + 4 MISH_X0), T = exp(MISH_X0)",
        "h(x0 + d), the coefficient of m = expm1(d)",
    ),
    Constant(
        "MISH_H_D",
        lambda: _mish_h_coefficients()["D"],
        "4 + 4T",
        "h(x0 + d), the coefficient of d",
    ),
    Constant(
        "MISH_H_D_HEAD",
        _mish_h_d_head,
        "MISH_H_D to 26 bits",
        "Dekker's split of MISH_H_D (head), so that two_prod need not split it",
    ),
    Constant(
        "MISH_H_D_TAIL",
        lambda: mpmath.mpf(float(_mish_h_coefficients()["D"])) - _mish_h_d_head(),
        "MISH_H_D - MISH_H_D_HEAD (exact, 26 bits)",
        "Dekker's split of MISH_H_D (tail)",
    ),
    Constant(
        "MISH_H_MM",
        lambda: _mish_h_coefficients()["MM"],
        "3T^3 + 4T^2",
        "h(x0 + d), the coefficient of m^2",
    ),
    Constant(
        "MISH_H_MMM",
        lambda: _mish_h_coefficients()["MMM"],
        "T^3",
        "h(x0 + d), the coefficient of m^3",
    ),
    Constant(
        "MISH_H_MD",
        lambda: _mish_h_coefficients()["MD"],
        "4T",
        "h(x0 + d), the coefficient of m d",
    ),
    # -------------------------------------------------------------- exponential
    Constant(
        "SELU_ALPHA",
        lambda: mpmath.mpf("1.6732632423543772848170429916717"),
        "1.6732632423543772848170429916717 (Klambauer et al. 2017, as PyTorch)",
        "SELU's alpha",
    ),
    Constant(
        "SELU_SCALE",
        lambda: mpmath.mpf("1.0507009873554804934193349852946"),
        "1.0507009873554804934193349852946 (Klambauer et al. 2017, as PyTorch)",
        "SELU's lambda (scale)",
    ),
    Constant(
        "SELU_SCALE_ALPHA",
        lambda: (
            mpmath.mpf("1.0507009873554804934193349852946")
            * mpmath.mpf("1.6732632423543772848170429916717")
        ),
        "lambda alpha",
        "selu(-inf) = -lambda alpha rounded once (the float product is 1 ULP low)",
    ),
    Constant(
        "SELU_SLOPE_AT_0",
        lambda: (
            mpmath.mpf(float(mpmath.mpf("1.0507009873554804934193349852946")))
            * mpmath.mpf(float(mpmath.mpf("1.6732632423543772848170429916717")))
        ),
        "fl(SELU_SCALE * SELU_ALPHA)",
        "selu'(0), the registry's kink value (PyTorch multiplies its floats)",
    ),
    # ------------------------------------------------------- issue 15's additions
    Constant(
        "QUICK_GELU_C",
        lambda: mpmath.mpf("1.702"),
        "1.702 (the decimal, as CLIP and Hugging Face write it)",
        "quick_gelu's x sigmoid(1.702 x): 1.702 x kept as an unevaluated sum",
        double_double=True,
    ),
    Constant(
        "SQRT2",
        lambda: mpmath.sqrt(2),
        "sqrt(2)",
        "laplace's (x - mu) / (sigma sqrt 2): sigma sqrt 2 as an unevaluated sum",
        double_double=True,
    ),
    Constant(
        "INV_SQRT_PI",
        lambda: 1 / mpmath.sqrt(mpmath.pi),
        "1/sqrt(pi)",
        "erfc's density: d/dz erfc(-z)/2 = e^{-z^2}/sqrt(pi)",
    ),
)


def _hex(v: float) -> str:
    return f'float.fromhex("{v.hex()}")'


def render() -> str:
    lines = [
        '"""Constants of the kernels, each computed once with mpmath and rounded once.',
        "",
        f"GENERATED by ``{COMMAND}`` (mpmath, {PREC} bits); do not edit by hand —",
        "change tools/gen_constants.py and rerun it. A test regenerates and compares.",
        '"""',
        "",
    ]
    with mpmath.workprec(PREC):
        for c in CONSTANTS:
            exact = c.make()
            lines.append(f"# {c.doc}: {c.source}")
            if isinstance(exact, tuple):
                lines.append(f"{c.name} = (")
                lines += [f"    {_hex(float(v))},  # {float(v)!r}" for v in exact]
                lines.append(")")
                continue
            hi = float(exact)
            if c.double_double:
                lo = float(exact - mpmath.mpf(hi))
                lines.append(f"{c.name}_HI = {_hex(hi)}  # {hi!r}")
                lines.append(f"{c.name}_LO = {_hex(lo)}  # {lo!r}")
            else:
                lines.append(f"{c.name} = {_hex(hi)}  # {hi!r}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        same = TARGET.exists() and TARGET.read_text() == text
        if not same:
            print(f"{TARGET} is not what {COMMAND} writes; rerun it", file=sys.stderr)
        return 0 if same else 1
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
