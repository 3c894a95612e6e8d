"""Correct code in unusual but legitimate forms: np.vectorize, functools.partial, a
callable object, default arguments, and a print flood of 2 MiB per call (past the
1 MiB output cap: dropped, never an error). Full marks."""

import functools
import math
import sys

import numpy as np


def _flood():
    sys.stdout.write("x" * (2 << 20))
    print("more", file=sys.stderr)


def _sigmoid_scalar(v):
    _flood()
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


sigmoid = np.vectorize(_sigmoid_scalar, otypes=[float])


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


def _leaky(x, slope):
    return np.where(x > 0, x, slope * x)


leaky_relu = functools.partial(_leaky, slope=0.1)


def leaky_relu_derivative(x, slope=0.1):
    return np.where(x > 0, 1.0, slope)


class _Tanh:
    def __call__(self, x):
        return np.tanh(x)


tanh = _Tanh()


def tanh_derivative(x):
    return 1 - np.tanh(x) ** 2


def relu(x=0.0):
    return np.maximum(x, 0.0)


def relu_derivative(x=0.0):
    return np.where(x > 0, 1.0, 0.0)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def softmax_derivative(x):
    s = softmax(x)
    return s * (1 - s)
