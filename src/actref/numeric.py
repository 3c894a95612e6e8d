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

F64 = NDArray[np.float64]
FArray = NDArray[Any]  # float16/32/64: the input dtype is kept

_NAN = np.float64(np.nan)
_MAX = float(np.finfo(np.float64).max)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

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
_NEG_FOUR = _f64(-4.0)
_NEG_THREE = _f64(-3.0)
_ZERO = _f64(0.0)
_HALF = _f64(0.5)
_ONE = _f64(1.0)
_TWO = _f64(2.0)
_THREE = _f64(3.0)
_SIX = _f64(6.0)
_POS_1E150 = _f64(1e150)
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


def _fix(
    x: FArray, out: FArray, region: NDArray[np.bool_], fn: Callable[[FArray], FArray]
) -> None:
    """``out = fn(x)`` on ``region`` only: for rare, narrow regions that need a costlier
    formula than the one the whole block got."""
    idx = np.flatnonzero(region)
    if idx.size:
        out[idx] = fn(x[idx])


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


# ------------------------------------------------------------------ exponential linear
@_elementwise()
def elu(x: F64, o: F64, alpha: float = 1.0) -> None:
    r""":math:`x` for :math:`x > 0`, :math:`\alpha(e^x - 1)` otherwise."""
    # alpha expm1(min(x, 0)) is 0 for x >= 0, so adding max(x, 0) selects exactly
    np.minimum(x, _ZERO, out=o)
    np.expm1(o, out=o)
    if alpha != 1.0:
        o *= alpha
    o += np.maximum(x, _ZERO)


@_elementwise()
def elu_grad(x: F64, o: F64, alpha: float = 1.0) -> None:
    r""":math:`1` for :math:`x > 0`, :math:`\alpha e^x` otherwise (so elu'(0) = alpha)."""
    if alpha == 1.0:
        np.exp(np.minimum(x, _ZERO, out=o), out=o)  # e^min(x, 0) is 1 for x >= 0
        return
    _one_or_scaled_exp(x, o, alpha, 1.0)
    if alpha > 1.0 and np.fmin.reduce(x) < _ELU_DEEP:
        # e^x subnormal (or 0) where alpha e^x is not: (alpha e^{x/2}) e^{x/2}, every
        # factor normal (489 ULP at alpha = 1000, 8.3e6 at 1e10 before; 2 ULP)
        _fix(x, o, x < _ELU_DEEP, lambda v: (alpha * np.exp(v * _HALF)) * np.exp(v * _HALF))


_ELU_DEEP = -700.0


def _one_or_scaled_exp(x: F64, o: F64, scale: float, one: float) -> None:
    """``o = one`` where x > 0, ``scale * e^x`` elsewhere (nan stays nan)."""
    np.minimum(x, _ZERO, out=o)
    np.exp(o, out=o)
    o *= scale
    # blend with 0/1 weights: both sides finite, so exact either way
    w = np.greater(x, _ZERO, out=np.empty_like(o))
    o *= _ONE - w
    w *= one
    o += w


# the correctly rounded product (the float product is 1 ULP low): selu(-inf) = -scale*alpha
with mpmath.workdps(60):
    _SELU_SA_EXACT = float(
        mpmath.mpf("1.0507009873554804934193349852946")
        * mpmath.mpf("1.6732632423543772848170429916717")
    )
# the derivative keeps the float product: it is the registry's Kink.grad at 0
_SELU_SA = SELU_SCALE * SELU_ALPHA


@_elementwise()
def selu(x: F64, o: F64) -> None:
    r""":math:`\lambda x` for :math:`x > 0`, :math:`\lambda\alpha(e^x - 1)` otherwise."""
    np.minimum(x, _ZERO, out=o)
    np.expm1(o, out=o)
    o *= _SELU_SA_EXACT
    pos = np.maximum(x, _ZERO)
    if np.fmax.reduce(pos) > _MAX / SELU_SCALE:
        with np.errstate(over="ignore"):  # lambda * x > max is inf, the rounded true value
            pos *= SELU_SCALE
    else:
        pos *= SELU_SCALE
    o += pos


