"""How the judge words and weighs a verdict.

A :class:`Problem` is a part's failure (status, message, counterexample). The message
shape is the same everywhere: ``sigmoid(x=-750.0) = nan, expected 0.0``; the helpers
here write it (numbers, inputs, an error the call raised), compare a student's value
with the expected one under the rubric's tolerance, and add what explains a failure
(the slope a leaky ReLU really has, the entry of an input array that was modified).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actref.grading.plan import TaskResult
from actref.grading.probes import Expected
from actref.grading.rubric import RubricFunction, Tolerance


@dataclass(frozen=True)
class Problem:
    status: str  # fail, error, timeout
    message: str
    counterexample: dict[str, Any] | None


def num(v: float) -> float | str:
    """A float for JSON: non-finite values as the strings nan, inf, -inf."""
    return v if math.isfinite(v) else repr(v)


def nums(vs: Sequence[float]) -> list[float | str]:
    return [num(v) for v in vs]


def fmt(v: Any) -> str:
    if isinstance(v, list | tuple):
        return "[" + ", ".join(fmt(e) for e in v) + "]"
    return repr(float(v))


def describe_input(x: Any) -> str:
    if isinstance(x, list | tuple) and len(x) > 6:
        return f"<1-D array of {len(x)} values from {min(x)!r} to {max(x)!r}>"
    return fmt(x)


def raised(call: str, error: str) -> str:
    verbs = ("called ", "returned ", "ended ", "did not ", "is not ", "the worker", "not run")
    if error.startswith(verbs):
        return f"{call} {error}"
    if error.startswith("grading stopped"):
        return f"{call}: {error}"
    return f"{call} raised {error}"


def close(a: float, e: float, tol: tuple[float, float]) -> bool:
    rtol, atol = tol
    return math.isfinite(a) and abs(a - e) <= atol + rtol * abs(e)


def within(a: float, lo: float, hi: float, tol: tuple[float, float]) -> bool:
    rtol, atol = tol
    return math.isfinite(a) and lo - atol - rtol * abs(lo) <= a <= hi + atol + rtol * abs(hi)


def tolerance_for(tolerance: Tolerance, style: str) -> tuple[float, float]:
    if style == "sympy":
        return tolerance.symbolic_rtol, tolerance.symbolic_atol
    return tolerance.rtol, tolerance.atol


def not_checked(why: str) -> Problem:
    """An array part nothing could show: an error, never a pass."""
    return Problem("error", f"not checked: {why}", None)


def changed_input(name: str, sent: list[float], after: Sequence[float]) -> Problem | None:
    if len(after) != len(sent):
        return Problem(
            "fail",
            f"{name} changed the size of its input array from {len(sent)} to {len(after)}",
            {"input": sent},
        )
    changed = [
        i
        for i, (a, b) in enumerate(zip(sent, after, strict=True))
        if not (a == b and math.copysign(1, a) == math.copysign(1, b))
    ]
    if not changed:
        return None
    i = min(changed, key=lambda k: (abs(sent[k]), k))
    return Problem(
        "fail",
        f"{name}(x={describe_input(sent)}) modified its input: x[{i}] was {sent[i]!r}, "
        f"became {after[i]!r} (work on a copy)",
        {"input": sent, "index": i, "before": num(sent[i]), "after": num(after[i])},
    )


def elementwise_outcomes(task: TaskResult, n: int) -> list[float | str | None]:
    """Per input: the value, an error text, or None (nothing received)."""
    v = task.vector
    if v is not None and v.values is not None and v.shape == (n,):
        return list(v.values)
    out: list[float | str | None] = [None] * n
    for i, p in enumerate((task.points or ())[:n]):
        if p.error is not None:
            out[i] = p.error
        elif p.values is not None and len(p.values) == 1:
            out[i] = p.values[0]
        else:
            out[i] = f"returned {len(p.values or ())} values (shape {p.shape}) for one number"
    return out


def same_slope(
    fn: RubricFunction,
    task: TaskResult | None,
    expected: dict[tuple[str, str], Expected],
    problem: Problem,
) -> bool:
    """Is a stability failure at a negative input just the wrong slope again?
    (``task``: the forward function's on the ordinary inputs)"""
    if problem.status != "fail" or not slope_hint(fn, task, expected, "forward"):
        return False
    ce = problem.counterexample or {}
    x, actual = ce.get("input"), ce.get("actual")
    if not isinstance(x, float) or not isinstance(actual, float) or x >= 0:
        return False
    return abs(actual / x - _student_slope(fn, task, expected, "forward")) <= 1e-9


def slope_hint(
    fn: RubricFunction,
    task: TaskResult | None,
    expected: dict[tuple[str, str], Expected],
    role: str,
) -> str:
    """ "your slope is 0.01; the homework uses 0.1" when every negative input shows
    one slope, not the rubric's (``task``: ``role``'s on the ordinary inputs)."""
    slope = dict(fn.params).get("negative_slope")
    if slope is None or task is None or task.style != "numpy" or fn.is_vector:
        return ""
    inputs = expected[(fn.reference, "ordinary")].inputs
    outcomes = elementwise_outcomes(task, len(inputs))
    seen = []
    for x, out in zip(inputs, outcomes, strict=True):
        if x < 0 and isinstance(out, float) and math.isfinite(out):
            seen.append(out / x if role == "forward" else out)
    if len(seen) < 3 or max(seen) - min(seen) > 1e-9 * max(1.0, abs(seen[0])):
        return ""
    mine = seen[0]
    if abs(mine - slope) <= 1e-6 * abs(slope):
        return ""
    return f"your slope is {mine:.6g}; the homework uses {slope:g}"


def _student_slope(
    fn: RubricFunction,
    task: TaskResult | None,
    expected: dict[tuple[str, str], Expected],
    role: str,
) -> float:
    inputs = expected[(fn.reference, "ordinary")].inputs
    outcomes = elementwise_outcomes(task, len(inputs)) if task is not None else []
    for x, out in zip(inputs, outcomes, strict=False):
        if x < 0 and isinstance(out, float):
            return out / x if role == "forward" else out
    return math.nan
