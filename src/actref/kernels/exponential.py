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

import math
from typing import Any

import numpy as np

from actref.kernels.compensated import two_prod
from actref.kernels.constants import SELU_SCALE, SELU_SCALE_ALPHA, SELU_SLOPE_AT_0
from actref.kernels.engine import Region, kernel, select

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
    e = np.exp(np.minimum(x, 0.0))  # e^x left of 0, 1 right of it
    if alpha == 1.0:
        return e
    return select(x > 0.0, 1.0, alpha * e)


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
    if alpha == 1.0:
        return _elu(x, 1.0)
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
