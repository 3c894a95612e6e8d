import numpy as np
def swish(x):
    return x / (1 + np.exp(-1.5 * x))
def swish_derivative(x):
    s = 1 / (1 + np.exp(-1.5 * x))
    return s + 1.5 * x * s * (1 - s)
def softplus(x):
    return np.logaddexp(x, 0)
def softplus_derivative(x):
    return 1 / (1 + np.exp(-x))
def softplus2(x, beta=2.0):
    return np.logaddexp(beta * x, 0) / beta
def softplus2_derivative(x, beta=2.0):
    return 1 / (1 + np.exp(-beta * x))
def log_softmax(x):
    m = np.max(x)
    return x - m - np.log(np.sum(np.exp(x - m)))
def log_softmax_derivative(x):
    m = np.max(x); e = np.exp(x - m); s = e / e.sum()
    return 1 - s
def lrelu(x):
    return np.where(x > 0, x, 0.2 * x)
def lrelu_derivative(x):
    return np.where(x > 0, 1.0, 0.2)
