"""A JSON Schema checker for the subset ``report.schema.json`` uses.

Why not ``jsonschema``: the report's schema needs nine keywords (``type``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``enum``,
``minimum``, ``anyOf``, local ``$ref``); checking them is shorter than a dependency
(and its own dependencies) in the test group, and this checker refuses any keyword it
does not implement, so the schema cannot silently grow past what is checked.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

KNOWN = {
    "$schema", "$defs", "title", "description", "type", "properties", "required",
    "additionalProperties", "items", "enum", "minimum", "anyOf", "$ref",
}  # fmt: skip
_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "null": type(None),
    "boolean": bool,
}


def report_schema() -> dict[str, Any]:
    text = resources.files("actref.grading").joinpath("report.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _is(value: Any, kind: str) -> bool:
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def errors(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (``[]``: valid)."""
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError(f"{at}: schema keywords not implemented here: {sorted(unknown)}")
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return errors(value, root["$defs"][name], root, at)
    out: list[str] = []
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, k) for k in kinds):
            return [f"{at}: {type(value).__name__} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{at}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and _is(value, "number") and value < schema["minimum"]:
        out.append(f"{at}: {value} < {schema['minimum']}")
    if "anyOf" in schema and all(errors(value, s, root, at) for s in schema["anyOf"]):
        out.append(f"{at}: matches none of anyOf")
    if isinstance(value, dict):
        out += [f"{at}: missing {k!r}" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                out += errors(v, props[k], root, f"{at}.{k}")
            elif extra is False:
                out.append(f"{at}: unexpected key {k!r}")
            elif isinstance(extra, dict):
                out += errors(v, extra, root, f"{at}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            out += errors(v, schema["items"], root, f"{at}[{i}]")
    return out


def assert_valid_report(doc: Any) -> None:
    """``doc`` (a parsed ``--format json`` report) follows the shipped schema."""
    schema = report_schema()
    problems = errors(doc, schema, schema)
    assert problems == [], problems[:10]
