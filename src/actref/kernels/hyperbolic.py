r"""The tanh family: tanh, tanhshrink and mish, with their derivatives.

Everything here is a rational function of one exponential. With :math:`t = e^{-2|x|}`,
:math:`\operatorname{sech}^2 x = 4t/(1 + t)^2`; with :math:`u = e^{-x}`,
:math:`\tanh(\operatorname{softplus}(x)) = (1 + 2u)/(1 + 2u + 2u^2)`. Written so, every
sum has terms of one sign and nothing cancels, except where the true value has a zero
or a small difference of large parts: tanhshrink near 0 (:math:`x - \tanh x \approx
x^3/3`) and mish' around its zero :math:`x_0 \approx -1.1924`. There the kernels change
form (a positive series; an expansion around :math:`x_0` with a double-double
:math:`x - x_0`), each form kept on the interval where its measured error holds.
Far left, :math:`e^{x}` becomes subnormal while the result does not, so the result is
built from :math:`e^{x/2}` (:func:`~actref.kernels.logistic.x_exp_x`).
"""

from __future__ import annotations

import math

import numpy as np

from actref.kernels import constants as C
from actref.kernels.compensated import split
from actref.kernels.engine import Region, kernel, polynomial
from actref.kernels.logistic import DEEP_LEFT, SATURATED, one_plus_x_exp_x, x_exp_x

# --------------------------------------------------------------------------- tanh
tanh = kernel(
    "tanh",
    Region(math.inf, np.tanh, "NumPy's tanh is within 1 ULP on the whole line", 1.0),
    one_pass=True,
)

SQUARED_EXP = 300.0  # beyond |x|, e^{-2|x|} nears the subnormal range (from 354)


def _four_exp_squared(x):  # type: ignore[no-untyped-def]
    e = np.exp(-np.abs(x))
    return (4.0 * e) * e


def _sech_squared(x):  # type: ignore[no-untyped-def]
    t = np.exp(-2.0 * np.abs(x))
    return 4.0 * t / np.square(1.0 + t)


_SECH2_TAIL = (
    "4 e^{-2|x|} as (4 e^-|x|) e^-|x|: e^{-2|x|} would be a subnormal factor of a"
    " result that is not (until |x| = 355)"
)

# tanh'(x) = sech^2(x)
tanh_grad = kernel(
    "tanh'",
    Region(-SQUARED_EXP, _four_exp_squared, _SECH2_TAIL, 2.0),
    Region(
        SQUARED_EXP,
        _sech_squared,
        "4t / (1 + t)^2, t = e^{-2|x|} in [0, 1]: never 1 - tanh^2, which is 0 past |x| = 19",
        4.0,
    ),
    Region(math.inf, _four_exp_squared, _SECH2_TAIL, 2.0),
)

# ---------------------------------------------------------------------- tanhshrink
# x cosh x - sinh x = sum_{k>=1} 2k x^(2k+1) / (2k+1)!: positive terms, no cancellation
# (C.TANHSHRINK_SERIES: 11 terms, the 12th is below 1e-17 of the sum at |x| = 1.5)
# below |x|, x - tanh x loses more than ~1 ULP to cancellation: it is within 1 ULP on
# 180,000 random points of 1.1 <= |x| <= 1.5 and reaches 3 on [1, 1.1] (1.5 before: the
# series ran on a fifth more of a normal(0, 4) block, tanhshrink at 10**6 1.22x the old)
TANHSHRINK_CANCELS = 1.2


def _tanhshrink_series(x):  # type: ignore[no-untyped-def]
    y = x * x
    return polynomial(C.TANHSHRINK_SERIES, y) * y * x / np.cosh(x)


def _x_minus_tanh(x):  # type: ignore[no-untyped-def]
    return x - np.tanh(x)


_DIFFERENCE = "x - tanh x: |tanh x| <= 0.70 |x| here, so the difference loses at most ~1 bit"

tanhshrink = kernel(
    "tanhshrink",
    Region(-TANHSHRINK_CANCELS, _x_minus_tanh, _DIFFERENCE, 1.0),
    Region(
        TANHSHRINK_CANCELS,
        _tanhshrink_series,
        "(x cosh x - sinh x) / cosh x with the numerator as its series, whose terms all"
        " have one sign: x - tanh x ~ x^3/3 cancels near 0",
        4.0,
        narrow=True,  # 25 NumPy calls: on its own elements (a few: in Python floats)
    ),
    Region(math.inf, _x_minus_tanh, _DIFFERENCE, 1.0),
    total=True,  # x - tanh x is finite and silent on the whole line
)

tanhshrink_grad = kernel(
    "tanhshrink'",
    Region(math.inf, lambda x: np.square(np.tanh(x)), "tanh^2 x: a product, no sum", 2.0),
)

# --------------------------------------------------------------------------- mish
MISH_DEEP = -300.0  # below, tanh(softplus(x)) = e^x to every digit (2u^2 overflows from -354)


def _mish_middle(x):  # type: ignore[no-untyped-def]
    u = np.exp(-x)
    n = 1.0 + 2.0 * u
    return x * (n / (2.0 * (u * u) + n))


