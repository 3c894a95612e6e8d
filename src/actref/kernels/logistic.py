r"""The logistic family: sigmoid, log-sigmoid, softplus and SiLU, with their derivatives.

Everything here is built from :math:`\sigma(x) = 1/(1 + e^{-x})` and
:math:`\operatorname{softplus}(x) = \log(1 + e^x) = \max(x, 0) +
\operatorname{log1p}(e^{-|x|})`, written as sums of terms of one sign: ``exp(-|x|)``
lies in [0, 1] and never overflows. Sigmoid and log-sigmoid are one formula each on the
whole line; where ``exp(-x)`` overflows (x < -709.78), ``1 / (1 + inf) = 0`` is the
correctly rounded result (the truth is below the smallest subnormal there), so that
overflow is absorbed, not warned.

The others need regions for two reasons. Far left, :math:`e^{x}` is subnormal (or 0)
while the result is not — :math:`x e^x` for SiLU, :math:`e^{\beta x}/\beta` for
softplus with :math:`\beta < 1` — so the result is built from :math:`e^{x/2}`, which
stays normal. And SiLU' has a zero, :math:`x_0 \approx -1.2785`, where the terms of
:math:`1 + x + e^x` cancel; around it the factor is written in :math:`d = x - x_0`
(a double-double :math:`x_0` from ``constants``). Softplus with :math:`\beta \ne 1`
carries the product :math:`\beta x` as an exact ``hi + lo`` (Dekker), since its
rounding would otherwise be multiplied by :math:`|\beta x|`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actref.kernels import constants as C
from actref.kernels.compensated import fast_two_sum, two_prod
from actref.kernels.engine import F64, Region, kernel
from actref.kernels.piecewise import nothing, one_keep_nan, same

sigmoid = kernel(
    "sigmoid",
    Region(
        math.inf,
        lambda x: 1.0 / (1.0 + np.exp(-x)),
        "sigma(x) = 1 / (1 + e^-x): a sum of positive terms and one division, no"
        " cancellation on either side",
        2.0,
    ),
    absorbs_overflow=True,
)

# log sigma(x)' = sigma(-x)
log_sigmoid_grad = kernel(
    "log_sigmoid'",
    Region(
        math.inf,
        lambda x: 1.0 / (1.0 + np.exp(x)),
        "sigma(-x) = 1 / (1 + e^x), as sigmoid, mirrored",
        2.0,
    ),
    absorbs_overflow=True,
)


def _logistic_density(x: F64) -> F64:
    e = np.exp(-np.abs(x))
    d = 1.0 + e
    return e / (d * d)


sigmoid_grad = kernel(
    "sigmoid'",
    Region(
        math.inf,
        _logistic_density,
        "sigma(x) sigma(-x) = e / (1 + e)^2 with e = exp(-|x|) in [0, 1]; never"
        " s (1 - s), which is 0 past |x| = 37",
        4.0,
    ),
)

log_sigmoid = kernel(
    "log_sigmoid",
    Region(
        math.inf,
        lambda x: np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x))),
        "log sigma(x) = min(x, 0) - log1p(exp(-|x|)): two terms of one sign, no cancellation",
        1.5,
    ),
)


# ------------------------------------------------------------------------ softplus
# softplus(x) = max(x, 0) + log1p(e^{-beta |x|}) / beta: two non-negative terms. For
# beta != 1 the product beta x is rounded, and the second term inherits that rounding
# times |beta x| (far left it is the whole result, e^{beta x} / beta); so beta x is
# carried as hi + lo (two_prod) and the term corrected to first order in lo:
# d/dh log1p(e^{-|h|}) = -sign(h) sigma(-|h|). For beta = 1, lo = 0.
FAR = 1000.0  # beyond |beta x|, log1p(e^{-|beta x|}) / beta and sigma(-|beta x|) are 0 to
# every digit, for every beta in 1e-100..1e100 (e^-1000 / 1e-100 < 5e-324 / 2): x is
# clipped there, so that the split stays finite
FAR_LEFT = -40.0  # below beta x, log1p(e^{beta x}) = e^{beta x} to every digit


def _far_left(beta: float = 1.0) -> float:
    # beta >= 1: the result is below e^{beta x}, which is subnormal only where the result
    # is too: the main form holds on the whole line (1 ULP at beta = 1, 3 with the
    # far-left one), and this region is empty
    return FAR_LEFT / beta if beta < 1.0 else -math.inf


def _beta_x(x: F64, beta: float) -> tuple[F64, F64]:
    """beta x = hi + lo exactly, x clipped at |beta x| = FAR."""
    far = FAR / beta
    return two_prod(np.minimum(np.maximum(x, -far), far), beta)


def _softplus_far_left(x, beta=1.0):  # type: ignore[no-untyped-def]
    hi, lo = _beta_x(x, beta)
    e = np.exp(0.5 * hi)
    return ((e / beta) * e) * (1.0 + lo)


def _softplus(x, beta=1.0):  # type: ignore[no-untyped-def]
    if beta == 1.0:  # beta x is exact: no split, no correction
        return np.maximum(x, 0.0) + np.log1p(np.exp(np.copysign(x, -1.0)))  # e^-|x|
    hi, lo = _beta_x(x, beta)
    e = np.exp(np.copysign(hi, -1.0))
    return np.maximum(x, 0.0) + (np.log1p(e) - np.sign(hi) * lo * (e / (1.0 + e))) / beta


softplus = kernel(
    "softplus",
    Region(
        _far_left,
        _softplus_far_left,
        "beta < 1: e^{beta x} / beta as (e^{hi/2} / beta) e^{hi/2} (1 + lo): the"
        " result is larger than e^{beta x}, which may be subnormal (or 0) where the"
        " result is not; never a subnormal intermediate",
        4.0,
    ),
    Region(
        math.inf,
        _softplus,
        "max(x, 0) + log1p(e^{-|beta x|}) / beta: two non-negative terms, no"
        " cancellation; the rounding of beta x corrected to first order",
        3.0,
    ),
)

SIGMA_IS_EXP = -700.0  # below beta x, sigma(beta x) = e^{beta x} to every digit, and
# e^{-beta x} nears overflow (from 709.78)


def _sigma_is_exp(beta: float = 1.0) -> float:
    return SIGMA_IS_EXP / beta


def _softplus_grad_far_left(x, beta=1.0):  # type: ignore[no-untyped-def]
    if beta == 1.0:
        return np.exp(x)
    hi, lo = _beta_x(x, beta)
    return np.exp(hi) * (1.0 + lo)


def _softplus_grad(x, beta=1.0):  # type: ignore[no-untyped-def]
    if beta == 1.0:
        return 1.0 / (1.0 + np.exp(-x))
    hi, lo = _beta_x(x, beta)
    s = 1.0 / (1.0 + np.exp(-hi))
    # 1 - s loses its relative accuracy only where lo (1 - s) is below an ULP of s
    return s + lo * s * (1.0 - s)


# softplus'(x) = sigma(beta x) = sigma(hi) (1 + lo sigma(-hi)) to first order in lo
softplus_grad = kernel(
    "softplus'",
    Region(
        _sigma_is_exp,
        _softplus_grad_far_left,
        "e^{hi} (1 + lo): sigma(t) = e^t (1 - e^t + ...) and e^t < 1e-304",
        1.0,
    ),
    Region(
        math.inf,
        _softplus_grad,
        "sigma(hi) + lo sigma(hi) sigma(-hi): 1 / (1 + e^-hi) has no cancellation, and"
        " lo carries the rounding of beta x",
        2.0,
    ),
)


# --------------------------------------------------------------------------- silu
# silu(x) = x sigma(x). Far left e^-x overflows and e^x is subnormal while x e^x is not.
DEEP_LEFT = -600.0  # below, e^x is subnormal (or near it) though x e^x is not
SATURATED = 50.0  # above, silu' and mish' are 1 to every digit (from x = 41)


def x_exp_x(x: F64) -> F64:
    """x e^x as (x e^{x/2}) e^{x/2}: never a subnormal intermediate (-inf gives -0)."""
    x = np.maximum(x, -1e300)  # -inf * 0 is nan
    e = np.exp(0.5 * x)
    return (x * e) * e


def one_plus_x_exp_x(x: F64) -> F64:
    """(1 + x) e^x as ((1 + x) e^{x/2}) e^{x/2}: the far-left form of silu' and mish'."""
    x = np.maximum(x, -1e300)
    e = np.exp(0.5 * x)
    return ((1.0 + x) * e) * e


silu = kernel(
    "silu",
    Region(DEEP_LEFT, x_exp_x, "x sigma(x) = x e^x / (1 + e^x) = x e^x to every digit", 3.0),
    Region(
        math.inf,
        lambda x: x / (1.0 + np.exp(-x)),
        "x / (1 + e^-x): one sum of positive terms and one division",
        2.0,
    ),
)


def _sigma(x):  # type: ignore[no-untyped-def]
    """sigma(x) = 1 / (1 + e^-x), for the regions right of DEEP_LEFT (e^-x is finite).
    Not scipy's expit: the same formula, 7x slower (69 against 10 us on 16384)."""
    return 1.0 / (1.0 + np.exp(-x))


