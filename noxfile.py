"""nox sessions: `nox` runs tests and lint; the others are asked for by name."""

from __future__ import annotations

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


@nox.session(default=False)
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut) of numeric.py, softmax.py, finite_diff.py; posargs to mutmut."""
    _install_group(session, "test")
    session.install("mutmut>=3.3,<4")
    session.install("-e", ".")
    session.run("mutmut", "run", *session.posargs)
    session.run("mutmut", "results")
