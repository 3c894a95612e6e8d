"""x-convention derivatives with mistakes that no convention explains."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return sigmoid(x) * (1 + sigmoid(x))


def tanh(x):
    return np.tanh(x)


def tanh_derivative(x):
    return 1 - np.tanh(x)


def relu(x):
    return np.maximum(0, x)


def relu_derivative(x):
    return np.where(x > 0, x, 0.0)  # returns x, not 1


def leaky_relu(x):
    return np.where(x > 0, x, 0.1 * x)


def leaky_relu_derivative(x):
    return np.where(x > 0, 1.0, 0.1)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_derivative(x):
    s = softmax(x)
    return s * s
