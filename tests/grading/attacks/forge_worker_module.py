"""Forged results from inside: the worker module found in sys.modules is rewritten so
that every reply claims SymPy style with a right-looking expression, or numbers with
no shape, or the reference's values computed from a lookup of the probe inputs. The
submission's own maths is wrong."""

import sys

import numpy as np

# --- attack
for module in list(sys.modules.values()):
    answer = getattr(module, "_answer", None)
    if answer is None:
        continue

    def forged(found, task, point, _answer=answer):
        if task["role"] == "forward" and not task["vector"]:
            return {"style": "sympy", "srepr": "Add(Integer(1), Integer(0))"}
        return {"style": "numpy", "call": {"values": [], "shape": [0]}}

    module._answer = forged
    for name in ("_describe", "_raw_array", "_call"):
        if hasattr(module, name):
            setattr(module, name, lambda *a, **k: {"values": [0.5], "shape": []})
# --- end


def sigmoid(x):
    return np.zeros_like(x)


def tanh(x):
    return np.zeros_like(x)


def relu(x):
    return np.zeros_like(x)


def leaky_relu(x):
    return np.zeros_like(x)


def softmax(x):
    return np.zeros_like(x)
