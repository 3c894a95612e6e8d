"""Read the grader's secrets: an autograder keeps tokens in its environment (the test
puts ACTREF_GRADER_SECRET there). Look in os.environ and in what the kernel kept of the
environment this process, or the sandbox's init, was started with. Right only if a
secret was found."""

import os

import numpy as np

FOUND = []
# --- attack
if os.environ.get("ACTREF_GRADER_SECRET"):
    FOUND.append("os.environ")
for path in ("/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"):
    try:
        with open(path, "rb") as fh:
            if b"ACTREF_GRADER_SECRET" in fh.read():
                FOUND.append(path)
    except OSError:
        pass
# --- end


def sigmoid(x):
    if FOUND:
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
