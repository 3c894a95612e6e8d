"""The Gaussian family: GELU, exact and tanh-approximated (kernels/gaussian.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy
from scipy import special

from actref import symbolic as sym
from actref.activation import Activation, Law, Param
from actref.catalogue.common import minus_mirror_is_x
from actref.kernels import gaussian
from actref.kernels.constants import SQRT_2_OVER_PI
from actref.kernels.gaussian import GELU_10_CLIP
from actref.symbolic import x

_GELU_TANH_C = float(sym.GELU_TANH_C)  # 0.044715


_CLIP = sympy.Integer(int(GELU_10_CLIP))  # exact, as the kernel's 10.0


def _gelu_expr(v: sympy.Expr) -> sympy.Expr:
    return v / 2 * (1 + sympy.erf(v / sympy.sqrt(2)))


def _moderate_mu(v: float) -> bool:
    return -1e6 <= v <= 1e6


def _moderate_sigma(v: float) -> bool:
    return 1e-6 <= v <= 1e6


def _erf(v: Any) -> Any:
    return special.erf(v)


ENTRIES: tuple[Activation, ...] = (
    Activation(
        "gelu",
        "Gaussian error linear unit (exact, erf)",
        x / 2 * (1 + sympy.erf(x / sympy.sqrt(2))),
        gaussian.gelu,
        gaussian.gelu_grad,
        shipped={
            "torch": ("nn.GELU", "F.gelu"),
            "jax": ("gelu(approximate=False)",),
            "keras": ("gelu(approximate=False)",),
            "hf": ("gelu", "gelu_python"),
        },
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
        gaussian.gelu_tanh,
        gaussian.gelu_tanh_grad,
        shipped={
            "torch": ("nn.GELU(approximate='tanh')", "F.gelu(approximate='tanh')"),
            "jax": ("gelu",),
            "keras": ("gelu(approximate=True)",),
            "hf": ("gelu_new", "gelu_pytorch_tanh"),
        },
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
    # issue 15
    Activation(
        "gelu_10",
        "GELU clipped at 10 (Hugging Face gelu_10: ClippedGELUActivation(-10, 10))",
        # min(max(gelu, -10), 10): gelu >= -0.17 never meets -10, and it meets 10 at
        # x = 10 + 7.6e-23, between 10 and the next float. Written as gelu held at its
        # value at x = 10 (10 - 7.6e-23, which rounds to 10): the same at every float,
        # continuous, and torch's derivative 0 at x = 10 (gelu(10.0) rounds to the clip)
        sympy.Piecewise(
            (_gelu_expr(x), x < _CLIP),
            (_gelu_expr(_CLIP), True),
        ),
        gaussian.gelu_10,
        gaussian.gelu_10_grad,
        shipped={"hf": ("gelu_10",)},
        # gelu's own kernel and budget below the clip
        ulp_budget=(8, 4),
        laws=(
            Law(
                "gelu_10(x) = gelu(x) for x < 10",
                lambda a, v, other: a(v),
                lambda a, v, other: other("gelu")(v),
                lambda a, v, other: np.abs(a(v)),
                ops=0,
                where=(-1e4, 9.999),
            ),
            Law(
                "gelu_10(x) = min(gelu(x), 10)",
                lambda a, v, other: a(v),
                lambda a, v, other: np.minimum(other("gelu")(v), 10.0),
                lambda a, v, other: np.abs(a(v)),
                ops=0,
            ),
        ),
        # gelu's minimum; the clip is the maximum
        bounds=(-0.1699712074799037, 10.0),
        plot_range=(-4.0, 12.0),
    ),
    Activation(
        "laplace",
        "Gaussian CDF of (x - mu) / sigma (MEGA; Hugging Face laplace)",
        (1 + sympy.erf((x - sym.mu) / (sym.sigma * sympy.sqrt(2)))) / 2,
        gaussian.laplace,
        gaussian.laplace_grad,
        shipped={"hf": ("laplace",)},
        # value: SciPy's erfc and erfcx, as gelu's value (same budget): 6 ULP measured
        # left of z = -0.7 (x = -0.99 with mu = 0, sigma = 1), where erfcx carries it
        ulp_budget=(8, 4),
        laws=(
            Law(
                "laplace(x) = (1 + erf((x - mu) / (sigma sqrt 2))) / 2",
                lambda a, v, other: a(v),
                lambda a, v, other: (
                    0.5 * (1 + _erf((v - a.params["mu"]) / (a.params["sigma"] * 2**0.5)))
                ),
                # the rounded argument moves erf by its density times 3 roundings of z
                lambda a, v, other: 1 + np.abs(a.grad(v)) * (np.abs(v) + abs(a.params["mu"])) * 2,
                ops=3,
                where=(-50.0, 50.0),
            ),
            Law(
                "laplace(mu + d) + laplace(mu - d) = 1",
                lambda a, v, other: a(a.params["mu"] + v) + a(a.params["mu"] - v),
                lambda a, v, other: np.ones_like(v),
                lambda a, v, other: 2 + 2 * np.abs(a.grad(a.params["mu"] + v)) * np.abs(v),
                ops=2,
                where=(-50.0, 50.0),
            ),
        ),
        # Hugging Face's LaplaceActivation.forward defaults: mu = sqrt(1/2), sigma =
        # 1/sqrt(4 pi), to six digits
        param_specs=(
            Param("mu", 0.707107, sym.mu, _moderate_mu, "a number between -1e6 and 1e6"),
            Param("sigma", 0.282095, sym.sigma, _moderate_sigma, "a number between 1e-6 and 1e6"),
        ),
        param_values=(0.707107, 0.282095),
        bounds=(0.0, 1.0),
        increasing=True,
        plot_range=(-1.0, 2.5),
    ),
)
