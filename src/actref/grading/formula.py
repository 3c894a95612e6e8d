"""An instructor's formula (a rubric's ``expr``), read into a SymPy expression.

The text is trusted more than a student's -- the instructor wrote the rubric -- but it
is still never ``eval``-ed: :mod:`ast` reads it and the expression is built node by
node from a whitelist of SymPy functions, with the same bounds on size, depth and
numbers as a student's expression (:mod:`actref.grading.expression`). The result is a
SymPy expression because the reference needs one: the oracle evaluates it, ``sympy.diff``
differentiates it and its breakpoints are its kinks.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import sympy

from actref.grading.expression import (
    MAX_CHARS,
    MAX_DEPTH,
    MAX_INT_BITS,
    MAX_NODES,
    ExpressionError,
)

MAX_POW_BITS = 65_536  # a power of numbers is computed exactly when built: bounded

X = sympy.Symbol("x", real=True)

_FUNCTIONS: dict[str, Any] = {
    name: getattr(sympy, name)
    for name in (
        "exp", "log", "sqrt", "tanh", "sinh", "cosh", "tan", "sin", "cos", "atan",
        "asinh", "acosh", "atanh", "Abs", "Max", "Min", "Heaviside", "Piecewise", "sign",
        "erf", "erfc", "floor", "ceiling",
    )
}  # fmt: skip


def _check_power(base: Any, exponent: Any) -> None:
    """A power of two numbers is computed exactly when built: its size is bounded (an
    integer or rational exponent alike)."""
    if isinstance(base, sympy.Rational) and isinstance(exponent, sympy.Rational):
        bits = max(int(base.p).bit_length(), int(base.q).bit_length())
        if bits * abs(exponent) > MAX_POW_BITS:
            raise ExpressionError("holds a power too large to evaluate")


# The names an instructor may write in a rubric's ``expr``: the same SymPy functions as
# the srepr whitelist above (lower-case spellings of Abs, Max and Min accepted), and
# never a class such as Add or Symbol -- operators are written as operators.
_INFIX_FUNCTIONS: dict[str, str] = {
    **{name: name for name in _FUNCTIONS},
    "abs": "Abs",
    "max": "Max",
    "min": "Min",
}
_INFIX_CONSTANTS: dict[str, Any] = {"pi": sympy.pi, "E": sympy.E, "e": sympy.E}
_INFIX_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_INFIX_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Gt: sympy.StrictGreaterThan,
    ast.GtE: sympy.GreaterThan,
    ast.Lt: sympy.StrictLessThan,
    ast.LtE: sympy.LessThan,
}


def infix_names() -> tuple[str, ...]:
    """The function names :func:`parse_infix` accepts, sorted."""
    return tuple(sorted(_INFIX_FUNCTIONS))


def parse_infix(text: Any, symbols: Mapping[str, Any] | None = None) -> Any:
    """The SymPy expression an instructor wrote as infix text (``x/(1 + exp(-3*x/2))``).

    Read with :mod:`ast` and built node by node from a whitelist, with the bounds of a
    student's expression: numbers, ``x`` (the real symbol), the names in ``symbols`` (a
    rubric's parameters, mapped to their values), ``pi`` and ``E``, the operators
    ``+ - * / **``, comparisons inside ``Piecewise((expr, cond), ...)`` and calls of
    :func:`infix_names`. Decimal literals are exact (``0.1`` is 1/10).

    Raises
    ------
    ExpressionError
        One sentence naming the part that is not accepted.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("must be a non-empty string")
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"is longer than {MAX_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        why = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise ExpressionError(f"is not a formula ({why})") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"has more than {MAX_NODES} nodes")
    return _infix(tree.body, 0, dict(symbols or {}))


def _infix(node: ast.AST, depth: int, symbols: dict[str, Any]) -> Any:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"is nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return sympy.true if value else sympy.false
        if isinstance(value, int):
            if value.bit_length() > MAX_INT_BITS:
                raise ExpressionError(f"has an integer of more than {MAX_INT_BITS} bits")
            return sympy.Integer(value)
        if isinstance(value, float):
            return sympy.Rational(repr(value))  # as typed: 0.1 is 1/10
        raise ExpressionError(f"{str(value)[:40]!r} is not a number")
    if isinstance(node, ast.Name):
        if node.id == "x":
            return X
        if node.id in symbols:
            return symbols[node.id]
        if node.id in _INFIX_CONSTANTS:
            return _INFIX_CONSTANTS[node.id]
        raise ExpressionError(f"unknown name {node.id[:40]!r} (x, its parameters, pi, E)")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _infix(node.operand, depth + 1, symbols)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _INFIX_OPS:
        left = _infix(node.left, depth + 1, symbols)
        right = _infix(node.right, depth + 1, symbols)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ExpressionError("divides by zero")
        return _INFIX_OPS[type(node.op)](left, right)
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and type(node.ops[0]) in _INFIX_COMPARE
    ):
        left = _infix(node.left, depth + 1, symbols)
        right = _infix(node.comparators[0], depth + 1, symbols)
        return _INFIX_COMPARE[type(node.ops[0])](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name not in _INFIX_FUNCTIONS:
            raise ExpressionError(
                f"function {name[:40]!r} is not accepted (accepted: {', '.join(infix_names())})"
            )
        if node.keywords:
            raise ExpressionError(f"{name}() takes no keyword here")
        if name == "Piecewise":
            return _piecewise(node, depth, symbols)
        args = [_infix(a, depth + 1, symbols) for a in node.args]
        try:
            return _FUNCTIONS[_INFIX_FUNCTIONS[name]](*args)
        except (TypeError, ValueError, ArithmeticError, AttributeError, RecursionError) as exc:
            raise ExpressionError(f"{name}(...) could not be built ({exc})") from None
    what = type(node).__name__
    raise ExpressionError(f"has a part that is not accepted ({what}: only numbers, x, + - * / **)")


def _piecewise(node: ast.Call, depth: int, symbols: dict[str, Any]) -> Any:
    pieces = []
    for arg in node.args:
        if not isinstance(arg, ast.Tuple) or len(arg.elts) != 2:
            raise ExpressionError("Piecewise takes pairs: Piecewise((x, x > 0), (0, True))")
        value = _infix(arg.elts[0], depth + 2, symbols)
        cond = _infix(arg.elts[1], depth + 2, symbols)
        pieces.append((value, cond))
    if not pieces:
        raise ExpressionError("Piecewise needs at least one (value, condition) pair")
    try:
        return sympy.Piecewise(*pieces)
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise ExpressionError(f"Piecewise(...) could not be built ({exc})") from None
