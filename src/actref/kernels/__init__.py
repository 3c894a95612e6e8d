"""The NumPy kernels, one module per family, each kernel declared as regions and run by
:mod:`actref.kernels.engine`. The registry names them here."""

from actref.kernels.algebraic import softsign, softsign_grad, squareplus, squareplus_grad
from actref.kernels.constants import SELU_ALPHA, SELU_SCALE
from actref.kernels.exponential import celu, celu_grad, elu, elu_grad, selu, selu_grad
from actref.kernels.gaussian import gelu, gelu_grad, gelu_tanh, gelu_tanh_grad
from actref.kernels.hyperbolic import (
    mish,
    mish_grad,
    tanh,
    tanh_grad,
    tanhshrink,
    tanhshrink_grad,
)
from actref.kernels.logistic import (
    log_sigmoid,
    log_sigmoid_grad,
    sigmoid,
    sigmoid_grad,
    silu,
    silu_grad,
    softplus,
    softplus_grad,
)
from actref.kernels.piecewise import (
    hardshrink,
    hardshrink_grad,
    hardsigmoid,
    hardsigmoid_grad,
    hardswish,
    hardswish_grad,
    hardtanh,
    hardtanh_grad,
    identity,
    identity_grad,
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu6,
    relu6_grad,
    relu_grad,
    softshrink,
    softshrink_grad,
)

__all__ = [
    "SELU_ALPHA", "SELU_SCALE",
    "celu", "celu_grad", "elu", "elu_grad", "gelu", "gelu_grad", "gelu_tanh",
    "gelu_tanh_grad", "hardshrink", "hardshrink_grad", "hardsigmoid", "hardsigmoid_grad",
    "hardswish", "hardswish_grad", "hardtanh", "hardtanh_grad", "identity",
    "identity_grad", "leaky_relu", "leaky_relu_grad", "log_sigmoid", "log_sigmoid_grad",
    "mish", "mish_grad", "relu", "relu6", "relu6_grad", "relu_grad", "selu", "selu_grad",
    "sigmoid", "sigmoid_grad", "silu", "silu_grad", "softplus", "softplus_grad",
    "softshrink", "softshrink_grad", "softsign", "softsign_grad", "squareplus",
    "squareplus_grad", "tanh", "tanh_grad", "tanhshrink", "tanhshrink_grad",
]  # fmt: skip
