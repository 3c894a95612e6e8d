import numpy as np


def sparse_sigmoid(x):
    return 0.5 * np.clip(x + 1.0, 0.0, 2.0)


def sparse_sigmoid_derivative(x):
    return np.where((x > -1) & (x < 1), 0.5, np.where(np.abs(x) == 1, 0.25, 0.0))


def quick_gelu(x):
    return x / (1 + np.exp(-1.702 * x))


def quick_gelu_derivative(x):
    s = 1 / (1 + np.exp(-1.702 * x))
    return s + 1.702 * x * s * (1 - s)


def prelu(x, weight=0.1):
    return np.where(x > 0, x, weight * x)


def prelu_derivative(x, weight=0.1):
    return np.where(x > 0, 1.0, weight)
