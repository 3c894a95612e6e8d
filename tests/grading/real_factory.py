"""Zero-argument factories returning (f, f')."""

import numpy as np


def sigmoid():
    f = lambda x: 1 / (1 + np.exp(-np.clip(x, -500, 500)))  # noqa: E731
    return f, lambda x: f(x) * (1 - f(x))


def tanh():
    return np.vectorize(lambda x: float(np.tanh(x))), lambda x: 1 - np.tanh(x) ** 2


def relu():
    def forward(x):
        return np.maximum(x, 0)

    def backward(x):
        return (x > 0).astype(float)

    return forward, backward


def leaky_relu():
    return (lambda x: np.where(x > 0, x, 0.1 * x)), (lambda x: np.where(x > 0, 1.0, 0.1))