def _silu_grad_near_x0(x, s):  # type: ignore[no-untyped-def]
    d = (x - C.SILU_X0_HI) - C.SILU_X0_LO
    return (d + C.SILU_T0 * np.expm1(d)) * (s * (1.0 - s))


def _silu_grad_right(x, s):  # type: ignore[no-untyped-def]
    return s + x * (s / (1.0 + np.exp(x)))  # s sigma(-x); e^x <= e^50 here


# silu'(x) = sigma(x) (1 + x sigma(-x)) = sigma(x) sigma(-x) (1 + x + e^x); the kernel
# shares s = sigma(x) between its regions
silu_grad = kernel(
    "silu'",
    Region(
        DEEP_LEFT,
        one_plus_x_exp_x,
        "sigma(x) sigma(-x) = e^x to every digit",
        3.0,
        uses_shared=False,
    ),
    Region(
        -0.5,
        _silu_grad_near_x0,
        "1 + x + e^x vanishes at x0 = -1.2785 (its terms cancel): written around it,"
        " with d = x - x0 in double-double and e^x0 = -(1 + x0), it is"
        " d + e^x0 expm1(d), two terms of one sign; sigma(x) sigma(-x) = s (1 - s), with"
        " 1 - s exact enough for s < 0.38 (e / (1 + e)^2 reached 5 ULP at -18.25)",
        4.0,
    ),
    Region(
        SATURATED,
        _silu_grad_right,
        "s + x s sigma(-x): two positive terms right of 0, and x sigma(-x) > -0.28 left"
        " of it keeps s dominant",
        2.0,
    ),
    Region(
        math.inf, lambda x: np.heaviside(x, 1.0), "1 + x e^-x < 1 + 2^-53", 0.0, uses_shared=False
    ),
    shared=_sigma,
)


