"""Names the rubric does not know: reported, not graded. Module constants named like a
function are not 'not a function'."""

import numpy as np

RELU_THRESHOLD = 0.0
relu = "see rectify below"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivada(x):
    s = sigmoid(x)
    return s * (1 - s)


def rectify(x):
    return np.maximum(x, RELU_THRESHOLD)


def nonlin(x, deriv=False):
    if deriv:
        return 1 - np.tanh(x) ** 2
    return np.tanh(x)
