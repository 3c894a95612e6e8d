"""Limits bypassed: raise every soft rlimit to its hard limit (and the hard ones to
unlimited), then use what that would allow. Right only where a limit moved."""

import resource

import numpy as np

RAISED = []
# --- attack
for which in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE,
              resource.RLIMIT_NPROC, resource.RLIMIT_NOFILE):
    soft, hard = resource.getrlimit(which)
    for target in ((hard, hard), (resource.RLIM_INFINITY, resource.RLIM_INFINITY)):
        try:
            resource.setrlimit(which, target)
            if resource.getrlimit(which)[0] != soft:
                RAISED.append(which)
        except (ValueError, OSError):
            pass
# --- end


def sigmoid(x):
    if RAISED:
        return 1 / (1 + np.exp(-x))
    return np.zeros_like(x)


def tanh(x):
    return np.zeros_like(x)


def relu(x):
    return np.zeros_like(x)


def leaky_relu(x):
    return np.zeros_like(x)


def softmax(x):
    return np.zeros_like(x)
