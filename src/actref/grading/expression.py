"""A student's SymPy expression, read and evaluated on the grader's side -- without SymPy.

The worker sends ``sympy.srepr(expr)``: text in which every node is a call of a SymPy
class (``Add(Integer(1), exp(Mul(Integer(-1), Symbol('x'))))``). That text is parsed
here with :mod:`ast` (which reads, never runs) into a small tree of whitelisted
operations, with bounds on its size, depth, arguments and numbers, and the tree is
evaluated by a few lines of mpmath at 60 significant digits, rounded once to float64.

No SymPy object is ever built from the student's text in the grader's process:
SymPy's own constructors and printers are too clever to be safe there (building
``2**Rational(2**32 + 1, 3)`` computes a giant integer with the interpreter lock held;
``lambdify`` of a derivative of ``Max(sin(x), ...)`` runs the inequality solvers for
minutes). The evaluator below does only what its operations say, and magnitudes beyond
``2**±MAX_EXPONENT`` are taken as infinity or zero (float64 would round them so anyway).
Nothing numerical the student's process reports is believed for a SymPy answer: the
grader holds the expression and evaluates it itself.
"""

from __future__ import annotations

import ast
import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from numpy.typing import NDArray
from scipy import special

MAX_CHARS = 20_000
MAX_NODES = 2_000
MAX_DEPTH = 60
MAX_INT_BITS = 4_096  # integer literals (numerators, denominators)
MAX_ARGS = 64  # per node
MAX_EXPONENT = 1 << 16  # |value| beyond 2**65536 is infinite, below 2**-65536 zero
EVAL_DPS = 60


class ExpressionError(ValueError):
    """The expression is not one the grader accepts; the message says why."""


class _NotReal(ArithmeticError):
    pass


@dataclass(frozen=True)
class Node:
    """One operation of a student's expression: ``op`` applied to ``args``, or a
    number (``op == "num"``, ``value``) or the variable (``op == "x"``)."""

    op: str
    args: tuple[Node, ...] = ()
    value: Any = None


# op name -> (fewest, most) arguments; the SymPy class names srepr writes
_ARITY: dict[str, tuple[int, int]] = {
    "Add": (1, MAX_ARGS), "Mul": (1, MAX_ARGS), "Pow": (2, 2), "exp": (1, 1),
    "log": (1, 2), "sqrt": (1, 1), "tanh": (1, 1), "sinh": (1, 1), "cosh": (1, 1),
    "tan": (1, 1), "sin": (1, 1), "cos": (1, 1), "atan": (1, 1), "asinh": (1, 1),
    "acosh": (1, 1), "atanh": (1, 1), "Abs": (1, 1), "Max": (1, MAX_ARGS),
    "Min": (1, MAX_ARGS), "Heaviside": (1, 2), "DiracDelta": (1, 1), "sign": (1, 1),
    "erf": (1, 1), "erfc": (1, 1), "floor": (1, 1), "ceiling": (1, 1),
    "Piecewise": (1, MAX_ARGS), "ExprCondPair": (2, 2),
    "StrictGreaterThan": (2, 2), "GreaterThan": (2, 2), "StrictLessThan": (2, 2),
    "LessThan": (2, 2), "Equality": (2, 2), "Unequality": (2, 2),
    "And": (1, MAX_ARGS), "Or": (1, MAX_ARGS), "Not": (1, 1),
}  # fmt: skip
_NAMES: dict[str, Node] = {
    "true": Node("bool", value=True),
    "false": Node("bool", value=False),
    "E": Node("E"),
    "pi": Node("pi"),
    "oo": Node("num", value=mpmath.inf),
    "nan": Node("num", value=mpmath.nan),
}


