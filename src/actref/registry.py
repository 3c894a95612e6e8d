"""The registry: every activation declared once, as data.

Each entry of :data:`_TABLE` names the function, its exact SymPy expression (the
derivative is derived from it), its stable NumPy forward and derivative, its
parameters with PyTorch's defaults and what values they accept, its kinks with the
derivative value PyTorch uses there, and a few facts the checks and figures use.
Tests, plots, ``verify``, the grader and the docs iterate this table; no other place
lists the names.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from numpy.typing import ArrayLike, NDArray

from actref import kernels
from actref import symbolic as sym
from actref.kernels.validate import F64_DTYPE, as_float_array
from actref.laws import Law
from actref.symbolic import x

NumpyFn = Callable[..., NDArray[np.float64]]


class UnknownActivationError(LookupError, ValueError):
    """No activation is registered under the requested name."""


@dataclass(frozen=True)
class Param:
    """A parameter: its PyTorch name and default, and the values the definition allows."""

    name: str
    default: float
    symbol: sympy.Symbol
    check: Callable[[float], bool] = math.isfinite
    accepted: str = "a finite real number"
    # False: left out of the function's name while it has its default (keras' relu
    # parameters: plain relu stays "relu")
    named: bool = True


@dataclass(frozen=True)
class Kink:
    """A point where the function is not differentiable (or not even continuous).

    ``grad`` is the derivative value used there, PyTorch's convention; ``left`` and
    ``right`` are the one-sided derivatives, between which any subgradient lies.
    """

    at: float
    grad: float
    left: float
    right: float
    continuous: bool = True


def _positive(v: float) -> bool:
    return math.isfinite(v) and v > 0


def _nonnegative(v: float) -> bool:
    return math.isfinite(v) and v >= 0


def _moderate(v: float) -> bool:
    return 1e-100 <= v <= 1e100


def _celu_alpha(v: float) -> bool:
    return 1e-300 <= v <= 1e300


def _normal_positive(v: float) -> bool:
    return math.isfinite(v) and v >= _SMALLEST_NORMAL


_SMALLEST_NORMAL = 2.2250738585072014e-308


_POSITIVE = "a finite number > 0"
_NONNEGATIVE = "a finite number >= 0"
# softplus: beyond |beta x| = 1000 the result is x or 0 to every digit only for these
_MODERATE = "a number between 1e-100 and 1e100"
# issue 14: celu' splits x/alpha with Dekker's product, which needs a normal alpha whose
# 2^27-fold does not overflow (a subnormal alpha cost 43 ULP, 1.3e300 gave nan)
_CELU_ALPHA = "a number between 1e-300 and 1e300"
# issue 14: a subnormal b has too few bits for x^2 + b (3e7 to 4e14 ULP)
_NORMAL_POSITIVE = "a finite number >= 2.2250738585072014e-308 (the smallest normal float)"


@dataclass(frozen=True)
class Activation:
    """One activation function, optionally with bound parameters.

    Call it for the NumPy forward (``act(x)``), ``act.grad(x)`` for the derivative;
    ``act.expr`` and ``act.dexpr`` are the exact SymPy expression in
    :data:`actref.symbolic.x` and its derivative; ``act.kinks`` lists the points where
    it is not differentiable. float16/32/64 inputs keep their dtype (computed in
    float64, rounded once); integers and bools become float64.
    """

    name: str
    summary: str
    generic_expr: sympy.Expr
    forward_fn: NumpyFn = field(repr=False)
    grad_fn: NumpyFn = field(repr=False)
    param_specs: tuple[Param, ...] = ()
    param_values: tuple[float, ...] = ()
    kinks_of: Callable[..., tuple[Kink, ...]] = field(default=lambda **_: (), repr=False)
    # lo <= f(x) <= hi for every x; finite ends are the exact infimum/supremum rounded
    # outward (computed with mpmath, tested against the oracle in test_laws.py)
    bounds: tuple[float, float] = (-math.inf, math.inf)
    # non-decreasing on the whole line (relu counts; gelu does not), for every parameter
    # value unless ``increasing_if(**params)`` says for which (see :attr:`is_increasing`)
    increasing: bool = False
    plot_range: tuple[float, float] = (-5.0, 5.0)
    # worst error allowed against the oracle in float64, ULPs: (value, derivative)
    ulp_budget: tuple[float, float] = (4.0, 4.0)
    validate_params: Callable[..., str | None] = field(default=lambda **_: None, repr=False)
    # identities it obeys (actref.laws); bounds, monotonicity and kinks are laws too
    laws: tuple[Law, ...] = field(default=(), repr=False)
    increasing_if: Callable[..., bool] | None = field(default=None, repr=False)
    # bounds that depend on the parameters: (lo, hi) from them, set when they are bound
    bounds_if: Callable[..., tuple[float, float]] | None = field(default=None, repr=False)

    @property
    def is_increasing(self) -> bool:
        """Non-decreasing on the whole line with the bound parameters."""
        if self.increasing_if is not None:
            return self.increasing and self.increasing_if(**self.params)
        return self.increasing

    # ------------------------------------------------------------ parameters
    @property
    def params(self) -> dict[str, float]:
        """The bound parameter values by name."""
        return {p.name: v for p, v in zip(self.param_specs, self.param_values, strict=True)}

    def with_params(self, **params: Any) -> Activation:
        """A copy with some parameters changed; unknown or invalid ones raise."""
        known = {p.name: p for p in self.param_specs}
        values = self.params
        for key, raw in params.items():
            if key not in known:
                accepted = ", ".join(known) if known else "none"
                raise ValueError(
                    f"{self.name} has no parameter {key!r}; its parameters: {accepted}"
                )
            spec = known[key]
            value = _as_param_float(raw)
            if value is None or not spec.check(value):
                raise ValueError(
                    f"{self.name}: {key}={raw!r} is not accepted; {key} must be {spec.accepted}"
                )
            values[key] = value
        problem = self.validate_params(**values)
        if problem:
            raise ValueError(f"{self.name}: {problem}")
        return _replace_values(self, tuple(values[p.name] for p in self.param_specs))

    # ------------------------------------------------------------- numerics
    def __call__(self, x: ArrayLike) -> NDArray[np.floating]:
        """The activation, elementwise; same shape, float dtype kept."""
        if type(x) is np.ndarray and x.dtype is F64_DTYPE:  # nothing to convert (~0.4 us)
            return self.forward_fn(x, *self.param_values)
        arr, dtype = as_float_array(x)
        return self.forward_fn(arr, *self.param_values).astype(dtype, copy=False)

    def grad(self, x: ArrayLike) -> NDArray[np.floating]:
        """The derivative in closed form, elementwise; PyTorch's value at kinks."""
        if type(x) is np.ndarray and x.dtype is F64_DTYPE:
            return self.grad_fn(x, *self.param_values)
        arr, dtype = as_float_array(x)
        return self.grad_fn(arr, *self.param_values).astype(dtype, copy=False)

    # ------------------------------------------------------------- symbolics
    @property
    def expr(self) -> sympy.Expr:
        """The exact expression in ``x`` with the bound parameters substituted."""
        return _bound_expr(self.generic_expr, self._subs_key())

    @property
    def display_expr(self) -> sympy.Expr:
        """:attr:`expr` with each parameter as the decimal it was typed as (0.01, not
        the binary fraction nearest it): for formulas shown to people."""
        return _bound_expr(self.generic_expr, self._subs_key(), readable=True)

    @property
    def dexpr(self) -> sympy.Expr:
        """``sympy.diff(expr, x)``."""
        return _bound_dexpr(self.generic_expr, self._subs_key())

    @property
    def kinks(self) -> tuple[Kink, ...]:
        """Where the function is not differentiable, with the derivative used there."""
        return self.kinks_of(**self.params)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        """Where the formula changes: the kinks and the smooth joins (celu, elu and
        softsign at 0). Finite-difference checks treat them all as kinks."""
        return sym.breakpoints(self.expr)

    def sympy_numpy(self) -> Callable[[Any], Any]:
        """The lambdified exact expression (cached): an independent NumPy forward."""
        return sym.lambdify_numpy(self.expr)

    def sympy_numpy_grad(self) -> Callable[[Any], Any]:
        """The lambdified exact derivative (cached)."""
        return sym.lambdify_numpy(self.dexpr)

    def _subs_key(self) -> tuple[tuple[sympy.Symbol, float], ...]:
        return tuple(
            (p.symbol, v) for p, v in zip(self.param_specs, self.param_values, strict=True)
        )

    @property
    def shown_params(self) -> dict[str, float]:
        """:attr:`params` as names and messages show them: without the optional ones
        (``Param.named`` false) while they have their default."""
        return {
            p.name: v
            for p, v in zip(self.param_specs, self.param_values, strict=True)
            if p.named or v != p.default
        }

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.shown_params.items())
        return f"{self.name}({args})" if args else self.name


