"""The exponential family: ELU, SELU and CELU (kernels/exponential.py)."""

from __future__ import annotations

import math

import numpy as np
import sympy

from actref import kernels
from actref import symbolic as sym
from actref.activation import Activation, Law, Param
from actref.catalogue.common import pw
from actref.kernels.constants import SELU_ALPHA, SELU_SCALE
from actref.symbolic import x

_POSITIVE = "a finite number > 0"


def _positive(v: float) -> bool:
    return math.isfinite(v) and v > 0


# issue 14: celu' splits x/alpha with Dekker's product, which needs a normal alpha whose
# 2^27-fold does not overflow (a subnormal alpha cost 43 ULP, 1.3e300 gave nan)
_CELU_ALPHA = "a number between 1e-300 and 1e300"


def _celu_alpha(v: float) -> bool:
    return 1e-300 <= v <= 1e300


_SELU_SA = SELU_SCALE * SELU_ALPHA  # PyTorch's product of the rounded constants


ENTRIES: tuple[Activation, ...] = (
    Activation(
        "elu",
        "exponential linear unit",
        pw((x, x > 0), (sym.alpha * (sympy.exp(x) - 1), True)),
        kernels.elu,
        kernels.elu_grad,
        laws=(
            Law(
                "elu'(x) = elu(x) + alpha for x <= 0",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) + a.params["alpha"],
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a(v)) + a.params["alpha"],
                ops=1,
                where=(-1e4, 0.0),
            ),
        ),
        # the whole accepted domain meets the budget (alpha > 1 far left in the kernel,
        # issue 14)
        param_specs=(Param("alpha", 1.0, sym.alpha, _positive, _POSITIVE),),
        param_values=(1.0,),
        increasing=True,
    ),
    Activation(
        "selu",
        "scaled exponential linear unit",
        pw(
            (sym.SELU_SCALE * x, x > 0),
            (sym.SELU_SCALE * sym.SELU_ALPHA * (sympy.exp(x) - 1), True),
        ),
        kernels.selu,
        kernels.selu_grad,
        laws=(
            Law(
                "selu(x) = scale elu(x, alpha)",
                lambda a, v, other: a(v),
                lambda a, v, other: SELU_SCALE * other("elu", alpha=SELU_ALPHA)(v),
                lambda a, v, other: 2 * np.abs(a(v)),
            ),
            Law(
                "selu'(x) = selu(x) + scale alpha for x <= 0",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) + _SELU_SA,
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a(v)) + _SELU_SA,
                where=(-1e4, 0.0),
            ),
        ),
        # PyTorch's selu'(0), and its slope left of 0, is the float product of its two
        # rounded constants (1.7580993408473766), one ULP below scale * alpha rounded
        kink_grad=((0.0, _SELU_SA),),
        # -scale * alpha = -1.75809934084737685994..., rounded down (the float product
        # -1.7580993408473766 lies above it)
        bounds=(-1.758099340847377, math.inf),
        increasing=True,
    ),
    Activation(
        "celu",
        "continuously differentiable ELU",
        pw((x, x > 0), (sym.alpha * (sympy.exp(x / sym.alpha) - 1), True)),
        kernels.celu,
        kernels.celu_grad,
        laws=(
            Law(
                "celu(x) = alpha elu(x / alpha)",
                lambda a, v, other: a(v),
                lambda a, v, other: a.params["alpha"] * other("elu")(v / a.params["alpha"]),
                # x / alpha is rounded: elu' <= 1 carries eps |x| into the result
                lambda a, v, other: 2 * np.abs(a(v)) + np.abs(v),
            ),
            Law(
                "celu'(x) = celu(x) / alpha + 1 for x <= 0",
                lambda a, v, other: a.grad(v),
                lambda a, v, other: a(v) / a.params["alpha"] + 1,
                lambda a, v, other: np.abs(a.grad(v)) + np.abs(a(v)) / a.params["alpha"] + 1,
                where=(-1e4, 0.0),
            ),
        ),
        # the whole accepted domain meets the budget (alpha narrowed, issue 14)
        param_specs=(Param("alpha", 1.0, sym.alpha, _celu_alpha, _CELU_ALPHA),),
        param_values=(1.0,),
        increasing=True,
    ),
)
