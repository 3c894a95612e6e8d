"""``actref gradescope bundle``: the zip unpacked into a temporary root, set up from
the wheel inside it (no network), run on sample submissions, and its results.json
held to Gradescope's documented fields."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from actref.cli import main

HERE = Path(__file__).parent / "grading" / "instructor"
HW = HERE / "hw.toml"

# Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
TOP_KEYS = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
TEST_KEYS = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def check_results_json(doc: Any) -> None:
    """Every field and type as Gradescope documents them."""
    assert isinstance(doc, dict)
    assert set(doc) <= TOP_KEYS, set(doc) - TOP_KEYS
    assert "score" in doc or "tests" in doc
    if "score" in doc:
        assert isinstance(doc["score"], int | float)
    for key in ("visibility", "stdout_visibility"):
        if key in doc:
            assert doc[key] in VISIBILITIES
    if "execution_time" in doc:
        assert isinstance(doc["execution_time"], int | float)
    assert isinstance(doc.get("output", ""), str)
    for test in doc.get("tests", []):
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        assert isinstance(test.get("name", ""), str)
        for key in ("score", "max_score"):
            if key in test:
                assert isinstance(test[key], int | float)
        assert test.get("status", "passed") in ("passed", "failed")
        assert test.get("visibility", "visible") in VISIBILITIES
        assert isinstance(test.get("output", ""), str)
        assert all(isinstance(t, str) for t in test.get("tags", []))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle unpacked as Gradescope would, and its setup.sh run offline."""
    tmp = tmp_path_factory.mktemp("gradescope")
    zip_path = tmp / "autograder.zip"
    assert main(["gradescope", "bundle", "--rubric", str(HW), "-o", str(zip_path)]) == 0
    root = tmp / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == [
            "actref-0.1.0-py3-none-any.whl",
            "rubric.toml",
            "run_autograder",
            "setup.sh",
        ]
        zf.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    # a fresh environment that sees NumPy & co. (and pip) from this one, but not the
    # actref under test: only the wheel setup.sh installs can be imported
    venv = root / "actref-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (site_dir,) = venv.glob("lib/python*/site-packages")
    (site_dir / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "ACTREF_PIP_ARGS": "--no-deps --no-index"}
    setup = subprocess.run(
        [str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True, check=False
    )
    assert setup.returncode == 0, setup.stderr
    assert "actref 0.1.0" in setup.stdout
    return root


def _run(root: Path, submission: Path) -> dict[str, Any]:
    folder = root / "submission"
    if folder.exists():
        for f in folder.iterdir():
            f.unlink()
    folder.mkdir(exist_ok=True)
    (folder / "homework.py").write_bytes(submission.read_bytes())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    proc = subprocess.run(
        [str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    check_results_json(doc)
    assert doc["tests"], proc.stderr
    return doc


def test_the_wheel_is_what_runs(root: Path) -> None:
    python = root / "actref-venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import actref; print(actref.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(root / "actref-venv")), where


def test_a_full_marks_submission(root: Path) -> None:
    doc = _run(root, HERE / "alice.py")
    assert doc["score"] == 20
    assert len(doc["tests"]) == 25
    assert all(t["status"] == "passed" for t in doc["tests"])


def test_visibility_and_failures_reach_gradescope(root: Path) -> None:
    doc = _run(root, HERE / "bob.py")
    assert doc["score"] == 8.5
    vis = {t["name"]: t["visibility"] for t in doc["tests"]}
    assert vis["softplus2: value"] == "after_due_date"
    assert vis["log_softmax: stability"] == "hidden"
    assert vis["swish15: value"] == "visible"
    failed = {t["name"]: t["output"] for t in doc["tests"] if t["status"] == "failed"}
    assert failed["softplus1: stability"].startswith("[fail] softplus(x=750.0) = inf")


def test_a_broken_autograder_still_writes_results(root: Path, tmp_path: Path) -> None:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "ACTREF_SOURCE": str(tmp_path)}
    proc = subprocess.run(
        [str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    doc = json.loads((root / "results" / "results.json").read_text())
    check_results_json(doc)
    assert doc["score"] == 0
    assert "autograder failed" in doc["output"]


def test_bundle_mistakes_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[function]]\nid = "f"\nexpr = "x +"\n')
    assert main(["gradescope", "bundle", "--rubric", str(bad), "-o", str(tmp_path / "a.zip")]) == 2
    assert main(["gradescope", "bundle", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert "function[0].expr" in err[0]
    assert "is a folder" in err[1]
    assert not (tmp_path / "a.zip").exists()
