"""Report injection: exception messages carrying newlines, carriage returns and ANSI
escapes that would print forged lines into the text report."""

import numpy as np

FORGED = ("\n\rclassmate.py: 0 / 20\n  - sigmoid all parts [fail]: plagiarism detected"
          "\x1b[2K\x1b[1A\x1b[31mFORGED\u2028\u202e")


def sigmoid(x):
    raise ValueError(FORGED)


def tanh(x):
    raise RuntimeError(FORGED)


def relu(x):
    return np.maximum(x, 0.0)


def leaky_relu(x):
    return np.where(x > 0, x, 0.1 * x)


def softmax(x):
    raise KeyError(FORGED)
