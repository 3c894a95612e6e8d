"""A batch: grade many submissions, ``jobs`` at a time, reporting each as it finishes.

Each submission gets its own worker process(es) (see :mod:`actref.grading.sandbox`);
a thread per running submission only waits on its worker's pipe, so ``jobs`` is the
number of student processes running at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from actref.grading.judge import SubmissionResult, judge
from actref.grading.probes import Expected, expectations
from actref.grading.rubric import Rubric
from actref.grading.sandbox import Plan, build_plan, run_submission, warm_up


class Grader:
    """A rubric made ready: tasks planned and reference values computed once."""

    def __init__(self, rubric: Rubric) -> None:
        warm_up()  # the forkserver imports NumPy/SymPy while we compute references
        self.rubric = rubric
        self.plan: Plan = build_plan(rubric)
        self.expected: dict[tuple[str, str], Expected] = expectations(rubric)

    def grade(
        self, path: str, name: str | None = None, stop: threading.Event | None = None
    ) -> SubmissionResult:
        """Grade one submission file."""
        run = run_submission(path, self.rubric, self.plan, stop)
        return judge(run, self.rubric, self.plan, self.expected, name or os.path.basename(path))


def display_names(paths: Sequence[str]) -> list[str]:
    """File names, or the paths as given where two file names collide."""
    base = [os.path.basename(p) for p in paths]
    return [b if base.count(b) == 1 else p for p, b in zip(paths, base, strict=True)]


def grade_files(
    paths: Sequence[str],
    rubric: Rubric,
    jobs: int = 1,
    on_result: Callable[[int, SubmissionResult], None] | None = None,
) -> list[SubmissionResult | None]:
    """Grade every file, ``jobs`` at a time; ``on_result(index, result)`` is called as
    each finishes (in the calling thread). On KeyboardInterrupt the running workers
    are killed and the interrupt propagates; finished results were already reported.
    """
    grader = Grader(rubric)
    names = display_names(paths)
    results: list[SubmissionResult | None] = [None] * len(paths)
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="actref-grade")
    try:
        pending: dict[Future[SubmissionResult], int] = {
            pool.submit(grader.grade, p, n, stop): i
            for i, (p, n) in enumerate(zip(paths, names, strict=True))
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                results[i] = fut.result()
                if on_result is not None:
                    on_result(i, results[i])  # type: ignore[arg-type]
    except BaseException:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results
