"""Derivatives that take the activation's output, the most common style in the wild:
sigmoid'(x) = s(1 - s) with s = sigmoid(x), tanh'(x) = 1 - t**2, softmax's Jacobian
built from s. From a from-scratch network: the backward pass reuses the cached outputs."""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_derivative(s):
    # s is the output of the sigmoid (cached in the forward pass)
    return s * (1 - s)


def tanh(x):
    return np.tanh(x)


def dtanh(t):
    return 1 - t**2


def relu(x):
    return np.maximum(0, x)


def relu_derivative(a):
    return (a > 0).astype(float)


def leaky_relu(x, alpha=0.1):
    return np.where(x > 0, x, alpha * x)


def leaky_relu_derivative(a, alpha=0.1):
    return np.where(a > 0, 1.0, alpha)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_derivative(s):
    s = s.reshape(-1, 1)
    return np.diagflat(s) - s @ s.T
