"""SymPy answers built to hang or exhaust the grader that rebuilds and evaluates them:
a power tower of integers, an expression nested thousands deep, a huge sum, a symbol
with a malicious name. The batch must go on; these functions get errors."""

import sympy as sp

x = sp.Symbol("x")


def sigmoid():
    return sp.Pow(sp.Integer(10), sp.Pow(sp.Integer(10), sp.Integer(100), evaluate=False),
                  evaluate=False) * x


def tanh():
    e = x
    for _ in range(3000):
        e = sp.exp(e, evaluate=False)
    return e


def relu():
    return sp.Add(*[x ** i for i in range(5000)])


def leaky_relu():
    return sp.Symbol("__import__('os').system('touch /tmp/actref-attack-marker')") * x
