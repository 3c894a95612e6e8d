"""Dodging the array checks: scalar-only functions written with a default argument
(`def relu(x=0.0)`), which the grader once took for zero-argument SymPy functions and
then excused from `vectorized` and `input-unchanged`. They must fail `vectorized`."""

import math


def relu(x=0.0):
    return max(x, 0.0)


def relu_derivative(x=0.0):
    return 1.0 if x > 0 else 0.0


def sigmoid(x=0.0):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def sigmoid_derivative(x=0.0):
    s = sigmoid(x)
    return s * (1 - s)
