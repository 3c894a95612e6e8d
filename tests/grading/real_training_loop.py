"""Trains forever at import (no __main__ guard): the import never ends; the
definitions above the loop are graded."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


def relu(x):
    return np.maximum(x, 0)


def relu_derivative(x):
    return np.where(x > 0, 1.0, 0.0)


w = 0.0
while True:
    w -= 0.01 * float(sigmoid_derivative(w))
