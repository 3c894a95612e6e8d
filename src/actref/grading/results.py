"""What grading produces: a status per part, a score per submission.

:class:`PartResult` is one part of one function (``value``, ``derivative``,
``stability``, ``vectorized`` or ``input-unchanged``; ``pass``, ``fail``, ``missing``,
``error`` or ``timeout``), :class:`SubmissionResult` every part of one submission with
its score, as every report shows it (``report.schema.json``), and :class:`Curve` a
function drawn for the feedback figure. Made by :mod:`actref.grading.judge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actref.grading.rubric import PARTS

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