# ============================================================ issue 15: quick_gelu
# quick_gelu(x) = x sigma(t), t = 1.702 x = p + e exactly (two_prod). sigma(p + e) =
# sigma(p) (1 + e sigma(-p)) to first order: the correction matters where |t| is large.
# Left of x = -400 (t < -680) sigma(t) = e^t to every digit and x e^t may be normal
# while e^t is not: (x e^{t/2}) e^{t/2}.

QG_DEEP = -400.0  # below, e^t is (or nearly is) subnormal: the halved exponentials
QG_NOTHING = -1000.0  # below, |x e^t| < 1e-700: zero, far below the smallest subnormal
QG_SATURATED = 40.0  # above, sigma(t) = 1 - e^-68: x to every digit
# silu'(t) changes form at t = -0.5: left of it, around its root t0
QG_GRAD_SPLIT = -0.5 / 1.702
# and at t = -3: left of it, 1 + t + e^t is summed directly (1 + t <= -2, e^t > 0)
QG_GRAD_FAR = -3.0 / 1.702


def _t(x: Any) -> tuple[Any, Any]:
    p, e = two_prod(x, C.QUICK_GELU_C_HI)
    return p, e + x * C.QUICK_GELU_C_LO


def _qg_deep(x: Any) -> Any:
    p, e = _t(x)
    h = np.exp(0.5 * p)
    return (x * h) * (h * (1.0 + e))


