"""Write src/actref/kernels/constants.py: every constant the kernels use that is not a
short decimal, computed with mpmath at 200 bits and rounded once to float64.

    python tools/gen_constants.py            # rewrite the module
    python tools/gen_constants.py --check    # exit 1 if the module differs (a test runs this)

Each constant is named by its role, written as a hex float (exact) with its decimal
value and the mpmath expression that made it. A double-double ``(hi, lo)`` pair is two
constants ``NAME_HI``/``NAME_LO``: ``hi`` the correctly rounded value, ``lo`` the
correctly rounded rest. Add a constant to ``CONSTANTS`` in its family's section.
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
    make: Callable[[], mpmath.mpf]  # called at PREC bits
    source: str  # the expression, as shown in the generated file
    doc: str
    double_double: bool = False


def _root(f: Callable[[mpmath.mpf], mpmath.mpf], guess: float) -> mpmath.mpf:
    return mpmath.findroot(f, mpmath.mpf(guess))


# ----------------------------------------------------------- smooth family helpers
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


def _head26(v: mpmath.mpf) -> mpmath.mpf:
    """float64(v) rounded to 26 significant bits: with the rest, a Dekker split."""
    with mpmath.workprec(26):
        return +mpmath.mpf(float(v))


def _tanhshrink_coefficient(k: int) -> Constant:
    return Constant(
        f"TANHSHRINK_C{k}",
        lambda: mpmath.mpf(2 * k) / mpmath.factorial(2 * k + 1),
        f"{2 * k}/{2 * k + 1}!",
        f"x cosh x - sinh x = sum 2k x^(2k+1)/(2k+1)!, the coefficient k = {k}",
    )


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
    *(_tanhshrink_coefficient(k) for k in range(1, 12)),
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
        lambda: _head26(_mish_h_coefficients()["D"]),
        "MISH_H_D to 26 bits",
        "Dekker's split of MISH_H_D (head), so that two_prod need not split it",
    ),
    Constant(
        "MISH_H_D_TAIL",
        lambda: (
            mpmath.mpf(float(_mish_h_coefficients()["D"])) - _head26(_mish_h_coefficients()["D"])
        ),
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
            hi = float(exact)
            lines.append(f"# {c.doc}: {c.source}")
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
