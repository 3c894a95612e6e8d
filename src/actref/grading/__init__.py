"""Grading students' activation functions against the reference.

Data flows one way: submission -> :mod:`~actref.grading.worker` (sandboxed child
process, raw outputs only) -> :mod:`~actref.grading.sandbox` (parent: drives the calls
of the :mod:`~actref.grading.plan`; :mod:`~actref.grading.process` keeps the limits,
pipes and folders, :mod:`~actref.grading.protocol` validates every reply) ->
:mod:`~actref.grading.judge` (parent: every comparison, worded by
:mod:`~actref.grading.verdict`) -> :mod:`~actref.grading.results` ->
:mod:`~actref.grading.report` (text, JSON, CSV, JUnit, Gradescope).
:mod:`~actref.grading.rubric` reads the TOML rubric; :mod:`~actref.grading.probes`
holds the inputs and the reference values.
"""

from __future__ import annotations

__all__ = [
    "PARTS",
    "STATUSES",
    "Grader",
    "PartResult",
    "Rubric",
    "RubricError",
    "SubmissionResult",
    "grade_files",
    "load_rubric",
]

from actref.grading.batch import Grader, grade_files
from actref.grading.results import STATUSES, PartResult, SubmissionResult
from actref.grading.rubric import PARTS, Rubric, RubricError, load_rubric