def _qg_middle(x: Any) -> Any:
    p, e = _t(x)
    big = np.exp(-np.abs(p))
    d = 1.0 + big
    pos = p >= 0
    s = np.where(pos, 1.0, big) / d  # sigma(p)
    s_neg = np.where(pos, big, 1.0) / d  # sigma(-p)
    xs = x * s
    return xs + xs * (e * s_neg)


quick_gelu = kernel(
    "quick_gelu",
    Region(QG_NOTHING, nothing, "x e^t below the smallest subnormal: 0", 0.0),
    Region(QG_DEEP, _qg_deep, "x e^t as (x e^{t/2}) (e^{t/2} (1 + e)): no subnormal factor", 3.0),
    Region(
        QG_SATURATED,
        _qg_middle,
        "x sigma(p) (1 + e sigma(-p)), sigma from e^-|p| (no overflow, no cancellation)",
        2.5,
    ),
    Region(math.inf, same, "sigma(t) rounds to 1: x (nan stays nan)", 0.0),
)


def _qg_grad_deep(x: Any) -> Any:
    # silu'(t) = e^t (1 + t) to every digit: (e^{p/2} (1 + p + e)) (e^{p/2} (1 + e))
    p, e = _t(x)
    h = np.exp(0.5 * p)
    return (h * ((1.0 + p) + e)) * (h * (1.0 + e))


def _rho(p: Any) -> tuple[Any, Any]:
    """sigma(p) sigma(-p) = e / (1 + e)^2 with e = e^-|p|, and sigma(p)."""
    big = np.exp(-np.abs(p))
    d = 1.0 + big
    return big / (d * d), np.where(p >= 0, 1.0, big) / d


def _two_plus_two_cosh(p: Any, e: Any) -> Any:
    """2 + 2 cosh t = 1 / (sigma(t) sigma(-t)), t = p + e: cosh(p + e) = cosh p + e
    sinh p to every digit; positive terms (e/(1 + e)^2 reached 4 ULP, 2.3 this way)."""
    return (2.0 + 2.0 * np.cosh(p)) + 2.0 * e * np.sinh(p)


def _qg_grad_far(x: Any) -> Any:
    # (1 + t + e^t) / (2 + 2 cosh t): 1 + t <= -2 and e^t > 0, no cancellation; 1 + p
    # as a double-double (|p| >= 5 > 1), so the numerator is rounded once
    p, e = _t(x)
    s, r = fast_two_sum(p, 1.0)
    return (s + (r + (e + np.exp(p) * (1.0 + e)))) / _two_plus_two_cosh(p, e)


def _qg_grad_left(x: Any) -> Any:
    # (d + e^t0 expm1(d)) / (2 + 2 cosh t), d = t - t0: two terms of one sign
    p, e = _t(x)
    d = (p - C.SILU_X0_HI) + (e - C.SILU_X0_LO)
    return (d + C.SILU_T0 * np.expm1(d)) / _two_plus_two_cosh(p, e)


def _qg_grad_right(x: Any) -> Any:
    p, _ = _t(x)
    rho, s = _rho(p)
    return s + p * rho


quick_gelu_grad = kernel(
    "quick_gelu'",
    Region(QG_NOTHING, nothing, "e^t (1 + t) below the smallest subnormal: 0", 0.0),
    Region(QG_DEEP, _qg_grad_deep, "e^t (1 + t) with halved exponentials", 3.0),
    Region(
        QG_GRAD_FAR,
        _qg_grad_far,
        "(1 + t + e^t) / (2 + 2 cosh t), the numerator rounded once: nothing cancels left"
        " of t = -3 (the expansion around t0 below reached 6 ULP at x = -2.84, rounding"
        " d = t - t0 where it is not small)",
        3.0,
    ),
    Region(
        QG_GRAD_SPLIT,
        _qg_grad_left,
        "(d + e^t0 expm1(d)) / (2 + 2 cosh t) around the root t0 of 1 + t + e^t,"
        " d = t - t0: two terms of one sign",
        3.0,
    ),
    Region(
        QG_SATURATED,
        _qg_grad_right,
        "sigma(t) + t sigma(t) sigma(-t): no cancellation right of t = -0.5",
        2.5,
    ),
    Region(math.inf, one_keep_nan, "1 - (t - 1) e^-t rounds to 1", 0.0),
)
