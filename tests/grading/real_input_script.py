"""A script: asks for the number of epochs at import and trains a tiny network."""

import numpy as np

epochs = int(input("How many epochs? ") or 3)
print("training for", epochs, "epochs")


def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_derivative(s):
    return s * (1 - s)


def tanh(x):
    return np.tanh(x)


def tanh_derivative(x):
    return 1 - np.tanh(x) ** 2


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
rng = np.random.default_rng(0)
W = rng.normal(size=(2, 1))
for _ in range(epochs):
    out = sigmoid(X @ W)
    W += X.T @ ((y - out) * sigmoid_derivative(out))
