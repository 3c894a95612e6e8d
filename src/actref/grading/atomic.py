"""Writing a file whole or not at all: through a private temporary file in the same
folder, renamed over the target (reports, feedback pages, Gradescope results)."""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_atomically(path: str, text: str) -> None:
    """``text`` to ``path`` through a private temporary file in the same folder."""
    write_atomically_bytes(path, text.encode("utf-8"))


def write_atomically_bytes(path: str, data: bytes, durable: bool = True) -> None:
    """``data`` to ``path`` through a private temporary file in the same folder;
    ``durable``: on the disk before it is renamed (fsync), as a report must be."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
