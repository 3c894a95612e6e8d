"""The corpus checks shared by the grading tests: every part of a submission has the
status its table expects, and its points follow from the status."""

from __future__ import annotations

from collections.abc import Mapping

from actref.grading import PARTS, STATUSES, SubmissionResult

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "softmax")
ALL = {(f, p) for f in FUNCTIONS for p in PARTS}


def assert_statuses(
    name: str, result: SubmissionResult, expected: Mapping[tuple[str, str], str]
) -> None:
    """Every (function, part) not named in ``expected`` must pass."""
    got = {(r.function, r.part): r.status for r in result.results}
    assert set(got) == ALL
    want = {key: expected.get(key, "pass") for key in ALL}
    wrong = {k: (got[k], want[k]) for k in ALL if got[k] != want[k]}
    assert not wrong, f"{name}: (got, expected) {wrong}"
    for r in result.results:
        assert r.status in STATUSES
        assert r.points == (r.max_points if r.status == "pass" else 0.0)
