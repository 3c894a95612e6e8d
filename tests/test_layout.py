"""The shape of the package (issue 14): no module over 600 lines, no import cycle, no
private name used outside the module that owns it.

Read statically with :mod:`ast`, so nothing is imported to check it: every ``import``
and ``from ... import`` counts, at module level, inside functions and under
``if TYPE_CHECKING`` alike (a function-level import that dodges a cycle is still a
cycle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import actref

MAX_LINES = 600

# Modules left out of every check below, each with its reason, while other work
# reshapes them; empty since issue 14 landed. test_known_exceptions_are_still_needed
# says when an entry has become unnecessary. Anything not named here that breaks a rule
# fails.
KNOWN_EXCEPTIONS: frozenset[str] = frozenset()

PACKAGE = Path(actref.__file__).parent


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool
    lines: int = field(compare=False)
    tree: ast.Module = field(compare=False, repr=False)


def _modules() -> dict[str, Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        text = path.read_text(encoding="utf-8")
        name = ".".join(parts)
        out[name] = Module(name, path, is_package, len(text.splitlines()), ast.parse(text))
    return out


MODULES = _modules()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _from_base(mod: Module, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    base = mod.name.split(".") if mod.is_package else mod.name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


@dataclass(frozen=True)
class Use:
    """``user`` reaches ``target`` (a module) at ``line``; ``name``: the name it takes."""

    user: str
    target: str
    line: int
    name: str = ""


def _imports(mod: Module) -> Iterator[Use]:
    """Every actref module ``mod`` imports, and the name it takes from it."""
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield Use(mod.name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(mod, node)
            if base not in MODULES:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:  # a module: from actref.grading import process
                    yield Use(mod.name, sub, node.lineno)
                else:  # a name defined in base
                    yield Use(mod.name, base, node.lineno, alias.name)


def _bound_modules(mod: Module) -> dict[str, str]:
    """Names in ``mod`` bound to an actref module by an import (``fd`` -> finite_diff)."""
    bound: dict[str, str] = {}
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:  # import actref.x binds actref
                        bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(mod, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    bound[alias.asname or alias.name] = sub
    return bound


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """``a.b.c`` as a dotted name with its first part resolved, or None."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value, bound)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _private_uses(mod: Module) -> Iterator[Use]:
    """``from actref.x import _name`` and ``x._name`` in ``mod``, x another module."""
    for use in _imports(mod):
        if use.name and _private(use.name) and use.target != mod.name:
            yield use
    bound = _bound_modules(mod)
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = _dotted(node.value, bound)
            if owner in MODULES and owner != mod.name:
                yield Use(mod.name, owner, node.lineno, node.attr)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _too_long(exceptions: set[str]) -> list[str]:
    out = []
    for mod in MODULES.values():
        if mod.lines > MAX_LINES and mod.name not in exceptions:
            out.append(f"{mod.path.relative_to(PACKAGE.parent)}: {mod.lines} lines")
    return out


def _cycle_report(exceptions: set[str]) -> list[str]:
    uses = [u for mod in MODULES.values() for u in _imports(mod)]
    graph: dict[str, set[str]] = {m: set() for m in MODULES if m not in exceptions}
    for u in uses:
        if u.user in graph and u.target in graph and u.target != u.user:
            graph[u.user].add(u.target)
    out = []
    for component in _cycles(graph):
        inside = set(component)
        edges = sorted(
            {
                f"{u.user}:{u.line} -> {u.target}"
                for u in uses
                if u.user in inside and u.target in inside and u.user != u.target
            }
        )
        out.append(f"among {', '.join(component)}:\n  " + "\n  ".join(edges))
    return out


def _private_report(exceptions: set[str]) -> list[str]:
    return sorted(
        f"{MODULES[u.user].path.relative_to(PACKAGE.parent)}:{u.line}: {u.target}.{u.name}"
        for mod in MODULES.values()
        for u in _private_uses(mod)
        if u.user not in exceptions and u.target not in exceptions
    )


def test_no_module_is_over_600_lines() -> None:
    too_long = _too_long(KNOWN_EXCEPTIONS)
    assert not too_long, f"split these modules (at most {MAX_LINES} lines): {too_long}"


def test_no_import_cycle() -> None:
    cycles = _cycle_report(KNOWN_EXCEPTIONS)
    assert not cycles, "import cycles (module:line -> module):\n" + "\n".join(cycles)


def test_no_private_name_used_by_another_module() -> None:
    uses = _private_report(KNOWN_EXCEPTIONS)
    assert not uses, (
        "private names used outside their module (make them public where they are "
        "defined):\n" + "\n".join(uses)
    )


def _offenders() -> set[str]:
    """Every module that breaks a rule when nothing is excused: too long, in a cycle,
    or using or owning a private name used across modules."""
    out = {m.name for m in MODULES.values() if m.lines > MAX_LINES}
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for mod in MODULES.values():
        graph[mod.name] |= {u.target for u in _imports(mod) if u.target != mod.name}
        out |= {x for u in _private_uses(mod) for x in (u.user, u.target)}
    return out.union(*_cycles(graph))


def test_known_exceptions_are_still_needed() -> None:
    """Each entry of KNOWN_EXCEPTIONS still breaks a rule: remove it when it does not."""
    stale = KNOWN_EXCEPTIONS - _offenders()
    assert not stale, f"in KNOWN_EXCEPTIONS but breaking no rule, remove: {sorted(stale)}"


def test_the_checks_see_what_they_check() -> None:
    """The reader finds what the rules are about: every module, and imports of each kind."""
    assert {"actref.finite_diff", "actref.cli", "actref.grading.sandbox"} <= MODULES.keys()
    uses = {(u.user, u.target) for mod in MODULES.values() for u in _imports(mod)}
    assert ("actref.finite_diff", "actref.gradcheck") in uses  # from actref.x import name
    assert ("actref.verify", "actref.finite_diff") in uses  # from actref import module
    assert ("actref.commands.grade", "actref.grading.process") in uses  # in a function
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
