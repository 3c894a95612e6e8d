"""The logistic family: sigmoid and log-sigmoid with their derivatives.

Each is one formula valid on the whole line. ``exp(-|x|)`` lies in [0, 1] and never
overflows; where ``exp(-x)`` overflows (x < -709.78), ``1 / (1 + inf) = 0`` is the
correctly rounded result (the truth is below the smallest subnormal there), so that
overflow is absorbed, not warned.
"""

from __future__ import annotations

import math

import numpy as np

from actref.kernels.engine import F64, Region, kernel

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
