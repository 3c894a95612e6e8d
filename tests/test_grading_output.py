"""``actref grade``'s report: never lost, never shrunk, never written where it must not.

The batch is replaced by a fake ``grade`` where the point is the report's handling
(an interrupt after the first result, which submissions were graded again), so these
tests say exactly what happened and take no time.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import pytest

from actref.cli import main
from actref.grading import PARTS, load_rubric
from actref.grading.command import add_arguments, fingerprint, run
from actref.grading.results import PartResult, SubmissionResult
from actref.grading.rubric import Rubric

CORPUS = Path(__file__).parent / "grading"
STABLE = str(CORPUS / "numpy_stable.py")


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def _result(rubric: Rubric, name: str, status: str = "pass") -> SubmissionResult:
    parts = tuple(
        PartResult(f.reference, p, status, 1.0 if status == "pass" else 0.0, 1.0)
        for f in rubric.functions
        for p in PARTS
    )
    return SubmissionResult(name, name, parts)


class FakeBatch:
    """Grades every file it is not told to skip; optionally interrupts after ``stop_after``."""

    def __init__(self, stop_after: int | None = None, status: str = "pass") -> None:
        self.graded: list[str] = []
        self.stop_after = stop_after
        self.status = status

    def __call__(self, paths: list[str], rubric: Rubric, jobs: int, on_result: Any,
                 **kw: Any) -> list[SubmissionResult | None]:  # fmt: skip
        for i, p in enumerate(paths):
            kept = kw["skip"](i)
            if kept is not None:
                on_result(i, kept)
                continue
            if self.stop_after is not None and len(self.graded) >= self.stop_after:
                raise KeyboardInterrupt
            self.graded.append(os.path.basename(p))
            on_result(i, _result(rubric, os.path.basename(p), self.status))
        return []


@pytest.fixture
def subs(tmp_path: Path) -> list[str]:
    paths = []
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(f"# {name}\n")
        paths.append(str(tmp_path / name))
    return paths


def test_output_naming_a_submission_is_refused_before_grading(
    subs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = Path(subs[1]).read_text()
    assert main(["grade", *subs, "--output", subs[1]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is one of the submissions" in err
    assert Path(subs[1]).read_text() == before


def test_output_naming_a_folder_is_refused(
    tmp_path: Path, subs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", *subs, "--output", str(tmp_path)]) == 2
    assert "is a folder; name a file" in capsys.readouterr().err


def test_output_naming_a_fifo_or_a_symlink_is_refused(
    tmp_path: Path, subs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert main(["grade", *subs, "--output", str(fifo)]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    assert main(["grade", *subs, "--output", str(link)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere.json").exists()


def test_the_report_goes_through_a_private_temporary_file(tmp_path: Path, subs: list[str]) -> None:
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    os.mkfifo(f"{out}.partial")  # the old fixed temporary name: a trap that must not matter
    rubric = load_rubric()
    assert run(_args(*subs, "--format", "json", "--output", str(out)), rubric, FakeBatch()) == 0
    assert [d["submission"] for d in json.loads(out.read_text())] == ["a.py", "b.py", "c.py"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.json", "report.json.partial"]


def test_an_interrupted_rerun_never_shrinks_a_complete_report(
    tmp_path: Path, subs: list[str]
) -> None:
    out = tmp_path / "report.json"
    rubric = load_rubric()
    args = _args(*subs, "--format", "json", "--output", str(out))
    assert run(args, rubric, FakeBatch()) == 0
    complete = out.read_bytes()
    assert run(args, rubric, FakeBatch(stop_after=1)) == 130
    assert out.read_bytes() == complete


def test_an_interrupted_first_run_keeps_what_it_graded(tmp_path: Path, subs: list[str]) -> None:
    out = tmp_path / "report.json"
    args = _args(*subs, "--format", "json", "--output", str(out))
    assert run(args, load_rubric(), FakeBatch(stop_after=2)) == 130
    assert [d["submission"] for d in json.loads(out.read_text())] == ["a.py", "b.py"]


def test_a_text_report_is_replaced_only_by_a_complete_one(tmp_path: Path, subs: list[str]) -> None:
    out = tmp_path / "report.txt"
    out.write_text("an earlier report\n")
    args = _args(*subs, "--output", str(out))
    assert run(args, load_rubric(), FakeBatch(stop_after=2)) == 130
    assert out.read_text() == "an earlier report\n"
    assert run(args, load_rubric(), FakeBatch()) == 0
    assert out.read_text().startswith("a.py: ")


def test_resume_keeps_unchanged_results_and_regrades_the_rest(
    tmp_path: Path, subs: list[str]
) -> None:
    out = tmp_path / "report.json"
    rubric = load_rubric()
    first = FakeBatch(stop_after=2, status="fail")
    assert run(_args(*subs, "--format", "json", "--output", str(out)), rubric, first) == 130
    Path(subs[1]).write_text("# b.py, changed\n")
    again = FakeBatch()
    args = _args(*subs, "--format", "json", "--output", str(out), "--resume")
    assert run(args, rubric, again) == 0
    assert again.graded == ["b.py", "c.py"]  # a.py kept; b.py changed; c.py never graded
    docs = {d["submission"]: d for d in json.loads(out.read_text())}
    assert docs["a.py"]["score"] == 0  # the kept result, not a new one
    assert docs["b.py"]["score"] == docs["b.py"]["max_score"]
    assert {d["rubric"] for d in docs.values()} == {fingerprint(rubric)}


def test_resume_ignores_results_of_another_rubric(tmp_path: Path, subs: list[str]) -> None:
    out = tmp_path / "report.json"
    rubric = load_rubric()
    assert run(_args(*subs, "--format", "json", "--output", str(out)), rubric, FakeBatch()) == 0
    stricter = rubric.with_call_timeout(0.5)
    again = FakeBatch()
    args = _args(*subs, "--format", "json", "--output", str(out), "--resume")
    assert run(args, stricter, again) == 0
    assert again.graded == ["a.py", "b.py", "c.py"]


def test_resume_needs_a_json_output(subs: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", *subs, "--resume"]) == 2
    assert "--resume needs --output FILE and --format json" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--isolation", "loose"], "--isolation 'loose' is not known; accepted: auto, strict"),
        (["--sandbox-user", "0"], "--sandbox-user '0' is not accepted"),
        (["--sandbox-user", "nobody"], "--sandbox-user 'nobody' is not accepted"),
    ],
    ids=["isolation", "root-user", "named-user"],
)
def test_sandbox_options_are_checked(
    option: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", STABLE, *option]) == 2
    assert message in capsys.readouterr().err


def test_the_watchdog_gives_up_on_a_stuck_submission(
    monkeypatch: pytest.MonkeyPatch, subs: list[str]
) -> None:
    import dataclasses
    import threading
    import time

    from actref.grading import batch
    from actref.grading.rubric import Limits

    release = threading.Event()

    def grade(self: batch.Grader, path: str, name: str, stop: Any = None) -> SubmissionResult:
        if name == "a.py":
            release.wait(30)  # stuck in the grader's own code, where no clock reaches
        return _result(self.rubric, name)

    monkeypatch.setattr(batch.Grader, "grade", grade)
    monkeypatch.setattr(batch, "WATCHDOG_MARGIN_S", 1.0)
    monkeypatch.setattr(batch, "abandoned", [])
    rubric = dataclasses.replace(load_rubric(), limits=Limits(submission_timeout=1.0))
    start = time.monotonic()
    try:  # one job: the stuck submission must not keep the others from their turn
        results = batch.grade_files(subs, rubric, jobs=1)
    finally:
        release.set()
    assert time.monotonic() - start < 10
    a, b, c = results
    assert a is not None
    assert b is not None
    assert c is not None
    assert {r.status for r in a.results} == {"error"}
    assert "longer than the watchdog's 2 s" in a.results[0].message
    assert b.score == b.max_score
    assert c.score == c.max_score
    assert len(batch.abandoned) == 1


def test_a_folder_nested_too_deep_is_that_students_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep"
    (deep / ("d/" * 40)).mkdir(parents=True)
    (deep / "main.py").write_text((CORPUS / "numpy_stable.py").read_text())
    honest = tmp_path / "honest.py"
    honest.write_text((CORPUS / "numpy_stable.py").read_text())
    out = tmp_path / "r.json"
    assert main(["grade", str(deep), str(honest), "--format", "json", "--output", str(out)]) == 0
    docs = {d["submission"]: d for d in json.loads(out.read_text())}
    assert docs["honest.py"]["score"] == 20
    assert {r["status"] for r in docs["deep"]["results"]} == {"error"}
    assert any("nested deeper than 16" in note for note in docs["deep"]["notes"])


def test_the_json_report_carries_what_the_submission_printed(tmp_path: Path) -> None:
    loud = tmp_path / "loud.py"
    loud.write_text(
        "import numpy as np\n"
        'print("hello\\x1b[31m\\nclassmate.py: 0 / 20", "x" * 5000)\n'
        "def relu(x):\n    return np.maximum(x, 0.0)\n"
    )
    out = tmp_path / "r.json"
    assert main(["grade", str(loud), "--format", "json", "--output", str(out), "-q"]) == 0
    (doc,) = json.loads(out.read_text())
    printed = doc["stdout"]
    assert printed.startswith("hello\\x1b[31m\\nclassmate.py: 0 / 20 xxx")  # escaped
    assert printed.endswith(" [...]")  # truncated
    assert len(printed) < 2100
