r"""The Gaussian family: GELU, exact and in its tanh approximation, with derivatives.

.. math::

    \operatorname{gelu}(x) = x\,\Phi(x), \qquad
    \operatorname{gelu}'(x) = \Phi(x) + x\,\varphi(x), \qquad
    \Phi(x) = \tfrac12\operatorname{erfc}(-x/\sqrt2), \quad
    \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}

    \operatorname{gelu\_tanh}(x) = \tfrac{x}{2}(1 + \tanh z) = x\,\sigma(2z), \qquad
    2z = A x + B x^3, \quad A = 2\sqrt{2/\pi}, \quad B = 0.044715\,A

    \operatorname{gelu\_tanh}'(x) = \sigma(2z) + x\,\sigma(2z)\sigma(-2z)\,2z'
    = \sigma(2z)\sigma(-2z)\,h(x), \qquad h = 1 + e^{2z} + 2xz'

The reasoning the kernels share:

- **The left tail of Φ.** ``erfc(t)`` of a rounded :math:`t = -x/\sqrt2` loses
  :math:`2t^2` times that rounding (and SciPy's erfc adds its own), so below
  :data:`GAUSSIAN_TAIL` :math:`\Phi(x) = \operatorname{erfcx}(t)\,e^{-x^2/2}/2`,
  ``erfcx`` being flat there, and :math:`e^{-x^2/2}` is taken with :math:`x^2` split
  exactly (:func:`_exp_neg_half_square`): a rounded square costs :math:`x^2/2` ULP.
  SciPy's erfcx is itself up to 5 ULP off (measured), which bounds gelu's tail.
- **Zeros of the derivatives.** gelu' and gelu_tanh' cross zero near -0.75, where their
  two terms cancel; there gelu' is :math:`\varphi(x) N(x)` with :math:`N = \Phi/\varphi
  + x` by its Taylor series at the zero, and gelu_tanh's :math:`h` is rewritten around
  its zero as two terms of one sign.
- **The deep left.** Where :math:`\varphi(x)` (or :math:`\sigma(2z)`) is already
  subnormal but the result is not, that factor is taken :math:`2^{128}` times larger
  (or multiplied in in halves): no intermediate is subnormal before the result is.
- **gelu_tanh's argument.** Far left the value is :math:`x e^{2z}`, so a rounded
  :math:`2z` would cost :math:`|2z|` ULP (up to 700): :math:`2z` is carried as a
  double-double (:func:`_two_z`) and :math:`\sigma` corrected to first order in its
  low part.

Constants not a short decimal come from :mod:`actref.kernels.constants`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from actref.kernels import constants as C
from actref.kernels.compensated import SPLITTER, fast_two_sum, two_prod, two_sum
from actref.kernels.constants import (
    GELU_GRAD_DEEP_SHIFT_HI,
    GELU_GRAD_DEEP_SHIFT_LO,
    GELU_GRAD_SERIES,
    GELU_GRAD_SERIES_FROM,
    GELU_GRAD_SERIES_TO,
    GELU_GRAD_X0_HI,
    GELU_GRAD_X0_LO,
    GELU_TANH_A,
    GELU_TANH_A_HEAD,
    GELU_TANH_A_TAIL,
    GELU_TANH_B,
    GELU_TANH_B_HEAD,
    GELU_TANH_B_TAIL,
    GELU_TANH_GRAD_E0,
    GELU_TANH_GRAD_X0_HI,
    GELU_TANH_GRAD_X0_LO,
    GELU_TANH_GRAD_X0_SQUARED,
    INV_SQRT_2PI,
    LOG_INV_SQRT_2PI_HI,
    LOG_INV_SQRT_2PI_LO,
    SQRT1_2,
    SQRT_PI_OVER_2,
)
from actref.kernels.engine import Region, kernel, polynomial

# below, Phi(x) is erfcx(t) e^{-x^2/2} / 2 (erfc(t) of a rounded t loses 2t^2 of it)
GAUSSIAN_TAIL = -0.7
# beyond |x| = 40, |x| phi(x) < 1e-340: it rounds to 0, Phi(x) to 0 or 1 (x is clipped
# there, so that inf * 0 is never formed)
GAUSSIAN_FLAT = 40.0
# below, e^{-x^2/2} is subnormal (from x = -37.64) while gelu'(x) ~ x phi(x) is still
# normal (to x = -37.71): the tail's product would lose bits (15 ULP, issue 14)
GELU_GRAD_DEEP = -37.0
GELU_TANH_C = 0.044715  # the cubic coefficient, as in gelu_tanh's SymPy expression
GELU_TANH_C3 = 0.134145  # 3 c: 2z' = A (1 + 3c x^2)
# below, sigma(2z) = e^{2z} (1 + e^{2z} rounds to 1) and is subnormal from x = -21.07
# while x sigma(2z) and the derivative are still normal
GELU_TANH_DEEP = -20.0
# beyond, sigma(2z) is 1 to every digit (from 2z > 37, x > 5.4); x is clipped there so
# that x^3 stays finite
GELU_TANH_FLAT = 50.0
# x = h + l with h of 53 - 40 = 13 bits (Veltkamp): h^3 (39 bits) is exact, and so are
# A_HEAD h (40 + 13 bits) and B_HEAD h^3 (14 + 39)
HEAD13_SPLITTER = 2.0**40 + 1.0


# ----------------------------------------------------------------------- shared parts
def _head(x: Any, splitter: float = SPLITTER) -> Any:
    """The head of ``x = h + l`` (Veltkamp): 26 significant bits, or 53 - s for
    ``splitter = 2^s + 1``."""
    c = splitter * x
    return c - (c - x)


def _exp_neg_half_square(x: Any) -> Any:
    r""":math:`e^{-x^2/2}` within 1 ULP: :math:`x = h + l` with :math:`h^2` exact,
    :math:`e^{-h^2/2}\,e^{-l(x + h)/2}` (:math:`|x| < 10^{150}`)."""
    h = _head(x)
    return np.exp(-0.5 * (h * h)) * np.exp(-0.5 * ((x - h) * (x + h)))


def _exp_shifted_neg_half_square(x: Any, k_hi: float, k_lo: float) -> Any:
    r""":math:`e^{K - x^2/2}`, :math:`K = K_{hi} + K_{lo}`, within ~1 ULP: with :math:`x =
    h + l` (:math:`h^2` exact) and :math:`K_{hi}` of 30 bits, :math:`K_{hi} - h^2/2` is
    exact and the rest :math:`K_{lo} - l(x + h)/2` small: two exps, one product. A
    factor :math:`e^K` folded in so (1/sqrt(2 pi), a power of 2) costs no rounding."""
    h = _head(x)
    return np.exp(k_hi - 0.5 * (h * h)) * np.exp(k_lo - 0.5 * ((x - h) * (x + h)))


def _gaussian_tail_n(x: Any) -> Any:
    r""":math:`N(x) = \Phi(x)/\varphi(x) + x = \sqrt{\pi/2}\operatorname{erfcx}(-x/\sqrt2) + x`."""
    return special.erfcx(-SQRT1_2 * x) * SQRT_PI_OVER_2 + x


# ------------------------------------------------------------------------------ gelu
# Each gelu formula is clipped to its interval, so is finite and silent on the whole line
# (the kernel is total: a small block evaluates both and selects, with no more ado).
def _gelu_tail(x: Any) -> Any:
    xc = np.minimum(np.maximum(x, -GAUSSIAN_FLAT), GAUSSIAN_TAIL)
    return 0.5 * xc * special.erfcx(-SQRT1_2 * xc) * _exp_neg_half_square(xc)


def _gelu_head(x: Any) -> Any:
    xc = np.maximum(x, GAUSSIAN_TAIL)
    return 0.5 * special.erfc(-SQRT1_2 * xc) * xc


gelu = kernel(
    "gelu",
    Region(
        GAUSSIAN_TAIL,
        _gelu_tail,
        "x/2 erfcx(t) e^{-x^2/2}, t = -x/sqrt2: erfcx is flat here and the square is"
        " split, where erfc(t) would amplify t's rounding by 2t^2",
        7.0,
    ),
    Region(
        math.inf,
        _gelu_head,
        "x/2 erfc(-x/sqrt2): erfc's argument is small, or erfc is flat (1 < erfc <= 2);"
        " halved first, as 2x overflows at the largest x",
        2.0,
    ),
    total=True,
)


# ----------------------------------------------------------------------------- gelu'
def _gelu_grad_deep(x: Any) -> Any:
    xc = np.maximum(x, -GAUSSIAN_FLAT)
    scaled = _exp_shifted_neg_half_square(xc, GELU_GRAD_DEEP_SHIFT_HI, GELU_GRAD_DEEP_SHIFT_LO)
    return np.ldexp(_gaussian_tail_n(xc) * scaled, -128)  # phi(x) N(x), rounded once


def _gelu_grad_near_zero(x: Any) -> Any:
    d = (x - GELU_GRAD_X0_HI) - GELU_GRAD_X0_LO
    return polynomial(GELU_GRAD_SERIES, d) * d * (np.exp(-0.5 * x * x) * INV_SQRT_2PI)


def _gelu_grad_tail(x: Any) -> Any:
    xc = np.minimum(np.maximum(x, GELU_GRAD_DEEP), GELU_GRAD_SERIES_FROM)
    return _gaussian_tail_n(xc) * _exp_shifted_neg_half_square(
        xc, LOG_INV_SQRT_2PI_HI, LOG_INV_SQRT_2PI_LO
    )


def _gelu_grad_head(x: Any) -> Any:
    xc = np.minimum(np.maximum(x, GELU_GRAD_SERIES_TO), GAUSSIAN_FLAT)
    return 0.5 * special.erfc(-SQRT1_2 * xc) + np.exp(-0.5 * xc * xc) * INV_SQRT_2PI * xc


gelu_grad = kernel(
    "gelu'",
    Region(
        GELU_GRAD_DEEP,
        _gelu_grad_deep,
        "2^-128 (N(x) e^{K - x^2/2}), K = 128 log 2 - log sqrt(2 pi): phi(x) alone is"
        " subnormal here while phi(x) N(x) is not, so phi is taken 2^128 times larger"
        " (K - h^2/2 exact) and the product rounded once, by the ldexp",
        3.0,
        narrow=True,
    ),
    Region(
        GELU_GRAD_SERIES_FROM,
        _gelu_grad_tail,
        "N(x) e^{L - x^2/2}, N = sqrt(pi/2) erfcx(t) + x, L = -log sqrt(2 pi): Phi as in"
        " gelu's tail, 1/sqrt(2 pi) folded exactly into the exponent; N's two terms cancel"
        " by little this far from the zero (erfcx's own 5 ULP reach N as 2 at -2)",
        4.0,
    ),
    Region(
        GELU_GRAD_SERIES_TO,
        _gelu_grad_near_zero,
        "phi(x) N(x), N = sum c_k (x - x0)^k by Horner, x - x0 with x0 in double-double:"
        " both closed forms cancel around the zero x0 (and erfcx's error reaches N"
        " amplified up to x = -2); phi(x) is plain as x^2/2 < 2 (measured: better than"
        " the split square's two exps here)",
        4.0,
        narrow=True,
    ),
    Region(
        math.inf,
        _gelu_grad_head,
        "Phi(x) + x phi(x): two terms of one sign right of 0, and left of it x phi(x)"
        " is at most half of Phi(x); x^2/2 < 800 costs the small x phi term little",
        4.0,
    ),
    total=True,
)


# ------------------------------------------------------------------------- gelu_tanh
def _two_z(x: Any) -> tuple[Any, Any]:
    """``2z = A x + B x^3`` as a double-double ``(hi, lo)``, to ~2^-63 (|x| <= 50).

    With ``x = h + l`` (13-bit h), ``A_HEAD h + B_HEAD h^3`` is summed exactly and the
    small rest (2^-13 of the result or less) in float64.
    """
    h = _head(x, HEAD13_SPLITTER)
    lo = x - h
    h2 = h * h
    h3 = h2 * h
    # l A_HEAD + x A_TAIL + h^3 B_TAIL + (x^3 - h^3) B, x^3 - h^3 = l (x^2 + x h + h^2)
    rest = (x * x + x * h + h2) * lo * GELU_TANH_B + GELU_TANH_A_TAIL * x
    rest = rest + h3 * GELU_TANH_B_TAIL + lo * GELU_TANH_A_HEAD
    head, err = two_sum(GELU_TANH_A_HEAD * h, GELU_TANH_B_HEAD * h3)
    return fast_two_sum(head, err + rest)


def _sigmoid_two_z(x: Any) -> tuple[Any, Any]:
    r""":math:`\sigma(2z)` to first order in 2z's low part, :math:`\sigma(H + L) =
    \sigma(H)(1 + L\,\sigma(-H))`, and :math:`\sigma(-2z) = \sigma(-H)` (for
    -20 <= x <= 50: e^{-H} is finite): one exp for both."""
    hi, lo = _two_z(x)
    e = np.exp(-hi)
    s = 1.0 / (e + 1.0)
    sm = e * s
    return s + lo * s * sm, sm


def _gelu_tanh_deep(x: Any, factor: Any) -> Any:
    r"""``factor`` :math:`\cdot e^{2z}` as :math:`((\cdot)(1 + L)\,e^{H/2})\,e^{H/2}`:
    no subnormal intermediate before the result (:math:`\sigma(H + L)` would be one)."""
    hi, lo = _two_z(x)
    half = np.exp(0.5 * hi)
    return (1.0 + lo) * factor * half * half


def _gelu_tanh_deep_value(x: Any) -> Any:
    xc = np.maximum(x, -GELU_TANH_FLAT)
    return _gelu_tanh_deep(xc, xc)


gelu_tanh = kernel(
    "gelu_tanh",
    Region(
        GELU_TANH_DEEP,
        _gelu_tanh_deep_value,
        "x e^{2z}: sigma(2z) = e^{2z} to every digit here, and is subnormal where x"
        " sigma(2z) is not; e^{2z} = e^{H/2} e^{H/2} (1 + L) multiplied into x in turn",
        4.0,
        narrow=True,
    ),
    Region(
        math.inf,
        lambda x: x * _sigmoid_two_z(np.minimum(np.maximum(x, GELU_TANH_DEEP), GELU_TANH_FLAT))[0],
        "x sigma(2z) with 2z = H + L in double-double and sigma corrected to first order"
        " in L: a rounded 2z costs |2z| ULP of sigma(2z) left of 0",
        3.0,
    ),
    total=True,
)


# ------------------------------------------------------------------------ gelu_tanh'
def _gelu_tanh_grad_deep(x: Any, _shared: object) -> Any:
    xc = np.maximum(x, -GELU_TANH_FLAT)
    return _gelu_tanh_deep(xc, 1.0 + GELU_TANH_A * xc * (1.0 + GELU_TANH_C3 * xc * xc))


def _sigmoids(x: Any) -> tuple[Any, Any, Any]:
    """``(x clipped, sigma(2z), sigma(2z) sigma(-2z))`` for both main regions of
    gelu_tanh' (x below -20 is the deep region's, which does not use them)."""
    xc = np.minimum(np.maximum(x, GELU_TANH_DEEP), GELU_TANH_FLAT)
    s, sm = _sigmoid_two_z(xc)
    return xc, s, s * sm


def _gelu_tanh_grad_left(x: Any, shared: tuple[Any, Any, Any]) -> Any:
    xc, _, ss = shared
    xl = np.minimum(xc, 0.0)
    d = GELU_TANH_A * ((xl - GELU_TANH_GRAD_X0_HI) - GELU_TANH_GRAD_X0_LO)  # A (x - x0)
    q = (xl + GELU_TANH_GRAD_X0_HI) * xl + GELU_TANH_GRAD_X0_SQUARED  # x^2 + x x0 + x0^2
    # h(x) - h(x0) = e^{2z0} expm1(2z - 2z0) + (2xz' - 2x0z0'), both of d's sign
    h = np.expm1((q * GELU_TANH_C + 1.0) * d) * GELU_TANH_GRAD_E0 + (q * GELU_TANH_C3 + 1.0) * d
    return h * ss


def _gelu_tanh_grad_right(x: Any, shared: tuple[Any, Any, Any]) -> Any:
    xc, s, ss = shared
    return (xc * xc * GELU_TANH_C3 + 1.0) * xc * GELU_TANH_A * ss + s


gelu_tanh_grad = kernel(
    "gelu_tanh'",
    Region(
        GELU_TANH_DEEP,
        _gelu_tanh_grad_deep,
        "(1 + 2x z') e^{2z}, e^{2z} in halves as in gelu_tanh's deep region",
        5.0,
        narrow=True,
    ),
    Region(
        0.0,
        _gelu_tanh_grad_left,
        "sigma(2z) sigma(-2z) h with h written around its zero x0 (d = x - x0,"
        " q = x^2 + x x0 + x0^2): e^{2z0} expm1(A d (1 + cq)) + A d (1 + 3cq), two terms"
        " of d's sign where 1 + e^{2z} + 2xz' cancels",
        7.0,
    ),
    Region(
        math.inf,
        _gelu_tanh_grad_right,
        "sigma(2z) + A x (1 + 3c x^2) sigma(2z) sigma(-2z): two terms of one sign",
        3.0,
    ),
    shared=_sigmoids,
    total=True,
)


# ============================================================ issue 15: gelu_10, laplace
# gelu_10 = min(gelu(x), 10) (Hugging Face's ClippedGELUActivation(-10, 10); gelu never
# goes below -0.17). gelu reaches 10 at x = 10 + 7.6e-23, between 10 and the next float,
# and gelu(10) = 10 - 7.6e-23 rounds to 10: at every float the clip is x >= 10.
GELU_10_CLIP = 10.0

gelu_10 = kernel(
    "gelu_10",
    Region(GELU_10_CLIP, lambda x: gelu(x), "gelu's own kernel below the clip", 8.0),
    Region(
        math.inf,
        lambda x: np.where(np.isnan(x), x, GELU_10_CLIP),
        "x >= 10: the clip value",
        0.0,
    ),
)
gelu_10_grad = kernel(
    "gelu_10'",
    Region(GELU_10_CLIP, lambda x: gelu_grad(x), "gelu' below the clip", 4.0),
    Region(math.inf, lambda x: np.where(np.isnan(x), x, 0.0), "x >= 10: 0 (torch)", 0.0),
)

# laplace(x) = Phi((x - mu)/sigma) = erfc(-z)/2 with z = (x - mu)/(sigma sqrt 2), z kept
# as zh + zl: erfc amplifies the relative error of z by 2 z^2 (1300x at z = -26).
LAPLACE_SPLIT = -0.7  # z below: erfcx(-z) e^{-z^2} / 2 (erfc(-z) would lose 2 z^2 ULP)
LAPLACE_FAR = 30.0  # |z| above: e^{-z^2} = 0; x is clipped here (no inf in the splits)


def _z(x: Any, mu: float, sigma: float) -> tuple[Any, Any]:
    """z = (x - mu) / (sigma sqrt 2) as zh + zl, x clipped to |z| <= LAPLACE_FAR."""
    kh, kl = two_prod(sigma, C.SQRT2_HI)
    kl = kl + sigma * C.SQRT2_LO
    reach = LAPLACE_FAR * kh
    xc = np.clip(x, mu - reach, mu + reach)
    s = xc - mu  # two_sum(xc, -mu)
    bb = s - xc
    se = (xc - (s - bb)) + (-mu - bb)
    zh = s / kh
    ph, pl = two_prod(zh, kh)
    zl = (((s - ph) - pl) + se - zh * kl) / kh
    return zh, zl


def _laplace_tail(x: Any, mu: float, sigma: float) -> Any:
    # erfc(a) = erfcx(a) e^{-a^2}, a = -z = ah + al: e^{-a^2} = e^{-q} (1 - qe - 2 ah al)
    # and erfcx(ah + al) = erfcx(ah) (1 + 2 ah al) - 2 al / sqrt(pi): the 2 ah al cancel
    zh, zl = _z(x, mu, sigma)
    ah, al = -zh, -zl
    q, qe = two_prod(ah, ah)
    return 0.5 * np.exp(-q) * (special.erfcx(ah) * (1.0 - qe) - (2.0 * C.INV_SQRT_PI) * al)


def _laplace_head(x: Any, mu: float, sigma: float) -> Any:
    zh, zl = _z(x, mu, sigma)
    return 0.5 * special.erfc(-zh) + zl * C.INV_SQRT_PI * np.exp(-zh * zh)


laplace = kernel(
    "laplace",
    Region(
        lambda mu, sigma: mu + LAPLACE_SPLIT * sigma * C.SQRT2_HI,
        _laplace_tail,
        "z < -0.7: erfcx(-z) e^{-z^2} / 2 with z^2 split exactly (no 2 z^2 amplification);"
        " SciPy's erfcx costs up to 6 ULP",
        6.0,
    ),
    Region(
        math.inf,
        _laplace_head,
        "z >= -0.7: erfc(-zh)/2 + zl e^{-zh^2}/sqrt(pi): erfc(-z) in [0.32, 2]",
        4.0,
    ),
)


def _laplace_density(x: Any, mu: float, sigma: float) -> Any:
    # e^{-z^2} / (sigma sqrt(2 pi)) = e^{-z^2} / (sqrt(pi) k), k = sigma sqrt 2 = kh + kl
    kh, kl = two_prod(sigma, C.SQRT2_HI)
    kl = kl + sigma * C.SQRT2_LO
    zh, zl = _z(x, mu, sigma)
    q, qe = two_prod(zh, zh)
    return (C.INV_SQRT_PI / kh) * (np.exp(-q) * (1.0 - (qe + 2.0 * zh * zl) - kl / kh))


laplace_grad = kernel(
    "laplace'",
    Region(
        math.inf,
        _laplace_density,
        "e^{-z^2}/(sigma sqrt(2 pi)) with z^2 = q + qe split exactly",
        3.0,
    ),
)
