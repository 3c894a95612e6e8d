"""The parent's side of worker processes: the fork server, each worker's pipes and
clocks, its folder, and the cleanup of everything a worker leaves behind.

Workers are forked by :mod:`actref.grading.server`, a process that preloaded
:mod:`actref.grading.worker` (so NumPy and SymPy are imported once, not once per
submission) and holds nothing of the grader's; each is contained
(:mod:`actref.grading.contain`) before the student's code runs, in a private folder
holding only a copy of its submission. Every exchange has a clock kept here: the
per-call limit starts when the command is sent, and nothing the worker writes
extends it. Replies are read with ``select`` and ``os.read`` (never a blocking read)
and parsed by :mod:`actref.grading.protocol`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from actref.grading.plan import Plan
from actref.grading.protocol import Malformed, strict_loads
from actref.grading.rubric import Rubric
from actref.grading.submission_files import copy_submission
from actref.grading.text import printable

MAX_LINE_BYTES = 1 << 20
SERVER_TIMEOUT = 10.0  # any exchange with the fork server


# ------------------------------------------------------------------------ the fork server
SERVER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")
# The only variables of the grader's environment the fork server (and so every worker,
# a fork of it) is started with: what Python and its libraries need to run, nothing an
# autograder keeps there (tokens, keys, the grader's own paths); -I ignores PYTHON*.
SERVER_ENVIRONMENT = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


def server_environment() -> dict[str, str]:
    """The fork server's environment: :data:`SERVER_ENVIRONMENT` of the grader's."""
    return {k: os.environ[k] for k in SERVER_ENVIRONMENT if k in os.environ}


class _ForkServer:
    """Client of :mod:`actref.grading.server`: asks it to fork workers. Every exchange
    has a timeout: a server that stops answering is replaced, never waited for."""

    def __init__(self) -> None:
        # No parent-death signal for the server: it fires when the *thread* that forked
        # ends, and a grading thread (gone with its submission) may be the one starting
        # a server. It ends when this socket closes, which the grader's death does too.
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            # -I: no script folder on sys.path (a student's `import judge` finds nothing)
            [sys.executable, "-I", SERVER_PATH, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            env=server_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        theirs.close()
        ours.settimeout(SERVER_TIMEOUT)
        self.sock = ours
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, args: dict[str, Any]) -> tuple[int, int, int, int]:
        """Fork a worker: its supervisor's pid, the read end of its replies, the write
        end of its commands and the read end of its status."""
        reply_r, reply_w = os.pipe()
        cmd_r, cmd_w = os.pipe()
        status_r, status_w = os.pipe()
        body = json.dumps(args).encode()
        ours = (reply_r, cmd_w, status_r)
        try:
            if not self.lock.acquire(timeout=SERVER_TIMEOUT):
                raise ConnectionError("the fork server did not answer")
            try:
                socket.send_fds(
                    self.sock, [len(body).to_bytes(8, "big")], [reply_w, cmd_r, status_w]
                )
                self.sock.sendall(body)
                reply = b""
                while not reply.endswith(b"\n") and len(reply) < 32:
                    more = self.sock.recv(32)
                    if not more:
                        raise ConnectionError("the fork server closed the connection")
                    reply += more
            finally:
                self.lock.release()
            pid = int(reply) if reply.strip().isdigit() else 0
            if pid <= 0:
                raise ConnectionError("the fork server could not start a worker")
        except (OSError, ConnectionError) as exc:  # socket.timeout is an OSError
            for fd in ours:
                os.close(fd)
            raise ConnectionError(str(exc)) from None
        finally:
            for fd in (reply_w, cmd_r, status_w):
                os.close(fd)
        os.set_blocking(cmd_w, False)
        return pid, reply_r, cmd_w, status_r

    def close(self) -> None:
        self.sock.close()  # the server kills what is left and exits
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_server: _ForkServer | None = None
_server_lock = threading.Lock()


def _fork_server(replace: _ForkServer | None = None) -> _ForkServer:
    """The running fork server; a new one if it died or if it is ``replace`` (one that
    failed an exchange: it may still look alive)."""
    global _server
    with _server_lock:
        if _server is not None and _server is replace:
            _server.close()
            _server = None
        if _server is None or not _server.alive():
            _server = _ForkServer()
            atexit.register(_server.close)
        return _server


def warm_up() -> None:
    """Start the fork server now, so its imports overlap with the parent's work."""
    _fork_server()


