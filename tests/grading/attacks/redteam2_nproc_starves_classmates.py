"""Harm a classmate: every worker runs as the same uid (65534), and ``RLIMIT_NPROC`` counts
the tasks of that *uid on the whole host*, not of one worker.

Round one's fork attack was closed with a pids cgroup per worker (16) and
``RLIMIT_NPROC`` 16. The cgroup is per worker, but ``RLIMIT_NPROC`` is checked by the
kernel against the number of tasks the *real uid* has in the user namespace -- and all
workers (and any other ``nobody`` process on the host: a second grader, a daemon) share
uid 65534 in the initial user namespace. A worker that holds 15 threads (64 KiB stacks,
so ``RLIMIT_AS`` does not stop it; its own cgroup allows 16 tasks) brings ``nobody`` to
the limit: while it holds them, a classmate graded beside it (``--jobs 2``) cannot create
a single thread or process (``clone`` fails with EAGAIN; its ``setuid`` succeeds, so its
worker still starts). Its correct code that uses a thread (``ThreadPoolExecutor``, a
``threading.Thread``, ``multiprocessing``, a library's thread pool) gets an error.

Observed (``--jobs 2``, this attack beside a correct sigmoid that computes in a
``threading.Thread``, its import sleeping 1.5 s so that the calls overlap the hold)::

    nproc_victim.py 0.5 / 4 on sigmoid: value, stability, vectorized: error
        "sigmoid(x=0.0) raised RuntimeError: can't start new thread"
    the same file graded alone (or beside this file's control): 3 / 4 (it has no
    derivative function)

The victim::

    import threading, time
    import numpy as np
    time.sleep(1.5)
    def sigmoid(x):
        out = {}
        f = lambda: out.setdefault("v", 1 / (1 + np.exp(-np.asarray(x, dtype=float))))
        t = threading.Thread(target=f); t.start(); t.join()
        return out["v"]

This file holds its threads for 3 s during its import (within the test rubric's 4 s
import limit); its own score is unchanged by the attack (the harm is to others).

The grader should give each worker its own uid (e.g. 65534 - slot, or a subordinate
range: ``--sandbox-user`` as a range, one uid per running worker) so that
``RLIMIT_NPROC`` is per worker, or run each worker in its own user namespace (where the
count is per namespace) and rely on the pids cgroup for the per-tree bound.
"""

import threading
import time

import numpy as np

# --- attack
threading.stack_size(64 * 1024)
_held = []
for _ in range(40):
    try:
        _t = threading.Thread(target=time.sleep, args=(20,), daemon=True)
        _t.start()
        _held.append(_t)
    except RuntimeError:
        break
time.sleep(3)
# --- end


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)
