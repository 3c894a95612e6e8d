"""``actref gradescope bundle``: the autograder zip Gradescope asks for.

The zip holds, at its root, ``setup.sh`` (run once when Gradescope builds the image),
``run_autograder`` (run for each submission), the rubric, and a wheel of this very
actref (``actref-VERSION-py3-none-any.whl``), so the grader Gradescope runs is the one
the instructor tried, installed without fetching actref from anywhere. The wheel is
written here from the installed package's own files (no build backend, no network).

On Gradescope the zip is unpacked into ``/autograder/source``; ``run_autograder``
grades ``/autograder/submission/`` (a folder: any ``.py``, ``.ipynb`` or folder of
files in it) into ``/autograder/results/results.json``, with each part's visibility
from the rubric. Every path can be moved by an environment variable (``AUTOGRADER_ROOT``,
``ACTREF_SOURCE``, ``ACTREF_SUBMISSION``, ``ACTREF_RESULTS``, ``ACTREF_VENV``), which is
how the tests run a bundle in a temporary folder.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import os
import zipfile
from pathlib import Path

import actref
from actref.grading.atomic import write_atomically_bytes
from actref.grading.rubric import load_rubric

_EPOCH = (1980, 1, 1, 0, 0, 0)  # every zip entry's date: the same bytes every time

SETUP_SH = """#!/usr/bin/env bash
# Run once by Gradescope when the autograder image is built (as root).
# Installs actref from the wheel beside this file into its own virtual environment
# (dependencies: NumPy, SciPy, SymPy, matplotlib, landlockpy, from PyPI).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="${ACTREF_SOURCE:-$ROOT/source}"
VENV="${ACTREF_VENV:-$ROOT/actref-venv}"
PYTHON="${ACTREF_PYTHON:-python3}"
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet ${ACTREF_PIP_ARGS:-} "$SOURCE"/__WHEEL__
"$VENV/bin/actref" --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Run by Gradescope for each submission: grade it into results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="${ACTREF_SOURCE:-$ROOT/source}"
SUBMISSION="${ACTREF_SUBMISSION:-$ROOT/submission}"
RESULTS="${ACTREF_RESULTS:-$ROOT/results/results.json}"
VENV="${ACTREF_VENV:-$ROOT/actref-venv}"
mkdir -p "$(dirname "$RESULTS")"
rm -f "$RESULTS"
"$VENV/bin/actref" grade "$SUBMISSION" --rubric "$SOURCE/rubric.toml" \\
    --format gradescope --output "$RESULTS" --quiet
status=$?
if [ ! -s "$RESULTS" ]; then
  # the grader itself could not run: say so on Gradescope rather than nothing
  "$VENV/bin/python" - "$RESULTS" "$status" <<'PY'
import json, sys
out = {"score": 0, "output": f"The autograder failed (actref exit status {sys.argv[2]}); "
       "please tell your instructor.", "visibility": "visible", "tests": []}
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    json.dump(out, fh)
PY
fi
exit 0
"""


class BundleError(ValueError):
    """The bundle cannot be written; one line saying why."""


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _entry(zf: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def wheel() -> tuple[str, bytes]:
    """A wheel of the installed actref: ``(file name, bytes)``."""
    dist = importlib.metadata.distribution("actref")
    version = dist.version
    package = Path(actref.__file__).parent
    files: list[tuple[str, bytes]] = []
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append((f"actref/{path.relative_to(package).as_posix()}", path.read_bytes()))
    info = f"actref-{version}.dist-info"
    metadata = (dist.read_text("METADATA") or "Metadata-Version: 2.1\nName: actref\n").encode()
    entry_points = (dist.read_text("entry_points.txt") or "").encode()
    files += [
        (f"{info}/METADATA", metadata),
        (
            f"{info}/WHEEL",
            (
                b"Wheel-Version: 1.0\nGenerator: actref gradescope bundle\n"
                b"Root-Is-Purelib: true\nTag: py3-none-any\n"
            ),
        ),
    ]
    if entry_points:
        files.append((f"{info}/entry_points.txt", entry_points))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files)
    record += f"{info}/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            _entry(zf, name, data)
        _entry(zf, f"{info}/RECORD", record.encode())
    return f"actref-{version}-py3-none-any.whl", buf.getvalue()


def bundle(rubric_path: str | None, output: str) -> list[str]:
    """Write the autograder zip; the names it holds. The rubric is validated first
    (:class:`~actref.grading.rubric.RubricError`)."""
    load_rubric(rubric_path)  # one-line error before anything is written
    if rubric_path is None:
        from actref.grading.rubric import default_rubric_path

        rubric_path = default_rubric_path()
    if os.path.isdir(output):
        raise BundleError(f"-o {output!r} is a folder; name the .zip to write")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise BundleError(f"-o {output!r}: folder {folder!r} does not exist")
    wheel_name, wheel_bytes = wheel()
    entries = [
        ("setup.sh", SETUP_SH.replace("__WHEEL__", wheel_name).encode(), 0o755),
        ("run_autograder", RUN_AUTOGRADER.encode(), 0o755),
        ("rubric.toml", Path(rubric_path).read_bytes(), 0o644),
        (wheel_name, wheel_bytes, 0o644),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, mode in entries:
            _entry(zf, name, data, mode)
    write_atomically_bytes(output, buf.getvalue())
    return [name for name, _, _ in entries]
