"""Shared test configuration."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from .sandbox_processes import kill, survivors

# Worst-ULP records from tests/test_accuracy.py:
# (function, part, dtype, worst ULP, x, region, budget)
ACCURACY_KEY = pytest.StashKey[list[tuple[str, str, str, float, float, str, float]]]()


@pytest.fixture
def accuracy_report(request: pytest.FixtureRequest) -> list[Any]:
    """Where accuracy tests record their worst error, printed at the end of the run."""
    return request.config.stash.setdefault(ACCURACY_KEY, [])


def _accuracy_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the worst ULP per function, part and dtype; also write results/accuracy.md."""
    records = config.stash.get(ACCURACY_KEY, [])
    if not records:
        return
    header = "| function | part | dtype | worst ULP | at x | region | budget |"
    lines = [header, "|---|---|---|---:|---:|---|---:|"]
    for name, part, dtype, ulp, at, region, budget in sorted(records):
        lines.append(f"| {name} | {part} | {dtype} | {ulp:g} | {at!r} | {region} | {budget:g} |")
    terminalreporter.write_sep("=", "accuracy against the mpmath oracle (worst ULP)")
    for line in lines:
        terminalreporter.write_line(line)
    out = Path(config.rootpath, "results", "accuracy.md")
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        "# Accuracy against the mpmath oracle\n\n"
        "Worst error in ULP on `hard_inputs(dtype, kinks)` (true values that are "
        "subnormal excluded), written by `pytest tests/test_accuracy.py`.\n\n"
        + "\n".join(lines)
        + "\n"
    )


# ------------------------------------------------------------------ the grading sandbox
@pytest.fixture(scope="session", autouse=True)
def no_sandbox_process_survives() -> Iterator[None]:
    """Fails the run if a process of this checkout's grading sandbox (its fork server,
    a supervisor, a worker, anything a student forked) is alive at the end: the fork
    server of this process is closed first, as at exit (it kills what is left), and
    everything gets 5 s to be reaped. Survivors are then killed (nothing is left behind)
    and named."""
    # imported now, before any test: pytester's in-process runs drop the modules first
    # imported during a test, and with them the handle on the fork server they started
    from actref.grading import process

    yield
    process.stop_fork_server()
    left = survivors(wait=5.0)
    if left:
        kill(left)
        pytest.fail(
            f"{len(left)} grading sandbox process(es) outlived the test session "
            "(killed now with SIGKILL):\n" + "\n".join(f"  {p}" for p in left),
            pytrace=False,
        )


# ------------------------------------------------------------------ pytest-mpl (figures)
# The options live in pyproject.toml; these hooks only make them work from any
# directory, report where the failure summary is, and list baseline names for
# `nox -s baselines` (which removes baselines no test produces any more).

_IMAGE_MARK = "mpl_image_compare"
_image_failures: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--list-baselines",
        metavar="FILE",
        help="write the baseline file name of every collected image test to FILE",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # pytest-mpl reads paths relative to the current directory: anchor them at the root
    root = config.rootpath
    if config.getoption("--mpl-generate-path") is None and not config.getoption(
        "--mpl-baseline-path"
    ):
        config.option.mpl_baseline_path = str(root / config.getini("mpl-baseline-path"))
    if not config.getoption("--mpl-results-path"):
        config.option.mpl_results_path = str(root / config.getini("mpl-results-path"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # mutmut runs a mutant's tests in file order and stops at the first failure: fastest
    # first (durations from its stats run) kills most mutants in seconds, not minutes.
    # Its durations leave out fixture setup: tests behind the module fixtures that grade
    # a whole corpus (a minute) go last.
    stats = Path("mutmut-stats.json")
    if not os.environ.get("MUTANT_UNDER_TEST") or not stats.exists():
        return
    durations = json.loads(stats.read_text())["duration_by_test"]
    costly = {"graded", "json_report"}
    items.sort(
        key=lambda item: (
            bool(costly.intersection(getattr(item, "fixturenames", ()))),
            durations.get(item.nodeid, math.inf),
        )
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    out = session.config.getoption("--list-baselines")
    if out is None:
        return
    from pytest_mpl.plugin import generate_test_name, pathify

    names = sorted(
        str(pathify(generate_test_name(item) + ".png"))
        for item in session.items
        if isinstance(item, pytest.Function) and item.get_closest_marker(_IMAGE_MARK)
    )
    Path(out).write_text("".join(f"{n}\n" for n in names))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and _IMAGE_MARK in report.keywords:
        _image_failures.append(report.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # pytest-mpl writes its HTML summary on every run; keep it for runs with a failure
    if _image_failures:
        return
    from pytest_mpl.plugin import ImageComparison

    for plugin in session.config.pluginmanager.get_plugins():
        if isinstance(plugin, ImageComparison):
            plugin.generate_summary = None
            # a summary left by an earlier failing run would now be misleading
            (Path(plugin.results_dir) / "fig_comparison_basic.html").unlink(missing_ok=True)


def _image_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _image_failures:
        return
    results = Path(terminalreporter.config.getoption("--mpl-results-path"))
    summary = results / "fig_comparison_basic.html"
    terminalreporter.write_line(
        f"{len(_image_failures)} figure(s) differ from baseline_images/: open "
        f"{os.path.relpath(summary)} (baseline, result and difference side by side). "
        "If the change is intended, run `nox -s baselines` and review `git diff`.",
        red=True,
    )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    _accuracy_summary(terminalreporter, config)
    _image_summary(terminalreporter)


# Hypothesis profiles, chosen by ACTREF_HYPOTHESIS_PROFILE (nox's tests session sets
# "ci"): ci runs more examples, derandomised so a red build reproduces, and prints the
# failure blob for @reproduce_failure.
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# "mutants" (nox -s mutants): the dev example count, derandomised and without the example
# database, so every mutant meets the same inputs and a kill is reproducible
settings.register_profile(
    "mutants",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("ACTREF_HYPOTHESIS_PROFILE", "dev"))
