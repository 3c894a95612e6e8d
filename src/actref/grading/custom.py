"""A rubric's own function: ``expr = "x/(1 + exp(-3*x/2))"`` made an :class:`Activation`.

The text is read by :func:`actref.grading.formula.parse_infix` (an :mod:`ast` walk
over a whitelist, never evaluated as Python). Its values are the oracle's
(:mod:`actref.oracle`: mpmath at increasing precision, correctly rounded), its
derivative is ``sympy.diff`` (or the rubric's ``derivative_expr``), and its kinks are
the expression's breakpoints, with the one-sided derivatives measured at 60 digits:
the same truth the catalogue is held to.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import mpmath
import numpy as np
import sympy
from numpy.typing import NDArray

from actref import oracle
from actref import symbolic as sym
from actref.grading.expression import ExpressionError
from actref.grading.formula import parse_infix
from actref.grading.inputs import ORDINARY
from actref.registry import Activation, Kink

_SIDE = mpmath.mpf(10) ** -40  # how far from a breakpoint its one-sided slopes are read


def _truth(expr: sympy.Expr) -> Any:
    def values(arr: NDArray[np.floating], *_: float) -> NDArray[np.floating]:
        return oracle.true_values(expr, arr)

    return values


def _one_sided(expr: sympy.Expr, at: float) -> tuple[float, float]:
    f = sympy.lambdify(sym.x, expr, modules="mpmath")
    with mpmath.workdps(60):
        b = mpmath.mpf(at)
        return float(f(b - _SIDE)), float(f(b + _SIDE))


@functools.lru_cache(maxsize=64)
def build(
    name: str,
    text: str,
    derivative_text: str | None,
    params: tuple[tuple[str, float], ...],
) -> Activation:
    """The activation ``text`` describes, with ``params`` bound (their binary values).

    Raises
    ------
    ExpressionError
        The text is not accepted, or the function or its derivative is not a finite
        real number at one of the grader's ordinary inputs (the message names it).
    """
    symbols = {p: sym.exact(v) for p, v in params}
    expr = parse_infix(text, symbols)
    if not isinstance(expr, sympy.Expr) or expr.free_symbols - {sym.x}:
        raise ExpressionError("is not a formula in x")
    dexpr = sym.derivative(expr)
    if derivative_text is not None:
        try:
            given = parse_infix(derivative_text, symbols)
        except ExpressionError as exc:
            raise ExpressionError(f"derivative_expr {exc}") from None
        if not isinstance(given, sympy.Expr) or given.free_symbols - {sym.x}:
            raise ExpressionError("derivative_expr is not a formula in x")
        dexpr = given
    kinks = []
    try:
        breaks = sym.breakpoints(expr)
    except (NotImplementedError, ValueError, TypeError):
        raise ExpressionError("its breakpoints cannot be solved for by SymPy") from None
    for at in breaks:
        try:
            left, right = _one_sided(dexpr, at)
            f_left, f_right = _one_sided(expr, at)
            grad = oracle.round_to(oracle.evaluate(dexpr, at))
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise ExpressionError(f"its derivative at x={at!r} is not real ({exc})") from None
        if not all(map(math.isfinite, (left, right, grad))):
            raise ExpressionError(f"its derivative at x={at!r} is not finite")
        continuous = abs(f_left - f_right) <= 1e-12 * max(1.0, abs(f_left))
        kinks.append(Kink(at, grad, left, right, continuous))
    found = tuple(kinks)
    act = Activation(
        name,
        f"f(x) = {text}",
        expr,
        _truth(expr),
        _truth(dexpr),
        kinks_of=lambda **_: found,
    )
    _check(expr, dexpr, derivative_text is not None, breaks)
    return act


def _value(e: sympy.Expr, v: float) -> float:
    try:
        return oracle.round_to(oracle.evaluate(e, v))
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan


def _check(expr: sympy.Expr, dexpr: sympy.Expr, given: bool, breaks: tuple[float, ...]) -> None:
    """Finite real values at every ordinary input; a given derivative_expr that agrees
    with ``sympy.diff`` of expr away from the breakpoints (a typo is caught here)."""
    diff = sym.derivative(expr)
    for v in ORDINARY:
        for what, e in (("the function", expr), ("its derivative", dexpr)):
            if not math.isfinite(_value(e, v)):
                raise ExpressionError(f"{what} is not a finite real number at x={v!r}")
        if given and v not in breaks:
            want, got = _value(diff, v), _value(dexpr, v)
            if not abs(got - want) <= 1e-9 * max(1.0, abs(want)):
                raise ExpressionError(
                    f"derivative_expr is {got!r} at x={v!r}, but sympy.diff of expr gives {want!r}"
                )
