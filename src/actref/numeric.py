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

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

F64 = NDArray[np.float64]

_NAN = np.float64(np.nan)
_SQRT1_2 = 0.7071067811865476  # 1/sqrt(2), correctly rounded
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2*pi), correctly rounded
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2/pi), correctly rounded
_GELU_TANH_C = 0.044715

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_ACCEPTED = "real numbers (float16/32/64, int or bool arrays, Python scalars or sequences)"


def as_float_array(x: ArrayLike, *, name: str = "x") -> tuple[F64, np.dtype[np.floating]]:
    """Validate ``x`` and return it as a float64 array with the dtype to return in.

    float16/32/64 are kept (computed in float64, rounded once on the way out);
    integers and bools become float64; complex, object and string input is refused.
    """
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "f":
        out_dtype: np.dtype[np.floating] = arr.dtype
        if arr.dtype.itemsize > 8:
            raise TypeError(f"{name} has dtype {arr.dtype}; accepted: {_ACCEPTED}")
    elif kind in "iub":
        out_dtype = np.dtype(np.float64)
    else:
        raise TypeError(f"{name} has dtype {arr.dtype}; accepted: {_ACCEPTED}")
    return arr.astype(np.float64, copy=False), out_dtype


def _where_nan(x: F64, out: F64) -> F64:
    """Make ``out`` nan wherever ``x`` is nan (piecewise derivatives lose it otherwise)."""
    nan = np.isnan(x)
    if nan.any():
        out = np.where(nan, x, out)
    return out


def _indicator(cond: NDArray[np.bool_], x: F64, inside: float = 1.0, outside: float = 0.0) -> F64:
    return _where_nan(x, np.where(cond, inside, outside))


# --------------------------------------------------------------------- sigmoid family
def sigmoid(x: F64) -> F64:
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`."""
    return special.expit(x)


def sigmoid_grad(x: F64) -> F64:
    r""":math:`\sigma'(x) = \sigma(x)\,\sigma(-x)`; never ``s(1-s)``, which is 0 past |x| = 37."""
    return special.expit(x) * special.expit(-x)


def log_sigmoid(x: F64) -> F64:
    r""":math:`\log\sigma(x) = -\operatorname{softplus}(-x)`."""
    return special.log_expit(x)


def log_sigmoid_grad(x: F64) -> F64:
    r""":math:`(\log\sigma)'(x) = \sigma(-x)`."""
    return special.expit(-x)


