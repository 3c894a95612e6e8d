"""No sandbox process outlives the grading call that started it, whichever way it ends.

The worker of ``grading/attacks/outlive_the_grader.py`` ignores every signal it can and
sleeps for ever in sigmoid: no CPU time (RLIMIT_CPU never ends it), and as PID 1 of its
PID namespace it ignores SIGTERM from outside anyway; only SIGKILL ends it. It is driven
here through each way a call can end: its clock runs out, the grader raises or is
interrupted mid-call, the fork server is closed or killed, and -- the leak this file was
written for -- its supervisor is told to stop while it is still starting it.
"""

from __future__ import annotations

import dataclasses
import os
import select
import signal
import threading
import time
from pathlib import Path

import pytest

from actref.grading import grade_files, load_rubric, process
from actref.grading.plan import build_plan
from actref.grading.process import (
    NOBODY,
    Interrupted,
    Timeout,
    make_folder,
    remove_tree,
    start_worker,
)
from actref.grading.rubric import Limits, Rubric
from actref.grading.sandbox import run_submission

from .sandbox_processes import SandboxProcess, kill, sandbox_processes, survivors

OUTLIVE = Path(__file__).parent / "grading" / "attacks" / "outlive_the_grader.py"


def _rubric(call_timeout: float = 30.0) -> Rubric:
    limits = Limits(call_timeout=call_timeout, import_timeout=10.0, submission_timeout=60.0)
    return dataclasses.replace(load_rubric(), limits=limits)


def _server_pid() -> int | None:
    server = process._server
    return server.proc.pid if server is not None and server.alive() else None


def _assert_none_left(wait: float = 5.0) -> None:
    """No sandbox process of this checkout but the fork server, within ``wait`` s."""
    server = _server_pid()
    left = survivors(exclude=() if server is None else (server,), wait=wait)
    if left:
        kill(left)
        pytest.fail("left behind (killed now): " + "; ".join(map(str, left)))


def _sigmoid_task(rubric: Rubric) -> int:
    plan = build_plan(rubric, False)
    for t, task in enumerate(plan.tasks):
        if (task.reference, task.role, task.vector) == ("sigmoid", "forward", False):
            return t
    raise AssertionError("no sigmoid task")


def test_a_supervisor_stopped_while_it_starts_leaves_no_worker() -> None:
    """The leak: a supervisor told to stop (SIGTERM: the grader closing a worker at once,
    or the server ending) in its first milliseconds died of it before its handling was
    in place -- right after forking its worker, which as PID 1 of a namespace ignores
    SIGTERM, ran as nobody and had no parent-death signal yet: it lived on with PPID 1
    -- or had the signal taken by a Python handler just before its blocking waitpid, so
    that both lived on. Before the fix, about one SIGTERM in five sent in this window
    (measured on 2 cores) left a worker alive after its supervisor's end had been
    reported, or no end reported at all."""
    rubric = _rubric()
    plan = build_plan(rubric, False)
    process.warm_up()
    left: list[SandboxProcess] = []
    for i in range(80):
        base, copy = make_folder(str(OUTLIVE), NOBODY)
        try:
            w = start_worker(copy, base, plan, rubric, NOBODY, "auto")
            try:
                time.sleep((i % 10) * 0.0005)  # 0 to 4.5 ms: while the supervisor starts
                # what Worker.close does, its pipes kept open: an orphan would wait on them
                os.kill(w.pid, signal.SIGTERM)
                select.select([w.status_fd], [], [], 5.0)  # the supervisor's end reported
                server = _server_pid()
                left += sandbox_processes(exclude=() if server is None else (server,))
            finally:
                w.close()
        finally:
            remove_tree(base)
    if left:
        kill(left)
    assert not left, "alive after their supervisor ended: " + "; ".join(map(str, left))
    _assert_none_left()


def test_a_call_that_never_returns_is_killed_at_its_timeout() -> None:
    (result,) = grade_files([str(OUTLIVE)], _rubric(call_timeout=0.5))
    assert result is not None
    statuses = {(r.function, r.part): r.status for r in result.results}
    assert statuses[("sigmoid", "value")] == "timeout"
    assert statuses[("tanh", "value")] == "pass"  # the worker restarted after the hang
    _assert_none_left()


