"""Reports: the shipped JSON Schema (and the checker that holds reports to it), CSV
that a spreadsheet cannot run, streamed output in input order, ``list --format json``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from actref import registry
from actref.cli import main
from actref.grading.report import as_csv, as_json, safe_cell
from actref.grading.results import PartResult, SubmissionResult

from .schema_check import assert_valid_report, errors, report_schema

CORPUS = Path(__file__).parent / "grading"


def _result(name: str = "alice.py", message: str = "") -> SubmissionResult:
    parts = (
        PartResult("sigmoid", "value", "pass", 1.0, 1.0),
        PartResult("sigmoid", "stability", "fail", 0.0, 1.0, message, {"input": 750.0}),
    )
    return SubmissionResult(name, name, parts, 1.25, found=(("sigmoid", "forward", "sig"),))


def test_a_report_is_valid() -> None:
    doc = json.loads(as_json([_result()]))
    assert_valid_report(doc)
    assert doc[0]["found"] == {"sigmoid": {"forward": "sig"}}
    assert doc[0]["seconds"] == 1.25


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[0].pop("sha256"),
        lambda d: d[0].update(extra=1),
        lambda d: d[0].update(score="19"),
        lambda d: d[0].update(seconds=-1),
        lambda d: d[0]["results"][0].update(status="passed"),
        lambda d: d[0]["results"][0].update(part="speed"),
        lambda d: d[0]["results"][0].update(counterexample=[1]),
        lambda d: d[0]["found"].update(sigmoid={"backward": "x"}),
        lambda d: d[0]["notes"].append(3),
    ],
)
def test_the_checker_refuses_a_broken_report(damage: object) -> None:
    doc = json.loads(as_json([_result()]))
    damage(doc)  # type: ignore[operator]
    schema = report_schema()
    assert errors(doc, schema, schema) != []


def test_the_checker_refuses_keywords_it_does_not_check() -> None:
    with pytest.raises(ValueError, match="not implemented"):
        errors({}, {"type": "object", "patternProperties": {}}, {})


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("alice.py", "alice.py"),
        ("", ""),
    ],
)
def test_csv_cells_never_start_a_formula(cell: str, shown: str) -> None:
    assert safe_cell(cell) == shown


def test_csv_has_a_feedback_column_and_is_escaped() -> None:
    text = as_csv([_result("=cmd|' /C calc'!A0.py", "-sigmoid(x=750.0) = nan, expected 1.0")])
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "feedback"
    assert row[0] == "'=cmd|' /C calc'!A0.py"
    assert row[-1] == "sigmoid stability [fail]: -sigmoid(x=750.0) = nan, expected 1.0"
    assert not any(c.startswith(("=", "+", "-", "@")) for c in [*header, *row])


def test_streamed_output_keeps_the_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    # the slow import finishes last with --jobs 2, but is printed first
    subs = [str(CORPUS / "hostile_slow_import.py"), str(CORPUS / "numpy_stable.py")]
    assert main(["grade", *subs, "--jobs", "2", "-q", "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert out.index("hostile_slow_import.py:") < out.index("numpy_stable.py:")
    assert main(["grade", *subs, "--jobs", "2", "-q", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [r[0] for r in rows] == ["submission", "hostile_slow_import.py", "numpy_stable.py"]


def test_list_format_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in doc] == registry.names()
    leaky = next(d for d in doc if d["name"] == "leaky_relu")
    assert leaky["params"] == {"negative_slope": 0.01}
    assert leaky["kinks"] == [
        {"at": 0.0, "grad": 0.01, "left": 0.01, "right": 1.0, "continuous": True}
    ]
    assert main(["list", "--format", "yaml"]) == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == "actref 0.1.0"
