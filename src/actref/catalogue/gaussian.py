"""The Gaussian family: GELU, exact and tanh-approximated (kernels/gaussian.py)."""

from __future__ import annotations

import math

import numpy as np
import sympy

from actref import kernels
from actref import symbolic as sym
from actref.activation import Activation, Law
from actref.catalogue.common import minus_mirror_is_x
from actref.kernels.constants import SQRT_2_OVER_PI
from actref.symbolic import x

_GELU_TANH_C = float(sym.GELU_TANH_C)  # 0.044715


ENTRIES: tuple[Activation, ...] = (
    Activation(
        "gelu",
        "Gaussian error linear unit (exact, erf)",
        x / 2 * (1 + sympy.erf(x / sympy.sqrt(2))),
        kernels.gelu,
        kernels.gelu_grad,
        # value: left of -0.7 it is x erfcx(t) e^{-x^2/2} / 2, SciPy's erfcx (not correctly
        # rounded) times an exponential: 4 ULP measured (x = -8.82, results/accuracy.md)
        ulp_budget=(8, 4),
        laws=(
            minus_mirror_is_x("gelu"),
            Law(
                "gelu'(x) + gelu'(-x) = 1",
                lambda a, v, other: a.grad(v) + a.grad(-v),
                lambda a, v, other: np.ones_like(v),
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a.grad(-v)) + 1,
                ops=1,
            ),
        ),
        # min at x = -0.75179152469..., value -0.16997120747990366...
        bounds=(-0.1699712074799037, math.inf),
    ),
    Activation(
        "gelu_tanh",
        "GELU, tanh approximation",
        x / 2 * (1 + sympy.tanh(sym.SQRT_2_OVER_PI * (x + sym.GELU_TANH_C * x**3))),
        kernels.gelu_tanh,
        kernels.gelu_tanh_grad,
        laws=(
            minus_mirror_is_x("gelu_tanh"),
            Law(
                "gelu_tanh'(x) + gelu_tanh'(-x) = 1",
                lambda a, v, other: a.grad(v) + a.grad(-v),
                lambda a, v, other: np.ones_like(v),
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a.grad(-v)) + 1,
                ops=1,
            ),
            Law(
                "gelu_tanh(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
                lambda a, v, other: a(v),
                lambda a, v, other: (
                    v / 2 * (1 + other("tanh")(SQRT_2_OVER_PI * (v + _GELU_TANH_C * v**3)))
                ),
                # the rounded tanh argument z moves the result by at most
                # eps |x|/2 |z| sech^2(z) <= eps |x| / 4
                lambda a, v, other: np.abs(a(v)) + np.abs(v) * 2,
                ops=4,
            ),
        ),
        # min at x = -0.75246142207..., value -0.17004075057125405... (below gelu's)
        bounds=(-0.1700407505712541, math.inf),
        # derivative: 5 ULP measured (x = -5.74, -2.60, -3.1e-7): sigma(2z) in double-double
        # still carries ~1 ULP into each of the products; 4 not reached yet
        ulp_budget=(4, 8),
    ),
)
