"""A careful NumPy submission: stable forms, explicit derivatives, no input mutation."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    return np.tanh(x)


def tanh_derivative(x):
    return 1 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(x, 0.0)


def relu_derivative(x):
    return (np.asarray(x) > 0).astype(float)


def leaky_relu(x, alpha=0.1):
    return np.where(x > 0, x, alpha * x)


def leaky_relu_derivative(x, alpha=0.1):
    return np.where(x > 0, 1.0, alpha)


def softmax(x):
    z = np.asarray(x, dtype=float)
    e = np.exp(z - np.max(z))
    return e / e.sum()


def softmax_derivative(x):
    s = softmax(x)
    return s * (1 - s)
