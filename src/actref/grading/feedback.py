"""Feedback a student can look at, and a class report: ``--feedback-dir`` and ``--summary``.

One page per student, twice: Markdown (figures as PNG files beside it) and a
self-contained HTML file (figures embedded as ``data:`` URIs, inline CSS, no script, no
network). Each page gives the score, every part with its message (which names the
smallest failing input) and, for each function that failed a part, a figure of the
student's curve and derivative drawn over the reference's, the failing inputs marked
(SVG, in the package's style: :mod:`actref.grading.svgplot`). The curves are values the
sandbox returned (see :data:`probes.CURVE_GROUPS`). The class index (``index.html``) links every page and, with
``--summary``, gives mean and median score, pass rate per function and part, the most
common failure messages and a score histogram (``scores.png``).

Nothing that came from a student's process is trusted as markup: every text is
HTML-escaped (HTML) or shown on one line inside a code block (Markdown).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import io
import math
import os
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from actref.grading import svgplot
from actref.grading.atomic import write_atomically_bytes
from actref.grading.results import Curve, PartResult, SubmissionResult
from actref.grading.rubric import PARTS
from actref.grading.text import printable
from actref.plotting import style

REFERENCE_COLOR = "#595959"  # matplotlib's "0.35"
_CSS = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;"
    "padding:.25rem .5rem;text-align:left}.pass{background:#e8f5e9}.fail,.missing,"
    ".error,.timeout{background:#ffebee}code,pre{background:#f5f5f5;white-space:pre-wrap;"
    "word-break:break-word}img{max-width:100%;height:auto}"
)


def page_name(submission: str) -> str:
    """A file name for a student's page (without extension): readable, no path
    separator or leading dot, and distinct for distinct submissions."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(submission)).lstrip(".")[:60]
    digest = hashlib.sha256(submission.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{stem or 'submission'}-{digest}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# ------------------------------------------------------------------------- figures
def _finite(values: Sequence[float] | None) -> np.ndarray[Any, np.dtype[np.float64]]:
    arr = np.array(values if values is not None else (), dtype=np.float64)
    return np.where(np.isfinite(arr), arr, np.nan)


def _limits(ref: np.ndarray[Any, Any], other: np.ndarray[Any, Any]) -> tuple[float, float]:
    """The reference's range, padded, widened to show the student's curve -- but never
    so far that the reference flattens into a line."""
    lo, hi = float(np.nanmin(ref)), float(np.nanmax(ref))
    span = max(hi - lo, 1e-9 * max(1.0, abs(hi)), 0.5)
    lo, hi = lo - 0.15 * span, hi + 0.15 * span
    if other.size and np.isfinite(other).any():
        olo, ohi = float(np.nanmin(other)), float(np.nanmax(other))
        lo, hi = max(min(lo, olo), lo - 2 * span), min(max(hi, ohi), hi + 2 * span)
    return lo, hi


def _failing_points(
    results: Sequence[PartResult], function: str, parts: tuple[str, ...]
) -> list[tuple[float, float]]:
    points = []
    for r in results:
        ce = r.counterexample or {}
        x, actual = ce.get("input"), ce.get("actual")
        if r.function == function and r.part in parts and isinstance(x, float):
            y = actual if isinstance(actual, float) and math.isfinite(actual) else math.nan
            points.append((x, y))
    return points


@contextlib.contextmanager
def _figure_style() -> Iterator[None]:
    """The package's style, with fixed margins rather than constrained layout (which
    measures every tick label twice) and plain-text tick labels (same minus sign)."""
    fast = {"axes.formatter.use_mathtext": False, "figure.constrained_layout.use": False}
    with style(), matplotlib.rc_context(fast):  # type: ignore[arg-type]
        yield


def figure_svg(curve: Curve, results: Sequence[PartResult]) -> str:
    """The student's f and f' over the reference's, failing inputs marked: an SVG in
    the package's style (see :mod:`actref.grading.svgplot`)."""
    s = svgplot.style()
    grey = REFERENCE_COLOR
    x = np.array(curve.x)
    xlim = (float(x[0]), float(x[-1]))
    panels = []
    what_df = "f'(s), s = f(x)" if curve.derivative_input == "output" else "f'(x)"
    for ref_values, student_values, parts, what, color in (
        (curve.reference, curve.student, ("value", "stability"), "f(x)", s.colors[0]),
        (curve.reference_derivative, curve.student_derivative, ("derivative",), what_df,
         s.colors[4]),
    ):  # fmt: skip
        ref = _finite(ref_values)
        mine = _finite(student_values)
        lo, hi = _limits(ref, mine)
        series = [svgplot.Series(curve.x, ref.tolist(), grey, 3.0, "reference", alpha=0.55)]
        note = ""
        if student_values is not None:
            series.append(svgplot.Series(curve.x, mine.tolist(), color, 1.4, "yours", True))
        else:
            note = "no values: missing or failed"
        failing = _failing_points(results, curve.function, parts)
        shown = [(px, py) for px, py in failing if xlim[0] <= px <= xlim[1]]
        if shown:
            ys = [min(max(py, lo), hi) if math.isfinite(py) else hi for _, py in shown]
            series.append(
                svgplot.Series([px for px, _ in shown], ys, s.colors[1], 2.5, "fails here",
                               marker="x")
            )  # fmt: skip
        outside = [px for px, _ in failing if not xlim[0] <= px <= xlim[1]]
        corner = ""
        if outside:
            corner = "also fails at x = " + ", ".join(f"{px:g}" for px in outside[:3])
        panels.append(
            svgplot.Panel(f"{curve.function}: {what}", xlim, (lo, hi), tuple(series), note, corner)
        )
    return svgplot.figure(panels)


# ------------------------------------------------------------------------- one student
@dataclass(frozen=True)
class Page:
    """A student's page: its name (no extension), Markdown, HTML and figure files
    (SVG: name -> bytes)."""

    name: str
    markdown: str
    html: str
    figures: Mapping[str, bytes]


def _shown(
    result: SubmissionResult, visibility: Mapping[tuple[str, str], str]
) -> tuple[list[PartResult], int]:
    shown = [r for r in result.results if visibility.get((r.function, r.part)) != "hidden"]
    return shown, len(result.results) - len(shown)


def _failing_functions(results: Sequence[PartResult]) -> list[str]:
    return list(dict.fromkeys(r.function for r in results if r.status != "pass"))


def student_page(
    result: SubmissionResult, visibility: Mapping[tuple[str, str], str] | None = None
) -> Page:
    """The Markdown and HTML page of one submission, with its figures."""
    vis = visibility or {}
    name = page_name(result.submission)
    results, hidden = _shown(result, vis)
    title = printable(result.submission)
    score = f"{result.score:g} / {result.max_score:g}"
    curves = {c.function: c for c in result.curves}
    figures: dict[str, bytes] = {}
    for function in _failing_functions(results):
        curve = curves.get(function)
        if curve is not None and (curve.student or curve.student_derivative):
            fname = f"{name}-{re.sub(r'[^A-Za-z0-9_]', '_', function)}.svg"
            figures[fname] = figure_svg(curve, results).encode("utf-8")

    md = [f"# {_md_text(title)}", "", f"**Score: {score}**", ""]
    if hidden:
        md += [f"({hidden} hidden parts are not shown; the score counts them.)", ""]
    md += ["| function | part | status | points |", "|---|---|---|---|"]
    md += [
        f"| {_md_text(r.function)} | {r.part} | {r.status} | {r.points:g} / {r.max_points:g} |"
        for r in results
    ]
    notes = [f"note: {printable(n)}" for n in result.notes]
    lines = [
        f"{r.function} {r.part} [{r.status}]: {printable(r.message)}"
        for r in results
        if r.status != "pass"
    ]
    if lines or notes:
        md += ["", "## Feedback", "", "~~~text", *(f"- {t}" for t in [*notes, *lines]), "~~~"]
    for fname in figures:
        md += ["", f"![{fname}]({fname})"]

    body = [f"<h1>{_e(title)}</h1>", f"<p><strong>Score: {_e(score)}</strong></p>"]
    if hidden:
        body.append(f"<p>({hidden} hidden parts are not shown; the score counts them.)</p>")
    body.append("<table><tr><th>function</th><th>part</th><th>status</th><th>points</th></tr>")
    for r in results:
        body.append(
            f'<tr class="{_e(r.status)}"><td>{_e(r.function)}</td><td>{_e(r.part)}</td>'
            f"<td>{_e(r.status)}</td><td>{r.points:g} / {r.max_points:g}</td></tr>"
        )
    body.append("</table>")
    if lines or notes:
        body.append("<h2>Feedback</h2><ul>")
        body += [f"<li><code>{_e(t)}</code></li>" for t in [*notes, *lines]]
        body.append("</ul>")
    for fname, svg in figures.items():
        data = base64.b64encode(svg).decode("ascii")
        alt = _e(fname.removesuffix(".svg"))
        body.append(f'<p><img alt="{alt}" src="data:image/svg+xml;base64,{data}"></p>')
    return Page(name, "\n".join(md) + "\n", _html(title, body), figures)


def _md_text(text: str) -> str:
    """One line of Markdown text that renders as itself: markup characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>&~])", r"\\\1", printable(text))


def _html(title: str, body: Sequence[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_page(folder: str, page: Page) -> None:
    """The page's files into ``folder`` (each written whole, then renamed; not synced
    to the disk one by one: a page can be drawn again, and the syncs cost more than
    the pages)."""
    for fname, svg in page.figures.items():
        _write_bytes(os.path.join(folder, fname), svg)
    _write_bytes(os.path.join(folder, f"{page.name}.md"), page.markdown.encode("utf-8"))
    _write_bytes(os.path.join(folder, f"{page.name}.html"), page.html.encode("utf-8"))


def render_and_write(
    folder: str, result: SubmissionResult, visibility: Mapping[tuple[str, str], str]
) -> None:
    """:func:`student_page` then :func:`write_page`: what a rendering process runs."""
    write_page(folder, student_page(result, visibility))


def _write_bytes(path: str, data: bytes) -> None:
    write_atomically_bytes(path, data, durable=False)


# ------------------------------------------------------------------------- the class
@dataclass(frozen=True)
class Summary:
    """The class at a glance."""

    count: int
    max_score: float
    mean: float
    median: float
    scores: tuple[float, ...]
    pass_rates: tuple[tuple[str, str, float], ...]  # function, part, fraction passed
    common: tuple[tuple[int, str], ...]  # how many, "function part [status]: message"


def summarise(results: Sequence[SubmissionResult], top: int = 10) -> Summary:
    """Mean and median score, pass rate per function and part, common failures."""
    scores = tuple(r.score for r in results)
    max_score = max((r.max_score for r in results), default=0.0)
    passed: Counter[tuple[str, str]] = Counter()
    seen: Counter[tuple[str, str]] = Counter()
    failures: Counter[str] = Counter()
    for res in results:
        for r in res.results:
            seen[(r.function, r.part)] += 1
            passed[(r.function, r.part)] += r.status == "pass"
            if r.status != "pass":
                failures[f"{r.function} {r.part} [{r.status}]: {printable(r.message)}"] += 1
    rates = tuple((f, p, passed[(f, p)] / n) for (f, p), n in seen.items())
    common = tuple((n, text) for text, n in failures.most_common(top))
    return Summary(
        len(results),
        max_score,
        statistics.fmean(scores) if scores else 0.0,
        statistics.median(scores) if scores else 0.0,
        scores,
        rates,
        common,
    )


def summary_text(summary: Summary) -> str:
    """The summary for a terminal or a log."""
    head = (
        f"class: {summary.count} submissions, mean {summary.mean:.4g} / {summary.max_score:g}, "
        f"median {summary.median:.4g}"
    )
    lines = [head, "pass rate per function and part:"]
    functions = list(dict.fromkeys(f for f, _, _ in summary.pass_rates))
    rate = {(f, p): v for f, p, v in summary.pass_rates}
    width = max((len(f) for f in functions), default=8)
    lines.append("  " + "function".ljust(width) + "  " + "  ".join(p.rjust(5) for p in PARTS))
    for f in functions:
        cells = [
            f"{100 * rate[(f, p)]:.0f}%".rjust(max(5, len(p))) if (f, p) in rate else "-"
            for p in PARTS
        ]
        lines.append("  " + printable(f).ljust(width) + "  " + "  ".join(cells))
    if summary.common:
        lines.append("most common failures:")
        lines += [f"  {n:4d} x {text}" for n, text in summary.common]
    return "\n".join(lines) + "\n"


def histogram_png(summary: Summary) -> bytes:
    """The score histogram, in the package's style."""
    with _figure_style():
        fig = Figure(figsize=(6, 3), dpi=80)
        fig.subplots_adjust(left=0.11, right=0.97, bottom=0.17, top=0.89)
        ax = fig.subplots()
        top = summary.max_score or 1.0
        bins = [float(b) for b in np.linspace(0.0, top, min(20, max(5, int(top) * 2)) + 1)]
        ax.hist(summary.scores, bins=bins, color="C0", edgecolor="white")
        ax.set_xlim(0.0, top)
        ax.set_xlabel("score")
        ax.set_ylabel("submissions")
        ax.set_title(
            f"{summary.count} submissions: mean {summary.mean:.3g}, median {summary.median:.3g}"
        )
        buf = io.BytesIO()
        FigureCanvasAgg(fig)
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def write_index(
    folder: str,
    results: Sequence[SubmissionResult],
    summary: Summary | None,
) -> None:
    """``index.html``: every student's page linked; with ``summary`` the class report
    and ``scores.png``."""
    body = ["<h1>actref grade: class report</h1>"]
    if summary is not None:
        _write_bytes(os.path.join(folder, "scores.png"), histogram_png(summary))
        body.append(
            f"<p>{summary.count} submissions; mean score {summary.mean:.4g} / "
            f"{summary.max_score:g}, median {summary.median:.4g}.</p>"
        )
        body.append('<p><img alt="score histogram" src="scores.png"></p>')
        body.append("<h2>Pass rate per function and part</h2><table><tr><th>function</th>")
        body += [f"<th>{_e(p)}</th>" for p in PARTS]
        body.append("</tr>")
        rate = {(f, p): v for f, p, v in summary.pass_rates}
        for f in dict.fromkeys(f for f, _, _ in summary.pass_rates):
            cells = "".join(
                f"<td>{100 * rate[(f, p)]:.0f}%</td>" if (f, p) in rate else "<td>-</td>"
                for p in PARTS
            )
            body.append(f"<tr><td>{_e(f)}</td>{cells}</tr>")
        body.append("</table>")
        if summary.common:
            body.append("<h2>Most common failures</h2><ul>")
            body += [f"<li>{n} &times; <code>{_e(text)}</code></li>" for n, text in summary.common]
            body.append("</ul>")
    body.append("<h2>Students</h2><table><tr><th>submission</th><th>score</th></tr>")
    for r in results:
        name = page_name(r.submission)
        body.append(
            f'<tr><td><a href="{_e(name)}.html">{_e(printable(r.submission))}</a> '
            f'(<a href="{_e(name)}.md">md</a>)</td><td>{r.score:g} / {r.max_score:g}</td></tr>'
        )
    body.append("</table>")
    _write_bytes(os.path.join(folder, "index.html"), _html("actref grade", body).encode("utf-8"))
