r"""The exponential linear family: ELU, SELU and CELU with their derivatives.

Each is the identity (SELU: :math:`\lambda x`) right of 0 and a scaled
:math:`e^{x} - 1` left of it:

.. math::

    \mathrm{elu}(x) = \alpha (e^{\min(x, 0)} - 1) + \max(x, 0), \qquad
    \mathrm{celu}(x) = \alpha (e^{\min(x, 0)/\alpha} - 1) + \max(x, 0),

and :math:`\mathrm{selu}(x) = \lambda\,\mathrm{elu}(x; \alpha_{\mathrm{SELU}})`. Written
with :math:`\min(x, 0)` and :math:`\max(x, 0)` each is one closed form on the whole line:
the exponential never sees a positive argument (so it cannot overflow), one side's term
is exactly 0 on the other side, and ``expm1`` keeps the tiny :math:`e^x - 1` near 0 to
full precision. The derivatives are :math:`\alpha e^x` (:math:`e^{x/\alpha}`,
:math:`\lambda\alpha e^x`) left of 0 and the constant slope right of it, chosen by
``x > 0`` with :func:`~actref.kernels.engine.select` (``np.where`` without its
per-element branch; selu' instead multiplies :math:`e^{\min(x, 0)}` by its slope,
:math:`\lambda\alpha + [x > 0](\lambda - \lambda\alpha)`, an exact sum); at the kink the left value is PyTorch's convention (elu'(0) =
alpha, celu'(0) = 1, selu'(0) = lambda alpha).

The parameter's whole accepted domain is held (issue 14): elu' with
:math:`\alpha > 1` where :math:`e^x` is subnormal but :math:`\alpha e^x` is not,
celu with :math:`\alpha > 1` where :math:`x/\alpha` is subnormal, celu' far left through
the exact remainder of :math:`x/\alpha`. With :math:`\alpha = 1` ELU and CELU are one
function and keep the short form.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import mpmath
import numpy as np

from actref.kernels.compensated import two_prod, two_sum
from actref.kernels.constants import SELU_SCALE, SELU_SCALE_ALPHA, SELU_SLOPE_AT_0
from actref.kernels.engine import Region, kernel, select
from actref.kernels.piecewise import just_above

# below -700 (from -708.4 on), e^x is subnormal while alpha e^x (alpha > 1) need not be
ELU_DEEP = -700.0
# below -40 alpha, e^{x/alpha} < 2^-57: alpha (e^{x/alpha} - 1) rounds to -alpha
CELU_SATURATED = 40.0
# below -800 alpha, e^{x/alpha} is 0 (it underflows from x/alpha = -745.2)
CELU_GRAD_GONE = 800.0
SMALLEST_NORMAL = 2.0**-1022


# ------------------------------------------------------------------------------ elu
def _elu(x: Any, alpha: float) -> Any:
    left = np.expm1(np.minimum(x, 0.0))
    return (left if alpha == 1.0 else alpha * left) + np.maximum(x, 0.0)


elu = kernel(
    "elu",
    Region(
        math.inf,
        _elu,
        "alpha expm1(min(x, 0)) + max(x, 0): each term exactly 0 on the other side,"
        " expm1 exact near 0 and never given a positive argument",
        1.0,
    ),
)


def _elu_grad(x: Any, alpha: float) -> Any:
    if alpha == 1.0:
        return np.exp(np.minimum(x, 0.0))  # e^x left of 0, 1 right of it
    return select(x > 0.0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def _elu_grad_deep(x: Any, alpha: float) -> Any:
    h = np.exp(0.5 * x)
    return (alpha * h) * h


elu_grad = kernel(
    "elu'",
    Region(
        lambda alpha: ELU_DEEP if alpha > 1.0 else -math.inf,
        _elu_grad_deep,
        "alpha > 1: (alpha e^{x/2}) e^{x/2}, every factor normal where e^x is subnormal"
        " but alpha e^x is not (489 ULP at alpha = 1000, 8.3e6 at 1e10 as alpha e^x)",
        2.0,
    ),
    Region(
        math.inf,
        _elu_grad,
        "1 for x > 0, alpha e^{min(x, 0)} otherwise (elu'(0) = alpha): the exponential"
        " never overflows",
        1.0,
    ),
)


# ----------------------------------------------------------------------------- selu
selu = kernel(
    "selu",
    Region(
        math.inf,
        lambda x: (
            SELU_SCALE_ALPHA * np.expm1(np.minimum(x, 0.0)) + SELU_SCALE * np.maximum(x, 0.0)
        ),
        "lambda alpha expm1(min(x, 0)) + lambda max(x, 0), as elu; lambda x beyond the"
        " largest float is inf, the rounded true value (that overflow is not warned)",
        1.0,
    ),
    absorbs_overflow=True,
)


# lambda - lambda alpha is exact (Sterbenz: lambda alpha / 2 <= lambda <= 2 lambda alpha),
# so lambda alpha + [x > 0] (lambda - lambda alpha) is lambda or lambda alpha exactly
SELU_RIGHT_MINUS_LEFT = SELU_SCALE - SELU_SLOPE_AT_0


def _selu_grad(x: Any) -> Any:
    slope = SELU_SLOPE_AT_0 + (x > 0.0) * SELU_RIGHT_MINUS_LEFT  # lambda right, lambda alpha left
    return slope * np.exp(np.minimum(x, 0.0))  # times e^x left of 0, times 1 right of it


selu_grad = kernel(
    "selu'",
    Region(
        math.inf,
        _selu_grad,
        "(lambda alpha + [x > 0] (lambda - lambda alpha)) e^{min(x, 0)}: lambda right of 0"
        " (lambda 1), lambda alpha e^x otherwise, the factor exact (Sterbenz);"
        " selu'(0) = lambda alpha as the float product (the registry's kink value), 1 ULP"
        " below the true one",
        3.0,
    ),
)


# ----------------------------------------------------------------------------- celu
def _celu(x: Any, alpha: float) -> Any:
    if alpha == 1.0:  # elu
        return np.expm1(np.minimum(x, 0.0)) + np.maximum(x, 0.0)
    m = np.maximum(np.minimum(x, 0.0), -CELU_SATURATED * alpha)  # x / alpha stays finite
    # x/alpha held at or below -2^-1022: a subnormal quotient loses bits that alpha
    # multiplies back (416 ULP at alpha = 1000, x = -2.2e-308). Where it is held (|x| <
    # alpha 2^-1022, and x >= 0), the result falls below m, and celu(x) >= x restores m:
    # celu(x) = x + x^2/(2 alpha) rounds to x there
    u = np.minimum(m, -alpha * SMALLEST_NORMAL) / alpha
    return np.maximum(alpha * np.expm1(u), m) + np.maximum(x, 0.0)


celu = kernel(
    "celu",
    Region(
        math.inf,
        _celu,
        "max(alpha expm1(u), m) + max(x, 0), m = min(x, 0) held above -40 alpha (the"
        " exponential is below half an ULP of 1 there, and x/alpha cannot overflow),"
        " u = m/alpha held at or below -2^-1022 (never subnormal; celu(x) >= x gives x"
        " back where it is held)",
        2.0,
    ),
)


def _celu_grad(x: Any, alpha: float) -> Any:
    if alpha == 1.0:
        return np.exp(np.minimum(x, 0.0))
    m = np.maximum(np.minimum(x, 0.0), -CELU_GRAD_GONE * alpha)  # keeps q and its split finite
    q = m / alpha
    p, e = two_prod(q, alpha)  # q alpha = p + e exactly
    r = ((m - p) - e) / alpha  # m/alpha = q + r: rounding q would cost |q| ULP far left
    return select(x > 0.0, 1.0, np.exp(q) * (1.0 + r))


celu_grad = kernel(
    "celu'",
    Region(
        math.inf,
        _celu_grad,
        "1 for x > 0, e^q (1 + r) otherwise, x/alpha = q + r to double-double (Dekker):"
        " e^{x/alpha} from a rounded quotient would be |x/alpha| ULP off far left;"
        " m = min(x, 0) held above -800 alpha, where e^{x/alpha} is 0",
        2.0,
    ),
)


# ============================================================ issue 15: exponential
exponential = kernel(
    "exponential",
    Region(math.inf, np.exp, "e^x: NumPy's exp (overflow to inf is the truth)", 1.0),
    absorbs_overflow=True,
)
exponential_grad = kernel(
    "exponential'",
    Region(math.inf, np.exp, "(e^x)' = e^x", 1.0),
    absorbs_overflow=True,
)


# ============================================================ issue 15: xielu
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
    dh, dl = two_sum(x, -k["root"])
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
    lin, line = two_sum(np.where(left, -an, 0.0), -mx)
    s, se = two_sum(p, lin)
    return s + (se + pe + line - mxe - np.where(left, k["m_lo"] * x, 0.0))


def _xielu_plateau(x: Any, ap: float, an: float, b: float, eps: float) -> Any:
    # eps < x <= 0: c + (b - a_n) x, the min pinned at eps
    k = xielu_constants(an, b, eps)
    p, pe = two_prod(-k["m"], x)
    s, se = two_sum(k["c"], p)
    return s + (se + pe + k["c_lo"] - k["m_lo"] * x)


xielu = kernel(
    "xielu",
    Region(XIELU_FAR, _xielu_far, "(b - a_n) x - a_n: a_n is below an ULP of the result", 0.5),
    Region(
        lambda ap, an, b, eps: min(xielu_constants(an, b, eps)["switch"], eps),
        _xielu_around_root,
        "A (expm1(d) - d) - B d around the root x*: -B d to first order",
        3.0,
    ),
    Region(
        lambda ap, an, b, eps: just_above(eps),
        _xielu_near_zero,
        "a_n e^x - (a_n + m x) left of -1, a_n (expm1(x) - x) + b x by its series right;"
        " exact products and sum",
        3.0,
    ),
    Region(
        just_above(0.0),
        _xielu_plateau,
        "eps < x <= 0: a_n expm1(eps) + (b - a_n) x with a_n expm1(eps) in double-double",
        1.0,
    ),
    Region(math.inf, lambda x, ap, an, b, eps: x * (ap * x + b), "x (a_p x + b)", 2.0),
    absorbs_overflow=True,
)


def _xielu_grad_left(x: Any, ap: float, an: float, b: float, eps: float) -> Any:
    # a_n e^x - m = m expm1(x - x'), x' = log(m / a_n): no cancellation at f' = 0
    k = xielu_constants(an, b, eps)
    dh, dl = two_sum(x, -k["droot"])
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
        lambda ap, an, b, eps: just_above(eps),
        lambda x, ap, an, b, eps: np.full_like(x, xielu_constants(an, b, eps)["kink"]),
        "x = eps: a_n (e^eps / 2 - 1) + b (torch: min's tie splits the gradient)",
        0.5,
    ),
    Region(
        just_above(0.0),
        lambda x, ap, an, b, eps: np.full_like(x, b - an),
        "eps < x <= 0: b - a_n (torch at 0: the left piece)",
        0.5,
    ),
    Region(math.inf, lambda x, ap, an, b, eps: 2.0 * ap * x + b, "2 a_p x + b", 1.0),
    absorbs_overflow=True,
)
