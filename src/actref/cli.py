"""The ``actref`` command: list, show, verify, plot, grade, compare, rubric, gradescope.

This module builds the parser and dispatches; each subcommand lives in
:mod:`actref.commands`.

User mistakes (unknown names, bad parameters, unreadable files) end with one line on
stderr and exit status 2, never a traceback. Nothing the user types is evaluated:
parameters are parsed as floats.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Sequence

from actref.commands import compare, grade, info, plot, verify
from actref.commands.common import UsageError, resolve

__all__ = ["UsageError", "build_parser", "main", "resolve"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actref",
        description="Reference activation functions: NumPy and SymPy, proven against each other.",
    )
    parser.add_argument(
        "--version", action="version", version=f"actref {importlib.metadata.version('actref')}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (
        info.add_list,
        info.add_show,
        verify.add_verify,
        plot.add_plot,
        grade.add_grade,
        compare.add_compare,
        grade.add_rubric,
        grade.add_gradescope,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["grade", "merge"]:  # a subcommand of grade (a file named merge: ./merge)
        from actref.grading.command import GradeUsageError, run_merge

        try:
            return run_merge(argv[2:])
        except GradeUsageError as exc:
            print(f"actref grade merge: error: {exc}", file=sys.stderr)
            return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"actref {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `actref list | head`
        return 0
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for SIGINT
        print(f"\nactref {args.command}: interrupted", file=sys.stderr)
        return 130
