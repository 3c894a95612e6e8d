"""The ground truth: SymPy expressions evaluated in mpmath, correctly rounded.

Every accuracy claim in actref is measured against this module. An expression is
evaluated at increasing precision (from 50 digits, doubling) until two evaluations
agree to far more digits than float64 holds, so cancellation (``x - tanh(x)`` near 0,
``1 + erf(x)`` far left) is resolved rather than rounded away. ``log(1 + A)`` is
evaluated as ``log1p(A)`` and ``1 + erf(a)`` as ``erfc(-a)``, which keeps the far
tails cheap. The result is
rounded once, to nearest, to the requested float format.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy
from numpy.typing import ArrayLike, NDArray
from sympy.codegen.cfunctions import log1p

from actref.symbolic import x as _x

START_DPS = 50
MAX_DPS = 3200
_AGREE_DIGITS = 30

_FORMATS = {
    np.dtype(np.float64): (53, -1022, 1024),
    np.dtype(np.float32): (24, -126, 128),
    np.dtype(np.float16): (11, -14, 16),
}


class _Erfc(sympy.Function):  # type: ignore[misc]
    """erfc that SymPy leaves alone (``erfc(-a)`` would become ``2 - erfc(a)``)."""


def _for_evaluation(expr: sympy.Expr) -> sympy.Expr:
    """The same value, rewritten so mpmath need not resolve a cancellation.

    ``erf(a)`` becomes ``erfc(-a) - 1`` so that ``1 + erf(a)`` collapses to
    ``erfc(-a)`` (which is ``1e-300`` at ``a = -26``, not 1 - 1); ``log(1 + a)``
    becomes ``log1p(a)``.
    """
    expr = expr.replace(sympy.erf, lambda a: _Erfc(-a) - 1)
    expr = sympy.expand(expr, deep=True, power_base=False, power_exp=False, log=False)

    def is_log_one_plus(e: sympy.Basic) -> bool:
        return isinstance(e, sympy.log) and e.args[0].is_Add and 1 in e.args[0].args

    return expr.replace(is_log_one_plus, lambda e: log1p(e.args[0] - 1))


def _mp_erfc(z: Any) -> Any:
    # mpmath's series check overflows past |z| ~ 1e154; erfc is 0 or 2 to any
    # precision there (erfc(1e100) = exp(-1e200) / ...)
    if abs(z) > 10**100:
        return mpmath.mpf(0) if z > 0 else mpmath.mpf(2)
    return mpmath.erfc(z)


@functools.lru_cache(maxsize=512)
def _mp_function(expr: sympy.Expr) -> Callable[[Any], Any]:
    return sympy.lambdify(_x, _for_evaluation(expr), modules=[{"_Erfc": _mp_erfc}, "mpmath"])  # type: ignore[no-any-return]


def _agree(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return False
    scale = max(abs(a), abs(b))
    return bool(abs(a - b) <= scale * mpmath.mpf(10) ** (-_AGREE_DIGITS))


def evaluate(expr: sympy.Expr, value: float) -> Any:
    """``expr`` at ``x = value`` as an mpmath number accurate to at least 30 digits.

    ``value`` is taken exactly (every float is a dyadic rational). ±inf are evaluated as
    limits; nan gives nan.
    """
    if math.isnan(value):
        return mpmath.mpf("nan")
    if math.isinf(value):
        return mpmath.mpf(_limit_to_float(limit_at_infinity(expr, value > 0)))
    f = _mp_function(expr)
    dps = START_DPS
    with mpmath.workdps(dps):
        prev = f(mpmath.mpf(value))
    while dps < MAX_DPS:
        dps *= 2
        with mpmath.workdps(dps):
            cur = f(mpmath.mpf(value))
        # two zeros prove nothing: x - tanh(x) is 0 at any precision too low for x^3
        if _agree(prev, cur) and cur != 0:
            return cur
        prev = cur
    return prev


def limit_at_infinity(expr: sympy.Expr, positive: bool) -> sympy.Expr:
    """The limit of ``expr`` as x -> +inf (or -inf), exactly.

    ``sympy.limit`` cannot see through ``Piecewise``, so the branch that holds beyond
    every finite float is chosen first.
    """
    beyond = sympy.Integer(10) ** 400 * (1 if positive else -1)

    def branch(pw: sympy.Piecewise) -> sympy.Expr:
        for piece, cond in pw.args:
            if cond.subs(_x, beyond) == sympy.true:
                return piece
        raise ValueError(f"no branch of {pw} holds at {'+' if positive else '-'}inf")

    expr = expr.replace(lambda e: isinstance(e, sympy.Piecewise), branch)
    to = sympy.oo if positive else -sympy.oo
    if expr.is_Add and expr.has(sympy.erf):
        # term by term where every term has a finite limit: sympy 1.14 gives 1 for
        # 1/2 + erf(c (x - m))/2 at -oo (each term alone is right: 1/2 and -1/2); only
        # for erf, the one case seen wrong: elsewhere it doubles the time (gelu_tanh'
        # 5.6 s of verify's 30)
        terms = [sympy.limit(t, _x, to) for t in expr.args]
        if all(t.is_finite for t in terms):
            return sympy.Add(*terms)
    return sympy.limit(expr, _x, to)


def _limit_to_float(lim: sympy.Expr) -> float:
    if lim is sympy.oo:
        return math.inf
    if lim is -sympy.oo:
        return -math.inf
    if lim.is_real and lim.is_finite:
        return float(lim)
    return math.nan  # an oscillating or undefined limit


def round_to(value: Any, dtype: np.dtype[np.floating] | type = np.float64) -> float:
    """Round an mpmath number once, to nearest-even, to the float format ``dtype``.

    Overflow gives ±inf; results below the smallest subnormal give ±0.
    """
    dt = np.dtype(dtype)
    prec, emin, emax = _FORMATS[dt]
    v = mpmath.mpf(value)
    if mpmath.isnan(v) or mpmath.isinf(v):
        return float(v)
    if v == 0:
        return 0.0
    # the exponent of v's leading bit; subnormals have fewer bits of precision
    exp2 = int(mpmath.floor(mpmath.log(abs(v), 2)))
    bits = prec - max(0, (emin - exp2))
    if bits <= 0:
        # below half the smallest subnormal rounds to 0; between it and the smallest,
        # to the smallest
        smallest = mpmath.ldexp(1, emin - prec + 1)
        return (
            float(mpmath.sign(v) * smallest)
            if abs(v) > smallest / 2
            else 0.0 * float(mpmath.sign(v))
        )
    with mpmath.workprec(bits):
        r = +v  # unary plus rounds to the working precision, to nearest
    if abs(r) >= mpmath.ldexp(1, emax):
        return math.copysign(math.inf, float(r))
    return float(r)


def true_values(
    expr: sympy.Expr, xs: ArrayLike, dtype: np.dtype[np.floating] | type = np.float64
) -> NDArray[np.floating]:
    """The correctly rounded value of ``expr`` at every point of ``xs``, in ``dtype``."""
    arr = np.asarray(xs, dtype=np.float64)
    flat = [round_to(evaluate(expr, float(v)), dtype) for v in arr.ravel()]
    return np.array(flat, dtype=dtype).reshape(arr.shape)
