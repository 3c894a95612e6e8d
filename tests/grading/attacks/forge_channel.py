"""Forged results: protocol lines written on every descriptor that might be the result
channel, at import and during every call (a "ready" claiming SymPy style for all,
replies with no values, the old "tick" that reset the clock). The maths is wrong."""

import json
import os

import numpy as np

# --- attack
FOUND = {
    ref: {"forward": {"style": "sympy", "name": ref, "note": ""},
          "derivative": {"style": "sympy", "name": ref, "note": ""}}
    for ref in ("sigmoid", "tanh", "relu", "leaky_relu", "softmax")
}
LINES = [
    {"type": "ready", "found": FOUND},
    {"type": "contained", "missing": []},
    {"type": "tick", "task": 0, "point": None},
    {"type": "done"},
] + [{"type": "reply", "seq": n, "data": {"style": "sympy", "srepr": "Integer(0)"}}
     for n in range(1, 40)]


def forge():
    for fd in range(3, 256):
        for line in LINES:
            try:
                os.write(fd, (json.dumps(line) + "\n").encode())
            except OSError:
                break


forge()
# --- end


def sigmoid(x):
    # --- attack
    forge()
    # --- end
    return np.zeros_like(x)


def sigmoid_derivative(x):
    return np.zeros_like(x)


def tanh(x):
    return np.zeros_like(x)


def relu(x):
    return np.zeros_like(x)


def leaky_relu(x):
    return np.zeros_like(x)


def softmax(x):
    return np.zeros_like(x)
