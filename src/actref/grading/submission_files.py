"""A submission's files, copied into its sandbox without trusting them.

A submission is a file or a folder. Only regular files are copied (symlinks, FIFOs
and devices are left behind, none is followed or opened), within limits on size,
count and depth; anything else is a :class:`SubmissionError` whose message says why.
"""

from __future__ import annotations

import os
import stat

MAX_SUBMISSION_BYTES = 4 << 20  # a submission's files, all together
MAX_SUBMISSION_FILES = 200
MAX_SUBMISSION_DEPTH = 16


class SubmissionError(Exception):
    """A submission that cannot be copied into its sandbox; the message says why."""


def copy_submission(path: str, dest: str) -> None:
    """Copy the submission at ``path`` (a file or a folder; the path the instructor
    gave may be a link) to ``dest``, within MAX_SUBMISSION_BYTES."""
    budget = [MAX_SUBMISSION_BYTES]
    source = os.path.realpath(path)
    if os.path.isdir(source):
        _copy_tree(source, dest, budget)
    else:
        _copy_file(source, dest, budget)


def _copy_file(src: str, dest: str, budget: list[int]) -> None:
    """Copy a regular file, never following a symlink or opening a FIFO."""
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{os.path.basename(src)} is not a regular file")
        data = fh.read(budget[0] + 1)
    budget[0] -= len(data)
    if budget[0] < 0:
        raise SubmissionError(f"is larger than {MAX_SUBMISSION_BYTES >> 20} MiB")
    with open(dest, "wb") as out:
        out.write(data)


def submission_files(folder: str) -> list[tuple[str, str]]:
    """A folder submission's regular files, ``(relative path, path)``, sorted: walked
    without recursion (a student's 1,500-deep tree is a clear error, not a crash), no
    symlink followed, at most MAX_SUBMISSION_DEPTH deep and MAX_SUBMISSION_FILES files."""
    out: list[tuple[str, str]] = []
    stack = [("", 0)]
    while stack:
        rel, depth = stack.pop()
        if depth > MAX_SUBMISSION_DEPTH:
            raise SubmissionError(f"has folders nested deeper than {MAX_SUBMISSION_DEPTH}")
        with os.scandir(os.path.join(folder, rel)) as entries:
            for entry in entries:
                child = os.path.join(rel, entry.name)
                if entry.is_dir(follow_symlinks=False):
                    stack.append((child, depth + 1))
                elif entry.is_file(follow_symlinks=False):
                    out.append((child, entry.path))
                    if len(out) > MAX_SUBMISSION_FILES:
                        raise SubmissionError(f"holds more than {MAX_SUBMISSION_FILES} files")
    return sorted(out)


def _copy_tree(src: str, dest: str, budget: list[int]) -> None:
    """A folder submission: its folders and regular files only (symlinks, FIFOs and
    devices are left behind), within the size budget."""
    os.makedirs(dest, exist_ok=True)
    for rel, path in submission_files(src):
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        _copy_file(path, os.path.join(dest, rel), budget)
