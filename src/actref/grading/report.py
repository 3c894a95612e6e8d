"""Reports: text for people, JSON, CSV for the gradebook, JUnit XML for CI, and
Gradescope's ``results.json``.

Every format is rendered from :class:`SubmissionResult` objects alone, so a report can
be rewritten after each submission finishes. JSON output is strict (no NaN tokens):
non-finite numbers in counterexamples are the strings ``"nan"``, ``"inf"``, ``"-inf"``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from actref.grading.results import SubmissionResult
from actref.grading.rubric import PARTS, Rubric
from actref.grading.text import printable

FORMATS = ("text", "json", "csv", "junit", "gradescope")

# characters XML 1.0 cannot carry; student error texts may contain them
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _pts(v: float) -> str:
    return f"{v:g}"


def text_one(result: SubmissionResult) -> str:
    """A table of statuses per function and part, then one feedback line per problem."""
    functions = list(dict.fromkeys(r.function for r in result.results))
    status = {(r.function, r.part): r.status for r in result.results}
    head = ["function", *PARTS]
    rows = [head] + [
        [
            f,
            *(
                status.get((f, p), "-").upper() if status.get((f, p)) != "pass" else "pass"
                for p in PARTS
            ),
        ]
        for f in functions
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [f"{printable(result.submission)}: {_pts(result.score)} / {_pts(result.max_score)}"]
    if result.missing_protections:
        lines.append("  (graded without " + ", ".join(result.missing_protections) + ")")
    for row in rows:
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
    lines += [f"  note: {printable(n)}" for n in result.notes]
    feedback = [r for r in result.results if r.status != "pass" or r.message]
    if feedback and all(
        (r.status, r.message) == (feedback[0].status, feedback[0].message) for r in result.results
    ):
        # a broken import says the same for every part: once
        lines.append("  feedback:")
        lines.append(f"  - every part [{feedback[0].status}]: {feedback[0].message}")
    elif feedback:
        lines.append("  feedback:")
        said: set[tuple[str, str, str]] = set()
        for r in feedback:
            # a missing function or a broken import says the same for every part: once
            key = (r.function, r.status, r.message)
            if key in said:
                continue
            parts = [q.part for q in feedback if (q.function, q.status, q.message) == key]
            what = (
                r.part
                if len(parts) == 1
                else ("all parts" if len(parts) == len(PARTS) else ", ".join(parts))
            )
            lines.append(f"  - {r.function} {what} [{r.status}]: {printable(r.message)}")
            said.add(key)
    return "\n".join(lines) + "\n"


def text(results: Sequence[SubmissionResult]) -> str:
    """Every submission's table, separated by blank lines."""
    return "\n".join(text_one(r) for r in results)


def as_json(results: Sequence[SubmissionResult]) -> str:
    """A list with one object per submission, exactly as documented."""
    return json.dumps([r.as_dict() for r in results], indent=2, allow_nan=False) + "\n"


def csv_header(results: Sequence[SubmissionResult]) -> list[str]:
    """``submission, score, max_score``, one column per function:part (points),
    ``missing_protections`` and ``feedback``."""
    cols = ["submission", "score", "max_score"]
    if results:
        cols += [f"{r.function}:{r.part}" for r in results[0].results]
    return [safe_cell(c) for c in (*cols, "missing_protections", "feedback")]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula (``= + - @``,
    tab, carriage return) gets a leading apostrophe (OWASP's CSV injection advice)."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def feedback_text(result: SubmissionResult) -> str:
    """Every problem on one line: ``function part [status]: message; ...``."""
    return " | ".join(
        f"{r.function} {r.part} [{r.status}]: {printable(r.message)}"
        for r in result.results
        if r.status != "pass"
    )


def csv_row(result: SubmissionResult) -> list[str]:
    """One gradebook row."""
    return [
        safe_cell(result.submission),
        _pts(result.score),
        _pts(result.max_score),
        *(_pts(r.points) for r in result.results),
        safe_cell(" ".join(result.missing_protections)),
        safe_cell(feedback_text(result)),
    ]


def as_csv(results: Sequence[SubmissionResult]) -> str:
    """One row per student."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(csv_header(results))
    for r in results:
        writer.writerow(csv_row(r))
    return buf.getvalue()


def _clean(s: str) -> str:
    return _XML_ILLEGAL.sub("?", s)


def as_junit(results: Sequence[SubmissionResult]) -> str:
    """JUnit XML: a testsuite per submission, a testcase per function and part;
    ``fail`` and ``missing`` are failures, ``error`` and ``timeout`` errors."""
    root = ET.Element("testsuites", name="actref grade")
    for res in results:
        fails = sum(r.status in ("fail", "missing") for r in res.results)
        errors = sum(r.status in ("error", "timeout") for r in res.results)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_clean(res.submission),
            tests=str(len(res.results)),
            failures=str(fails),
            errors=str(errors),
            time=f"{res.seconds:.3f}",
        )
        if res.notes:  # how it was loaded, an import failure: said once, for the suite
            ET.SubElement(suite, "system-out").text = _clean("\n".join(res.notes))
        if res.missing_protections:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(
                props,
                "property",
                name="missing_protections",
                value=" ".join(res.missing_protections),
            )
        for r in res.results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_clean(res.submission),
                name=f"{r.function}.{r.part}",
            )
            if r.status in ("fail", "missing"):
                tag = "failure"
            elif r.status in ("error", "timeout"):
                tag = "error"
            else:
                continue
            el = ET.SubElement(case, tag, type=r.status, message=_clean(r.message))
            el.text = _clean(r.message)
    ET.indent(root)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    )


Visibility = Mapping[tuple[str, str], str]


def visibilities(rubric: Rubric) -> dict[tuple[str, str], str]:
    """``(function, part) -> visibility`` of every part the rubric does not show."""
    return {(f.reference, p): v for f in rubric.functions for p, v in f.visibility}


def as_gradescope(result: SubmissionResult, visibility: Visibility | None = None) -> str:
    """Gradescope's ``results.json`` for one submission; ``visibility`` gives a part's
    ``visibility`` (``visible`` when absent)."""
    shown = visibility or {}
    tests = [
        {
            "name": f"{r.function}: {r.part}",
            "score": r.points,
            "max_score": r.max_points,
            "status": "passed" if r.status == "pass" else "failed",
            "output": r.message if r.status == "pass" else f"[{r.status}] {r.message}",
            "visibility": shown.get((r.function, r.part), "visible"),
            "tags": [r.function, r.part],
        }
        for r in result.results
    ]
    body = {
        "score": result.score,
        "execution_time": round(result.seconds, 3),
        "output": "\n".join(
            [
                f"{result.submission}: {_pts(result.score)} / {_pts(result.max_score)}",
                *result.notes,
                *(
                    [f"(graded without {', '.join(result.missing_protections)})"]
                    if result.missing_protections
                    else []
                ),
            ]
        ),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(body, indent=2, allow_nan=False) + "\n"


def render(
    fmt: str, results: Sequence[SubmissionResult], visibility: Visibility | None = None
) -> str:
    """The whole report in ``fmt`` for the submissions graded so far."""
    if fmt == "text":
        return text(results)
    if fmt == "json":
        return as_json(results)
    if fmt == "csv":
        return as_csv(results)
    if fmt == "junit":
        return as_junit(results)
    if fmt == "gradescope":
        if len(results) != 1:
            raise ValueError("gradescope output holds exactly one submission")
        return as_gradescope(results[0], visibility)
    raise ValueError(f"unknown format {fmt!r}; accepted: {', '.join(FORMATS)}")
