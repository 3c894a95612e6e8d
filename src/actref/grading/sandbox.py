"""The parent side of grading one submission: drive its workers call by call and
collect their raw outputs.

The plan (:mod:`actref.grading.plan`) decides every call; each runs in a contained
worker (:mod:`actref.grading.process`: the fork server, the folder, the clocks), one
command and exactly one reply at a time, the reply validated strictly
(:mod:`actref.grading.protocol`). A missing, malformed or out-of-order reply, a hang
or a death costs the call in progress, and a fresh worker carries on with the tasks
left. SymPy answers arrive as ``srepr`` text, rebuilt and evaluated here
(:mod:`actref.grading.expression`).
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from actref.grading import contain, expression
from actref.grading.plan import Call, Plan, RawRun, TaskResult
from actref.grading.probes import CURVE_GROUPS
from actref.grading.process import (
    NOBODY,
    SERVER_TIMEOUT,
    Died,
    SandboxUser,
    Timeout,
    Worker,
    make_folder,
    printed,
    remove_tree,
    start_worker,
)
from actref.grading.protocol import (
    Malformed,
    StudentExpression,
    bounded_text,
    parse_contained,
    parse_expression,
    parse_found,
    parse_notes,
    parse_reply,
)
from actref.grading.rubric import Rubric
from actref.grading.submission_files import SubmissionError

MAX_SPAWNS = 12
ISOLATION = ("auto", "strict")  # what a user may choose; "none" exists for benchmarks


class IsolationError(RuntimeError):
    """``--isolation strict`` and the host cannot build every wall."""


def probe_protections(user: SandboxUser = NOBODY) -> tuple[str, ...]:
    """The protections this host cannot give a worker, found by containing one."""
    scratch = tempfile.mkdtemp(prefix="actref-probe-")
    try:
        empty = os.path.join(scratch, "probe.py")
        with open(empty, "w"):
            pass
        base, copy = make_folder(empty, user)
        try:
            nothing = Plan((), {"functions": [], "tasks": []})
            w = start_worker(copy, base, nothing, Rubric("probe", ()), user, "auto")
            try:
                msg = w.message(time.monotonic() + SERVER_TIMEOUT, None)
                return parse_contained(msg)
            except (Malformed, Timeout, Died):
                return contain.PROTECTIONS
            finally:
                w.close()
        finally:
            remove_tree(base)
    finally:
        remove_tree(scratch)


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
        base, copy = make_folder(path, user)
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
        run.stdout = printed(base)
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
        w = start_worker(copy, base, plan, rubric, user, isolation)
    except ConnectionError as exc:
        run.import_failure = f"the grader could not start a worker ({exc})"
        return
    ready = bool(run.found)
    current: tuple[int, int | None] | None = None
    try:
        import_deadline = min(time.monotonic() + limits.import_timeout, deadline)
        missing = parse_contained(w.message(import_deadline, stop))
        run.missing_protections = tuple(dict.fromkeys((*run.missing_protections, *missing)))
        if missing and isolation == "strict":
            run.import_failure = "not graded: the sandbox lacks " + ", ".join(missing)
            return
        msg = w.message(import_deadline, stop)
        kind = msg.get("type")
        if kind == "import_error" and set(msg) == {"type", "error"}:
            run.import_failure = bounded_text(msg["error"])
            return
        if kind != "ready" or set(msg) != {"type", "found", "notes"}:
            raise Malformed("expected the ready message")
        found = parse_found(msg["found"], plan)
        notes = parse_notes(msg["notes"])
        if not run.found:
            run.found, run.notes = found, notes
        ready = True
        for t in remaining:
            if t in run.tasks:
                continue
            current = (t, None)
            _drive(w, run, plan, t, limits.call_timeout, deadline, stop)
            current = None
    except Timeout:
        _timed_out(run, ready, current, remaining, limits.call_timeout, limits, deadline)
    except Died as exc:
        _died(run, ready, current, remaining, str(exc))
    except Malformed as exc:
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
    w: Worker,
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
            except (Timeout, Died, Malformed) as exc:
                status = "timeout" if isinstance(exc, Timeout) else "error"
                run.exprs[key] = _Failed(_failure_text(exc, call_timeout, deadline), status)
                run.tasks[t] = _symbolic(run.exprs[key], inputs)
                raise
            run.exprs[key] = parse_expression(data)
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
                calls.append(parse_reply(data, len(inputs[point]), 4 * len(inputs[point]) ** 2))
            run.tasks[t] = TaskResult("numpy", calls=tuple(calls))
            return
        data = w.call(t, None, call_timeout, deadline, stop)
        vector = parse_reply(data, len(inputs), 4 * len(inputs))
        if vector.shape == (len(inputs),) or task.group in CURVE_GROUPS:
            run.tasks[t] = TaskResult("numpy", vector=vector)  # a curve: one call only
            return
        for point in range(len(inputs)):  # not vectorised: judged point by point
            data = w.call(t, point, call_timeout, deadline, stop)
            calls.append(parse_reply(data, 1, 4))
        run.tasks[t] = TaskResult("numpy", vector=vector, points=tuple(calls))
    except (Timeout, Died, Malformed) as exc:
        status = "timeout" if isinstance(exc, Timeout) else "error"
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
    if isinstance(exc, Timeout):
        if time.monotonic() >= deadline:  # the submission's clock ran out, not the call's
            return "grading stopped at the per-submission limit"
        return f"did not return within {call_timeout:g} s"
    if isinstance(exc, Died):
        return str(exc)
    return f"the worker's report was malformed ({exc})"


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
    if not isinstance(expr, StudentExpression) or group != "curve":
        return TaskResult("sympy", failure="not drawn")
    values = tuple(expression.evaluate_curve(expr.tree, inputs))
    return TaskResult("sympy", vector=Call(values=values, shape=(len(values),)))


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
