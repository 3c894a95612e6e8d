"""A student's SymPy expression, rebuilt and evaluated on the grader's side.

The worker sends ``sympy.srepr(expr)``: text in which every node is a call of a SymPy
class (``Add(Integer(1), exp(Mul(Integer(-1), Symbol('x'))))``). That text is
parsed here with :mod:`ast` (which reads, never runs) and rebuilt node by node from an
explicit whitelist of SymPy classes, with bounds on size, depth and the numbers in it:
nothing is ``eval``-ed, and nothing numerical the student's process reports is
believed for a SymPy answer -- the grader evaluates the expression itself, at 60
significant digits, rounded once to float64. So a submission cannot claim "SymPy
style" to skip the array checks without handing over an expression that is right.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import sympy

MAX_CHARS = 20_000
MAX_NODES = 2_000
MAX_DEPTH = 60
MAX_INT_BITS = 4_096  # integer literals; Pow of numbers is bounded by bits * exponent
MAX_POW_BITS = 65_536
EVAL_DPS = 60

X = sympy.Symbol("x", real=True)

_FUNCTIONS: dict[str, Any] = {
    name: getattr(sympy, name)
    for name in (
        "Add", "Mul", "Pow", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "tan", "sin",
        "cos", "atan", "asinh", "acosh", "atanh", "Abs", "Max", "Min", "Heaviside",
        "Piecewise", "sign", "erf", "erfc", "floor", "ceiling",
        "StrictGreaterThan", "GreaterThan", "StrictLessThan", "LessThan", "Equality",
        "Unequality", "And", "Or", "Not",
    )
}  # fmt: skip
_CONSTANTS: dict[str, Any] = {
    "true": sympy.true,
    "false": sympy.false,
    "E": sympy.E,
    "pi": sympy.pi,
    "oo": sympy.oo,
    "nan": sympy.nan,
}
_FUNCTIONS["ExprCondPair"] = lambda e, c: (e, c)  # Piecewise((e, c), ...)


class ExpressionError(ValueError):
    """The expression is not one the grader accepts; the message says why."""


def parse(text: Any) -> Any:
    """The SymPy expression ``text`` (an ``srepr``) describes, in the real symbol x.

    Raises
    ------
    ExpressionError
        Not a string, too large, or any node outside the whitelist.
    """
    if not isinstance(text, str):
        raise ExpressionError("no expression was received")
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"the expression is longer than {MAX_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExpressionError("the expression could not be read") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"the expression has more than {MAX_NODES} nodes")
    return _build(tree.body, 0)


def _build(node: ast.AST, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise ExpressionError(f"{node.id[:40]} is not allowed in an expression")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_build(node.operand, depth + 1)
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ExpressionError("the expression has a part that is not a SymPy object")
    name = node.func.id
    if name in ("Integer", "Rational"):
        return _rational(name, node)
    if name == "Float":
        return _float(node)
    if name == "Symbol":
        if (
            not node.args
            or not isinstance(node.args[0], ast.Constant)
            or node.args[0].value != "x"
        ):
            raise ExpressionError("the expression uses a symbol other than x")
        return X
    if name not in _FUNCTIONS:
        raise ExpressionError(f"{name[:40]} is not allowed in an expression")
    if node.keywords:
        raise ExpressionError(f"{name} takes no keyword here")
    args = [_build(a, depth + 1) for a in node.args]
    if name == "Pow" and len(args) == 2:
        _check_power(*args)
    try:
        return _FUNCTIONS[name](*args)
    except (TypeError, ValueError, ArithmeticError, AttributeError, RecursionError) as exc:
        raise ExpressionError(f"{name}(...) could not be built ({type(exc).__name__})") from None


def _rational(name: str, node: ast.Call) -> Any:
    values = [_int_literal(arg) for arg in node.args]
    for v in values:
        if v is None or abs(v).bit_length() > MAX_INT_BITS:
            raise ExpressionError(f"{name} needs integers of at most {MAX_INT_BITS} bits")
    if not 1 <= len(values) <= 2 or (len(values) == 2 and values[1] == 0):
        raise ExpressionError(f"bad {name}")
    return sympy.Integer(values[0]) if len(values) == 1 else sympy.Rational(*values)


def _int_literal(node: ast.AST) -> int | None:
    """An integer written as ``5`` or ``-5``; None for anything else."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    value = node.value if isinstance(node, ast.Constant) else None
    return sign * value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(node: ast.Call) -> Any:
    if not node.args or not isinstance(node.args[0], ast.Constant):
        raise ExpressionError("bad Float")
    raw = node.args[0].value
    if not isinstance(raw, str | int | float) or isinstance(raw, bool) or len(str(raw)) > 80:
        raise ExpressionError("bad Float")
    precision: int | None = 53
    for kw in node.keywords:
        if kw.arg == "precision":
            precision = _int_literal(kw.value)
    if precision is None or not 1 <= precision <= 400:
        raise ExpressionError("bad Float")
    try:
        return sympy.Float(raw, precision=precision)  # binary precision, as the student's
    except (TypeError, ValueError):
        raise ExpressionError("bad Float") from None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, sympy.Rational) and isinstance(exponent, sympy.Integer):
        bits = max(int(base.p).bit_length(), int(base.q).bit_length())
        if bits * abs(int(exponent)) > MAX_POW_BITS:
            raise ExpressionError("the expression holds a power too large to evaluate")


