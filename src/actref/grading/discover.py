"""Finding the rubric's functions in a loaded submission, as students really write them.

Runs inside the sandboxed worker (loaded by path from :mod:`worker`): it imports
nothing from actref. Given the submission's namespace it returns, per rubric function
and role (``forward``, ``derivative``), a dict ``{"style", "name", "note", "object",
"recognised"}``: ``style`` is ``numpy`` (``object`` is a one-argument callable),
``sympy`` (``object`` takes no argument and returns a SymPy expression) or
``missing`` (``note`` says what was seen instead).

What is recognised, in order of preference for each spelling of a name:

- module functions and lambdas (the classic case, unchanged);
- ``@staticmethod``/``@classmethod``s of the submission's classes, and methods of an
  instance of a class that can be built without arguments (``Activation().sigmoid``);
- layer classes named like the function (``class Sigmoid``) with ``forward(x)``
  (or ``__call__``) and ``backward(grad)`` / ``derivative(x)`` / ``grad`` / ``prime``;
- zero-argument factories returning ``(f, f')`` (or just ``f``);
- one-argument SymPy functions (``f(Symbol("x"))`` is an expression), and SymPy
  expressions assigned to a name;
- flag derivatives ``f(x, deriv=True)``; parameters named like the rubric's
  (``alpha``, ``slope`` ...) are bound to the rubric's value;
- softmax written for a batch (``axis=1``) is called on ``x[None, :]``.

Every call made here to decide (a factory, a class constructor, a SymPy probe) runs
under a short alarm; the parent's import clock is the backstop.
"""

# Student code may raise anything, SystemExit included: catching it all is the point.
# ruff: noqa: BLE001

from __future__ import annotations

import contextlib
import functools
import inspect
import signal
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import sympy

PROBE_SECONDS = 0.5
DERIVATIVE_METHODS = (
    "derivative",
    "deriv",
    "grad",
    "gradient",
    "prime",
    "df",
    "backward",
    "backprop",
    "diff",
)
FORWARD_METHODS = ("forward", "__call__", "activate", "activation", "function", "f", "compute")
_DERIVATIVE_HINTS = ("der", "grad", "prime", "back", "diff", "slope", "d")
_GENERIC = ("nonlin", "activation", "activate", "act", "func", "layer")
_X = sympy.Symbol("x")


def normalise(name: str) -> str:
    """How names are compared: case and underscores ignored."""
    return name.replace("_", "").lower()


class _ProbeTimeout(BaseException):
    pass


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise :class:`_ProbeTimeout` in this thread after ``seconds``."""

    def ring(signum: int, frame: Any) -> None:
        raise _ProbeTimeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _probe(fn: Callable[[], Any]) -> tuple[bool, Any]:
    """``(True, fn())`` or ``(False, None)`` if it raised or took too long."""
    try:
        with _alarm(PROBE_SECONDS):
            return True, fn()
    except BaseException:
        return False, None


# ----------------------------------------------------------------------- signatures
def _params(fn: Any) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None


def required_positional(fn: Any) -> int | None:
    """How many positional arguments ``fn`` needs (None: unknown)."""
    params = _params(fn)
    if params is None:
        return None
    return sum(
        1
        for p in params
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )


def takes_argument(fn: Any) -> bool:
    """Can ``fn`` be given one positional argument?"""
    params = _params(fn)
    if params is None:
        return True
    return any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params
    )


def array_callable(fn: Any) -> bool:
    """Is ``fn`` meant to be called with an array even if it needs no argument? Only a
    plain function (or method) with no positional parameter at all is a zero-argument
    SymPy function or factory: ``f(x=0.0)``, ``np.vectorize``, ``functools.partial`` and
    callable objects are array functions (a student must not dodge the array checks by
    giving ``x`` a default)."""
    if not (inspect.isfunction(fn) or inspect.ismethod(fn)):
        return True
    return takes_argument(fn)


def _signature_text(name: str, fn: Any) -> str:
    params = _params(fn)
    if params is None:
        return f"{name}(...)"
    return f"{name}({', '.join(p.name for p in params)})"


# ----------------------------------------------------------------------- ownership
class Owner:
    """Tells the submission's own objects from imported ones."""

    def __init__(self, files: set[str], modules: set[str]) -> None:
        self.files = files
        self.modules = modules

    def __call__(self, obj: Any) -> bool:
        if inspect.isfunction(obj):
            return bool(obj.__code__.co_filename in self.files)
        if inspect.ismethod(obj):
            return self(obj.__func__)
        if isinstance(obj, np.vectorize):
            return self(obj.pyfunc)
        if isinstance(obj, functools.partial):
            return self(obj.func)
        if inspect.isclass(obj):
            return bool(obj.__module__ in self.modules)
        return bool(type(obj).__module__ in self.modules)


