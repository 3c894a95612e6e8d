r"""The algebraic family: softsign and squareplus with their derivatives.

Both are rational or root expressions with no transcendental function:

.. math::

    \mathrm{softsign}(x) = \frac{x}{1 + |x|}, \qquad
    \mathrm{squareplus}(x) = \frac{x + \sqrt{x^2 + b}}{2}.

softsign is one division on the whole line; only :math:`\pm\infty` needs a word
(:math:`\infty/\infty`), and its derivative squares :math:`1/(1 + |x|)` after the
division so that it cannot overflow.

squareplus cancels for :math:`x < 0` (:math:`x + \sqrt{x^2 + b} \to 0`). With
:math:`s = (|x| + h)/2`, :math:`h = \sqrt{x^2 + b}`, no term cancels: since
:math:`\mathrm{squareplus}(x)\,\mathrm{squareplus}(-x) = b/4`, it is :math:`s` for
:math:`x \ge 0` and :math:`(b/4)/s` for :math:`x < 0`. Likewise the derivative
:math:`(1 + x/h)/2` is :math:`1 - g` right of 0 and :math:`g` left of it, with
:math:`g = (b/4)/(h s)` (at most 1/2), which
:math:`1 - [\operatorname{signbit} x] - \operatorname{copysign}(g, x)` gives in one
rounding. :math:`h` is one square root of :math:`x^2 + b` with :math:`|x|` held at
:math:`10^{150}` (beyond, :math:`h = |x|` to double precision, which a ``max`` restores);
only :math:`b \ge 10^{280}` takes ``hypot`` (a slow scalar loop). Quotients are taken in
the order that keeps every intermediate normal for the smallest accepted :math:`b`
(:math:`2^{-1022}`; a subnormal :math:`b` is refused by the registry): :math:`(b/s)/4`,
not :math:`(b/4)/s`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actref.kernels.engine import Region, kernel

LARGEST = float(np.finfo(np.float64).max)
# |x| up to here, and b below SQUAREPLUS_WIDE_B: x^2 + b is finite (1e300 + 1e280)
SQUAREPLUS_ONE_PASS = 1e150
SQUAREPLUS_WIDE_B = 1e280
# From here b/2 (b/4) is a normal number: a quotient scaled by 1/2 (1/4) is then the
# scaled dividend's quotient, bit for bit, one multiplication fewer.
HALF_B_NORMAL = 2.0**-1021
QUARTER_B_NORMAL = 2.0**-1020


# ------------------------------------------------------------------------- softsign
def _softsign(x: Any) -> Any:
    xc = x.clip(-LARGEST, LARGEST)  # inf: LARGEST/(1 + LARGEST) = 1
    return xc / (1.0 + np.abs(xc))


softsign = kernel(
    "softsign",
    Region(
        math.inf,
        _softsign,
        "x / (1 + |x|): one sum of positive terms and one division; +-inf held at the"
        " largest float, where the quotient is already +-1 (not inf/inf)",
        1.0,
    ),
)


def _softsign_grad(x: Any) -> Any:
    r = 1.0 / (1.0 + np.abs(x))
    return r * r


softsign_grad = kernel(
    "softsign'",
    Region(
        math.inf,
        _softsign_grad,
        "(1 / (1 + |x|))^2: squared after the division, so (1 + |x|)^2 never overflows",
        3.0,
    ),
)


# ----------------------------------------------------------------------- squareplus
def _half_sum(x: Any, b: float) -> tuple[Any, Any]:
    """h = sqrt(x^2 + b) and s = (|x| + h)/2, never overflowing."""
    a = np.abs(x)
    if b >= SQUAREPLUS_WIDE_B:
        h = np.hypot(a, math.sqrt(b))
    else:
        # beyond |x| = 1e150 x^2 would overflow, and h = |x| (b/x^2 < 1e-20): the root
        # of the held x^2 + b is below |x| there, and never below it inside (sqrt(x*x)
        # is |x|)
        h = np.maximum(np.sqrt(np.square(np.minimum(a, SQUAREPLUS_ONE_PASS)) + b), a)
    return h, 0.5 * a + 0.5 * h  # halved first: |x| + h overflows near the largest float


def _squareplus(x: Any, b: float) -> Any:
    _, s = _half_sum(x, b)
    # (b/4)/s <= s (s^2 >= b/4): clamping +inf (x >= 0) between them gives s, -inf
    # (x < 0) gives (b/4)/s; a choice without a branch, exact, and right at -inf
    return np.minimum(np.maximum(np.copysign(np.inf, x), (b / s) * 0.25), s)


def _squareplus_near(x: Any, b: float) -> Any:
    s = (np.abs(x) + np.sqrt(x * x + b)) * 0.5  # the same bits as _half_sum's s here
    # (b/4)/s, as beyond; b/4 first when it is normal (one pass fewer, the same bits)
    q = (0.25 * b) / s if b >= QUARTER_B_NORMAL else (b / s) * 0.25
    return np.minimum(np.maximum(np.copysign(np.inf, x), q), s)


def _near_start(b: float) -> float:
    """Where the one-pass form starts (it holds while x^2 + b is finite): -1e150, or
    nowhere when b >= 1e280 (then only the held form runs)."""
    return -SQUAREPLUS_ONE_PASS if b < SQUAREPLUS_WIDE_B else -math.inf


def _near_end(b: float) -> float:
    return SQUAREPLUS_ONE_PASS if b < SQUAREPLUS_WIDE_B else -math.inf


_HELD = (
    "s for x >= 0, (b/s)/4 for x < 0, s = (|x| + h)/2: no cancellation on either"
    " side; h = sqrt(x^2 + b) with x^2 held below overflow (|x| itself beyond 1e150),"
    " or hypot when b >= 1e280; (b/s)/4 keeps every intermediate normal for b = 2^-1022"
)

squareplus = kernel(
    "squareplus",
    Region(_near_start, _squareplus, _HELD, 3.0),
    Region(
        _near_end,
        _squareplus_near,
        "as beyond, with h = sqrt(x^2 + b) taken directly (x^2 + b is finite here) and"
        " s = (|x| + h)/2 halved once (|x| + h cannot overflow): the same values",
        3.0,
    ),
    Region(math.inf, _squareplus, _HELD, 3.0),
)


def _squareplus_grad(x: Any, b: float) -> Any:
    h, s = _half_sum(x, b)
    g = ((b / h) / s) * 0.25  # squareplus'(-|x|) = (b/4)/(h s) <= 1/2
    return 1.0 - np.signbit(x) - np.copysign(g, x)  # g left of 0, 1 - g right of it


def _squareplus_grad_near(x: Any, b: float) -> Any:
    h = np.sqrt(x * x + b)
    if b >= HALF_B_NORMAL:  # ((b/2)/h)/(|x| + h): beyond's quotients, scaled first
        g = ((0.5 * b) / h) / (np.abs(x) + h)
    else:
        g = ((b / h) / ((np.abs(x) + h) * 0.5)) * 0.25
    return np.abs(~np.signbit(x) - g)  # |1 - g| = 1 - g from +0 on, |0 - g| = g left of it


_GRAD_HELD = (
    "1 - [signbit x] - copysign(g, x), g = (b/4)/(h s) <= 1/2: one rounding after g,"
    " no cancellation on either side (1 - g >= 1/2); h and s as squareplus's. 5 ULP:"
    " g just below 1/2, where the ULP halves (-0.0072 at b = 4); the textbook"
    " (1 + x/h)/2 is 1 ULP for |x| < sqrt(b)/2, but as a third region it cost 1.7x"
)

squareplus_grad = kernel(
    "squareplus'",
    Region(_near_start, _squareplus_grad, _GRAD_HELD, 5.0),
    Region(
        _near_end,
        _squareplus_grad_near,
        "|[not signbit x] - g|, the same values as beyond (1 - g rounded once, or g),"
        " with h = sqrt(x^2 + b) taken directly (x^2 + b is finite here) and"
        " |x| + h not halved (it cannot overflow; a one-division g = (b/2)/(h (|x| + h))"
        " reached 5 ULP at -1.34e-4); 5 ULP as beyond",
        5.0,
    ),
    Region(math.inf, _squareplus_grad, _GRAD_HELD, 5.0),
)
