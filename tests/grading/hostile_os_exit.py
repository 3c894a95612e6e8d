"""tanh ends the process with os._exit(3) (the worker dies; a new one carries on)."""

import numpy as np
import os


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    os._exit(3)


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
