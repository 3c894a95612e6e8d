"""Markup injection: error texts and a file name carrying HTML, script and Markdown."""

import numpy as np

EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)>](javascript:alert(3)) ~~~\n# forged'


def swish(x):
    raise ValueError(EVIL)


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def log_softmax(x):
    raise KeyError(EVIL)


def lrelu(x):
    return np.where(x > 0, x, 0.3 * x)