def softplus(x: F64, beta: float = 1.0) -> F64:
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, exact (no PyTorch threshold)."""
    bx = x * beta
    return np.logaddexp(bx, 0.0) / beta


def softplus_grad(x: F64, beta: float = 1.0) -> F64:
    r""":math:`\sigma(\beta x)`."""
    return special.expit(x * beta)


def silu(x: F64) -> F64:
    r""":math:`x\,\sigma(x)`."""
    return x * special.expit(x)


def silu_grad(x: F64) -> F64:
    r""":math:`\sigma(x)\,(1 + x\,\sigma(-x))`."""
    with np.errstate(invalid="ignore"):  # x * sigma(-x) is inf*0 at x = +inf
        out = special.expit(x) * (1.0 + x * special.expit(-x))
    return np.where(np.isposinf(x), 1.0, out)


# ------------------------------------------------------------------------------ tanh
def tanh(x: F64) -> F64:
    r""":math:`\tanh x`."""
    return np.tanh(x)


def tanh_grad(x: F64) -> F64:
    r""":math:`\operatorname{sech}^2 x = 4t/(1+t)^2` with :math:`t = e^{-2|x|}`."""
    t = np.exp(-2.0 * np.abs(x))
    return 4.0 * t / ((1.0 + t) * (1.0 + t))


def tanhshrink(x: F64) -> F64:
    r""":math:`x - \tanh x`, by a series near 0 where the difference cancels."""
    return x - np.tanh(x)


def tanhshrink_grad(x: F64) -> F64:
    r""":math:`\tanh^2 x`."""
    th = np.tanh(x)
    return th * th


def mish(x: F64) -> F64:
    r""":math:`x \tanh(\operatorname{softplus}(x))`.

    With :math:`t = e^x`, :math:`\tanh(\log(1+t)) = n/(n+2)`, :math:`n = t(t+2)`;
    for large x the same ratio in :math:`u = e^{-x}` avoids overflow.
    """
    return x * _mish_tanh_sp(x)


def _mish_tanh_sp(x: F64) -> F64:
    neg = x <= 0
    with np.errstate(over="ignore"):
        t = np.exp(np.where(neg, x, 0.0))
        u = np.exp(-np.where(neg, 0.0, x))
    n = t * (t + 2.0)
    small = n / (n + 2.0)
    large = (1.0 + 2.0 * u) / (1.0 + 2.0 * u * (1.0 + u))
    return np.where(neg, small, large)


def mish_grad(x: F64) -> F64:
    r""":math:`\tanh(\operatorname{sp}(x)) + x\,\sigma(x)\operatorname{sech}^2(\operatorname{sp}(x))`."""
    neg = x <= 0
    xs = np.where(np.isinf(x), 0.0, x)
    t = np.exp(np.where(neg, xs, 0.0))
    u = np.exp(-np.where(neg, 0.0, xs))
    # x <= 0: tanh(sp) = n/(n+2), sigma*sech^2 = 4 t (1+t) / (n+2)^2
    n = t * (t + 2.0)
    d_small = n / (n + 2.0) + 4.0 * xs * t * (1.0 + t) / ((n + 2.0) * (n + 2.0))
    # x > 0, in u = e^-x: m = 1 + 2u + 2u^2
    m = 1.0 + 2.0 * u * (1.0 + u)
    d_large = (1.0 + 2.0 * u) / m + 4.0 * xs * u * u * (1.0 + u) / (m * m)
    out = np.where(neg, d_small, d_large)
    return _where_nan(x, np.where(np.isneginf(x), 0.0, np.where(np.isposinf(x), 1.0, out)))


# ----------------------------------------------------------------------- erf-based GELU
def gelu(x: F64) -> F64:
    r""":math:`x\,\Phi(x) = \frac{x}{2}\operatorname{erfc}(-x/\sqrt2)`."""
    return 0.5 * x * special.erfc(-x * _SQRT1_2)


def gelu_grad(x: F64) -> F64:
    r""":math:`\Phi(x) + x\,\varphi(x)`."""
    xs = np.where(np.isinf(x), 0.0, x)
    out = 0.5 * special.erfc(-x * _SQRT1_2) + xs * _INV_SQRT_2PI * np.exp(-0.5 * xs * xs)
    return _where_nan(x, out)


def gelu_tanh(x: F64) -> F64:
    r""":math:`\frac{x}{2}\bigl(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3))\bigr) = x\,\sigma(2z)`."""
    xs = np.clip(x, -1e100, 1e100)  # x^3 must not overflow; the sigmoid saturates long before
    z = _SQRT_2_OVER_PI * (xs + _GELU_TANH_C * xs * xs * xs)
    return x * special.expit(2.0 * z)


def gelu_tanh_grad(x: F64) -> F64:
    r""":math:`\sigma(2z) + 2x\,\sigma(2z)\sigma(-2z)\,z'`, :math:`z' = \sqrt{2/\pi}(1+3cx^2)`."""
    xs = np.clip(x, -1e30, 1e30)
    z = _SQRT_2_OVER_PI * (xs + _GELU_TANH_C * xs * xs * xs)
    dz = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_C * xs * xs)
    s, sm = special.expit(2.0 * z), special.expit(-2.0 * z)
    # x * dz * sm overflows as inf * 0 only where sm underflowed: the term is 0 there
    big = np.abs(xs) > 1e10
    term = np.where(big, 0.0, 2.0 * np.where(big, 0.0, xs) * s * sm * np.where(big, 0.0, dz))
    return _where_nan(x, s + term)


# ------------------------------------------------------------------ exponential linear
def elu(x: F64, alpha: float = 1.0) -> F64:
    r""":math:`x` for :math:`x > 0`, :math:`\alpha(e^x - 1)` otherwise."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x: F64, alpha: float = 1.0) -> F64:
    r""":math:`1` for :math:`x > 0`, :math:`\alpha e^x` otherwise (so elu'(0) = alpha)."""
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


_SELU_SA = SELU_SCALE * SELU_ALPHA


def selu(x: F64) -> F64:
    r""":math:`\lambda x` for :math:`x > 0`, :math:`\lambda\alpha(e^x - 1)` otherwise."""
    return np.where(x > 0, SELU_SCALE * x, _SELU_SA * np.expm1(np.minimum(x, 0.0)))


def selu_grad(x: F64) -> F64:
    r""":math:`\lambda` for :math:`x > 0`, :math:`\lambda\alpha e^x` otherwise."""
    return np.where(x > 0, SELU_SCALE, _SELU_SA * np.exp(np.minimum(x, 0.0)))


def celu(x: F64, alpha: float = 1.0) -> F64:
    r""":math:`\max(0, x) + \min(0, \alpha(e^{x/\alpha} - 1))`."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0) / alpha))


def celu_grad(x: F64, alpha: float = 1.0) -> F64:
    r""":math:`1` for :math:`x > 0`, :math:`e^{x/\alpha}` otherwise."""
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0) / alpha))


# --------------------------------------------------------------------- piecewise linear
def identity(x: F64) -> F64:
    r""":math:`x`."""
    return x.copy()


def identity_grad(x: F64) -> F64:
    r""":math:`1`."""
    return _where_nan(x, np.ones_like(x))


def relu(x: F64) -> F64:
    r""":math:`\max(0, x)`."""
    return np.maximum(x, 0.0)


def relu_grad(x: F64) -> F64:
    r""":math:`1` for :math:`x > 0`, else 0. By convention relu'(0) = 0."""
    return _indicator(x > 0, x)