def _replace_values(act: Activation, values: tuple[float, ...]) -> Activation:
    from dataclasses import replace

    new = replace(act, param_values=values)
    return new if act.bounds_if is None else replace(new, bounds=act.bounds_if(**new.params))


def _as_param_float(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | np.integer | np.floating):
        return None
    return float(raw)


@functools.lru_cache(maxsize=512)
def _bound_expr(
    generic: sympy.Expr, subs: tuple[tuple[sympy.Symbol, float], ...], readable: bool = False
) -> sympy.Expr:
    value = sym.readable if readable else sym.exact
    return generic.subs({s: value(v) for s, v in subs})


@functools.lru_cache(maxsize=512)
def _bound_dexpr(generic: sympy.Expr, subs: tuple[tuple[sympy.Symbol, float], ...]) -> sympy.Expr:
    return sym.derivative(_bound_expr(generic, subs))


# ============================================================================ the table
def _pw(*pieces: tuple[Any, Any]) -> sympy.Piecewise:
    return sympy.Piecewise(*pieces)


def _sigmoid_expr(arg: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-arg))


a_, al_, be_, la_, lo_, hi_, b_ = (
    sym.negative_slope,
    sym.alpha,
    sym.beta,
    sym.lambd,
    sym.min_val,
    sym.max_val,
    sym.b,
)
_GELU_C = sympy.Rational(44715, 10**6)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


# keras' relu: max_value may be inf (no cap); threshold >= 0, because keras clips the
# values between a negative threshold and 0 to 0 when a max_value is given
mv_ = sympy.Symbol("max_value", positive=True)
th_ = sympy.Symbol("threshold", real=True)
_ABOVE_ZERO = "a number > 0 (inf: no cap)"


def _above_zero(v: float) -> bool:
    return v > 0


def _relu_order(negative_slope: float, max_value: float, threshold: float) -> str | None:
    if not threshold < max_value:
        return (
            f"threshold must be < max_value, got threshold={threshold:g}, max_value={max_value:g}"
        )
    return None


def _hardtanh_order(min_val: float, max_val: float) -> str | None:
    if not min_val < max_val:
        return f"min_val must be < max_val, got min_val={min_val:g}, max_val={max_val:g}"
    return None


