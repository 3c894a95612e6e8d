"""Outlive the grader: a worker that only SIGKILL can end. Every signal that can be
ignored is ignored, and sigmoid sleeps for ever (no CPU time: RLIMIT_CPU never ends it).
As PID 1 of its namespace the worker ignores SIGTERM from outside anyway; it must still
be gone when its call times out, when the grading call is abandoned (an exception or an
interrupt in the grader), when the fork server ends, and when its supervisor is stopped
while still starting it. sigmoid is right only if it returns: the attack gains nothing
(tests/test_grading_leaks.py drives it through each of those paths)."""

import signal
import time

import numpy as np

# --- attack
for _name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM",
              "SIGXCPU", "SIGPIPE", "SIGTSTP", "SIGTTIN", "SIGTTOU"):  # fmt: skip
    try:
        signal.signal(getattr(signal, _name), signal.SIG_IGN)
    except (AttributeError, OSError, ValueError):
        pass
# --- end


def sigmoid(x):
    # --- attack
    while True:
        time.sleep(3600)
    # --- end
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def tanh(x):
    return np.tanh(x)


def relu(x):
    return np.maximum(x, 0.0)


def leaky_relu(x):
    return np.where(x > 0, x, 0.1 * x)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()
