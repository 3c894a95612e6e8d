"""SymPy side: the symbols every expression is written in, derivatives and lambdify.

Expressions are declared in the registry (one table); derivatives always come from
:func:`sympy.diff`, never typed by hand. Kink conventions are encoded by the order of
the ``Piecewise`` branches (``Piecewise((x, x > 0), (0, True))`` differentiates to a
derivative that is 0 at 0, PyTorch's ``relu'(0)``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import sympy

x = sympy.Symbol("x", real=True)

# Parameter symbols, spelled as PyTorch spells the keyword arguments.
alpha = sympy.Symbol("alpha", positive=True)
beta = sympy.Symbol("beta", positive=True)
negative_slope = sympy.Symbol("negative_slope", real=True)
lambd = sympy.Symbol("lambd", nonnegative=True)
min_val = sympy.Symbol("min_val", real=True)
max_val = sympy.Symbol("max_val", real=True)
b = sympy.Symbol("b", positive=True)
# issue 15: torch's Threshold and RReLU, PReLU's weight, keras' relu, Hugging Face's
# laplace and xielu
threshold = sympy.Symbol("threshold", real=True)
value = sympy.Symbol("value", real=True)
lower = sympy.Symbol("lower", nonnegative=True)
upper = sympy.Symbol("upper", nonnegative=True)
weight = sympy.Symbol("weight", real=True)
max_value = sympy.Symbol("max_value", positive=True)
mu = sympy.Symbol("mu", real=True)
sigma = sympy.Symbol("sigma", positive=True)
alpha_p = sympy.Symbol("alpha_p", positive=True)
alpha_n = sympy.Symbol("alpha_n", positive=True)
eps = sympy.Symbol("eps", negative=True)

# The exact constants of the definitions; their float values, rounded once, are in
# actref.kernels.constants (SELU_ALPHA, SELU_SCALE, SQRT_2_OVER_PI).
# SELU's constants, to the digits PyTorch's documentation gives.
SELU_ALPHA = sympy.Rational("1.6732632423543772848170429916717")
SELU_SCALE = sympy.Rational("1.0507009873554804934193349852946")
# GELU's tanh approximation: sqrt(2/pi) (x + c x^3), c = 0.044715 exactly (as PyTorch)
GELU_TANH_C = sympy.Rational(44715, 10**6)
SQRT_2_OVER_PI = sympy.sqrt(2 / sympy.pi)


def exact(value: float) -> sympy.Expr:
    """The binary value of the float ``value`` as an exact rational.

    This, not the decimal the user typed, is the parameter NumPy (and PyTorch) compute
    with, so the truth is defined with it: with ``lambd = 3/10`` instead of
    ``fl(0.3)`` softshrink near its kink is off by 1e-17 absolute (thousands of ULPs
    of a tiny result), and hardtanh' at ``x = max_val`` leaves its kink. An infinite
    parameter (keras' relu without max_value) is SymPy's infinity.
    """
    if math.isinf(value):
        return sympy.oo if value > 0 else -sympy.oo
    return sympy.Rational(float(value))


def readable(value: float) -> sympy.Expr:
    """The shortest decimal that reads back as ``value``: ``readable(0.1) == 1/10``.

    For formulas shown to people only, never for values (see :func:`exact`).
    """
    if math.isinf(value):
        return exact(value)
    return sympy.Rational(repr(float(value)))


@functools.lru_cache(maxsize=512)
def exact_breakpoints(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """Every real ``x`` where ``expr`` changes formula, exactly and in increasing order:
    the boundaries of its ``Piecewise`` conditions and the zeros of its ``Abs``, ``Max``
    and ``Min`` arguments. A kink is one; so is a smooth join (celu at 0: f' continuous,
    f'' not), where finite differences straddling it lose their order just the same.
    """
    roots: set[sympy.Expr] = set()
    edges: list[sympy.Expr] = [a.args[0] for a in expr.atoms(sympy.Abs)]
    edges += [m.args[0] - m.args[1] for m in expr.atoms(sympy.Max, sympy.Min)]
    for pw in expr.atoms(sympy.Piecewise):
        for _, cond in pw.args:
            edges += [r.lhs - r.rhs for r in cond.atoms(sympy.core.relational.Relational)]
    for edge in edges:
        slope = sympy.diff(edge, x)
        if slope.is_number and slope != 0:  # linear: the root without solve (~1 ms each)
            roots.add(-edge.xreplace({x: 0}) / slope)
            continue
        for r in sympy.solve(edge, x):
            if r.is_real and r.is_finite:
                roots.add(r)
    return tuple(sorted(roots, key=lambda r: float(r.evalf(40))))


@functools.lru_cache(maxsize=512)
def breakpoints(expr: sympy.Expr) -> tuple[float, ...]:
    """:func:`exact_breakpoints` as floats."""
    return tuple(sorted({to_float(r) for r in exact_breakpoints(expr)}))


def to_float(value: sympy.Expr) -> float:
    """An exact real number rounded to the nearest float (rationals exactly once)."""
    if value.is_Rational:
        return float(value)
    return float(value.evalf(40))


def piece(expr: sympy.Expr, point: sympy.Expr) -> sympy.Expr:
    """The formula of ``expr`` that holds at ``point``: each ``Piecewise`` replaced by its
    branch whose condition holds there, each ``Abs``, ``Max`` and ``Min`` by the argument
    it picks there. Between two breakpoints it is one analytic formula, so its value and
    derivative at a breakpoint are the one-sided limits from that side.
    """

    def branch(pw: sympy.Piecewise) -> sympy.Expr:
        for e, cond in pw.args:
            if cond.xreplace({x: point}) == sympy.true:
                return e
        raise ValueError(f"no branch of {pw} holds at x = {point}")

    def absolute(a: sympy.Abs) -> sympy.Expr:
        arg = a.args[0]
        return arg if arg.xreplace({x: point}) >= 0 else -arg

    def extreme(m: sympy.Expr) -> sympy.Expr:
        values = [a.xreplace({x: point}) for a in m.args]
        pick = max if isinstance(m, sympy.Max) else min
        return m.args[values.index(pick(values))]

    out = expr.replace(lambda e: isinstance(e, sympy.Piecewise), branch)
    out = out.replace(lambda e: isinstance(e, sympy.Abs), absolute)
    return out.replace(lambda e: isinstance(e, sympy.Max | sympy.Min), extreme)


def derivative(expr: sympy.Expr) -> sympy.Expr:
    """d expr / dx by :func:`sympy.diff`, lightly simplified for display."""
    return sympy.diff(expr, x)


@functools.lru_cache(maxsize=512)
def lambdify_numpy(expr: sympy.Expr) -> Callable[[Any], Any]:
    """``expr`` as a vectorised NumPy/SciPy function of ``x`` (compiled once, cached).

    The result accepts complex input where the expression is analytic, which the
    complex-step derivative relies on.
    """
    return sympy.lambdify(x, expr, modules=["scipy", "numpy"])  # type: ignore[no-any-return]


# ------------------------------------------------------------------ softmax, symbolically
def softmax_symbols(n: int) -> tuple[sympy.Symbol, ...]:
    """``n`` real symbols ``x0 .. x{n-1}``."""
    if n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    return tuple(sympy.symbols(f"x0:{n}", real=True))


def softmax_expr(n: int) -> sympy.Matrix:
    """Softmax over ``n`` symbols as a column of exact expressions."""
    xs = softmax_symbols(n)
    denom = sum(sympy.exp(v) for v in xs)
    return sympy.Matrix([sympy.exp(v) / denom for v in xs])


def softmax_jacobian_expr(n: int) -> sympy.Matrix:
    """The exact Jacobian of :func:`softmax_expr` by differentiation."""
    return softmax_expr(n).jacobian(sympy.Matrix(softmax_symbols(n)))