@_elementwise()
def selu_grad(x: F64, o: F64) -> None:
    r""":math:`\lambda` for :math:`x > 0`, :math:`\lambda\alpha e^x` otherwise."""
    _one_or_scaled_exp(x, o, _SELU_SA, SELU_SCALE)


@_elementwise()
def celu(x: F64, o: F64, alpha: float = 1.0) -> None:
    r""":math:`\max(0, x) + \min(0, \alpha(e^{x/\alpha} - 1))`."""
    np.minimum(x, _ZERO, out=o)
    if alpha != 1.0:
        np.maximum(o, -800.0 * alpha, out=o)  # expm1 is -1 long before; x/alpha overflows
        o /= alpha
    np.expm1(o, out=o)
    if alpha != 1.0:
        o *= alpha
    if alpha > 1.0:
        # x/alpha subnormal (|x| < alpha * 2.2e-308): it has lost bits that alpha
        # multiplies back, while the result, x to every digit, is normal (416 ULP at
        # alpha = 1000, x = -2.2e-308 before)
        tiny = np.abs(x) < alpha * _SMALLEST_NORMAL  # 0 where x >= 0, as already
        _fix(x, o, tiny, lambda v: np.minimum(v, _ZERO))
    o += np.maximum(x, _ZERO)


_SMALLEST_NORMAL = float(np.finfo(np.float64).smallest_normal)


@_elementwise()
def celu_grad(x: F64, o: F64, alpha: float = 1.0) -> None:
    r""":math:`1` for :math:`x > 0`, :math:`e^{x/\alpha}` otherwise.

    For :math:`\alpha \ne 1` the quotient is corrected by its exact remainder
    (:math:`e^{q + r/\alpha} \approx e^q(1 + r/\alpha)`): a rounded :math:`x/\alpha` would
    cost :math:`|x/\alpha|` ULP far left.
    """
    if alpha == 1.0:
        np.exp(np.minimum(x, _ZERO, out=o), out=o)  # e^min(x, 0) is 1 for x >= 0
        return
    xn = np.minimum(x, _ZERO)
    # e^{x/alpha} is 0 long before; keeps q and its split finite (alpha <= 1e300)
    np.maximum(xn, -800.0 * alpha, out=xn)
    q = xn / alpha
    p, e = _two_prod(q, alpha)
    r = ((xn - p) - e) / alpha
    np.exp(q, out=o)
    r += _ONE
    o *= r
    w = np.greater(x, _ZERO, out=r)
    o *= _ONE - w
    o += w


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


# ------------------------------------------------------------------------ algebraic
@_elementwise()
def softsign(x: F64, o: F64) -> None:
    r""":math:`x / (1 + |x|)`."""
    xc = _clip(x, -_MAX, _MAX)  # inf / inf
    np.abs(xc, out=o)
    o += _ONE
    np.divide(xc, o, out=o)


@_elementwise()
def softsign_grad(x: F64, o: F64) -> None:
    r""":math:`1 / (1 + |x|)^2`, squared after the division so it cannot overflow."""
    np.abs(x, out=o)
    o += _ONE
    np.divide(_ONE, o, out=o)
    o *= o


def _select(o: F64, alt: F64, mask: NDArray[np.bool_]) -> None:
    """``o = alt`` where ``mask``, kept elsewhere (``alt`` is overwritten).

    Large blocks use 0/1 weights (exact while both are finite) because ``np.where``
    branches per element; small ones take the single call.
    """
    if o.size <= 1024:
        np.putmask(o, mask, alt)
        return
    alt *= mask
    o *= ~mask
    o += alt


def _squareplus_wide(x: F64, b: float) -> F64:
    """squareplus where :math:`x^2 + b` may overflow (:math:`|x| > 10^{150}` or huge b)."""
    h = np.hypot(x, math.sqrt(b))  # a slow scalar loop, but only for these rare cases
    # s = |x|/2 + h/2 has no cancellation (nor overflow); x < 0 takes (b/4)/s
    o = np.abs(x)
    o *= _HALF
    h *= _HALF
    o += h
    alt = np.divide(0.25 * b, o)  # 0 at -inf
    if o.size > 1024 and np.fmin.reduce(x) == -math.inf:
        o[x == -math.inf] = 0.0  # its weight is 0 in the blend: inf * 0 would be nan
    _select(o, alt, np.less(x, _ZERO))
    return o


