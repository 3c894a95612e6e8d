"""``actref grade`` as instructors meet it: rubric errors, formats, exit codes, and a
batch interrupted mid-way that keeps what it graded."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from actref.cli import main
from actref.grading import PARTS, STATUSES, load_rubric
from actref.grading.rubric import RubricError, default_rubric_path

from .schema_check import assert_valid_report

CORPUS = Path(__file__).parent / "grading"
CLASSIC = str(CORPUS / "classic_sympy.py")
STABLE = str(CORPUS / "numpy_stable.py")
RESULT_KEYS = ["function", "part", "status", "points", "max_points", "message", "counterexample"]


def _strict(text: str) -> object:
    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------------------------ rubric
def test_default_rubric_is_the_classic_homework() -> None:
    rubric = load_rubric()
    assert [f.reference for f in rubric.functions] == [
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "softmax",
    ]
    (leaky,) = [f for f in rubric.functions if f.reference == "leaky_relu"]
    assert leaky.activation().params == {"negative_slope": 0.1}
    (sig,) = [f for f in rubric.functions if f.reference == "sigmoid"]
    for spelling in ("sigmoid_derivative", "sigmoid_grad", "d_sigmoid", "sigmoid_prime"):
        assert spelling in sig.derivative_names
    assert rubric.max_score == 20
    assert load_rubric(default_rubric_path()) == dataclass_replace_source(rubric)


def dataclass_replace_source(rubric: object) -> object:
    import dataclasses

    return dataclasses.replace(rubric, source=default_rubric_path())  # type: ignore[type-var]


GOOD = """
[[function]]
reference = "relu"
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[function]\n", "not valid TOML"),
        ("colour = 1\n" + GOOD, "colour: unknown key (accepted: tolerance, limits,"),
        ("[tolerance]\nrtol = -1\n" + GOOD, "tolerance.rtol: must be a finite number >= 0"),
        ('[points]\nvalue = "one"\n' + GOOD, "points.value: must be a number, got a string"),
        ("[points]\nstyle = 1\n" + GOOD, "points.style: unknown key (accepted: value,"),
        ("[limits]\nmemory_mb = 1\n" + GOOD, "limits.memory_mb: must be an integer from 64 to"),
        (
            "[limits]\nsubmission_timeout = 1e300\n" + GOOD,
            "limits.submission_timeout: must be at most 3600 seconds, got 1e+300",
        ),
        (
            "[limits]\ncall_timeout = 0\n" + GOOD,
            "limits.call_timeout: must be a finite number > 0",
        ),
        ("", "function: missing: add at least one [[function]] table"),
        (
            '[[function]]\nreference = "gelux"\n',
            "function[0].reference: unknown activation 'gelux'",
        ),
        ("[[function]]\nnames = ['relu']\n", "function[0].reference: missing or not a string"),
        (
            '[[function]]\nreference = "leaky_relu"\nparams = { slope = 0.1 }\n',
            "function[0].params: leaky_relu has no parameter 'slope'",
        ),
        (
            '[[function]]\nreference = "elu"\nparams = { alpha = -1 }\n',
            "function[0].params: elu: alpha=-1.0 is not accepted",
        ),
        (
            '[[function]]\nreference = "softmax"\nparams = { axis = 0 }\n',
            "function[0].params: softmax takes no parameters",
        ),
        (GOOD + GOOD, "function[1].reference: 'relu' is graded twice"),
        (
            '[[function]]\nreference = "relu"\nnames = ["re lu"]\n',
            "function[0].names[0]: must be a Python identifier, got 're lu'",
        ),
        (
            '[spellings]\nderivative_patterns = ["d_"]\n' + GOOD,
            "spellings.derivative_patterns[0]: must be an identifier containing {name}",
        ),
    ],
    ids=[
        "toml",
        "unknown-key",
        "negative-rtol",
        "string-points",
        "unknown-part",
        "tiny-memory",
        "endless-timeout",
        "zero-timeout",
        "no-function",
        "unknown-reference",
        "no-reference",
        "unknown-param",
        "invalid-param",
        "softmax-param",
        "duplicate",
        "bad-name",
        "bad-pattern",
    ],
)
def test_invalid_rubric_names_the_key_and_the_problem(
    text: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert message in str(info.value)
    assert str(info.value).startswith(f"rubric {path}: ")
    assert "\n" not in str(info.value)


def test_invalid_rubric_fails_before_any_submission_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran.txt"
    student = tmp_path / "student.py"
    student.write_text(f"open({str(marker)!r}, 'w').write('imported')\n")
    rubric = tmp_path / "bad.toml"
    rubric.write_text('[[function]]\nreference = "relu"\n[points]\nvalue = -1\n')
    assert main(["grade", str(student), "--rubric", str(rubric)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "points.value: must be a finite number >= 0" in err
    assert not marker.exists()


# ------------------------------------------------------------------------------ usage
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["missing.py"], "submission 'missing.py' is not a readable file"),
        (["--jobs", "0"], "--jobs '0' is not accepted"),
        (["--jobs", "two"], "--jobs 'two' is not accepted"),
        (["--timeout", "-1"], "--timeout '-1' is not accepted"),
        (["--timeout", "nan"], "--timeout 'nan' is not accepted"),
        (["--format", "xml"], "--format 'xml' is not known; accepted: text, json, csv"),
        ([STABLE, "--format", "gradescope"], "--format gradescope takes exactly one"),
        (["--rubric", "nowhere.toml"], "rubric nowhere.toml: cannot read it"),
        (["--output", "/nonexistent/dir/out.json"], "is not writable"),
    ],
    ids=[
        "missing-file",
        "jobs-0",
        "jobs-word",
        "timeout-negative",
        "timeout-nan",
        "format",
        "gradescope-many",
        "rubric-missing",
        "output-dir",
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", CLASSIC, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


# ------------------------------------------------------------------------------ formats
@pytest.fixture(scope="module")
def json_report(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    out = tmp_path_factory.mktemp("report") / "report.json"
    assert main(["grade", CLASSIC, STABLE, "--format", "json", "--output", str(out)]) == 0
    data = _strict(out.read_text())
    assert isinstance(data, list)
    assert_valid_report(data)
    return data


def test_json_matches_the_documented_schema(json_report: list[dict[str, object]]) -> None:
    assert [d["submission"] for d in json_report] == ["classic_sympy.py", "numpy_stable.py"]
    for doc in json_report:
        assert list(doc) == [
            "submission", "score", "max_score", "results", "missing_protections", "sha256",
            "rubric", "notes", "seconds", "found", "stdout",
        ]  # fmt: skip
        results = doc["results"]
        assert isinstance(results, list)
        assert len(results) == 5 * len(PARTS)
        for r in results:
            assert list(r) == RESULT_KEYS
            assert r["part"] in PARTS
            assert r["status"] in STATUSES
            assert r["points"] <= r["max_points"]
            assert r["counterexample"] is None or isinstance(r["counterexample"], dict)
        assert doc["score"] == sum(r["points"] for r in results)
        assert doc["max_score"] == sum(r["max_points"] for r in results) == 20
    assert json_report[0]["score"] == 19
    assert json_report[1]["score"] == 20


def test_csv_is_one_row_per_student(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", CLASSIC, STABLE, "--format", "csv"]) == 0
    captured = capsys.readouterr()
    # progress on stderr, one plain line per student when it is not a terminal
    lines = captured.err.splitlines()
    assert [line.split()[2] for line in lines] == ["1/2", "2/2"]
    assert {line.split()[3] for line in lines} == {"classic_sympy.py", "numpy_stable.py"}
    assert "actref grade:" not in captured.out
    assert main(["grade", CLASSIC, "--format", "csv", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    rows = list(csv.reader(io.StringIO(captured.out)))
    assert rows[0][:3] == ["submission", "score", "max_score"]
    assert len(rows[0]) == 3 + 5 * len(PARTS) + 2
    assert rows[0][-2:] == ["missing_protections", "feedback"]
    assert sorted(r[:3] for r in rows[1:]) == [
        ["classic_sympy.py", "19", "20"],
        ["numpy_stable.py", "20", "20"],
    ]
    (classic,) = [r for r in rows[1:] if r[0] == "classic_sympy.py"]
    assert classic[rows[0].index("softmax:stability")] == "0"


def test_text_has_a_table_and_actionable_feedback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", CLASSIC]) == 0
    out = capsys.readouterr().out
    assert out.startswith("classic_sympy.py: 19 / 20\n")
    assert "function    value  derivative  stability  vectorized  input-unchanged" in out
    assert "softmax     pass   pass        FAIL       pass        pass" in out
    assert (
        "- softmax stability [fail]: softmax(x=[1000.0, 1000.0]) = [nan, nan], "
        "expected [0.5, 0.5]" in out
    )


def test_junit_is_xml_with_failures_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    bad = str(CORPUS / "hostile_syntax_error.py")
    assert main(["grade", CLASSIC, bad, "--format", "junit"]) == 0
    root = ET.fromstring(capsys.readouterr().out)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["classic_sympy.py"].get("failures") == "1"
    assert suites["classic_sympy.py"].get("errors") == "0"
    assert suites["hostile_syntax_error.py"].get("errors") == "25"
    (failure,) = suites["classic_sympy.py"].iter("failure")
    assert "softmax(x=[1000.0, 1000.0])" in (failure.get("message") or "")


def test_gradescope_results_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", CLASSIC, "--format", "gradescope", "--timeout", "5"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert isinstance(doc, dict)
    assert doc["score"] == 19
    assert {"score", "execution_time", "output", "visibility", "tests"} <= set(doc)
    tests = doc["tests"]
    assert len(tests) == 25
    for t in tests:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
        assert t["status"] in ("passed", "failed")
    (failed,) = [t for t in tests if t["status"] == "failed"]
    assert failed["name"] == "softmax: stability"


def test_interrupted_batch_keeps_what_it_graded(tmp_path: Path) -> None:
    out = tmp_path / "partial.json"
    hang = str(CORPUS / "hostile_hang_on_import.py")
    cmd = [sys.executable, "-m", "actref", "grade", STABLE, hang, "--format", "json"]
    # a background shell (or mutmut) runs us with SIGINT ignored, which a child inherits
    # and Python then keeps: while starting it, take the handler a terminal user has
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen([*cmd, "--output", str(out)], stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out.exists(), "the first result was not written"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert "interrupted; 1 of 2 graded" in err
    data = _strict(out.read_text())
    assert [d["submission"] for d in data] == ["numpy_stable.py"]  # type: ignore[index,union-attr]
    assert not os.path.exists(f"{out}.partial")


def test_names_that_collide_across_functions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text(
        '[[function]]\nreference = "relu"\n'
        '[[function]]\nreference = "leaky_relu"\nnames = ["leaky_relu", "ReLU"]\n'
    )
    with pytest.raises(RubricError, match=r"function\[1\]\.names: 'ReLU' would also find relu"):
        load_rubric(path)


def test_timeout_option_limits_each_call(capsys: pytest.CaptureFixture[str]) -> None:
    hang = str(CORPUS / "hostile_hang.py")
    assert main(["grade", hang, "--timeout", "0.5", "--format", "json"]) == 0
    (doc,) = _strict(capsys.readouterr().out)  # type: ignore[misc]
    (value,) = [r for r in doc["results"] if (r["function"], r["part"]) == ("sigmoid", "value")]
    assert value["status"] == "timeout"
    assert "did not return within 0.5 s" in value["message"]
    assert doc["score"] == 17.5
