"""sigmoid cut to 0 / 1 beyond |x| > 5, a 'saturation shortcut' (value only)."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    exact = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return np.where(x > 5, 1.0, np.where(x < -5, 0.0, exact))


def sigmoid_derivative(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def tanh(x):
    return np.tanh(x)


def tanh_derivative(x):
    return 1 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(x, 0.0)


def relu_derivative(x):
    return np.where(np.asarray(x) > 0, 1.0, 0.0)


def leaky_relu(x):
    return np.where(x > 0, x, 0.1 * x)


def leaky_relu_derivative(x):
    return np.where(x > 0, 1.0, 0.1)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def softmax_derivative(x):
    s = softmax(x)
    return s * (1 - s)