# --------------------------------------------------------------------- evaluation
def derivative(expr: Any) -> Any:
    """``sympy.diff(expr, x)``."""
    return sympy.diff(expr, X)


def evaluate(expr: Any, xs: Sequence[float]) -> list[float | str]:
    """``expr`` at each ``x`` (exactly) to 60 digits, rounded once to float64; an
    error text where it is not a real number."""
    compiled: Callable[..., Any] | None
    try:
        compiled = sympy.lambdify(X, expr, modules="mpmath")
    except Exception:  # noqa: BLE001 - any printer failure: fall back to evalf
        compiled = None
    return [_at(expr, compiled, v) for v in xs]


def _at(expr: Any, compiled: Callable[..., Any] | None, v: float) -> float | str:
    value: Any = None
    if compiled is not None:
        try:
            with mpmath.workdps(EVAL_DPS):
                value = compiled(mpmath.mpf(v))
        except Exception:  # noqa: BLE001 - fall back to evalf
            value = None
    if value is None or not isinstance(value, mpmath.mpf | mpmath.mpc | int | float):
        try:
            value = expr.subs(X, sympy.Rational(v)).evalf(EVAL_DPS)
            if value.is_real is False:
                return f"is not real at x={v!r}: {str(value)[:60]}"
            value = mpmath.mpf(str(value)) if value.is_Float else value
        except Exception as exc:  # noqa: BLE001
            return f"could not be evaluated at x={v!r} ({type(exc).__name__})"
    try:
        if isinstance(value, mpmath.mpc):
            if value.imag != 0:
                return f"is not real at x={v!r}: {value}"
            value = value.real
        return float(value)
    except Exception as exc:  # noqa: BLE001
        return f"is not a number at x={v!r} ({type(exc).__name__})"


# --------------------------------------------------------------------- infix (rubrics)
# The names an instructor may write in a rubric's ``expr``: the same SymPy functions as
# the srepr whitelist above (lower-case spellings of Abs, Max and Min accepted), and
# never a class such as Add or Symbol -- operators are written as operators.
_INFIX_FUNCTIONS: dict[str, str] = {
    **{
        name: name
        for name in _FUNCTIONS
        if name[0].islower() or name in ("Abs", "Max", "Min", "Heaviside", "Piecewise")
    },
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

    Read with :mod:`ast` and built node by node from the same whitelist and bounds as
    :func:`parse`: numbers, ``x`` (the real symbol), the names in ``symbols`` (a
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


def evaluate_curve(expr: Any, xs: Sequence[float]) -> list[float]:
    """``expr`` at many points in float64 (NumPy), for a figure only: nan where it is
    not a real number. Never used to judge (see :func:`evaluate`)."""
    import numpy as np

    arr = np.asarray(xs, dtype=np.float64)
    try:
        f = sympy.lambdify(X, expr, modules=["scipy", "numpy"])
        with np.errstate(all="ignore"):
            out = np.broadcast_to(np.asarray(f(arr)), arr.shape)
        if np.iscomplexobj(out):
            out = np.where(out.imag == 0, out.real, np.nan)
        return [float(v) for v in out.astype(np.float64)]
    except Exception:  # noqa: BLE001 - a figure without this curve, not an error
        return [float("nan")] * len(arr)
