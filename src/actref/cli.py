"""The ``actref`` command: list, show (and, as they land, plot, verify, grade).

User mistakes (unknown names, bad parameters, unreadable files) end with one line on
stderr and exit status 2, never a traceback. Nothing the user types is evaluated:
parameters are parsed as floats.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import sympy

from actref import registry
from actref.registry import Activation


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line, exit status 2."""


def resolve(name: str, param_pairs: Sequence[str] = ()) -> Activation:
    """The activation a user named on the command line, or a :class:`UsageError`."""
    try:
        params = registry.parse_params(param_pairs)
        return registry.get(name, **params)
    except (LookupError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


# ------------------------------------------------------------------------------ list
def _add_list(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list", help="table of functions, parameters and kinks")
    p.set_defaults(run=_run_list)


def _format_kinks(act: Activation) -> str:
    if not act.kinks:
        return "-"
    return ", ".join(
        f"{k.at:g} (f'={k.grad:.6g}{'' if k.continuous else ', jump'})" for k in act.kinks
    )


def _run_list(args: argparse.Namespace) -> int:
    rows = [("name", "parameters", "kinks (derivative used there)", "description")]
    for act in registry.all_activations():
        params = ", ".join(f"{k}={v:g}" for k, v in act.params.items()) or "-"
        rows.append((act.name, params, _format_kinks(act), act.summary))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for i, row in enumerate(rows):
        line = "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True))
        print(f"{line}  {row[3]}".rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * len(row[3]))
    return 0


# ------------------------------------------------------------------------------ show
def _add_show(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    act = resolve(args.name, args.param)
    render = sympy.latex if args.latex else (lambda e: sympy.pretty(e, use_unicode=True))
    print(f"{act}: {act.summary}")
    if act.params:
        print("parameters: " + ", ".join(f"{k}={v:g}" for k, v in act.params.items()))
    print("\nf(x) =")
    print(render(act.expr))
    print("\nf'(x) =  (sympy.diff)")
    print(render(sympy.simplify(act.dexpr) if not act.kinks else act.dexpr))
    print(f"\nkinks: {_format_kinks(act)}")
    return 0


# ---------------------------------------------------------------------------- verify
def _add_verify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "verify",
        help="run every check (oracle ULPs, finite differences, laws); exit 1 on failure",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="functions to verify (default: all)")
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="table or a JSON list"
    )
    p.set_defaults(run=_run_verify)


def _run_verify(args: argparse.Namespace) -> int:
    import json

    from actref.verify import format_table, verify

    acts = [resolve(n) for n in args.names] if args.names else registry.all_activations()
    reports = verify(acts)
    if args.format == "json":
        print(json.dumps([r.as_json() for r in reports], indent=2))
    else:
        print(format_table(reports))
    return 0 if all(r.ok for r in reports) else 1


# ------------------------------------------------------------------------------ main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actref",
        description="Reference activation functions: NumPy and SymPy, proven against each other.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (_add_list, _add_show, _add_verify):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"actref {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `actref list | head`
        return 0
