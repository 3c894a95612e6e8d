"""The two parts about how NumPy-style code treats an array: ``vectorized`` (it takes a
whole array and returns one of the same shape) and ``input-unchanged`` (it leaves the
array it was given as it was).

Both are judged from the calls the plan already made on the ordinary and extreme inputs
(:mod:`actref.grading.judge` picks them, and judges SymPy answers itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from actref.grading.plan import Call, TaskResult
from actref.grading.verdict import Problem, changed_input, fmt, not_checked, raised

# (role, group, task, inputs) of a task that called NumPy-style code
ArrayTask = tuple[str, str, TaskResult, Sequence[Any]]


def vectorized(
    array_tasks: list[ArrayTask],
    name_of: Callable[[str], str],
    out_size: Callable[[int], int] | None,
) -> Problem | None:
    """The ``vectorized`` part: every call with an array returned an array of the
    input's shape (a vector function: ``out_size(n)`` entries for a row of ``n`` — n/2
    for a gated one; its derivative may return the full Jacobian). ``name_of(role)`` is
    the student's name of the function; ``out_size`` is None for elementwise ones."""
    for role, group, task, inputs in array_tasks:
        name = name_of(role)
        if task.failure is not None and task.failure_point is None:
            return Problem(
                task.failure_status,
                raised(f"{name}(x=<1-D array>)", task.failure),
                None,
            )
        if out_size is not None:
            for call_result, vec in zip(task.calls or (), inputs, strict=False):
                if call_result.error is not None and group == "ordinary":
                    return Problem(
                        "fail",
                        raised(f"{name}(x={fmt(vec)})", call_result.error)
                        + "; it must accept a 1-D NumPy array",
                        {"input": list(vec), "error": call_result.error},
                    )
                want = (out_size(len(vec)),)
                if call_result.shape is not None and call_result.shape != want:
                    if role == "derivative" and call_result.shape == (*want, len(vec)):
                        continue  # the full Jacobian: accepted
                    return Problem(
                        "fail",
                        f"{name}(x={fmt(vec)}) returned shape {call_result.shape}, "
                        f"expected {want}",
                        {"input": list(vec), "actual_shape": list(call_result.shape)},
                    )
            continue
        v = task.vector
        n = len(inputs)
        arg = f"{name}(x=<1-D array of shape ({n},)>)"
        if v is None or v.error is not None:
            error = v.error if v is not None and v.error else "failed"
            if task.points is not None and all(p.error for p in task.points):
                # not a scalar-only function: a broken one (judged under value too)
                return Problem("error", raised(arg, error), {"input_shape": [n]})
            return Problem(
                "fail",
                raised(arg, error) + "; it must accept a NumPy array "
                "(its values were judged point by point)",
                {"input_shape": [n], "error": error},
            )
        if v.shape != (n,):
            return Problem(
                "fail",
                f"{arg} returned shape {v.shape}, expected ({n},) "
                "(its values were judged point by point)",
                {"input_shape": [n], "actual_shape": list(v.shape or ())},
            )
    return None


def input_unchanged(
    array_tasks: list[ArrayTask], name_of: Callable[[str], str], is_vector: bool
) -> Problem | None:
    """The ``input-unchanged`` part: every call that handed its input array back left
    it as sent (every entry the same value, with the same sign: -0.0 stays -0.0)."""
    checked = False
    first_failure: TaskResult | None = None
    for role, _group, task, inputs in array_tasks:
        pairs: list[tuple[Any, Call]] = []
        if is_vector:
            pairs = list(zip(inputs, task.calls or (), strict=False))
        elif task.vector is not None:
            pairs = [(inputs, task.vector)]
        if task.failure is not None and not pairs:
            first_failure = first_failure or task
        for sent, c in pairs:
            if c.input_after is None:
                continue
            checked = True
            problem = changed_input(name_of(role), list(sent), c.input_after)
            if problem:
                return problem
    if not checked and first_failure is not None:
        return Problem(
            first_failure.failure_status,
            f"not checked: {name_of('forward')} {first_failure.failure}",
            None,
        )
    if not checked:  # no call handed its input array back: nothing shows it unchanged
        return not_checked(f"no call of {name_of('forward')} returned its input")
    return None