def stop_fork_server() -> None:
    """Close the fork server now, as at exit: it kills every worker still running. The
    next grading starts a new one."""
    global _server
    with _server_lock:
        if _server is not None:
            _server.close()
            _server = None


# ------------------------------------------------------------------------ the folder
@dataclass(frozen=True)
class SandboxUser:
    """Who student code runs as when the grader is root (``nobody`` by default)."""

    uid: int = 65534
    gid: int = 65534


NOBODY = SandboxUser()


def make_folder(path: str, user: SandboxUser) -> tuple[str, str]:
    """A private folder (``base``) holding ``home``, the worker's only writable place,
    with a copy of the submission in it; the jail's mount point; the output files."""
    base = tempfile.mkdtemp(prefix="actref-grade-")
    _LIVE_FOLDERS.add(base)
    try:
        home = os.path.join(base, "home")
        os.mkdir(home, 0o700)
        os.mkdir(os.path.join(base, "jail"), 0o700)
        copy = os.path.join(home, os.path.basename(os.path.normpath(path)))
        copy_submission(path, copy)
        if os.getuid() == 0:
            for folder, dirs, files in os.walk(home):
                for name in (folder, *(os.path.join(folder, n) for n in (*dirs, *files))):
                    os.lchown(name, user.uid, user.gid)
    except BaseException:
        remove_tree(base)
        raise
    return base, copy


STDOUT_EXCERPT_BYTES = 2000


def printed(base: str) -> str:
    """The start of the submission's stdout: the file this process created for it
    outside the jail (the student reaches it only through its descriptor), read without
    following links, truncated, every control character shown escaped."""
    try:
        fd = os.open(os.path.join(base, "stdout.txt"), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(STDOUT_EXCERPT_BYTES + 1)
    text = data[:STDOUT_EXCERPT_BYTES].decode("utf-8", errors="replace")
    cut = " [...]" if len(data) > STDOUT_EXCERPT_BYTES else ""
    return printable(text) + cut


# what a grading thread the watchdog gave up on leaves behind: its worker, its folder
_LIVE_WORKERS: set[Worker] = set()
_LIVE_FOLDERS: set[str] = set()


def abandon_all() -> None:
    """Kill every worker still running and remove every worker's folder: before a
    process ends without waiting for its grading threads (the watchdog gave up on
    some), so that nothing they started outlives it."""
    for w in list(_LIVE_WORKERS):
        w.close()
    for base in list(_LIVE_FOLDERS):
        remove_tree(base)


def remove_tree(path: str) -> None:
    """Remove a worker's folder whatever it holds: any depth (``rm`` does not recurse on
    the stack), folders the student made unreadable, no symlink followed."""
    if not os.path.lexists(path):
        return
    _LIVE_FOLDERS.discard(path)
    for argv in (["chmod", "-R", "u+rwX", path], ["rm", "-rf", "--one-file-system", path]):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
                check=False,
            )
    if os.path.lexists(path):  # no coreutils: the best Python can do
        shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------------ the worker
class Timeout(Exception):
    """The worker did not answer before the clock ran out."""


class Died(Exception):
    """The worker ended; the message says how."""


class Interrupted(Exception):
    """Grading was stopped from outside (``stop`` was set)."""


