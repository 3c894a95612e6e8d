"""The child side: run one submission and report its raw outputs, nothing more.

This module runs inside the sandboxed worker process (forked by
:mod:`actref.grading.server`, which preloaded it, so NumPy and SymPy are already
imported). It limits itself
(address space, file size, its own session and working directory), sends the
student's stdout/stderr to files, imports the submission, finds the rubric's functions
and calls them on the inputs the parent chose. What it sends back, one JSON object per
line on a pipe that is not the student's stdout, is raw data: the numbers returned,
the shapes, the input array after the call, error texts. It judges nothing: every
comparison is made in the parent, so whatever the student patches in this process
(NumPy, ``==``, ``print``) can only change the numbers reported as theirs.

SymPy answers are evaluated here, at 60 significant digits, and only their values
(rounded once to float64) and ``str(expr)`` for display cross the pipe. The parent
never parses an expression: ``sympify``/``parse_expr`` evaluate text, and a
whitelisting parser of ``srepr`` would be a second interpreter to get right. Numbers
are all the judge needs.

Messages (``task`` is the index in the plan's task list):

- ``{"type": "import_error", "error": str}``: importing the submission failed
- ``{"type": "ready", "found": {reference: {"forward": ..., "derivative": ...}}}``
- ``{"type": "tick", "task": int, "point": int | null}``: about to call the student
- ``{"type": "result", "task": int, "data": {...}}``
- ``{"type": "done"}``
"""

# Student code may raise anything, SystemExit included: catching it all is the point.
# ruff: noqa: BLE001

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy

# This module imports nothing from actref: the fork server loads it by path, so the
# server process imports NumPy, SymPy and mpmath and nothing else. Its helpers
# (discover.py: finding functions; load.py: loading a submission) are loaded the same
# way, by path, from this folder.


