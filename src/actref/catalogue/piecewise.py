"""The piecewise family: linear pieces, clips and thresholds (kernels/piecewise.py)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import sympy

from actref import symbolic as sym
from actref.activation import Activation, Law, Param
from actref.catalogue.common import minus_mirror_is_x, odd, pw
from actref.kernels import piecewise
from actref.kernels.piecewise import rrelu_slope
from actref.symbolic import x

_NONNEGATIVE = "a finite number >= 0"


def _nonnegative(v: float) -> bool:
    return math.isfinite(v) and v >= 0


def _hardtanh_order(min_val: float, max_val: float) -> str | None:
    if not min_val < max_val:
        return f"min_val must be < max_val, got min_val={min_val:g}, max_val={max_val:g}"
    return None


# ------------------------------------------------------------------ issue 15
def _unit(v: float) -> bool:
    return 0.0 <= v <= 1.0


def _rrelu_order(lower: float, upper: float) -> str | None:
    if not lower <= upper:
        return f"lower must be <= upper, got lower={lower:g}, upper={upper:g}"
    return None


def _same_as(name: str, label: str, **fixed: Any) -> Law:
    """``act(x) = name(x, **params)`` where ``fixed`` maps parameter names of ``name`` to
    functions of ``act``'s parameters."""
    return Law(
        label,
        lambda a, v, other: a(v),
        lambda a, v, other: other(name, **{p: g(**a.params) for p, g in fixed.items()})(v),
        lambda a, v, other: 2 * np.abs(a(v)),
        ops=0,
    )


# keras' relu: max_value may be inf (no cap); threshold >= 0, because keras clips the
# values between a negative threshold and 0 to 0 when a max_value is given
_ABOVE_ZERO = "a number > 0 (inf: no cap)"


def _above_zero(v: float) -> bool:
    return v > 0


def _plain(law: Law) -> Law:
    """``law`` for relu with keras' defaults; vacuous (both sides relu(x)) otherwise."""

    def plain(a: Activation) -> bool:
        return a.params == {"negative_slope": 0.0, "max_value": math.inf, "threshold": 0.0}

    return replace(
        law,
        lhs=lambda a, v, other: law.lhs(a, v, other) if plain(a) else a(v),
        rhs=lambda a, v, other: law.rhs(a, v, other) if plain(a) else a(v),
    )


def _relu_order(negative_slope: float, max_value: float, threshold: float) -> str | None:
    if not threshold < max_value:
        return (
            f"threshold must be < max_value, got threshold={threshold:g}, max_value={max_value:g}"
        )
    return None


