"""The rubric: which functions to grade, under which names, for how many points.

A rubric is a TOML file (read with :mod:`tomllib`); :func:`load_rubric` validates all
of it before any submission runs and raises :class:`RubricError` with one line naming
the key and the problem. The default rubric, for the classic homework, ships inside
the package (``default_rubric.toml``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from actref import registry, vectors
from actref.grading.custom import build
from actref.grading.expression import ExpressionError
from actref.grading.worker import normalise
from actref.registry import Activation

PARTS = ("value", "derivative", "stability", "vectorized", "input-unchanged")
# functions of a whole 1-D vector, not elementwise: the table of actref.vectors
VECTOR_FUNCTIONS = tuple(vectors.vector_names())
_VECTOR_LIST = ", ".join(VECTOR_FUNCTIONS)
# who sees a part's result on Gradescope (its ``visibility`` field)
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

_DEFAULT_POINTS = {
    "value": 1.0,
    "derivative": 1.0,
    "stability": 1.0,
    "vectorized": 0.5,
    "input-unchanged": 0.5,
}
# upper bounds: a rubric cannot make one submission hold the batch for days
MAX_SECONDS = {"call_timeout": 600.0, "import_timeout": 600.0, "submission_timeout": 3600.0}
MAX_MEMORY_MB = 16384
_DEFAULT_PATTERNS = ("{name}_derivative", "{name}_grad", "{name}_prime", "d_{name}")
DERIVATIVE_INPUTS = ("x", "output", "either")
# spellings of a rubric parameter in a student's signature (``leaky_relu(x, alpha=0.1)``)
_DEFAULT_PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "negative_slope": ("alpha", "slope", "negative_slope", "leak", "a", "leakage", "neg_slope"),
}
# the boolean parameter of a flag derivative ``sigmoid(x, deriv=True)``
_DEFAULT_FLAG_NAMES: tuple[str, ...] = (
    "deriv",
    "derivative",
    "grad",
    "gradient",
    "backward",
    "prime",
    "diff",
)


class RubricError(ValueError):
    """The rubric is not valid; the message names the key and the problem."""


@dataclass(frozen=True)
class Tolerance:
    """``|actual - expected| <= atol + rtol * |expected|``; SymPy answers use the
    ``symbolic_`` pair (they are evaluated at 60 digits)."""

    rtol: float = 1e-6
    atol: float = 1e-9
    symbolic_rtol: float = 1e-12
    symbolic_atol: float = 1e-12


@dataclass(frozen=True)
class Limits:
    """Wall-clock limits in seconds and the memory a submission may add, in MiB."""

    call_timeout: float = 2.0
    import_timeout: float = 10.0
    submission_timeout: float = 60.0
    memory_mb: int = 512


@dataclass(frozen=True)
class RubricFunction:
    """One function to grade: the reference it is judged against and its spellings.

    ``reference`` is the function's id in every report and message (the rubric's
    ``id``, by default its ``reference``); ``catalogue`` the catalogue entry it is
    judged against, or ``""`` for a function of the rubric's own (``expr``).
    """

    reference: str
    names: tuple[str, ...]
    derivative_names: tuple[str, ...]
    params: tuple[tuple[str, float], ...]
    points: tuple[tuple[str, float], ...]
    derivative_input: str = "either"
    param_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    catalogue: str | None = None  # None: the same as reference
    expr: str | None = None  # the rubric's own formula (infix text) ...
    derivative_expr: str | None = None  # ... and, optionally, its derivative
    visibility: tuple[tuple[str, str], ...] = ()  # per part; "visible" when absent

    @property
    def base(self) -> str:
        """The catalogue name judged against (``""`` for a custom ``expr``)."""
        if self.expr is not None:
            return ""
        return self.reference if self.catalogue is None else self.catalogue

    @property
    def is_vector(self) -> bool:
        """True for functions of a whole vector (softmax), False for elementwise ones."""
        return self.base in VECTOR_FUNCTIONS

    def activation(self) -> Activation:
        """The reference activation with the rubric's parameters (elementwise only)."""
        if self.expr is not None:
            return build(self.reference, self.expr, self.derivative_expr, self.params)
        return registry.get(self.base, **dict(self.params))

    def part_visibility(self, part: str) -> str:
        """Who sees this part's result on Gradescope."""
        return dict(self.visibility).get(part, "visible")

    def max_points(self, part: str) -> float:
        """Points the part is worth."""
        return dict(self.points)[part]