def _sibling(name: str) -> types.ModuleType:
    """``<this folder>/<name>.py`` as a module, without importing the actref package."""
    key = f"actref_grading_{name}"
    if key in sys.modules:
        return sys.modules[key]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(key, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


_discovery = _sibling("discover")
_loading = _sibling("load")

MODULE_NAME = "submission"
MAX_ERROR_CHARS = 300
MAX_OUTPUT_BYTES = 1 << 20  # student's stdout/stderr files, each
EVAL_DPS = 60

# Bound now, before student code can rebind them in their modules.
_dumps = json.dumps
_write = os.write
_asarray = np.asarray
_float64 = np.float64


def normalise(name: str) -> str:
    """How names are compared: case and underscores ignored (``leakyReLU`` ==
    ``leaky_relu``)."""
    return name.replace("_", "").lower()


class _Channel:
    """Newline-delimited JSON on a raw file descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, message: dict[str, Any]) -> None:
        data = (_dumps(message, allow_nan=True) + "\n").encode()
        view = memoryview(data)
        while view:
            n = _write(self.fd, view)
            view = view[n:]


# ------------------------------------------------------------------------- sandbox
def _sandbox(workdir: str, memory_mb: int, cpu_seconds: float) -> None:
    """Limit this process before any student code runs."""
    os.setsid()  # its own process group: the parent kills it and its children at once
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a print flood fails a write, no kill
    # address space: what is mapped now (NumPy, SymPy, OpenBLAS) plus the budget
    _limit(resource.RLIMIT_AS, _mapped_bytes() + memory_mb * (1 << 20))
    _limit(resource.RLIMIT_FSIZE, MAX_OUTPUT_BYTES)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_CPU, int(cpu_seconds) + 1)  # a backstop to the parent's clock
    os.chdir(workdir)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        out = os.open(os.path.join(workdir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
        os.close(out)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 -- the process's own fds
    sys.stdout = open(1, "w", closefd=False, buffering=1)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False, buffering=1)  # noqa: SIM115
    sys.dont_write_bytecode = True  # no __pycache__ next to the student's file
    np.seterr(all="ignore")
    warnings.simplefilter("ignore")


def _limit(which: int, value: int) -> None:
    """Lower a limit to ``value`` (never above an existing hard limit)."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 2 << 30  # no procfs: assume 2 GiB already mapped


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # a hostile __str__
        text = type(exc).__name__
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


# ------------------------------------------------------------------------- discovery
_takes_argument = _discovery.takes_argument  # f(x=0.0): a NumPy function with a default


# ------------------------------------------------------------------------- conversion
def _raw_array(out: Any, max_size: int) -> dict[str, Any]:
    """The student's return value as plain floats and a shape, or an error."""
    try:
        if isinstance(out, sympy.Basic) and not out.is_number:
            return {"error": f"returned the SymPy expression {str(out)[:80]}, not numbers"}
        a = _asarray(out)
        if a.dtype.kind == "O":
            flat = [complex(v) if isinstance(v, complex) else float(v) for v in a.ravel()]
            a = _asarray(flat).reshape(a.shape)
        if a.dtype.kind == "c":
            if np.any(a.imag != 0):
                return {"error": "returned complex numbers"}
            a = a.real
        if a.dtype.kind not in "biuf":
            return {"error": f"returned {type(out).__name__} of dtype {a.dtype}, not numbers"}
        if a.size > max_size:
            return {"error": f"returned {a.size} numbers (shape {a.shape})"}
        a = a.astype(np.float64)
        return {"values": [float(v) for v in a.ravel()], "shape": [int(n) for n in a.shape]}
    except BaseException as exc:
        return {"error": f"returned {type(out).__name__}, not numbers ({_describe(exc)})"}


def _call(fn: Callable[..., Any], arg: Any, max_size: int) -> dict[str, Any]:
    try:
        out = fn(arg)
    except BaseException as exc:
        return {"error": _describe(exc)}
    return _raw_array(out, max_size)


def _input_after(arr: Any) -> list[float] | None:
    try:
        return [float(v) for v in arr.ravel()]
    except BaseException:
        return None


# ------------------------------------------------------------------------- the tasks
class _Runner:
    def __init__(self, channel: _Channel, found: dict[str, dict[str, Any]]) -> None:
        self.channel = channel
        self.found = found

    def tick(self, task: int, point: int | None) -> None:
        self.channel.send({"type": "tick", "task": task, "point": point})

    def run(self, index: int, task: dict[str, Any]) -> dict[str, Any]:
        entry = self.found[task["reference"]]
        role = task["role"]
        info = entry[role]
        if role == "derivative" and info["style"] == "missing":
            fwd = entry["forward"]
            if fwd["style"] == "sympy" and not task["vector"]:
                return self._sympy(index, task, fwd["object"], differentiate=True)
            return {"style": "missing"}
        if info["style"] == "missing":
            return {"style": "missing"}
        if info["style"] == "sympy":
            if task["vector"]:
                return {
                    "style": "sympy",
                    "error": f"{info['name']}() takes no argument, but {task['reference']} "
                    "must be a function of a 1-D array",
                }
            return self._sympy(index, task, info["object"], differentiate=False)
        if task["vector"]:
            return self._vector_calls(index, task, info["object"])
        return self._elementwise(index, task, info["object"])

    def _elementwise(self, index: int, task: dict[str, Any], fn: Any) -> dict[str, Any]:
        xs: list[float] = task["inputs"]
        arr = np.array(xs, dtype=np.float64)
        self.tick(index, None)
        vector = _call(fn, arr, 4 * len(xs))
        vector["input_after"] = _input_after(arr)
        points = None
        if vector.get("shape") != [len(xs)]:
            # not vectorised: judge its values point by point
            points = []
            for i, v in enumerate(xs):
                self.tick(index, i)
                points.append(_call(fn, _float64(v), 4))
        return {"style": "numpy", "vector": vector, "points": points}

    def _vector_calls(self, index: int, task: dict[str, Any], fn: Any) -> dict[str, Any]:
        calls = []
        for i, vec in enumerate(task["inputs"]):
            arr = np.array(vec, dtype=np.float64)
            self.tick(index, i)
            result = _call(fn, arr, 4 * len(vec) * len(vec))
            result["input_after"] = _input_after(arr)
            calls.append(result)
        return {"style": "numpy", "calls": calls}

    def _sympy(
        self, index: int, task: dict[str, Any], fn: Any, *, differentiate: bool
    ) -> dict[str, Any]:
        self.tick(index, None)
        try:
            expr = fn()
            if not isinstance(expr, sympy.Basic):
                if _takes_argument(fn):  # f(x=0.0): a NumPy function with a default
                    if differentiate:
                        return {"style": "missing"}
                    if task["vector"]:
                        return self._vector_calls(index, task, fn)
                    return self._elementwise(index, task, fn)
                if not isinstance(expr, int | float) or isinstance(expr, bool):
                    return {
                        "style": "sympy",
                        "error": f"returned {type(expr).__name__}, not a SymPy expression in x",
                    }
                expr = sympy.Float(expr)
            expr = _in_real_x(expr)
            if differentiate:
                expr = sympy.diff(expr, _X)
        except BaseException as exc:
            return {"style": "sympy", "error": _describe(exc)}
        shown = str(expr)
        out: dict[str, Any] = {"style": "sympy", "expr": shown[:200]}
        try:
            compiled = sympy.lambdify(_X, expr, modules="mpmath")
        except BaseException:
            compiled = None
        points = []
        for i, v in enumerate(task["inputs"]):
            self.tick(index, i)
            points.append(_evaluate(expr, compiled, v))
        out["points"] = points
        return out


_X = sympy.Symbol("x", real=True)


def _in_real_x(expr: Any) -> Any:
    """The expression in a real ``x``; any other symbol is an error."""
    free = expr.free_symbols
    others = sorted(str(s) for s in free if str(s) != "x")
    if others:
        raise ValueError(f"the expression uses {', '.join(others)}; only the symbol x is allowed")
    return expr.xreplace({s: _X for s in free})


def _evaluate(expr: Any, compiled: Callable[..., Any] | None, v: float) -> dict[str, Any]:
    """``expr`` at ``x = v`` (exactly) to 60 digits, rounded once to float64."""
    value: Any = None
    if compiled is not None:
        try:
            with mpmath.workdps(EVAL_DPS):
                value = compiled(mpmath.mpf(v))
        except BaseException:
            value = None
    if value is None or not isinstance(value, mpmath.mpf | mpmath.mpc | int | float):
        try:
            value = expr.subs(_X, sympy.Rational(v)).evalf(EVAL_DPS)
            if value.is_real is False:
                return {"error": f"is not real at x={v!r}: {str(value)[:60]}"}
            value = mpmath.mpf(str(value)) if value.is_Float else value
        except BaseException as exc:
            return {"error": _describe(exc)}
    try:
        if isinstance(value, mpmath.mpc):
            if value.imag != 0:
                return {"error": f"is not real at x={v!r}: {value}"}
            value = value.real
        return {"values": [float(value)], "shape": []}
    except BaseException as exc:
        return {"error": f"is not a number at x={v!r} ({_describe(exc)})"}


# ------------------------------------------------------------------------- entry point
def _discover(
    namespace: dict[str, Any], plan: dict[str, Any], files: set[str], modules: set[str]
) -> dict[str, Any]:
    found: dict[str, Any] = _discovery.discover(namespace, plan, _discovery.Owner(files, modules))
    return found


def _public(found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        ref: {role: {k: v for k, v in info.items() if k != "object"} for role, info in e.items()}
        for ref, e in found.items()
    }


def main(
    result_fd: int,
    path: str,
    plan: dict[str, Any],
    task_ids: list[int],
    workdir: str,
    limits: dict[str, float],
) -> None:
    """Worker entry point, called in the freshly forked child (see ``server.py``)."""
    channel = _Channel(result_fd)
    _sandbox(workdir, int(limits["memory_mb"]), limits["submission_timeout"])
    try:
        loaded = _loading.load(path, workdir, plan.get("load", {}), _describe)
        found = _discover(loaded.namespace, plan, loaded.files, loaded.modules)
    except _loading.LoadError as exc:  # already worded for the student
        channel.send({"type": "import_error", "error": str(exc)[:MAX_ERROR_CHARS]})
        return
    except BaseException as exc:
        channel.send({"type": "import_error", "error": _describe(exc)})
        return
    channel.send({"type": "ready", "found": _public(found), "notes": loaded.notes})
    runner = _Runner(channel, found)
    for index in task_ids:
        try:
            data = runner.run(index, plan["tasks"][index])
        except BaseException as exc:  # a hostile object broke the runner itself
            data = {"style": "numpy", "error": _describe(exc)}
        channel.send({"type": "result", "task": index, "data": data})
    channel.send({"type": "done"})
