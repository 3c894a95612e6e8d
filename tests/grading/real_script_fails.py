"""Imports torch and pandas (not installed in the grader), reads a data file that is not
there, then plots: the import fails; the definitions are graded."""

import numpy as np
import pandas as pd
import torch

DATA = "train.csv"
LEAK = 0.1
df = pd.read_csv(DATA)


def sigmoid(x):
    if isinstance(x, torch.Tensor):
        return torch.sigmoid(x)
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def leaky_relu(x):
    return np.where(x > 0, x, LEAK * x)


def leaky_relu_grad(x):
    return np.where(x > 0, 1.0, LEAK)


model = train(df)  # noqa: F821 -- never reached
