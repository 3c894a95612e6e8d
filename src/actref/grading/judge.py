"""The judge: raw outputs in, a status per part out. Runs in the parent only.

For every rubric function, five parts (``value``, ``derivative``, ``stability``,
``vectorized``, ``input-unchanged``), each ``pass``, ``fail``, ``missing``, ``error``
or ``timeout``. Inputs are tried smallest first, so the message names the smallest
input that shows the problem, with the actual and expected output in the shape
``sigmoid(x=-750.0) = nan, expected 0.0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actref.grading.probes import Expected
from actref.grading.rubric import PARTS, Rubric, RubricFunction, Tolerance
from actref.grading.sandbox import Call, Found, Plan, RawRun, TaskResult

# every part's message when the import failed; the failure itself is one note
NOT_IMPORTED = "not graded: the submission could not be imported (see the note above)"
STATUSES = ("pass", "fail", "missing", "error", "timeout")


@dataclass(frozen=True)
class PartResult:
    """One part of one function, as it appears in every report."""

    function: str
    part: str
    status: str
    points: float
    max_points: float
    message: str = ""
    counterexample: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of the schema (keys in the documented order)."""
        return {
            "function": self.function,
            "part": self.part,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message,
            "counterexample": self.counterexample,
        }


@dataclass(frozen=True)
class Curve:
    """A function drawn for the feedback figure: the reference and what the
    student's code returned on the same dense grid (None where nothing came back;
    an error text becomes nan). ``derivative_input`` is the convention recognised."""

    function: str
    x: tuple[float, ...]
    reference: tuple[float, ...]
    reference_derivative: tuple[float, ...]
    student: tuple[float, ...] | None
    student_derivative: tuple[float, ...] | None
    derivative_input: str = "x"


@dataclass(frozen=True)
class SubmissionResult:
    """Every part of one submission, with its score."""

    submission: str
    path: str
    results: tuple[PartResult, ...]
    seconds: float = 0.0
    missing_protections: tuple[str, ...] = ()  # sandbox walls this host could not build
    sha256: str = ""  # the submission's contents, and
    rubric: str = ""  # the rubric's fingerprint: what ``--resume`` matches on
    notes: tuple[str, ...] = ()  # how the submission was loaded, said once
    curves: tuple[Curve, ...] = ()  # for the feedback figures (not in the JSON report)
    # the names found for each function: (function, role, name); role forward/derivative
    found: tuple[tuple[str, str, str], ...] = ()
    stdout: str = ""  # the start of what the submission printed, control characters escaped

    @property
    def score(self) -> float:
        """Points earned."""
        return round(sum(r.points for r in self.results), 6)

    @property
    def max_score(self) -> float:
        """Points available."""
        return round(sum(r.max_points for r in self.results), 6)

    def as_dict(self) -> dict[str, Any]:
        """``{"submission", "score", "max_score", "results", "missing_protections",
        "sha256", "rubric", "notes", "seconds", "found", "stdout"}``: the documented
        report of one submission (``report.schema.json``)."""
        return {
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "results": [r.as_dict() for r in self.results],
            "missing_protections": list(self.missing_protections),
            "sha256": self.sha256,
            "rubric": self.rubric,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
            "found": {
                f: {role: name for g, role, name in self.found if g == f}
                for f in dict.fromkeys(g for g, _, _ in self.found)
            },
            "stdout": self.stdout,
        }

    @classmethod
    def from_dict(cls, doc: Any) -> SubmissionResult | None:
        """A result read back from a JSON report (``--resume``); None if it is not one."""
        try:
            results = tuple(
                PartResult(
                    str(r["function"]),
                    str(r["part"]),
                    str(r["status"]),
                    float(r["points"]),
                    float(r["max_points"]),
                    str(r["message"]),
                    r["counterexample"],
                )
                for r in doc["results"]
            )
            if any(r.part not in PARTS or r.status not in STATUSES for r in results):
                return None
            return cls(
                str(doc["submission"]),
                "",
                results,
                float(doc.get("seconds", 0.0)),
                tuple(str(m) for m in doc["missing_protections"]),
                str(doc["sha256"]),
                str(doc["rubric"]),
                tuple(str(n) for n in doc.get("notes", ())),
                found=tuple(
                    (str(f), str(role), str(name))
                    for f, roles in doc.get("found", {}).items()
                    for role, name in roles.items()
                ),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


# --------------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class _Problem:
    status: str  # fail, error, timeout
    message: str
    counterexample: dict[str, Any] | None


def _num(v: float) -> float | str:
    """A float for JSON: non-finite values as the strings nan, inf, -inf."""
    return v if math.isfinite(v) else repr(v)


def _nums(vs: Sequence[float]) -> list[float | str]:
    return [_num(v) for v in vs]


def _fmt(v: Any) -> str:
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_fmt(e) for e in v) + "]"
    return repr(float(v))