class _RaisesMidCall(threading.Event):
    """A ``stop`` event that raises ``exc`` from the grader's wait once the worker has
    had time to enter sigmoid: an error (or Ctrl-C) in the grader during a call."""

    def __init__(self, exc: BaseException, after: float) -> None:
        super().__init__()
        self.exc = exc
        self.when = time.monotonic() + after

    def is_set(self) -> bool:
        if time.monotonic() >= self.when:
            raise self.exc
        return False


@pytest.mark.parametrize(
    "exc",
    [RuntimeError("a bug in the grader"), KeyboardInterrupt(), Interrupted()],
    ids=["exception", "keyboard-interrupt", "interrupted"],
)
def test_a_call_abandoned_by_the_grader_leaves_nothing(exc: BaseException) -> None:
    stop = _RaisesMidCall(exc, after=2.0)
    rubric = _rubric()
    started = time.monotonic()
    with pytest.raises(type(exc)):
        run_submission(str(OUTLIVE), rubric, build_plan(rubric, False), stop)
    assert time.monotonic() - started < 20  # abandoned mid-call, not at a timeout
    _assert_none_left()


def test_a_stop_set_from_another_thread_leaves_nothing() -> None:
    stop = threading.Event()
    timer = threading.Timer(2.0, stop.set)
    timer.start()
    rubric = _rubric()
    try:
        with pytest.raises(Interrupted):
            run_submission(str(OUTLIVE), rubric, build_plan(rubric, False), stop)
    finally:
        timer.cancel()
    _assert_none_left()


def _hanging_worker(rubric: Rubric) -> tuple[process.Worker, str]:
    """A worker asleep in sigmoid (its call timed out; nobody closed it)."""
    plan = build_plan(rubric, False)
    base, copy = make_folder(str(OUTLIVE), NOBODY)
    w = start_worker(copy, base, plan, rubric, NOBODY, "auto")
    deadline = time.monotonic() + 10
    assert w.message(deadline, None)["type"] == "contained"
    assert w.message(deadline, None)["type"] == "ready"
    with pytest.raises(Timeout):
        w.call(_sigmoid_task(rubric), None, 0.5, deadline, None)
    assert len(sandbox_processes(exclude=(process._server.proc.pid,))) >= 2  # type: ignore[union-attr]
    return w, base


def test_closing_the_fork_server_kills_its_workers() -> None:
    w, base = _hanging_worker(_rubric())
    try:
        process.stop_fork_server()
        _assert_none_left()
    finally:
        w.close()
        remove_tree(base)


def test_a_fork_server_that_dies_takes_its_workers_along() -> None:
    """Killed, not closed (SIGKILL: nothing of it runs): its supervisors get their
    parent-death signal and kill their workers. Before the fix both lived on."""
    w, base = _hanging_worker(_rubric())
    try:
        server = process._server
        assert server is not None
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        _assert_none_left()
    finally:
        w.close()
        remove_tree(base)


def test_a_group_left_by_a_killed_supervisor_does_not_cost_the_next_its_walls() -> None:
    """A supervisor killed outright (SIGKILL: the last resort above) leaves its control
    groups, named by its pid. The next supervisor given that pid used to fail to make
    its own, and without them its worker lost the jail too (every part an error: the
    submission could not even be read)."""
    from actref.grading import contain

    groups = contain.make_cgroups(1 << 30, 16)
    contain.remove_cgroups(groups)
    if not groups:
        pytest.skip("no writable cgroup here")
    for folder in groups:  # what a killed supervisor with this pid would have left
        os.mkdir(folder)
    again = contain.make_cgroups(1 << 30, 16)
    try:
        assert again == groups
    finally:
        contain.remove_cgroups(again or groups)
    assert not any(os.path.exists(folder) for folder in groups)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV], ids=str)
def test_the_supervisor_ends_as_its_worker_ended(signum: int) -> None:
    """A worker killed by a signal (SIGKILL: the memory cgroup's OOM killer, the hard
    CPU limit) is reported as killed by it: the supervisor ends by the same signal.
    SIGKILL's handler cannot be set, and trying to made every such end "exit status 70"."""
    from actref.grading import contain

    pid = os.fork()
    if pid == 0:  # the supervisor
        try:
            signal.pthread_sigmask(signal.SIG_BLOCK, contain.SUPERVISOR_SIGNALS)
            worker = os.fork()
            if worker == 0:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
                os.kill(os.getpid(), signum)  # pytest's handlers: none for these
                os._exit(3)
            contain.supervise(worker, [])
        finally:
            os._exit(70)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == -signum
