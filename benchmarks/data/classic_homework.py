"""The classic activation-function homework, as students hand it in.

Zero-argument functions returning SymPy expressions in ``x`` (the derivatives by
``diff``), and softmax over a 1-D vector in NumPy, since a softmax is not a function of
one symbol. The benchmark times ``actref grade`` on this file; it is a correct,
ordinary submission (textbook formulas, not the stable ones).
"""

import numpy as np
from sympy import Piecewise, diff, exp, symbols

x = symbols("x")


def sigmoid():
    return 1 / (1 + exp(-x))


def sigmoid_derivative():
    return diff(sigmoid(), x)


def tanh():
    return (exp(x) - exp(-x)) / (exp(x) + exp(-x))


def tanh_derivative():
    return diff(tanh(), x)


def relu():
    return Piecewise((x, x > 0), (0, True))


def relu_derivative():
    return Piecewise((1, x > 0), (0, True))


def leaky_relu():
    return Piecewise((x, x > 0), (0.1 * x, True))


def leaky_relu_derivative():
    return Piecewise((1, x > 0), (0.1, True))


def softmax(v):
    e = np.exp(v - np.max(v))
    return e / e.sum()


def softmax_derivative(v):
    s = softmax(v)
    return s * (1 - s)
