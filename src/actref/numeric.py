"""NumPy forward and derivative implementations, stable on every float input.

Every function here takes a float64 array (already validated and converted by
:func:`as_float_array`) plus its parameters as Python floats, and returns a float64
array of the same shape. They are written so that no intermediate overflows or
cancels where the true value is representable: that is what the oracle tests measure.
Inputs of lower precision are computed in float64 and rounded once by the caller.

By convention the derivative at a kink is PyTorch's (``relu'(0) = 0``); the registry
lists the kinks and the value used at each.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

F64 = NDArray[np.float64]
FArray = NDArray[Any]  # float16/32/64: the input dtype is kept

_NAN = np.float64(np.nan)
_SQRT1_2 = 0.7071067811865476  # 1/sqrt(2), correctly rounded
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2*pi), correctly rounded
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2/pi), correctly rounded
_GELU_TANH_C = 0.044715


_ACCEPTED = "real numbers (float16/32/64, int or bool arrays, Python scalars or sequences)"


def as_float_array(x: ArrayLike, *, name: str = "x") -> tuple[FArray, np.dtype[np.floating]]:
    """Validate ``x`` and return it as a float array with the dtype to return in.

    float16/32/64 are kept as they are (the functions here compute in float64 block by
    block and round once on the way out, so no full-size float64 copy is made);
    integers and bools become float64; complex, object and string input is refused.
    """
    arr = np.asarray(x)
    dt = arr.dtype
    if dt.kind == "f":
        if dt.itemsize > 8:
            raise TypeError(f"{name} has dtype {dt}; accepted: {_ACCEPTED}")
        if not dt.isnative:
            arr = arr.astype(dt.newbyteorder("="))
        return arr, arr.dtype
    if dt.kind in "iub":
        return arr.astype(np.float64), _F64
    raise TypeError(f"{name} has dtype {dt}; accepted: {_ACCEPTED}")


# ------------------------------------------------------------------- block evaluation
# Elements per block. Every temporary of a kernel is block-sized, so it stays in the
# L2 cache and is reused by the allocator: fresh full-size temporaries cost a page fault
# per 4 KiB on first touch, most of the time of a naive multi-pass formula. Smaller
# blocks pay NumPy's per-call overhead more often (measured: 8192 is slower).
_BLOCK = 65536
_F64 = np.dtype(np.float64)

Kernel = Callable[..., None]


def _f64(v: float) -> F64:
    """A 0-d float64 array constant."""
    return np.array(v, dtype=np.float64)


# 0-d float64 operands for the float64 kernels: NumPy takes a 0-d array ~0.3 us faster
# per ufunc call than a Python float (and faster than a NumPy scalar), which is most of
# a 16-element call. Never in native kernels: there a float64 array promotes float32.
_NEG_1E300 = _f64(-1e300)
_NEG_800 = _f64(-800.0)
_NEG_50 = _f64(-50.0)
_NEG_40 = _f64(-40.0)
_NEG_FOUR = _f64(-4.0)
_NEG_THREE = _f64(-3.0)
_NEG_TWO = _f64(-2.0)
_NEG_ONE = _f64(-1.0)
_NEG_HALF = _f64(-0.5)
_NEG_QUARTER = _f64(-0.25)
_ZERO = _f64(0.0)
_HALF = _f64(0.5)
_ONE = _f64(1.0)
_TWO = _f64(2.0)
_THREE = _f64(3.0)
_FOUR = _f64(4.0)
_FIVE = _f64(5.0)
_SIX = _f64(6.0)
_POS_40 = _f64(40.0)
_POS_50 = _f64(50.0)
_POS_400 = _f64(400.0)
_POS_800 = _f64(800.0)
_NEG_700 = _f64(-700.0)
_POS_700 = _f64(700.0)
_POS_1E300 = _f64(1e300)


def _elementwise(
    *,
    native: bool = False,
    overflow_ok: bool = False,
    native_if: Callable[..., bool] | None = None,
) -> Callable[[Kernel], Callable[..., FArray]]:
    """Turn ``kernel(x, out, *params)`` (1-D float64 blocks) into an array function.

    The result has the shape and float dtype of ``x`` (a 0-d array for 0-d input).
    float64 input is evaluated block by block straight into the result; float16/32
    blocks are widened to float64, evaluated, and rounded once into the result.
    ``native`` kernels are exact in any float dtype (comparisons, max/min, clip) and run
    once on the whole array in its own dtype. ``overflow_ok`` kernels overflow only
    where inf is the right intermediate (``1/(1 + inf) = 0``), so that is not warned.
    ``native_if(dtype, *params)`` makes a kernel native only when its parameters allow
    it in that dtype (say, when they are exactly representable there).
    """

    def wrap(kernel: Kernel) -> Callable[..., FArray]:
        @functools.wraps(kernel)
        def fn(x: ArrayLike, *params: float) -> FArray:
            # fast path, the common case (~1 us of a 16-element call): a 1-D float64
            # array of one block; the same kernel call as _run's, minus the reshaping
            if type(x) is np.ndarray and x.dtype is _F64 and x.ndim == 1:
                n = x.shape[0]
                if 0 < n <= _BLOCK:
                    res = np.empty(n)
                    if overflow_ok:
                        with np.errstate(over="ignore"):
                            kernel(x, res, *params)
                    else:
                        kernel(x, res, *params)
                    return res
            arr = np.asarray(x)
            if arr.dtype.kind != "f":
                arr = arr.astype(np.float64)
            out = np.empty(arr.shape, dtype=arr.dtype)
            n = arr.size
            if n == 0:
                return out
            xf = arr.reshape(-1)
            of = out.reshape(-1)
            nat = native or (
                native_if is not None and arr.dtype != _F64 and native_if(arr.dtype, *params)
            )
            if overflow_ok:
                with np.errstate(over="ignore"):
                    _run(kernel, xf, of, params, nat)
            else:
                _run(kernel, xf, of, params, nat)
            return out

        return fn

    return wrap


def _run(kernel: Kernel, xf: FArray, of: FArray, params: tuple[float, ...], native: bool) -> None:
    """Evaluate ``kernel`` on the flat input ``xf`` into the flat result ``of``."""
    n = xf.size
    if native or (n <= _BLOCK and xf.dtype == _F64):
        kernel(xf, of, *params)
    elif xf.dtype == _F64:
        for i in range(0, n, _BLOCK):
            kernel(xf[i : i + _BLOCK], of[i : i + _BLOCK], *params)
    else:
        m = min(n, _BLOCK)
        xb, ob = np.empty(m), np.empty(m)
        for i in range(0, n, m):
            k = min(m, n - i)
            xk, ok = xb[:k], ob[:k]
            np.copyto(xk, xf[i : i + k])
            kernel(xk, ok, *params)
            with np.errstate(over="ignore"):  # a true value beyond float32/16's range is inf
                np.copyto(of[i : i + k], ok, casting="same_kind")


def _clip(x: FArray, lo: float | F64, hi: float | F64, out: FArray | None = None) -> FArray:
    """``min(max(x, lo), hi)``, nan kept: np.clip's Python wrapper costs ~4 us a call."""
    y = np.maximum(x, lo, out=out)
    return np.minimum(y, hi, out=y)


