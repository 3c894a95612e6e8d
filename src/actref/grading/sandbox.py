"""The parent side of a worker: start it, watch the clock, collect its raw outputs.

Workers are forked by :mod:`actref.grading.server`, a process that preloaded
:mod:`actref.grading.worker` (so NumPy and SymPy are imported once, not once per
submission) and holds nothing of the grader's: no other student's results, no other
worker's pipe.

The pipe is read with ``select`` and ``os.read`` and parsed as newline-delimited JSON:
never ``pickle`` (unpickling runs code), never a blocking read (a worker that writes
half a message and hangs must not hang the grader). Every message is validated; a
malformed report, a hang past the per-call limit, or a worker that dies costs the
task in progress, and a fresh worker carries on with the tasks left.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from actref.grading import worker
from actref.grading.probes import GROUPS, OUTPUT_GROUPS, inputs_for
from actref.grading.rubric import Rubric

MAX_LINE_BYTES = 4 << 20
MAX_SPAWNS = 12
ROLES = ("forward", "derivative")
STYLES = ("numpy", "sympy", "missing")


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
    notes: tuple[str, ...] = ()  # how the submission was loaded (input(), stubs, fallback)


@dataclass(frozen=True)
class Plan:
    """The tasks for a rubric and the picklable description sent to the worker."""

    tasks: tuple[Task, ...]
    payload: dict[str, Any]


def build_plan(rubric: Rubric) -> Plan:
    """Every task the rubric needs, in a fixed order."""
    tasks = tuple(
        Task(f.reference, role, group, f.is_vector)
        for f in rubric.functions
        for role in ROLES
        for group in (*GROUPS, *_output_groups(f.derivative_input, role))
    )
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


def _output_groups(derivative_input: str, role: str) -> tuple[str, ...]:
    """The derivative is also called on the reference's outputs: accepted when the
    rubric allows it, named in the feedback when it does not (``derivative_input``)."""
    del derivative_input  # every convention needs them: to accept or to explain
    return tuple(OUTPUT_GROUPS) if role == "derivative" else ()


# ------------------------------------------------------------------------ the process
_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")


class _ForkServer:
    """Client of :mod:`actref.grading.server`: asks it to fork workers."""

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
        self.sock = ours
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, args: dict[str, Any]) -> tuple[int, int, int]:
        """Fork a worker: its pid, the read end of its results and of its status."""
        result_r, result_w = os.pipe()
        status_r, status_w = os.pipe()
        body = json.dumps(args).encode()
        try:
            with self.lock:
                socket.send_fds(self.sock, [len(body).to_bytes(8, "big")], [result_w, status_w])
                self.sock.sendall(body)
                reply = b""
                while not reply.endswith(b"\n"):
                    more = self.sock.recv(32)
                    if not more:
                        raise ConnectionError("the fork server closed the connection")
                    reply += more
        except BaseException:
            for fd in (result_r, status_r):
                os.close(fd)
            raise
        finally:
            os.close(result_w)
            os.close(status_w)
        return int(reply), result_r, status_r

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
    closed its connection: it may still be exiting, so ``alive()`` cannot tell)."""
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


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):  # the worker and anything it started
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)


def _exit_code(status_fd: int, timeout: float) -> int | None:
    readable, _, _ = select.select([status_fd], [], [], timeout)
    if not readable:
        return None
    try:
        return int(os.read(status_fd, 32).strip() or b"x")
    except ValueError:
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


class _Malformed(Exception):
    pass


class Interrupted(Exception):
    """Grading was stopped from outside (``stop`` was set)."""


def run_submission(
    path: str, rubric: Rubric, plan: Plan, stop: threading.Event | None = None
) -> RawRun:
    """Run ``path`` against every task of ``plan`` in sandboxed workers.

    Raises :class:`Interrupted` (with the worker killed) once ``stop`` is set.
    """
    start = time.monotonic()
    run = RawRun(path)
    limits = rubric.limits
    deadline = start + limits.submission_timeout
    remaining = list(range(len(plan.tasks)))
    spawns = 0
    with tempfile.TemporaryDirectory(prefix="actref-grade-") as workdir:
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
            _session(run, path, plan, remaining, workdir, rubric, deadline, stop)
            remaining = [t for t in remaining if t not in run.tasks]
    run.restarts = max(0, spawns - 1)
    run.seconds = time.monotonic() - start
    return run


