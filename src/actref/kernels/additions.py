r"""The activations issue 15 adds: rectifiers, logistic, Gaussian, exponential and
sparse ones that torch.nn, jax.nn, keras.activations or Hugging Face's ``ACT2FN`` ship.

Written as regions, like every family (see :mod:`actref.kernels.engine`); a section per
family, so each moves into its family's module as a whole.

Two habits recur. Where a parameter multiplies ``x`` inside an exponential
(quick_gelu's :math:`1.702x`, laplace's :math:`(x-\mu)/(\sigma\sqrt2)`), the argument is
kept as an unevaluated sum ``hi + lo`` (Dekker), because :math:`e^t` turns the rounding
of :math:`t` into a relative error :math:`|t|\,\varepsilon` — 350 ULP at :math:`t=-700`.
Where a result is still normal while :math:`e^t` is not (:math:`x e^{t}` at
:math:`t \approx -710`), :math:`e^{t}` is taken as :math:`e^{t/2} e^{t/2}`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from actref.kernels.compensated import two_prod
from actref.kernels.engine import Region, kernel
from actref.numeric import gelu as _gelu
from actref.numeric import gelu_grad as _gelu_grad

# ----------------------------------------------------------------- constants
# (mpmath at 200 bits, rounded once; they join tools/gen_constants.py when the families
# are merged. A test recomputes them.)
# quick_gelu's 1.702 (the decimal, as CLIP and Hugging Face write it) as hi + lo
QUICK_GELU_C_HI = float.fromhex("0x1.b3b645a1cac08p+0")  # 1.702
QUICK_GELU_C_LO = float.fromhex("0x1.89374bc6a7efap-55")  # 4.263256414560601e-17
# silu'(t) = sigma(t) sigma(-t) (1 + t + e^t): the root t0 of 1 + t + e^t, as hi + lo,
# and e^t0 = -(1 + t0)
SILU_ROOT_HI = float.fromhex("-0x1.474973c84120bp+0")  # -1.2784645427610737
SILU_ROOT_LO = float.fromhex("-0x1.f8d74bc9ac154p-54")  # -1.0946994183093437e-16
SILU_ROOT_EXP = float.fromhex("0x1.1d25cf210482ep-2")  # 0.2784645427610738
# laplace's sqrt(2) as hi + lo, and 1/sqrt(pi) (the density of erfc's argument)
SQRT2_HI = float.fromhex("0x1.6a09e667f3bcdp+0")  # 1.4142135623730951
SQRT2_LO = float.fromhex("-0x1.bdd3413b26456p-54")  # -9.667293313452913e-17
INV_SQRT_PI = float.fromhex("0x1.20dd750429b6dp-1")  # 0.5641895835477563


def _zeros(x: Any, *_: float) -> Any:
    return np.zeros_like(x)


def _ones_keep_nan(x: Any, *_: float) -> Any:
    return np.where(np.isnan(x), x, 1.0)


def _identity(x: Any, *_: float) -> Any:
    return x


def _above(v: float) -> float:
    """The region end that puts ``x <= v`` on the left: ``x < nextafter(v, inf)``."""
    return math.nextafter(v, math.inf)


# ================================================================ rectifiers
# Each piece is exact or one rounding (a product by the parameter): within 0.5 ULP.

relu2 = kernel(
    "relu2",
    Region(
        math.inf,
        lambda x: np.square(np.maximum(x, 0.0)),
        "relu(x)^2: one rounding; overflows to inf only where x^2 does (absorbed)",
        0.5,
    ),
    absorbs_overflow=True,
)
relu2_grad = kernel(
    "relu2'",
    Region(math.inf, lambda x: 2.0 * np.maximum(x, 0.0), "2 relu(x): exact", 0.0),
    absorbs_overflow=True,
)

# threshold(x) = x for x > threshold, value otherwise (torch.nn.Threshold)
threshold = kernel(
    "threshold",
    Region(
        lambda threshold, value: _above(threshold),
        lambda x, threshold, value: np.full_like(x, value),
        "x <= threshold: the constant value",
        0.0,
    ),
    Region(math.inf, _identity, "x > threshold: x itself", 0.0),
)
threshold_grad = kernel(
    "threshold'",
    Region(
        lambda threshold, value: _above(threshold),
        _zeros,
        "x <= threshold: 0 (torch: 0 at x = threshold too)",
        0.0,
    ),
    Region(math.inf, _ones_keep_nan, "x > threshold: 1", 0.0),
)


def _times(slope: float, x: Any) -> Any:
    # slope 0 gives 0 at x = -inf too (the limit), not 0 * inf = nan
    return slope * x if slope != 0 else np.zeros_like(x)


def _slope_below(slope: Any, name: str) -> tuple[Any, Any]:
    """A leaky rectifier with slope ``slope(*params)`` for x <= 0 and its derivative."""
    fwd = kernel(
        name,
        Region(
            0.0,
            lambda x, *p: _times(slope(*p), x),
            "x < 0: slope x, one rounding (overflow to -inf where the product does)",
            0.5,
        ),
        Region(math.inf, _identity, "x >= 0: x", 0.0),
        absorbs_overflow=True,
    )
    grad = kernel(
        name + "'",
        Region(
            _above(0.0),
            lambda x, *p: np.full_like(x, slope(*p)),
            "x <= 0: the slope (torch's value at 0)",
            0.0,
        ),
        Region(math.inf, _ones_keep_nan, "x > 0: 1", 0.0),
    )
    return fwd, grad


def rrelu_slope(lower: float, upper: float) -> float:
    """RReLU's slope in evaluation mode, as torch computes it: (lower + upper) / 2."""
    return (lower + upper) / 2


