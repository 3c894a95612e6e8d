"""Limits bypassed: a call that hangs while writing the old "tick" message (which used
to reset the per-call clock) on every descriptor, twenty times a second. Must time out
at the per-call limit, not the per-submission one."""

import json
import os
import time

import numpy as np


def sigmoid(x):
    # --- attack
    for _ in range(10_000):
        for fd in range(3, 64):
            try:
                os.write(fd, (json.dumps({"type": "tick", "task": 0, "point": None}) + "\n").encode())
            except OSError:
                pass
        time.sleep(0.05)
    # --- end
    return np.zeros_like(x)


def tanh(x):
    return np.zeros_like(x)


def relu(x):
    return np.zeros_like(x)


def leaky_relu(x):
    return np.zeros_like(x)


def softmax(x):
    return np.zeros_like(x)
