"""Some functions missing: tanh is NumPy's own (imported), no leaky ReLU, some
derivatives absent."""

import numpy as np
from numpy import tanh  # noqa: F401 -- not the student's own tanh


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def relu(x):
    return np.maximum(x, 0)


def relu_grad(x):
    return np.greater(x, 0).astype(float)


def soft_max(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)
