"""SymPy answers with explicit derivatives, in other spellings (Max, Heaviside, sympy.tanh),
and a softmax whose derivative is the full Jacobian."""

import numpy as np
import sympy as sp

x = sp.Symbol("x")


def sigmoid():
    return sp.exp(x) / (1 + sp.exp(x))


def sigmoid_prime():
    return sp.exp(-x) / (1 + sp.exp(-x)) ** 2


def Tanh():
    return sp.tanh(x)


def d_tanh():
    return 1 - sp.tanh(x) ** 2


def ReLU():
    return sp.Max(0, x)


def dReLU():
    return sp.Heaviside(x)  # 1/2 at the kink: between the one-sided derivatives


def leakyReLU():
    return sp.Max(sp.Rational(1, 10) * x, x)


def softMax(v):
    e = np.exp(v - np.max(v))
    return e / e.sum()


def softMax_grad(v):
    s = softMax(v)
    return np.diag(s) - np.outer(s, s)
