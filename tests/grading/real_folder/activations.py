"""The functions, imported by main.py of the same folder."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_derivative(s):
    return s * (1 - s)


def relu(x):
    return np.maximum(x, 0)
