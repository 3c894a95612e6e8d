"""Loading a submission as students really hand it in. Runs inside the worker.

Imported by path from :mod:`worker` (it imports nothing from actref). What it handles:

- ``input()`` while importing gets the rubric's ``stdin`` text (or an empty line);
- a third-party module that is not installed (torch, tensorflow, pandas ...) is an
  inert stub: ``isinstance(x, torch.Tensor)`` is False, subclassing works, and any
  call raises naming the module;
- when the import still fails (an exception, or no end within the budget), only the
  file's imports, ``def``s, classes and constant assignments are run, each on its
  own, and what that gives is graded;
- a SyntaxError caused by merge-conflict markers or a Python 2 ``print`` statement is
  named as such, with the line;
- a notebook (``.ipynb``) is graded from its code cells (magics and shell lines
  dropped); a folder or a ``.zip`` is copied into the worker's own folder and every
  Python file (and notebook) in it is loaded.

Every such event adds a note, sent to the parent with the ``ready`` message.
"""

# Student code may raise anything, SystemExit included: catching it all is the point.

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import re
import shutil
import signal
import sys
import time
import types
import zipfile
from collections.abc import Iterator
from typing import Any

MODULE_NAME = "submission"
MAX_FILES = 50
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(\s|$)")
_PRINT2 = re.compile(r"^\s*print\s+[^\s(=.,;)][^=]*$|^\s*print\s*$|^\s*print\s*>>")
_SAFE_CALLS = {"float", "int", "str", "list", "tuple", "dict", "set", "range", "frozenset"}


class LoadError(Exception):
    """The submission cannot be loaded; the message is for the student."""


class _Budget(BaseException):
    """The import ran past its share of the import limit."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    def ring(signum: int, frame: Any) -> None:
        raise _Budget

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- stubs
class _StubMeta(type):
    """Classes standing in for anything of a module that is not installed."""

    _actref_module: str

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _stub_class(cls._actref_module, f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if "_actref_stub" in vars(cls):
            raise ModuleNotFoundError(
                f"{cls._actref_module} is not installed in the grader: "
                f"{cls.__qualname__}(...) cannot run"
            )
        return super().__call__(*args, **kwargs)


def _stub_class(module: str, qualname: str) -> type:
    cls = _StubMeta(qualname.rsplit(".", 1)[-1], (), {"_actref_stub": True})
    cls.__qualname__ = qualname
    cls._actref_module = module
    cls.__module__ = module
    return cls


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _stub_class(self.__name__.split(".")[0], f"{self.__name__}.{name}")


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: only modules nothing else can find reach it."""

    def __init__(self, local: set[str], files: set[str]) -> None:
        self.local = local  # names of the submission's own files: never stubbed
        self.files = files  # only the student's own imports are stubbed, not a library's
        self.stubbed: list[str] = []

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        top = fullname.split(".")[0]
        if top in sys.stdlib_module_names or top in self.local or top == MODULE_NAME:
            return None
        if top not in self.stubbed and not self._student_imports():
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def _student_imports(self) -> bool:
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if not name.startswith("<frozen") and name != __file__:
                return name in self.files
            frame = frame.f_back  # type: ignore[assignment]
        return False

    def create_module(self, spec: Any) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []
        top = spec.name.split(".")[0]
        if top not in self.stubbed:
            self.stubbed.append(top)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


# --------------------------------------------------------------------------- input()
class _Input:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.calls = 0

    def __call__(self, prompt: object = "") -> str:
        self.calls += 1
        return self.lines.pop(0) if self.lines else ""


def _display(*args: object, **kwargs: object) -> None:
    return None


# --------------------------------------------------------------------------- sources
def _diagnose(source: str, exc: SyntaxError) -> str | None:
    """Merge-conflict markers or a Python 2 print statement, named with the line."""
    lines = source.splitlines()
    for i, line in enumerate(lines, 1):
        if _CONFLICT.match(line):
            return (
                f"the file holds merge-conflict markers (line {i}: {line.strip()[:40]}); "
                "resolve the conflict"
            )
    line_no = exc.lineno or 0
    if not 0 < line_no <= len(lines):
        return None
    line = lines[line_no - 1].strip()
    if "print" in (exc.msg or "").lower() or _PRINT2.match(line):
        return (
            f"Python 2 print statement (line {line_no}: {line[:40]}); "
            "in Python 3 print is a function: print(...)"
        )
    return None