rrelu, rrelu_grad = _slope_below(rrelu_slope, "rrelu")
prelu, prelu_grad = _slope_below(lambda weight: weight, "prelu")

# ================================================================ logistic
# quick_gelu(x) = x sigma(t), t = 1.702 x = p + e exactly (two_prod). sigma(p + e) =
# sigma(p) (1 + e sigma(-p)) to first order: the correction matters where |t| is large.
# Left of x = -400 (t < -680) sigma(t) = e^t to every digit and x e^t may be normal
# while e^t is not: (x e^{t/2}) e^{t/2}.

QG_DEEP = -400.0  # below, e^t is (or nearly is) subnormal: the halved exponentials
QG_NOTHING = -1000.0  # below, |x e^t| < 1e-700: zero, far below the smallest subnormal
QG_SATURATED = 40.0  # above, sigma(t) = 1 - e^-68: x to every digit
# silu'(t) changes form at t = -0.5: left of it, around its root t0
QG_GRAD_SPLIT = -0.5 / 1.702


def _t(x: Any) -> tuple[Any, Any]:
    p, e = two_prod(x, QUICK_GELU_C_HI)
    return p, e + x * QUICK_GELU_C_LO


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
    Region(QG_NOTHING, _zeros, "x e^t below the smallest subnormal: 0", 0.0),
    Region(QG_DEEP, _qg_deep, "x e^t as (x e^{t/2}) (e^{t/2} (1 + e)): no subnormal factor", 1.5),
    Region(
        QG_SATURATED,
        _qg_middle,
        "x sigma(p) (1 + e sigma(-p)), sigma from e^-|p| (no overflow, no cancellation)",
        2.5,
    ),
    Region(math.inf, _identity, "sigma(t) rounds to 1: x (nan stays nan)", 0.0),
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


def _qg_grad_left(x: Any) -> Any:
    # sigma(t) sigma(-t) (d + e^t0 expm1(d)), d = t - t0: two terms of one sign
    p, e = _t(x)
    rho, s = _rho(p)
    d = (p - SILU_ROOT_HI) + (e - SILU_ROOT_LO)
    return (rho * (1.0 + e * (1.0 - 2.0 * s))) * (d + SILU_ROOT_EXP * np.expm1(d))


def _qg_grad_right(x: Any) -> Any:
    p, _ = _t(x)
    rho, s = _rho(p)
    return s + p * rho


quick_gelu_grad = kernel(
    "quick_gelu'",
    Region(QG_NOTHING, _zeros, "e^t (1 + t) below the smallest subnormal: 0", 0.0),
    Region(QG_DEEP, _qg_grad_deep, "e^t (1 + t) with halved exponentials", 2.0),
    Region(
        QG_GRAD_SPLIT,
        _qg_grad_left,
        "sigma(t) sigma(-t) (d + e^t0 expm1(d)) around the root t0 of 1 + t + e^t",
        2.5,
    ),
    Region(
        QG_SATURATED,
        _qg_grad_right,
        "sigma(t) + t sigma(t) sigma(-t): no cancellation right of t = -0.5",
        2.5,
    ),
    Region(math.inf, _ones_keep_nan, "1 - (t - 1) e^-t rounds to 1", 0.0),
)

# ================================================================ Gaussian
# gelu_10 = min(gelu(x), 10) (Hugging Face's ClippedGELUActivation(-10, 10); gelu never
# goes below -0.17). gelu reaches 10 at x = 10 + 7.6e-23, between 10 and the next float,
# and gelu(10) = 10 - 7.6e-23 rounds to 10: at every float the clip is x >= 10.
GELU_10_CLIP = 10.0

gelu_10 = kernel(
    "gelu_10",
    Region(GELU_10_CLIP, lambda x: _gelu(x), "gelu's own kernel below the clip", 8.0),
    Region(
        math.inf,
        lambda x: np.where(np.isnan(x), x, GELU_10_CLIP),
        "x >= 10: the clip value",
        0.0,
    ),
)
gelu_10_grad = kernel(
    "gelu_10'",
    Region(GELU_10_CLIP, lambda x: _gelu_grad(x), "gelu' below the clip", 4.0),
    Region(math.inf, lambda x: np.where(np.isnan(x), x, 0.0), "x >= 10: 0 (torch)", 0.0),
)

