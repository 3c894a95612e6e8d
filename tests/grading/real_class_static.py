"""Every function a static or class method of one class (a common 'utils' layout)."""

import numpy as np


class Activation:
    @staticmethod
    def sigmoid(x):
        return 0.5 * (1 + np.tanh(0.5 * x))

    @staticmethod
    def sigmoid_derivative(x):
        s = Activation.sigmoid(x)
        return s * (1 - s)

    @staticmethod
    def tanh(x):
        return np.tanh(x)

    @staticmethod
    def tanh_derivative(x):
        return 1 - np.tanh(x) ** 2

    @staticmethod
    def relu(x):
        return np.maximum(0, x)

    @staticmethod
    def relu_derivative(x):
        return (x > 0) * 1.0

    @classmethod
    def leaky_relu(cls, x, alpha=0.1):
        return np.where(x > 0, x, alpha * x)

    @classmethod
    def leaky_relu_derivative(cls, x, alpha=0.1):
        return np.where(x > 0, 1.0, alpha)

    @staticmethod
    def softmax(x):
        e = np.exp(x - x.max())
        return e / e.sum()

    @staticmethod
    def softmax_derivative(x):
        s = Activation.softmax(x)
        return np.diag(s) - np.outer(s, s)
