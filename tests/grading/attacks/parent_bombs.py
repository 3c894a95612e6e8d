"""SymPy answers aimed at the grader's own process, which rebuilds and evaluates every
SymPy answer: a Max of a thousand terms (pairwise simplification), a Piecewise of a
thousand pieces, and a product of four hundred factors with no derivative given (the
product rule's blow-up, if the grader differentiated it itself). Each must cost this
submission an error or a timeout, quickly, and nobody else anything."""

import sympy as sp

x = sp.Symbol("x")


def relu():
    return sp.Max(*[x - k for k in range(1000)])


def leaky_relu():
    return sp.Piecewise(*[(x * k, x < k) for k in range(1000)], (x, True))


def tanh():
    e = sp.Integer(1)
    for k in range(400):
        e = e * sp.exp(x + k) / (1 + x**2 + k)
    return e
