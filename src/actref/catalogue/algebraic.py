"""The algebraic family: softsign and squareplus (kernels/algebraic.py)."""

from __future__ import annotations

import math

import numpy as np
import sympy

from actref import symbolic as sym
from actref.activation import Activation, Law, Param
from actref.catalogue.common import minus_mirror_is_x, odd
from actref.kernels import algebraic
from actref.symbolic import x

# issue 14: a subnormal b has too few bits for x^2 + b (3e7 to 4e14 ULP)
_SMALLEST_NORMAL = 2.2250738585072014e-308
_NORMAL_POSITIVE = "a finite number >= 2.2250738585072014e-308 (the smallest normal float)"


def _normal_positive(v: float) -> bool:
    return math.isfinite(v) and v >= _SMALLEST_NORMAL


ENTRIES: tuple[Activation, ...] = (
    Activation(
        "softsign",
        "x / (1 + |x|)",
        x / (1 + sympy.Abs(x)),
        algebraic.softsign,
        algebraic.softsign_grad,
        shipped={
            "torch": ("nn.Softsign", "F.softsign"),
            "jax": ("soft_sign",),
            "keras": ("softsign",),
        },
        laws=(
            odd("softsign"),
            Law(
                "softsign'(x) = (1 - |softsign(x)|)^2",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: (1 - np.abs(a(v))) ** 2,
                # 1 - |s| carries the absolute error of s; squaring doubles it
                lambda a, v, other: np.abs(a.grad(v)) + 3 * np.abs(1 - np.abs(a(v))),
                ops=3,
            ),
        ),
        bounds=(-1.0, 1.0),
        increasing=True,
        plot_range=(-8.0, 8.0),
    ),
    Activation(
        "squareplus",
        "(x + sqrt(x^2 + b)) / 2",
        (x + sympy.sqrt(x**2 + sym.b)) / 2,
        algebraic.squareplus,
        algebraic.squareplus_grad,
        shipped={"jax": ("squareplus",), "keras": ("squareplus",)},
        # the derivative's one pass (b/2)/(h (h + |x|)) uses h = sqrt(x^2 + b) twice:
        # 5 ULP measured on dense grids (x = -0.0556)
        ulp_budget=(4, 5),
        laws=(
            minus_mirror_is_x("squareplus"),
            Law(
                "squareplus(x) squareplus(-x) = b / 4",
                lambda a, v, other: a(v) * a(-v),
                lambda a, v, other: np.full_like(v, a.params["b"] / 4),
                # two factors with relative error u eps each
                lambda a, v, other: 2 * np.abs(a(v) * a(-v)) + a.params["b"] / 4,
                ops=1,
            ),
            Law(
                "squareplus'(x) = squareplus(x) / sqrt(x^2 + b)",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) / np.hypot(v, np.sqrt(a.params["b"])),
                lambda a, v, other: 3 * np.abs(a.grad(v)),
                ops=3,
            ),
        ),
        # the whole accepted domain meets the budget (b narrowed to normal floats, issue 14)
        param_specs=(Param("b", 4.0, sym.b, _normal_positive, _NORMAL_POSITIVE),),
        param_values=(4.0,),
        bounds=(0.0, math.inf),
        increasing=True,
    ),
)
