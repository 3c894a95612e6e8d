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

import functools
import math
from typing import Any

import mpmath
import numpy as np
from scipy import special

from actref.kernels.compensated import two_prod
from actref.kernels.engine import Region, kernel
from actref.numeric import gelu as _gelu
from actref.numeric import gelu_grad as _gelu_grad
from actref.numeric import relu as _plain_relu
from actref.numeric import relu_grad as _plain_relu_grad

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

# keras' relu(x, negative_slope, max_value, threshold): negative_slope (x - threshold) at
# or below the threshold, x above it, capped at max_value (threshold >= 0). Derivative
# as torch's leaky_relu and hardtanh: negative_slope at the threshold, 0 at max_value.
keras_relu = kernel(
    "relu",
    Region(
        lambda s, m, t: _above(t),
        lambda x, s, m, t: _times(s, x - t),
        "x <= threshold: slope (x - threshold), two roundings",
        1.0,
    ),
    Region(lambda s, m, t: m, _identity, "threshold < x < max_value: x", 0.0),
    Region(
        math.inf,
        lambda x, s, m, t: np.where(np.isnan(x), x, m),
        "x >= max_value: max_value",
        0.0,
    ),
    absorbs_overflow=True,
)
keras_relu_grad = kernel(
    "relu'",
    Region(
        lambda s, m, t: _above(t),
        lambda x, s, m, t: np.full_like(x, s),
        "x <= threshold: the slope (torch's leaky_relu at 0)",
        0.0,
    ),
    Region(lambda s, m, t: m, lambda x, s, m, t: np.ones_like(x), "x inside: 1", 0.0),
    Region(
        math.inf,
        lambda x, s, m, t: np.where(np.isnan(x), x, 0.0 if math.isfinite(m) else 1.0),
        "x >= max_value: 0 (torch's hardtanh); no cap: x = inf, slope 1",
        0.0,
    ),
)


def relu(x: Any, negative_slope: float, max_value: float, threshold: float) -> Any:
    """relu with keras' parameters; with their defaults (0, inf, 0) today's relu kernel,
    bit for bit."""
    if negative_slope == 0 and max_value == math.inf and threshold == 0:
        return _plain_relu(x)
    return keras_relu(x, negative_slope, max_value, threshold)


def relu_grad(x: Any, negative_slope: float, max_value: float, threshold: float) -> Any:
    """relu' with keras' parameters (see :func:`relu`)."""
    if negative_slope == 0 and max_value == math.inf and threshold == 0:
        return _plain_relu_grad(x)
    return keras_relu_grad(x, negative_slope, max_value, threshold)


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

# ================================================================ xielu
# Hugging Face's XIELUActivation (Huang et al. 2024, arXiv:2411.13010), with its
# effective parameters a_p, a_n > b > 0 and eps < 0:
#   x > 0:  a_p x^2 + b x
#   x <= 0: a_n (expm1(min(x, eps)) - x) + b x
# Left of eps, f = a_n expm1(x) - m x (m = a_n - b) has a root x* < 0 where the two terms
# cancel: around it f = A (expm1(d) - d) - B d (d = x - x*, A = a_n e^{x*}, B = m - A > 0,
# the root factored out); right of it, where A (expm1(d) - d) = B d / 2, f = a_n e^x - (a_n + m x) (x <= -1) or a_n q(x) + b x with the
# series of q = expm1(x) - x (x > -1). Products and sums are exact (Dekker), so only
# expm1's, exp's or q's rounding is amplified, by at most 2. f' = a_n e^x - m = m expm1(x - x') with e^{x'} = m / a_n: one formula. The
# roots and constants depend on the parameters: computed once per parameter set with
# mpmath (200 bits) and rounded once.
XIELU_FAR = -1e280  # below, a_n expm1(x) = -a_n is nothing next to m x: (b - a_n) x - a_n
XIELU_EXP_ZERO = -750.0  # below, a_n e^x is below the smallest subnormal: f' = b - a_n

