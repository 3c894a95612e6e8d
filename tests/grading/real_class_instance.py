"""Methods of an object built without arguments; derivatives take the output."""

import numpy as np


class Activations:
    def __init__(self):
        self.leak = 0.1

    def sigmoid(self, z):
        return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))

    def sigmoid_prime(self, a):
        return a * (1 - a)

    def tanh(self, z):
        return np.tanh(z)

    def tanh_prime(self, a):
        return 1 - a * a

    def relu(self, z):
        return z * (z > 0)

    def relu_prime(self, a):
        return 1.0 * (a > 0)

    def leaky_relu(self, z):
        return np.where(z > 0, z, self.leak * z)

    def leaky_relu_prime(self, a):
        return np.where(a > 0, 1.0, self.leak)

    def softmax(self, z):
        e = np.exp(z - np.max(z))
        return e / e.sum()

    def softmax_prime(self, a):
        return a * (1 - a)  # the Jacobian's diagonal, from the output