@dataclass(frozen=True)
class Rubric:
    """A validated rubric."""

    source: str
    functions: tuple[RubricFunction, ...]
    tolerance: Tolerance = Tolerance()
    limits: Limits = Limits()
    stdin: str = ""
    flag_names: tuple[str, ...] = _DEFAULT_FLAG_NAMES

    @property
    def max_score(self) -> float:
        """The sum of every part's points."""
        return sum(p for f in self.functions for _, p in f.points)

    def with_call_timeout(self, seconds: float) -> Rubric:
        """A copy whose per-call limit is ``seconds``; the per-submission limit grows
        to at least 5 calls' worth so a longer call limit is not cut short by it."""
        limits = replace(
            self.limits,
            call_timeout=seconds,
            submission_timeout=max(self.limits.submission_timeout, 5 * seconds),
        )
        return replace(self, limits=limits)


def default_rubric_path() -> str:
    """Where the default rubric (the classic homework) lives inside the package."""
    return str(resources.files("actref.grading").joinpath("default_rubric.toml"))


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read and validate a rubric; ``None`` means the default one.

    Raises
    ------
    RubricError
        One line: the file, the key (``function[2].points.value``) and the problem.
    """
    if path is None:
        text = resources.files("actref.grading").joinpath("default_rubric.toml").read_text()
        source = "default rubric"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise RubricError(f"rubric {source}: cannot read it ({reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric {source}: not valid TOML ({exc})") from None
    try:
        return _parse(data, source)
    except _KeyProblem as exc:
        raise RubricError(f"rubric {source}: {exc.key}: {exc.problem}") from None


# ------------------------------------------------------------------------- validation
class _KeyProblem(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def _table(data: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise _KeyProblem(key, f"must be a table, got {_kind(data)}")
    return data


def _known_keys(table: Mapping[str, Any], key: str, accepted: tuple[str, ...]) -> None:
    for k in table:
        if k not in accepted:
            where = f"{key}.{k}" if key else k
            raise _KeyProblem(where, f"unknown key (accepted: {', '.join(accepted)})")


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        str: "a string",
        list: "an array",
        dict: "a table",
        int: "an integer",
        float: "a float",
    }.get(type(value), type(value).__name__)


def _number(value: Any, key: str, *, minimum: float, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _KeyProblem(key, f"must be a number, got {_kind(value)} {value!r}")
    v = float(value)
    ok = math.isfinite(v) and (v > minimum if strict else v >= minimum)
    if not ok:
        relation = ">" if strict else ">="
        raise _KeyProblem(key, f"must be a finite number {relation} {minimum:g}, got {value!r}")
    return v


def _names(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _KeyProblem(key, f"must be a non-empty array of names, got {_kind(value)}")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name.isidentifier():
            raise _KeyProblem(f"{key}[{i}]", f"must be a Python identifier, got {name!r}")
    return tuple(value)


def _points(value: Any, key: str, base: Mapping[str, float]) -> dict[str, float]:
    table = _table(value, key)
    _known_keys(table, key, PARTS)
    out = dict(base)
    for part, pts in table.items():
        out[part] = _number(pts, f"{key}.{part}", minimum=0.0)
    return out


def _parse(data: Mapping[str, Any], source: str) -> Rubric:
    _known_keys(
        data,
        "",
        (
            "tolerance",
            "limits",
            "points",
            "spellings",
            "function",
            "derivative_input",
            "stdin",
            "visibility",
        ),
    )
    base_visibility = _visibility(data.get("visibility", "visible"), "visibility", {})
    derivative_input = _derivative_input(
        data.get("derivative_input", "either"), "derivative_input"
    )
    stdin = data.get("stdin", "")
    if not isinstance(stdin, str):
        raise _KeyProblem("stdin", f"must be a string (what input() reads), got {_kind(stdin)}")

    tol_table = _table(data.get("tolerance", {}), "tolerance")
    _known_keys(tol_table, "tolerance", ("rtol", "atol", "symbolic_rtol", "symbolic_atol"))
    tolerance = Tolerance(
        **{k: _number(v, f"tolerance.{k}", minimum=0.0) for k, v in tol_table.items()}
    )

    lim_table = _table(data.get("limits", {}), "limits")
    _known_keys(
        lim_table, "limits", ("call_timeout", "import_timeout", "submission_timeout", "memory_mb")
    )
    lim: dict[str, Any] = {}
    for k, v in lim_table.items():
        if k == "memory_mb":
            if isinstance(v, bool) or not isinstance(v, int) or not 64 <= v <= MAX_MEMORY_MB:
                raise _KeyProblem(
                    "limits.memory_mb", f"must be an integer from 64 to {MAX_MEMORY_MB}, got {v!r}"
                )
            lim[k] = v
        else:
            lim[k] = _number(v, f"limits.{k}", minimum=0.0, strict=True)
            if lim[k] > MAX_SECONDS[k]:
                raise _KeyProblem(
                    f"limits.{k}", f"must be at most {MAX_SECONDS[k]:g} seconds, got {v!r}"
                )
    limits = Limits(**lim)

    base_points = _points(data.get("points", {}), "points", _DEFAULT_POINTS)

    spell = _table(data.get("spellings", {}), "spellings")
    _known_keys(
        spell,
        "spellings",
        ("derivative_patterns", "name_patterns", "parameter_names", "flag_names"),
    )
    name_patterns = _patterns(spell, "name_patterns", ("{name}",))
    param_names = dict(_DEFAULT_PARAM_NAMES)
    if "parameter_names" in spell:
        table = _table(spell["parameter_names"], "spellings.parameter_names")
        for pname, spellings in table.items():
            param_names[pname] = _names(spellings, f"spellings.parameter_names.{pname}")
    flag_names = _DEFAULT_FLAG_NAMES
    if "flag_names" in spell:
        flag_names = _names(spell["flag_names"], "spellings.flag_names")
    patterns = _patterns(spell, "derivative_patterns", _DEFAULT_PATTERNS)

    raw_functions = data.get("function")
    if raw_functions is None:
        raise _KeyProblem("function", "missing: add at least one [[function]] table")
    if not isinstance(raw_functions, list) or not raw_functions:
        raise _KeyProblem("function", "must be a non-empty array of [[function]] tables")
    functions: list[RubricFunction] = []
    seen: set[str] = set()
    owner: dict[str, str] = {}  # normalised name -> the function it finds
    for i, raw_fn in enumerate(raw_functions):
        fn = _function(raw_fn, f"function[{i}]", base_points, patterns, seen, name_patterns)
        vis = _visibility(
            raw_fn.get("visibility", None), f"function[{i}].visibility", base_visibility
        )
        fn = replace(
            fn,
            visibility=tuple((p, vis[p]) for p in PARTS if vis[p] != "visible"),
        )
        fn = replace(
            fn,
            derivative_input=_derivative_input(
                raw_fn.get("derivative_input", derivative_input),
                f"function[{i}].derivative_input",
            ),
            param_names=tuple((p, param_names.get(p, ())) for p, _ in fn.params),
        )
        for key, names in (("names", fn.names), ("derivative_names", fn.derivative_names)):
            for name in names:
                other = owner.setdefault(normalise(name), f"{fn.reference} {key}")
                if other != f"{fn.reference} {key}":
                    raise _KeyProblem(
                        f"function[{i}].{key}",
                        f"{name!r} would also find {other} (names ignore case and underscores)",
                    )
        functions.append(fn)
    return Rubric(source, tuple(functions), tolerance, limits, stdin, flag_names)


def _visibility(value: Any, key: str, base: Mapping[str, str]) -> dict[str, str]:
    """``"hidden"`` (every part) or ``{ stability = "hidden", ... }`` (some parts)."""
    out = {p: base.get(p, "visible") for p in PARTS}
    if value is None:
        return out
    accepted = ", ".join(map(repr, VISIBILITIES))
    if isinstance(value, str):
        if value not in VISIBILITIES:
            raise _KeyProblem(key, f"must be one of {accepted}, got {value!r}")
        return dict.fromkeys(PARTS, value)
    table = _table(value, key)
    _known_keys(table, key, PARTS)
    for part, v in table.items():
        if v not in VISIBILITIES:
            raise _KeyProblem(f"{key}.{part}", f"must be one of {accepted}, got {v!r}")
        out[part] = v
    return out


def _derivative_input(value: Any, key: str) -> str:
    if value not in DERIVATIVE_INPUTS:
        raise _KeyProblem(
            key, f"must be one of {', '.join(map(repr, DERIVATIVE_INPUTS))}, got {value!r}"
        )
    return str(value)


def _patterns(spell: Mapping[str, Any], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if name not in spell:
        return default
    raw = spell[name]
    key = f"spellings.{name}"
    if not isinstance(raw, list):
        raise _KeyProblem(key, f"must be an array of patterns, got {_kind(raw)}")
    for i, pattern in enumerate(raw):
        ok = isinstance(pattern, str) and "{name}" in pattern
        if not ok or not pattern.replace("{name}", "f").isidentifier():
            raise _KeyProblem(
                f"{key}[{i}]",
                f"must be an identifier containing {{name}} (e.g. d_{{name}}), got {pattern!r}",
            )
    return tuple(raw)


def _function(
    raw: Any,
    key: str,
    base_points: Mapping[str, float],
    patterns: tuple[str, ...],
    seen: set[str],
    name_patterns: tuple[str, ...] = ("{name}",),
) -> RubricFunction:
    table = _table(raw, key)
    _known_keys(
        table,
        key,
        (
            "id",
            "reference",
            "expr",
            "derivative_expr",
            "names",
            "derivative_names",
            "params",
            "points",
            "derivative_input",
            "visibility",
        ),
    )
    ref, fid, expr, dexpr = _identity(table, key)
    if fid in seen:
        hint = "; give each an id of its own" if "id" not in table else ""
        where = "id" if "id" in table else "reference"
        raise _KeyProblem(f"{key}.{where}", f"{fid!r} is graded twice{hint}")
    seen.add(fid)

    params_table = _table(table.get("params", {}), f"{key}.params")
    params: dict[str, float] = {}
    for name, value in params_table.items():
        params[name] = _number(value, f"{key}.params.{name}", minimum=-math.inf)
    if ref in VECTOR_FUNCTIONS and params:
        raise _KeyProblem(f"{key}.params", f"{ref} takes no parameters")
    if expr is not None:
        for name in params:
            if not name.isidentifier() or name in ("x", "pi", "E", "e"):
                raise _KeyProblem(f"{key}.params.{name}", "must be a name other than x, pi, E")
        try:
            build(fid, expr, dexpr, tuple(params.items()))
        except ExpressionError as exc:
            where = "derivative_expr" if str(exc).startswith("derivative_expr") else "expr"
            text = str(exc).removeprefix("derivative_expr ")
            raise _KeyProblem(f"{key}.{where}", text) from None
    elif ref not in VECTOR_FUNCTIONS:
        try:
            registry.get(ref, **params)
        except ValueError as exc:
            raise _KeyProblem(f"{key}.params", str(exc)) from None

    given = _names(table.get("names", [fid]), f"{key}.names")
    names = tuple(dict.fromkeys(p.replace("{name}", n) for p in name_patterns for n in given))
    if "derivative_names" in table:
        dnames = _names(table["derivative_names"], f"{key}.derivative_names")
    else:
        dnames = tuple(dict.fromkeys(p.replace("{name}", n) for n in given for p in patterns))
    points = _points(table.get("points", {}), f"{key}.points", base_points)
    return RubricFunction(
        reference=fid,
        catalogue=ref if expr is None and ref != fid else None,
        expr=expr,
        derivative_expr=dexpr,
        names=names,
        derivative_names=dnames,
        params=tuple(params.items()),
        points=tuple((p, points[p]) for p in PARTS),
    )


def _identity(table: Mapping[str, Any], key: str) -> tuple[str, str, str | None, str | None]:
    """``(catalogue name or "", id, expr, derivative_expr)`` of a [[function]] table."""
    accepted = [*registry.names(), *VECTOR_FUNCTIONS]
    ref = table.get("reference")
    expr = table.get("expr")
    dexpr = table.get("derivative_expr")
    fid = table.get("id")
    if fid is not None and (not isinstance(fid, str) or not fid.isidentifier()):
        raise _KeyProblem(f"{key}.id", f"must be a Python identifier, got {fid!r}")
    for name, v in (("expr", expr), ("derivative_expr", dexpr)):
        if v is not None and not isinstance(v, str):
            raise _KeyProblem(
                f"{key}.{name}", f"must be a formula in x as a string, got {_kind(v)}"
            )
    if expr is not None:
        if ref is not None:
            raise _KeyProblem(f"{key}.expr", "give either reference or expr, not both")
        if fid is None:
            raise _KeyProblem(f"{key}.id", "missing: a function with expr needs an id (its name)")
        return "", fid, expr, dexpr
    if dexpr is not None:
        raise _KeyProblem(f"{key}.derivative_expr", "only with expr (the catalogue has its own)")
    if not isinstance(ref, str):
        raise _KeyProblem(
            f"{key}.reference",
            f"missing or not a string (one of: {len(accepted)} names, see `actref list`, "
            f"or a vector function: {_VECTOR_LIST}; or give expr and id)",
        )
    if ref not in accepted:
        try:
            registry.get(ref)
        except registry.UnknownActivationError as exc:
            raise _KeyProblem(
                f"{key}.reference", f"{exc}, or a vector function: {_VECTOR_LIST}"
            ) from None
    return ref, fid if fid is not None else ref, None, None
