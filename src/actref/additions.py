"""Issue 15's elementwise activations, as registry entries (appended to the registry's
table; they join its structure when the families are merged).

Where a framework defines the function, its spelling, parameters, defaults and
derivative at the kinks are the framework's, measured (tests/test_union_conventions.py
records how and on which versions).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy

from actref.kernels import additions as k
from actref.laws import Law
from actref.registry import Activation, Kink, Param
from actref.symbolic import x

threshold_ = sympy.Symbol("threshold", real=True)
value_ = sympy.Symbol("value", real=True)
lower_ = sympy.Symbol("lower", nonnegative=True)
upper_ = sympy.Symbol("upper", nonnegative=True)
weight_ = sympy.Symbol("weight", real=True)
mu_ = sympy.Symbol("mu", real=True)
sigma_ = sympy.Symbol("sigma", positive=True)

alpha_p_ = sympy.Symbol("alpha_p", positive=True)
alpha_n_ = sympy.Symbol("alpha_n", positive=True)
beta_ = sympy.Symbol("beta", positive=True)
eps_ = sympy.Symbol("eps", negative=True)

QUICK_GELU_C = sympy.Rational(1702, 1000)  # CLIP's and Hugging Face's 1.702, as written


def _f(name: str, **params: float) -> Any:
    """Another registered activation, looked up when called (the registry imports this
    module)."""
    from actref.registry import get

    return get(name, **params)


def _gelu_expr(v: sympy.Expr) -> sympy.Expr:
    return v / 2 * (1 + sympy.erf(v / sympy.sqrt(2)))


def _unit(v: float) -> bool:
    return 0.0 <= v <= 1.0


def _moderate_mu(v: float) -> bool:
    return -1e6 <= v <= 1e6


def _moderate_sigma(v: float) -> bool:
    return 1e-6 <= v <= 1e6


def _xielu_params(alpha_p: float, alpha_n: float, beta: float, eps: float) -> str | None:
    if not beta < alpha_n:
        return (
            f"beta must be < alpha_n (HF: alpha_n = beta + softplus(.)), got {beta:g}, {alpha_n:g}"
        )
    root = k.xielu_constants(alpha_n, beta, eps)["root"]
    if not root < 2 * eps:
        return (
            f"the left root of a_n expm1(x) + (b - a_n) x ({root:.3g}) must lie below 2 eps"
            f" ({2 * eps:g}): make beta / alpha_n larger or eps closer to 0"
        )
    return None


def _xielu_kinks(alpha_p: float, alpha_n: float, beta: float, eps: float) -> tuple[Kink, ...]:
    kink = k.xielu_constants(alpha_n, beta, eps)["kink"]
    return (
        Kink(eps, kink, alpha_n * math.exp(eps) + (beta - alpha_n), beta - alpha_n),
        Kink(0.0, beta - alpha_n, beta - alpha_n, beta, continuous=False),
    )


def _moderate_positive(v: float) -> bool:
    return 1e-6 <= v <= 1e6


_MODERATE_POSITIVE = "a number between 1e-6 and 1e6"


def _small_negative(v: float) -> bool:
    return -0.5 <= v < 0


def _rrelu_order(lower: float, upper: float) -> str | None:
    if not lower <= upper:
        return f"lower must be <= upper, got lower={lower:g}, upper={upper:g}"
    return None


def _mirror_is_x(name: str) -> Law:
    return Law(
        f"{name}(x) - {name}(-x) = x",
        lambda a, v: a(v) - a(-v),
        lambda a, v: v,
        lambda a, v: np.abs(a(v)) + np.abs(a(-v)) + np.abs(v),
        ops=1,
    )


def _same_as(name: str, label: str, **fixed: Any) -> Law:
    """``act(x) = name(x, **params)`` where ``fixed`` maps parameter names of ``name`` to
    functions of ``act``'s parameters."""
    return Law(
        label,
        lambda a, v: a(v),
        lambda a, v: _f(name, **{p: g(**a.params) for p, g in fixed.items()})(v),
        lambda a, v: 2 * np.abs(a(v)),
        uses=(name,),
        ops=0,
    )