def _squareplus_grad_wide(x: F64, b: float) -> F64:
    """squareplus' where :math:`x^2 + b` may overflow: :math:`1/2 + x/(2h)` right,
    :math:`(b/4)/(h s)` left."""
    xc = _clip(x, -_MAX, _MAX)  # inf / inf; the largest x still gives (b/4)/x^2 -> 0
    h = np.hypot(xc, math.sqrt(b))
    s = np.abs(xc)
    s *= _HALF
    s += 0.5 * h
    left = np.divide(0.25 * b, h)
    left /= s
    o = np.divide(xc, h)
    o *= _HALF
    o += _HALF
    _select(o, left, np.less(xc, _ZERO))
    return o


_SQUAREPLUS_ONE_PASS = 1e150  # |x| up to here (and b < 1e280): x^2 + b is finite


def _squareplus_regions(
    x: F64, o: F64, b: float, one_pass: Callable[[F64, F64, F64, float], None],
    wide: Callable[[F64, float], F64],
) -> None:  # fmt: skip
    """``one_pass(x, |x|, o, b)`` where it cannot overflow, ``wide`` on the rest: each
    element's value depends on it alone, not on its neighbours."""
    if b >= 1e280:
        o[...] = wide(x, b)
        return
    a = np.abs(x)
    if not np.fmax.reduce(a) > _SQUAREPLUS_ONE_PASS:  # also all-nan
        one_pass(x, a, o, b)
        return
    huge = a > _SQUAREPLUS_ONE_PASS
    xs = _clip(x, -_SQUAREPLUS_ONE_PASS, _SQUAREPLUS_ONE_PASS)
    one_pass(xs, np.abs(xs), o, b)
    _fix(x, o, huge, lambda v: wide(v, b))


def _squareplus_one_pass(x: F64, a: F64, o: F64, b: float) -> None:
    np.multiply(a, a, out=o)
    o += b
    np.sqrt(o, out=o)
    o += a  # 2s
    alt = np.divide(0.5 * b, o)
    o *= _HALF
    _blend(o, alt, np.less, x, _ZERO, a)


@_elementwise()
def squareplus(x: F64, o: F64, b: float = 4.0) -> None:
    r""":math:`(x + \sqrt{x^2 + b}) / 2`.

    With :math:`s = (|x| + \sqrt{x^2+b})/2` (no cancellation, no overflow) it is
    :math:`s` for :math:`x \ge 0` and :math:`(b/4)/s` for :math:`x < 0`.
    """
    _squareplus_regions(x, o, b, _squareplus_one_pass, _squareplus_wide)


def _squareplus_grad_one_pass(x: F64, a: F64, o: F64, b: float) -> None:
    h = np.multiply(a, a, out=o)
    h += b
    np.sqrt(h, out=h)
    a += h
    a *= h
    np.divide(0.5 * b, a, out=a)  # g
    np.copysign(a, x, out=a)
    np.signbit(x, out=o)  # not x >= 0: at x = -0.0 that would give 1 + 1/2
    np.subtract(_ONE, o, out=o)
    o -= a


@_elementwise()
def squareplus_grad(x: F64, o: F64, b: float = 4.0) -> None:
    r""":math:`(1 + x/\sqrt{x^2+b})/2`; for :math:`x < 0` as :math:`(b/4)/(h s)`, :math:`h = \sqrt{x^2+b}`.

    In one pass where :math:`|x| \le 10^{150}` (and :math:`b < 10^{280}`):
    with :math:`g = (b/2)/(h(h + |x|))`, which is :math:`1/2 - |x|/(2h)` and at most
    :math:`1/2`, the derivative is :math:`g` for :math:`x < 0` and :math:`1 - g` for
    :math:`x \ge 0`, computed as :math:`1 - [\operatorname{signbit} x] - \operatorname{copysign}(g, x)`: one
    rounding, no cancellation.
    """
    _squareplus_regions(x, o, b, _squareplus_grad_one_pass, _squareplus_grad_wide)
