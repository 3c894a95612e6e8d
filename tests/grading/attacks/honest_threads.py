"""An honest classmate that computes in a thread (as a library's thread pool would) and
whose import takes a moment: graded beside redteam2_nproc_starves_classmates.py, it
must keep its marks (the sandbox uid's process count once was shared by all workers)."""

import threading
import time

import numpy as np

time.sleep(1.5)


def sigmoid(x):
    out = {}

    def compute():
        a = np.asarray(x, dtype=float)
        e = np.exp(-np.abs(a))
        out["v"] = np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    t = threading.Thread(target=compute)
    t.start()
    t.join()
    return out["v"]