def _describe_input(x: Any) -> str:
    if isinstance(x, list | tuple) and len(x) > 6:
        return f"<1-D array of {len(x)} values from {min(x)!r} to {max(x)!r}>"
    return _fmt(x)


def _raised(call: str, error: str) -> str:
    verbs = ("called ", "returned ", "ended ", "did not ", "is not ", "the worker", "not run")
    if error.startswith(verbs):
        return f"{call} {error}"
    if error.startswith("grading stopped"):
        return f"{call}: {error}"
    return f"{call} raised {error}"


def _close(a: float, e: float, tol: tuple[float, float]) -> bool:
    rtol, atol = tol
    return math.isfinite(a) and abs(a - e) <= atol + rtol * abs(e)


def _within(a: float, lo: float, hi: float, tol: tuple[float, float]) -> bool:
    rtol, atol = tol
    return math.isfinite(a) and lo - atol - rtol * abs(lo) <= a <= hi + atol + rtol * abs(hi)


def _tol(tolerance: Tolerance, style: str) -> tuple[float, float]:
    if style == "sympy":
        return tolerance.symbolic_rtol, tolerance.symbolic_atol
    return tolerance.rtol, tolerance.atol


# --------------------------------------------------------------------------- the judge
class _FunctionJudge:
    def __init__(
        self,
        fn: RubricFunction,
        run: RawRun,
        plan: Plan,
        expected: dict[tuple[str, str], Expected],
        tolerance: Tolerance,
    ) -> None:
        self.fn = fn
        self.run = run
        self.expected = expected
        self.tolerance = tolerance
        self.index = {
            (t.role, t.group): i for i, t in enumerate(plan.tasks) if t.reference == fn.reference
        }
        found = run.found.get(fn.reference, {})
        self.forward = found.get("forward", Found("missing", None, ""))
        self.derivative = found.get("derivative", Found("missing", None, ""))
        self._convention: tuple[str, _Problem | None] | None = None

    # ---------------------------------------------------------------- naming
    def name(self, role: str) -> str:
        if role == "forward":
            return self.forward.name or self.fn.reference
        if self.derivative.name:
            return self.derivative.name
        return f"{self.forward.name or self.fn.reference}'"

    def task(self, role: str, group: str) -> TaskResult | None:
        return self.run.tasks.get(self.index[(role, group)])

    def has_derivative(self) -> bool:
        return self.derivative.style != "missing" or self.forward.style == "sympy"

    # ---------------------------------------------------------------- parts
    def parts(self) -> list[PartResult]:
        out = []
        for part in PARTS:
            problem, said = self._explained(part, self._judge(part))
            max_points = self.fn.max_points(part)
            if problem is None:
                out.append(
                    PartResult(self.fn.reference, part, "pass", max_points, max_points, said)
                )
            else:
                out.append(
                    PartResult(
                        self.fn.reference,
                        part,
                        problem.status,
                        0.0,
                        max_points,
                        problem.message,
                        problem.counterexample,
                    )
                )
        return out

    def _judge(self, part: str) -> _Problem | None:
        if self.run.import_failure is not None:  # said once, in the submission's notes
            return _Problem(self.run.import_status, NOT_IMPORTED, None)
        if part == "derivative":
            if self.forward.style == "missing" and self.derivative.style == "missing":
                return self._missing("forward")
            if not self.has_derivative():
                return self._missing("derivative")
            return self.convention()[1]
        if self.forward.style == "missing":
            return self._missing("forward")
        if part == "value":
            return self._values("forward", "ordinary")
        if part == "stability":
            problem = self._values("forward", "extreme")
            if problem is None and self.has_derivative():
                problem = self._derivative_stability()
            return problem
        if part == "vectorized":
            return self._vectorized()
        return self._input_unchanged()

    def _missing(self, role: str) -> _Problem:
        found = self.forward if role == "forward" else self.derivative
        if role == "forward":
            looked = ", ".join(self.fn.names[:4])
            text = f"no function {self.fn.reference} found (looked for {looked})"
        else:
            looked = ", ".join(self.fn.derivative_names[:3])
            text = f"no derivative of {self.fn.reference} found (looked for {looked}, ...)"
        if found.note:
            text += f"; {found.note}"
        return _Problem("missing", text, None)

    # ---------------------------------------------------------------- values
    def _values(self, role: str, group: str) -> _Problem | None:
        task = self.task(role, group)
        name = self.name(role)
        exp = self.expected[(self.fn.reference, group)]
        if task is None:
            return _Problem("error", f"{name} was not run", None)
        if task.style == "missing":
            return self._missing(role)
        tol = _tol(self.tolerance, task.style)
        suffix = ""
        if role == "derivative" and self.derivative.style == "missing":
            suffix = " (sympy.diff of your expression)"
        if self.fn.is_vector:
            return self._vector_values(role, task, exp, name, tol)
        if task.failure is not None and task.failure_point is None:
            x = list(exp.inputs) if self.style(role) == "numpy" else None
            call = f"{name}(x={_describe_input(x)})" if x is not None else f"{name}()"
            return _Problem(
                task.failure_status,
                _raised(call, task.failure),
                None if x is None else {"input": x},
            )
        outcomes = _elementwise_outcomes(task, len(exp.inputs))
        lows = exp.value if role == "forward" else exp.dlow
        highs = exp.value if role == "forward" else exp.dhigh
        for i, x in enumerate(exp.inputs):
            call = f"{name}(x={x!r})"
            outcome = outcomes[i]
            if task.failure is not None and task.failure_point == i:
                return _Problem(task.failure_status, _raised(call, task.failure), {"input": x})
            if outcome is None:  # every input needs a value received: never a pass
                return _Problem("error", f"{call}: no value was received", {"input": x})
            if isinstance(outcome, str):
                return _Problem("error", _raised(call, outcome), {"input": x, "error": outcome})
            lo, hi = float(lows[i]), float(highs[i])
            if lo == hi:
                if not _close(outcome, lo, tol):
                    return _Problem(
                        "fail",
                        f"{call} = {outcome!r}, expected {lo!r}{suffix}",
                        {"input": x, "expected": _num(lo), "actual": _num(outcome)},
                    )
            elif not _within(outcome, lo, hi, tol):
                return _Problem(
                    "fail",
                    f"{call} = {outcome!r}, expected a value between {lo!r} and {hi!r} "
                    f"(the one-sided derivatives at the kink){suffix}",
                    {"input": x, "expected_between": [lo, hi], "actual": _num(outcome)},
                )
        if task.failure is not None:  # a failure at a point we could not place
            return _Problem(task.failure_status, _raised(f"{name}(...)", task.failure), None)
        return None

    def _vector_values(
        self, role: str, task: TaskResult, exp: Expected, name: str, tol: tuple[float, float]
    ) -> _Problem | None:
        if task.failure is not None and (task.failure_point is None or task.calls is None):
            point = task.failure_point
            x = list(exp.inputs[point]) if point is not None else None
            call = f"{name}(x={_fmt(x)})" if x is not None else f"{name}(...)"
            return _Problem(
                task.failure_status,
                _raised(call, task.failure),
                None if x is None else {"input": x},
            )
        assert task.calls is not None
        for i, vec in enumerate(exp.inputs):
            x = list(vec)
            call = f"{name}(x={_fmt(x)})"
            if i >= len(task.calls):  # stopped at this input, or nothing received for it
                if task.failure is not None:
                    return _Problem(task.failure_status, _raised(call, task.failure), {"input": x})
                return _Problem("error", f"{call}: no value was received", {"input": x})
            c = task.calls[i]
            if c.error is not None:
                return _Problem("error", _raised(call, c.error), {"input": x, "error": c.error})
            assert c.values is not None
            assert c.shape is not None
            n = len(x)
            if role == "forward" or c.shape != (n, n) or n == 1:
                want = list(exp.value[i] if role == "forward" else exp.dlow[i])
                what = ""
            else:
                want = [v for row in exp.jacobian[i] for v in row]
                what = " (the full Jacobian)"
            if len(c.values) != len(want):
                return _Problem(
                    "fail",
                    f"{call} returned shape {c.shape}, expected {(n,)}",
                    {"input": x, "expected": _nums(want), "actual": _nums(c.values)},
                )
            if not all(_close(a, e, tol) for a, e in zip(c.values, want, strict=True)):
                return _Problem(
                    "fail",
                    f"{call} = {_fmt(c.values)}, expected {_fmt(want)}{what}",
                    {"input": x, "expected": _nums(want), "actual": _nums(c.values)},
                )
        return None

    # ---------------------------------------------------------------- the figure
    def curve(self) -> Curve:
        """The dense curve of the feedback figure (see :data:`probes.CURVE_GROUPS`)."""
        exp = self.expected[(self.fn.reference, "curve")]
        convention = self.convention()[0] if self.has_derivative() else ""
        group = "curve_output" if convention == "output" else "curve"
        return Curve(
            self.fn.reference,
            tuple(exp.inputs),
            tuple(exp.value),
            tuple(exp.dlow),
            self._curve_values("forward", "curve", len(exp.inputs)),
            self._curve_values("derivative", group, len(exp.inputs)),
            convention or "x",
        )

    def _curve_values(self, role: str, group: str, n: int) -> tuple[float, ...] | None:
        task = self.task(role, group)
        if task is None or task.style == "missing":
            return None
        values = _elementwise_outcomes(task, n)
        if all(not isinstance(v, float) for v in values):
            return None
        return tuple(v if isinstance(v, float) else math.nan for v in values)

    # ---------------------------------------------------------------- conventions
    def convention(self) -> tuple[str, _Problem | None]:
        """Which input the derivative takes, recognised on the ordinary inputs:
        ``("x" | "output" | "", the derivative part's problem)``. A convention is
        recognised only when it explains every value; ``""``: none does."""
        if self._convention is None:
            self._convention = self._recognise_convention()
        return self._convention

    def _recognise_convention(self) -> tuple[str, _Problem | None]:
        allowed = self.fn.derivative_input
        numeric = self.derivative.style == "numpy" and (
            ("derivative", "ordinary_output") in self.index
        )
        if allowed == "output" and numeric:
            out_problem = self._output_values("ordinary_output")
            if out_problem is None:
                return "output", None
            if self._values("derivative", "ordinary") is None:
                return "", _Problem(
                    "fail",
                    f"{self.name('derivative')} takes x, but this homework's derivatives "
                    f"take the output s = {self.fn.reference}(x); " + out_problem.message,
                    out_problem.counterexample,
                )
            return "", out_problem
        x_problem = self._values("derivative", "ordinary")
        if x_problem is None:
            return "x", None
        if not numeric or x_problem.status not in ("fail", "error"):
            return "", x_problem
        out_problem = self._output_values("ordinary_output")
        ref = self.fn.reference
        if allowed == "either" and out_problem is None:
            return "output", None
        if out_problem is None:  # allowed == "x"
            why = (
                f"; it looks like it takes the output s = {ref}(x) "
                f"({self.name('derivative')}(s) matches {ref}'(x)), but this homework's "
                "derivatives take x"
            )
        else:
            why = f"; called on the outputs s = {ref}(x) it does not match {ref}'(x) either"
        return "", _Problem(x_problem.status, x_problem.message + why, x_problem.counterexample)

    def _output_values(self, group: str) -> _Problem | None:
        """The derivative on the reference's outputs, judged against f'(x)."""
        problem = self._values("derivative", group)
        if problem is None:
            return None
        name = self.name("derivative")
        return _Problem(
            problem.status,
            problem.message.replace(f"{name}(x=", f"{name}(s="),
            problem.counterexample,
        )

    def _derivative_stability(self) -> _Problem | None:
        """The derivative at extreme inputs, under the convention recognised; not
        judged again when no convention explains its ordinary values (the derivative
        part already failed for that)."""
        convention, _ = self.convention()
        if convention == "output":
            return self._output_values("extreme_output")
        if convention == "x":
            return self._values("derivative", "extreme")
        return None

    def _explained(self, part: str, problem: _Problem | None) -> tuple[_Problem | None, str]:
        """What was recognised, said with the part: the message of a pass, or added to
        a problem's message; and the slope a leaky ReLU really has."""
        said = []
        found = {"value": self.forward, "derivative": self.derivative}.get(part)
        if found is not None and found.recognised and found.style != "missing":
            said.append(found.recognised)
        if part == "derivative" and self.convention()[0] == "output":
            said.append(
                f"{self.name('derivative')} takes the output s = {self.fn.reference}(x) "
                f"and gives {self.fn.reference}'(x)"
            )
        text = "recognised: " + "; ".join(said) if said else ""
        if problem is None:
            return None, text
        if problem.status == "fail" and part in ("value", "derivative"):
            hint = self._slope_hint("forward" if part == "value" else "derivative")
            if hint:
                problem = _Problem(
                    problem.status, f"{problem.message}; {hint}", problem.counterexample
                )
        if part == "stability" and self._same_slope(problem):
            return None, ""  # the value part already charged for this slope
        if text and self.run.import_failure is None:
            problem = _Problem(
                problem.status, f"{problem.message} ({text})", problem.counterexample
            )
        return problem, ""

    def _same_slope(self, problem: _Problem) -> bool:
        """Is a stability failure at a negative input just the wrong slope again?"""
        if problem.status != "fail" or not self._slope_hint("forward"):
            return False
        ce = problem.counterexample or {}
        x, actual = ce.get("input"), ce.get("actual")
        if not isinstance(x, float) or not isinstance(actual, float) or x >= 0:
            return False
        return abs(actual / x - self._student_slope("forward")) <= 1e-9

    def _slope_hint(self, role: str) -> str:
        """ "your slope is 0.01; the homework uses 0.1" when every negative input shows
        one slope, not the rubric's."""
        slope = dict(self.fn.params).get("negative_slope")
        task = self.task(role, "ordinary")
        if slope is None or task is None or task.style != "numpy" or self.fn.is_vector:
            return ""
        inputs = self.expected[(self.fn.reference, "ordinary")].inputs
        outcomes = _elementwise_outcomes(task, len(inputs))
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

    def _student_slope(self, role: str) -> float:
        task = self.task(role, "ordinary")
        inputs = self.expected[(self.fn.reference, "ordinary")].inputs
        outcomes = _elementwise_outcomes(task, len(inputs)) if task is not None else []
        for x, out in zip(inputs, outcomes, strict=False):
            if x < 0 and isinstance(out, float):
                return out / x if role == "forward" else out
        return math.nan

    # ---------------------------------------------------------------- array behaviour
    def _array_tasks(self) -> list[tuple[str, str, TaskResult, Sequence[Any]]]:
        """(role, group, task, inputs) of every task that called NumPy-style code."""
        roles = ["forward"]
        if self.derivative.style == "numpy":
            roles.append("derivative")
        out: list[tuple[str, str, TaskResult, Sequence[Any]]] = []
        for r in roles:
            for g in ("ordinary", "extreme"):
                task = self.task(r, g)
                if task is not None and task.style == "numpy":
                    out.append((r, g, task, self.expected[(self.fn.reference, g)].inputs))
        return out

    def style(self, role: str) -> str:
        if role == "forward":
            return self.forward.style
        return self.derivative.style if self.derivative.style != "missing" else "sympy"

    def _vectorized(self) -> _Problem | None:
        if self.forward.style == "sympy":
            return self._symbolic_passes("an expression is elementwise by construction")
        array_tasks = self._array_tasks()
        if not any(r == "forward" for r, *_ in array_tasks):
            return self._not_checked(f"no call of {self.name('forward')} with an array was made")
        for role, group, task, inputs in array_tasks:
            name = self.name(role)
            if task.failure is not None and task.failure_point is None:
                return _Problem(
                    task.failure_status,
                    _raised(f"{name}(x=<1-D array>)", task.failure),
                    None,
                )
            if self.fn.is_vector:
                for call_result, vec in zip(task.calls or (), inputs, strict=False):
                    if call_result.error is not None and group == "ordinary":
                        return _Problem(
                            "fail",
                            _raised(f"{name}(x={_fmt(vec)})", call_result.error)
                            + "; it must accept a 1-D NumPy array",
                            {"input": list(vec), "error": call_result.error},
                        )
                    # m entries for n inputs (m = n/2 for a gated function)
                    want = (_out_size(self.fn.base, len(vec)),)
                    if call_result.shape is not None and call_result.shape != want:
                        if role == "derivative" and call_result.shape == (*want, len(vec)):
                            continue  # the full Jacobian: accepted
                        return _Problem(
                            "fail",
                            f"{name}(x={_fmt(vec)}) returned shape {call_result.shape}, "
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
                    return _Problem("error", _raised(arg, error), {"input_shape": [n]})
                return _Problem(
                    "fail",
                    _raised(arg, error) + "; it must accept a NumPy array "
                    "(its values were judged point by point)",
                    {"input_shape": [n], "error": error},
                )
            if v.shape != (n,):
                return _Problem(
                    "fail",
                    f"{arg} returned shape {v.shape}, expected ({n},) "
                    "(its values were judged point by point)",
                    {"input_shape": [n], "actual_shape": list(v.shape or ())},
                )
        return None

    def _input_unchanged(self) -> _Problem | None:
        if self.forward.style == "sympy":
            return self._symbolic_passes("an expression has no array to modify")
        checked = False
        first_failure: TaskResult | None = None
        for role, _group, task, inputs in self._array_tasks():
            pairs: list[tuple[Any, Call]] = []
            if self.fn.is_vector:
                pairs = list(zip(inputs, task.calls or (), strict=False))
            elif task.vector is not None:
                pairs = [(inputs, task.vector)]
            if task.failure is not None and not pairs:
                first_failure = first_failure or task
            for sent, c in pairs:
                if c.input_after is None:
                    continue
                checked = True
                problem = _changed(self.name(role), list(sent), c.input_after)
                if problem:
                    return problem
        if not checked and first_failure is not None:
            return _Problem(
                first_failure.failure_status,
                f"not checked: {self.name('forward')} {first_failure.failure}",
                None,
            )
        if not checked:  # no call handed its input array back: nothing shows it unchanged
            return self._not_checked(f"no call of {self.name('forward')} returned its input")
        return None

    def _not_checked(self, why: str) -> _Problem:
        return _Problem("error", f"not checked: {why}", None)

    def _symbolic_passes(self, why: str) -> _Problem | None:
        """A SymPy answer passes an array part only when the grader holds its expression
        (rebuilt and evaluated on the grader's side, see :mod:`expression`)."""
        task = self.task("forward", "ordinary")
        if task is None or (task.failure is None and task.expr is None):
            return self._not_checked(f"no expression was received from {self.name('forward')}()")
        if task.failure is not None:
            return _Problem(
                task.failure_status, _raised(f"{self.name('forward')}()", task.failure), None
            )
        del why  # documented in the README: SymPy answers pass these parts
        return None


def _changed(name: str, sent: list[float], after: Sequence[float]) -> _Problem | None:
    if len(after) != len(sent):
        return _Problem(
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
    return _Problem(
        "fail",
        f"{name}(x={_describe_input(sent)}) modified its input: x[{i}] was {sent[i]!r}, "
        f"became {after[i]!r} (work on a copy)",
        {"input": sent, "index": i, "before": _num(sent[i]), "after": _num(after[i])},
    )


def _elementwise_outcomes(task: TaskResult, n: int) -> list[float | str | None]:
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


def judge(
    run: RawRun,
    rubric: Rubric,
    plan: Plan,
    expected: dict[tuple[str, str], Expected],
    submission: str,
) -> SubmissionResult:
    """Every part of every rubric function, judged from ``run``'s raw outputs."""
    results: list[PartResult] = []
    curves: list[Curve] = []
    found: list[tuple[str, str, str]] = []
    for fn in rubric.functions:
        fj = _FunctionJudge(fn, run, plan, expected, rubric.tolerance)
        results += fj.parts()
        found += [
            (fn.reference, role, f.name)
            for role, f in (("forward", fj.forward), ("derivative", fj.derivative))
            if f.style != "missing" and f.name
        ]
        if ("forward", "curve") in fj.index:
            curves.append(fj.curve())
    notes = run.notes
    if run.import_failure is not None:
        notes = (*notes, f"the submission could not be imported: {run.import_failure}")
    return SubmissionResult(
        submission,
        run.path,
        tuple(results),
        run.seconds,
        missing_protections=run.missing_protections,
        notes=notes,
        curves=tuple(curves),
        found=tuple(found),
        stdout=run.stdout,
    )


def _out_size(base: str, n: int) -> int:
    """Entries of a vector function's result for ``n`` inputs (its table entry says)."""
    from actref import vectors

    vf = vectors.vector(base)
    return vf.out_size(n) if vf is not None else n