ENTRIES: tuple[Activation, ...] = (
    Activation(
        "relu2",
        "squared ReLU (Primer; Hugging Face relu2)",
        sympy.Piecewise((x**2, x > 0), (0, True)),
        k.relu2,
        k.relu2_grad,
        laws=(
            Law(
                "relu2(x) = relu(x)^2",
                lambda a, v: a(v),
                lambda a, v: _f("relu")(v) ** 2,
                lambda a, v: np.abs(a(v)),
                uses=("relu",),
                ops=1,
            ),
            Law(
                "relu2'(x) = 2 relu(x)",
                lambda a, v: a.grad(v),
                lambda a, v: 2 * _f("relu")(v),
                lambda a, v: np.abs(a.grad(v)),
                uses=("relu",),
                ops=0,
            ),
        ),
        bounds=(0.0, math.inf),
        increasing=True,
        plot_range=(-2.0, 2.0),
    ),
    Activation(
        "quick_gelu",
        "x sigmoid(1.702 x): GELU's sigmoid approximation (CLIP, Hugging Face)",
        x / (1 + sympy.exp(-QUICK_GELU_C * x)),
        k.quick_gelu,
        k.quick_gelu_grad,
        laws=(
            _mirror_is_x("quick_gelu"),
            Law(
                "quick_gelu'(x) + quick_gelu'(-x) = 1",
                lambda a, v: a.grad(v) + a.grad(-v),
                lambda a, v: np.ones_like(v),
                lambda a, v: np.abs(a.grad(v)) + np.abs(a.grad(-v)) + 1,
                ops=1,
            ),
            Law(
                "quick_gelu(x) = x sigmoid(1.702 x)",
                lambda a, v: a(v),
                lambda a, v: v * _f("sigmoid")(1.702 * v),
                # 1.702 x is rounded: sigmoid moves by |t| sigma'(t) eps <= 0.23 eps, times x
                lambda a, v: 2 * np.abs(a(v)) + np.abs(v),
                uses=("sigmoid",),
                ops=2,
            ),
        ),
        # min at 1.702 x = -1.27846454276..., value -0.27846454276107380... / 1.702
        bounds=(-0.1636101896363536, math.inf),
    ),
    Activation(
        "threshold",
        "x above the threshold, a constant value at or below it (torch.nn.Threshold)",
        sympy.Piecewise((x, x > threshold_), (value_, True)),
        k.threshold,
        k.threshold_grad,
        laws=(
            Law(
                "threshold(x; threshold=0, value=0) = relu(x)",
                lambda a, v: _f("threshold", threshold=0.0, value=0.0)(v),
                lambda a, v: _f("relu")(v),
                lambda a, v: np.abs(v),
                uses=("relu",),
                ops=0,
            ),
            Law(
                "threshold(x) = x if x > threshold else value",
                lambda a, v: a(v),
                lambda a, v: np.where(v > a.params["threshold"], v, a.params["value"]),
                lambda a, v: np.abs(a(v)),
                ops=0,
            ),
        ),
        # torch.nn.Threshold has no defaults; these are its documentation's example
        param_specs=(Param("threshold", 0.1, threshold_), Param("value", 20.0, value_)),
        param_values=(0.1, 20.0),
        kinks_of=lambda threshold, value: (
            Kink(threshold, 0.0, 0.0, 1.0, continuous=value == threshold),
        ),
        increasing=True,
        increasing_if=lambda threshold, value: value <= threshold,
        plot_range=(-5.0, 25.0),
    ),
    Activation(
        "rrelu",
        "randomized leaky ReLU in evaluation mode: slope (lower + upper) / 2",
        sympy.Piecewise((x, x > 0), ((lower_ + upper_) / 2 * x, True)),
        k.rrelu,
        k.rrelu_grad,
        laws=(
            _same_as(
                "leaky_relu",
                "rrelu(x) = leaky_relu(x, (lower + upper) / 2)",
                negative_slope=k.rrelu_slope,
            ),
        ),
        param_specs=(
            Param("lower", 0.125, lower_, _unit, "a number between 0 and 1"),
            Param("upper", 1 / 3, upper_, _unit, "a number between 0 and 1"),
        ),
        param_values=(0.125, 1 / 3),
        kinks_of=lambda lower, upper: (
            (Kink(0.0, k.rrelu_slope(lower, upper), k.rrelu_slope(lower, upper), 1.0),)
            if k.rrelu_slope(lower, upper) != 1
            else ()
        ),
        validate_params=_rrelu_order,
        increasing=True,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "prelu",
        "parametric ReLU with one (scalar) weight: a leaky ReLU whose slope is learned",
        sympy.Piecewise((x, x > 0), (weight_ * x, True)),
        k.prelu,
        k.prelu_grad,
        laws=(
            _same_as(
                "leaky_relu",
                "prelu(x) = leaky_relu(x, weight)",
                negative_slope=lambda weight: weight,
            ),
        ),
        param_specs=(Param("weight", 0.25, weight_),),
        param_values=(0.25,),
        kinks_of=lambda weight: (Kink(0.0, weight, weight, 1.0),) if weight != 1 else (),
        increasing=True,
        increasing_if=lambda weight: weight >= 0,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "exponential",
        "e^x (keras.activations.exponential)",
        sympy.exp(x),
        k.exponential,
        k.exponential_grad,
        laws=(
            Law(
                "exponential(x) exponential(-x) = 1",
                lambda a, v: a(v) * a(-v),
                lambda a, v: np.ones_like(v),
                lambda a, v: 2 * np.abs(a(v) * a(-v)),
                ops=1,
                where=(-700.0, 700.0),
            ),
            Law(
                "exponential'(x) = exponential(x)",
                lambda a, v: a.grad(v),
                lambda a, v: a(v),
                lambda a, v: np.abs(a(v)),
                ops=0,
                where=(-700.0, 700.0),
            ),
        ),
        bounds=(0.0, math.inf),
        increasing=True,
        plot_range=(-3.0, 2.0),
    ),
    Activation(
        "sparse_plus",
        "0, (x + 1)^2 / 4, x: a piecewise-quadratic softplus (jax.nn, keras)",
        sympy.Piecewise((0, x <= -1), ((x + 1) ** 2 / 4, x < 1), (x, True)),
        k.sparse_plus,
        k.sparse_plus_grad,
        laws=(
            _mirror_is_x("sparse_plus"),
            Law(
                "sparse_plus'(x) = sparse_sigmoid(x)",
                lambda a, v: a.grad(v),
                lambda a, v: _f("sparse_sigmoid")(v),
                lambda a, v: np.abs(a.grad(v)),
                uses=("sparse_sigmoid",),
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
        k.sparse_sigmoid,
        k.sparse_sigmoid_grad,
        laws=(
            Law(
                "sparse_sigmoid(-x) = 1 - sparse_sigmoid(x)",
                lambda a, v: a(-v),
                lambda a, v: 1 - a(v),
                lambda a, v: 1 + a(v) + a(-v),
                ops=1,
            ),
            Law(
                "sparse_sigmoid(x) = clip((x + 1) / 2, 0, 1)",
                lambda a, v: a(v),
                lambda a, v: np.clip((v + 1) / 2, 0, 1),
                lambda a, v: np.abs(a(v)) + 1,
                ops=1,
            ),
        ),
        kinks_of=lambda: (Kink(-1.0, 0.25, 0.0, 0.5), Kink(1.0, 0.25, 0.5, 0.0)),
        bounds=(0.0, 1.0),
        increasing=True,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "gelu_10",
        "GELU clipped at 10 (Hugging Face gelu_10: ClippedGELUActivation(-10, 10))",
        # min(max(gelu, -10), 10): gelu >= -0.17 never meets -10, and it meets 10 at
        # x = 10 + 7.6e-23, between 10 and the next float: the clip at x = 10 is exact at
        # every float, and puts torch's derivative 0 at x = 10 (gelu(10.0) rounds to 10)
        sympy.Piecewise((_gelu_expr(x), x < k.GELU_10_CLIP), (k.GELU_10_CLIP, True)),
        k.gelu_10,
        k.gelu_10_grad,
        # gelu's own kernel and budget below the clip
        ulp_budget=(8, 4),
        laws=(
            Law(
                "gelu_10(x) = gelu(x) for x < 10",
                lambda a, v: a(v),
                lambda a, v: _f("gelu")(v),
                lambda a, v: np.abs(a(v)),
                uses=("gelu",),
                ops=0,
                where=(-1e4, 9.999),
            ),
            Law(
                "gelu_10(x) = min(gelu(x), 10)",
                lambda a, v: a(v),
                lambda a, v: np.minimum(_f("gelu")(v), 10.0),
                lambda a, v: np.abs(a(v)),
                uses=("gelu",),
                ops=0,
            ),
        ),
        kinks_of=lambda: (Kink(10.0, 0.0, 1.0, 0.0),),
        # gelu's minimum; the clip is the maximum
        bounds=(-0.1699712074799037, 10.0),
        plot_range=(-4.0, 12.0),
    ),
    Activation(
        "laplace",
        "Gaussian CDF of (x - mu) / sigma (MEGA; Hugging Face laplace)",
        (1 + sympy.erf((x - mu_) / (sigma_ * sympy.sqrt(2)))) / 2,
        k.laplace,
        k.laplace_grad,
        # value: SciPy's erfc and erfcx, as gelu's value (same budget): 6 ULP measured
        # left of z = -0.7 (x = -0.99 with mu = 0, sigma = 1), where erfcx carries it
        ulp_budget=(8, 4),
        laws=(
            Law(
                "laplace(x) = (1 + erf((x - mu) / (sigma sqrt 2))) / 2",
                lambda a, v: a(v),
                lambda a, v: 0.5 * (1 + _erf((v - a.params["mu"]) / (a.params["sigma"] * 2**0.5))),
                # the rounded argument moves erf by its density times 3 roundings of z
                lambda a, v: 1 + np.abs(a.grad(v)) * (np.abs(v) + abs(a.params["mu"])) * 2,
                ops=3,
                where=(-50.0, 50.0),
            ),
            Law(
                "laplace(mu + d) + laplace(mu - d) = 1",
                lambda a, v: a(a.params["mu"] + v) + a(a.params["mu"] - v),
                lambda a, v: np.ones_like(v),
                lambda a, v: 2 + 2 * np.abs(a.grad(a.params["mu"] + v)) * np.abs(v),
                ops=2,
                where=(-50.0, 50.0),
            ),
        ),
        # Hugging Face's LaplaceActivation.forward defaults: mu = sqrt(1/2), sigma =
        # 1/sqrt(4 pi), to six digits
        param_specs=(
            Param("mu", 0.707107, mu_, _moderate_mu, "a number between -1e6 and 1e6"),
            Param("sigma", 0.282095, sigma_, _moderate_sigma, "a number between 1e-6 and 1e6"),
        ),
        param_values=(0.707107, 0.282095),
        bounds=(0.0, 1.0),
        increasing=True,
        plot_range=(-1.0, 2.5),
    ),
)


_MIN_X_EPS = (x + eps_ - sympy.Abs(x - eps_)) / 2  # min(x, eps), whose tie derivative is 1/2

ENTRIES = (
    *ENTRIES,
    Activation(
        "xielu",
        "expanded integral of ELU: a_p x^2 + b x right, a_n (e^min(x,eps) - 1 - x) + b x left",
        sympy.Piecewise(
            (alpha_p_ * x**2 + beta_ * x, x > 0),
            (alpha_n_ * (sympy.exp(_MIN_X_EPS) - 1 - x) + beta_ * x, True),
        ),
        k.xielu,
        k.xielu_grad,
        laws=(
            Law(
                "xielu(x) = alpha_p relu2(x) + beta x for x > 0",
                lambda a, v: a(v),
                lambda a, v: a.params["alpha_p"] * _f("relu2")(v) + a.params["beta"] * v,
                lambda a, v: np.abs(a(v)) + a.params["beta"] * np.abs(v),
                uses=("relu2",),
                ops=2,
                where=(1e-300, 1e4),
            ),
            Law(
                "xielu'(x) = 2 alpha_p x + beta for x > 0",
                lambda a, v: a.grad(v),
                lambda a, v: 2 * a.params["alpha_p"] * v + a.params["beta"],
                lambda a, v: np.abs(a.grad(v)),
                ops=2,
                where=(1e-300, 1e4),
            ),
            Law(
                "xielu'(x) - xielu(x) = beta (1 - x) + alpha_n (1 + x) - alpha_n for x < eps",
                lambda a, v: a.grad(v) - a(v),
                lambda a, v: a.params["beta"] * (1 - v) + a.params["alpha_n"] * v,
                # both sides carry a_n e^x and the linear terms, each within the budget
                lambda a, v: (
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
            Param("alpha_p", 0.8, alpha_p_, _moderate_positive, _MODERATE_POSITIVE),
            Param("alpha_n", 0.8, alpha_n_, _moderate_positive, _MODERATE_POSITIVE),
            Param("beta", 0.5, beta_, _moderate_positive, _MODERATE_POSITIVE),
            Param("eps", -1e-6, eps_, _small_negative, "a number in [-0.5, 0)"),
        ),
        param_values=(0.8, 0.8, 0.5, -1e-6),
        kinks_of=_xielu_kinks,
        validate_params=_xielu_params,
        plot_range=(-6.0, 2.0),
    ),
)


# other spellings users type (normalised as the registry's lookup does: case, "-", "_")
ALIASES: dict[str, str] = {
    "relu_squared": "relu2",  # Primer's "squared ReLU"
    "squared_relu": "relu2",
    "relu_square": "relu2",
    "gelu_quick": "quick_gelu",
    "clipped_gelu": "gelu_10",  # Hugging Face's ClippedGELUActivation(-10, 10)
    "randomized_leaky_relu": "rrelu",
    "parametric_relu": "prelu",
    "exp": "exponential",
}


def _erf(v: Any) -> Any:
    from scipy import special

    return special.erf(v)
