"""Scalar-only code (math module, if statements): correct values, not vectorised."""

import math


def sigmoid(x):
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    return math.tanh(x)


def tanh_derivative(x):
    return 1 - math.tanh(x) ** 2


def relu(x):
    if x > 0:
        return x
    return 0.0


def relu_derivative(x):
    return 1.0 if x > 0 else 0.0


def leaky_relu(x):
    return x if x > 0 else 0.1 * x


def leaky_relu_derivative(x):
    return 1.0 if x > 0 else 0.1


def softmax(xs):
    m = max(xs)
    e = [math.exp(v - m) for v in xs]
    total = sum(e)
    return [v / total for v in e]


def softmax_derivative(xs):
    return [s * (1 - s) for s in softmax(xs)]
