"""Does not parse: every part is an error naming the line."""

import numpy as np


def sigmoid(x)
    return 1 / (1 + np.exp(-x))