def _origin(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    name = getattr(obj, "__name__", type(obj).__name__)
    return f"{module}.{name}" if module else str(name)


# ----------------------------------------------------------------------- candidates
class _Candidate:
    """Something callable the submission defines, under a name a rubric may use."""

    def __init__(self, name: str, obj: Any, recognised: str, shown: str) -> None:
        self.name = name  # matched against the rubric's spellings
        self.obj = obj
        self.recognised = recognised  # "" for a plain module function
        self.shown = shown  # how the feedback names it


def _is_expression(obj: Any) -> bool:
    return isinstance(obj, sympy.Basic) and bool(obj.free_symbols)


def _instance(cls: type, kwargs: dict[str, Any] | None = None) -> Any:
    """``cls(**kwargs)`` if it can be built so, else None."""
    kwargs = kwargs or {}
    params = _params(cls)
    if params is None:
        return None
    for p in params:
        needed = p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        if needed and p.name not in kwargs:
            return None
    ok, inst = _probe(functools.partial(cls, **kwargs))
    return inst if ok and isinstance(inst, cls) else None


def _class_candidates(cls: type, owner: Owner) -> list[_Candidate]:
    out: list[_Candidate] = []
    inst: Any = None
    tried = False
    for klass in cls.__mro__:
        if not owner(klass):
            continue
        for attr, raw in vars(klass).items():
            if attr.startswith("__"):
                continue
            shown = f"{cls.__name__}.{attr}"
            if isinstance(raw, staticmethod):
                out.append(_Candidate(attr, getattr(cls, attr), f"static method {shown}", shown))
            elif isinstance(raw, classmethod):
                out.append(_Candidate(attr, getattr(cls, attr), f"class method {shown}", shown))
            elif inspect.isfunction(raw):
                if not tried:
                    inst, tried = _instance(cls), True
                if inst is None:
                    continue
                ok, bound = _probe(functools.partial(getattr, inst, attr))
                if ok:
                    out.append(_Candidate(attr, bound, f"method {cls.__name__}().{attr}", shown))
    return out


def candidates(namespace: dict[str, Any], owner: Owner) -> tuple[list[_Candidate], list[type]]:
    """Module-level candidates first, then class members; and the submission's classes."""
    module_level: list[_Candidate] = []
    members: list[_Candidate] = []
    classes: list[type] = []
    for attr, obj in list(namespace.items()):
        if attr.startswith("__"):
            continue
        if inspect.isclass(obj):
            if owner(obj):
                classes.append(obj)
                members += _class_candidates(obj, owner)
            else:  # sympy.tanh is a class: found, then reported as imported
                module_level.append(_Candidate(attr, obj, "", attr))
            continue
        if _is_expression(obj):
            module_level.append(
                _Candidate(attr, obj, f"SymPy expression {attr} = {str(obj)[:40]}", attr)
            )
        elif callable(obj):
            module_level.append(_Candidate(attr, obj, "", attr))
    return module_level + members, classes


# ----------------------------------------------------------------------- wrapping
def _bind(fn: Any, kwargs: dict[str, Any]) -> Callable[[Any], Any]:
    def bound(x: Any) -> Any:
        return fn(x, **kwargs)

    return bound


def _param_bindings(
    fn: Any, spec: dict[str, Any], *, skip_first: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """Keyword arguments giving the rubric's parameter values; what was bound."""
    params = _params(fn)
    if not params:
        return {}, []
    if not skip_first:
        params = [params[0], *params]
    values: dict[str, float] = spec.get("params", {})
    spellings: dict[str, list[str]] = spec.get("param_names", {})
    kwargs: dict[str, Any] = {}
    said: list[str] = []
    for p in params[1:]:
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        for rubric_name, value in values.items():
            names = {normalise(n) for n in (rubric_name, *spellings.get(rubric_name, ()))}
            if normalise(p.name) in names:
                kwargs[p.name] = value
                if p.default != value:  # a default equal to the rubric's needs no word
                    word = "slope" if "slope" in rubric_name else "parameter"
                    said.append(f"{word} parameter {p.name}={value:g}")
    return kwargs, said


def _flag(fn: Any, flag_names: list[str]) -> inspect.Parameter | None:
    """The boolean ``deriv``-like parameter of ``f(x, deriv=False)``, if any."""
    params = _params(fn)
    if not params or len(params) < 2:
        return None
    wanted = {normalise(n) for n in flag_names}
    for p in params[1:]:
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        if normalise(p.name) in wanted and (p.default is p.empty or isinstance(p.default, bool)):
            return p
    return None


def _references_sympy(fn: Any) -> bool:
    code = getattr(fn, "__code__", None)
    globs = getattr(fn, "__globals__", None)
    if code is None or globs is None:
        return False
    for name in code.co_names:
        obj = globs.get(name)
        module = getattr(obj, "__name__", "") if inspect.ismodule(obj) else ""
        module = module or getattr(obj, "__module__", "") or ""
        if isinstance(module, str) and module.split(".")[0] == "sympy":
            return True
    return False


def _looks_batched(fn: Any) -> bool:
    try:
        source = inspect.getsource(fn)
    except BaseException:
        return False
    return any(key in source for key in ("axis", "keepdims", "[:,", "[:, ", ".T", "ndim"))


def batch_retry(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn(x)``; if that raises, ``fn(x[None, :])`` with the batch axis removed."""

    def call(x: Any) -> Any:
        try:
            return fn(x)
        except Exception as first:
            try:
                out = np.asarray(fn(x[None, :]))
            except Exception:
                raise first from None
            if out.ndim >= 2 and out.shape[0] == 1:
                return out[0]
            raise first from None

    return call


def _batched_softmax(fn: Any, source: Any = None) -> bool:
    """Does ``fn`` fail on a 1-D vector and work on the same vector as a 1-row batch?
    (Tried only when the source of ``source``, default ``fn``, mentions an axis.)"""
    if not _looks_batched(fn if source is None else source):
        return False
    vec = np.array([1.0, 2.0, 3.0])
    ok, out = _probe(lambda: np.shape(fn(vec.copy())))
    if ok and out in ((3,), (3, 3)):
        return False
    ok, out = _probe(lambda: np.shape(fn(vec.copy()[None, :])))
    return bool(ok and len(out) >= 2 and out[0] == 1)


# ----------------------------------------------------------------------- one role
def _entry(
    cand: _Candidate, spec: dict[str, Any], role: str, flag_names: list[str]
) -> dict[str, Any]:
    """The found-dict of one candidate: style, wrapped object, what was recognised."""
    obj = cand.obj
    said = [cand.recognised] if cand.recognised else []
    if isinstance(obj, sympy.Basic):
        expr = obj
        return _found("sympy", cand.name, lambda: expr, said)
    if inspect.isclass(obj):
        return {"style": "missing", "name": None, "note": f"{cand.shown} is a class"}
    nreq = required_positional(obj)
    flag = _flag(obj, flag_names) if role == "forward" else None
    kwargs, bound = _param_bindings(obj, spec)
    if flag is not None and flag.default is flag.empty:
        kwargs[flag.name] = False
        nreq = 1
    if nreq == 0 and not spec.get("is_vector") and not array_callable(obj):
        made = _factory(obj)
        if made is not None:
            fwd, _ = made
            if role == "forward":
                return _found("numpy", cand.name, fwd, [*said, f"factory {cand.shown}()"])
        return _found("sympy", cand.name, obj, said)
    if nreq == 1 and not spec.get("is_vector") and _references_sympy(obj):
        ok, expr = _probe(lambda: obj(_X))
        if ok and _is_expression(expr):
            text = f"SymPy function {cand.shown}(x), called with x = Symbol('x')"
            return _found("sympy", cand.name, lambda: obj(_X), [*said, text])
    fn: Callable[[Any], Any] = _bind(obj, kwargs) if kwargs else obj
    said += bound
    if spec.get("is_vector") and _batched_softmax(fn, obj):
        fn = batch_retry(fn)
        said.append("written for a batch (2-D input): called on x[None, :]")
    return _found("numpy", cand.name, fn, said)


def _found(style: str, name: str, obj: Any, said: list[str]) -> dict[str, Any]:
    return {"style": style, "name": name, "note": "", "object": obj, "recognised": "; ".join(said)}


def _factory(fn: Any) -> tuple[Any, Any] | None:
    """``(f, f')`` (f' may be None) if ``fn()`` returns functions rather than an expression."""
    ok, out = _probe(fn)
    if not ok:
        return None
    if callable(out) and not isinstance(out, sympy.Basic):
        return out, None
    pair = isinstance(out, tuple | list) and len(out) == 2
    if pair and all(callable(o) and not isinstance(o, sympy.Basic) for o in out):
        return out[0], out[1]
    return None


def _layer(
    classes: list[type], names: list[str], spec: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A layer class named like the function: its forward and derivative."""
    wanted = {normalise(n) for n in names}
    for cls in classes:
        if normalise(cls.__name__) not in wanted and normalise(cls.__name__) not in {
            w + "layer" for w in wanted
        }:
            continue
        kwargs, bound = _param_bindings(cls, spec, skip_first=False)
        inst = _instance(cls, kwargs)
        if inst is None:
            continue
        forward = next(
            (m for m in FORWARD_METHODS if m in _own_attrs(cls) and callable(getattr(inst, m))),
            None,
        )
        if forward is None:
            continue
        fwd = getattr(inst, forward)
        shown = f"{cls.__name__}().{forward}" if forward != "__call__" else f"{cls.__name__}()"
        fwd_entry = _found("numpy", cls.__name__, fwd, [f"layer {shown}", *bound])
        der_entry: dict[str, Any] = {"style": "missing", "name": None, "note": ""}
        for m in DERIVATIVE_METHODS:
            if m not in _own_attrs(cls):
                continue
            method = getattr(inst, m)
            params = _params(method) or []
            first = params[0].name.lower() if params else ""
            if m in ("backward", "backprop") and first not in ("x", "z", "input", "inputs"):
                if spec.get("is_vector"):
                    continue  # softmax's backward(ones) is J^T 1 = 0: not the derivative
                der = _backward(fwd, method)
                text = f"layer {cls.__name__}().{m}(ones) after {forward}(x)"
            else:
                der = method
                text = f"layer {cls.__name__}().{m}"
            der_entry = _found("numpy", f"{cls.__name__}.{m}", der, [text])
            break
        return fwd_entry, der_entry
    return None


def _own_attrs(cls: type) -> set[str]:
    out: set[str] = set()
    for klass in cls.__mro__:
        if klass is object:
            continue
        out |= set(vars(klass))
    return out


def _backward(forward: Any, backward: Any) -> Callable[[Any], Any]:
    def derivative(x: Any) -> Any:
        forward(x)
        return backward(np.ones_like(np.asarray(x, dtype=np.float64)))

    return derivative


# ----------------------------------------------------------------------- everything
def _find(
    cands: list[_Candidate], names: list[str], owner: Owner
) -> tuple[_Candidate | None, str]:
    """The first own candidate spelled like one of ``names``; else a note."""
    note = ""
    by_norm: dict[str, list[_Candidate]] = {}
    for c in cands:
        by_norm.setdefault(normalise(c.name), []).append(c)
    for name in names:
        matches = sorted(by_norm.get(normalise(name), []), key=lambda c: c.name != name)
        for c in matches:
            if not c.recognised and not owner(c.obj) and not isinstance(c.obj, sympy.Basic):
                note = (
                    note
                    or f"{c.name} is {_origin(c.obj)}, imported, not written in the submission"
                )
                continue
            return c, ""
    return None, note


def discover(
    namespace: dict[str, Any], plan: dict[str, Any], owner: Owner
) -> dict[str, dict[str, Any]]:
    """Per rubric function, per role, what the submission offers (see the module doc)."""
    cands, classes = candidates(namespace, owner)
    flag_names: list[str] = plan.get("flag_names", ["deriv", "derivative"])
    found: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for spec in plan["functions"]:
        entry: dict[str, Any] = {}
        for role, key in (("forward", "names"), ("derivative", "derivative_names")):
            cand, note = _find(cands, spec[key], owner)
            if cand is None:
                entry[role] = {"style": "missing", "name": None, "note": note}
                continue
            used.add(cand.shown)
            entry[role] = _entry(cand, spec, role, flag_names)
        fwd, der = entry["forward"], entry["derivative"]
        if fwd["style"] == "missing":
            layer = _layer(classes, spec["names"], spec)
            if layer is not None:
                fwd = entry["forward"] = layer[0]
                if der["style"] == "missing" and layer[1]["style"] != "missing":
                    der = entry["derivative"] = layer[1]
        if der["style"] == "missing" and fwd["style"] == "numpy":
            _add_derivative(entry, spec, flag_names, cands)
        found[spec["reference"]] = entry
    _near_misses(found, plan, cands, used, flag_names, owner)
    return found


def _add_derivative(
    entry: dict[str, Any], spec: dict[str, Any], flag_names: list[str], cands: list[_Candidate]
) -> None:
    """A factory's f', or a flag derivative ``f(x, deriv=True)``."""
    name = entry["forward"]["name"]
    cand = next((c for c in cands if c.name == name), None)
    if cand is None:
        return
    obj = cand.obj
    if required_positional(obj) == 0:
        made = _factory(obj)
        if made is not None and made[1] is not None:
            entry["derivative"] = _found(
                "numpy", f"{name}()[1]", made[1], [f"factory {cand.shown}() returning (f, f')"]
            )
        return
    flag = _flag(obj, flag_names)
    if flag is None:
        return
    kwargs, _ = _param_bindings(obj, spec)
    kwargs[flag.name] = True
    fn: Callable[[Any], Any] = _bind(obj, kwargs)
    if spec.get("is_vector") and _batched_softmax(_bind(obj, {**kwargs, flag.name: False}), obj):
        fn = batch_retry(fn)
    text = f"flag derivative {cand.shown}(x, {flag.name}=True)"
    entry["derivative"] = _found("numpy", f"{name}(x, {flag.name}=True)", fn, [text])


def _near_misses(
    found: dict[str, dict[str, Any]],
    plan: dict[str, Any],
    cands: list[_Candidate],
    used: set[str],
    flag_names: list[str],
    owner: Owner,
) -> None:
    """For a role still missing: the submission's functions that look like it."""
    unused = [
        c
        for c in cands
        if c.shown not in used
        and not isinstance(c.obj, sympy.Basic)
        and (c.recognised or owner(c.obj))
    ]
    for spec in plan["functions"]:
        stems = {normalise(n) for n in spec["names"]}
        has_forward = found[spec["reference"]]["forward"]["style"] != "missing"
        for role, key in (("forward", "names"), ("derivative", "derivative_names")):
            info = found[spec["reference"]][role]
            if info["style"] != "missing":
                continue
            close = []
            for c in unused:
                n = normalise(c.name)
                generic = n.startswith(_GENERIC) and role == "derivative" and has_forward
                related = generic or any(st in n for st in stems)
                rest = n
                for st in sorted(stems, key=len, reverse=True):
                    rest = rest.replace(st, "")
                flagged = _flag(c.obj, flag_names) is not None
                derivative_like = flagged or any(h in rest for h in _DERIVATIVE_HINTS)
                wanted = (
                    derivative_like if role == "derivative" else (flagged or not derivative_like)
                )
                if related and wanted:
                    close.append(_signature_text(c.shown, c.obj))
            if close:
                want = spec[key][0]
                text = (
                    f"your file defines {', '.join(close[:4])}; not graded — "
                    f"name {'it' if len(close) == 1 else 'them'} {want}"
                )
                info["note"] = "; ".join(t for t in (info["note"], text) if t)