def _blend(o: F64, alt: F64, cmp: np.ufunc, x: F64, c: F64, buf: F64) -> None:
    """``o = alt`` where ``cmp(x, c)``, kept elsewhere (``alt`` and ``buf`` overwritten).

    Both must be finite (or nan where ``x`` is). Large blocks blend with 0/1 weights
    (exact, and faster than a per-element branch); small ones take one masked copy
    instead of the blend's five calls. Same values either way.
    """
    if o.size <= 1024:
        np.putmask(o, cmp(x, c), alt)  # ~0.05 us cheaper than copyto(where=)
        return
    w = cmp(x, c, out=buf)
    alt *= w
    np.subtract(_ONE, w, out=w)
    o *= w
    o += alt


def _restore_nan(x: FArray, out: FArray) -> None:
    """Put nan back where ``x`` is nan (indicators built from comparisons lose it)."""
    if np.isnan(x.min()):
        out[np.isnan(x)] = np.nan


def _any_below(x: F64, t: F64) -> bool:
    """Whether some element of ``x`` is below ``t`` (a 0-d array); nan is not.

    On a small block a comparison and a count cost ~0.6 us, a reduction ~0.9 us."""
    if x.size <= _SMALL:
        return bool(np.count_nonzero(np.less(x, t)))
    return bool(np.fmin.reduce(x) < t)


def _fix(
    x: FArray, out: FArray, region: NDArray[np.bool_], fn: Callable[[FArray], FArray]
) -> None:
    """``out = fn(x)`` on ``region`` only: for rare, narrow regions that need a costlier
    formula than the one the whole block got."""
    idx = np.flatnonzero(region)
    if idx.size:
        out[idx] = fn(x[idx])


def _by_region(
    out: F64,
    x: F64,
    shared: Callable[[F64], F64],
    regions: tuple[tuple[NDArray[np.bool_], Callable[[F64, F64], F64]], ...],
) -> None:
    """``out = formula(x, shared(x))`` on each region (disjoint masks covering ``x``).

    Small blocks evaluate every formula on the whole block and select (cheaper than
    gathering: every formula must then be finite everywhere); large blocks gather each
    region and evaluate ``shared`` and the formula there. Elementwise formulas: the
    same bits either way.
    """
    if out.size <= _SMALL:
        s = shared(x)
        for region, formula in regions:
            np.putmask(out, region, formula(x, s))
        return
    for region, formula in regions:
        idx = np.flatnonzero(region)
        if idx.size:
            xs = x[idx]
            out[idx] = formula(xs, shared(xs))


# ------------------------------------------------------------- compensated arithmetic
_SPLITTER = _f64(134217729.0)  # 2**27 + 1, Dekker's splitting constant for float64


def _split(a: F64) -> tuple[F64, F64]:
    """``a = hi + lo`` exactly, each half with at most 26 significant bits (|a| < 1e300)."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a: F64, b: F64 | float) -> tuple[F64, F64]:
    """``a * b = p + e`` exactly (Dekker), for |a|, |b| well inside the float range."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(np.asarray(b, dtype=np.float64))
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _dd(value: mpmath.mpf) -> tuple[float, float]:
    """An mpmath number as a double-double ``hi + lo``."""
    hi = float(value)
    return hi, float(value - hi)


def _root(f: Any, guess: float) -> tuple[float, float]:
    """The zero of ``f`` near ``guess`` to 40 digits, as a double-double."""
    with mpmath.workdps(40):
        return _dd(mpmath.findroot(f, guess))


# --------------------------------------------------------------------- sigmoid family
def _sigmoid_of_neg(o: F64) -> None:
    r"""``o`` :math:`\leftarrow 1/(1 + e^{o})` in place: :math:`\sigma(-o)`, to 2.5 ULP
    everywhere (no cancellation on either side). Where :math:`e^{o}` overflows the
    result, 0, is the right one, so that overflow is allowed, and only then."""
    if np.fmax.reduce(o) > 709.0:
        with np.errstate(over="ignore"):
            np.exp(o, out=o)
    else:
        np.exp(o, out=o)
    o += _ONE
    np.divide(_ONE, o, out=o)


def _softplus_unit(x: F64, o: F64) -> None:
    # max(x, 0) + log1p(e^-|x|): two non-negative terms
    np.copysign(x, _NEG_ONE, out=o)
    np.exp(o, out=o)
    np.log1p(o, out=o)
    o += np.maximum(x, _ZERO)


def _beta_x(x: F64, beta: float) -> tuple[F64, F64, float]:
    """:math:`\beta x` as ``hi + lo`` exactly, with ``x`` clipped at ``far`` where
    :math:`|\beta x| = 1000`: beyond, softplus is x or 0 and its derivative 1 or 0 to
    every digit, and the split stays finite."""
    far = 1000.0 / beta
    hi, lo = _two_prod(_clip(x, -far, far), beta)
    return hi, lo, far