mish = kernel(
    "mish",
    Region(MISH_DEEP, x_exp_x, "x tanh(softplus(x)) = x e^x to every digit", 3.0),
    Region(
        math.inf,
        _mish_middle,
        "x (1 + 2u) / (1 + 2u + 2u^2), u = e^-x: every term positive, no cancellation",
        3.0,
    ),
)

# mish'(x) = tanh(sp(x)) + x sigma(x) sech^2(sp(x)). With t = e^x, n = t (t + 2) and
# q = n + 2 (so tanh(sp) = n / q), for x <= 0 it is t h(x) / q^2,
# h = t^3 + 4t^2 + 6t + 4 + 4x (1 + t), which vanishes at x0 = -1.1924.
MISH_LEFT = -2.0  # below, h written directly: 1 + x dominates, nothing left to cancel
MISH_NEAR0 = -0.4  # above (to 0), tanh(sp) dominates the small negative second term


def _exp_neg_abs(x):  # type: ignore[no-untyped-def]
    return np.exp(-np.abs(x))  # e^x left of 0, e^-x right of it


def _mish_grad_left(x, t):  # type: ignore[no-untyped-def]
    q = t * (t + 2.0) + 2.0
    w = 4.0 * x
    h = t * (t * (t + 4.0) + w + 6.0) + (w + 4.0)  # 4x + 4 = 4(1 + x) exactly here
    return (h / q) * (t / q)


def _mish_grad_x0(x, t):  # type: ignore[no-untyped-def]
    # d = x - x0 in double-double: x - x0_hi is exact (Sterbenz) on this interval, and
    # m = expm1(d) to first order in x0_lo (rounding d first, then taking expm1 of it,
    # cost a ULP: 5 at x = -0.6346)
    d_hi = x - C.MISH_X0_HI
    m_hi = np.expm1(d_hi)
    m = m_hi - (1.0 + m_hi) * C.MISH_X0_LO
    d = d_hi - C.MISH_X0_LO
    # h(x0 + d) = M m + D d + m^2 (MM + MMM m) + MD m d, every term with the sign of d;
    # D d exact (Dekker, D split ahead of time) and the two leading terms summed exactly
    p1 = C.MISH_H_M * m
    p2 = d * C.MISH_H_D
    dh, dl = split(d)
    e2 = ((dh * C.MISH_H_D_HEAD - p2) + dh * C.MISH_H_D_TAIL + dl * C.MISH_H_D_HEAD) + (
        dl * C.MISH_H_D_TAIL
    )
    s = p1 + p2
    bb = s - p1
    rest = (p1 - (s - bb)) + (p2 - bb) + e2 + m * m * (C.MISH_H_MM + C.MISH_H_MMM * m)
    h = s + (rest + C.MISH_H_MD * m * d)
    # q = 2 + 2t + t^2 as qs + qlo: its two sums are exact (fast two-sum, |2| > |2t +
    # t^2| > |t^2| here); the rounding of t^2 is below 0.06 ULP of q. In q^2 a rounded q
    # cost a ULP: 5 ULP at x = -0.85645 (3 of 60,000 dense points), 4 with qlo
    t2 = t * t
    tt = 2.0 * t
    s1 = tt + t2
    qs = 2.0 + s1
    qlo = (s1 - (qs - 2.0)) + (t2 - (s1 - tt))
    return (h * t / qs) / qs * (1.0 - 2.0 * qlo / qs)


def _mish_grad_near0(x, t):  # type: ignore[no-untyped-def]
    n = t * (t + 2.0)
    q = n + 2.0
    return n / q + 4.0 * x * t * (1.0 + t) / (q * q)


def _mish_grad_right(x, u):  # type: ignore[no-untyped-def]
    v = u * (u + 1.0)  # u (1 + u)
    m = 2.0 * v + 1.0
    return (4.0 * x * (u * v) / m + u + u + 1.0) / m


mish_grad = kernel(
    "mish'",
    Region(
        DEEP_LEFT,
        one_plus_x_exp_x,
        "t h / q^2 = (1 + x) e^x to every digit, built from e^{x/2}",
        3.0,
        uses_shared=False,
    ),
    Region(
        MISH_LEFT,
        _mish_grad_left,
        "(h / q) (t / q), h = 4(1 + x) + t (6 + 4x + t (4 + t)): 1 + x is exact and"
        " dominates (the expansion around x0 cancels here: 5 ULP at -4.83)",
        4.0,
    ),
    Region(
        MISH_NEAR0,
        _mish_grad_x0,
        "(h t / q) / q with h written around its zero x0 (d = x - x0, m = expm1(d)):"
        " every term has the sign of d, so nothing cancels at x0 (7 ULP at -0.1875 with"
        " one expression for all x <= 0); q carried as qs + qlo",
        4.0,
    ),
    Region(
        0.0,
        _mish_grad_near0,
        "n / q + 4 x t (1 + t) / q^2: the tanh(sp) term dominates the negative one",
        3.0,
    ),
    Region(
        SATURATED,
        _mish_grad_right,
        "in u = e^-x: ((1 + 2u) + 4 x u^2 (1 + u) / m) / m, m = 1 + 2u (1 + u):"
        " every term positive",
        3.0,
    ),
    Region(
        math.inf,
        lambda x: np.heaviside(x, 1.0),
        "1 + (4x - 2) e^-2x rounds to 1",
        0.0,
        uses_shared=False,
    ),
    shared=_exp_neg_abs,
)
