"""The child side: run one submission and report its raw outputs, nothing more.

This module runs inside the contained worker process (forked by
:mod:`actref.grading.server`, which preloaded it, so NumPy and SymPy are already
imported, and walled in by :mod:`actref.grading.contain` before this module's
:func:`main` runs). It imports the submission, finds the rubric's functions, then
answers the parent's commands, one call of the student's code per command. What it
sends back, one JSON object per line on a pipe that is not the student's stdout, is
raw data: the numbers returned, their shape, the input array after the call, error
texts; for a SymPy answer, the expression's ``srepr``, which the parent rebuilds
from a whitelist and evaluates itself (:mod:`actref.grading.expression`).

It judges nothing and is trusted with nothing: the student's code runs in this very
process and may rewrite any of it, or write lines of its own on the pipe. The parent
decides every call, keeps every clock, validates every message and treats anything
missing, malformed or out of order as that part's error.

Messages (worker to parent):

- ``{"type": "contained", "missing": [str]}``: written by the containment code before
  any student code ran (the protections the host could not give)
- ``{"type": "import_error", "error": str}``: importing the submission failed
- ``{"type": "ready", "found": {reference: {"forward": ..., "derivative": ...}}}``
- ``{"type": "reply", "seq": int, "data": {...}}``: the answer to command ``seq``

Commands (parent to worker): ``{"seq": int, "task": int, "point": int | null}``: call
the task's function on all of its inputs as one array (``null``) or on input ``point``.
"""

# Student code may raise anything, SystemExit included: catching it all is the point.
# ruff: noqa: BLE001

from __future__ import annotations

import importlib.util
import io
import json
import os
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

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
MAX_OUTPUT_BYTES = 1 << 20  # student's stdout/stderr, each: beyond it, dropped
MAX_SREPR_CHARS = 20_000

# Bound now, before student code can rebind them in their modules.
_dumps = json.dumps
_loads = json.loads
_write = os.write
_read = os.read
_asarray = np.asarray
_float64 = np.float64


def normalise(name: str) -> str:
    """How names are compared: case and underscores ignored (``leakyReLU`` ==
    ``leaky_relu``)."""
    return name.replace("_", "").lower()


