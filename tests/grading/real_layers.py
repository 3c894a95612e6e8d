"""Layer classes with forward(x) and backward(grad), as in a from-scratch framework.
LeakyReLU takes its slope in the constructor (bound to the homework's 0.1); the
Softmax layer has no backward of its own (it is fused with the loss)."""

import numpy as np


class Layer:
    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError


class Sigmoid(Layer):
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
        return self.out

    def backward(self, grad):
        return grad * self.out * (1 - self.out)


class Tanh(Layer):
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad):
        return grad * (1 - self.out**2)


class ReLU(Layer):
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask


class LeakyReLU(Layer):
    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.negative_slope * x)

    def backward(self, grad):
        return grad * np.where(self.x > 0, 1.0, self.negative_slope)


class Softmax(Layer):
    def forward(self, x):
        e = np.exp(x - np.max(x))
        return e / e.sum()
