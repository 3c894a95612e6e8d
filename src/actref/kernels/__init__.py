"""The NumPy kernels, one module per family, each kernel declared as regions and run by
:mod:`actref.kernels.engine`. The registry names them here."""

from actref.kernels.algebraic import softsign, softsign_grad, squareplus, squareplus_grad
from actref.kernels.constants import SELU_ALPHA, SELU_SCALE
from actref.kernels.exponential import (
    celu,
    celu_grad,
    elu,
    elu_grad,
    exponential,
    exponential_grad,
    selu,
    selu_grad,
    xielu,
    xielu_grad,
)
from actref.kernels.gaussian import (
    gelu,
    gelu_10,
    gelu_10_grad,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    laplace,
    laplace_grad,
)
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
    quick_gelu,
    quick_gelu_grad,
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
    prelu,
    prelu_grad,
    relu,
    relu2,
    relu2_grad,
    relu6,
    relu6_grad,
    relu_grad,
    rrelu,
    rrelu_grad,
    softshrink,
    softshrink_grad,
    sparse_plus,
    sparse_plus_grad,
    sparse_sigmoid,
    sparse_sigmoid_grad,
    threshold,
    threshold_grad,
)

__all__ = [
    "SELU_ALPHA", "SELU_SCALE", "celu", "celu_grad", "elu", "elu_grad", "exponential",
    "exponential_grad", "gelu", "gelu_10", "gelu_10_grad", "gelu_grad", "gelu_tanh",
    "gelu_tanh_grad", "hardshrink", "hardshrink_grad", "hardsigmoid", "hardsigmoid_grad",
    "hardswish", "hardswish_grad", "hardtanh", "hardtanh_grad", "identity", "identity_grad",
    "laplace", "laplace_grad", "leaky_relu", "leaky_relu_grad", "log_sigmoid",
    "log_sigmoid_grad", "mish", "mish_grad", "prelu", "prelu_grad", "quick_gelu",
    "quick_gelu_grad", "relu", "relu2", "relu2_grad", "relu6", "relu6_grad", "relu_grad",
    "rrelu", "rrelu_grad", "selu", "selu_grad", "sigmoid", "sigmoid_grad", "silu",
    "silu_grad", "softplus", "softplus_grad", "softshrink", "softshrink_grad", "softsign",
    "softsign_grad", "sparse_plus", "sparse_plus_grad", "sparse_sigmoid",
    "sparse_sigmoid_grad", "squareplus", "squareplus_grad", "tanh", "tanh_grad",
    "tanhshrink", "tanhshrink_grad", "threshold", "threshold_grad", "xielu", "xielu_grad",
]  # fmt: skip
