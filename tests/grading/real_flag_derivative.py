"""The 'nonlin(x, deriv=False)' style: the derivative is the same function with a flag.
sigmoid's flag derivative takes the output (as in the famous 11-line network), tanh's
takes x; leaky_relu has a slope parameter alpha (default 0.01) bound to 0.1."""

import numpy as np


def sigmoid(x, deriv=False):
    if deriv:
        return x * (1 - x)
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def tanh(x, derivative=False):
    if derivative:
        return 1 - np.tanh(x) ** 2
    return np.tanh(x)


def relu(x, grad=False):
    if grad:
        return np.where(x > 0, 1.0, 0.0)
    return np.maximum(x, 0)


def leaky_relu(x, alpha=0.01, deriv=False):
    if deriv:
        return np.where(x > 0, 1.0, alpha)
    return np.where(x > 0, x, alpha * x)


def softmax(x, deriv=False):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    s = e / np.sum(e, axis=1, keepdims=True)
    if deriv:
        return s * (1 - s)
    return s