@_elementwise(overflow_ok=True)
def softplus(x: F64, o: F64, beta: float = 1.0) -> None:
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x}) = \max(x,0) + \frac{1}{\beta}\operatorname{log1p}(e^{-\beta|x|})`.

    Exact (no PyTorch threshold). For :math:`\beta \ne 1` the product :math:`\beta x`
    is split into ``hi + lo`` and corrected to first order, since far left the result
    is :math:`e^{\beta x}` and would inherit the rounding of :math:`\beta x` times
    :math:`|\beta x|`. Beyond :math:`|\beta x| = 1000` the result is :math:`x` or 0
    to every digit (for the :math:`10^{-100} \le \beta \le 10^{100}` the registry
    accepts); ``x`` is clipped there, which keeps the split finite.
    """
    if beta == 1.0:
        _softplus_unit(x, o)
        return
    hi, lo, far = _beta_x(x, beta)
    _softplus_unit(hi, o)
    s = np.negative(hi)
    _sigmoid_of_neg(s)
    o += lo * s
    o /= beta
    if np.fmax.reduce(x) > far:
        np.copyto(o, x, where=x > far)
    if beta < 1.0 and np.fmin.reduce(hi) < _SOFTPLUS_FAR:
        idx = np.flatnonzero(hi < _SOFTPLUS_FAR)
        o[idx] = _softplus_far_left(hi[idx], lo[idx], beta)


# below this beta x, log1p(e^{beta x}) = e^{beta x} to every digit
_SOFTPLUS_FAR = -40.0


def _softplus_far_left(hi: F64, lo: F64, beta: float) -> F64:
    r""":math:`e^{\beta x}/\beta` for :math:`\beta x = hi + lo < -40` and
    :math:`\beta < 1`, as :math:`(e^{hi/2}/\beta)\,e^{hi/2}(1 + lo)`: the result is
    larger than :math:`e^{\beta x}`, which may be subnormal or 0 where the result is
    not (455 ULP at beta = 0.1, 0 for 2.5e-274 at beta = 1e-50 before; 2 ULP)."""
    e = np.exp(hi * _HALF)
    return ((e / beta) * e) * (lo + _ONE)


@_elementwise(overflow_ok=True)
def softplus_grad(x: F64, o: F64, beta: float = 1.0) -> None:
    r""":math:`\sigma(\beta x)`, with :math:`\beta x` split as in :func:`softplus`."""
    if beta == 1.0:
        np.negative(x, out=o)
        _sigmoid_of_neg(o)
        return
    hi, lo, _ = _beta_x(x, beta)
    np.negative(hi, out=o)
    _sigmoid_of_neg(o)
    sm = hi.copy()
    _sigmoid_of_neg(sm)
    o += lo * o * sm


@_elementwise()
def silu(x: F64, o: F64) -> None:
    r""":math:`x\,\sigma(x) = x / (1 + e^{-x})`; far left (:math:`e^{-x}` near overflow)
    as :math:`(x e^{x/2}) e^{x/2}`."""
    np.negative(x, out=o)
    deep = np.fmin.reduce(x) < _DEEP
    if deep:
        np.minimum(o, -_DEEP, out=o)
    np.exp(o, out=o)
    o += _ONE
    np.divide(x, o, out=o)
    if deep:
        _fix(x, o, x < _DEEP, _x_exp_x)


# below this, e^x is subnormal (or near it) although x e^x may still be normal
_DEEP = -600.0
_DEEP_A = _f64(_DEEP)


def _x_exp_x(x: F64) -> F64:
    """:math:`x e^x` as :math:`(x e^{x/2}) e^{x/2}`: never a subnormal intermediate."""
    xm = np.maximum(x, _NEG_1E300)  # -inf * 0
    e = np.exp(_HALF * xm)
    return (xm * e) * e


def _one_plus_x_exp_x(x: F64) -> F64:
    """:math:`(1 + x) e^x`, the far-left form of silu' and mish'."""
    xm = np.maximum(x, _NEG_1E300)  # -inf * 0
    e = np.exp(_HALF * xm)
    return ((_ONE + xm) * e) * e


# silu'(x) = sigma(x) sigma(-x) (1 + x + e^x); the last factor vanishes at x0
_SILU_X0 = _root(lambda v: 1 + v + mpmath.exp(v), -1.28)
_SILU_T0 = -(1.0 + _SILU_X0[0]) - _SILU_X0[1]  # e^x0
_SILU_X0_HI, _SILU_X0_LO, _SILU_T0_A = map(_f64, (*_SILU_X0, _SILU_T0))


@_elementwise()
def silu_grad(x: F64, o: F64) -> None:
    r""":math:`\sigma(x)\,(1 + x\,\sigma(-x)) = \sigma(x)\sigma(-x)\,(1 + x + e^x)`.

    The last factor has a zero at :math:`x_0 \approx -1.2785` where its terms cancel.
    Written around it, with :math:`d = x - x_0` and :math:`1 + x_0 + e^{x_0} = 0`,
    it is :math:`d + e^{x_0}\operatorname{expm1}(d)`: two terms of the same sign; used
    left of -0.5. Right of it, :math:`\sigma(x) + x\,\sigma(x)\sigma(-x)`.
    """
    # clipped at -700, not lower: e^-x stays finite (no errstate, ~1 us), and below
    # -600 the result is redone by _fix anyway
    xc = _clip(x, _NEG_700, _POS_800)
    # p = s(x) s(-x) = e/(1 + e)^2 from e = e^-|x| (as _logistic_density) and
    # s = s(x) = 1/(1 + e^-x) as the two rows of one buffer: their exp, +1 and
    # division are one call each (the same operations per element)
    ps = np.empty((2, x.shape[0]))
    p, s = ps[0], ps[1]  # not tuple unpacking: iterating costs ~0.4 us more
    np.copysign(xc, _NEG_ONE, out=p)
    np.negative(xc, out=s)
    np.exp(ps, out=ps)
    den = ps + _ONE
    d0 = den[0]
    d0 *= d0
    s.fill(1.0)
    np.divide(ps, den, out=ps)
    d = xc - _SILU_X0_HI
    d -= _SILU_X0_LO
    left = np.minimum(d, _TWO)  # used for x < -0.5 only: d < 0.8
    np.expm1(left, out=left)
    left *= _SILU_T0_A
    left += d
    left *= p
    # right = s + x p
    np.multiply(xc, p, out=o)
    o += s
    _blend(o, left, np.less, xc, _NEG_HALF, d)
    if _any_below(x, _DEEP_A):
        _fix(x, o, x < _DEEP, _one_plus_x_exp_x)


# ------------------------------------------------------------------------------ tanh
@_elementwise()
def tanh(x: F64, o: F64) -> None:
    r""":math:`\tanh x`."""
    np.tanh(x, out=o)


@_elementwise()
def tanh_grad(x: F64, o: F64) -> None:
    r""":math:`\operatorname{sech}^2 x = 4t/(1+t)^2` with :math:`t = e^{-2|x|}`."""
    np.abs(x, out=o)
    big = np.fmax.reduce(o) > 300.0
    if big:
        np.minimum(o, _POS_400, out=o)  # -2|x| would overflow
    o *= _NEG_TWO
    np.exp(o, out=o)
    d = o + _ONE
    d *= d
    o *= _FOUR
    o /= d
    if big:
        _fix(np.abs(x), o, np.abs(x) > 300.0, _four_exp_minus_2x)


def _four_exp_minus_2x(ax: F64) -> F64:
    # 4 e^{-2|x|} with e^{-2|x|} itself subnormal: square a normal e^{-|x|} instead
    e = np.exp(-ax)
    return (4.0 * e) * e


# x cosh x - sinh x = sum_{k>=1} 2k x^(2k+1) / (2k+1)!: positive terms, no cancellation;
# at |x| = 1.5 the 12th term is below 1e-17 of the sum, so 11 are kept
_TANHSHRINK_SERIES = tuple(2.0 * k / math.factorial(2 * k + 1) for k in range(1, 12))
_TANHSHRINK_SWITCH = 1.5  # beyond, x - tanh(x) loses at most ~1 ULP


@_elementwise()
def tanhshrink(x: F64, o: F64) -> None:
    r""":math:`x - \tanh x`.

    Near 0 the difference cancels (it is :math:`x^3/3`), so for
    :math:`|x| < 1.5` it is :math:`(x\cosh x - \sinh x)/\cosh x` with the numerator
    summed as :math:`\sum_{k\ge1} 2k\,x^{2k+1}/(2k+1)!`, whose terms are all of one sign.
    """
    np.tanh(x, out=o)
    np.subtract(x, o, out=o)
    if x.size <= 32:
        # a Python scan and loop beat ~30 ufunc calls on a tiny array: the same IEEE
        # operations in the same order as _tanhshrink_series, and NumPy's cosh (not
        # math.cosh, which differs in the last bit: values must not depend on the size)
        near: list[int] = []
        num: list[float] = []
        for i, v in enumerate(x.tolist()):
            if -_TANHSHRINK_SWITCH < v < _TANHSHRINK_SWITCH:
                y = v * v
                acc = _TANHSHRINK_SERIES[-1]
                for c in _TANHSHRINK_SERIES[-2::-1]:
                    acc = acc * y + c
                near.append(i)
                num.append((acc * y) * v)
        if near:
            r = np.array(num)
            r /= np.cosh(x[near])
            o[near] = r
        return
    idx = np.flatnonzero(np.abs(x) < _TANHSHRINK_SWITCH)
    if idx.size:
        o[idx] = _tanhshrink_series(x[idx])


def _tanhshrink_series(x: F64) -> F64:
    """The series form of tanhshrink on a fresh array ``x`` (overwritten)."""
    y = x * x
    acc = y * _TANHSHRINK_SERIES[-1]
    for coef in _TANHSHRINK_SERIES[-2:0:-1]:
        acc += coef
        acc *= y
    acc += _TANHSHRINK_SERIES[0]
    acc *= y
    acc *= x
    np.cosh(x, out=x)
    acc /= x
    return acc


@_elementwise()
def tanhshrink_grad(x: F64, o: F64) -> None:
    r""":math:`\tanh^2 x`."""
    np.tanh(x, out=o)
    o *= o


@_elementwise()
def mish(x: F64, o: F64) -> None:
    r""":math:`x \tanh(\operatorname{softplus}(x))`.

    With :math:`u = e^{-x}`, :math:`\tanh(\log(1 + 1/u)) = (1 + 2u)/(1 + 2u + 2u^2)`:
    all terms positive, so no cancellation on either side. Below :math:`x = -300`
    (:math:`2u^2` overflows from -354) the ratio is :math:`e^x` to every digit, and the
    result :math:`(x e^{x/2}) e^{x/2}`.
    """
    np.maximum(x, _MISH_DEEP, out=o)
    np.negative(o, out=o)
    np.exp(o, out=o)
    a = o + o
    a += _ONE
    o *= o
    o += o
    o += a
    np.divide(a, o, out=o)
    o *= x
    if np.fmin.reduce(x) < _MISH_DEEP:
        _fix(x, o, x < _MISH_DEEP, _x_exp_x)


_MISH_DEEP = -300.0


def _mish_grad_h(v: Any) -> Any:
    t = mpmath.exp(v)
    return t**3 + 4 * t**2 + 6 * t + 4 + 4 * v + 4 * v * t


# for x <= 0, mish'(x) = t h(x) / (n+2)^2 with h = t^3 + 4t^2 + 6t + 4 + 4x + 4xt,
# which vanishes at x0
_MISH_X0 = _root(_mish_grad_h, -1.19)
with mpmath.workdps(40):
    _t0 = mpmath.exp(mpmath.mpf(_MISH_X0[0]) + _MISH_X0[1])
    _MISH_C3, _MISH_C2, _MISH_C1 = (
        float(_t0**3),
        float(4 * _t0**2),
        float(_t0 * (6 + 4 * (mpmath.mpf(_MISH_X0[0]) + _MISH_X0[1]))),
    )
    _MISH_T0 = float(_t0)


# h(x0 + d) around its zero, m = expm1(d): m (A2 m^2 + A1 m + A0) + d (B0 + B1 m), with
# T^3(m^2+3m+3) + 4T^2(m+2) + T(6+4x0) regrouped; every coefficient positive
_MISH_A2 = _MISH_C3
_MISH_A1 = 3.0 * _MISH_C3 + _MISH_C2
_MISH_A0 = 3.0 * _MISH_C3 + 2.0 * _MISH_C2 + _MISH_C1
_MISH_B0 = 4.0 + 4.0 * _MISH_T0
_MISH_B1 = 4.0 * _MISH_T0
_MISH_K = tuple(map(_f64, (*_MISH_X0, _MISH_A2, _MISH_A1, _MISH_A0, _MISH_B0, _MISH_B1)))


# mish' by region (issue 14: one expression everywhere on x <= 0 reached 7 ULP near
# x = -0.1875 and 5 in the far left); every bound measured against the oracle on dense
# and random points (tests/test_numeric_holes.py)
_MISH_LEFT = -2.0  # below: h written directly, no cancellation left (4 ULP)
_MISH_NEAR0 = -0.4  # above (to 0): tanh(sp) + x sigma sech^2(sp) as two terms (3 ULP)


def _exp_neg_abs(x: F64) -> F64:
    """:math:`e^{-|x|}`."""
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    return e


# The formulas below update a few fresh buffers in place: a block's temporaries are
# 512 KiB each, and allocating one per operation cost mish' 30% of its time.


def _mish_grad_right(x: F64, u: F64) -> F64:
    """x > 0, in u = e^-x: (1 + 2u)/m + 4xu^2(1 + u)/m^2, m = 1 + 2u(1 + u) (3 ULP)."""
    v = u + _ONE
    v *= u  # u(1 + u)
    m = v + v
    m += _ONE  # m
    r = u * v
    r *= x
    r *= _FOUR
    r /= m  # 4xu^2(1 + u)/m
    r += u
    r += u
    r += _ONE
    r /= m
    return r


def _mish_grad_left(x: F64, t: F64) -> F64:
    """x < -2, with t = e^x, q = t(t + 2) + 2: (t/q)(h/q) with
    h = 4(1 + x) + t(6 + 4x + t(4 + t)); 1 + x is exact and dominates (4 ULP)."""
    q = t + _TWO
    q *= t
    q += _TWO  # q
    h = t + _FOUR
    h *= t
    w = x * _FOUR
    h += w
    h += _SIX
    h *= t  # t(6 + 4x + t(4 + t))
    w += _FOUR  # 4(1 + x) = 4x + 4 exactly here
    h += w
    h /= q
    np.divide(t, q, out=w)
    h *= w
    return h


def _mish_grad_x0(x: F64, t: F64) -> F64:
    """-2 <= x < -0.4: (h t / q) / q with h written around its zero x0 (d = x - x0,
    m = expm1(d)): A0 m + B0 d + m^2(A1 + A2 m) + B1 m d, every term with the sign of
    d, so no cancellation at x0; B0 d and the sum of the two leading terms are exact
    (Dekker, two-sum), the rest is small (4 ULP on 58,000 dense points; 5 with h in
    plain Horner form). d is capped at 5 only so that the formula stays finite where
    another region's value is kept."""
    x0_hi, x0_lo, a2, a1, a0, b0, b1 = _MISH_K
    d_hi = np.minimum(x - x0_hi, _FIVE)  # exact (Sterbenz) where this region is kept
    m_hi = np.expm1(d_hi)
    # d = d_hi - x0_lo and m = expm1(d) to first order in x0_lo: rounding d first, then
    # taking expm1 of it, cost a ULP (5 ULP at x = -0.6346)
    m = m_hi - (_ONE + m_hi) * x0_lo
    d = d_hi - x0_lo
    p1 = m * a0
    p2, e2 = _two_prod_split(d, b0, _MISH_B0_SPLIT)
    s = p1 + p2
    bb = s - p1
    small = ((p1 - (s - bb)) + (p2 - bb)) + e2 + m * m * (a1 + a2 * m) + b1 * m * d
    h = s + small
    q = t * (t + _TWO) + _TWO
    return (h * t / q) / q


def _two_prod_split(a: F64, b: F64, b_split: tuple[F64, F64]) -> tuple[F64, F64]:
    """:func:`_two_prod` with ``b`` (a constant) split once, ahead of time."""
    p = a * b
    ah, al = _split(a)
    bh, bl = b_split
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


_MISH_B0_SPLIT = _split(_MISH_K[5])


def _mish_grad_near0(x: F64, t: F64) -> F64:
    """-0.4 <= x <= 0 (and nan): n/q + 4xt(1 + t)/q^2, n = t(t + 2), q = n + 2: the
    tanh(sp(x)) term dominates the small negative one (3 ULP)."""
    n = t * (t + _TWO)
    q = n + _TWO
    return n / q + _FOUR * x * t * (_ONE + t) / (q * q)


@_elementwise()
def mish_grad(x: F64, o: F64) -> None:
    r""":math:`\tanh(\operatorname{sp}(x)) + x\,\sigma(x)\operatorname{sech}^2(\operatorname{sp}(x))`.

    With :math:`t = e^x`, :math:`n = t(t+2)` (so :math:`\tanh(\operatorname{sp}) = n/(n+2)`)
    it is :math:`t\,h(x)/(n+2)^2`, :math:`h = t^3 + 4t^2 + 6t + 4 + 4x(1+t)`, which
    vanishes at :math:`x_0 \approx -1.1924`. Four regions, each in the form that holds
    the budget there: :func:`_mish_grad_left` (x < -2), :func:`_mish_grad_x0`
    (around the zero), :func:`_mish_grad_near0` (-0.4 <= x <= 0),
    :func:`_mish_grad_right` (x > 0); below -600, :math:`(1 + x)e^x`.
    """
    xc = _clip(x, _NEG_800, _POS_800)
    right = xc > _ZERO
    left = xc < _MISH_LEFT
    near0 = ~(right | (xc < _MISH_NEAR0))  # nan goes here and stays nan
    mid = ~(right | left | near0)
    _by_region(
        o,
        xc,
        _exp_neg_abs,  # e^x left of 0, e^-x right of it
        (
            (right, _mish_grad_right),
            (left, _mish_grad_left),
            (mid, _mish_grad_x0),
            (near0, _mish_grad_near0),
        ),
    )
    if np.fmin.reduce(x) < _DEEP:
        _fix(x, o, x < _DEEP, _one_plus_x_exp_x)


# ----------------------------------------------------------------------- erf-based GELU
_SQRT_PI_2 = _f64(1.2533141373155003)  # sqrt(pi/2)
_NEG_SQRT1_2 = _f64(-_SQRT1_2)
_INV_SQRT_2PI_A = _f64(_INV_SQRT_2PI)
_GELU_TAIL_F = -0.7  # a float, to compare a NumPy scalar with (~0.5 us cheaper)
_GELU_TAIL = _f64(_GELU_TAIL_F)  # below, Phi(x) = erfcx(t) e^{-x^2/2} / 2 with the square split
# up to this many elements a kernel evaluates every branch on the whole block and
# selects: cheaper than gathering subsets (~2 us of fixed cost per region)
_SMALL = 256


def _exp_neg_half_square(x: F64) -> F64:
    r""":math:`e^{-x^2/2}` with :math:`x = h + l` split so that :math:`h^2` is exact:
    :math:`e^{-h^2/2}\,e^{-(x+h)l/2}`. Rounding :math:`x^2` first would cost
    :math:`x^2/2` ULP (700 ULP where the result is still a normal float).
    Needs :math:`|x| < 10^{150}`.
    """
    # h and l are the two rows of one buffer: the scaling and the exp of both are one
    # call each (the same operations per element, two ufunc calls fewer)
    hl: F64 = np.empty((2, x.shape[0]))
    h: F64 = hl[0]
    lo: F64 = hl[1]
    np.multiply(x, _SPLITTER, out=h)
    h -= h - x
    np.subtract(x, h, out=lo)
    lo *= x + h
    h *= h
    hl *= _NEG_HALF
    np.exp(hl, out=hl)
    h *= lo
    return h


def _gelu_head(x: F64, o: F64) -> None:
    # x >= -0.7, nan or +inf: x/2 erfc(-x/sqrt2) (erfc is exactly 2 beyond x = 9)
    np.multiply(x, _NEG_SQRT1_2, out=o)
    special.erfc(o, out=o)
    o *= _HALF  # first: 2 x overflows at the largest x
    o *= x


def _gelu_tail(x: F64, o: F64) -> None:
    # -inf <= x < -0.7: x/2 erfcx(t) e^{-x^2/2}; gelu(-40) already underflows to 0
    xc = np.maximum(x, _NEG_40)
    np.multiply(xc, _NEG_SQRT1_2, out=o)
    special.erfcx(o, out=o)
    o *= xc
    o *= _HALF
    o *= _exp_neg_half_square(xc)


def _split_regions(x: F64, o: F64, below: NDArray[np.bool_], lo_fn: Kernel, hi_fn: Kernel) -> None:
    """``o = lo_fn(x)`` where ``below``, ``hi_fn(x)`` elsewhere, each on its subset only
    (the caller has seen an element below)."""
    idx = np.flatnonzero(below)
    if idx.size == x.size:
        lo_fn(x, o)
        return
    for fn, where in ((lo_fn, idx), (hi_fn, np.flatnonzero(~below))):
        xs = x[where]
        os = np.empty_like(xs)
        fn(xs, os)
        o[where] = os


@_elementwise()
def gelu(x: F64, o: F64) -> None:
    r""":math:`x\,\Phi(x) = \frac{x}{2}\operatorname{erfc}(-x/\sqrt2)`.

    Left of :math:`x = -0.7` the erfc form loses accuracy (its argument is rounded and
    :math:`\operatorname{erfc}` amplifies that by :math:`2t^2`; SciPy's erfc squares it
    again), so there :math:`\Phi(x) = \operatorname{erfcx}(t)\,e^{-x^2/2}/2` with
    :math:`x^2` split exactly. Each form runs only on its own elements.
    """
    _gelu_regions(x, o, _gelu_tail, _gelu_head)


def _gelu_regions(
    x: F64, o: F64, tail: Callable[[F64, F64], None], head: Callable[[F64, F64], None]
) -> None:
    """``head`` right of -0.7, ``tail`` left of it: small blocks compute both and
    pick, large ones split the elements."""
    if x.size <= _SMALL:
        below = np.less(x, _GELU_TAIL)
        k = np.count_nonzero(below)
        if k == 0:  # also all-nan
            head(x, o)
        elif k == x.size:
            tail(x, o)
        else:
            head(np.maximum(x, _GELU_TAIL), o)
            t = np.empty(x.shape[0])
            tail(np.minimum(x, _GELU_TAIL), t)
            np.putmask(o, below, t)
    elif not np.fmin.reduce(x) < _GELU_TAIL_F:  # also all-nan
        head(x, o)
    else:
        _split_regions(x, o, x < _GELU_TAIL, tail, head)


def _gelu_grad_head(x: F64, o: F64) -> None:
    # x >= -0.7: Phi(x) + x phi(x); x^2/2 < 800 here costs the small x phi term little
    xc = np.minimum(x, _POS_40)  # inf * 0
    np.multiply(xc, _NEG_SQRT1_2, out=o)
    special.erfc(o, out=o)
    o *= _HALF
    p = xc * xc
    p *= _NEG_HALF
    np.exp(p, out=p)
    p *= _INV_SQRT_2PI_A
    p *= xc
    o += p


def _gelu_grad_tail(x: F64, o: F64) -> None:
    # x < -0.7: phi(x) (sqrt(pi/2) erfcx(t) + x), the square split
    xc = np.maximum(x, _NEG_40)
    np.multiply(xc, _NEG_SQRT1_2, out=o)
    special.erfcx(o, out=o)
    o *= _SQRT_PI_2
    o += xc
    o *= _exp_neg_half_square(xc)
    o *= _INV_SQRT_2PI_A


# below this, e^{-x^2/2} is subnormal (from x = -37.64) while gelu'(x) ~ -x phi(x) is
# still normal (to x = -37.71): the tail's product would lose bits (15 ULP, issue 14)
_GELU_GRAD_DEEP = -37.0


def _gelu_grad_deep(x: F64) -> F64:
    r"""x < -37: the tail's :math:`\varphi(x)(\sqrt{\pi/2}\operatorname{erfcx}(t) + x)`
    with :math:`e^{-x^2/2} = (e^{-h^2/4})^2 e^{-(x-h)(x+h)/2}` (:math:`x = h + l`,
    :math:`h^2` exact), multiplied into the normal-sized factor one at a time: no
    intermediate is subnormal before the result is (2 ULP measured)."""
    xc = np.maximum(x, _NEG_40)
    h = xc * _SPLITTER
    h = h - (h - xc)
    a = (special.erfcx(xc * _NEG_SQRT1_2) * _SQRT_PI_2 + xc) * _INV_SQRT_2PI_A
    q = np.exp((h * h) * _NEG_QUARTER)
    r = np.exp(((xc - h) * (xc + h)) * _NEG_HALF)
    return ((a * q) * r) * q


@_elementwise()
def gelu_grad(x: F64, o: F64) -> None:
    r""":math:`\Phi(x) + x\,\varphi(x) = \varphi(x)\,(\sqrt{\pi/2}\operatorname{erfcx}(-x/\sqrt2) + x)`.

    The first form right of -0.7, the second left of it; around the zero
    :math:`x_0 \approx -0.7518`, where either cancels, :math:`\varphi(x) N(x)` with the
    Taylor series of :math:`N = G/\varphi` (:func:`_gelu_grad_coefficients`); below
    -37, the tail with :math:`e^{-x^2/2}` in factors (:func:`_gelu_grad_deep`).
    """
    _gelu_regions(x, o, _gelu_grad_tail, _gelu_grad_head)
    if x.size <= 32:  # a Python scan is cheaper than three ufuncs and flatnonzero
        near = [i for i, v in enumerate(x.tolist()) if _GELU_GRAD_LO < v < _GELU_GRAD_HI]
        if near:
            o[near] = _gelu_grad_near_zero(x[near])
    elif np.fmin.reduce(x) < _GELU_GRAD_HI and np.fmax.reduce(x) > _GELU_GRAD_LO:
        idx = np.flatnonzero((x > _GELU_GRAD_LO) & (x < _GELU_GRAD_HI))
        if idx.size:
            o[idx] = _gelu_grad_near_zero(x[idx])
    if np.fmin.reduce(x) < _GELU_GRAD_DEEP:
        _fix(x, o, x < _GELU_GRAD_DEEP, _gelu_grad_deep)


def _gelu_grad_coefficients() -> tuple[float, ...]:
    """Taylor coefficients of :math:`N = G/\varphi` at its zero :math:`x_0`.

    :math:`N = \\Phi/\varphi + x` obeys :math:`N' = 2 - x^2 + xN`, hence
    :math:`N^{(k+1)} = x N^{(k)} + k N^{(k-1)}` for :math:`k \\ge 3`.
    """
    with mpmath.workdps(50):
        x0 = mpmath.mpf(_GELU_X0[0]) + _GELU_X0[1]
        n0 = mpmath.ncdf(x0) / mpmath.npdf(x0) + x0  # 0 up to the root's accuracy
        ders = [n0, 2 - x0**2 + x0 * n0]
        ders.append(-2 * x0 + x0 * ders[1] + n0)
        ders.append(-2 + x0 * ders[2] + 2 * ders[1])
        for k in range(3, 40):
            ders.append(x0 * ders[k] + k * ders[k - 1])
        coefs = [ders[k] / mpmath.factorial(k) for k in range(len(ders))]
        radius = max(_GELU_X0[0] - _GELU_GRAD_LO, _GELU_GRAD_HI - _GELU_X0[0])
        # keep terms until they are far below the linear term at the window's edge
        last = next(k for k in range(2, len(coefs)) if abs(coefs[k]) * radius ** (k - 1) < 1e-19)
        return tuple(float(c) for c in coefs[1 : last + 1])


_GELU_X0 = _root(lambda v: mpmath.ncdf(v) + v * mpmath.npdf(v), -0.75)
# where Phi(x) and x phi(x) cancel by more than a few ULP (measured)
_GELU_GRAD_LO, _GELU_GRAD_HI = -1.35, -0.42
_GELU_GRAD_N = _gelu_grad_coefficients()


def _gelu_grad_near_zero(x: F64) -> F64:
    """gelu' around its zero: :math:`\varphi(x) N(x)` with :math:`N` by its Taylor series.

    In the window :math:`x^2/2 < 1`, so the plain :math:`e^{-x^2/2}` is within 1 ULP.
    A few elements are summed in Python floats (the same IEEE operations): 24 ufunc
    calls on a tiny array cost more than the loop. The exponential is NumPy's either
    way (math.exp differs in the last bit: values must not depend on the size).
    """
    if x.size <= 4:
        vals = []
        for v in x.tolist():
            dv = (v - _GELU_X0[0]) - _GELU_X0[1]
            av = _GELU_GRAD_N[-1]
            for c in _GELU_GRAD_N[-2::-1]:
                av = av * dv + c
            vals.append(av * dv)
        e = x * x
        e *= _NEG_HALF
        np.exp(e, out=e)
        e *= _INV_SQRT_2PI_A
        e *= np.array(vals)
        return e
    d = x - _GELU_X0[0]
    d -= _GELU_X0[1]
    acc = np.full_like(d, _GELU_GRAD_N[-1])
    for c in _GELU_GRAD_N[-2::-1]:
        acc *= d
        acc += c
    acc *= d
    e = x * x
    e *= _NEG_HALF
    np.exp(e, out=e)
    e *= _INV_SQRT_2PI_A
    acc *= e
    return acc


# gelu_tanh: 2z = A x + B x^3, A = 2 sqrt(2/pi), B = A c, c = 0.044715 (exactly, as in
# the SymPy expression). x is split into a 13-bit head h and a tail l, so h^3 (39 bits)
# is exact; A and B are split into a 40-bit and a 14-bit head, so A1 h and B1 h^3 are
# exact too, and everything else is 2^-13 of the result or less.
def _bits(v: float, n: int) -> float:
    """``v`` rounded to ``n`` significant bits."""
    m, e = math.frexp(v)
    return math.ldexp(round(m * 2**n), e - n)


with mpmath.workdps(40):
    _S = float(mpmath.sqrt(2 / mpmath.pi))
    _C0 = mpmath.mpf(44715) / 10**6
    _A = 2 * mpmath.sqrt(2 / mpmath.pi)
    _B = _A * _C0
    _A1 = _bits(float(_A), 40)
    _B1 = _bits(float(_B), 14)
    _GT_K = tuple(
        map(_f64, (2.0**40 + 1.0, _A1, float(_A - _A1), _B1, float(_B - _B1), float(_B)))
    )


def _gelu_tanh_2z(x: F64) -> tuple[F64, F64]:
    """``2z = A x + B x^3`` as a double-double ``hi + lo`` (|x| <= 50), to ~2^-63.

    Far left the result is :math:`x e^{2z}`: a rounded :math:`2z` would cost
    :math:`|2z|` ULP, up to 700.
    """
    split, a1, a2, b1, b2, b = _GT_K
    h = x * split
    h -= h - x  # the 13-bit head (Veltkamp)
    lo = x - h
    h3 = h * h
    t = x * x
    t += x * h
    t += h3
    t *= lo  # x^3 - h^3 = l (x^2 + x h + h^2)
    h3 *= h
    t *= b
    t += a2 * x
    t += h3 * b2
    lo *= a1
    t += lo  # the small terms: l A1 + x A2 + h^3 B2 + (x^3 - h^3) B
    h *= a1  # exact
    h3 *= b1  # exact
    hi = h + h3  # two-sum: hi + e = A1 h + B1 h^3 exactly
    bb = hi - h
    h -= hi - bb
    h3 -= bb
    h += h3
    h += t
    # renormalise: sigma(hi + lo) is corrected to first order in lo, so lo must be tiny
    s = hi + h
    hi -= s
    h += hi
    return s, h


def _gelu_tanh_h(v: Any) -> Any:
    s = mpmath.sqrt(2 / mpmath.pi)
    c = mpmath.mpf(44715) / 10**6
    return 1 + mpmath.exp(2 * s * (v + c * v**3)) + 2 * v * s * (1 + 3 * c * v**2)


_GELU_TANH_X0 = _root(_gelu_tanh_h, -0.75)
with mpmath.workdps(40):
    _x0 = mpmath.mpf(_GELU_TANH_X0[0]) + _GELU_TANH_X0[1]
    _GELU_TANH_E0 = float(mpmath.exp(2 * _S * (_x0 + _C0 * _x0**3)))
_GELU_TANH_2S = 2.0 * _S
_GT_G = tuple(
    map(
        _f64,
        (
            *_GELU_TANH_X0,
            _GELU_TANH_X0[0] ** 2,
            _GELU_TANH_E0,
            _GELU_TANH_2S,
            _GELU_TANH_C,
            3.0 * _GELU_TANH_C,
        ),
    )
)


# below, sigma(2z) = e^{2z} (1 + e^{2z} rounds to 1) and is subnormal from x = -21.07,
# while x sigma(2z) and the derivative are still normal: there e^{2z} is taken in halves
_GELU_TANH_DEEP = -20.0


def _gelu_tanh_deep(x: F64, grad: bool) -> F64:
    r""":math:`x e^{2z}` or :math:`(1 + 2xz') e^{2z}` as :math:`((\cdot)(1 + L) e^{H/2}) e^{H/2}`:
    no subnormal intermediate (the first-order :math:`\sigma(H + L)` would have one)."""
    xc = np.maximum(x, _NEG_50)
    hi, lo = _gelu_tanh_2z(xc)
    hi *= _HALF
    np.exp(hi, out=hi)
    lo += _ONE
    if grad:
        _, _, _, _, two_s, _, c3 = _GT_G
        lo *= _ONE + two_s * xc * (_ONE + c3 * xc * xc)
    else:
        lo *= xc
    lo *= hi
    lo *= hi
    return lo


def _sigmoid_2z(x: F64) -> tuple[F64, F64, F64]:
    r"""``(s, sm, xc)``: :math:`\sigma(2z)`, :math:`\sigma(-2z)` and ``x`` clipped to ±50.

    :math:`\sigma(H + L) = \sigma(H)(1 + L\,\sigma(-H))` to first order.
    """
    xc = _clip(x, _NEG_50, _POS_50)  # sigma(2z) is 0 or 1 to every digit beyond
    hi, lo = _gelu_tanh_2z(xc)
    # e = e^{-H}, s = 1/(1 + e), sm = e s: one exp instead of two expit calls (~10x
    # dearer each). |H| <= 700 keeps e finite; beyond, s and sm are 1 and 0 or x < -20,
    # which _gelu_tanh_deep redoes.
    _clip(hi, _NEG_700, _POS_700, out=hi)
    np.negative(hi, out=hi)
    e = np.exp(hi, out=hi)
    s = e + _ONE
    np.divide(_ONE, s, out=s)
    sm = e
    sm *= s
    lo *= s
    lo *= sm
    s += lo
    return s, sm, xc


@_elementwise()
def gelu_tanh(x: F64, o: F64) -> None:
    r""":math:`\frac{x}{2}\bigl(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3))\bigr) = x\,\sigma(2z)`.

    :math:`2z` is carried as a double-double and :math:`\sigma(2z)` corrected to first
    order, :math:`\sigma(H + L) = \sigma(H)(1 + L\,\sigma(-H))`.
    """
    s, _, _ = _sigmoid_2z(x)
    np.maximum(x, _NEG_50, out=o)
    o *= s
    if np.fmin.reduce(x) < _GELU_TANH_DEEP:
        _fix(x, o, x < _GELU_TANH_DEEP, lambda v: _gelu_tanh_deep(v, False))


@_elementwise()
def gelu_tanh_grad(x: F64, o: F64) -> None:
    r""":math:`\sigma(2z) + 2x\,\sigma(2z)\sigma(-2z)\,z'`, :math:`z' = \sqrt{2/\pi}(1+3cx^2)`.

    Equal to :math:`\sigma(2z)\sigma(-2z)\,h` with :math:`h = 1 + e^{2z} + 2xz'`, which
    vanishes at :math:`x_0 \approx -0.7517`. For :math:`x < 0` :math:`h` is written around
    :math:`x_0` (:math:`d = x - x_0`, :math:`q = x^2 + x x_0 + x_0^2`) as
    :math:`e^{2z_0}\operatorname{expm1}(2\sqrt{2/\pi}\,d(1+cq)) + 2\sqrt{2/\pi}\,d(1+3cq)`,
    two terms of the sign of :math:`d`: no cancellation.
    """
    x0_hi, x0_lo, x0_sq, e0, two_s, c, c3 = _GT_G
    s, sm, xc = _sigmoid_2z(x)
    sm *= s  # sigma(2z) sigma(-2z)
    # left: sm h, with h around x0
    d = xc - x0_hi
    d -= x0_lo
    d *= two_s  # 2S d
    q = xc + x0_hi
    q *= xc
    q += x0_sq  # x^2 + x x0 + x0^2
    arg = q * c
    q *= c3
    q += _ONE
    q *= d  # 2S d (1 + 3cq)
    arg += _ONE
    arg *= d
    np.minimum(arg, _TWO, out=arg)
    np.expm1(arg, out=arg)
    arg *= e0
    arg += q
    arg *= sm
    # right: s + 2S x (1 + 3c x^2) s sm
    np.multiply(xc, xc, out=o)
    o *= c3
    o += _ONE
    o *= xc
    o *= two_s
    o *= sm
    o += s
    _blend(o, arg, np.less, xc, _ZERO, d)
    if np.fmin.reduce(x) < _GELU_TANH_DEEP:
        _fix(x, o, x < _GELU_TANH_DEEP, lambda v: _gelu_tanh_deep(v, True))


# --------------------------------------------------------------------- piecewise linear
@_elementwise(native=True)
def identity(x: FArray, o: FArray) -> None:
    r""":math:`x`."""
    np.copyto(o, x)


@_elementwise(native=True)
def identity_grad(x: FArray, o: FArray) -> None:
    r""":math:`1`."""
    o.fill(1.0)
    _restore_nan(x, o)


@_elementwise(native=True)
def relu(x: FArray, o: FArray) -> None:
    r""":math:`\max(0, x)`."""
    np.maximum(x, 0.0, out=o)


@_elementwise(native=True)
def relu_grad(x: FArray, o: FArray) -> None:
    r""":math:`1` for :math:`x > 0`, else 0. By convention relu'(0) = 0."""
    np.greater(x, 0.0, out=o)
    _restore_nan(x, o)