class Worker:
    """The parent's handle on one worker: its pipes, and the parent's clocks."""

    def __init__(self, server: _ForkServer, args: dict[str, Any]) -> None:
        self.pid, self.fd, self.cmd_fd, self.status_fd = server.spawn(args)
        self.buf = b""
        self.seq = 0
        _LIVE_WORKERS.add(self)

    def message(self, deadline: float, stop: threading.Event | None) -> Any:
        """The next line, parsed; :class:`Timeout` at ``deadline``."""
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE_BYTES:
                raise Malformed(f"a message longer than {MAX_LINE_BYTES >> 20} MiB")
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise Timeout
            if stop is not None:
                if stop.is_set():
                    raise Interrupted
                wait = min(wait, 0.2)
            readable, _, _ = select.select([self.fd], [], [], wait)
            if not readable:
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise Died(_exit_text(_exit_code(self.status_fd, 2.0)))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        msg = strict_loads(line)
        if not isinstance(msg, dict):
            raise Malformed("not an object")
        return msg

    def call(
        self,
        task: int,
        point: int | None,
        timeout: float,
        deadline: float,
        stop: threading.Event | None,
    ) -> Any:
        """Send one command; its reply's data, within ``timeout`` of now."""
        self.seq += 1
        data = (json.dumps({"seq": self.seq, "task": task, "point": point}) + "\n").encode()
        try:
            os.write(self.cmd_fd, data)
        except BlockingIOError:
            raise Malformed("the worker stopped reading commands") from None
        except OSError:
            raise Died(_exit_text(_exit_code(self.status_fd, 2.0))) from None
        msg = self.message(min(time.monotonic() + timeout, deadline), stop)
        if (
            msg.get("type") != "reply"
            or msg.get("seq") != self.seq
            or set(msg) != {"type", "seq", "data"}
        ):
            raise Malformed("not the reply to the call made")
        return msg["data"]

    def close(self) -> None:
        """Kill the worker and everything it started; wait (briefly) until they are
        gone, so its folder is removed after, not during, its last writes."""
        _LIVE_WORKERS.discard(self)
        try:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGTERM)  # the supervisor kills the whole namespace
            with contextlib.suppress(OSError, ValueError):
                if not _ended(self.status_fd, 5.0):
                    # no status yet, so the server has not reaped it: the pid is still
                    # the supervisor's. Killed; its worker's parent-death signal follows
                    os.kill(self.pid, signal.SIGKILL)
                    _ended(self.status_fd, 1.0)
        finally:  # an interrupt while waiting still closes the pipes
            for fd in (self.fd, self.cmd_fd, self.status_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)


def _ended(status_fd: int, timeout: float) -> bool:
    """Whether the supervisor's status (or, the server gone, end of file) arrived."""
    readable, _, _ = select.select([status_fd], [], [], timeout)
    return bool(readable)


def _exit_code(status_fd: int, timeout: float) -> int | None:
    readable, _, _ = select.select([status_fd], [], [], timeout)
    if not readable:
        return None
    try:
        return int(os.read(status_fd, 32).strip() or b"x")
    except (ValueError, OSError):
        return None


def _exit_text(code: int | None) -> str:
    if code is None:
        return "ended the worker process"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"ended the worker process (killed by {name})"
    return f"ended the worker process (exit status {code})"


def start_worker(
    home_path: str, base: str, plan: Plan, rubric: Rubric, user: SandboxUser, isolation: str
) -> Worker:
    limits = rubric.limits
    args = {
        "path": home_path,
        "plan": plan.payload,
        "workdir": os.path.dirname(home_path),
        "limits": {"memory_mb": limits.memory_mb, "submission_timeout": limits.submission_timeout},
        "jail": {
            "base": base,
            "home": os.path.dirname(home_path),
            "uid": user.uid,
            "gid": user.gid,
            "contain": isolation != "none",
        },
    }
    server = _fork_server()
    try:
        return Worker(server, args)
    except ConnectionError:  # the server died or hung: a new one, once
        return Worker(_fork_server(replace=server), args)
