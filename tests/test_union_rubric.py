"""A rubric can name issue 15's functions: a right and a wrong submission graded."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from actref.grading import grade_files, load_rubric
from actref.grading.rubric import Limits

HERE = Path(__file__).parent / "grading" / "union"


def test_grading_the_new_functions() -> None:
    rubric = load_rubric(HERE / "rubric.toml")
    # generous: this test is about verdicts, not time (a loaded machine once took 1.5 s)
    limits = Limits(call_timeout=10.0, import_timeout=20.0, submission_timeout=60.0, memory_mb=512)
    rubric = dataclasses.replace(rubric, limits=limits)
    assert [f.reference for f in rubric.functions] == ["sparse_sigmoid", "quick_gelu", "prelu01"]
    right, wrong = grade_files([str(HERE / "right.py"), str(HERE / "wrong.py")], rubric)
    assert right is not None
    assert wrong is not None
    failed = [(r.function, r.part, r.message) for r in right.results if r.status != "pass"]
    assert right.score == right.max_score, failed
    status = {(r.function, r.part): r.status for r in wrong.results}
    messages = {(r.function, r.part): r.message for r in wrong.results}
    assert status[("sparse_sigmoid", "value")] == "pass", messages
    assert status[("sparse_sigmoid", "derivative")] == "fail"
    assert status[("quick_gelu", "value")] == "fail"
    assert status[("prelu01", "value")] == "fail"
    assert status[("prelu01", "derivative")] == "pass"
