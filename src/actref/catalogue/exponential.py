"""The exponential family: ELU, SELU and CELU (kernels/exponential.py)."""

from __future__ import annotations

import importlib
import math

import numpy as np
import sympy

from actref import symbolic as sym
from actref.activation import Activation, Law, Param
from actref.catalogue.common import pw
from actref.kernels.constants import SELU_ALPHA, SELU_SCALE
from actref.kernels.exponential import xielu_constants
from actref.symbolic import x

# the module: ``from actref.kernels import exponential`` is the kernel of that name
exponential = importlib.import_module("actref.kernels.exponential")

_POSITIVE = "a finite number > 0"


def _positive(v: float) -> bool:
    return math.isfinite(v) and v > 0


# issue 14: celu' splits x/alpha with Dekker's product, which needs a normal alpha whose
# 2^27-fold does not overflow (a subnormal alpha cost 43 ULP, 1.3e300 gave nan)
_CELU_ALPHA = "a number between 1e-300 and 1e300"


def _celu_alpha(v: float) -> bool:
    return 1e-300 <= v <= 1e300


_SELU_SA = SELU_SCALE * SELU_ALPHA  # PyTorch's product of the rounded constants


# ------------------------------------------------------------------ issue 15: xielu
def _moderate_positive(v: float) -> bool:
    return 1e-6 <= v <= 1e6


_MODERATE_POSITIVE = "a number between 1e-6 and 1e6"


def _small_negative(v: float) -> bool:
    return -0.5 <= v < 0


def _xielu_params(alpha_p: float, alpha_n: float, beta: float, eps: float) -> str | None:
    if not beta < alpha_n:
        return (
            f"beta must be < alpha_n (HF: alpha_n = beta + softplus(.)), got {beta:g}, {alpha_n:g}"
        )
    root = xielu_constants(alpha_n, beta, eps)["root"]
    if not root < 2 * eps:
        return (
            f"the left root of a_n expm1(x) + (b - a_n) x ({root:.3g}) must lie below 2 eps"
            f" ({2 * eps:g}): make beta / alpha_n larger or eps closer to 0"
        )
    return None


# min(x, eps) written with |.|: its derivative at the tie is 1/2 (sign(0) = 0), as
# torch's min splits the gradient there
_MIN_X_EPS = (x + sym.eps - sympy.Abs(x - sym.eps)) / 2

