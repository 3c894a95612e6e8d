"""The judge: raw outputs in, a status per part out. Runs in the parent only.

For every rubric function, five parts (``value``, ``derivative``, ``stability``,
``vectorized``, ``input-unchanged``), each ``pass``, ``fail``, ``missing``, ``error``
or ``timeout``. Inputs are tried smallest first, so the message names the smallest
input that shows the problem, with the actual and expected output in the shape
``sigmoid(x=-750.0) = nan, expected 0.0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from actref import vectors
from actref.contract import Finding
from actref.grading.array_parts import ArrayTask, input_unchanged, vectorized
from actref.grading.plan import Found, Plan, RawRun, TaskResult
from actref.grading.probes import Expected
from actref.grading.results import NOT_IMPORTED, Curve, PartResult, SubmissionResult
from actref.grading.rubric import PARTS, Rubric, RubricFunction, Tolerance
from actref.grading.verdict import (
    Problem,
    close,
    describe_input,
    elementwise_outcomes,
    fmt,
    not_checked,
    num,
    nums,
    raised,
    same_slope,
    slope_hint,
    tolerance_for,
    within,
)


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
        self._convention: tuple[str, Problem | None] | None = None

    def _out_size(self) -> Callable[[int], int] | None:
        """Entries of the result for a row of n (its vector-table entry says); None
        for an elementwise function."""
        if not self.fn.is_vector:
            return None
        vf = vectors.vector(self.fn.base)
        return vf.out_size if vf is not None else (lambda n: n)

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

    def _judge(self, part: str) -> Problem | None:
        if self.run.import_failure is not None:  # said once, in the submission's notes
            return Problem(self.run.import_status, NOT_IMPORTED, None)
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

    def _missing(self, role: str) -> Problem:
        found = self.forward if role == "forward" else self.derivative
        if role == "forward":
            looked = ", ".join(self.fn.names[:4])
            text = f"no function {self.fn.reference} found (looked for {looked})"
        else:
            looked = ", ".join(self.fn.derivative_names[:3])
            text = f"no derivative of {self.fn.reference} found (looked for {looked}, ...)"
        if found.note:
            text += f"; {found.note}"
        return Problem("missing", text, None)

    # ---------------------------------------------------------------- values
    def _values(self, role: str, group: str) -> Problem | None:
        task = self.task(role, group)
        name = self.name(role)
        exp = self.expected[(self.fn.reference, group)]
        if task is None:
            return Problem("error", f"{name} was not run", None)
        if task.style == "missing":
            return self._missing(role)
        tol = tolerance_for(self.tolerance, task.style)
        suffix = ""
        if role == "derivative" and self.derivative.style == "missing":
            suffix = " (sympy.diff of your expression)"
        if self.fn.is_vector:
            return self._vector_values(role, task, exp, name, tol)
        if task.failure is not None and task.failure_point is None:
            x = list(exp.inputs) if self.style(role) == "numpy" else None
            call = f"{name}(x={describe_input(x)})" if x is not None else f"{name}()"
            return Problem(
                task.failure_status,
                raised(call, task.failure),
                None if x is None else {"input": x},
            )
        outcomes = elementwise_outcomes(task, len(exp.inputs))
        lows = exp.value if role == "forward" else exp.dlow
        highs = exp.value if role == "forward" else exp.dhigh
        for i, x in enumerate(exp.inputs):
            call = f"{name}(x={x!r})"
            outcome = outcomes[i]
            if task.failure is not None and task.failure_point == i:
                return Problem(task.failure_status, raised(call, task.failure), {"input": x})
            if outcome is None:  # every input needs a value received: never a pass
                return Problem("error", f"{call}: no value was received", {"input": x})
            if isinstance(outcome, str):
                return Problem("error", raised(call, outcome), {"input": x, "error": outcome})
            lo, hi = float(lows[i]), float(highs[i])
            if lo == hi:
                if not close(outcome, lo, tol):
                    return Problem(
                        "fail",
                        Finding(name, x, outcome, lo, ulp=None).describe() + suffix,
                        {"input": x, "expected": num(lo), "actual": num(outcome)},
                    )
            elif not within(outcome, lo, hi, tol):
                return Problem(
                    "fail",
                    f"{call} = {outcome!r}, expected a value between {lo!r} and {hi!r} "
                    f"(the one-sided derivatives at the kink){suffix}",
                    {"input": x, "expected_between": [lo, hi], "actual": num(outcome)},
                )
        if task.failure is not None:  # a failure at a point we could not place
            return Problem(task.failure_status, raised(f"{name}(...)", task.failure), None)
        return None

    def _vector_values(
        self, role: str, task: TaskResult, exp: Expected, name: str, tol: tuple[float, float]
    ) -> Problem | None:
        if task.failure is not None and (task.failure_point is None or task.calls is None):
            point = task.failure_point
            x = list(exp.inputs[point]) if point is not None else None
            call = f"{name}(x={fmt(x)})" if x is not None else f"{name}(...)"
            return Problem(
                task.failure_status,
                raised(call, task.failure),
                None if x is None else {"input": x},
            )
        assert task.calls is not None
        for i, vec in enumerate(exp.inputs):
            x = list(vec)
            call = f"{name}(x={fmt(x)})"
            if i >= len(task.calls):  # stopped at this input, or nothing received for it
                if task.failure is not None:
                    return Problem(task.failure_status, raised(call, task.failure), {"input": x})
                return Problem("error", f"{call}: no value was received", {"input": x})
            c = task.calls[i]
            if c.error is not None:
                return Problem("error", raised(call, c.error), {"input": x, "error": c.error})
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
                return Problem(
                    "fail",
                    f"{call} returned shape {c.shape}, expected {(n,)}",
                    {"input": x, "expected": nums(want), "actual": nums(c.values)},
                )
            if not all(close(a, e, tol) for a, e in zip(c.values, want, strict=True)):
                return Problem(
                    "fail",
                    f"{call} = {fmt(c.values)}, expected {fmt(want)}{what}",
                    {"input": x, "expected": nums(want), "actual": nums(c.values)},
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
        values = elementwise_outcomes(task, n)
        if all(not isinstance(v, float) for v in values):
            return None
        return tuple(v if isinstance(v, float) else math.nan for v in values)

    # ---------------------------------------------------------------- conventions
    def convention(self) -> tuple[str, Problem | None]:
        """Which input the derivative takes, recognised on the ordinary inputs:
        ``("x" | "output" | "", the derivative part's problem)``. A convention is
        recognised only when it explains every value; ``""``: none does."""
        if self._convention is None:
            self._convention = self._recognise_convention()
        return self._convention

    def _recognise_convention(self) -> tuple[str, Problem | None]:
        allowed = self.fn.derivative_input
        numeric = self.derivative.style == "numpy" and (
            ("derivative", "ordinary_output") in self.index
        )
        if allowed == "output" and numeric:
            out_problem = self._output_values("ordinary_output")
            if out_problem is None:
                return "output", None
            if self._values("derivative", "ordinary") is None:
                return "", Problem(
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
        return "", Problem(x_problem.status, x_problem.message + why, x_problem.counterexample)

    def _output_values(self, group: str) -> Problem | None:
        """The derivative on the reference's outputs, judged against f'(x)."""
        problem = self._values("derivative", group)
        if problem is None:
            return None
        name = self.name("derivative")
        return Problem(
            problem.status,
            problem.message.replace(f"{name}(x=", f"{name}(s="),
            problem.counterexample,
        )

    def _derivative_stability(self) -> Problem | None:
        """The derivative at extreme inputs, under the convention recognised; not
        judged again when no convention explains its ordinary values (the derivative
        part already failed for that)."""
        convention, _ = self.convention()
        if convention == "output":
            return self._output_values("extreme_output")
        if convention == "x":
            return self._values("derivative", "extreme")
        return None

    def _explained(self, part: str, problem: Problem | None) -> tuple[Problem | None, str]:
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
            role = "forward" if part == "value" else "derivative"
            hint = slope_hint(self.fn, self.task(role, "ordinary"), self.expected, role)
            if hint:
                problem = Problem(
                    problem.status, f"{problem.message}; {hint}", problem.counterexample
                )
        forward = self.task("forward", "ordinary")
        if part == "stability" and same_slope(self.fn, forward, self.expected, problem):
            return None, ""  # the value part already charged for this slope
        if text and self.run.import_failure is None:
            problem = Problem(
                problem.status, f"{problem.message} ({text})", problem.counterexample
            )
        return problem, ""

    # ---------------------------------------------------------------- array behaviour
    def _array_tasks(self) -> list[ArrayTask]:
        """(role, group, task, inputs) of every task that called NumPy-style code."""
        roles = ["forward"]
        if self.derivative.style == "numpy":
            roles.append("derivative")
        out: list[ArrayTask] = []
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

    def _vectorized(self) -> Problem | None:
        if self.forward.style == "sympy":
            return self._symbolic_passes("an expression is elementwise by construction")
        array_tasks = self._array_tasks()
        if not any(r == "forward" for r, *_ in array_tasks):
            return not_checked(f"no call of {self.name('forward')} with an array was made")
        return vectorized(array_tasks, self.name, self._out_size())

    def _input_unchanged(self) -> Problem | None:
        if self.forward.style == "sympy":
            return self._symbolic_passes("an expression has no array to modify")
        return input_unchanged(self._array_tasks(), self.name, self.fn.is_vector)

    def _symbolic_passes(self, why: str) -> Problem | None:
        """A SymPy answer passes an array part only when the grader holds its expression
        (rebuilt and evaluated on the grader's side, see :mod:`expression`)."""
        task = self.task("forward", "ordinary")
        if task is None or (task.failure is None and task.expr is None):
            return not_checked(f"no expression was received from {self.name('forward')}()")
        if task.failure is not None:
            return Problem(
                task.failure_status, raised(f"{self.name('forward')}()", task.failure), None
            )
        del why  # documented in the README: SymPy answers pass these parts
        return None


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