ENTRIES: tuple[Activation, ...] = (
    Activation(
        "identity",
        "f(x) = x",
        x,
        piecewise.identity,
        piecewise.identity_grad,
        shipped={
            "torch": ("nn.Identity",),
            "jax": ("identity",),
            "keras": ("linear",),
            "hf": ("linear",),
        },
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
        # keras' parameters (negative_slope, max_value, threshold); with the defaults
        # this is Piecewise((x, x > 0), (0, True))
        pw(
            (sym.max_value, x >= sym.max_value),
            (x, x > sym.threshold),
            (sym.negative_slope * (x - sym.threshold), True),
        ),
        piecewise.relu,
        piecewise.relu_grad,
        shipped={
            "torch": ("nn.ReLU", "F.relu"),
            "jax": ("relu",),
            "keras": ("relu",),
            "hf": ("relu",),
        },
        increasing=True,
        increasing_if=lambda negative_slope, max_value, threshold: negative_slope >= 0,
        laws=(
            # the two laws of plain relu hold for keras' defaults only: with other
            # parameters each side is the function itself
            _plain(minus_mirror_is_x("relu")),
            _plain(
                Law(
                    "relu(x) = (x + |x|) / 2",
                    lambda a, v, other: a(v),
                    lambda a, v, other: (v + np.abs(v)) / 2,
                    lambda a, v, other: np.abs(v),
                )
            ),
            Law(
                "relu(x) = min(x, max_value) if x > threshold, else negative_slope (x - threshold)",
                lambda a, v, other: a(v),
                lambda a, v, other: np.where(
                    v > a.params["threshold"],
                    np.minimum(v, a.params["max_value"]),
                    a.params["negative_slope"] * (v - a.params["threshold"]),
                ),
                lambda a, v, other: np.abs(a(v)) + abs(a.params["negative_slope"]) * np.abs(v),
                ops=2,
            ),
        ),
        param_specs=(
            Param("negative_slope", 0.0, sym.negative_slope, named=False),
            Param("max_value", math.inf, sym.max_value, _above_zero, _ABOVE_ZERO, named=False),
            Param("threshold", 0.0, sym.threshold, _nonnegative, _NONNEGATIVE, named=False),
        ),
        param_values=(0.0, math.inf, 0.0),
        validate_params=_relu_order,
        bounds=(0.0, math.inf),
        bounds_if=lambda negative_slope, max_value, threshold: (
            0.0 if negative_slope <= 0 else -math.inf,
            max_value if negative_slope >= 0 else math.inf,
        ),
    ),
    Activation(
        "leaky_relu",
        "leaky ReLU",
        pw((x, x > 0), (sym.negative_slope * x, True)),
        piecewise.leaky_relu,
        piecewise.leaky_relu_grad,
        shipped={
            "torch": ("nn.LeakyReLU", "F.leaky_relu"),
            "jax": ("leaky_relu",),
            "keras": ("leaky_relu",),
            "hf": ("leaky_relu",),
        },
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
        piecewise.relu6,
        piecewise.relu6_grad,
        shipped={
            "torch": ("nn.ReLU6", "F.relu6"),
            "jax": ("relu6",),
            "keras": ("relu6",),
            "hf": ("relu6",),
        },
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
        piecewise.hardtanh,
        piecewise.hardtanh_grad,
        shipped={
            "torch": ("nn.Hardtanh", "F.hardtanh"),
            "jax": ("hard_tanh",),
            "keras": ("hard_tanh",),
        },
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
        piecewise.hardsigmoid,
        piecewise.hardsigmoid_grad,
        shipped={
            "torch": ("nn.Hardsigmoid", "F.hardsigmoid"),
            "jax": ("hard_sigmoid",),
            "keras": ("hard_sigmoid",),
        },
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
        piecewise.hardswish,
        piecewise.hardswish_grad,
        shipped={
            "torch": ("nn.Hardswish", "F.hardswish"),
            "jax": ("hard_swish", "hard_silu"),
            "keras": ("hard_silu", "hard_swish"),
            "hf": ("hardswish",),
        },
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
        piecewise.softshrink,
        piecewise.softshrink_grad,
        shipped={"torch": ("nn.Softshrink", "F.softshrink"), "keras": ("soft_shrink",)},
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
        piecewise.hardshrink,
        piecewise.hardshrink_grad,
        shipped={"torch": ("nn.Hardshrink", "F.hardshrink"), "keras": ("hard_shrink",)},
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
    # issue 15
    Activation(
        "relu2",
        "squared ReLU (Primer; Hugging Face relu2)",
        sympy.Piecewise((x**2, x > 0), (0, True)),
        piecewise.relu2,
        piecewise.relu2_grad,
        shipped={"hf": ("relu2",)},
        laws=(
            Law(
                "relu2(x) = relu(x)^2",
                lambda a, v, other: a(v),
                lambda a, v, other: other("relu")(v) ** 2,
                lambda a, v, other: np.abs(a(v)),
                ops=1,
            ),
            Law(
                "relu2'(x) = 2 relu(x)",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: 2 * other("relu")(v),
                lambda a, v, other: np.abs(a.grad(v)),
                ops=0,
            ),
        ),
        bounds=(0.0, math.inf),
        increasing=True,
        plot_range=(-2.0, 2.0),
    ),
    Activation(
        "threshold",
        "x above the threshold, a constant value at or below it (torch.nn.Threshold)",
        sympy.Piecewise((x, x > sym.threshold), (sym.value, True)),
        piecewise.threshold,
        piecewise.threshold_grad,
        shipped={"torch": ("nn.Threshold", "F.threshold"), "keras": ("threshold",)},
        laws=(
            Law(
                "threshold(x; threshold=0, value=0) = relu(x)",
                lambda a, v, other: other("threshold", threshold=0.0, value=0.0)(v),
                lambda a, v, other: other("relu")(v),
                lambda a, v, other: np.abs(v),
                ops=0,
            ),
            Law(
                "threshold(x) = x if x > threshold else value",
                lambda a, v, other: a(v),
                lambda a, v, other: np.where(v > a.params["threshold"], v, a.params["value"]),
                lambda a, v, other: np.abs(a(v)),
                ops=0,
            ),
        ),
        # torch.nn.Threshold has no defaults; these are its documentation's example
        param_specs=(Param("threshold", 0.1, sym.threshold), Param("value", 20.0, sym.value)),
        param_values=(0.1, 20.0),
        increasing=True,
        increasing_if=lambda threshold, value: value <= threshold,
        plot_range=(-5.0, 25.0),
    ),
    Activation(
        "rrelu",
        "randomized leaky ReLU in evaluation mode: slope (lower + upper) / 2",
        sympy.Piecewise((x, x > 0), ((sym.lower + sym.upper) / 2 * x, True)),
        piecewise.rrelu,
        piecewise.rrelu_grad,
        shipped={"torch": ("nn.RReLU", "F.rrelu")},
        laws=(
            _same_as(
                "leaky_relu",
                "rrelu(x) = leaky_relu(x, (lower + upper) / 2)",
                negative_slope=rrelu_slope,
            ),
        ),
        param_specs=(
            Param("lower", 0.125, sym.lower, _unit, "a number between 0 and 1"),
            Param("upper", 1 / 3, sym.upper, _unit, "a number between 0 and 1"),
        ),
        param_values=(0.125, 1 / 3),
        validate_params=_rrelu_order,
        increasing=True,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "prelu",
        "parametric ReLU with one (scalar) weight: a leaky ReLU whose slope is learned",
        sympy.Piecewise((x, x > 0), (sym.weight * x, True)),
        piecewise.prelu,
        piecewise.prelu_grad,
        shipped={"torch": ("nn.PReLU", "F.prelu"), "hf": ("prelu",)},
        laws=(
            _same_as(
                "leaky_relu",
                "prelu(x) = leaky_relu(x, weight)",
                negative_slope=lambda weight: weight,
            ),
        ),
        param_specs=(Param("weight", 0.25, sym.weight),),
        param_values=(0.25,),
        increasing=True,
        increasing_if=lambda weight: weight >= 0,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "sparse_plus",
        "0, (x + 1)^2 / 4, x: a piecewise-quadratic softplus (jax.nn, keras)",
        sympy.Piecewise((0, x <= -1), ((x + 1) ** 2 / 4, x < 1), (x, True)),
        piecewise.sparse_plus,
        piecewise.sparse_plus_grad,
        shipped={"jax": ("sparse_plus",), "keras": ("sparse_plus",)},
        laws=(
            minus_mirror_is_x("sparse_plus"),
            Law(
                "sparse_plus'(x) = sparse_sigmoid(x)",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: other("sparse_sigmoid")(v),
                lambda a, v, other: np.abs(a.grad(v)),
                ops=0,
            ),
        ),
        bounds=(0.0, math.inf),
        increasing=True,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "sparse_sigmoid",
        "0, (x + 1) / 2, 1: a piecewise-linear sigmoid, sparse_plus' (jax.nn, keras)",
        # the middle piece is (x + 1)/2 written with |.|, whose derivative sign(0) = 0
        # gives jax's 1/4 at -1 and 1 (clip's tie splits the gradient)
        sympy.Piecewise(
            (0, x < -1),
            ((sympy.Abs(x + 1) - sympy.Abs(x - 1) + 2) / 4, x <= 1),
            (1, True),
        ),
        piecewise.sparse_sigmoid,
        piecewise.sparse_sigmoid_grad,
        shipped={"jax": ("sparse_sigmoid",), "keras": ("sparse_sigmoid",)},
        laws=(
            Law(
                "sparse_sigmoid(-x) = 1 - sparse_sigmoid(x)",
                lambda a, v, other: a(-v),
                lambda a, v, other: 1 - a(v),
                lambda a, v, other: 1 + a(v) + a(-v),
                ops=1,
            ),
            Law(
                "sparse_sigmoid(x) = clip((x + 1) / 2, 0, 1)",
                lambda a, v, other: a(v),
                lambda a, v, other: np.clip((v + 1) / 2, 0, 1),
                lambda a, v, other: np.abs(a(v)) + 1,
                ops=1,
            ),
        ),
        bounds=(0.0, 1.0),
        increasing=True,
        plot_range=(-3.0, 3.0),
    ),
)