def _f(name: str) -> Callable[[Any], Any]:
    """Another registered activation (default parameters), looked up when called."""
    return lambda v: _BY_NAME[name](v)


def _df(name: str) -> Callable[[Any], Any]:
    return lambda v: _BY_NAME[name].grad(v)


def _odd(name: str) -> Law:
    return Law(
        f"{name}(-x) = -{name}(x)",
        lambda a, v: a(-v),
        lambda a, v: -a(v),
        lambda a, v: np.abs(a(v)) + np.abs(a(-v)),
        ops=0,
    )


def _minus_mirror_is_x(name: str) -> Law:
    # f(x) - f(-x) = x holds for every f(x) = x g(x) with g(x) + g(-x) = 1
    return Law(
        f"{name}(x) - {name}(-x) = x",
        lambda a, v: a(v) - a(-v),
        lambda a, v: v,
        lambda a, v: np.abs(a(v)) + np.abs(a(-v)) + np.abs(v),
        ops=1,
    )


_TABLE: tuple[Activation, ...] = (
    Activation(
        "sigmoid",
        "logistic sigmoid",
        _sigmoid_expr(x),
        kernels.sigmoid,
        kernels.sigmoid_grad,
        laws=(
            Law(
                "sigmoid(-x) = 1 - sigmoid(x)",
                lambda a, v: a(-v),
                lambda a, v: 1 - a(v),
                lambda a, v: 1 + a(-v) + a(v),
                ops=1,
            ),
            Law(
                "sigmoid(x) = (1 + tanh(x/2)) / 2",
                lambda a, v: a(v),
                lambda a, v: (1 + _f("tanh")(v / 2)) / 2,
                lambda a, v: 1 + a(v) + np.abs(_f("tanh")(v / 2)),
                uses=("tanh",),
            ),
            Law(
                "sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))",
                lambda a, v: a.grad(v),
                lambda a, v: a(v) * (1 - a(v)),
                # 1 - s carries the absolute error of s, then times s
                lambda a, v: np.abs(a.grad(v)) + 2 * a(v),
            ),
        ),
        bounds=(0.0, 1.0),
        increasing=True,
        plot_range=(-8.0, 8.0),
    ),
    Activation(
        "tanh",
        "hyperbolic tangent",
        sympy.tanh(x),
        kernels.tanh,
        kernels.tanh_grad,
        laws=(
            _odd("tanh"),
            Law(
                "tanh(x) = 2 sigmoid(2x) - 1",
                lambda a, v: a(v),
                lambda a, v: 2 * _f("sigmoid")(2 * v) - 1,
                lambda a, v: np.abs(a(v)) + 2 * _f("sigmoid")(2 * v) + 1,
                uses=("sigmoid",),
            ),
            Law(
                "tanh'(x) = 1 - tanh(x)^2",
                lambda a, v: a.grad(v),
                lambda a, v: 1 - a(v) ** 2,
                lambda a, v: np.abs(a.grad(v)) + 1 + 2 * a(v) ** 2,
            ),
        ),
        bounds=(-1.0, 1.0),
        increasing=True,
        plot_range=(-4.0, 4.0),
    ),
    Activation(
        "relu",
        "rectified linear unit",
        # keras' parameters (negative_slope, max_value, threshold); with the defaults
        # this is Piecewise((x, x > 0), (0, True))
        _pw((mv_, x >= mv_), (x, x > th_), (a_ * (x - th_), True)),
        kernels.additions.relu,
        kernels.additions.relu_grad,
        increasing=True,
        increasing_if=lambda negative_slope, max_value, threshold: negative_slope >= 0,
        laws=(
            _minus_mirror_is_x("relu"),
            Law(
                "relu(x) = (x + |x|) / 2",
                lambda a, v: _f("relu")(v),
                lambda a, v: (v + np.abs(v)) / 2,
                lambda a, v: np.abs(v),
            ),
            Law(
                "relu(x) = min(x, max_value) if x > threshold, else negative_slope (x - threshold)",
                lambda a, v: a(v),
                lambda a, v: np.where(
                    v > a.params["threshold"],
                    np.minimum(v, a.params["max_value"]),
                    a.params["negative_slope"] * (v - a.params["threshold"]),
                ),
                lambda a, v: np.abs(a(v)) + abs(a.params["negative_slope"]) * np.abs(v),
                ops=2,
            ),
        ),
        param_specs=(
            Param("negative_slope", 0.0, a_, named=False),
            Param("max_value", math.inf, mv_, _above_zero, _ABOVE_ZERO, named=False),
            Param("threshold", 0.0, th_, _nonnegative, _NONNEGATIVE, named=False),
        ),
        param_values=(0.0, math.inf, 0.0),
        kinks_of=lambda negative_slope, max_value, threshold: (
            *(
                (Kink(threshold, negative_slope, negative_slope, 1.0, threshold == 0),)
                if (negative_slope, threshold) != (1, 0)
                else ()
            ),
            *((Kink(max_value, 0.0, 1.0, 0.0),) if math.isfinite(max_value) else ()),
        ),
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
        _pw((x, x > 0), (a_ * x, True)),
        kernels.leaky_relu,
        kernels.leaky_relu_grad,
        increasing=True,
        increasing_if=lambda negative_slope: negative_slope >= 0,  # issue 14
        laws=(
            Law(
                "leaky_relu(x) - leaky_relu(-x) = (1 + negative_slope) x",
                lambda a, v: a(v) - a(-v),
                lambda a, v: (1 + a.params["negative_slope"]) * v,
                lambda a, v: (
                    np.abs(a(v))
                    + np.abs(a(-v))
                    + (2 + abs(a.params["negative_slope"])) * np.abs(v)
                ),
            ),
            Law(
                "leaky_relu(x) = relu(x) - negative_slope relu(-x)",
                lambda a, v: a(v),
                lambda a, v: _f("relu")(v) - a.params["negative_slope"] * _f("relu")(-v),
                lambda a, v: np.abs(a(v)) + (1 + abs(a.params["negative_slope"])) * np.abs(v),
                uses=("relu",),
            ),
        ),
        param_specs=(Param("negative_slope", 0.01, a_),),
        param_values=(0.01,),
        kinks_of=lambda negative_slope: (
            (Kink(0.0, negative_slope, negative_slope, 1.0),) if negative_slope != 1 else ()
        ),
    ),
    Activation(
        "elu",
        "exponential linear unit",
        _pw((x, x > 0), (al_ * (sympy.exp(x) - 1), True)),
        kernels.elu,
        kernels.elu_grad,
        laws=(
            Law(
                "elu'(x) = elu(x) + alpha for x <= 0",
                lambda a, v: a.grad(v),
                lambda a, v: a(v) + a.params["alpha"],
                lambda a, v: np.abs(a.grad(v)) + np.abs(a(v)) + a.params["alpha"],
                ops=1,
                where=(-1e4, 0.0),
            ),
        ),
        # the whole accepted domain meets the budget (alpha > 1 far left in the kernel,
        # issue 14)
        param_specs=(Param("alpha", 1.0, al_, _positive, _POSITIVE),),
        param_values=(1.0,),
        kinks_of=lambda alpha: (Kink(0.0, alpha, alpha, 1.0),) if alpha != 1 else (),
        increasing=True,
    ),
    Activation(
        "selu",
        "scaled exponential linear unit",
        _pw(
            (sym.SELU_SCALE * x, x > 0),
            (sym.SELU_SCALE * sym.SELU_ALPHA * (sympy.exp(x) - 1), True),
        ),
        kernels.selu,
        kernels.selu_grad,
        laws=(
            Law(
                "selu(x) = scale elu(x, alpha)",
                lambda a, v: a(v),
                lambda a, v: (
                    kernels.SELU_SCALE * _BY_NAME["elu"].with_params(alpha=kernels.SELU_ALPHA)(v)
                ),
                lambda a, v: 2 * np.abs(a(v)),
                uses=("elu",),
            ),
            Law(
                "selu'(x) = selu(x) + scale alpha for x <= 0",
                lambda a, v: a.grad(v),
                lambda a, v: a(v) + kernels.SELU_SCALE * kernels.SELU_ALPHA,
                lambda a, v: (
                    np.abs(a.grad(v)) + np.abs(a(v)) + kernels.SELU_SCALE * kernels.SELU_ALPHA
                ),
                where=(-1e4, 0.0),
            ),
        ),
        kinks_of=lambda: (
            Kink(
                0.0,
                kernels.SELU_SCALE * kernels.SELU_ALPHA,
                kernels.SELU_SCALE * kernels.SELU_ALPHA,
                kernels.SELU_SCALE,
            ),
        ),
        # -scale * alpha = -1.75809934084737685994..., rounded down (the float product
        # -1.7580993408473766 lies above it)
        bounds=(-1.758099340847377, math.inf),
        increasing=True,
    ),
    Activation(
        "celu",
        "continuously differentiable ELU",
        _pw((x, x > 0), (al_ * (sympy.exp(x / al_) - 1), True)),
        kernels.celu,
        kernels.celu_grad,
        laws=(
            Law(
                "celu(x) = alpha elu(x / alpha)",
                lambda a, v: a(v),
                lambda a, v: a.params["alpha"] * _f("elu")(v / a.params["alpha"]),
                # x / alpha is rounded: elu' <= 1 carries eps |x| into the result
                lambda a, v: 2 * np.abs(a(v)) + np.abs(v),
                uses=("elu",),
            ),
            Law(
                "celu'(x) = celu(x) / alpha + 1 for x <= 0",
                lambda a, v: a.grad(v),
                lambda a, v: a(v) / a.params["alpha"] + 1,
                lambda a, v: np.abs(a.grad(v)) + np.abs(a(v)) / a.params["alpha"] + 1,
                where=(-1e4, 0.0),
            ),
        ),
        # the whole accepted domain meets the budget (alpha narrowed, issue 14)
        param_specs=(Param("alpha", 1.0, al_, _celu_alpha, _CELU_ALPHA),),
        param_values=(1.0,),
        increasing=True,
    ),
    Activation(
        "gelu",
        "Gaussian error linear unit (exact, erf)",
        x / 2 * (1 + sympy.erf(x / sympy.sqrt(2))),
        kernels.gelu,
        kernels.gelu_grad,
        ulp_budget=(8, 4),
        laws=(
            _minus_mirror_is_x("gelu"),
            Law(
                "gelu'(x) + gelu'(-x) = 1",
                lambda a, v: a.grad(v) + a.grad(-v),
                lambda a, v: np.ones_like(v),
                lambda a, v: np.abs(a.grad(v)) + np.abs(a.grad(-v)) + 1,
                ops=1,
            ),
        ),
        # min at x = -0.75179152469..., value -0.16997120747990366...
        bounds=(-0.1699712074799037, math.inf),
    ),
    Activation(
        "gelu_tanh",
        "GELU, tanh approximation",
        x / 2 * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (x + _GELU_C * x**3))),
        kernels.gelu_tanh,
        kernels.gelu_tanh_grad,
        laws=(
            _minus_mirror_is_x("gelu_tanh"),
            Law(
                "gelu_tanh'(x) + gelu_tanh'(-x) = 1",
                lambda a, v: a.grad(v) + a.grad(-v),
                lambda a, v: np.ones_like(v),
                lambda a, v: np.abs(a.grad(v)) + np.abs(a.grad(-v)) + 1,
                ops=1,
            ),
            Law(
                "gelu_tanh(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
                lambda a, v: a(v),
                lambda a, v: v / 2 * (1 + _f("tanh")(_SQRT_2_OVER_PI * (v + 0.044715 * v**3))),
                # the rounded tanh argument z moves the result by at most
                # eps |x|/2 |z| sech^2(z) <= eps |x| / 4
                lambda a, v: np.abs(a(v)) + np.abs(v) * 2,
                uses=("tanh",),
                ops=4,
            ),
        ),
        # min at x = -0.75246142207..., value -0.17004075057125405... (below gelu's)
        bounds=(-0.1700407505712541, math.inf),
        # derivative: 5 ULP measured (x = -5.74, -2.60, -3.1e-7): sigma(2z) in double-double
        # still carries ~1 ULP into each of the products; 4 not reached yet
        ulp_budget=(4, 8),
    ),
    Activation(
        "silu",
        "sigmoid linear unit (swish)",
        x * _sigmoid_expr(x),
        kernels.silu,
        kernels.silu_grad,
        laws=(
            _minus_mirror_is_x("silu"),
            Law(
                "silu(x) = x sigmoid(x)",
                lambda a, v: a(v),
                lambda a, v: v * _f("sigmoid")(v),
                lambda a, v: 2 * np.abs(a(v)),
                uses=("sigmoid",),
                ops=1,
            ),
            Law(
                "silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x)))",
                lambda a, v: a.grad(v),
                lambda a, v: _f("sigmoid")(v) * (1 + v * (1 - _f("sigmoid")(v))),
                lambda a, v: np.abs(a.grad(v)) + _f("sigmoid")(v) * (1 + 2 * np.abs(v)),
                uses=("sigmoid",),
                ops=4,
            ),
        ),
        # min at x = -1.27846454276..., value -0.27846454276107380...
        bounds=(-0.2784645427610738, math.inf),
    ),
    Activation(
        "mish",
        "self-regularised non-monotonic activation",
        x * sympy.tanh(sympy.log(1 + sympy.exp(x))),
        kernels.mish,
        kernels.mish_grad,
        laws=(
            Law(
                "mish(x) = x tanh(softplus(x))",
                lambda a, v: a(v),
                lambda a, v: v * _f("tanh")(_f("softplus")(v)),
                # softplus's error passes through tanh (tanh' <= 1), then times x
                lambda a, v: np.abs(a(v)) + np.abs(v) * (1 + _f("softplus")(v)),
                uses=("tanh", "softplus"),
            ),
        ),
        # min at x = -1.19243121451..., value -0.30884341301725041...
        bounds=(-0.3088434130172505, math.inf),
    ),
    Activation(
        "softplus",
        "smooth ReLU",
        sympy.log(1 + sympy.exp(be_ * x)) / be_,
        kernels.softplus,
        kernels.softplus_grad,
        laws=(
            _minus_mirror_is_x("softplus"),
            Law(
                "softplus'(x) = sigmoid(beta x)",
                lambda a, v: a.grad(v),
                lambda a, v: _f("sigmoid")(a.params["beta"] * v),
                lambda a, v: np.abs(a.grad(v)) + _f("sigmoid")(a.params["beta"] * v),
                uses=("sigmoid",),
            ),
            Law(
                "softplus(x) = -log_sigmoid(-beta x) / beta",
                lambda a, v: a(v),
                lambda a, v: -_f("log_sigmoid")(-a.params["beta"] * v) / a.params["beta"],
                lambda a, v: 2 * np.abs(a(v)),
                uses=("log_sigmoid",),
            ),
        ),
        # the whole accepted domain meets the budget (beta < 1 far left in the kernel,
        # issue 14)
        param_specs=(Param("beta", 1.0, be_, _moderate, _MODERATE),),
        param_values=(1.0,),
        bounds=(0.0, math.inf),
        increasing=True,
    ),
    Activation(
        "log_sigmoid",
        "log of the sigmoid",
        -sympy.log(1 + sympy.exp(-x)),
        kernels.log_sigmoid,
        kernels.log_sigmoid_grad,
        laws=(
            _minus_mirror_is_x("log_sigmoid"),
            Law(
                "log_sigmoid(x) = -softplus(-x)",
                lambda a, v: a(v),
                lambda a, v: -_f("softplus")(-v),
                lambda a, v: 2 * np.abs(a(v)),
                uses=("softplus",),
                ops=0,
            ),
            Law(
                "log_sigmoid'(x) = sigmoid(-x)",
                lambda a, v: a.grad(v),
                lambda a, v: _f("sigmoid")(-v),
                lambda a, v: 2 * np.abs(a.grad(v)),
                uses=("sigmoid",),
                ops=0,
            ),
        ),
        bounds=(-math.inf, 0.0),
        increasing=True,
        plot_range=(-8.0, 8.0),
    ),
    Activation(
        "softsign",
        "x / (1 + |x|)",
        x / (1 + sympy.Abs(x)),
        kernels.softsign,
        kernels.softsign_grad,
        laws=(
            _odd("softsign"),
            Law(
                "softsign'(x) = (1 - |softsign(x)|)^2",
                lambda a, v: a.grad(v),
                lambda a, v: (1 - np.abs(a(v))) ** 2,
                # 1 - |s| carries the absolute error of s; squaring doubles it
                lambda a, v: np.abs(a.grad(v)) + 3 * np.abs(1 - np.abs(a(v))),
                ops=3,
            ),
        ),
        bounds=(-1.0, 1.0),
        increasing=True,
        plot_range=(-8.0, 8.0),
    ),
    Activation(
        "hardsigmoid",
        "piecewise-linear sigmoid",
        _pw((0, x <= -3), (1, x >= 3), (x / 6 + sympy.Rational(1, 2), True)),
        kernels.hardsigmoid,
        kernels.hardsigmoid_grad,
        increasing=True,
        laws=(
            Law(
                "hardsigmoid(-x) = 1 - hardsigmoid(x)",
                lambda a, v: a(-v),
                lambda a, v: 1 - a(v),
                lambda a, v: 1 + a(v) + a(-v),
                ops=1,
            ),
            Law(
                "hardsigmoid(x) = relu6(x + 3) / 6",
                lambda a, v: a(v),
                lambda a, v: _f("relu6")(v + 3) / 6,
                lambda a, v: np.abs(a(v)) + np.abs(v) + 3,
                uses=("relu6",),
            ),
        ),
        kinks_of=lambda: (Kink(-3.0, 0.0, 0.0, 1 / 6), Kink(3.0, 0.0, 1 / 6, 0.0)),
        bounds=(0.0, 1.0),
    ),
    Activation(
        "hardswish",
        "piecewise-quadratic swish",
        _pw((0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)),
        kernels.hardswish,
        kernels.hardswish_grad,
        laws=(
            Law(
                "hardswish(x) = x hardsigmoid(x)",
                lambda a, v: a(v),
                lambda a, v: v * _f("hardsigmoid")(v),
                lambda a, v: 2 * np.abs(a(v)),
                uses=("hardsigmoid",),
                ops=1,
            ),
        ),
        kinks_of=lambda: (Kink(-3.0, 0.0, 0.0, -0.5), Kink(3.0, 1.0, 1.5, 1.0)),
        bounds=(-0.375, math.inf),
    ),
    Activation(
        "hardtanh",
        "clipped identity",
        _pw((lo_, x <= lo_), (hi_, x >= hi_), (x, True)),
        kernels.hardtanh,
        kernels.hardtanh_grad,
        increasing=True,
        laws=(
            Law(
                "hardtanh(x) = relu(x - min_val) - relu(x - max_val) + min_val",
                lambda a, v: a(v),
                lambda a, v: (
                    _f("relu")(v - a.params["min_val"])
                    - _f("relu")(v - a.params["max_val"])
                    + a.params["min_val"]
                ),
                lambda a, v: (
                    np.abs(a(v))
                    + 3 * np.abs(v)
                    + 2 * abs(a.params["min_val"])
                    + abs(a.params["max_val"])
                ),
                uses=("relu",),
                ops=4,
            ),
        ),
        param_specs=(Param("min_val", -1.0, lo_), Param("max_val", 1.0, hi_)),
        param_values=(-1.0, 1.0),
        kinks_of=lambda min_val, max_val: (
            Kink(min_val, 0.0, 0.0, 1.0),
            Kink(max_val, 0.0, 1.0, 0.0),
        ),
        validate_params=_hardtanh_order,
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "relu6",
        "ReLU capped at 6",
        _pw((0, x <= 0), (6, x >= 6), (x, True)),
        kernels.relu6,
        kernels.relu6_grad,
        increasing=True,
        laws=(
            Law(
                "relu6(x) + relu6(6 - x) = 6",
                lambda a, v: a(v) + a(6 - v),
                lambda a, v: np.full_like(v, 6.0),
                lambda a, v: 6 + np.abs(v) + 6,
            ),
            Law(
                "relu6(x) = min(relu(x), 6)",
                lambda a, v: a(v),
                lambda a, v: np.minimum(_f("relu")(v), 6.0),
                lambda a, v: np.abs(a(v)),
                uses=("relu",),
                ops=0,
            ),
        ),
        kinks_of=lambda: (Kink(0.0, 0.0, 0.0, 1.0), Kink(6.0, 0.0, 1.0, 0.0)),
        bounds=(0.0, 6.0),
        plot_range=(-3.0, 9.0),
    ),
    Activation(
        "tanhshrink",
        "x - tanh(x)",
        x - sympy.tanh(x),
        kernels.tanhshrink,
        kernels.tanhshrink_grad,
        laws=(
            _odd("tanhshrink"),
            Law(
                "tanhshrink(x) = x - tanh(x)",
                lambda a, v: a(v),
                lambda a, v: v - _f("tanh")(v),
                lambda a, v: np.abs(a(v)) + np.abs(v) + np.abs(_f("tanh")(v)),
                uses=("tanh",),
                ops=1,
            ),
            Law(
                "tanhshrink'(x) = tanh(x)^2",
                lambda a, v: a.grad(v),
                lambda a, v: _f("tanh")(v) ** 2,
                lambda a, v: np.abs(a.grad(v)) + 2 * _f("tanh")(v) ** 2,
                uses=("tanh",),
            ),
        ),
        increasing=True,
    ),
    Activation(
        "softshrink",
        "soft thresholding",
        _pw((x - la_, x > la_), (x + la_, x < -la_), (0, True)),
        kernels.softshrink,
        kernels.softshrink_grad,
        increasing=True,
        laws=(
            _odd("softshrink"),
            Law(
                "softshrink(x) = x - clip(x, -lambd, lambd)",
                lambda a, v: a(v),
                lambda a, v: v - np.clip(v, -a.params["lambd"], a.params["lambd"]),
                lambda a, v: np.abs(a(v)) + np.abs(v) + a.params["lambd"],
                ops=1,
            ),
        ),
        param_specs=(Param("lambd", 0.5, la_, _nonnegative, _NONNEGATIVE),),
        param_values=(0.5,),
        kinks_of=lambda lambd: (
            (Kink(-lambd, 0.0, 1.0, 0.0), Kink(lambd, 0.0, 0.0, 1.0))
            if lambd > 0
            else (Kink(0.0, 0.0, 1.0, 1.0),)
        ),
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "hardshrink",
        "hard thresholding",
        _pw((x, x > la_), (x, x < -la_), (0, True)),
        kernels.hardshrink,
        kernels.hardshrink_grad,
        increasing=True,
        laws=(
            _odd("hardshrink"),
            Law(
                "hardshrink(x) - softshrink(x) = lambd sign(x) for |x| > lambd, else 0",
                lambda a, v: a(v) - _BY_NAME["softshrink"].with_params(lambd=a.params["lambd"])(v),
                lambda a, v: np.where(
                    np.abs(v) > a.params["lambd"], a.params["lambd"] * np.sign(v), 0.0
                ),
                lambda a, v: 2 * np.abs(v) + a.params["lambd"],
                uses=("softshrink",),
                ops=1,
            ),
        ),
        param_specs=(Param("lambd", 0.5, la_, _nonnegative, _NONNEGATIVE),),
        param_values=(0.5,),
        kinks_of=lambda lambd: (
            (
                Kink(-lambd, 0.0, 1.0, 0.0, continuous=False),
                Kink(lambd, 0.0, 0.0, 1.0, continuous=False),
            )
            if lambd > 0
            else (Kink(0.0, 0.0, 1.0, 1.0),)
        ),
        plot_range=(-3.0, 3.0),
    ),
    Activation(
        "squareplus",
        "(x + sqrt(x^2 + b)) / 2",
        (x + sympy.sqrt(x**2 + b_)) / 2,
        kernels.squareplus,
        kernels.squareplus_grad,
        # the derivative's one pass (b/2)/(h (h + |x|)) uses h = sqrt(x^2 + b) twice:
        # 5 ULP measured on dense grids (x = -0.0556)
        ulp_budget=(4, 5),
        laws=(
            _minus_mirror_is_x("squareplus"),
            Law(
                "squareplus(x) squareplus(-x) = b / 4",
                lambda a, v: a(v) * a(-v),
                lambda a, v: np.full_like(v, a.params["b"] / 4),
                # two factors with relative error u eps each
                lambda a, v: 2 * np.abs(a(v) * a(-v)) + a.params["b"] / 4,
                ops=1,
            ),
            Law(
                "squareplus'(x) = squareplus(x) / sqrt(x^2 + b)",
                lambda a, v: a.grad(v),
                lambda a, v: a(v) / np.hypot(v, np.sqrt(a.params["b"])),
                lambda a, v: 3 * np.abs(a.grad(v)),
                ops=3,
            ),
        ),
        # the whole accepted domain meets the budget (b narrowed to normal floats, issue 14)
        param_specs=(Param("b", 4.0, b_, _normal_positive, _NORMAL_POSITIVE),),
        param_values=(4.0,),
        bounds=(0.0, math.inf),
        increasing=True,
    ),
    Activation(
        "identity",
        "f(x) = x",
        x,
        kernels.identity,
        kernels.identity_grad,
        laws=(
            Law(
                "identity(x) = x", lambda a, v: a(v), lambda a, v: v, lambda a, v: np.abs(v), ops=0
            ),
            Law(
                "identity'(x) = 1",
                lambda a, v: a.grad(v),
                lambda a, v: np.ones_like(v),
                lambda a, v: np.ones_like(v),
                ops=0,
            ),
        ),
        increasing=True,
    ),
)