def _exact_in(dt: np.dtype[Any], *values: float) -> bool:
    """Whether every value is exactly representable in the float dtype ``dt``."""
    with np.errstate(over="ignore"):  # a value beyond dt's range is not representable
        return all(float(dt.type(v)) == v for v in values)


def _slope_native(dt: np.dtype[Any], a: float = 0.01) -> bool:
    r"""Whether ``fl(fl(a) x)`` in ``dt`` is within 1 ULP of :math:`a x` (0 <= a <= 1).

    The product is rounded once (1/2 ULP); rounding ``a`` to ``dt`` adds
    :math:`|a - fl(a)|/|a| \cdot 2^p` ULP at most (p bits of precision), kept <= 1/2.
    0.01 adds 0.37 ULP in float32, 0.44 in float16. ``a > 1`` could overflow.
    """
    if not 0.0 <= a <= 1.0:
        return False
    with np.errstate(under="ignore"):
        err = abs(float(dt.type(a)) - a)
    return err <= a * 2.0 ** -(np.finfo(dt).nmant + 2)


@_elementwise(native_if=_slope_native)
def leaky_relu(x: FArray, o: FArray, negative_slope: float = 0.01) -> None:
    r""":math:`x` for :math:`x > 0`, :math:`a x` otherwise.

    As :math:`\max(x, a x)` for :math:`a \le 1` (:math:`\min` above): no branch.
    Native in float16/32 when that is within 1 ULP (:func:`_slope_native`).
    """
    if negative_slope == 0.0:
        np.maximum(x, 0.0, out=o)
        return
    # a > 1 or a < 0: a x of a large positive x overflows, but it is not the result
    # (min(x, inf) = x, max(x, -inf) = x); where it is, inf is the right answer
    # (issue 14: a warning before)
    with np.errstate(over="ignore"):
        np.multiply(x, negative_slope, out=o)
    (np.maximum if negative_slope <= 1.0 else np.minimum)(x, o, out=o)


