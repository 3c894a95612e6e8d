"""The logistic family: sigmoid and the functions built on it (kernels/logistic.py)."""

from __future__ import annotations

import math

import numpy as np
import sympy

from actref import symbolic as sym
from actref.activation import Activation, Law, Param
from actref.catalogue.common import minus_mirror_is_x
from actref.kernels import logistic
from actref.symbolic import x

# beyond |beta x| = 1000 the result is x or 0 to every digit only for these
_MODERATE = "a number between 1e-100 and 1e100"


def _moderate(v: float) -> bool:
    return 1e-100 <= v <= 1e100


def _sigmoid_expr(arg: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-arg))


QUICK_GELU_C = sympy.Rational(1702, 1000)  # CLIP's and Hugging Face's 1.702, as written

ENTRIES: tuple[Activation, ...] = (
    Activation(
        "sigmoid",
        "logistic sigmoid",
        _sigmoid_expr(x),
        logistic.sigmoid,
        logistic.sigmoid_grad,
        shipped={
            "torch": ("nn.Sigmoid", "F.sigmoid"),
            "jax": ("sigmoid",),
            "keras": ("sigmoid",),
            "hf": ("sigmoid",),
        },
        laws=(
            Law(
                "sigmoid(-x) = 1 - sigmoid(x)",
                lambda a, v, other: a(-v),
                lambda a, v, other: 1 - a(v),
                lambda a, v, other: 1 + a(-v) + a(v),
                ops=1,
            ),
            Law(
                "sigmoid(x) = (1 + tanh(x/2)) / 2",
                lambda a, v, other: a(v),
                lambda a, v, other: (1 + other("tanh")(v / 2)) / 2,
                lambda a, v, other: 1 + a(v) + np.abs(other("tanh")(v / 2)),
            ),
            Law(
                "sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) * (1 - a(v)),
                # 1 - s carries the absolute error of s, then times s
                lambda a, v, other: np.abs(a.grad(v)) + 2 * a(v),
            ),
        ),
        bounds=(0.0, 1.0),
        increasing=True,
        plot_range=(-8.0, 8.0),
    ),
    Activation(
        "log_sigmoid",
        "log of the sigmoid",
        -sympy.log(1 + sympy.exp(-x)),
        logistic.log_sigmoid,
        logistic.log_sigmoid_grad,
        shipped={
            "torch": ("nn.LogSigmoid", "F.logsigmoid"),
            "jax": ("log_sigmoid",),
            "keras": ("log_sigmoid",),
        },
        laws=(
            minus_mirror_is_x("log_sigmoid"),
            Law(
                "log_sigmoid(x) = -softplus(-x)",
                lambda a, v, other: a(v),
                lambda a, v, other: -other("softplus")(-v),
                lambda a, v, other: 2 * np.abs(a(v)),
                ops=0,
            ),
            Law(
                "log_sigmoid'(x) = sigmoid(-x)",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: other("sigmoid")(-v),
                lambda a, v, other: 2 * np.abs(a.grad(v)),
                ops=0,
            ),
        ),
        bounds=(-math.inf, 0.0),
        increasing=True,
        plot_range=(-8.0, 8.0),
    ),
    Activation(
        "softplus",
        "smooth ReLU",
        sympy.log(1 + sympy.exp(sym.beta * x)) / sym.beta,
        logistic.softplus,
        logistic.softplus_grad,
        shipped={
            "torch": ("nn.Softplus", "F.softplus"),
            "jax": ("softplus",),
            "keras": ("softplus",),
        },
        laws=(
            minus_mirror_is_x("softplus"),
            Law(
                "softplus'(x) = sigmoid(beta x)",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: other("sigmoid")(a.params["beta"] * v),
                lambda a, v, other: np.abs(a.grad(v)) + other("sigmoid")(a.params["beta"] * v),
            ),
            Law(
                "softplus(x) = -log_sigmoid(-beta x) / beta",
                lambda a, v, other: a(v),
                lambda a, v, other: (
                    -other("log_sigmoid")(-a.params["beta"] * v) / a.params["beta"]
                ),
                lambda a, v, other: 2 * np.abs(a(v)),
            ),
        ),
        # the whole accepted domain meets the budget (beta < 1 far left in the kernel,
        # issue 14)
        param_specs=(Param("beta", 1.0, sym.beta, _moderate, _MODERATE),),
        param_values=(1.0,),
        bounds=(0.0, math.inf),
        increasing=True,
    ),
    Activation(
        "silu",
        "sigmoid linear unit (swish)",
        x * _sigmoid_expr(x),
        logistic.silu,
        logistic.silu_grad,
        shipped={
            "torch": ("nn.SiLU", "F.silu"),
            "jax": ("silu", "swish"),
            "keras": ("silu", "swish"),
            "hf": ("silu", "swish"),
        },
        laws=(
            minus_mirror_is_x("silu"),
            Law(
                "silu(x) = x sigmoid(x)",
                lambda a, v, other: a(v),
                lambda a, v, other: v * other("sigmoid")(v),
                lambda a, v, other: 2 * np.abs(a(v)),
                ops=1,
            ),
            Law(
                "silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x)))",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: other("sigmoid")(v) * (1 + v * (1 - other("sigmoid")(v))),
                lambda a, v, other: np.abs(a.grad(v)) + other("sigmoid")(v) * (1 + 2 * np.abs(v)),
                ops=4,
            ),
        ),
        # min at x = -1.27846454276..., value -0.27846454276107380...
        bounds=(-0.2784645427610738, math.inf),
    ),
    # issue 15
    Activation(
        "quick_gelu",
        "x sigmoid(1.702 x): GELU's sigmoid approximation (CLIP, Hugging Face)",
        x / (1 + sympy.exp(-QUICK_GELU_C * x)),
        logistic.quick_gelu,
        logistic.quick_gelu_grad,
        shipped={"hf": ("quick_gelu",)},
        laws=(
            minus_mirror_is_x("quick_gelu"),
            Law(
                "quick_gelu'(x) + quick_gelu'(-x) = 1",
                lambda a, v, other: a.grad(v) + a.grad(-v),
                lambda a, v, other: np.ones_like(v),
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a.grad(-v)) + 1,
                ops=1,
            ),
            Law(
                "quick_gelu(x) = x sigmoid(1.702 x)",
                lambda a, v, other: a(v),
                lambda a, v, other: v * other("sigmoid")(1.702 * v),
                # 1.702 x is rounded: sigmoid moves by |t| sigma'(t) eps <= 0.23 eps, times x
                lambda a, v, other: 2 * np.abs(a(v)) + np.abs(v),
                ops=2,
            ),
        ),
        # min at 1.702 x = -1.27846454276..., value -0.27846454276107380... / 1.702
        bounds=(-0.1636101896363536, math.inf),
    ),
)
