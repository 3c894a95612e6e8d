"""Shared test configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# Worst-ULP records from tests/test_accuracy.py:
# (function, part, dtype, worst ULP, x, region, budget)
ACCURACY_KEY = pytest.StashKey[list[tuple[str, str, str, float, float, str, float]]]()


@pytest.fixture
def accuracy_report(request: pytest.FixtureRequest) -> list[Any]:
    """Where accuracy tests record their worst error, printed at the end of the run."""
    return request.config.stash.setdefault(ACCURACY_KEY, [])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
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
