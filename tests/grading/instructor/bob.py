import numpy as np
def swish(x):
    return x / (1 + np.exp(-x))
def softplus(x):
    return np.log(1 + np.exp(x))
def log_softmax(x):
    return np.log(np.exp(x) / np.sum(np.exp(x)))
def lrelu(x):
    x[x < 0] *= 0.2
    return x
