"""The grader against its corpus: the expected status of every part of every submission.

``tests/grading/`` holds correct submissions in several styles, subtly wrong ones that
each break one part, and hostile ones (hangs, exits, memory grabs, patched NumPy,
always-equal objects, forged output, syntax errors, slow imports). All of them are
graded in one batch, so the hostile ones also prove the batch goes on.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from actref.grading import PARTS, SubmissionResult, grade_files, load_rubric
from actref.grading.plan import Plan, build_plan
from actref.grading.protocol import Malformed, parse_reply, strict_loads
from actref.grading.rubric import Limits, Rubric

from .grading_checks import FUNCTIONS, assert_statuses

CORPUS = Path(__file__).parent / "grading"


def _all(status: str, *functions: str) -> dict[tuple[str, str], str]:
    return {(f, p): status for f in functions or FUNCTIONS for p in PARTS}


def _parts(function: str, status: str, *parts: str) -> dict[tuple[str, str], str]:
    return {(function, p): status for p in parts}


# every part not named here must pass
EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    # correct, in several styles
    "numpy_stable.py": {},
    "numpy_camel.py": {},
    "sympy_explicit.py": {},
    "classic_sympy.py": {("softmax", "stability"): "fail"},  # unshifted exp
    "scalar_math.py": {
        (f, "vectorized"): "fail" for f in ("sigmoid", "tanh", "relu", "leaky_relu")
    },
    "partial_imported.py": {
        ("sigmoid", "derivative"): "missing",
        ("softmax", "derivative"): "missing",
        **_all("missing", "tanh", "leaky_relu"),
    },
    # subtly wrong: one part each
    "wrong_sigmoid_grad_unstable.py": {("sigmoid", "stability"): "fail"},
    "wrong_tanh_unstable.py": {("tanh", "stability"): "fail"},
    "wrong_relu_mutates.py": {("relu", "input-unchanged"): "fail"},
    "wrong_leaky_grad_kink.py": {("leaky_relu", "derivative"): "fail"},
    "wrong_relu_grad_kink.py": {("relu", "derivative"): "fail"},
    "wrong_sigmoid_shape.py": {("sigmoid", "vectorized"): "fail"},
    "wrong_sigmoid_saturates.py": {("sigmoid", "value"): "fail"},
    "wrong_softmax_mean_shift.py": {("softmax", "stability"): "fail"},
    # hostile: only the parts they break
    "hostile_hang.py": _parts("sigmoid", "timeout", "value", "stability", "vectorized"),
    "hostile_sys_exit.py": _parts("relu", "error", "value", "stability", "vectorized"),
    "hostile_os_exit.py": _parts("tanh", "error", "value", "stability", "vectorized"),
    "hostile_memory.py": _parts("leaky_relu", "error", "value", "stability", "vectorized"),
    "hostile_patch_numpy.py": _parts("sigmoid", "fail", "value", "stability"),
    "hostile_always_equal.py": {
        **_parts("sigmoid", "error", "value", "stability", "vectorized"),
        **_parts("tanh", "fail", "value", "stability"),
    },
    "hostile_forged_stdout.py": {
        **_all("missing", "tanh", "relu", "leaky_relu", "softmax"),
        ("sigmoid", "value"): "fail",
        ("sigmoid", "derivative"): "missing",
        ("sigmoid", "stability"): "fail",
    },
    "hostile_kill_server.py": _all("missing", "sigmoid", "tanh", "leaky_relu", "softmax"),
    "hostile_syntax_error.py": _all("error"),
    "hostile_exit_on_import.py": _all("error"),
    "hostile_hang_on_import.py": _all("timeout"),
    "hostile_slow_import.py": {},
}

# the feedback a student reads: the smallest failing input, actual and expected
MESSAGES = {
    ("classic_sympy.py", "softmax", "stability"): (
        "softmax(x=[1000.0, 1000.0]) = [nan, nan], expected [0.5, 0.5]"
    ),
    ("wrong_sigmoid_grad_unstable.py", "sigmoid", "stability"): (
        "sigmoid_derivative(x=-750.0) = nan, expected 0.0"
    ),
    ("wrong_tanh_unstable.py", "tanh", "stability"): "tanh(x=-750.0) = nan, expected -1.0",
    ("wrong_sigmoid_saturates.py", "sigmoid", "value"): (
        "sigmoid(x=-7.0) = 0.0, expected 0.0009110511944006454"
    ),
    ("wrong_relu_grad_kink.py", "relu", "derivative"): (
        "relu_derivative(x=0.0) = nan, expected a value between 0.0 and 1.0"
    ),
    ("wrong_leaky_grad_kink.py", "leaky_relu", "derivative"): (
        "leaky_relu_derivative(x=0.0) = 0.0, expected a value between 0.1 and 1.0"
    ),
    ("wrong_relu_mutates.py", "relu", "input-unchanged"): "x[1] was -0.001, became 0.0",
    ("wrong_sigmoid_shape.py", "sigmoid", "vectorized"): "returned shape (1, 29), expected (29,)",
    ("wrong_softmax_mean_shift.py", "softmax", "stability"): (
        "softmax(x=[750.0, 0.0, -750.0]) = [nan, 0.0, 0.0], expected [1.0, 0.0, 0.0]"
    ),
    ("hostile_patch_numpy.py", "sigmoid", "value"): (
        "sigmoid(x=-0.001) = 0.5, expected 0.4997500000208333"
    ),
    ("hostile_hang.py", "sigmoid", "value"): "did not return within 1.5 s",
    ("hostile_sys_exit.py", "relu", "value"): "relu(x=0.0) called sys.exit(0)",
    ("hostile_os_exit.py", "tanh", "value"): "ended the worker process (exit status 3)",
    ("hostile_memory.py", "leaky_relu", "value"): "leaky_relu(x=0.0) raised MemoryError",
    ("hostile_always_equal.py", "sigmoid", "value"): "returned AlwaysEqual, not numbers",
    ("hostile_always_equal.py", "tanh", "value"): "tanh(x=-0.001) = 0.0, expected",
    ("hostile_syntax_error.py", "sigmoid", "value"): "SyntaxError: expected ':' (line 6)",
    ("hostile_exit_on_import.py", "relu", "value"): "called sys.exit(1)",
    ("hostile_hang_on_import.py", "relu", "value"): "took longer than 4 s",
    ("partial_imported.py", "tanh", "value"): "tanh is numpy.tanh, imported",
    ("scalar_math.py", "relu", "vectorized"): "its values were judged point by point",
}


def fast_rubric() -> Rubric:
    """The default rubric with limits short enough for a test run."""
    limits = Limits(call_timeout=1.5, import_timeout=4.0, submission_timeout=30.0, memory_mb=512)
    return dataclasses.replace(load_rubric(), limits=limits)


@pytest.fixture(scope="module")
def graded() -> dict[str, SubmissionResult]:
    paths = sorted(str(p) for p in _corpus())
    results = grade_files(paths, fast_rubric(), jobs=2)
    out = {}
    for r in results:
        assert r is not None
        out[r.submission] = r
    return out


def _corpus() -> list[Path]:
    """The corpus described here; ``real_*`` submissions are in test_grading_conventions."""
    return [p for p in CORPUS.glob("*.py") if not p.name.startswith("real_")]


def test_corpus_is_fully_described() -> None:
    assert {p.name for p in _corpus()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=str)
def test_every_part_has_its_expected_status(
    name: str, graded: dict[str, SubmissionResult]
) -> None:
    result = graded[name]
    assert_statuses(name, result, EXPECTED[name])
    for r in result.results:
        assert (r.message == "") == (r.status == "pass")


@pytest.mark.parametrize(("name", "function", "part"), sorted(MESSAGES), ids=str)
def test_feedback_names_the_smallest_failing_input(
    name: str, function: str, part: str, graded: dict[str, SubmissionResult]
) -> None:
    (r,) = [r for r in graded[name].results if (r.function, r.part) == (function, part)]
    said = [r.message, *graded[name].notes]  # an import failure is a note, said once
    assert any(MESSAGES[(name, function, part)] in text for text in said), said


@pytest.mark.parametrize(
    "name", ["hostile_syntax_error.py", "hostile_exit_on_import.py", "hostile_hang_on_import.py"]
)
def test_an_import_failure_is_said_once(name: str, graded: dict[str, SubmissionResult]) -> None:
    from actref.grading.report import as_junit, text_one
    from actref.grading.results import NOT_IMPORTED

    result = graded[name]
    assert {r.message for r in result.results} == {NOT_IMPORTED}
    failure = [n for n in result.notes if n.startswith("the submission could not be imported")]
    assert len(failure) == 1
    for report in (text_one(result), as_junit([result]), json.dumps(result.as_dict())):
        assert report.count(failure[0][40:80]) == 1, report


def test_classic_homework_scores_all_but_softmax_stability(
    graded: dict[str, SubmissionResult],
) -> None:
    result = graded["classic_sympy.py"]
    assert result.max_score == 20
    assert result.score == 19
    (r,) = [r for r in result.results if r.status != "pass"]
    assert r.counterexample == {
        "input": [1000.0, 1000.0],
        "expected": [0.5, 0.5],
        "actual": ["nan", "nan"],
    }


def test_every_report_follows_the_shipped_schema(graded: dict[str, SubmissionResult]) -> None:
    from actref.grading.report import as_json

    from .schema_check import assert_valid_report

    doc = json.loads(as_json(list(graded.values())))
    assert_valid_report(doc)
    stable = next(d for d in doc if d["submission"] == "numpy_stable.py")
    assert stable["found"]["sigmoid"] == {"forward": "sigmoid", "derivative": "sigmoid_derivative"}
    assert all(d["seconds"] > 0 for d in doc)


def test_counterexamples_are_strict_json(graded: dict[str, SubmissionResult]) -> None:
    for result in graded.values():
        json.dumps(result.as_dict(), allow_nan=False)


# --------------------------------------------------------------------------- the channel
@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(fast_rubric())


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"style": "numpy", "call": {"values": [1' + b"0" * 400 + b'], "shape": [1]}}',
        b'{"style": "sympy", "call": {"values": [0.5], "shape": [1]}}',
        b'{"style": "numpy"}',
        b'{"style": "numpy", "call": {"values": [1.0, 2.0], "shape": [3]}}',
        b'{"style": "numpy", "call": {"values": ["0.5"], "shape": [1]}}',
        b'{"style": "numpy", "call": {"values": [0.5], "shape": [true]}}',
        b'{"style": "numpy", "call": {"values": [0.5], "shape": [1]}, "score": 20}',
    ],
    ids=[
        "text", "list", "nested", "huge-int", "style-lie", "no-call", "shape-lie",
        "string-number", "bool-shape", "extra-key",
    ],
)  # fmt: skip
def test_worker_replies_are_validated_not_trusted(line: bytes) -> None:
    def validate() -> None:
        parse_reply(strict_loads(line), 29, 4 * 29)

    with pytest.raises(Malformed):
        validate()


def test_parent_never_unpickles_or_evaluates() -> None:
    src = (Path(__file__).parents[1] / "src" / "actref" / "grading").glob("*.py")
    worker_side = ("worker.py", "server.py", "load.py", "discover.py")  # run in the sandbox
    parent_side = [p for p in src if p.name not in worker_side]
    for path in parent_side:
        text = path.read_text()
        banned_calls = (
            "import pickle",
            "pickle.load",
            "eval(",
            "exec(",
            "sympify(",
            "parse_expr(",
        )
        for banned in banned_calls:
            assert banned not in text, f"{path.name} uses {banned}"


def _grade_source(tmp_path: Path, name: str, source: str) -> dict[tuple[str, str], str]:
    path = tmp_path / name
    path.write_text(source)
    (result,) = grade_files([str(path)], fast_rubric())
    assert result is not None
    return {(r.function, r.part): r.status for r in result.results}


def test_symbolic_answers_are_judged_at_high_precision(tmp_path: Path) -> None:
    # slope 0.10000001: 1e-7 relative, inside NumPy's 1e-6 tolerance, not SymPy's 1e-12
    sympy_src = (
        "from sympy import Piecewise, Rational, symbols\nx = symbols('x')\n"
        "def leaky_relu():\n"
        "    return Piecewise((Rational(10000001, 10**8) * x, x < 0), (x, True))\n"
    )
    numpy_src = (
        "import numpy as np\n"
        "def leaky_relu(x):\n    return np.where(x > 0, x, 0.10000001 * x)\n"
        "def leaky_relu_derivative(x):\n    return np.where(x > 0, 1.0, 0.10000001)\n"
    )
    symbolic = _grade_source(tmp_path, "symbolic.py", sympy_src)
    numeric = _grade_source(tmp_path, "numeric.py", numpy_src)
    assert symbolic[("leaky_relu", "value")] == "fail"
    assert symbolic[("leaky_relu", "derivative")] == "fail"
    assert numeric[("leaky_relu", "value")] == "pass"
    assert numeric[("leaky_relu", "derivative")] == "pass"


def test_symbolic_expression_in_another_symbol_is_an_error(tmp_path: Path) -> None:
    src = "from sympy import exp, symbols\ny = symbols('y')\ndef sigmoid():\n    return 1/(1+exp(-y))\n"
    statuses = _grade_source(tmp_path, "other_symbol.py", src)
    assert statuses[("sigmoid", "value")] == "error"
    assert statuses[("sigmoid", "derivative")] == "error"


def test_text_feedback_says_a_missing_function_once(graded: dict[str, SubmissionResult]) -> None:
    from actref.grading.report import text_one

    text = text_one(graded["partial_imported.py"])
    missing_leaky = [line for line in text.splitlines() if line.startswith("  - leaky_relu")]
    assert len(missing_leaky) == 1, text
    assert "leaky_relu all parts [missing]" in missing_leaky[0]
    # a part that differs from the others is still reported by name
    assert "  - sigmoid derivative [missing]" in text