@_elementwise(native=True)
def leaky_relu_grad(x: FArray, o: FArray, negative_slope: float = 0.01) -> None:
    r""":math:`1` for :math:`x > 0`, else :math:`a`. By convention leaky_relu'(0) = a."""
    np.greater(x, 0.0, out=o)
    if 0.0 <= negative_slope <= 1.0:
        np.maximum(o, negative_slope, out=o)  # {0, 1} -> {a, 1}
    else:
        # a beyond float16/32's range is inf there, rightly (cast silently, issue 14)
        with np.errstate(over="ignore"):
            a = o.dtype.type(negative_slope)
        np.putmask(o, np.less_equal(x, 0.0), a)
    _restore_nan(x, o)


@_elementwise(native=True)
def relu6(x: FArray, o: FArray) -> None:
    r""":math:`\min(\max(0, x), 6)`."""
    _clip(x, 0.0, 6.0, out=o)


def _inside(x: FArray, o: FArray, lo: float, hi: float, value: float = 1.0) -> None:
    """``o = value`` on the open interval (lo, hi), else 0; nan stays nan."""
    np.greater(x, lo, out=o)
    o *= np.less(x, hi)
    if value != 1.0:
        o *= value
    _restore_nan(x, o)


@_elementwise(native=True)
def relu6_grad(x: FArray, o: FArray) -> None:
    r""":math:`1` on :math:`(0, 6)`, else 0. By convention relu6'(0) = relu6'(6) = 0."""
    _inside(x, o, 0.0, 6.0)