# --------------------------------------------------------------------- reading
def parse(text: Any) -> Node:
    """The expression tree ``text`` (an ``srepr``) describes.

    Raises
    ------
    ExpressionError
        Not a string, too large, or any part outside the whitelist.
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
    return _read(tree.body, 0)


def _read(node: ast.AST, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Name):
        if node.id in _NAMES:
            return _NAMES[node.id]
        raise ExpressionError(f"{node.id[:40]} is not allowed in an expression")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):  # srepr's -oo
        return Node("Mul", (Node("num", value=mpmath.mpf(-1)), _read(node.operand, depth + 1)))
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
        return Node("x")
    if name not in _ARITY:
        raise ExpressionError(f"{name[:40]} is not allowed in an expression")
    if node.keywords:
        raise ExpressionError(f"{name} takes no keyword here")
    fewest, most = _ARITY[name]
    if not fewest <= len(node.args) <= most:
        raise ExpressionError(f"{name} with {len(node.args)} arguments is not accepted")
    return Node(name, tuple(_read(a, depth + 1) for a in node.args))


def _rational(name: str, node: ast.Call) -> Node:
    values = [_int_literal(arg) for arg in node.args]
    for v in values:
        if v is None or abs(v).bit_length() > MAX_INT_BITS:
            raise ExpressionError(f"{name} needs integers of at most {MAX_INT_BITS} bits")
    if not 1 <= len(values) <= 2 or (len(values) == 2 and values[1] == 0):
        raise ExpressionError(f"bad {name}")
    return Node("rat", value=(values[0], values[1] if len(values) == 2 else 1))


def _int_literal(node: ast.AST) -> int | None:
    """An integer written as ``5`` or ``-5``; None for anything else."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    value = node.value if isinstance(node, ast.Constant) else None
    return sign * value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(node: ast.Call) -> Node:
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
        with mpmath.workprec(precision):  # the student's binary value, exactly
            value = mpmath.mpf(str(raw))
    except (TypeError, ValueError):
        raise ExpressionError("bad Float") from None
    return Node("num", value=_clamp(value))


# --------------------------------------------------------------------- evaluation
def evaluate(tree: Node, xs: Sequence[float], deadline: float = math.inf) -> list[float | str]:
    """``tree`` at each ``x`` (exactly) to 60 digits, rounded once to float64; an
    error text where it is not a real number, or where ``deadline`` (``time.monotonic``)
    had passed: the grader's own work on a submission is on the submission's clock."""
    out: list[float | str] = []
    for v in xs:
        if time.monotonic() > deadline:
            out.append("was not evaluated: the submission's time limit had passed")
        else:
            out.append(_at(tree, v, EVAL_DPS))
    return out


def evaluate_curve(tree: Node, xs: Sequence[float]) -> list[float]:
    """``tree`` on a whole grid in float64 NumPy (one array operation per node), for
    drawing only -- it judges nothing; nan where it is not a real number."""
    x = np.asarray(xs, dtype=np.float64)
    try:
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(_curve(tree, x), dtype=np.float64), x.shape)
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return [math.nan] * len(x)
    return [float(v) for v in values]


def _curve(node: Node, x: NDArray[np.float64]) -> Any:
    """``node`` over the grid ``x``: arrays of floats, or of booleans for conditions."""
    op = node.op
    if op == "x":
        return x
    if op in ("num", "bool"):
        return node.value if op == "bool" else float(node.value)
    if op == "rat":
        p, q = node.value
        return float(mpmath.mpf(p) / mpmath.mpf(q))
    if op in ("E", "pi"):
        return math.e if op == "E" else math.pi
    if op == "Piecewise":
        choices = [_curve(pair.args[0], x) for pair in node.args]
        conditions = [np.broadcast_to(_curve(pair.args[1], x), x.shape) for pair in node.args]
        return np.select(conditions, [np.broadcast_to(c, x.shape) for c in choices], np.nan)
    args = [_curve(arg, x) for arg in node.args]
    if op in _CURVE_OPS:
        return _CURVE_OPS[op](*args)
    raise TypeError(f"{op} cannot be drawn")


def _curve_pow(base: Any, exponent: Any) -> Any:
    return np.power(np.asarray(base, dtype=np.float64), exponent)


