"""The fork server: one clean process that has imported NumPy and SymPy once, and
forks a fresh worker per request. Run as ``python -I .../server.py FD``.

Why not ``multiprocessing``: its ``fork`` start method would copy the grader itself
into each worker (its memory, the pipes of the other workers, the results already
collected) and forks a multi-threaded process; its ``forkserver`` re-imports the
caller's ``__main__`` in every child, which breaks (or re-runs) any script that calls
the grader without an ``if __name__ == "__main__"`` guard. This server knows nothing
but the worker module, which it loads by path: the server imports NumPy, SymPy and
mpmath, not actref (whose registry and SciPy the worker does not need).

Each request forks a *supervisor* that enters new namespaces
(:func:`~actref.grading.contain.enter_namespaces`) and forks the *worker*, PID 1 of the
new PID namespace, which builds its walls (:func:`~actref.grading.contain.confine`)
and only then runs the student's code. The supervisor runs no student code: SIGTERM
to it kills the worker, whose death ends every process the student started. Neither
outlives its parent: a supervisor ends with the server, a worker with its supervisor
(parent-death signals, armed before either can be orphaned unnoticed).

Protocol on the control socket (a ``socketpair`` with the grader): a request is an
8-byte length with three file descriptors attached (the worker's result pipe, its
command pipe and a status pipe), then that many bytes of JSON (the worker's
arguments). The reply is the supervisor's pid and a newline. When it ends, its wait
status (``os.waitstatus_to_exitcode``) is written to the status pipe. When the grader
closes the socket, every worker still running is killed and the server exits.
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
import time
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


def _read_request(ctrl: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    head, fds, _, _ = socket.recv_fds(ctrl, 8, 3)
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


def _load(name: str) -> Any:
    """A sibling module by path (not through the ``actref`` package, whose import
    would load the whole catalogue and SciPy)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"actref_grading_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _start_worker(
    worker: Any,
    contain: Any,
    plan: Any,
    args: dict[str, Any],
    fds: list[int],
    server: int,
    mask: set[int | signal.Signals],
) -> None:
    """In the forked supervisor (``contain.SUPERVISOR_SIGNALS`` blocked, ``mask`` the
    server's own): namespaces, then the worker as its child. Never returns."""
    result_fd, cmd_fd, _ = fds
    jail = args.pop("jail")
    groups: list[str] = []
    if jail["contain"]:
        missing = contain.enter_namespaces(os.getuid() == 0)
        # the jail needs the mount namespace, not the cgroups: a host (or a leftover
        # group) that denies those must not cost the worker its filesystem walls
        namespaced = not missing
        # the whole tree's memory: the budget, its 64 MiB folder, and room for the
        # pages a fork of this server touches
        tree_memory = (int(args["limits"]["memory_mb"]) + 64 + 128) << 20
        groups = contain.make_cgroups(tree_memory, contain.TREE_PROCESSES)
        if not groups:
            missing.append("cgroup-limits")
    else:  # benchmarks only: the cost of the walls is measured against none
        missing = list(contain.PROTECTIONS)
        namespaced = False
    # a server that dies (killed, not closed) takes its supervisors along, and each its
    # worker; armed after the namespaces (a new user namespace clears it), then checked
    contain.die_with_parent(signal.SIGTERM)
    if os.getppid() != server:
        contain.remove_cgroups(groups)
        os._exit(70)
    alive_r, alive_w = os.pipe()  # end of file on alive_r: this supervisor is gone
    child = os.fork()
    if child == 0:  # the worker
        code = 0
        try:
            # Dies with its supervisor (SIGKILL: as a namespace's init it ignores SIGTERM)
            # from its first instruction; confine() re-arms it after setuid, which clears
            # it. A supervisor that died before either is seen through the pipe: the
            # worker leaves before any student code runs.
            contain.die_with_parent(signal.SIGKILL)
            os.close(alive_w)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            if contain.parent_gone(alive_r):
                os._exit(70)
            contain.join_cgroups(groups)
            worker.redirect_output(jail["base"])
            if not jail["contain"]:
                os.setsid()
                os.chdir(jail["home"])
            else:
                missing += contain.confine(
                    jail["base"],
                    jail["home"],
                    plan,
                    jail["uid"],
                    jail["gid"],
                    namespaced,
                    worker.address_space(int(args["limits"]["memory_mb"])),
                    int(args["limits"]["submission_timeout"]) + 1,
                    worker.MAX_OUTPUT_BYTES,
                    tree_bounded=bool(groups),
                )
            if contain.parent_gone(alive_r):
                os._exit(70)
            os.close(alive_r)
            worker.main(result_fd, cmd_fd, missing=missing, **args)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    with contextlib.suppress(OSError):
        for fd in (alive_r, result_fd, cmd_fd):
            os.close(fd)
    contain.supervise(child, groups)  # keeps alive_w open until it ends


def serve(fd: int) -> None:
    """Answer fork requests on the control socket ``fd`` until it closes."""
    # OpenBLAS threads would make every fork a fork of a multi-threaded process
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    warnings.simplefilter("ignore")
    contain = _load("contain")
    contain.set_not_dumpable()
    worker = _load("worker")  # the preload: NumPy, SymPy, mpmath
    allowed = contain.jail_plan()

    ctrl = socket.socket(fileno=fd)
    server = os.getpid()
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
            if len(fds) != 3:
                for unexpected in fds:
                    os.close(unexpected)
                ctrl.sendall(b"0\n")
                continue
            status_fd = fds[2]
            # born with SIGTERM blocked: a SIGTERM before its handling is in place waits
            # for it (see contain.SUPERVISOR_SIGNALS), never kills it half-way
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, contain.SUPERVISOR_SIGNALS)
            try:
                pid = os.fork()
            except BaseException:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                raise
            if pid == 0:  # the supervisor
                try:
                    ctrl.close()
                    os.close(status_fd)
                    for other in status_fds.values():
                        os.close(other)
                    _start_worker(worker, contain, allowed, args, fds, server, mask)
                finally:
                    os._exit(70)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            for worker_end in fds[:2]:
                os.close(worker_end)
            status_fds[pid] = status_fd
            ctrl.sendall(f"{pid}\n".encode())
    finally:
        # each supervisor kills its worker's namespace; one that did not end (not
        # reaped: its pid is still its own) is killed, its worker's parent-death
        # signal following
        _signal_and_reap(status_fds, signal.SIGTERM, 2.0)
        _signal_and_reap(status_fds, signal.SIGKILL, 1.0)


def _signal_and_reap(status_fds: dict[int, int], signum: int, seconds: float) -> None:
    """``signum`` to every supervisor not yet reaped, then reap for up to ``seconds``."""
    for pid in status_fds:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)
    deadline = time.monotonic() + seconds
    while status_fds and time.monotonic() < deadline:
        _reap(status_fds)
        time.sleep(0.01)


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