def notebook_source(text: str) -> tuple[str, int]:
    """The code cells of a notebook as one script; how many lines were dropped."""
    doc = json.loads(text)
    cells = doc.get("cells", []) if isinstance(doc, dict) else []
    out: list[str] = []
    dropped = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        lines = "".join(src).splitlines() if isinstance(src, list) else str(src).splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            dropped += len(lines)
            continue
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")) or "get_ipython()" in stripped:
                dropped += 1
                out.append("")  # keep line numbers within the cell
            else:
                out.append(line)
        out.append("")
    return "\n".join(out) + "\n", dropped


def _defs_only(tree: ast.Module) -> list[ast.stmt]:
    """Imports, defs, classes and constant assignments: what a module defines."""
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
    kept: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(
            node,
            ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
        ) or (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and node.value is not None
            and _constant(node.value, imported)
        ):
            kept.append(node)
    return kept


def _constant(expr: ast.expr, imported: set[str]) -> bool:
    """No call except to an imported library or a builtin constructor, no lambda body
    calling the student's code at definition time (lambdas are fine: not called)."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name):
                return False
            if root.id not in imported and root.id not in _SAFE_CALLS:
                return False
        if isinstance(node, ast.Lambda):
            continue
    return True


# --------------------------------------------------------------------------- loading
class Loaded:
    """What loading gave: the namespace to search, the student's files and modules."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.files: set[str] = set()
        self.modules: set[str] = {MODULE_NAME}
        self.notes: list[str] = []


def _materialise(path: str, workdir: str, loaded: Loaded) -> list[str]:
    """The Python files to load (notebooks converted, folders and zips copied)."""
    dest = os.path.join(workdir, "submission")
    if os.path.isdir(path) or zipfile.is_zipfile(path):
        os.makedirs(dest, exist_ok=True)
        if os.path.isdir(path):
            # a folder named "submission" (Gradescope's) is its own copy already
            if not os.path.samefile(path, dest):
                shutil.copytree(path, dest, dirs_exist_ok=True)
            what = "folder"
        else:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if not n.startswith("/") and ".." not in n]
                zf.extractall(dest, names[: MAX_FILES * 4])
            what = "zip file"
        files = []
        for root, dirs, names in os.walk(dest):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            for n in sorted(names):
                if n.endswith((".py", ".ipynb")) and not n.startswith("."):
                    files.append(os.path.join(root, n))
        files = files[:MAX_FILES]
        sys.path.insert(0, dest)
        for root, _, _ in os.walk(dest):
            if root != dest and root.count(os.sep) - dest.count(os.sep) == 1:
                sys.path.insert(1, root)  # a zip often holds one folder
        shown = ", ".join(os.path.relpath(f, dest) for f in files[:6])
        loaded.notes.append(f"graded the {what}: {len(files)} file(s) ({shown})")
        out = []
        for f in files:
            if f.endswith(".ipynb"):
                out.append(_convert_notebook(f, f[: -len(".ipynb")] + "_ipynb.py", loaded))
            else:
                out.append(f)
        return out
    if path.endswith(".ipynb"):
        os.makedirs(dest, exist_ok=True)
        target = os.path.join(dest, os.path.basename(path)[: -len(".ipynb")] + "_ipynb.py")
        return [_convert_notebook(path, target, loaded)]
    return [path]


def _convert_notebook(path: str, target: str, loaded: Loaded) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            source, dropped = notebook_source(fh.read())
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise LoadError(f"{os.path.basename(path)} is not a readable notebook ({exc})") from None
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(source)
    note = f"graded the code cells of {os.path.basename(path)}"
    if dropped:
        note += f" ({dropped} magic/shell line(s) dropped)"
    loaded.notes.append(note)
    return target


def _module_name(path: str, index: int) -> str:
    if index == 0:
        return MODULE_NAME
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem.isidentifier() else f"{MODULE_NAME}_{index}"


