"""nox sessions: `nox` runs tests and lint; the others are asked for by name."""

from __future__ import annotations

import os

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
    session.run("pytest", *session.posargs)


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