@_elementwise(native=True)
def hardtanh(x: FArray, o: FArray, min_val: float = -1.0, max_val: float = 1.0) -> None:
    r""":math:`\min(\max(x, a), b)`."""
    if x.dtype != _F64:
        # native: a bound beyond float16/32's range is that dtype's infinity, the
        # correctly rounded bound (cast silently, issue 14)
        with np.errstate(over="ignore"):
            min_val, max_val = x.dtype.type(min_val), x.dtype.type(max_val)
    _clip(x, min_val, max_val, out=o)


@_elementwise()
def hardtanh_grad(x: F64, o: F64, min_val: float = -1.0, max_val: float = 1.0) -> None:
    r""":math:`1` on :math:`(a, b)`, else 0 (PyTorch: 0 at both ends)."""
    _inside(x, o, min_val, max_val)


@_elementwise()
def hardsigmoid(x: F64, o: F64) -> None:
    r""":math:`\min(\max(0, x + 3), 6) / 6`."""
    np.add(x, _THREE, out=o)
    _clip(o, _ZERO, _SIX, out=o)
    o /= _SIX


@_elementwise(native=True)
def hardsigmoid_grad(x: FArray, o: FArray) -> None:
    r""":math:`1/6` on :math:`(-3, 3)`, else 0 (PyTorch: 0 at ±3)."""
    _inside(x, o, -3.0, 3.0, 1.0 / 6.0)


