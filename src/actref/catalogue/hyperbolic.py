"""The hyperbolic family: tanh and the functions built on it (kernels/hyperbolic.py)."""

from __future__ import annotations

import math

import numpy as np
import sympy

from actref.activation import Activation, Law
from actref.catalogue.common import odd
from actref.kernels import hyperbolic
from actref.symbolic import x

ENTRIES: tuple[Activation, ...] = (
    Activation(
        "tanh",
        "hyperbolic tangent",
        sympy.tanh(x),
        hyperbolic.tanh,
        hyperbolic.tanh_grad,
        shipped={"torch": ("nn.Tanh", "F.tanh"), "keras": ("tanh",), "hf": ("tanh",)},
        laws=(
            odd("tanh"),
            Law(
                "tanh(x) = 2 sigmoid(2x) - 1",
                lambda a, v, other: a(v),
                lambda a, v, other: 2 * other("sigmoid")(2 * v) - 1,
                lambda a, v, other: np.abs(a(v)) + 2 * other("sigmoid")(2 * v) + 1,
            ),
            Law(
                "tanh'(x) = 1 - tanh(x)^2",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: 1 - a(v) ** 2,
                lambda a, v, other: np.abs(a.grad(v)) + 1 + 2 * a(v) ** 2,
            ),
        ),
        bounds=(-1.0, 1.0),
        increasing=True,
        plot_range=(-4.0, 4.0),
    ),
    Activation(
        "tanhshrink",
        "x - tanh(x)",
        x - sympy.tanh(x),
        hyperbolic.tanhshrink,
        hyperbolic.tanhshrink_grad,
        shipped={"torch": ("nn.Tanhshrink", "F.tanhshrink"), "keras": ("tanh_shrink",)},
        laws=(
            odd("tanhshrink"),
            Law(
                "tanhshrink(x) = x - tanh(x)",
                lambda a, v, other: a(v),
                lambda a, v, other: v - other("tanh")(v),
                lambda a, v, other: np.abs(a(v)) + np.abs(v) + np.abs(other("tanh")(v)),
                ops=1,
            ),
            Law(
                "tanhshrink'(x) = tanh(x)^2",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: other("tanh")(v) ** 2,
                lambda a, v, other: np.abs(a.grad(v)) + 2 * other("tanh")(v) ** 2,
            ),
        ),
        increasing=True,
    ),
    Activation(
        "mish",
        "self-regularised non-monotonic activation",
        x * sympy.tanh(sympy.log(1 + sympy.exp(x))),
        hyperbolic.mish,
        hyperbolic.mish_grad,
        shipped={
            "torch": ("nn.Mish", "F.mish"),
            "jax": ("mish",),
            "keras": ("mish",),
            "hf": ("mish",),
        },
        laws=(
            Law(
                "mish(x) = x tanh(softplus(x))",
                lambda a, v, other: a(v),
                lambda a, v, other: v * other("tanh")(other("softplus")(v)),
                # softplus's error passes through tanh (tanh' <= 1), then times x
                lambda a, v, other: np.abs(a(v)) + np.abs(v) * (1 + other("softplus")(v)),
            ),
        ),
        # min at x = -1.19243121451..., value -0.30884341301725041...
        bounds=(-0.3088434130172505, math.inf),
    ),
)
