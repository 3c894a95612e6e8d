"""The kernels' constants are what tools/gen_constants.py computes, and its sources agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mpmath

from actref.kernels import constants

ROOT = Path(__file__).resolve().parent.parent


def test_generated_module_is_current() -> None:
    run = subprocess.run(
        [sys.executable, "tools/gen_constants.py", "--check"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


def test_constants_are_correctly_rounded() -> None:
    # an independent check of three, at another precision
    with mpmath.workdps(50):
        assert float(mpmath.sqrt(mpmath.mpf(1) / 2)) == constants.SQRT1_2
        assert float(1 / mpmath.sqrt(2 * mpmath.pi)) == constants.INV_SQRT_2PI
        assert float(mpmath.sqrt(2 / mpmath.pi)) == constants.SQRT_2_OVER_PI
