"""The fork server: one clean process that has imported NumPy and SymPy once, and
forks a fresh worker per request. Run as ``python -I .../server.py FD``.

Why not ``multiprocessing``: its ``fork`` start method would copy the grader itself
into each worker (its memory, the pipes of the other workers, the results already
collected) and forks a multi-threaded process; its ``forkserver`` re-imports the
caller's ``__main__`` in every child, which breaks (or re-runs) any script that calls
the grader without an ``if __name__ == "__main__"`` guard. This server knows nothing
but the worker module, which it loads by path: the server imports NumPy, SymPy and
mpmath, not actref (whose registry and SciPy the worker does not need).

Protocol on the control socket (a ``socketpair`` with the grader): a request is an
8-byte length with two file descriptors attached (the worker's result pipe and a
status pipe), then that many bytes of JSON (the worker's arguments). The reply is the
worker's pid and a newline. When the worker ends, its wait status
(``os.waitstatus_to_exitcode``) is written to the status pipe. When the grader closes
the socket, every worker still running is killed and the server exits.
"""

# Student code may raise anything, SystemExit included: catching it all is the point.
# ruff: noqa: BLE001

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import warnings
from typing import Any


def _reap(status_fds: dict[int, int]) -> None:
    while status_fds:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = status_fds.pop(pid, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.write(fd, f"{os.waitstatus_to_exitcode(status)}\n".encode())
            os.close(fd)


def _read_request(ctrl: socket.socket) -> tuple[dict[str, object], list[int]] | None:
    head, fds, _, _ = socket.recv_fds(ctrl, 8, 2)
    if not head:
        return None
    while len(head) < 8:
        more = ctrl.recv(8 - len(head))
        if not more:
            return None
        head += more
    size = int.from_bytes(head, "big")
    body = b""
    while len(body) < size:
        more = ctrl.recv(min(1 << 16, size - len(body)))
        if not more:
            return None
        body += more
    return json.loads(body), list(fds)


def _load_worker() -> Any:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
    spec = importlib.util.spec_from_file_location("actref_grading_worker", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def serve(fd: int) -> None:
    """Answer fork requests on the control socket ``fd`` until it closes."""
    # OpenBLAS threads would make every fork a fork of a multi-threaded process
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    warnings.simplefilter("ignore")
    worker = _load_worker()  # the preload: NumPy, SymPy, mpmath

    ctrl = socket.socket(fileno=fd)
    status_fds: dict[int, int] = {}
    try:
        while True:
            _reap(status_fds)
            readable, _, _ = select.select([ctrl], [], [], 0.05 if status_fds else None)
            if not readable:
                continue
            request = _read_request(ctrl)
            if request is None:
                break
            args, fds = request
            result_fd, status_fd = fds
            pid = os.fork()
            if pid == 0:  # the worker
                code = 0
                try:
                    ctrl.close()
                    os.close(status_fd)
                    for other in status_fds.values():
                        os.close(other)
                    worker.main(result_fd, **args)
                except BaseException:
                    code = 70
                finally:
                    os._exit(code)
            os.close(result_fd)
            status_fds[pid] = status_fd
            ctrl.sendall(f"{pid}\n".encode())
    finally:
        for pid in status_fds:
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(OSError):
                    kill(pid, signal.SIGKILL)
        _reap(status_fds)


def main() -> None:
    """Serve, then leave at once: tearing down NumPy and SymPy takes a tenth of a second
    the grader would spend waiting."""
    code = 0
    try:
        serve(int(sys.argv[1]))
    except BaseException:
        code = 1
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
