"""The README's examples for its users (a student checking a derivative, a framework
developer testing a kernel, an instructor grading a class, a maintainer keeping the
figures) run, and print what it shows.

Each ``python`` block of the sections below runs in one namespace per section, in
order; a ``text`` block right after it lists lines its output must contain (``...``
skips). A block starting ``# test_*.py`` is a test file: it runs under pytest with the
actref plugin. A block that imports a library not installed here (torch) is skipped.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"
SECTIONS = (
    "Check your own derivative",
    "Test your kernel against the reference",
    "Keep the figures",
    "Grade a class",
)
OPTIONAL = ("torch", "jax")


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _blocks(section: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block, in order."""
    return [(m[1], m[2]) for m in re.finditer(r"```(\w+)\n(.*?)```", section, flags=re.DOTALL)]


def _runnable(title: str) -> list[tuple[str, str | None]]:
    """The python blocks of a section, each with the text block that follows it."""
    blocks = _blocks(_section(title))
    out = []
    for i, (lang, code) in enumerate(blocks):
        if lang != "python":
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        out.append((code, nxt[1] if nxt and nxt[0] == "text" else None))
    return out


def test_the_sections_exist_and_have_examples() -> None:
    for title in SECTIONS:
        assert len(_runnable(title)) >= 2, title


@pytest.mark.parametrize("title", SECTIONS)
def test_readme_examples_run(title: str, pytester: pytest.Pytester) -> None:
    namespace: dict[str, object] = {"__name__": "readme"}
    for code, expected in _runnable(title):
        if code.startswith("# test_"):
            pytester.makepyfile(**{code.split()[1].removesuffix(".py"): code})
            result = pytester.runpytest("-p", "no:cacheprovider", "-q")
            result.assert_outcomes(passed=code.count("\ndef test_"))
            continue
        imported = set(re.findall(r"^import (\w+)", code, flags=re.MULTILINE))
        missing = [m for m in imported & set(OPTIONAL) if not _installed(m)]
        if missing:
            continue  # documented as optional
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"README.md ({title})", "exec"), namespace)  # noqa: S102 -- our README
        if expected is not None:
            lines = [line.rstrip() for line in out.getvalue().splitlines()]
            for want in expected.splitlines():
                if want.strip() and want.strip() != "...":
                    assert want.rstrip() in lines, f"{want!r} not printed by:\n{code}"


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
