"""``actref verify``: every check of every function, a table, exit 1 on a failure."""

from __future__ import annotations

import argparse
import json
import sys
import time

from actref.commands.vectors import verify_targets

# What each column of the table means, for `actref verify --help` (the README says the
# same in its own words): a student who has never heard of a ULP should understand it.
VERIFY_COLUMNS = """\
what the table shows, one row per function:
  f ULP (budget) @x   how far the NumPy value f(x) is from the exact value, in ULPs, at
                      the worst input x. A ULP ("unit in the last place") is the gap
                      between a float64 and the next one: 0 means the correctly rounded
                      answer, 1 means one float away. The exact value is the SymPy
                      formula evaluated by mpmath with many more digits. The budget in
                      brackets is the most this function is allowed; "@x" is missing
                      when the error is 0 everywhere.
  f' ULP (budget) @x  the same for the derivative f'(x), against sympy.diff of the formula.
  FD max err @x       finite differences: the slope measured from f itself,
                      (f(x+h) - f(x-h)) / 2h, against the derivative code, in float64
                      and float32 (one-sided next to a kink); the largest absolute
                      difference and where. A small error is expected (the measured
                      slope is not exact); each point passes within a tolerance
                      estimated for that point, and at a kink the derivative must
                      be the convention (PyTorch's value there).
  Taylor              the Taylor test: the error of f(x+h) ~ f(x) + h*f'(x) should shrink
                      like h^2 when h shrinks; the column is the lowest observed order.
                      About 2 means the derivative is right; about 1 means it is wrong.
                      "linear": f is a straight line wherever it was tested, so the
                      error is zero and there is no order to measure.
  laws                the function's properties that held, of those checked: bounds
                      (sigmoid stays in [0, 1]), monotonicity, continuity and the slopes
                      at kinks, and identities such as sigmoid(-x) = 1 - sigmoid(x).
  result              ok when every check passed, FAIL otherwise.

softmax and log_softmax (functions of a whole vector) get the same columns: their
values and full Jacobians against the oracle on the hard rows ("@x" is the first entry
of the worst row), the Jacobian against finite differences, no Taylor test ("-"), and
their laws: sums to 1, bounds, and the same result for x and x + c.

Each failure is then listed with the function and the input, followed by one sentence
saying what it means, and a last line gives the count and the time taken. Progress
(function, n of N, elapsed time) goes to stderr: a bar on a terminal, one line per
function otherwise, nothing with --quiet. With --format json, stdout is the JSON alone:
the sentences and the last line go to stderr. Exit status: 0 all verified, 1 a check
failed, 2 a usage error (an unknown name).
"""


def add_verify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "verify",
        help="run every check (oracle ULPs, finite differences, laws); exit 1 on failure",
        description="Prove each function (default: all; about 20 s): its value and derivative\n"
        "against the exact formula, its derivative against the slope measured from the\n"
        "function itself, and its laws. One row per function.",
        epilog=VERIFY_COLUMNS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="functions to verify (default: all)")
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="table or a JSON list"
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress on stderr (and, with --format json, no summary there either)",
    )
    p.set_defaults(run=_run_verify)


def _run_verify(args: argparse.Namespace) -> int:
    from actref.progress import Progress
    from actref.verify import explain, format_table, summary, verify

    acts = verify_targets(args.names)
    start = time.perf_counter()
    with Progress("actref verify", len(acts), enabled=not args.quiet) as bar:
        reports = verify(acts, on_start=lambda act: bar.step(act.name))
    wall = time.perf_counter() - start
    if args.format == "json":
        print(json.dumps([r.as_json() for r in reports], indent=2), flush=True)
        if not args.quiet:  # the sentences and the closing line, never inside the JSON
            for line in [*explain(reports), summary(reports, wall)]:
                print(f"actref verify: {line}", file=sys.stderr)
    else:
        print(format_table(reports, wall))
    return 0 if all(r.ok for r in reports) else 1
