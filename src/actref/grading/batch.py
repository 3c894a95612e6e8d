"""A batch: grade many submissions, ``jobs`` at a time, reporting each as it finishes.

Each submission gets its own contained worker process(es) (see
:mod:`actref.grading.sandbox`); a thread per running submission only waits on its
worker's pipe, so ``jobs`` is the number of student processes running at once.
Nothing one submission does costs another: any failure while grading it -- of any
kind, in the grader's own code too -- becomes that submission's ``error``.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence

from actref.grading import contain
from actref.grading.judge import judge
from actref.grading.plan import Plan, build_plan
from actref.grading.probes import Expected, expectations
from actref.grading.process import NOBODY, Interrupted, SandboxUser, warm_up
from actref.grading.results import PartResult, SubmissionResult
from actref.grading.rubric import PARTS, Rubric
from actref.grading.sandbox import ISOLATION, IsolationError, probe_protections, run_submission


class Grader:
    """A rubric made ready: tasks planned, reference values computed once, and the
    sandbox probed (which protections this host gives a worker).

    ``isolation="strict"`` raises :class:`IsolationError` when any is missing;
    ``"auto"`` grades anyway and every result names what is missing; ``"none"`` builds
    no wall at all and exists only so that ``nox -s bench`` can measure their cost.
    """

    def __init__(
        self,
        rubric: Rubric,
        isolation: str = "auto",
        user: SandboxUser = NOBODY,
        curve: bool = False,
    ) -> None:
        if isolation not in (*ISOLATION, "none"):
            raise ValueError(f"isolation {isolation!r}: accepted: {', '.join(ISOLATION)}")
        contain.set_not_dumpable()  # no student process may read this one's memory
        warm_up()  # the forkserver imports NumPy/SymPy while we compute references
        self.rubric = rubric
        self.isolation = isolation
        self.user = user
        # curve: the dense curves of the feedback figures (``--feedback-dir``) too
        self.plan: Plan = build_plan(rubric, curve)
        self.expected: dict[tuple[str, str], Expected] = expectations(rubric, curve)
        self.missing_protections = probe_protections(user)
        if self.missing_protections and isolation == "strict":
            raise IsolationError(
                "--isolation strict: this host cannot give workers "
                + ", ".join(self.missing_protections)
            )

    def grade(
        self, path: str, name: str | None = None, stop: threading.Event | None = None
    ) -> SubmissionResult:
        """Grade one submission file; never raises for anything the submission does."""
        shown = name or os.path.basename(path)
        try:
            run = run_submission(path, self.rubric, self.plan, stop, self.user, self.isolation)
            return judge(run, self.rubric, self.plan, self.expected, shown)
        except Interrupted:
            raise
        except Exception as exc:  # noqa: BLE001 - one submission's failure is its own
            return self.failed(path, shown, f"the grader failed on it ({type(exc).__name__})")

    def failed(self, path: str, name: str, why: str) -> SubmissionResult:
        """Every part ``error`` with ``why``: a submission that could not be graded."""
        results = tuple(
            PartResult(f.reference, part, "error", 0.0, f.max_points(part), why, None)
            for f in self.rubric.functions
            for part in PARTS
        )
        return SubmissionResult(name, path, results, 0.0, self.missing_protections)


def shard(paths: Sequence[str], k: int, n: int) -> list[str]:
    """Shard ``k`` of ``n`` (1-based): every n-th path of the sorted paths, from the
    k-th. The same paths always give the same shards, whatever order they came in."""
    return sorted(paths)[k - 1 :: n]


def display_names(paths: Sequence[str]) -> list[str]:
    """File names, or the paths as given where two file names collide."""
    base = [os.path.basename(p) for p in paths]
    return [b if base.count(b) == 1 else p for p, b in zip(paths, base, strict=True)]


def grade_files(
    paths: Sequence[str],
    rubric: Rubric,
    jobs: int = 1,
    on_result: Callable[[int, SubmissionResult], None] | None = None,
    *,
    isolation: str = "auto",
    user: SandboxUser = NOBODY,
    skip: Callable[[int], SubmissionResult | None] | None = None,
    curve: bool = False,
    names: Sequence[str] | None = None,
) -> list[SubmissionResult | None]:
    """Grade every file, ``jobs`` at a time; ``on_result(index, result)`` is called as
        each finishes (in the calling thread); ``names`` are how the reports name them
    (default :func:`display_names`). ``skip(index)`` may hand back a result kept
        from an earlier run (``--resume``): that file is not graded again. On
        KeyboardInterrupt the running workers are killed and the interrupt propagates;
        finished results were already reported. ``curve``: each result carries the dense
        curves the feedback figures are drawn from.
    """
    grader = Grader(rubric, isolation, user, curve)
    if grader.missing_protections:
        print(
            "actref grade: warning: workers run without "
            + ", ".join(grader.missing_protections)
            + " (see the README's Security model; --isolation strict refuses)",
            file=sys.stderr,
        )
    names = list(names) if names is not None else display_names(paths)
    results: list[SubmissionResult | None] = [None] * len(paths)
    stop = threading.Event()
    finished: queue.Queue[tuple[int, SubmissionResult | BaseException]] = queue.Queue()
    limit = rubric.limits.submission_timeout + WATCHDOG_MARGIN_S

    def report(i: int, result: SubmissionResult) -> None:
        results[i] = result
        if on_result is not None:
            on_result(i, result)

    def work(i: int) -> None:
        try:
            finished.put((i, grader.grade(paths[i], names[i], stop)))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            finished.put((i, exc))

    # a thread per submission, at most `jobs` running: a thread the watchdog gives up on
    # stops counting, so a stuck submission never holds a slot another one needs
    waiting = []
    for i in range(len(paths)):
        kept = skip(i) if skip is not None else None
        if kept is not None:
            report(i, kept)
        else:
            waiting.append(i)
    waiting.reverse()
    running: dict[int, tuple[threading.Thread, float]] = {}
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                i = waiting.pop()
                thread = threading.Thread(target=work, args=(i,), daemon=True,
                                          name=f"actref-grade-{i}")  # fmt: skip
                running[i] = (thread, time.monotonic())
                thread.start()
            try:
                i, outcome = finished.get(timeout=1.0)
            except queue.Empty:
                now = time.monotonic()
                for j, (thread, began) in list(running.items()):
                    if now - began > limit:  # the watchdog: left behind, slot freed
                        del running[j]
                        abandoned.append(thread)
                        why = f"grading it took longer than the watchdog's {limit:g} s"
                        report(j, grader.failed(paths[j], names[j], why))
                continue
            if i not in running:
                continue  # given up on already; its late result is not used
            del running[i]
            if isinstance(outcome, Interrupted):
                raise outcome
            if isinstance(outcome, BaseException):  # never lose the rest of the class
                outcome = grader.failed(
                    paths[i], names[i], f"the grader failed on it ({type(outcome).__name__})"
                )
            report(i, outcome)
    except BaseException:
        stop.set()  # every running worker is killed; their threads end on their own
        for thread, _ in running.values():
            thread.join(timeout=5)
        raise
    return results


# Grading threads the watchdog gave up on. They cannot be killed (they are daemons: they
# never keep the process alive); the command line ends with os._exit when there are any.
abandoned: list[threading.Thread] = []
WATCHDOG_MARGIN_S = 60.0
