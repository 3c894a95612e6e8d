"""One-argument functions written with SymPy, called as f(Symbol("x")); no
derivatives (sympy.diff of each expression), and a SymPy expression as a variable."""

import numpy as np
import sympy as sp


def sigmoid(z):
    return 1 / (1 + sp.exp(-z))


def tanh(z):
    return (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z))


def relu(z):
    return sp.Max(0, z)


x = sp.Symbol("x")
leaky_relu = sp.Piecewise((x / 10, x < 0), (x, True))


def softmax(v):
    e = np.exp(v - np.max(v))
    return e / e.sum()