def load(path: str, workdir: str, options: dict[str, Any], describe: Any) -> Loaded:
    """Load the submission at ``path``; raises :class:`LoadError` or what the import
    raised (SystemExit included) when nothing could be loaded."""
    loaded = Loaded()
    files = _materialise(path, workdir, loaded)
    if not files:
        raise LoadError("the submission holds no Python file or notebook")
    local = {os.path.splitext(os.path.basename(f))[0] for f in files}
    finder = _StubFinder(local, set(files))
    sys.meta_path.append(finder)
    fake_input = _Input(str(options.get("stdin", "")))
    builtins.input = fake_input
    if any(f.endswith("_ipynb.py") for f in files):
        builtins.display = _display  # type: ignore[attr-defined]  # IPython's; a no-op
    sys.stdin = io.StringIO(str(options.get("stdin", "")))
    budget = float(options.get("import_budget", 6.0))
    start = time.monotonic()
    # the main file first: the one the grader was given, or the folder's first file
    for index, file in enumerate(files):
        name = _module_name(file, index)
        loaded.files.add(file)
        if name in sys.modules and index:  # already imported by an earlier file
            for k, v in vars(sys.modules[name]).items():
                loaded.namespace.setdefault(k, v)
            loaded.modules.add(name)
            continue
        loaded.modules.add(name)
        left = budget - (time.monotonic() - start)
        namespace = _load_file(file, name, left, loaded, describe, budget)
        for k, v in namespace.items():
            loaded.namespace.setdefault(k, v)
    if fake_input.calls:
        given = "the rubric's stdin text" if options.get("stdin") else "an empty line"
        loaded.notes.append(
            "input() runs when your file is imported; put it under "
            f'`if __name__ == "__main__":` (it was given {given})'
        )
    if finder.stubbed:
        loaded.notes.append(
            f"{', '.join(finder.stubbed)}: not installed in the grader, replaced by a stub "
            "(isinstance is False; calling it raises)"
        )
    return loaded


def _load_file(
    file: str, name: str, seconds: float, loaded: Loaded, describe: Any, budget: float
) -> dict[str, Any]:
    try:
        with open(file, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise LoadError(f"cannot read {os.path.basename(file)} ({exc.strerror})") from None
    source = raw.decode("utf-8", errors="replace")
    try:
        code = compile(raw, file, "exec", dont_inherit=True)
    except SyntaxError as exc:
        diagnosis = _diagnose(source, exc)
        if diagnosis is not None:
            raise LoadError(diagnosis) from None
        raise
    module = types.ModuleType(name)
    module.__file__ = file
    sys.modules[name] = module
    try:
        with _deadline(seconds):
            exec(code, module.__dict__)  # noqa: S102 -- the student's file, in the worker
        return dict(vars(module))
    except SystemExit:
        raise
    except BaseException as exc:
        why = (
            f"it did not finish within {budget:g} s"
            if isinstance(exc, _Budget)
            else f"it raised {describe(exc)}"
        )
        namespace = _fallback(source, file, name, budget / 2)
        if not _defines_something(namespace, file, name):
            if isinstance(exc, _Budget):
                _wait_for_the_parent()
            raise
        loaded.notes.append(
            f"importing {os.path.basename(file)} failed ({why}): graded only its imports, "
            "functions, classes and constant assignments"
        )
        return namespace


def _defines_something(namespace: dict[str, Any], file: str, name: str) -> bool:
    for value in namespace.values():
        code = getattr(value, "__code__", None)
        if code is not None and code.co_filename == file:
            return True
        if isinstance(value, type) and value.__module__ == name:
            return True
    return False


def _fallback(source: str, file: str, name: str, seconds: float) -> dict[str, Any]:
    """Run only the definitions of the file, each statement on its own."""
    try:
        tree = ast.parse(source, file)
    except (SyntaxError, ValueError):
        return {}
    module = types.ModuleType(name)
    module.__file__ = file
    sys.modules[name] = module
    start = time.monotonic()
    for node in _defs_only(tree):
        left = seconds - (time.monotonic() - start)
        if left <= 0:
            break
        code = compile(ast.Module(body=[node], type_ignores=[]), file, "exec")
        with contextlib.suppress(BaseException), _deadline(left):
            exec(code, module.__dict__)  # noqa: S102 -- the student's file, in the worker
    return dict(vars(module))


def _wait_for_the_parent() -> None:
    """The import hung and nothing could be salvaged: let the parent's clock report it."""
    while True:
        time.sleep(1)
