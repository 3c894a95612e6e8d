"""``actref list`` (a table of functions, parameters and kinks) and ``actref show``
(a formula and its derivative, pretty or LaTeX)."""

from __future__ import annotations

import argparse
import json
import math

import sympy

from actref import families, registry
from actref import symbolic as sym
from actref.commands.common import UsageError, resolve
from actref.commands.vectors import print_vector_list, show_vector
from actref.registry import Activation


def add_list(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list", help="table of functions, parameters and kinks")
    p.add_argument("--format", default="text", metavar="FMT", help="text (default) or json")
    p.set_defaults(run=_run_list)


def _format_kinks(act: Activation) -> str:
    if not act.kinks:
        return "-"
    return ", ".join(
        f"{k.at:g} (f'={k.grad:.6g}{'' if k.continuous else ', jump'})" for k in act.kinks
    )


def _run_list(args: argparse.Namespace) -> int:
    if args.format not in ("text", "json"):
        raise UsageError(f"--format {args.format!r} is not known; accepted: text, json")
    if args.format == "json":
        doc = [
            {
                "name": act.name,
                "family": families.family(act),
                "summary": act.summary,
                # keras' max_value=None (no cap) is inf here, null in JSON
                "params": {k: v if math.isfinite(v) else None for k, v in act.params.items()},
                "kinks": [
                    {
                        "at": k.at,
                        "grad": k.grad,
                        "left": k.left,
                        "right": k.right,
                        "continuous": k.continuous,
                    }
                    for k in act.kinks
                ],
            }
            for act in registry.all_activations()
        ]
        print(json.dumps(doc, indent=2, allow_nan=False))
        return 0
    header = ("name", "parameters", "kinks (derivative used there)", "description")
    groups = families.grouped(registry.all_activations())
    rows: list[tuple[str, ...]] = [header]
    for _, acts in groups:
        for act in acts:
            params = ", ".join(f"{k}={v:g}" for k, v in act.params.items()) or "-"
            rows.append((act.name, params, _format_kinks(act), act.summary))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]

    def show(row: tuple[str, ...]) -> None:
        line = "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True))
        print(f"{line}  {row[3]}".rstrip())

    show(header)
    print("  ".join("-" * w for w in widths) + "  " + "-" * len(header[3]))
    done = 1
    for name, acts in groups:  # the elementwise families, then the vector groups
        print(f"\n[{name}: {families.description(name)}]")
        for row in rows[done : done + len(acts)]:
            show(row)
        done += len(acts)
    print_vector_list()
    return 0


def add_show(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("show", help="formula and derivative of one function")
    p.add_argument("name", help="activation name (see `actref list`)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="bind a parameter, e.g. --param alpha=0.5 (repeatable)",
    )
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    p.set_defaults(run=_run_show)


def _run_show(args: argparse.Namespace) -> int:
    shown = show_vector(args)
    if shown is not None:
        return shown
    act = resolve(args.name, args.param)
    render = sympy.latex if args.latex else (lambda e: sympy.pretty(e, use_unicode=True))
    print(f"{act}: {act.summary}")
    if act.params:
        print("parameters: " + ", ".join(f"{k}={v:g}" for k, v in act.params.items()))
    print("\nf(x) =")
    shown = act.display_expr  # parameters as typed (0.01), not their binary fractions
    print(render(shown))
    print("\nf'(x) =  (sympy.diff)")
    dshown = sym.derivative(shown)
    print(render(sympy.simplify(dshown) if not act.kinks else dshown))
    print(f"\nkinks: {_format_kinks(act)}")
    return 0
