"""``--feedback-dir`` and ``--summary``: a page per student with figures drawn from the
sandbox's dense curves, a class report, nothing from a student trusted as markup --
and all of it opened in a real browser (headless Chromium)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from actref.cli import main
from actref.grading import grade_files, load_rubric
from actref.grading.feedback import page_name, student_page, summarise, summary_text
from actref.grading.rubric import Limits, Rubric

from .browser import Chromium, find_chromium
from .schema_check import assert_valid_report

HERE = Path(__file__).parent / "grading"
INSTR = HERE / "instructor"
HW = INSTR / "hw.toml"
EVIL = next(INSTR.glob("carol*.py"))
SUBMISSIONS = [str(INSTR / "alice.py"), str(INSTR / "bob.py"), str(EVIL)]


def _fast(rubric: Rubric) -> Rubric:
    limits = Limits(call_timeout=1.5, import_timeout=4.0, submission_timeout=30.0, memory_mb=512)
    return dataclasses.replace(rubric, limits=limits)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("feedback")
    folder = out / "fb"
    code = main(
        [
            "grade",
            *SUBMISSIONS,
            "--rubric",
            str(HW),
            "--quiet",
            "--format",
            "json",
            "--output",
            str(out / "r.json"),
            "--feedback-dir",
            str(folder),
            "--summary",
        ]
    )
    assert code == 0
    assert_valid_report(json.loads((out / "r.json").read_text()))
    return folder


def test_curves_come_from_the_sandbox() -> None:
    rubric = _fast(load_rubric(HW))
    plain, (bob,) = (
        grade_files([SUBMISSIONS[1]], rubric),
        grade_files([SUBMISSIONS[1]], rubric, curve=True),
    )
    assert plain[0] is not None
    assert plain[0].curves == ()  # no feedback asked: no curve probed
    assert bob is not None
    curves = {c.function: c for c in bob.curves}
    assert "log_softmax" not in curves  # vector functions have no curve
    swish = curves["swish15"]
    assert len(swish.x) == 201
    assert swish.student is not None
    # bob's swish has beta 1: its curve is x*sigmoid(x), not the reference's
    i = swish.x.index(2.0)
    assert swish.student[i] == pytest.approx(2.0 / (1 + 2.718281828459045**-2.0))
    assert swish.reference[i] == pytest.approx(2.0 / (1 + 2.718281828459045**-3.0))
    assert swish.student_derivative is None  # bob wrote no derivative


def test_a_sympy_answer_is_drawn_from_its_expression() -> None:
    rubric = _fast(load_rubric())
    (result,) = grade_files([str(HERE / "classic_sympy.py")], rubric, curve=True)
    assert result is not None
    sigmoid = next(c for c in result.curves if c.function == "sigmoid")
    assert sigmoid.student == pytest.approx(sigmoid.reference, rel=1e-12)
    assert sigmoid.student_derivative == pytest.approx(sigmoid.reference_derivative, rel=1e-12)


def test_pages_are_written(site: Path) -> None:
    names = {p.name for p in site.iterdir()}
    for sub in SUBMISSIONS:
        stem = page_name(os.path.basename(sub))
        assert {f"{stem}.md", f"{stem}.html"} <= names
    assert {"index.html", "scores.png"} <= names
    bob = page_name("bob.py")
    md = (site / f"{bob}.md").read_text()
    assert "**Score: 8.5 / 20**" in md
    assert "swish(x=-0.001) = " in md  # the smallest failing input
    assert f"![{bob}-swish15.svg]({bob}-swish15.svg)" in md
    svg = (site / f"{bob}-swish15.svg").read_text()
    assert svg.startswith('<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns=')
    assert "swish15: f(x)" in svg
    assert "fails here" in svg  # swish(x=-0.001) is on the plot
    assert "also fails at x = 750" in (site / f"{bob}-softplus1.svg").read_text()
    html = (site / f"{bob}.html").read_text()
    assert html.count('src="data:image/svg+xml;base64,') == 3  # swish15, softplus1, lrelu
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from a network
    alice = (site / f"{page_name('alice.py')}.html").read_text()
    assert "<img" not in alice  # nothing failed: nothing to draw


def test_nothing_from_a_student_is_markup(site: Path) -> None:
    stem = page_name(EVIL.name)
    html = (site / f"{stem}.html").read_text()
    assert "<script" not in html
    assert "onerror=" not in html.replace("onerror=alert", "")  # only escaped text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    index = (site / "index.html").read_text()
    assert "<img src=x" not in index
    assert "&lt;img src=x onerror=alert(1)&gt;" in index
    md = (site / f"{stem}.md").read_text()
    feedback = md.split("~~~text\n", 1)[1].split("\n~~~", 1)[0]
    assert all(line.startswith("- ") for line in feedback.splitlines())  # no fence closed
    assert "\n# forged" not in md
    assert md.splitlines()[0].startswith("# carol \\<img")


def test_summary_text(capsys: pytest.CaptureFixture[str]) -> None:
    rubric = _fast(load_rubric(HW))
    results = [r for r in grade_files(SUBMISSIONS[:2], rubric, curve=True) if r is not None]
    summary = summarise(results)
    assert (summary.count, summary.mean, summary.median) == (2, 14.25, 14.25)
    rates = {(f, p): v for f, p, v in summary.pass_rates}
    assert rates[("swish15", "value")] == 0.5
    assert rates[("softplus1", "value")] == 1.0
    text = summary_text(summary)
    assert "mean 14.25 / 20, median 14.25" in text
    assert "1 x softplus1 stability [fail]: softplus(x=750.0) = inf, expected 750.0" in text
    page = student_page(results[1])
    assert len(page.figures) == 3


def test_summary_goes_after_a_text_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", *SUBMISSIONS[:2], "--rubric", str(HW), "-q", "--summary"]) == 0
    out = capsys.readouterr().out
    assert out.index("bob.py: 8.5 / 20") < out.index("class: 2 submissions, mean 14.25")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("x"), "exists and is not a folder"),
        (lambda p: p.symlink_to(p.parent), "is a symbolic link"),
    ],
)
def test_feedback_dir_mistakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, message: str
) -> None:
    target = tmp_path / "fb"
    make(target)  # type: ignore[operator]
    assert main(["grade", SUBMISSIONS[0], "--feedback-dir", str(target)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


# ------------------------------------------------------------------------- the browser
def _browser_or_skip() -> str:
    binary = find_chromium()
    if binary is not None:
        return binary
    reason = os.environ.get("ACTREF_NO_BROWSER")
    if reason:  # .ci/run tried to install it and could not: said why
        pytest.skip(f"no Chromium: {reason}")
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser test: .ci/run installs chromium (apt-get)")
    pytest.skip("no Chromium here: apt-get install chromium (CI installs it)")
    raise AssertionError  # unreachable


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    chromium = Chromium(_browser_or_skip())
    try:
        yield chromium
    finally:
        chromium.close()


def _path(url: str) -> Path:
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))


def test_the_report_renders_in_chromium(site: Path, browser: Chromium) -> None:
    index = browser.visit((site / "index.html").as_uri())
    pages = [index]
    assert index.error == ""
    assert len(index.links) == 2 * len(SUBMISSIONS)
    for link in index.links:
        assert link.startswith("file://")
        assert _path(link).is_file(), f"{link} does not resolve"
        if link.endswith(".html"):
            pages.append(browser.visit(link))
    assert len(pages) == 1 + len(SUBMISSIONS)
    images = 0
    for page in pages:
        assert page.error == "", page.url
        assert page.console_errors == [], page.url
        for image in page.images:
            assert image["complete"]
            assert image["naturalWidth"] > 0, f"{image['src']} on {page.url} did not render"
            images += 1
        for link in page.links:
            assert _path(link).is_file(), f"{link} on {page.url} does not resolve"
    assert images >= 1 + 3  # the histogram and bob's three figures


def test_the_browser_check_sees_a_broken_page(tmp_path: Path, browser: Chromium) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png"><a href="gone.html">x</a>'
        "<script>console.error('boom')</script></body></html>"
    )
    report = browser.visit(page.as_uri())
    assert [i["naturalWidth"] for i in report.images] == [0]
    assert any("boom" in e for e in report.console_errors)
    assert not _path(report.links[0]).exists()


def test_svg_figures_are_well_formed_and_escaped() -> None:
    import xml.etree.ElementTree as ET

    from actref.grading import svgplot

    nan = float("nan")
    panel = svgplot.Panel(
        "<script>&",
        (-1.0, 1.0),
        (-2.0, 2.0),
        (
            svgplot.Series([-1.0, 0.0, 1.0], [0.0, nan, 1.0], "#000", 1.0, "a<b", True),
            svgplot.Series([0.5], [9.0], "#d62728", 2.5, "fails here", marker="x"),
        ),
        center_note="x & y",
    )
    text = svgplot.figure([panel, panel])
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script>" not in text
    assert "&lt;script&gt;&amp;" in text
    assert "a&lt;b" in text
    paths = [p.get("d") or "" for p in root.iter("{http://www.w3.org/2000/svg}path")]
    assert any(d.count("M") == 2 and "L" not in d.split("M")[1] for d in paths)  # nan: a gap
    assert svgplot.style().colors[0] == "#1f77b4"  # read from actref.mplstyle
