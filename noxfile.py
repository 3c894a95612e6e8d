"""nox sessions: `nox` runs tests and lint; the others are asked for by name."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install_group(session: nox.Session, *groups: str) -> None:
    deps: list[str] = []
    for group in groups:
        deps += nox.project.dependency_groups(PYPROJECT, group)
    session.install(*deps)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (pytest, hypothesis, oracle sweeps); posargs go to pytest."""
    _install_group(session, "test")
    session.install("-e", ".")
    # the ci hypothesis profile: more examples, derandomised, failure blobs printed
    session.run("pytest", *session.posargs, env={"ACTREF_HYPOTHESIS_PROFILE": "ci"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    _install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(default=False)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    _install_group(session, "typecheck")
    session.install("-e", ".")
    session.run("mypy", *session.posargs)


BASELINES = Path("baseline_images")
GALLERY_BASELINE = BASELINES / "tests.test_plotting.test_gallery.png"
README_GALLERY = Path("docs/gallery.png")


def _copy_if_changed(src: Path, dest: Path) -> bool:
    if dest.exists() and dest.read_bytes() == src.read_bytes():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return True


@nox.session(default=False)
def baselines(session: nox.Session) -> None:
    """Regenerate baseline_images/ (posargs select a subset: -- -k gelu); review git diff."""
    _install_group(session, "test")
    session.install("-e", ".")
    tmp = Path(session.create_tmp()).resolve()
    generated = tmp / "baselines"
    shutil.rmtree(generated, ignore_errors=True)
    listing = tmp / "baselines.txt"
    # every image test's file name, whatever posargs select: the rest are stale
    session.run(
        "pytest", "--collect-only", "-q", "-m", "mpl_image_compare",
        f"--list-baselines={listing}", silent=True,
    )  # fmt: skip
    # pyproject's mpl-baseline-path is ignored while generating, and pytest-mpl says so
    session.run(
        "pytest", "-m", "mpl_image_compare", f"--mpl-generate-path={generated}",
        "-W", "ignore:Ignoring --mpl-baseline-path:UserWarning",
        f"--mpl-results-path={tmp / 'results'}", *session.posargs,
    )  # fmt: skip
    expected = set(listing.read_text().split())
    BASELINES.mkdir(exist_ok=True)
    new, changed, unchanged = [], [], 0
    for png in sorted(generated.glob("*.png")):
        existed = (BASELINES / png.name).exists()
        if not _copy_if_changed(png, BASELINES / png.name):
            unchanged += 1
        else:
            (changed if existed else new).append(png.name)
    stale = [p.name for p in sorted(BASELINES.glob("*.png")) if p.name not in expected]
    for name in stale:
        (BASELINES / name).unlink()
    readme_existed = README_GALLERY.exists()
    if GALLERY_BASELINE.exists() and _copy_if_changed(GALLERY_BASELINE, README_GALLERY):
        (changed if readme_existed else new).append(str(README_GALLERY))
    session.log(
        f"baselines: {len(new)} new, {len(changed)} changed, {len(stale)} removed, "
        f"{unchanged} unchanged"
    )
    for label, names in (("new", new), ("changed", changed), ("removed", stale)):
        for name in names:
            session.log(f"  {label}: {name}")
    if new or changed or stale:
        session.log("review them (git diff --stat baseline_images docs), then commit")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Accuracy and speed against textbook NumPy, SciPy, PyTorch and JAX; posargs to run.py.

    PyTorch and JAX are optional: set ACTREF_BENCH_EXTRAS=0 to skip them, and a failed
    install only drops that peer. torch is pinned to the CPU build (an unpinned torch
    pulls a multi-gigabyte CUDA build).
    """
    session.install("-e", ".")
    session.install("threadpoolctl", "matplotlib")
    if os.environ.get("ACTREF_BENCH_EXTRAS", "1") != "0":
        for extra in (["torch==2.13.0+cpu"], ["jax", "jaxlib"]):
            try:
                session.install(*extra)
            except nox.command.CommandFailed:
                session.warn(f"could not install {extra[0]}; benchmarking without it")
    # OpenBLAS core-type overrides slow a current NumPy: drop them for this command only
    env = {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None}
    session.run("python", "benchmarks/run.py", *session.posargs, env=env)


@nox.session(default=False)
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut) of the kernels and the finite differences; posargs to mutmut."""
    _install_group(session, "test")
    session.install("mutmut>=3.3,<4")
    session.install("-e", ".")
    # derandomised hypothesis: the same inputs for every mutant (see tests/conftest.py)
    session.run("mutmut", "run", *session.posargs, env={"ACTREF_HYPOTHESIS_PROFILE": "mutants"})
    session.run("mutmut", "results")
