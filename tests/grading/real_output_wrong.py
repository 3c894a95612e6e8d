"""Output-convention derivatives, but wrong: they must fail under either convention,
and stability is not charged a second time for the same mistake."""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_derivative(s):
    return s * (1 + s)  # sign slip


def tanh(x):
    return np.tanh(x)


def tanh_derivative(t):
    return 1 - t  # forgot the square


def relu(x):
    return np.maximum(0, x)


def relu_derivative(a):
    return (a > 0).astype(float)


def leaky_relu(x):
    return np.where(x > 0, x, 0.1 * x)


def leaky_relu_derivative(a):
    return np.where(a > 0, 1.0, 0.1)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_derivative(s):
    return np.diag(s) + np.outer(s, s)  # wrong sign of the outer product
