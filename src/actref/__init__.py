"""actref: the reference implementation of neural-network activation functions.

Every activation exists twice, as a numerically stable NumPy implementation and as an
exact SymPy expression, and the two are held against each other, against finite
differences and against an arbitrary-precision oracle.

>>> import actref
>>> gelu = actref.get("gelu")
>>> float(gelu(1.0))
0.8413447460685429
"""

from __future__ import annotations

__all__ = [
    "Activation",
    "Kink",
    "UnknownActivationError",
    "all_activations",
    "finite_diff",
    "get",
    "hard_inputs",
    "log_softmax",
    "logsumexp",
    "names",
    "oracle",
    "softmax",
    "softmax_jacobian",
    "softmax_jacobian_diag",
    "softmin",
    "testing",
    "vectors",
]

from actref import finite_diff, hard_inputs, oracle, testing, vectors
from actref.registry import (
    Activation,
    Kink,
    UnknownActivationError,
    all_activations,
    get,
    names,
)
from actref.softmax import (
    log_softmax,
    logsumexp,
    softmax,
    softmax_jacobian,
    softmax_jacobian_diag,
    softmin,
)

__version__ = "0.1.0"
