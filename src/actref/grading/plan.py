"""What the grader asks of a submission and what comes back, as plain data.

A :class:`Plan` is every :class:`Task` a rubric needs (a function's forward or
derivative on one input group, in a fixed order) and the description sent to the
worker; :class:`RawRun` holds everything the worker(s) reported for one submission,
already validated (:mod:`actref.grading.protocol`), for the judge
(:mod:`actref.grading.judge`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actref.grading.probes import GROUPS, OUTPUT_GROUPS, inputs_for
from actref.grading.rubric import Rubric

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
