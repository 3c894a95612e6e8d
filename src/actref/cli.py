"""The ``actref`` command: list, show (and, as they land, plot, verify, grade).

User mistakes (unknown names, bad parameters, unreadable files) end with one line on
stderr and exit status 2, never a traceback. Nothing the user types is evaluated:
parameters are parsed as floats.
"""

from __future__ import annotations

import argparse
import math
import os
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


# ------------------------------------------------------------------------------ grade
def _add_grade(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "grade",
        help="judge students' activation functions against the reference (sandboxed)",
        description="Run each submission in a sandboxed worker and judge every part "
        "(value, derivative, stability, vectorized, input-unchanged) against the reference.",
    )
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="a student's .py file")
    p.add_argument("--rubric", metavar="FILE", help="rubric TOML (default: the classic homework)")
    p.add_argument(
        "--format",
        default="text",
        metavar="FMT",
        help="text (default), json, csv, junit or gradescope",
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        help="write the report here (rewritten as each submission finishes)",
    )
    p.add_argument("--jobs", default="1", metavar="N", help="submissions graded in parallel")
    p.add_argument("--timeout", metavar="S", help="wall-clock limit per call, seconds")
    p.set_defaults(run=_run_grade)


def _grade_options(args: argparse.Namespace) -> tuple[int, float | None]:
    from actref.grading.report import FORMATS

    if args.format not in FORMATS:
        raise UsageError(f"--format {args.format!r} is not known; accepted: {', '.join(FORMATS)}")
    try:
        jobs = int(args.jobs)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 256:
        raise UsageError(f"--jobs {args.jobs!r} is not accepted; give an integer from 1 to 256")
    timeout = None
    if args.timeout is not None:
        try:
            timeout = float(args.timeout)
        except ValueError:
            timeout = math.nan
        if not 0 < timeout <= 3600:
            raise UsageError(
                f"--timeout {args.timeout!r} is not accepted; give seconds, > 0 and <= 3600"
            )
    for path in args.submissions:
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            what = "is a directory" if os.path.isdir(path) else "is not a readable file"
            raise UsageError(f"submission {path!r} {what}")
    if args.format == "gradescope" and len(args.submissions) != 1:
        raise UsageError(
            "--format gradescope takes exactly one submission (Gradescope grades one at a time)"
        )
    if args.output is not None:
        folder = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise UsageError(f"--output {args.output!r}: folder {folder!r} is not writable")
    return jobs, timeout


def _write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.partial"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _run_grade(args: argparse.Namespace) -> int:
    from actref.grading import RubricError, grade_files, load_rubric
    from actref.grading import report as rep
    from actref.grading.judge import SubmissionResult

    jobs, timeout = _grade_options(args)
    try:
        rubric = load_rubric(args.rubric)
    except RubricError as exc:
        raise UsageError(str(exc)) from None
    if timeout is not None:
        rubric = rubric.with_call_timeout(timeout)

    paths: list[str] = list(args.submissions)
    done: list[SubmissionResult | None] = [None] * len(paths)
    progress = sys.stderr.isatty()
    streaming = args.output is None and args.format in ("text", "csv")

    def finished() -> list[SubmissionResult]:
        return [r for r in done if r is not None]

    def on_result(i: int, result: SubmissionResult) -> None:
        first = not finished()
        done[i] = result
        if progress:
            n = len(finished())
            bar = "#" * (30 * n // len(paths))
            print(f"\r[{bar:<30}] {n}/{len(paths)} graded", end="", file=sys.stderr, flush=True)
            if n == len(paths):
                print(file=sys.stderr)
        if args.output is not None:
            _write_atomically(args.output, rep.render(args.format, finished()))
        elif args.format == "text":
            if progress:
                print("\r" + " " * 50 + "\r", end="", file=sys.stderr, flush=True)
            print(rep.text_one(result), flush=True)
        elif args.format == "csv":
            lines = rep.as_csv([result]).splitlines()
            print("\n".join(lines if first else lines[1:]), flush=True)

    try:
        grade_files(paths, rubric, jobs, on_result)
    except KeyboardInterrupt:
        n = len(finished())
        if not streaming and args.output is None and n:
            print(rep.render(args.format, finished()), end="")
        print(f"\nactref grade: interrupted; {n} of {len(paths)} graded", file=sys.stderr)
        return 130
    if not streaming and args.output is None:
        print(rep.render(args.format, finished()), end="")
    return 0


# ------------------------------------------------------------------------------ main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actref",
        description="Reference activation functions: NumPy and SymPy, proven against each other.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (_add_list, _add_show, _add_grade):
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