def leaky_relu(x: F64, negative_slope: float = 0.01) -> F64:
    r""":math:`x` for :math:`x > 0`, :math:`a x` otherwise."""
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x: F64, negative_slope: float = 0.01) -> F64:
    r""":math:`1` for :math:`x > 0`, else :math:`a`. By convention leaky_relu'(0) = a."""
    return _indicator(x > 0, x, 1.0, negative_slope)


def relu6(x: F64) -> F64:
    r""":math:`\min(\max(0, x), 6)`."""
    return np.clip(x, 0.0, 6.0)


def relu6_grad(x: F64) -> F64:
    r""":math:`1` on :math:`(0, 6)`, else 0. By convention relu6'(0) = relu6'(6) = 0."""
    return _indicator((x > 0) & (x < 6), x)


def hardtanh(x: F64, min_val: float = -1.0, max_val: float = 1.0) -> F64:
    r""":math:`\min(\max(x, a), b)`."""
    return np.clip(x, min_val, max_val)


def hardtanh_grad(x: F64, min_val: float = -1.0, max_val: float = 1.0) -> F64:
    r""":math:`1` on :math:`(a, b)`, else 0 (PyTorch: 0 at both ends)."""
    return _indicator((x > min_val) & (x < max_val), x)


def hardsigmoid(x: F64) -> F64:
    r""":math:`\min(\max(0, x + 3), 6) / 6`."""
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


def hardsigmoid_grad(x: F64) -> F64:
    r""":math:`1/6` on :math:`(-3, 3)`, else 0 (PyTorch: 0 at ±3)."""
    return _indicator((x > -3) & (x < 3), x, 1.0 / 6.0)


def hardswish(x: F64) -> F64:
    r""":math:`x \min(\max(0, x + 3), 6) / 6`."""
    return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0


def hardswish_grad(x: F64) -> F64:
    r""":math:`(2x + 3)/6` on :math:`(-3, 3)`, 0 below, 1 above (PyTorch: 0 at -3, 1 at 3)."""
    inner = (2.0 * np.clip(x, -3.0, 3.0) + 3.0) / 6.0
    return np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, inner))


def softshrink(x: F64, lambd: float = 0.5) -> F64:
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below :math:`-\lambda`, else 0."""
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0 * x))


def softshrink_grad(x: F64, lambd: float = 0.5) -> F64:
    r""":math:`1` where :math:`|x| > \lambda`, else 0 (0 at the kinks)."""
    return _indicator(np.abs(x) > lambd, x)


def hardshrink(x: F64, lambd: float = 0.5) -> F64:
    r""":math:`x` where :math:`|x| > \lambda`, else 0."""
    return np.where(np.abs(x) > lambd, x, 0.0 * x)


def hardshrink_grad(x: F64, lambd: float = 0.5) -> F64:
    r""":math:`1` where :math:`|x| > \lambda`, else 0 (0 at the jumps)."""
    return _indicator(np.abs(x) > lambd, x)


# ------------------------------------------------------------------------ algebraic
def softsign(x: F64) -> F64:
    r""":math:`x / (1 + |x|)`."""
    return np.where(np.isinf(x), np.sign(x), x / (1.0 + np.abs(np.where(np.isinf(x), 0.0, x))))


def softsign_grad(x: F64) -> F64:
    r""":math:`1 / (1 + |x|)^2`, squared after the division so it cannot overflow."""
    r = 1.0 / (1.0 + np.abs(x))
    return r * r


def squareplus(x: F64, b: float = 4.0) -> F64:
    r""":math:`(x + \sqrt{x^2 + b}) / 2`; for :math:`x < 0` as :math:`b / (2(\sqrt{x^2+b} - x))`."""
    h = np.hypot(x, np.sqrt(b))
    with np.errstate(invalid="ignore"):  # inf - inf at x = -inf, replaced below
        pos = 0.5 * (x + h)
        neg = 0.5 * b / (h - x)
    return np.where(x >= 0, pos, np.where(np.isneginf(x), 0.0, neg))


def squareplus_grad(x: F64, b: float = 4.0) -> F64:
    r""":math:`(1 + x/\sqrt{x^2+b})/2`; for :math:`x < 0` as :math:`b / (2h(h - x))`."""
    h = np.hypot(x, np.sqrt(b))
    with np.errstate(invalid="ignore", over="ignore"):
        pos = 0.5 * (1.0 + x / h)
        neg = 0.5 * b / h / (h - x)
    out = np.where(x >= 0, pos, neg)
    return np.where(np.isposinf(x), 1.0, np.where(np.isneginf(x), 0.0, out))