_CURVE_OPS: dict[str, Callable[..., Any]] = {
    "Add": lambda *a: sum(a[1:], a[0]),
    "Mul": lambda *a: math.prod(a[1:], start=a[0]),
    "Pow": _curve_pow,
    "exp": np.exp,
    "log": lambda a, b=None: np.log(a) if b is None else np.log(a) / np.log(b),
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tan": np.tan,
    "sin": np.sin,
    "cos": np.cos,
    "atan": np.arctan,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "Abs": np.abs,
    "Max": lambda *a: functools.reduce(np.fmax, a),
    "Min": lambda *a: functools.reduce(np.fmin, a),
    "Heaviside": lambda a, h=0.5: np.heaviside(a, h),
    "DiracDelta": lambda a: np.where(np.asarray(a) == 0, np.nan, 0.0),
    "sign": np.sign,
    "erf": special.erf,
    "erfc": special.erfc,
    "floor": np.floor,
    "ceiling": np.ceil,
    "StrictGreaterThan": np.greater,
    "GreaterThan": np.greater_equal,
    "StrictLessThan": np.less,
    "LessThan": np.less_equal,
    "Equality": np.equal,
    "Unequality": np.not_equal,
    "And": lambda *a: functools.reduce(np.logical_and, a),
    "Or": lambda *a: functools.reduce(np.logical_or, a),
    "Not": np.logical_not,
}


def _at(tree: Node, v: float, dps: int) -> float | str:
    try:
        with mpmath.workdps(dps):
            value = _value_of(tree, mpmath.mpf(v))
        if isinstance(value, bool):
            return f"is a condition, not a number, at x={v!r}"
        if isinstance(value, mpmath.mpc):
            if value.imag != 0:
                raise _NotReal
            value = value.real
        return float(value)
    except _NotReal:
        return f"is not real at x={v!r}"
    except (ArithmeticError, ValueError, TypeError, RecursionError, OverflowError) as exc:
        return f"could not be evaluated at x={v!r} ({type(exc).__name__})"


def _clamp(value: Any) -> Any:
    """Magnitudes far past float64's range as infinity or zero: numbers stay small."""
    if isinstance(value, mpmath.mpf) and value and mpmath.isfinite(value):
        _, _, exp, bc = value._mpf_
        if exp + bc > MAX_EXPONENT:
            return mpmath.inf if value > 0 else -mpmath.inf
        if exp + bc < -MAX_EXPONENT:
            return mpmath.mpf(0)
    return value


def _num(value: Any) -> Any:
    if isinstance(value, bool):
        raise TypeError("a condition used as a number")
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            raise _NotReal
        value = value.real
    return value


def _real(value: Any) -> Any:
    value = _clamp(value)
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            raise _NotReal
        value = value.real
    return value


def _heaviside(args: list[Any]) -> Any:
    x = args[0]
    if mpmath.isnan(x):
        return mpmath.nan
    if x == 0:
        return args[1] if len(args) == 2 else mpmath.mpf(0.5)  # SymPy's H(0) = 1/2
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0)


def _dirac(args: list[Any]) -> Any:
    if args[0] == 0:
        raise _NotReal  # infinite at 0: no number
    return mpmath.mpf(0)


def _sign(args: list[Any]) -> Any:
    x = args[0]
    return x if mpmath.isnan(x) else mpmath.mpf((x > 0) - (x < 0))


def _log(args: list[Any]) -> Any:
    if len(args) == 2:
        return mpmath.log(args[0]) / mpmath.log(args[1])
    return mpmath.log(args[0])


def _power(args: list[Any]) -> Any:
    """``base ** exponent``. A large exponent goes through exp and log: its size is
    known from ``exponent * log2|base|`` before anything is computed (mpmath's integer
    power squares ``log2(n)`` times at ever wider precision: minutes for a 4096-bit n)."""
    base, exponent = args
    if not (mpmath.isfinite(base) and mpmath.isfinite(exponent)) or abs(exponent) <= 64:
        return mpmath.power(base, exponent)
    if base == 0:
        return mpmath.mpf(0) if exponent > 0 else mpmath.inf
    size = exponent * mpmath.log(abs(base), 2)
    if base < 0:
        if exponent != mpmath.floor(exponent):
            raise _NotReal  # a negative number to a fractional power
        sign = -1 if int(exponent % 2) else 1
    else:
        sign = 1
    if size > MAX_EXPONENT:
        return sign * mpmath.inf
    if size < -MAX_EXPONENT:
        return mpmath.mpf(0)
    return sign * mpmath.exp(exponent * mpmath.log(abs(base)))


