"""``actref grade`` (students' submissions, sandboxed), ``actref rubric`` (show the
default rubric, check one) and ``actref gradescope`` (an autograder zip).

The grader is imported only when one of them runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from actref.commands.common import UsageError


def add_grade(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from actref.grading.command import add_arguments

    p = sub.add_parser(
        "grade",
        help="judge students' activation functions against the reference (sandboxed)",
        description="Run each submission in a contained worker and judge every part "
        "(value, derivative, stability, vectorized, input-unchanged) against the reference.",
    )
    add_arguments(p)
    p.set_defaults(run=_run_grade)


def _run_grade(args: argparse.Namespace) -> int:
    from actref.grading import RubricError, batch, grade_files, load_rubric, process
    from actref.grading.command import GradeUsageError, check_options, run
    from actref.grading.sandbox import IsolationError

    try:
        _, timeout, _ = check_options(args)
        rubric = load_rubric(args.rubric)
        if timeout is not None:
            rubric = rubric.with_call_timeout(timeout)
        code = run(args, rubric, grade_files)
    except (GradeUsageError, RubricError, IsolationError) as exc:
        raise UsageError(str(exc)) from None
    if batch.abandoned:  # a grading thread the watchdog gave up on: end without it
        process.abandon_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


# ------------------------------------------------------------------------------ rubric
def add_rubric(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rubric",
        help="print the default rubric (show) or validate one (check FILE)",
        description="`actref rubric show > hw.toml` prints the default rubric, every key "
        "commented: a starting point to copy. `actref rubric check hw.toml` validates one "
        "as `actref grade` would, before any submission runs (exit 2 on a problem).",
    )
    rsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    rsub.add_parser("show", help="print the default rubric")
    check = rsub.add_parser("check", help="validate a rubric and summarise it")
    check.add_argument("file", metavar="FILE", help="rubric TOML")
    p.set_defaults(run=_run_rubric)


def _run_rubric(args: argparse.Namespace) -> int:
    from actref.grading.rubric import RubricError, default_rubric_path, load_rubric

    if args.action == "show":
        print(Path(default_rubric_path()).read_text(encoding="utf-8"), end="")
        return 0
    try:
        rubric = load_rubric(args.file)
    except RubricError as exc:
        raise UsageError(str(exc)) from None
    print(f"{args.file}: ok, {len(rubric.functions)} functions, {rubric.max_score:g} points")
    for f in rubric.functions:
        what = f"expr = {f.expr}" if f.expr is not None else f"reference = {f.base}"
        params = ", ".join(f"{k}={v:g}" for k, v in f.params)
        hidden = sorted({v for _, v in f.visibility})
        extra = (f" ({params})" if params else "") + (f" [{', '.join(hidden)}]" if hidden else "")
        pts = sum(p for _, p in f.points)
        print(f"  {f.reference}: {what}{extra}, {pts:g} points, names {', '.join(f.names[:3])}")
    return 0


# ------------------------------------------------------------------------------ gradescope
def add_gradescope(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "gradescope",
        help="build a Gradescope autograder zip (bundle)",
        description="`actref gradescope bundle --rubric hw.toml -o autograder.zip` writes "
        "setup.sh, run_autograder, the rubric and a wheel of this actref (installed "
        "without fetching actref) into a zip to upload as a Gradescope autograder.",
    )
    gsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = gsub.add_parser("bundle", help="write the autograder zip")
    b.add_argument("--rubric", metavar="FILE", help="rubric TOML (default: the classic homework)")
    b.add_argument("-o", "--output", default="autograder.zip", metavar="ZIP", help="the zip")
    p.set_defaults(run=_run_gradescope)


def _run_gradescope(args: argparse.Namespace) -> int:
    from actref.grading.gradescope import BundleError, bundle
    from actref.grading.rubric import RubricError

    try:
        names = bundle(args.rubric, args.output)
    except (RubricError, BundleError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.output!r} ({exc.strerror or exc})") from None
    print(f"{args.output}: {', '.join(names)}")
    return 0
