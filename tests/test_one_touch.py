"""Adding an elementwise function touches one kernel module and one registry entry.

The proof: a copy of the package gains a throwaway function, ``atan_test``, by exactly
two edits — a kernel pair appended to ``kernels/algebraic.py`` and one entry inserted
into ``catalogue/algebraic.py``'s ``ENTRIES`` — and, with nothing else changed, the
function is everywhere the catalogue reaches: ``actref.get``, ``actref.kernels``, its
family, ``actref list``/``show``/``verify`` (which proves it against the oracle, finite
differences and its laws), the frameworks' table and the benchmark's textbook peer.

What stays to do after such an edit is generated, not written: the README's catalogue
table (paste ``actref.frameworks.markdown_table(...)``; a test compares) and the
function's baseline figure (``nox -s baselines``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import actref

ROOT = Path(__file__).resolve().parent.parent
NAME = "atan_test"

KERNEL = """

atan_test = kernel(
    "atan_test",
    Region(math.inf, np.arctan, "NumPy's arctan, within 1 ULP", 1.0),
)
atan_test_grad = kernel(
    "atan_test'",
    Region(
        math.inf,
        lambda x: 1.0 / (1.0 + x * x),
        "1 / (1 + x^2); x^2 overflows only where the truth is subnormal",
        2.5,
    ),
    absorbs_overflow=True,
)
"""

ENTRY = """
    Activation(
        "atan_test",
        "arctan, a throwaway function of tests/test_one_touch.py",
        sympy.atan(x),
        algebraic.atan_test,
        algebraic.atan_test_grad,
        shipped={"keras": ("atan_test",)},
        laws=(odd("atan_test"),),
        increasing=True,
    ),"""

CHECKS = """
import math
import numpy as np
import actref
from actref import families, frameworks, kernels
import peers

act = actref.get("atan_test")
assert "atan_test" in actref.names()
assert act(1.0) == math.pi / 4, act(1.0)
assert act.grad(1.0) == 0.5, act.grad(1.0)
assert act.kinks == ()
assert kernels.atan_test is act.forward_fn and kernels.atan_test_grad is act.grad_fn
assert {"atan_test", "atan_test_grad"} <= set(kernels.__all__)
assert families.family(act) == "algebraic"

table = frameworks.markdown_table(frameworks.catalogue_names())
assert "| `atan_test` | - | - | `atan_test` | - |" in table.splitlines(), table

textbook = peers.textbook_peer()
xs = np.array([-2.7, -0.2, 0.9, 4.1])
for direction, fn in (("forward", act), ("grad", act.grad)):
    assert textbook.has("atan_test", direction)
    got = textbook.call("atan_test", direction, xs)
    assert np.allclose(got, fn(xs), rtol=1e-12, atol=0), (direction, got, fn(xs))
print("checked")
"""


def _insert_before_last(text: str, marker: str, insertion: str) -> str:
    at = text.rindex(marker)
    return text[:at] + insertion + text[at:]


@pytest.fixture(scope="module")
def package_with_a_new_function(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``src/`` whose only differences are the kernel and the entry."""
    src = tmp_path_factory.mktemp("one_touch") / "src"
    here = Path(actref.__file__).resolve().parent
    shutil.copytree(here, src / "actref", ignore=shutil.ignore_patterns("__pycache__"))
    kernel_module = src / "actref/kernels/algebraic.py"
    kernel_module.write_text(kernel_module.read_text() + KERNEL)
    catalogue_module = src / "actref/catalogue/algebraic.py"
    text = catalogue_module.read_text()
    assert text.rstrip().endswith("\n)"), "ENTRIES is no longer the module's last statement"
    catalogue_module.write_text(_insert_before_last(text, "\n)", ENTRY))
    return src


def _run(src: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT / "benchmarks")])}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )


def test_the_copy_differs_from_the_package_in_two_files_only(
    package_with_a_new_function: Path,
) -> None:
    here = Path(actref.__file__).resolve().parent
    copy = package_with_a_new_function / "actref"
    changed = sorted(
        str(p.relative_to(copy))
        for p in copy.rglob("*")
        if p.is_file() and p.read_bytes() != (here / p.relative_to(copy)).read_bytes()
    )
    assert changed == ["catalogue/algebraic.py", "kernels/algebraic.py"]


def test_a_new_function_reaches_the_registry_the_table_and_the_peers(
    package_with_a_new_function: Path,
) -> None:
    done = _run(package_with_a_new_function, "-c", textwrap.dedent(CHECKS))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "checked"


def test_a_new_function_is_listed_shown_and_verified(package_with_a_new_function: Path) -> None:
    listed = _run(package_with_a_new_function, "-m", "actref", "list")
    assert listed.returncode == 0, listed.stderr
    assert NAME in listed.stdout
    shown = _run(package_with_a_new_function, "-m", "actref", "show", NAME)
    assert shown.returncode == 0, shown.stderr
    assert "atan" in shown.stdout
    verified = _run(package_with_a_new_function, "-m", "actref", "verify", "--quiet", NAME)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert NAME in verified.stdout


# the test files that run per function, and the ones that hold every function to a rule
PER_FUNCTION = (
    "tests/test_accuracy.py",
    "tests/test_bench_peers.py",
    "tests/test_finite_diff.py",
    "tests/test_kernels.py",
    "tests/test_kinks.py",
    "tests/test_laws.py",
    "tests/test_numeric.py",
    "tests/test_numeric_small.py",
    "tests/test_region_switches.py",
    "tests/test_registry.py",
    "tests/test_union_frameworks.py",
)


def test_the_suite_holds_a_new_function_to_every_rule(package_with_a_new_function: Path) -> None:
    """The suite's tests of each function, run on the copy for the new one, and the
    rules every function obeys (a law, a kernel called by the registry, a textbook
    peer, real framework spellings). Left out: the figures (test_plotting), whose
    baselines ``nox -s baselines`` generates, and the README's table, pasted."""
    done = _run(
        package_with_a_new_function,
        "-m", "pytest", "-p", "no:cacheprovider", "-rN", "-v", *PER_FUNCTION,
        "-k", f"{NAME} or every or exported or spelling",
        "--deselect",
        "tests/test_union_frameworks.py::test_readme_catalogue_table_is_generated_from_the_registry",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    ran = [line for line in done.stdout.splitlines() if NAME in line and "PASSED" in line]
    assert len(ran) >= 30, done.stdout[-4000:]  # 56 today: the copy was what ran
