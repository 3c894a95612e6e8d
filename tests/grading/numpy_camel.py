"""camelCase spellings, a derivative that uses 1 at relu's kink, np.heaviside."""

import numpy as np
from scipy.special import expit


def Sigmoid(z):
    return expit(z)


def dsigmoid(z):
    s = expit(z)
    return s * (1.0 - s)


def tanh(z):
    return np.tanh(z)


def tanhDerivative(z):
    return 1.0 / np.cosh(np.clip(z, -300, 300)) ** 2


def Relu(z):
    return np.where(z > 0, z, 0.0)


def reluGrad(z):
    return (z >= 0).astype(float)  # 1 at the kink: accepted


def leakyRelu(z):
    return np.maximum(z, 0.1 * z)


def leakyReluDerivative(z):
    return np.heaviside(z, 1.0) * 0.9 + 0.1


def softmax(z):
    z = np.array(z, dtype=float)
    z -= z.max()
    e = np.exp(z)
    return e / e.sum()


def softmax_derivative(z):
    s = softmax(z)
    return s - s**2
