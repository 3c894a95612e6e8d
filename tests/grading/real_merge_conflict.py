"""Handed in in the middle of a merge."""

import numpy as np


def sigmoid(x):
<<<<<<< HEAD
    return 1 / (1 + np.exp(-x))
=======
    return np.exp(-np.logaddexp(0, -x))
>>>>>>> stable-sigmoid
