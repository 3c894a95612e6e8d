"""The parent side of a worker: build its folder, drive it call by call, keep the
clocks, collect its raw outputs.

Workers are forked by :mod:`actref.grading.server`, a process that preloaded
:mod:`actref.grading.worker` (so NumPy and SymPy are imported once, not once per
submission) and holds nothing of the grader's; each is contained
(:mod:`actref.grading.contain`) before the student's code runs, in a private folder
holding only a copy of its submission.

The parent sends one command per call and waits for exactly one reply, with its own
clock: the per-call limit starts when the command is sent, and nothing the worker
writes extends it. Replies are read with ``select`` and ``os.read`` and parsed as
newline-delimited JSON (never ``pickle``, never a blocking read), validated strictly
(size, depth, finite sizes, the sequence number, the style found at import); a
missing, malformed or out-of-order reply, a hang or a death costs the call in
progress, and a fresh worker carries on with the tasks left. SymPy answers arrive
as ``srepr`` text, rebuilt and evaluated here (:mod:`actref.grading.expression`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from actref.grading import contain, expression, worker
from actref.grading.probes import CURVE_GROUPS, GROUPS, OUTPUT_GROUPS, inputs_for
from actref.grading.rubric import Rubric
from actref.grading.text import printable

MAX_LINE_BYTES = 1 << 20
MAX_SPAWNS = 12
MAX_SUBMISSION_BYTES = 4 << 20  # a submission's files, all together
MAX_SUBMISSION_FILES = 200
MAX_SUBMISSION_DEPTH = 16
SERVER_TIMEOUT = 10.0  # any exchange with the fork server
ROLES = ("forward", "derivative")
STYLES = ("numpy", "sympy", "missing")
ISOLATION = ("auto", "strict")  # what a user may choose; "none" exists for benchmarks


@dataclass(frozen=True)
class Task:
    """One unit of work: a function's forward or derivative on one input group."""

    reference: str
    role: str
    group: str
    vector: bool


@dataclass(frozen=True)
class Call:
    """What one call of the student's code gave back, as plain data."""

    values: tuple[float, ...] | None = None
    shape: tuple[int, ...] | None = None
    error: str | None = None
    input_after: tuple[float, ...] | None = None


@dataclass(frozen=True)
class TaskResult:
    """The raw outputs of one task, or why there are none.

    ``failure`` is set when the task did not finish (``failure_status`` is
    ``timeout`` or ``error``; ``failure_point`` the input being tried, ``None`` for
    the whole-array call) or failed as a whole (``error``: e.g. ``f()`` raised).
    """

    style: str
    expr: str | None = None
    vector: Call | None = None
    points: tuple[Call, ...] | None = None
    calls: tuple[Call, ...] | None = None
    failure: str | None = None
    failure_status: str = "error"
    failure_point: int | None = None


@dataclass(frozen=True)
class Found:
    """How the submission spells one role of one function."""

    style: str
    name: str | None
    note: str
    recognised: str = ""  # e.g. "static method Activation.sigmoid", "" for a plain function