# laplace(x) = Phi((x - mu)/sigma) = erfc(-z)/2 with z = (x - mu)/(sigma sqrt 2), z kept
# as zh + zl: erfc amplifies the relative error of z by 2 z^2 (1300x at z = -26).
LAPLACE_SPLIT = -0.7  # z below: erfcx(-z) e^{-z^2} / 2 (erfc(-z) would lose 2 z^2 ULP)
LAPLACE_FAR = 30.0  # |z| above: e^{-z^2} = 0; x is clipped here (no inf in the splits)


def _z(x: Any, mu: float, sigma: float) -> tuple[Any, Any]:
    """z = (x - mu) / (sigma sqrt 2) as zh + zl, x clipped to |z| <= LAPLACE_FAR."""
    kh, kl = two_prod(sigma, SQRT2_HI)
    kl = kl + sigma * SQRT2_LO
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
    return 0.5 * np.exp(-q) * (special.erfcx(ah) * (1.0 - qe) - (2.0 * INV_SQRT_PI) * al)


def _laplace_head(x: Any, mu: float, sigma: float) -> Any:
    zh, zl = _z(x, mu, sigma)
    return 0.5 * special.erfc(-zh) + zl * INV_SQRT_PI * np.exp(-zh * zh)


laplace = kernel(
    "laplace",
    Region(
        lambda mu, sigma: mu + LAPLACE_SPLIT * sigma * SQRT2_HI,
        _laplace_tail,
        "z < -0.7: erfcx(-z) e^{-z^2} / 2 with z^2 split exactly (no 2 z^2 amplification);"
        " SciPy's erfcx costs up to 6 ULP",
        6.0,
    ),
    Region(
        math.inf,
        _laplace_head,
        "z >= -0.7: erfc(-zh)/2 + zl e^{-zh^2}/sqrt(pi): erfc(-z) in [0.32, 2]",
        3.0,
    ),
)


def _laplace_density(x: Any, mu: float, sigma: float) -> Any:
    # e^{-z^2} / (sigma sqrt(2 pi)) = e^{-z^2} / (sqrt(pi) k), k = sigma sqrt 2 = kh + kl
    kh, kl = two_prod(sigma, SQRT2_HI)
    kl = kl + sigma * SQRT2_LO
    zh, zl = _z(x, mu, sigma)
    q, qe = two_prod(zh, zh)
    return (INV_SQRT_PI / kh) * (np.exp(-q) * (1.0 - (qe + 2.0 * zh * zl) - kl / kh))


laplace_grad = kernel(
    "laplace'",
    Region(
        math.inf,
        _laplace_density,
        "e^{-z^2}/(sigma sqrt(2 pi)) with z^2 = q + qe split exactly",
        3.0,
    ),
)

# ================================================================ exponential
exponential = kernel(
    "exponential",
    Region(math.inf, np.exp, "e^x: NumPy's exp (overflow to inf is the truth)", 0.5),
    absorbs_overflow=True,
)
exponential_grad = kernel(
    "exponential'",
    Region(math.inf, np.exp, "(e^x)' = e^x", 0.5),
    absorbs_overflow=True,
)

# ================================================================ sparse
# jax.nn.sparse_plus and sparse_sigmoid (Blondel et al. 2020): piecewise polynomials,
# C^1 and C^0. (x + 1) is exact on [-2, -0.5] (Sterbenz) and one rounding elsewhere.
sparse_plus = kernel(
    "sparse_plus",
    Region(-1.0, _zeros, "x <= -1: 0", 0.0),
    Region(1.0, lambda x: 0.25 * np.square(x + 1.0), "(x + 1)^2 / 4", 1.5),
    Region(math.inf, _identity, "x >= 1: x", 0.0),
)
sparse_plus_grad = kernel(
    "sparse_plus'",
    Region(-1.0, _zeros, "x <= -1: 0", 0.0),
    Region(1.0, lambda x: 0.5 * (x + 1.0), "(x + 1) / 2", 0.5),
    Region(math.inf, _ones_keep_nan, "x >= 1: 1", 0.0),
)
sparse_sigmoid = kernel(
    "sparse_sigmoid",
    Region(-1.0, _zeros, "x <= -1: 0", 0.0),
    Region(1.0, lambda x: 0.5 * (x + 1.0), "(x + 1) / 2", 0.5),
    Region(math.inf, _ones_keep_nan, "x >= 1: 1", 0.0),
)
sparse_sigmoid_grad = kernel(
    "sparse_sigmoid'",
    Region(-1.0, _zeros, "x < -1: 0", 0.0),
    Region(
        _above(-1.0),
        lambda x: np.full_like(x, 0.25),
        "x = -1: 1/4 (jax: clip's tie splits the gradient, half of 1/2)",
        0.0,
    ),
    Region(1.0, lambda x: np.full_like(x, 0.5), "-1 < x < 1: 1/2", 0.0),
    Region(_above(1.0), lambda x: np.full_like(x, 0.25), "x = 1: 1/4 (jax)", 0.0),
    Region(math.inf, lambda x: np.where(np.isnan(x), x, 0.0), "x > 1: 0", 0.0),
)