# 1/k! for k = 2..27: q(x) = expm1(x) - x = x^2 sum x^(k-2)/k! on (-1, 2), to 2^25/27! < 1e-20
_Q_COEFFS = tuple(1.0 / math.factorial(n) for n in range(27, 1, -1))


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _bisect(f: Any, lo: Any, hi: Any, steps: int) -> Any:
    """The root of ``f`` between ``lo`` (f > 0) and ``hi`` (f < 0), by halving."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


@functools.lru_cache(maxsize=64)
def xielu_constants(alpha_n: float, beta: float, eps: float) -> dict[str, float]:
    """The roots and constants of xielu for one parameter set (mpmath, 200 bits)."""
    with mpmath.workprec(200):
        an, b, e = mpmath.mpf(alpha_n), mpmath.mpf(beta), mpmath.mpf(eps)
        m = an - b

        def f(v: Any) -> Any:
            return an * mpmath.expm1(v) - m * v

        # f(-(a_n/m) - 2) >= 2m > 0, and f < 0 on [-2b/a_n, 0): bisection, 400 halvings
        root = _bisect(f, -(an / m) - 2, -b / an / 4, 400)
        a_root = an * mpmath.exp(root)
        droot = mpmath.log1p(-b / an)  # f' = 0
        c = an * mpmath.expm1(e)  # f on (eps, 0] is c - m x
        b_root = m - a_root  # -f'(x*) > 0

        # right of the root, where A (expm1(d) - d) reaches half of B d: the form around
        # the root hands over to the one from 0 (each amplifies its rounding by <= 3)
        # (a region end: float precision is plenty) h < 0 just right of 0, and h >= 0
        # from d = B/A (q >= d^2/2) and from d = 2 log(B/A + 1) + 4 (q >= e^d / 2)
        def h(d: Any) -> Any:
            return 2 * a_root * (mpmath.expm1(d) - d) - b_root * d

        lo, hi = (
            mpmath.mpf(2) ** -100,
            min(b_root / a_root, 2 * mpmath.log(b_root / a_root + 1) + 4),
        )
        for _ in range(120):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if h(mid) >= 0 else (mid, hi)
        dsw = hi
        out = {
            "switch": root + dsw,
            "B": b_root,
            "root": root,
            "A": a_root,
            "droot": droot,
            "m": m,
            "c": c,
            "kink": an * (mpmath.exp(e) / 2 - 1) + b,  # torch: min's tie splits the grad
        }
        res: dict[str, float] = {}
        for key, v in out.items():
            hi = float(v)
            res[key] = hi
            res[key + "_lo"] = float(v - hi)
    return res


def _xielu_far(x: Any, ap: float, an: float, b: float, eps: float) -> Any:
    return (b - an) * x - an


def _q_series(d: Any) -> Any:
    """expm1(d) - d = d^2 sum d^(k-2)/k! for -1 < d < 2: positive terms or a fast
    alternation, no cancellation."""
    series = np.zeros_like(d)
    for c in _Q_COEFFS:
        series = series * d + c
    return d * d * series


def _xielu_around_root(x: Any, ap: float, an: float, b: float, eps: float) -> Any:
    # f = A (expm1(d) - d) - B d with B = m - A > 0: near the root f = -B d to first
    # order, and right of it the two terms stay below a ratio of 1/2. A (expm1(d) - d)
    # from a cancellation-free form: two positive terms for d <= -1, the series on
    # (-1, 2), a_n e^x - A (1 + d) from d = 2 (e^d >= 3.2 d; e^d alone may overflow)
    k = xielu_constants(an, b, eps)
    dh, dl = _two_sum(x, -k["root"])
    dl = dl - k["root_lo"]
    dc = np.minimum(dh, 2.0)  # the small-d forms, never overflowing where unused
    small = np.where(dc <= -1.0, (-1.0 - dc) + np.exp(dc), _q_series(dc))
    aq = np.where(
        dh < 2.0,
        k["A"] * (small + dl * np.expm1(dc)) + k["A_lo"] * small,
        an * np.exp(x) - k["A"] * ((1.0 + dh) + dl),
    )
    bd, bde = two_prod(k["B"], dh)
    return (aq - bd) - (bde + k["B"] * dl + k["B_lo"] * dh)


def _xielu_near_zero(x: Any, ap: float, an: float, b: float, eps: float) -> Any:
    # x <= -1: a_n e^x - (a_n + m x), only e^x rounded (the linear part is exact);
    # -1 < x <= eps: a_n q + b x with q = expm1(x) - x = x^2 sum x^(k-2)/k! (no
    # cancellation); the products and the sum exact either way
    k = xielu_constants(an, b, eps)
    left = x <= -1.0
    p, pe = two_prod(an, np.where(left, np.exp(x), _q_series(x)))
    mx, mxe = two_prod(np.where(left, k["m"], -b), x)
    lin, line = _two_sum(np.where(left, -an, 0.0), -mx)
    s, se = _two_sum(p, lin)
    return s + (se + pe + line - mxe - np.where(left, k["m_lo"] * x, 0.0))


def _xielu_plateau(x: Any, ap: float, an: float, b: float, eps: float) -> Any:
    # eps < x <= 0: c + (b - a_n) x, the min pinned at eps
    k = xielu_constants(an, b, eps)
    p, pe = two_prod(-k["m"], x)
    s, se = _two_sum(k["c"], p)
    return s + (se + pe + k["c_lo"] - k["m_lo"] * x)


xielu = kernel(
    "xielu",
    Region(XIELU_FAR, _xielu_far, "(b - a_n) x - a_n: a_n is below an ULP of the result", 0.5),
    Region(
        lambda ap, an, b, eps: min(xielu_constants(an, b, eps)["switch"], eps),
        _xielu_around_root,
        "A (expm1(d) - d) - B d around the root x*: -B d to first order",
        2.0,
    ),
    Region(
        lambda ap, an, b, eps: _above(eps),
        _xielu_near_zero,
        "a_n e^x - (a_n + m x) left of -1, a_n (expm1(x) - x) + b x by its series right;"
        " exact products and sum",
        2.0,
    ),
    Region(
        _above(0.0),
        _xielu_plateau,
        "eps < x <= 0: a_n expm1(eps) + (b - a_n) x with a_n expm1(eps) in double-double",
        1.0,
    ),
    Region(math.inf, lambda x, ap, an, b, eps: x * (ap * x + b), "x (a_p x + b)", 1.5),
    absorbs_overflow=True,
)


def _xielu_grad_left(x: Any, ap: float, an: float, b: float, eps: float) -> Any:
    # a_n e^x - m = m expm1(x - x'), x' = log(m / a_n): no cancellation at f' = 0
    k = xielu_constants(an, b, eps)
    dh, dl = _two_sum(x, -k["droot"])
    dl = dl - k["droot_lo"]
    em1 = np.expm1(dh)
    return k["m"] * (em1 + dl * (em1 + 1.0)) + k["m_lo"] * em1


xielu_grad = kernel(
    "xielu'",
    Region(
        XIELU_EXP_ZERO,
        lambda x, ap, an, b, eps: np.full_like(x, b - an),
        "a_n e^x below the smallest subnormal: b - a_n",
        0.5,
    ),
    Region(lambda ap, an, b, eps: eps, _xielu_grad_left, "m expm1(x - x')", 2.0),
    Region(
        lambda ap, an, b, eps: _above(eps),
        lambda x, ap, an, b, eps: np.full_like(x, xielu_constants(an, b, eps)["kink"]),
        "x = eps: a_n (e^eps / 2 - 1) + b (torch: min's tie splits the gradient)",
        0.5,
    ),
    Region(
        _above(0.0),
        lambda x, ap, an, b, eps: np.full_like(x, b - an),
        "eps < x <= 0: b - a_n (torch at 0: the left piece)",
        0.5,
    ),
    Region(math.inf, lambda x, ap, an, b, eps: 2.0 * ap * x + b, "2 a_p x + b", 1.0),
    absorbs_overflow=True,
)

# The family module each kernel above moves to when the families are merged (read by
# actref.families until then).
FAMILY = {
    relu2: "piecewise",
    threshold: "piecewise",
    rrelu: "piecewise",
    prelu: "piecewise",
    relu: "piecewise",
    sparse_plus: "piecewise",
    sparse_sigmoid: "piecewise",
    quick_gelu: "logistic",
    gelu_10: "gaussian",
    laplace: "gaussian",
    exponential: "exponential",
    xielu: "exponential",
}
