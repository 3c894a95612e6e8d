"""Uses the neighbouring module; defines the derivative of relu itself."""

import numpy as np
from activations import relu, sigmoid  # noqa: F401

from helpers import steps  # noqa: F401


def relu_derivative(x):
    return (np.asarray(x) > 0).astype(float)
