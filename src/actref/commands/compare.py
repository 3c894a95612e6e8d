"""``actref compare MODULE:FUNC --as NAME``: hold someone's implementation against the
correctly rounded reference (:func:`actref.testing.compare`), exit 1 when a bound is
broken."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from actref import registry
from actref.commands.common import UsageError


def add_compare(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "compare",
        help="hold your implementation against the correctly rounded reference",
        description="Call MODULE:FUNC on the hard input set and compare every result with the "
        "correctly rounded true value (mpmath oracle). Exit status 1 when a bound given by "
        "--max-ulp/--atol/--rtol is broken, 2 for a usage error.",
    )
    p.add_argument(
        "target", metavar="MODULE:FUNC", help="e.g. mykernels:gelu or path/to/file.py:gelu"
    )
    p.add_argument(
        "--as", dest="name", required=True, metavar="NAME", help="the activation it implements"
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of NAME, e.g. --param negative_slope=0.1 (repeatable)",
    )
    p.add_argument(
        "--dtype", default="float64", metavar="DTYPE", help="float64 (default), float32 or float16"
    )
    p.add_argument("--derivative", action="store_true", help="FUNC is the derivative of NAME")
    p.add_argument("--format", default="text", metavar="FMT", help="text (default), json or md")
    p.add_argument("--max-ulp", metavar="N", help="bound: error in ULPs of DTYPE")
    p.add_argument(
        "--atol", metavar="A", help="bound: absolute error (with --rtol: atol + rtol*|x|)"
    )
    p.add_argument("--rtol", metavar="R", help="bound: relative error")
    p.add_argument(
        "--count-underflow",
        action="store_true",
        help="count tiny true values returned as 0 (flush to zero) as errors",
    )
    p.add_argument(
        "--convert",
        metavar="MODULE:FUNC",
        help="turns the NumPy input into what FUNC takes, e.g. torch:from_numpy",
    )
    p.set_defaults(run=_run_compare)


def _load_callable(target: str, option: str) -> object:
    """``module:attr.attr`` or ``path/file.py:attr`` as an object, or a UsageError."""
    import importlib
    import importlib.util

    module_name, sep, attr = target.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"{option} {target!r} is not MODULE:FUNC (e.g. mykernels:gelu)")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"{option} {target!r}: file {module_name!r} does not exist")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or spec.loader is None:
                raise UsageError(f"{option} {target!r}: cannot load {module_name!r}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
        else:
            if "" not in sys.path and os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())  # like `python -m`: the current directory
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 -- the user's module failing to import is theirs
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise UsageError(
            f"{option} {target!r}: importing {module_name!r} failed ({type(exc).__name__}: {first})"
        ) from None
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UsageError(f"{option} {target!r}: {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(f"{option} {target!r} is not a function (it is {type(obj).__name__})")
    return obj


def _bound_option(raw: str | None, option: str) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise UsageError(f"{option} {raw!r} is not accepted; give a finite number >= 0")
    return value


def _run_compare(args: argparse.Namespace) -> int:
    from actref import testing

    if args.format not in ("text", "json", "md"):
        raise UsageError(f"--format {args.format!r} is not known; accepted: text, json, md")
    if args.dtype not in ("float64", "float32", "float16"):
        raise UsageError(
            f"--dtype {args.dtype!r} is not known; accepted: float64, float32, float16"
        )
    max_ulp = _bound_option(args.max_ulp, "--max-ulp")
    atol = _bound_option(args.atol, "--atol")
    rtol = _bound_option(args.rtol, "--rtol")
    bounded = not (max_ulp is None and atol is None and rtol is None)
    try:
        params = registry.parse_params(args.param)
        testing.reference_inputs(args.name, args.dtype, params)  # the name and params, checked
    except (LookupError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    fn = _load_callable(args.target, "compare")
    convert = _load_callable(args.convert, "--convert") if args.convert else None
    assert callable(fn)  # _load_callable checked both
    assert convert is None or callable(convert)
    try:
        report = testing.compare(
            fn,
            args.name,
            params=params,
            dtype=args.dtype,
            derivative=args.derivative,
            ignore_underflow=not args.count_underflow,
            convert_input=convert,
        )
    except Exception as exc:  # noqa: BLE001 -- FUNC raising: one line, not a traceback
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise UsageError(f"{args.target} failed: {type(exc).__name__}: {first}") from None
    failures = report.failures(max_ulp, atol or 0.0, rtol or 0.0) if bounded else ()
    n_bad = int(report.failing(max_ulp, atol or 0.0, rtol or 0.0).sum()) if bounded else 0
    bound = testing.bound_text(max_ulp, atol or 0.0, rtol or 0.0, report.default_max_ulp)
    if args.format == "json":
        data = report.as_dict()
        if bounded:
            data["bound"] = {"max_ulp": max_ulp, "atol": atol, "rtol": rtol}
            data["ok"] = not failures
            data["failures"] = n_bad
        print(json.dumps(data, indent=2, allow_nan=False))
    else:
        print(report.format(args.format))
        if bounded:
            lead = "\n## verdict\n" if args.format == "md" else ""
            if failures:
                print(
                    f"{lead}\nFAIL: {n_bad} of {report.got.size} entries off by more than {bound}:"
                )
                for m in failures[:5]:
                    print(f"  {m.describe(report.label, report.params_text)}")
            else:
                print(f"{lead}\nOK: every entry within {bound}")
    return 1 if failures else 0