def _session(
    run: RawRun,
    path: str,
    plan: Plan,
    remaining: list[int],
    workdir: str,
    rubric: Rubric,
    deadline: float,
    stop: threading.Event | None,
) -> None:
    """One worker process: runs tasks until done, a hang, a crash or bad output."""
    limits = rubric.limits
    lim = {"memory_mb": limits.memory_mb, "submission_timeout": limits.submission_timeout}
    args = {
        "path": os.path.abspath(path),
        "plan": plan.payload,
        "task_ids": remaining,
        "workdir": workdir,
        "limits": lim,
    }
    server = _fork_server()
    try:
        pid, fd, status_fd = server.spawn(args)
    except ConnectionError:  # the server died (a student can kill it): a new one, once
        pid, fd, status_fd = _fork_server(replace=server).spawn(args)
    buf = b""
    ready = bool(run.found)
    current: tuple[int, int | None] | None = None
    last = time.monotonic()
    try:
        while True:
            limit = limits.call_timeout if ready else limits.import_timeout
            now = time.monotonic()
            wait = min(last + limit, deadline) - now
            if wait <= 0:
                _timed_out(run, ready, current, remaining, limits.call_timeout, limits, deadline)
                return
            if stop is not None:
                if stop.is_set():
                    raise Interrupted
                wait = min(wait, 0.2)
            readable, _, _ = select.select([fd], [], [], wait)
            if not readable:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                _died(run, ready, current, remaining, _exit_text(_exit_code(status_fd, 2.0)))
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                last = time.monotonic()
                kind, payload = _parse_message(line, plan)
                if kind == "import_error":
                    run.import_failure = payload
                    return
                if kind == "ready":
                    if not run.found:
                        run.found, run.notes = payload
                    ready = True
                elif kind == "tick":
                    current = payload
                elif kind == "result":
                    index, result = payload
                    run.tasks.setdefault(index, result)
                    current = None
                elif kind == "done":
                    return
            if len(buf) > MAX_LINE_BYTES:
                raise _Malformed("a message longer than 4 MiB")
    except _Malformed as exc:
        task = current[0] if current else next((t for t in remaining if t not in run.tasks), None)
        if not ready:
            run.import_failure = f"the worker's report was malformed ({exc})"
        elif task is not None:
            run.tasks.setdefault(
                task, TaskResult("numpy", failure=f"the worker's report was malformed ({exc})")
            )
    finally:
        _kill(pid)
        os.close(fd)
        os.close(status_fd)


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
    if current is None:
        pending = [t for t in remaining if t not in run.tasks]
        if not pending:
            return
        current = (pending[0], None)
    task, point = current
    run.tasks.setdefault(
        task,
        TaskResult(
            "numpy",
            failure=f"did not return within {call_timeout:g} s",
            failure_status="timeout",
            failure_point=point,
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
    if current is None:
        pending = [t for t in remaining if t not in run.tasks]
        if not pending:
            return
        current = (pending[0], None)
    task, point = current
    run.tasks.setdefault(task, TaskResult("numpy", failure=text, failure_point=point))


# ------------------------------------------------------------------------ validation
def _parse_message(line: bytes, plan: Plan) -> tuple[str, Any]:
    try:
        msg = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise _Malformed("not JSON") from None
    if not isinstance(msg, dict):
        raise _Malformed("not an object")
    kind = msg.get("type")
    if kind == "import_error":
        return kind, _text(msg.get("error"))
    if kind == "ready":
        return kind, (_parse_found(msg.get("found"), plan), _parse_notes(msg.get("notes", [])))
    if kind == "tick":
        task, point = msg.get("task"), msg.get("point")
        n = _task_index(task, plan)
        if point is not None and not _is_int(point):
            raise _Malformed("bad tick")
        return kind, (n, point)
    if kind == "result":
        n = _task_index(msg.get("task"), plan)
        return kind, (n, _parse_task(msg.get("data"), plan.tasks[n], plan, n))
    if kind == "done":
        return kind, None
    raise _Malformed(f"unknown message type {str(kind)[:20]!r}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _task_index(v: Any, plan: Plan) -> int:
    if not _is_int(v) or not 0 <= v < len(plan.tasks):
        raise _Malformed("bad task index")
    return int(v)


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
    if not isinstance(shape_raw, list) or not all(_is_int(s) and s >= 0 for s in shape_raw):
        raise _Malformed("bad shape")
    shape = tuple(int(s) for s in shape_raw)
    if math.prod(shape) != len(values):
        raise _Malformed("shape does not match the values")
    return Call(values=values, shape=shape, input_after=input_after)


def _parse_task(v: Any, task: Task, plan: Plan, index: int) -> TaskResult:
    if not isinstance(v, dict) or v.get("style") not in STYLES:
        raise _Malformed("bad result")
    style = v["style"]
    if style == "missing":
        return TaskResult("missing")
    if "error" in v:
        return TaskResult(style, failure=_text(v["error"]))
    inputs = plan.payload["tasks"][index]["inputs"]
    expr = v.get("expr")
    expr = None if expr is None else _text(expr, 200)
    if task.vector:
        calls = v.get("calls")
        if not isinstance(calls, list) or len(calls) != len(inputs):
            raise _Malformed("bad calls")
        parsed = tuple(
            _parse_call(c, len(vec), 4 * len(vec) * len(vec))
            for c, vec in zip(calls, inputs, strict=True)
        )
        return TaskResult(style, expr=expr, calls=parsed)
    vector = v.get("vector")
    points = v.get("points")
    vec = None if vector is None else _parse_call(vector, len(inputs), 4 * len(inputs))
    pts = None
    if points is not None:
        if not isinstance(points, list) or len(points) != len(inputs):
            raise _Malformed("bad points")
        pts = tuple(_parse_call(p, 1, 4) for p in points)
    if vec is None and pts is None:
        raise _Malformed("no outputs")
    return TaskResult(style, expr=expr, vector=vec, points=pts)
