"""The types of the catalogue: :class:`Activation` (one function with bound parameters),
:class:`Param`, :class:`Kink` and :class:`Law`, and the kinks derived from an expression.

Nothing here names a function: the entries are in :mod:`actref.catalogue`, the lookup by
name in :mod:`actref.registry`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy
from numpy.typing import ArrayLike, NDArray

from actref import symbolic as sym
from actref.kernels.validate import F64_DTYPE, as_float_array
from actref.symbolic import x

NumpyFn = Callable[..., NDArray[np.float64]]
#: How a law reaches another activation: ``other("tanh")``, ``other("elu", alpha=2.0)``
#: (in the registry, :func:`actref.registry.get`).
Resolver = Callable[..., "Activation"]
#: One side of a law, or its scale: ``lambda act, x, other: ...``.
Side = Callable[[Any, NDArray[np.float64], Resolver], Any]


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


@dataclass(frozen=True)
class Law:
    """An identity ``lhs(act, x, other) == rhs(act, x, other)`` that holds for every
    ``x`` in ``where``.

    ``other`` resolves another activation by name (and parameters); the activations a
    law resolves are the ones it uses, whose budgets count in its tolerance.
    ``scale(act, x, other)`` bounds the magnitudes carrying rounding errors (see
    :mod:`actref.laws`); ``ops`` counts the roundings beyond the function calls.
    """

    name: str
    lhs: Side
    rhs: Side
    scale: Side
    ops: int = 2
    where: tuple[float, float] = (-1e4, 1e4)


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
    # which frameworks ship it, under which names: framework key (actref.frameworks.
    # FRAMEWORKS: torch, jax, keras, hf) -> spellings ("nn.ReLU" is torch.nn.ReLU,
    # "F.relu" torch.nn.functional.relu; Hugging Face: keys of ACT2FN). A framework
    # left out does not ship it; the README's catalogue table is made of these.
    shipped: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )
    param_specs: tuple[Param, ...] = ()
    param_values: tuple[float, ...] = ()
    # the kinks, when not derived from the expression (see :attr:`kinks`): a function of
    # the parameters (a custom rubric formula, a test declaring a false kink)
    kinks_of: Callable[..., tuple[Kink, ...]] | None = field(default=None, repr=False)
    # (x, g): PyTorch's derivative at the kink x is g, not the expression's own value
    # there (see :func:`derive_kinks`)
    kink_grad: tuple[tuple[float, float], ...] = ()
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
        """Where the function is not differentiable, with the derivative used there:
        derived from the expression (:func:`derive_kinks`, cached per bound expression)."""
        if self.kinks_of is not None:
            return self.kinks_of(**self.params)
        return _derived_kinks(self.generic_expr, self._subs_key(), self.kink_grad)

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
    return generic.xreplace({s: value(v) for s, v in subs})


@functools.lru_cache(maxsize=512)
def _bound_dexpr(generic: sympy.Expr, subs: tuple[tuple[sympy.Symbol, float], ...]) -> sympy.Expr:
    return sym.derivative(_bound_expr(generic, subs))


def derive_kinks(
    expr: sympy.Expr, conventions: Mapping[float, float] | None = None
) -> tuple[Kink, ...]:
    """The kinks of ``expr``, from the expression alone.

    At each breakpoint (:func:`actref.symbolic.exact_breakpoints`) the formulas that
    hold just left and just right of it (:func:`actref.symbolic.piece`) give the
    one-sided derivatives and whether the value is continuous; the derivative used there
    is the expression's own, ``sympy.diff(expr, x)`` at the point — the branch of the
    ``Piecewise`` that holds there, which is how the expressions encode PyTorch's
    convention (relu'(0) = 0). ``conventions`` maps a point to the value PyTorch uses
    instead, where it deliberately differs; that value is also the one-sided derivative
    of the side whose branch holds at the point, as PyTorch computes that branch. A
    breakpoint where value and derivative are continuous and the derivative there is
    that common value is a smooth join (celu at 0, elu with alpha = 1), not a kink.
    """
    conventions = conventions or {}
    dexpr = sym.derivative(expr)
    breaks = sym.exact_breakpoints(expr)
    kinks = []
    for i, at in enumerate(breaks):
        before = breaks[i - 1] if i else at - 1
        after = breaks[i + 1] if i + 1 < len(breaks) else at + 1
        left_piece = sym.piece(expr, (before + at) / 2)
        right_piece = sym.piece(expr, (at + after) / 2)
        value = expr.xreplace({x: at})
        limits = (left_piece.xreplace({x: at}), right_piece.xreplace({x: at}))
        continuous = all(_same(limit, value) for limit in limits)
        left = sym.derivative(left_piece).xreplace({x: at})
        right = sym.derivative(right_piece).xreplace({x: at})
        grad = dexpr.xreplace({x: at})
        if continuous and _same(left, right) and _same(grad, left):
            continue
        point = sym.to_float(at)
        kink = Kink(point, sym.to_float(grad), sym.to_float(left), sym.to_float(right), continuous)
        if point in conventions:
            g = conventions[point]
            kink = replace(
                kink,
                grad=g,
                left=g if _same(grad, left) else kink.left,
                right=g if _same(grad, right) and not _same(grad, left) else kink.right,
            )
        kinks.append(kink)
    return tuple(kinks)


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    return bool(a == b or sympy.simplify(a - b) == 0)


@functools.lru_cache(maxsize=512)
def _derived_kinks(
    generic: sympy.Expr,
    subs: tuple[tuple[sympy.Symbol, float], ...],
    conventions: tuple[tuple[float, float], ...],
) -> tuple[Kink, ...]:
    return derive_kinks(_bound_expr(generic, subs), dict(conventions))