_TABLE = (*_TABLE, *importlib.import_module("actref.additions").ENTRIES)  # issue 15
_BY_NAME: dict[str, Activation] = {act.name: act for act in _TABLE}

# Names users type for the same function (PyTorch, JAX, Keras, papers), normalised as
# _key does. Spellings that differ only in case, "-" and "_" (hard_tanh, logsigmoid,
# soft_sign, relu_6) need no entry here.
ALIASES: dict[str, str] = {
    "swish": "silu",
    "hard_silu": "hardswish",  # jax.nn.hard_silu is hard_swish
    "logistic": "sigmoid",
    "linear": "identity",
    "gelu_new": "gelu_tanh",  # Hugging Face
    "gelu_pytorch_tanh": "gelu_tanh",
    "approximate_gelu": "gelu_tanh",
    "gelu_approximate": "gelu_tanh",
}
ALIASES.update(importlib.import_module("actref.additions").ALIASES)  # issue 15

# approximate= as in torch.nn.functional.gelu ("none", "tanh") and jax.nn.gelu (bool)
_GELU_APPROXIMATE = {"none": "gelu", "tanh": "gelu_tanh", False: "gelu", True: "gelu_tanh"}


def _key(name: str) -> str:
    """A name as lookup compares it: lower case, without ``-`` and ``_``."""
    return name.lower().replace("-", "").replace("_", "")