ENTRIES: tuple[Activation, ...] = (
    Activation(
        "elu",
        "exponential linear unit",
        pw((x, x > 0), (sym.alpha * (sympy.exp(x) - 1), True)),
        exponential.elu,
        exponential.elu_grad,
        shipped={"torch": ("nn.ELU", "F.elu"), "jax": ("elu",), "keras": ("elu",)},
        laws=(
            Law(
                "elu'(x) = elu(x) + alpha for x <= 0",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) + a.params["alpha"],
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a(v)) + a.params["alpha"],
                ops=1,
                where=(-1e4, 0.0),
            ),
        ),
        # the whole accepted domain meets the budget (alpha > 1 far left in the kernel,
        # issue 14)
        param_specs=(Param("alpha", 1.0, sym.alpha, _positive, _POSITIVE),),
        param_values=(1.0,),
        increasing=True,
    ),
    Activation(
        "selu",
        "scaled exponential linear unit",
        pw(
            (sym.SELU_SCALE * x, x > 0),
            (sym.SELU_SCALE * sym.SELU_ALPHA * (sympy.exp(x) - 1), True),
        ),
        exponential.selu,
        exponential.selu_grad,
        shipped={"torch": ("nn.SELU", "F.selu"), "jax": ("selu",), "keras": ("selu",)},
        laws=(
            Law(
                "selu(x) = scale elu(x, alpha)",
                lambda a, v, other: a(v),
                lambda a, v, other: SELU_SCALE * other("elu", alpha=SELU_ALPHA)(v),
                lambda a, v, other: 2 * np.abs(a(v)),
            ),
            Law(
                "selu'(x) = selu(x) + scale alpha for x <= 0",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) + _SELU_SA,
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a(v)) + _SELU_SA,
                where=(-1e4, 0.0),
            ),
        ),
        # PyTorch's selu'(0), and its slope left of 0, is the float product of its two
        # rounded constants (1.7580993408473766), one ULP below scale * alpha rounded
        kink_grad=((0.0, _SELU_SA),),
        # -scale * alpha = -1.75809934084737685994..., rounded down (the float product
        # -1.7580993408473766 lies above it)
        bounds=(-1.758099340847377, math.inf),
        increasing=True,
    ),
    Activation(
        "celu",
        "continuously differentiable ELU",
        pw((x, x > 0), (sym.alpha * (sympy.exp(x / sym.alpha) - 1), True)),
        exponential.celu,
        exponential.celu_grad,
        shipped={"torch": ("nn.CELU", "F.celu"), "jax": ("celu",), "keras": ("celu",)},
        laws=(
            Law(
                "celu(x) = alpha elu(x / alpha)",
                lambda a, v, other: a(v),
                lambda a, v, other: a.params["alpha"] * other("elu")(v / a.params["alpha"]),
                # x / alpha is rounded: elu' <= 1 carries eps |x| into the result
                lambda a, v, other: 2 * np.abs(a(v)) + np.abs(v),
            ),
            Law(
                "celu'(x) = celu(x) / alpha + 1 for x <= 0",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) / a.params["alpha"] + 1,
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a(v)) / a.params["alpha"] + 1,
                where=(-1e4, 0.0),
            ),
        ),
        # the whole accepted domain meets the budget (alpha narrowed, issue 14)
        param_specs=(Param("alpha", 1.0, sym.alpha, _celu_alpha, _CELU_ALPHA),),
        param_values=(1.0,),
        increasing=True,
    ),
    # issue 15
    Activation(
        "exponential",
        "e^x (keras.activations.exponential)",
        sympy.exp(x),
        exponential.exponential,
        exponential.exponential_grad,
        shipped={"keras": ("exponential",)},
        laws=(
            Law(
                "exponential(x) exponential(-x) = 1",
                lambda a, v, other: a(v) * a(-v),
                lambda a, v, other: np.ones_like(v),
                lambda a, v, other: 2 * np.abs(a(v) * a(-v)),
                ops=1,
                where=(-700.0, 700.0),
            ),
            Law(
                "exponential'(x) = exponential(x)",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v),
                lambda a, v, other: np.abs(a(v)),
                ops=0,
                where=(-700.0, 700.0),
            ),
        ),
        bounds=(0.0, math.inf),
        increasing=True,
        plot_range=(-3.0, 2.0),
    ),
    Activation(
        "xielu",
        "expanded integral of ELU: a_p x^2 + b x right, a_n (e^min(x,eps) - 1 - x) + b x left",
        sympy.Piecewise(
            (sym.alpha_p * x**2 + sym.beta * x, x > 0),
            (sym.alpha_n * (sympy.exp(_MIN_X_EPS) - 1 - x) + sym.beta * x, True),
        ),
        exponential.xielu,
        exponential.xielu_grad,
        shipped={"hf": ("xielu",)},
        laws=(
            Law(
                "xielu(x) = alpha_p relu2(x) + beta x for x > 0",
                lambda a, v, other: a(v),
                lambda a, v, other: a.params["alpha_p"] * other("relu2")(v) + a.params["beta"] * v,
                lambda a, v, other: np.abs(a(v)) + a.params["beta"] * np.abs(v),
                ops=2,
                where=(1e-300, 1e4),
            ),
            Law(
                "xielu'(x) = 2 alpha_p x + beta for x > 0",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: 2 * a.params["alpha_p"] * v + a.params["beta"],
                lambda a, v, other: np.abs(a.grad(v)),
                ops=2,
                where=(1e-300, 1e4),
            ),
            Law(
                "xielu'(x) - xielu(x) = beta (1 - x) + alpha_n (1 + x) - alpha_n for x < eps",
                lambda a, v, other: a.grad(v) - a(v),
                lambda a, v, other: a.params["beta"] * (1 - v) + a.params["alpha_n"] * v,
                # both sides carry a_n e^x and the linear terms, each within the budget
                lambda a, v, other: (
                    np.abs(a.grad(v))
                    + np.abs(a(v))
                    + 2 * (a.params["alpha_n"] + 1) * (1 + np.abs(v))
                ),
                ops=4,
                where=(-1e4, -1e-3),
            ),
        ),
        # the effective parameters of transformers' XIELUActivation() (5.24.0) computed in
        # float64 (dtype=torch.float64); its default dtype bfloat16 makes them 0.80078125,
        # 0.80078125, 0.5 and -9.98377799987793e-07
        param_specs=(
            Param("alpha_p", 0.8, sym.alpha_p, _moderate_positive, _MODERATE_POSITIVE),
            Param("alpha_n", 0.8, sym.alpha_n, _moderate_positive, _MODERATE_POSITIVE),
            Param("beta", 0.5, sym.beta, _moderate_positive, _MODERATE_POSITIVE),
            Param("eps", -1e-6, sym.eps, _small_negative, "a number in [-0.5, 0)"),
        ),
        param_values=(0.8, 0.8, 0.5, -1e-6),
        validate_params=_xielu_params,
        plot_range=(-6.0, 2.0),
    ),
)