class _Channel:
    """Newline-delimited JSON on raw file descriptors: replies out, commands in."""

    def __init__(self, out_fd: int, in_fd: int = -1) -> None:
        self.out_fd = out_fd
        self.in_fd = in_fd
        self.buf = b""

    def send(self, message: dict[str, Any]) -> None:
        data = (_dumps(message, allow_nan=True) + "\n").encode()
        view = memoryview(data)
        while view:
            n = _write(self.out_fd, view)
            view = view[n:]

    def receive(self) -> Any:
        """The next command, or None when the parent closed the pipe."""
        while b"\n" not in self.buf:
            chunk = _read(self.in_fd, 1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return _loads(line)


# ------------------------------------------------------------------------- sandbox
class _CappedOutput(io.RawIOBase):
    """A file descriptor that takes the first ``cap`` bytes and drops the rest: a
    print flood costs the student their log, never an error in their function."""

    def __init__(self, fd: int, cap: int) -> None:
        self.fd = fd
        self.left = cap

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        keep = data[: max(self.left, 0)]
        self.left -= len(keep)
        try:
            while keep:
                keep = keep[_write(self.fd, keep) :]
        except OSError:
            self.left = 0
        return len(data)


def redirect_output(base: str) -> None:
    """stdin from /dev/null, stdout/stderr to files in ``base`` (outside the jail, so
    the student reaches them only through these descriptors). Before the walls."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        out = os.open(os.path.join(base, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
        os.close(out)


def address_space(memory_mb: int) -> int:
    """What is mapped now (NumPy, SymPy, OpenBLAS) plus the budget."""
    return _mapped_bytes() + memory_mb * (1 << 20)


def _settle() -> None:
    """Python-level settings for student code (the walls are up already)."""
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the file cap fails, no kill
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 -- the process's own fds
    for fd, attr in ((1, "stdout"), (2, "stderr")):
        raw = io.BufferedWriter(_CappedOutput(fd, MAX_OUTPUT_BYTES))
        setattr(sys, attr, io.TextIOWrapper(raw, errors="replace", line_buffering=True))
    sys.dont_write_bytecode = True  # no __pycache__ next to the student's file
    np.seterr(all="ignore")
    warnings.simplefilter("ignore")


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


# ------------------------------------------------------------------------- the calls
def _answer(found: dict[str, Any], task: dict[str, Any], point: int | None) -> dict[str, Any]:
    """One command: call the task's function once, as the parent asked."""
    entry = found[task["reference"]]
    info = entry[task["role"]]
    style = info["style"]
    if style == "missing":
        forward = entry["forward"]
        if task["role"] == "derivative" and forward["style"] == "sympy" and not task["vector"]:
            return _expression(forward, differentiate=True)  # sympy.diff, here, on our clock
        return {"style": "missing"}
    if style == "sympy":
        return _expression(info)
    inputs = task["inputs"]
    if task["vector"]:  # a whole vector per call (softmax)
        vec = inputs[point]
        arr = np.array(vec, dtype=np.float64)
        call = _call(info["object"], arr, 4 * len(vec) * len(vec))
        call["input_after"] = _input_after(arr)
    elif point is None:  # every input at once, as one array
        arr = np.array(inputs, dtype=np.float64)
        call = _call(info["object"], arr, 4 * len(inputs))
        call["input_after"] = _input_after(arr)
    else:  # one input, as a NumPy float64 scalar
        call = _call(info["object"], _float64(inputs[point]), 4)
    return {"style": "numpy", "call": call}


def _expression(info: dict[str, Any], differentiate: bool = False) -> dict[str, Any]:
    """A zero-argument function's SymPy expression (or its ``sympy.diff``), as ``srepr``
    text for the parent. Differentiating here keeps a blow-up (the product rule on a
    product of a thousand factors) inside the sandbox and its time limit; the parent
    only reads bounded text."""
    try:
        expr = info["object"]()
        if isinstance(expr, int | float) and not isinstance(expr, bool):
            expr = sympy.Float(expr)
        if not isinstance(expr, sympy.Basic):
            return {
                "style": "sympy",
                "error": f"returned {type(expr).__name__[:40]}, not a SymPy expression in x",
            }
        others = sorted(str(s) for s in expr.free_symbols if str(s) != "x")
        if others:
            return {
                "style": "sympy",
                "error": f"the expression uses {', '.join(others)[:80]}; only the symbol x is "
                "allowed",
            }
        if differentiate:  # in the real x, whatever assumptions the student's x carries
            x = sympy.Symbol("x", real=True)
            expr = sympy.diff(expr.xreplace({s: x for s in expr.free_symbols}), x)
        text = sympy.srepr(expr)
    except BaseException as exc:
        return {"style": "sympy", "error": _describe(exc)}
    if len(text) > MAX_SREPR_CHARS:
        return {"style": "sympy", "error": "returned an expression too large to grade"}
    return {"style": "sympy", "srepr": text, "expr": str(expr)[:200]}


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
    cmd_fd: int,
    path: str,
    plan: dict[str, Any],
    workdir: str,
    limits: dict[str, float],
    missing: list[str],
) -> None:
    """Worker entry point, in the contained child (see ``server.py``): report the
    containment, import, then answer commands until the parent closes the pipe."""
    channel = _Channel(result_fd, cmd_fd)
    channel.send({"type": "contained", "missing": list(missing)})
    del limits  # enforced by the walls (rlimits) and the parent's clocks
    _settle()
    try:
        loaded = _loading.load(path, workdir, plan.get("load", {}), _describe)
        found = _discover(loaded.namespace, plan, loaded.files, loaded.modules)
    except _loading.LoadError as exc:  # already worded for the student
        channel.send({"type": "import_error", "error": str(exc)[:MAX_ERROR_CHARS]})
        return
    except BaseException as exc:
        channel.send({"type": "import_error", "error": _describe(exc)})
        return
    channel.send({"type": "ready", "found": _public(found), "notes": list(loaded.notes)})
    tasks = plan["tasks"]
    while True:
        command = channel.receive()
        if command is None:
            return
        try:
            data = _answer(found, tasks[command["task"]], command["point"])
        except BaseException as exc:  # a hostile object broke the worker itself
            data = {"style": "numpy", "call": {"error": _describe(exc)}}
        channel.send({"type": "reply", "seq": command["seq"], "data": data})