_BY_KEY: dict[str, str] = {
    **{_key(alias): target for alias, target in ALIASES.items()},
    **{_key(n): n for n in _BY_NAME},
}


def names() -> list[str]:
    """Every registered activation name, sorted."""
    return sorted(_BY_NAME)


def all_activations() -> list[Activation]:
    """Every registered activation with its default parameters, sorted by name."""
    return [_BY_NAME[n] for n in names()]


def canonical_name(name: str) -> str:
    """The registered name for ``name``, ignoring case, ``-`` and ``_``, aliases
    resolved (``"Swish"`` → ``"silu"``, ``"hard-tanh"`` → ``"hardtanh"``).

    >>> canonical_name("LogSigmoid")
    'log_sigmoid'
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string, got {type(name).__name__}")
    found = name if name in _BY_NAME else _BY_KEY.get(_key(name))
    if found is None:
        vf = vector(name)
        if vf is not None:
            raise UnknownActivationError(
                f"{name!r} is a function of a whole vector, not an elementwise activation: "
                f"use actref.{vf.name} (`actref list` shows both kinds)"
            )
        known = {**_BY_KEY, **{_key(v.name): v.name for v in VECTOR_TABLE}}
        close = difflib.get_close_matches(_key(name), list(known), n=6, cutoff=0.5)
        suggestions = list(dict.fromkeys(known[c] for c in close))[:3]
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise UnknownActivationError(
            f"unknown activation {name!r}{hint} (all {len(_BY_NAME)} elementwise and "
            f"{len(VECTOR_TABLE)} vector functions: `actref list`)"
        )
    return found


def get(name: str, **params: Any) -> Activation:
    """The activation ``name`` with ``params`` bound (PyTorch's defaults otherwise).

    The name is matched ignoring case, ``-`` and ``_``, with the aliases users type
    (:data:`ALIASES`: swish → silu, hard_silu → hardswish, ...). GELU takes
    ``approximate`` as PyTorch (``"none"``, ``"tanh"``) and JAX (``False``, ``True``) do:
    ``get("gelu", approximate="tanh")`` is ``gelu_tanh``.

    >>> get("leaky_relu", negative_slope=0.1)(-1.0)
    array(-0.1)
    >>> get("GELU", approximate="tanh").name
    'gelu_tanh'
    """
    canonical = canonical_name(name)
    if "approximate" in params and canonical in ("gelu", "gelu_tanh"):
        approximate = params.pop("approximate")
        key = approximate.lower() if isinstance(approximate, str) else approximate
        if not isinstance(key, str | bool) or key not in _GELU_APPROXIMATE:
            raise ValueError(
                f"gelu: approximate={approximate!r} is not accepted; approximate must be "
                "'none' or 'tanh' (or False / True)"
            )
        target = _GELU_APPROXIMATE[key]
        if canonical == "gelu_tanh" and target == "gelu":
            raise ValueError(f"{name}: approximate={approximate!r} contradicts the name")
        canonical = target
    act = _BY_NAME[canonical]
    return act.with_params(**params) if params else act


def parse_params(pairs: Sequence[str]) -> Mapping[str, float]:
    """``["alpha=0.5", ...]`` from the command line as floats; never evaluates text."""
    out: dict[str, float] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"parameter {pair!r} is not KEY=VALUE (e.g. alpha=0.5)")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"parameter {key}={value!r} is not a number") from None
    return out


# -------------------------------------------------------------- vector functions
@dataclass(frozen=True)
class VectorFunction:
    """A function of a whole vector along an axis (the softmax family): its value, its
    full Jacobian, its formulas and its float64 ULP budget, declared once for ``actref
    list/show/plot/verify``."""

    name: str
    summary: str
    forward: Callable[..., NDArray[np.floating]]  # f(x, axis=-1)
    jacobian: Callable[..., NDArray[np.floating]]  # (..., n, n) along the last axis
    formula: str  # plain text, as ``actref show`` prints it
    derivative: str
    latex: str
    dlatex: str
    ulp_budget: float

    def __call__(self, x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
        return self.forward(x, axis=axis)


def _vector_table() -> tuple[VectorFunction, ...]:
    # the module, not the function actref re-exports under the same name; it imports
    # numeric only: no cycle
    sm = importlib.import_module("actref.softmax")

    return (
        VectorFunction(
            name="softmax",
            summary="exp(x_i) / sum_j exp(x_j): a probability vector (components sum to 1)",
            forward=sm.softmax,
            jacobian=sm.softmax_jacobian,
            formula="s_i(x) = exp(x_i) / (exp(x_1) + ... + exp(x_n))",
            derivative="ds_i/dx_j = s_i (delta_ij - s_j)   (J = diag(s) - s s^T)",
            latex=r"s_i(x) = \frac{e^{x_i}}{\sum_{j=1}^{n} e^{x_j}}",
            dlatex=r"\frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j)",
            ulp_budget=4.0,
        ),
        VectorFunction(
            name="log_softmax",
            summary="x_i - log sum_j exp(x_j): the log of softmax, never through log(s)",
            forward=sm.log_softmax,
            jacobian=sm.log_softmax_jacobian,
            formula="log s_i(x) = x_i - log(exp(x_1) + ... + exp(x_n))",
            derivative="d log s_i/dx_j = delta_ij - s_j   (J = I - 1 s^T)",
            latex=r"\log s_i(x) = x_i - \log \sum_{j=1}^{n} e^{x_j}",
            dlatex=r"\frac{\partial \log s_i}{\partial x_j} = \delta_{ij} - s_j",
            ulp_budget=4.0,
        ),
    )


VECTOR_TABLE: tuple[VectorFunction, ...] = _vector_table()
_VECTOR_BY_KEY = {_key(v.name): v for v in VECTOR_TABLE}


def vector_names() -> list[str]:
    """Every registered vector function (softmax family), sorted."""
    return sorted(v.name for v in VECTOR_TABLE)


def vector(name: str) -> VectorFunction | None:
    """The vector function ``name`` (case, ``-`` and ``_`` ignored), or None."""
    return _VECTOR_BY_KEY.get(_key(name)) if isinstance(name, str) else None