@dataclass
class RawRun:
    """Everything the worker(s) reported for one submission."""

    path: str
    tasks: dict[int, TaskResult] = field(default_factory=dict)
    found: dict[str, dict[str, Found]] = field(default_factory=dict)
    import_failure: str | None = None
    import_status: str = "error"
    seconds: float = 0.0
    restarts: int = 0
    missing_protections: tuple[str, ...] = ()
    stdout: str = ""  # the start of what the last worker printed (escaped)
    exprs: dict[tuple[str, str], Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # how the submission was loaded (input(), stubs, fallback)


@dataclass(frozen=True)
class Plan:
    """The tasks for a rubric and the picklable description sent to the worker."""

    tasks: tuple[Task, ...]
    payload: dict[str, Any]


def build_plan(rubric: Rubric, curve: bool = False) -> Plan:
    """Every task the rubric needs, in a fixed order; ``curve``: then the dense
    curves of the feedback figures (last, so they never delay a judged task)."""
    tasks = tuple(
        Task(f.reference, role, group, f.is_vector)
        for f in rubric.functions
        for role in ROLES
        for group in (*GROUPS, *_output_groups(f.derivative_input, role))
    ) + (_curve_tasks(rubric) if curve else ())
    by_ref = {f.reference: f for f in rubric.functions}
    payload = {
        "functions": [
            {
                "reference": f.reference,
                "names": list(f.names),
                "derivative_names": list(f.derivative_names),
                "is_vector": f.is_vector,
                "params": dict(f.params),
                "param_names": {p: list(names) for p, names in f.param_names},
            }
            for f in rubric.functions
        ],
        "flag_names": list(rubric.flag_names),
        # input() text; the worker's own clock for the import, before the parent's
        # limit, so that a hanging import can fall back to the file's definitions
        "load": {"stdin": rubric.stdin, "import_budget": 0.6 * rubric.limits.import_timeout},
        "tasks": [
            {
                "reference": t.reference,
                "role": t.role,
                "vector": t.vector,
                "inputs": inputs_for(by_ref[t.reference], t.group),
            }
            for t in tasks
        ],
    }
    return Plan(tasks, payload)


def _curve_tasks(rubric: Rubric) -> tuple[Task, ...]:
    """One whole-array call per role (the derivative on x and on s = f(x))."""
    return tuple(
        Task(f.reference, role, group, False)
        for f in rubric.functions
        if not f.is_vector
        for role, group in (
            ("forward", "curve"),
            ("derivative", "curve"),
            ("derivative", "curve_output"),
        )
    )


def _output_groups(derivative_input: str, role: str) -> tuple[str, ...]:
    """The derivative is also called on the reference's outputs: accepted when the
    rubric allows it, named in the feedback when it does not (``derivative_input``)."""
    del derivative_input  # every convention needs them: to accept or to explain
    return tuple(OUTPUT_GROUPS) if role == "derivative" else ()


# ------------------------------------------------------------------------ the process
_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")


class _ForkServer:
    """Client of :mod:`actref.grading.server`: asks it to fork workers. Every exchange
    has a timeout: a server that stops answering is replaced, never waited for."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            # -I: no script folder on sys.path (a student's `import judge` finds nothing)
            [sys.executable, "-I", _SERVER, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
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


# ------------------------------------------------------------------------ the folder
@dataclass(frozen=True)
class SandboxUser:
    """Who student code runs as when the grader is root (``nobody`` by default)."""

    uid: int = 65534
    gid: int = 65534


NOBODY = SandboxUser()


def _make_folder(path: str, user: SandboxUser) -> tuple[str, str]:
    """A private folder (``base``) holding ``home``, the worker's only writable place,
    with a copy of the submission in it; the jail's mount point; the output files."""
    base = tempfile.mkdtemp(prefix="actref-grade-")
    _LIVE_FOLDERS.add(base)
    try:
        home = os.path.join(base, "home")
        os.mkdir(home, 0o700)
        os.mkdir(os.path.join(base, "jail"), 0o700)
        copy = os.path.join(home, os.path.basename(os.path.normpath(path)))
        budget = [MAX_SUBMISSION_BYTES]
        source = os.path.realpath(path)  # the path the instructor gave may be a link
        if os.path.isdir(source):
            _copy_tree(source, copy, budget)
        else:
            _copy_file(source, copy, budget)
        if os.getuid() == 0:
            for folder, dirs, files in os.walk(home):
                for name in (folder, *(os.path.join(folder, n) for n in (*dirs, *files))):
                    os.lchown(name, user.uid, user.gid)
    except BaseException:
        remove_tree(base)
        raise
    return base, copy


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


STDOUT_EXCERPT_BYTES = 2000


def _printed(base: str) -> str:
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
_LIVE_WORKERS: set[_Worker] = set()
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


class SubmissionError(Exception):
    """A submission that cannot be copied into its sandbox; the message says why."""


# ------------------------------------------------------------------------ the worker
class _Malformed(Exception):
    pass


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


class Interrupted(Exception):
    """Grading was stopped from outside (``stop`` was set)."""


class IsolationError(RuntimeError):
    """``--isolation strict`` and the host cannot build every wall."""


def _strict_loads(line: bytes) -> Any:
    """JSON with no huge integers, no nesting bombs: any problem is malformed."""

    def small_int(text: str) -> int:
        if len(text) > 20:
            raise ValueError("integer too long")
        return int(text)

    try:
        return json.loads(line, parse_int=small_int)
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise _Malformed("not JSON") from None


class _Worker:
    """The parent's handle on one worker: its pipes, and the parent's clocks."""

    def __init__(self, server: _ForkServer, args: dict[str, Any]) -> None:
        self.pid, self.fd, self.cmd_fd, self.status_fd = server.spawn(args)
        self.buf = b""
        self.seq = 0
        _LIVE_WORKERS.add(self)

    def message(self, deadline: float, stop: threading.Event | None) -> Any:
        """The next line, parsed; :class:`_Timeout` at ``deadline``."""
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE_BYTES:
                raise _Malformed(f"a message longer than {MAX_LINE_BYTES >> 20} MiB")
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise _Timeout
            if stop is not None:
                if stop.is_set():
                    raise Interrupted
                wait = min(wait, 0.2)
            readable, _, _ = select.select([self.fd], [], [], wait)
            if not readable:
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise _Died(_exit_text(_exit_code(self.status_fd, 2.0)))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        msg = _strict_loads(line)
        if not isinstance(msg, dict):
            raise _Malformed("not an object")
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
            raise _Malformed("the worker stopped reading commands") from None
        except OSError:
            raise _Died(_exit_text(_exit_code(self.status_fd, 2.0))) from None
        msg = self.message(min(time.monotonic() + timeout, deadline), stop)
        if (
            msg.get("type") != "reply"
            or msg.get("seq") != self.seq
            or set(msg) != {"type", "seq", "data"}
        ):
            raise _Malformed("not the reply to the call made")
        return msg["data"]

    def close(self) -> None:
        """Kill the worker and everything it started; wait (briefly) until they are
        gone, so its folder is removed after, not during, its last writes."""
        _LIVE_WORKERS.discard(self)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGTERM)  # the supervisor kills the whole namespace
        with contextlib.suppress(OSError, ValueError):
            _exit_code(self.status_fd, 5.0)
        for fd in (self.fd, self.cmd_fd, self.status_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


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


def _start(
    home_path: str, base: str, plan: Plan, rubric: Rubric, user: SandboxUser, isolation: str
) -> _Worker:
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
        return _Worker(server, args)
    except ConnectionError:  # the server died or hung: a new one, once
        return _Worker(_fork_server(replace=server), args)


def probe_protections(user: SandboxUser = NOBODY) -> tuple[str, ...]:
    """The protections this host cannot give a worker, found by containing one."""
    scratch = tempfile.mkdtemp(prefix="actref-probe-")
    try:
        empty = os.path.join(scratch, "probe.py")
        with open(empty, "w"):
            pass
        base, copy = _make_folder(empty, user)
        try:
            nothing = Plan((), {"functions": [], "tasks": []})
            w = _start(copy, base, nothing, Rubric("probe", ()), user, "auto")
            try:
                msg = w.message(time.monotonic() + SERVER_TIMEOUT, None)
                return _parse_contained(msg)
            except (_Malformed, _Timeout, _Died):
                return contain.PROTECTIONS
            finally:
                w.close()
        finally:
            remove_tree(base)
    finally:
        remove_tree(scratch)


def _parse_contained(msg: Any) -> tuple[str, ...]:
    missing = msg.get("missing") if msg.get("type") == "contained" else None
    if not isinstance(missing, list) or not all(m in contain.PROTECTIONS for m in missing):
        raise _Malformed("no containment report")
    return tuple(dict.fromkeys(missing))


def run_submission(
    path: str,
    rubric: Rubric,
    plan: Plan,
    stop: threading.Event | None = None,
    user: SandboxUser = NOBODY,
    isolation: str = "auto",
) -> RawRun:
    """Run ``path`` against every task of ``plan`` in contained workers.

    Raises :class:`Interrupted` (with the worker killed) once ``stop`` is set.
    """
    start = time.monotonic()
    run = RawRun(path)
    limits = rubric.limits
    deadline = start + limits.submission_timeout
    remaining = list(range(len(plan.tasks)))
    spawns = 0
    try:
        base, copy = _make_folder(path, user)
    except (OSError, SubmissionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        run.import_failure = f"the file could not be read ({reason})"
        return run
    try:
        while remaining and run.import_failure is None:
            if time.monotonic() >= deadline:
                for t in remaining:
                    run.tasks[t] = TaskResult(
                        "numpy",
                        failure="grading stopped at the per-submission limit of "
                        f"{limits.submission_timeout:g} s",
                        failure_status="timeout",
                    )
                break
            if spawns >= MAX_SPAWNS:
                for t in remaining:
                    run.tasks[t] = TaskResult(
                        "numpy", failure=f"not run: the worker had to be restarted {spawns} times"
                    )
                break
            spawns += 1
            _session(
                run, path, copy, base, plan, remaining, rubric, deadline, stop, user, isolation
            )
            remaining = [t for t in remaining if t not in run.tasks]
    finally:
        run.stdout = _printed(base)
        remove_tree(base)
    run.restarts = max(0, spawns - 1)
    run.seconds = time.monotonic() - start
    return run


def _session(
    run: RawRun,
    path: str,
    copy: str,
    base: str,
    plan: Plan,
    remaining: list[int],
    rubric: Rubric,
    deadline: float,
    stop: threading.Event | None,
    user: SandboxUser,
    isolation: str,
) -> None:
    """One worker process: runs tasks until done, a hang, a crash or bad output."""
    limits = rubric.limits
    try:
        w = _start(copy, base, plan, rubric, user, isolation)
    except ConnectionError as exc:
        run.import_failure = f"the grader could not start a worker ({exc})"
        return
    ready = bool(run.found)
    current: tuple[int, int | None] | None = None
    try:
        import_deadline = min(time.monotonic() + limits.import_timeout, deadline)
        missing = _parse_contained(w.message(import_deadline, stop))
        run.missing_protections = tuple(dict.fromkeys((*run.missing_protections, *missing)))
        if missing and isolation == "strict":
            run.import_failure = "not graded: the sandbox lacks " + ", ".join(missing)
            return
        msg = w.message(import_deadline, stop)
        kind = msg.get("type")
        if kind == "import_error" and set(msg) == {"type", "error"}:
            run.import_failure = _text(msg["error"])
            return
        if kind != "ready" or set(msg) != {"type", "found", "notes"}:
            raise _Malformed("expected the ready message")
        found = _parse_found(msg["found"], plan)
        notes = _parse_notes(msg["notes"])
        if not run.found:
            run.found, run.notes = found, notes
        ready = True
        for t in remaining:
            if t in run.tasks:
                continue
            current = (t, None)
            _drive(w, run, plan, t, limits.call_timeout, deadline, stop)
            current = None
    except _Timeout:
        _timed_out(run, ready, current, remaining, limits.call_timeout, limits, deadline)
    except _Died as exc:
        _died(run, ready, current, remaining, str(exc))
    except _Malformed as exc:
        _malformed(run, ready, current, remaining, str(exc))
    finally:
        w.close()


class _Partial(Exception):
    """A task ended part-way: the calls made so far, and where it stopped."""

    def __init__(self, cause: Exception, point: int | None, result: TaskResult) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.point = point
        self.result = result


def _drive(
    w: _Worker,
    run: RawRun,
    plan: Plan,
    t: int,
    call_timeout: float,
    deadline: float,
    stop: threading.Event | None,
) -> None:
    """Every call task ``t`` needs, decided here, one command at a time."""
    task = plan.tasks[t]
    info = run.found[task.reference][task.role]
    inputs = plan.payload["tasks"][t]["inputs"]
    forward = run.found[task.reference]["forward"]
    differentiated = (
        info.style == "missing"
        and task.role == "derivative"
        and forward.style == "sympy"
        and not task.vector
    )
    if info.style == "missing" and not differentiated:
        run.tasks[t] = TaskResult("missing")
        return
    if info.style == "sympy" or differentiated:  # the worker's sympy.diff when no f' given
        key = (task.reference, task.role)
        if key not in run.exprs:  # asked once: every group is evaluated from it
            try:
                data = w.call(t, None, call_timeout, deadline, stop)
            except (_Timeout, _Died, _Malformed) as exc:
                status = "timeout" if isinstance(exc, _Timeout) else "error"
                run.exprs[key] = _Failed(_failure_text(exc, call_timeout, deadline), status)
                run.tasks[t] = _symbolic(run.exprs[key], inputs)
                raise
            run.exprs[key] = _parse_expression(data)
        if task.group in CURVE_GROUPS:
            run.tasks[t] = _symbolic_curve(run.exprs[key], inputs, task.group)
            return
        run.tasks[t] = _symbolic(run.exprs[key], inputs, deadline)
        return
    calls: list[Call] = []
    vector: Call | None = None
    point: int | None = None
    try:
        if task.vector:
            for point in range(len(inputs)):
                data = w.call(t, point, call_timeout, deadline, stop)
                calls.append(_parse_reply(data, len(inputs[point]), 4 * len(inputs[point]) ** 2))
            run.tasks[t] = TaskResult("numpy", calls=tuple(calls))
            return
        data = w.call(t, None, call_timeout, deadline, stop)
        vector = _parse_reply(data, len(inputs), 4 * len(inputs))
        if vector.shape == (len(inputs),) or task.group in CURVE_GROUPS:
            run.tasks[t] = TaskResult("numpy", vector=vector)  # a curve: one call only
            return
        for point in range(len(inputs)):  # not vectorised: judged point by point
            data = w.call(t, point, call_timeout, deadline, stop)
            calls.append(_parse_reply(data, 1, 4))
        run.tasks[t] = TaskResult("numpy", vector=vector, points=tuple(calls))
    except (_Timeout, _Died, _Malformed) as exc:
        status = "timeout" if isinstance(exc, _Timeout) else "error"
        text = _failure_text(exc, call_timeout, deadline)
        run.tasks[t] = TaskResult(
            "numpy",
            vector=vector,
            points=tuple(calls) if not task.vector and vector is not None else None,
            calls=tuple(calls) if task.vector else None,
            failure=text,
            failure_status=status,
            failure_point=point if (task.vector or vector is not None) else None,
        )
        raise


def _failure_text(exc: Exception, call_timeout: float, deadline: float = math.inf) -> str:
    if isinstance(exc, _Timeout):
        if time.monotonic() >= deadline:  # the submission's clock ran out, not the call's
            return "grading stopped at the per-submission limit"
        return f"did not return within {call_timeout:g} s"
    if isinstance(exc, _Died):
        return str(exc)
    return f"the worker's report was malformed ({exc})"


@dataclass(frozen=True)
class _Expression:
    """A SymPy answer as the grader holds it: the tree it evaluates, and the student's
    own text of it (for display only, never read)."""

    tree: expression.Node
    shown: str


def _parse_expression(data: Any) -> _Expression | str:
    """The reply to a SymPy function's call: its expression, read here; or why not."""
    if not isinstance(data, dict) or data.get("style") != "sympy":
        raise _Malformed("a reply of the wrong style")
    if "error" in data:
        return _text(data["error"])
    try:
        return _Expression(expression.parse(data.get("srepr")), _text(data.get("expr", ""), 200))
    except expression.ExpressionError as exc:
        return f"returned an expression the grader does not accept ({exc})"


@dataclass(frozen=True)
class _Failed:
    """A SymPy function's call that never answered: every group reports it."""

    text: str
    status: str


def _symbolic(expr: Any, inputs: list[float], deadline: float = math.inf) -> TaskResult:
    """Values of a SymPy answer, computed here from its expression."""
    if isinstance(expr, _Failed):
        return TaskResult("sympy", failure=expr.text, failure_status=expr.status)
    if isinstance(expr, str):  # the call failed: the reason
        return TaskResult("sympy", failure=expr)
    points = tuple(
        Call(error=v) if isinstance(v, str) else Call(values=(v,), shape=())
        for v in expression.evaluate(expr.tree, inputs, deadline)
    )
    return TaskResult("sympy", expr=expr.shown, points=points)


def _symbolic_curve(expr: Any, inputs: list[float], group: str) -> TaskResult:
    """A SymPy answer's dense curve, for the feedback figure: evaluated here at float64
    working precision (it judges nothing); an expression takes x, so no curve on
    outputs."""
    if not isinstance(expr, _Expression) or group != "curve":
        return TaskResult("sympy", failure="not drawn")
    values = tuple(expression.evaluate_curve(expr.tree, inputs))
    return TaskResult("sympy", vector=Call(values=values, shape=(len(values),)))


def _parse_reply(data: Any, n_inputs: int, max_values: int) -> Call:
    if (
        not isinstance(data, dict)
        or data.get("style") != "numpy"
        or set(data) != {"style", "call"}
    ):
        raise _Malformed("a reply of the wrong style")
    return _parse_call(data["call"], n_inputs, max_values)


def _timed_out(
    run: RawRun,
    ready: bool,
    current: tuple[int, int | None] | None,
    remaining: list[int],
    call_timeout: float,
    limits: Any,
    deadline: float,
) -> None:
    if time.monotonic() >= deadline:
        return  # run_submission marks what is left
    if not ready:
        run.import_status = "timeout"
        run.import_failure = (
            f"importing the submission took longer than {limits.import_timeout:g} s"
        )
        return
    _fail_current(
        run,
        current,
        remaining,
        TaskResult(
            "numpy", failure=f"did not return within {call_timeout:g} s", failure_status="timeout"
        ),
    )


def _died(
    run: RawRun,
    ready: bool,
    current: tuple[int, int | None] | None,
    remaining: list[int],
    text: str,
) -> None:
    if not ready:
        run.import_failure = f"importing the submission {text}"
        return
    _fail_current(run, current, remaining, TaskResult("numpy", failure=text))


def _malformed(
    run: RawRun,
    ready: bool,
    current: tuple[int, int | None] | None,
    remaining: list[int],
    text: str,
) -> None:
    if not ready:
        run.import_failure = f"the worker's report was malformed ({text})"
        return
    _fail_current(
        run,
        current,
        remaining,
        TaskResult("numpy", failure=f"the worker's report was malformed ({text})"),
    )


def _fail_current(
    run: RawRun, current: tuple[int, int | None] | None, remaining: list[int], result: TaskResult
) -> None:
    """The task in progress failed (if :func:`_drive` did not record it already)."""
    if current is None:
        pending = [t for t in remaining if t not in run.tasks]
        if not pending:
            return
        current = (pending[0], None)
    run.tasks.setdefault(current[0], result)


# ------------------------------------------------------------------------ validation
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _text(v: Any, limit: int = worker.MAX_ERROR_CHARS) -> str:
    if not isinstance(v, str):
        raise _Malformed("expected a string")
    return v[:limit]


def _parse_found(v: Any, plan: Plan) -> dict[str, dict[str, Found]]:
    if not isinstance(v, dict):
        raise _Malformed("bad ready message")
    out: dict[str, dict[str, Found]] = {}
    for fn in plan.payload["functions"]:
        ref = fn["reference"]
        entry = v.get(ref)
        if not isinstance(entry, dict):
            raise _Malformed(f"no entry for {ref}")
        roles: dict[str, Found] = {}
        for role in ROLES:
            info = entry.get(role)
            if not isinstance(info, dict) or info.get("style") not in STYLES:
                raise _Malformed(f"bad entry for {ref}")
            name = info.get("name")
            roles[role] = Found(
                info["style"],
                None if name is None else _text(name, 80),
                _text(info.get("note", ""), 300),
                _text(info.get("recognised", ""), 200),
            )
        out[ref] = roles
    return out


def _parse_notes(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or len(v) > 8:
        raise _Malformed("bad notes")
    return tuple(_text(n) for n in v)


def _floats(v: Any, limit: int) -> tuple[float, ...]:
    if not isinstance(v, list) or len(v) > limit:
        raise _Malformed("bad list of numbers")
    out = []
    for item in v:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise _Malformed("not a number")
        out.append(float(item))
    return tuple(out)


def _parse_call(v: Any, n_inputs: int, max_values: int) -> Call:
    if not isinstance(v, dict):
        raise _Malformed("bad call")
    after = v.get("input_after")
    input_after = None if after is None else _floats(after, n_inputs)
    if "error" in v:
        return Call(error=_text(v["error"]), input_after=input_after)
    values = _floats(v.get("values"), max_values)
    shape_raw = v.get("shape")
    if (
        not isinstance(shape_raw, list)
        or len(shape_raw) > 8
        or not all(_is_int(s) and 0 <= s <= max_values for s in shape_raw)
    ):
        raise _Malformed("bad shape")
    shape = tuple(int(s) for s in shape_raw)
    if math.prod(shape) != len(values):
        raise _Malformed("shape does not match the values")
    return Call(values=values, shape=shape, input_after=input_after)
