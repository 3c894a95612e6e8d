"""The piecewise family: linear pieces, clips and thresholds (kernels/piecewise.py)."""

from __future__ import annotations

import math

import numpy as np
import sympy

from actref import kernels
from actref import symbolic as sym
from actref.activation import Activation, Law, Param
from actref.catalogue.common import minus_mirror_is_x, odd, pw
from actref.symbolic import x

_NONNEGATIVE = "a finite number >= 0"


def _nonnegative(v: float) -> bool:
    return math.isfinite(v) and v >= 0


def _hardtanh_order(min_val: float, max_val: float) -> str | None:
    if not min_val < max_val:
        return f"min_val must be < max_val, got min_val={min_val:g}, max_val={max_val:g}"
    return None


ENTRIES: tuple[Activation, ...] = (
    Activation(
        "identity",
        "f(x) = x",
        x,
        kernels.identity,
        kernels.identity_grad,
        laws=(
            Law(
                "identity(x) = x",
                lambda a, v, other: a(v),
                lambda a, v, other: v,
                lambda a, v, other: np.abs(v),
                ops=0,
            ),
            Law(
                "identity'(x) = 1",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: np.ones_like(v),
                lambda a, v, other: np.ones_like(v),
                ops=0,
            ),
        ),
        increasing=True,
    ),
    Activation(
        "relu",
        "rectified linear unit",
        pw((x, x > 0), (0, True)),
        kernels.relu,
        kernels.relu_grad,
        increasing=True,
        laws=(
            minus_mirror_is_x("relu"),
            Law(
                "relu(x) = (x + |x|) / 2",
                lambda a, v, other: a(v),
                lambda a, v, other: (v + np.abs(v)) / 2,
                lambda a, v, other: np.abs(v),
            ),
        ),
        bounds=(0.0, math.inf),
    ),
    Activation(
        "leaky_relu",
        "leaky ReLU",
        pw((x, x > 0), (sym.negative_slope * x, True)),
        kernels.leaky_relu,
        kernels.leaky_relu_grad,
        increasing=True,
        increasing_if=lambda negative_slope: negative_slope >= 0,  # issue 14
        laws=(
            Law(
                "leaky_relu(x) - leaky_relu(-x) = (1 + negative_slope) x",
                lambda a, v, other: a(v) - a(-v),
                lambda a, v, other: (1 + a.params["negative_slope"]) * v,
                lambda a, v, other: (
                    np.abs(a(v))
                    + np.abs(a(-v))
                    + (2 + abs(a.params["negative_slope"])) * np.abs(v)
                ),
            ),
            Law(
                "leaky_relu(x) = relu(x) - negative_slope relu(-x)",
                lambda a, v, other: a(v),
                lambda a, v, other: (
                    other("relu")(v) - a.params["negative_slope"] * other("relu")(-v)
                ),
                lambda a, v, other: (
                    np.abs(a(v)) + (1 + abs(a.params["negative_slope"])) * np.abs(v)
                ),
            ),
        ),
        param_specs=(Param("negative_slope", 0.01, sym.negative_slope),),
        param_values=(0.01,),
    ),
    Activation(
        "relu6",
        "ReLU capped at 6",
        pw((0, x <= 0), (6, x >= 6), (x, True)),
        kernels.relu6,
        kernels.relu6_grad,
        increasing=True,
        laws=(
            Law(
                "relu6(x) + relu6(6 - x) = 6",
                lambda a, v, other: a(v) + a(6 - v),
                lambda a, v, other: np.full_like(v, 6.0),
                lambda a, v, other: 6 + np.abs(v) + 6,
            ),
            Law(
                "relu6(x) = min(relu(x), 6)",
                lambda a, v, other: a(v),
                lambda a, v, other: np.minimum(other("relu")(v), 6.0),
                lambda a, v, other: np.abs(a(v)),
                ops=0,
            ),
        ),
        bounds=(0.0, 6.0),
        plot_range=(-3.0, 9.0),
    ),
    Activation(
        "hardtanh",
        "clipped identity",
        pw((sym.min_val, x <= sym.min_val), (sym.max_val, x >= sym.max_val), (x, True)),
        kernels.hardtanh,
        kernels.hardtanh_grad,
        increasing=True,
        laws=(
            Law(
                "hardtanh(x) = relu(x - min_val) - relu(x - max_val) + min_val",
                lambda a, v, other: a(v),
                lambda a, v, other: (
                    other("relu")(v - a.params["min_val"])
                    - other("relu")(v - a.params["max_val"])
                    + a.params["min_val"]
                ),
                lambda a, v, other: (
                    np.abs(a(v))
                    + 3 * np.abs(v)
                    + 2 * abs(a.params["min_val"])
                    + abs(a.params["max_val"])
                ),
                ops=4,
            ),
        ),
        param_specs=(Param("min_val", -1.0, sym.min_val), Param("max_val", 1.0, sym.max_val)),
        param_values=(-1.0, 1.0),
        validate_params=_hardtanh_order,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "hardsigmoid",
        "piecewise-linear sigmoid",
        pw((0, x <= -3), (1, x >= 3), (x / 6 + sympy.Rational(1, 2), True)),
        kernels.hardsigmoid,
        kernels.hardsigmoid_grad,
        increasing=True,
        laws=(
            Law(
                "hardsigmoid(-x) = 1 - hardsigmoid(x)",
                lambda a, v, other: a(-v),
                lambda a, v, other: 1 - a(v),
                lambda a, v, other: 1 + a(v) + a(-v),
                ops=1,
            ),
            Law(
                "hardsigmoid(x) = relu6(x + 3) / 6",
                lambda a, v, other: a(v),
                lambda a, v, other: other("relu6")(v + 3) / 6,
                lambda a, v, other: np.abs(a(v)) + np.abs(v) + 3,
            ),
        ),
        bounds=(0.0, 1.0),
    ),
    Activation(
        "hardswish",
        "piecewise-quadratic swish",
        pw((0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)),
        kernels.hardswish,
        kernels.hardswish_grad,
        laws=(
            Law(
                "hardswish(x) = x hardsigmoid(x)",
                lambda a, v, other: a(v),
                lambda a, v, other: v * other("hardsigmoid")(v),
                lambda a, v, other: 2 * np.abs(a(v)),
                ops=1,
            ),
        ),
        bounds=(-0.375, math.inf),
    ),
    Activation(
        "softshrink",
        "soft thresholding",
        pw((x - sym.lambd, x > sym.lambd), (x + sym.lambd, x < -sym.lambd), (0, True)),
        kernels.softshrink,
        kernels.softshrink_grad,
        increasing=True,
        laws=(
            odd("softshrink"),
            Law(
                "softshrink(x) = x - clip(x, -lambd, lambd)",
                lambda a, v, other: a(v),
                lambda a, v, other: v - np.clip(v, -a.params["lambd"], a.params["lambd"]),
                lambda a, v, other: np.abs(a(v)) + np.abs(v) + a.params["lambd"],
                ops=1,
            ),
        ),
        param_specs=(Param("lambd", 0.5, sym.lambd, _nonnegative, _NONNEGATIVE),),
        param_values=(0.5,),
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "hardshrink",
        "hard thresholding",
        pw((x, x > sym.lambd), (x, x < -sym.lambd), (0, True)),
        kernels.hardshrink,
        kernels.hardshrink_grad,
        increasing=True,
        laws=(
            odd("hardshrink"),
            Law(
                "hardshrink(x) - softshrink(x) = lambd sign(x) for |x| > lambd, else 0",
                lambda a, v, other: a(v) - other("softshrink", lambd=a.params["lambd"])(v),
                lambda a, v, other: np.where(
                    np.abs(v) > a.params["lambd"], a.params["lambd"] * np.sign(v), 0.0
                ),
                lambda a, v, other: 2 * np.abs(v) + a.params["lambd"],
                ops=1,
            ),
        ),
        param_specs=(Param("lambd", 0.5, sym.lambd, _nonnegative, _NONNEGATIVE),),
        param_values=(0.5,),
        plot_range=(-3.0, 3.0),
    ),
)