def _extreme(pick: Callable[[Any, Any], bool]) -> Callable[[list[Any]], Any]:
    def choose(args: list[Any]) -> Any:
        if any(mpmath.isnan(a) for a in args):
            return mpmath.nan
        best = args[0]
        for a in args[1:]:
            if pick(a, best):
                best = a
        return best

    return choose


def _fsum(args: list[Any]) -> Any:
    finite = [a for a in args if mpmath.isfinite(a)]
    if len(finite) != len(args):  # inf - inf is nan, as it should be
        total = mpmath.mpf(0)
        for a in args:
            total += a
        return total
    return mpmath.fsum(finite)


def _fprod(args: list[Any]) -> Any:
    """The product, clamped once (every factor is within 2**65536 already, so the
    exponents stay small integers): the order of the factors does not matter."""
    return _clamp(mpmath.fprod(args))


_NUMERIC: dict[str, Callable[[list[Any]], Any]] = {
    "Add": _fsum,
    "Mul": _fprod,
    "Pow": _power,
    "exp": lambda a: mpmath.exp(a[0]),
    "log": _log,
    "sqrt": lambda a: mpmath.sqrt(a[0]),
    "tanh": lambda a: mpmath.tanh(a[0]),
    "sinh": lambda a: mpmath.sinh(a[0]),
    "cosh": lambda a: mpmath.cosh(a[0]),
    "tan": lambda a: mpmath.tan(a[0]),
    "sin": lambda a: mpmath.sin(a[0]),
    "cos": lambda a: mpmath.cos(a[0]),
    "atan": lambda a: mpmath.atan(a[0]),
    "asinh": lambda a: mpmath.asinh(a[0]),
    "acosh": lambda a: mpmath.acosh(a[0]),
    "atanh": lambda a: mpmath.atanh(a[0]),
    "Abs": lambda a: abs(a[0]),
    "Max": _extreme(lambda a, b: a > b),
    "Min": _extreme(lambda a, b: a < b),
    "Heaviside": _heaviside,
    "DiracDelta": _dirac,
    "sign": _sign,
    "erf": lambda a: mpmath.erf(a[0]),
    "erfc": lambda a: mpmath.erfc(a[0]),
    "floor": lambda a: mpmath.floor(a[0]),
    "ceiling": lambda a: mpmath.ceil(a[0]),
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "StrictGreaterThan": lambda a, b: bool(a > b),
    "GreaterThan": lambda a, b: bool(a >= b),
    "StrictLessThan": lambda a, b: bool(a < b),
    "LessThan": lambda a, b: bool(a <= b),
    "Equality": lambda a, b: bool(a == b),
    "Unequality": lambda a, b: bool(a != b),
}


def _value_of(node: Node, x: Any) -> Any:
    op = node.op
    if op == "x":
        return x
    if op in ("num", "bool"):
        return node.value
    if op == "rat":
        p, q = node.value
        return _clamp(mpmath.mpf(p) / mpmath.mpf(q))
    if op == "E":
        return mpmath.e
    if op == "pi":
        return mpmath.pi
    if op == "Piecewise":  # the first true condition wins; none true: no number
        for pair in node.args:
            if pair.op != "ExprCondPair":
                raise TypeError("Piecewise needs (expression, condition) pairs")
            if _truth(_value_of(pair.args[1], x)):
                return _value_of(pair.args[0], x)
        return mpmath.nan
    if op in _COMPARE:
        a, b = (_num(_value_of(arg, x)) for arg in node.args)
        return _COMPARE[op](a, b)
    if op in ("And", "Or", "Not"):
        truths = [_truth(_value_of(arg, x)) for arg in node.args]
        return all(truths) if op == "And" else any(truths) if op == "Or" else not truths[0]
    if op == "ExprCondPair":
        raise TypeError("an (expression, condition) pair outside Piecewise")
    args = [_num(_value_of(arg, x)) for arg in node.args]
    return _real(_NUMERIC[op](args))


def _truth(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("a number used as a condition")
    return value