@_elementwise()
def hardswish(x: F64, o: F64) -> None:
    r""":math:`x \min(\max(0, x + 3), 6) / 6`."""
    xc = np.maximum(x, _NEG_FOUR)  # -inf * 0
    np.add(xc, _THREE, out=o)
    _clip(o, _ZERO, _SIX, out=o)
    o /= _SIX  # x * 6 would overflow first
    o *= xc


@_elementwise()
def hardswish_grad(x: F64, o: F64) -> None:
    r""":math:`(2x + 3)/6` on :math:`(-3, 3)`, 0 below, 1 above (PyTorch: 0 at -3, 1 at 3)."""
    _clip(x, _NEG_THREE, _THREE, out=o)
    o *= _TWO
    o += _THREE
    o /= _SIX
    o *= (x > -3.0) & (x < 3.0)
    o += x >= 3.0  # the two weights are never both 1: exact
    _restore_nan(x, o)


def _lambd_native(dt: np.dtype[Any], lambd: float = 0.5) -> bool:
    """The shrinks are exact (or rounded once) in any dtype that holds ``lambd``."""
    return _exact_in(dt, lambd)


@_elementwise(native_if=_lambd_native)
def softshrink(x: FArray, o: FArray, lambd: float = 0.5) -> None:
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below :math:`-\lambda`, else 0."""
    # x - clip(x, -l, l) is exactly that, rounded once (Sterbenz: exact near the kinks)
    _clip(x, -lambd, lambd, out=o)
    np.subtract(x, o, out=o)  # +-inf minus a finite clip stays +-inf; nan stays nan


@_elementwise(native_if=_lambd_native)
def softshrink_grad(x: FArray, o: FArray, lambd: float = 0.5) -> None:
    r""":math:`1` where :math:`|x| > \lambda`, else 0 (0 at the kinks)."""
    np.abs(x, out=o)
    np.greater(o, lambd, out=o)
    _restore_nan(x, o)


@_elementwise(native_if=_lambd_native)
def hardshrink(x: FArray, o: FArray, lambd: float = 0.5) -> None:
    r""":math:`x` where :math:`|x| > \lambda`, else 0."""
    np.abs(x, out=o)
    np.greater(o, lambd, out=o)
    o *= x  # the weight is 1 at +-inf, 0 only for finite x; nan stays nan


@_elementwise(native_if=_lambd_native)
def hardshrink_grad(x: FArray, o: FArray, lambd: float = 0.5) -> None:
    r""":math:`1` where :math:`|x| > \lambda`, else 0 (0 at the jumps)."""
    np.abs(x, out=o)
    np.greater(o, lambd, out=o)
    _restore_nan(x, o)
