"""What a worker sends, read strictly: anything unexpected is :class:`Malformed`.

Replies are newline-delimited JSON (never ``pickle``), parsed with no huge integers
and no nesting bombs (:func:`strict_loads`), then validated field by field: sizes,
finite lengths, known styles, shapes that match their values. A SymPy answer arrives
as ``srepr`` text and is rebuilt here by :mod:`actref.grading.expression`, never
evaluated as Python. The worker is hostile territory: nothing it says is trusted
beyond what these functions check.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from actref.grading import contain, expression, worker
from actref.grading.plan import ROLES, STYLES, Call, Found, Plan


class Malformed(Exception):
    """A message from the worker that is not what the protocol allows."""


def strict_loads(line: bytes) -> Any:
    """JSON with no huge integers, no nesting bombs: any problem is malformed."""

    def small_int(text: str) -> int:
        if len(text) > 20:
            raise ValueError("integer too long")
        return int(text)

    try:
        return json.loads(line, parse_int=small_int)
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise Malformed("not JSON") from None


def parse_contained(msg: Any) -> tuple[str, ...]:
    missing = msg.get("missing") if msg.get("type") == "contained" else None
    if not isinstance(missing, list) or not all(m in contain.PROTECTIONS for m in missing):
        raise Malformed("no containment report")
    return tuple(dict.fromkeys(missing))


@dataclass(frozen=True)
class StudentExpression:
    """A SymPy answer as the grader holds it: the tree it evaluates, and the student's
    own text of it (for display only, never read)."""

    tree: expression.Node
    shown: str


def parse_expression(data: Any) -> StudentExpression | str:
    """The reply to a SymPy function's call: its expression, read here; or why not."""
    if not isinstance(data, dict) or data.get("style") != "sympy":
        raise Malformed("a reply of the wrong style")
    if "error" in data:
        return bounded_text(data["error"])
    try:
        return StudentExpression(
            expression.parse(data.get("srepr")), bounded_text(data.get("expr", ""), 200)
        )
    except expression.ExpressionError as exc:
        return f"returned an expression the grader does not accept ({exc})"


def parse_reply(data: Any, n_inputs: int, max_values: int) -> Call:
    if (
        not isinstance(data, dict)
        or data.get("style") != "numpy"
        or set(data) != {"style", "call"}
    ):
        raise Malformed("a reply of the wrong style")
    return _parse_call(data["call"], n_inputs, max_values)


# ------------------------------------------------------------------------ validation
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def bounded_text(v: Any, limit: int = worker.MAX_ERROR_CHARS) -> str:
    if not isinstance(v, str):
        raise Malformed("expected a string")
    return v[:limit]


def parse_found(v: Any, plan: Plan) -> dict[str, dict[str, Found]]:
    if not isinstance(v, dict):
        raise Malformed("bad ready message")
    out: dict[str, dict[str, Found]] = {}
    for fn in plan.payload["functions"]:
        ref = fn["reference"]
        entry = v.get(ref)
        if not isinstance(entry, dict):
            raise Malformed(f"no entry for {ref}")
        roles: dict[str, Found] = {}
        for role in ROLES:
            info = entry.get(role)
            if not isinstance(info, dict) or info.get("style") not in STYLES:
                raise Malformed(f"bad entry for {ref}")
            name = info.get("name")
            roles[role] = Found(
                info["style"],
                None if name is None else bounded_text(name, 80),
                bounded_text(info.get("note", ""), 300),
                bounded_text(info.get("recognised", ""), 200),
            )
        out[ref] = roles
    return out


def parse_notes(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or len(v) > 8:
        raise Malformed("bad notes")
    return tuple(bounded_text(n) for n in v)


def _floats(v: Any, limit: int) -> tuple[float, ...]:
    if not isinstance(v, list) or len(v) > limit:
        raise Malformed("bad list of numbers")
    out = []
    for item in v:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise Malformed("not a number")
        out.append(float(item))
    return tuple(out)


def _parse_call(v: Any, n_inputs: int, max_values: int) -> Call:
    if not isinstance(v, dict):
        raise Malformed("bad call")
    after = v.get("input_after")
    input_after = None if after is None else _floats(after, n_inputs)
    if "error" in v:
        return Call(error=bounded_text(v["error"]), input_after=input_after)
    values = _floats(v.get("values"), max_values)
    shape_raw = v.get("shape")
    if (
        not isinstance(shape_raw, list)
        or len(shape_raw) > 8
        or not all(_is_int(s) and 0 <= s <= max_values for s in shape_raw)
    ):
        raise Malformed("bad shape")
    shape = tuple(int(s) for s in shape_raw)
    if math.prod(shape) != len(values):
        raise Malformed("shape does not match the values")
    return Call(values=values, shape=shape, input_after=input_after)
