"""The ``actref`` command: list, show, verify, plot, grade.

User mistakes (unknown names, bad parameters, unreadable files) end with one line on
stderr and exit status 2, never a traceback. Nothing the user types is evaluated:
parameters are parsed as floats.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import sympy

from actref import registry
from actref import symbolic as sym
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
    from actref import families

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
    for name, acts in groups:
        print(f"\n[{name}: {families.description(name)}]")
        for row in rows[done : done + len(acts)]:
            show(row)
        done += len(acts)
    print("\nvector functions (of a whole vector, along an axis):")
    width = max(len(v.name) for v in registry.VECTOR_TABLE)
    for vf in registry.VECTOR_TABLE:
        print(f"{vf.name.ljust(width)}  {vf.summary}")
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


def _show_vector(vf: registry.VectorFunction, args: argparse.Namespace) -> int:
    if args.param:
        raise UsageError(f"{vf.name} takes no parameters")
    print(f"{vf.name}: {vf.summary}")
    print("\nf(x) =")
    print(vf.latex if args.latex else vf.formula)
    print("\nJacobian =")
    print(vf.dlatex if args.latex else vf.derivative)
    return 0


def _run_show(args: argparse.Namespace) -> int:
    vf = registry.vector(args.name)
    if vf is not None:
        return _show_vector(vf, args)
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


# ------------------------------------------------------------------------------ grade
def _add_grade(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    from actref.grading import RubricError, batch, grade_files, load_rubric, sandbox
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
        sandbox.abandon_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


# ------------------------------------------------------------------------------ rubric
def _add_rubric(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
def _add_gradescope(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


# ------------------------------------------------------------------------------ plot
def _add_plot(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "plot",
        help="draw functions with their derivatives (one name: a figure; several: a grid)",
        description="One name draws one figure, several a grid, --all the gallery. "
        "Without --out the file is NAME.png in the current directory.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="activation names (see `actref list`)")
    p.add_argument("--all", action="store_true", help="the gallery of every function")
    p.add_argument("--out", metavar="FILE", help="file to write (.png, .pdf or .svg)")
    # read as text and checked in _run_plot, so a mistake is one line, not argparse's usage
    p.add_argument("--range", nargs=2, metavar=("LO", "HI"), help="x range (default per function)")
    p.add_argument("--points", metavar="N", help="grid points per curve (default 1001)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="bind a parameter of the named function(s), e.g. --param negative_slope=0.1",
    )
    p.add_argument("--no-derivative", action="store_true", help="draw f only")
    # argparse takes only -5 and -.5 for negative numbers, so `--range -1e3 0` or
    # `--range -inf 0` would be an "expected 2 arguments" error; no option of this
    # command starts with a digit, so any "-<digit>", "-.<digit>", "-inf" is a value.
    if hasattr(p, "_negative_number_matcher"):
        p._negative_number_matcher = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
    p.add_argument("--show", action="store_true", help="open a window (if there is a display)")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress on stderr (several names, --all)"
    )
    p.set_defaults(run=_run_plot)


def _plot_range(raw: Sequence[str] | None) -> tuple[float, float] | None:
    if raw is None:
        return None
    try:
        lo, hi = float(raw[0]), float(raw[1])
    except ValueError:
        raise UsageError(
            f"--range {raw[0]} {raw[1]}: LO and HI must be numbers, e.g. --range -5 5"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(hi - lo)):
        raise UsageError(f"--range {raw[0]} {raw[1]}: LO and HI must be finite")
    if not lo < hi:
        raise UsageError(f"--range {raw[0]} {raw[1]}: LO must be less than HI")
    return lo, hi


def _plot_points(raw: str | None) -> int:
    from actref.plotting import DEFAULT_POINTS, MAX_POINTS

    if raw is None:
        return DEFAULT_POINTS
    try:
        points = int(raw)
    except ValueError:
        points = 0
    if not 2 <= points <= MAX_POINTS:
        raise UsageError(f"--points {raw}: N must be an integer from 2 to {MAX_POINTS}")
    return points


def _plot_activations(names: Sequence[str], pairs: Sequence[str]) -> list[Activation]:
    """Each name with the --param values that belong to it; a key nobody takes is an error."""
    try:
        params = registry.parse_params(pairs)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    acts = [resolve(name) for name in names]
    alone = len(acts) == 1

    def takes(act: Activation, key: str) -> bool:
        # with several names, a parameter goes where it is part of the name (leaky_relu's
        # negative_slope), not to keras' optional ones on relu
        return any(p.name == key and (p.named or alone) for p in act.param_specs)

    for key in params:
        if not any(takes(act, key) for act in acts):
            which = acts[0].name if alone else "none of the named functions"
            takes_any = sorted({k for act in acts for k in act.params}) or ["none"]
            raise UsageError(
                f"{which} has no parameter {key!r}; parameters: {', '.join(takes_any)}"
            )
    try:
        return [
            act.with_params(**{k: v for k, v in params.items() if takes(act, k)}) for act in acts
        ]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _plot_target(out: str | None, default: str) -> Path:
    from actref.plotting import FORMATS

    path = Path(out if out is not None else default)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        got = f"extension {path.suffix!r}" if path.suffix else "no extension"
        accepted = ", ".join(f".{f}" for f in FORMATS)
        raise UsageError(f"cannot write {path}: {got}; accepted: {accepted}")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {str(parent)!r} does not exist")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    return path


def _has_display() -> bool:
    import matplotlib
    import matplotlib.pyplot  # resolves the backend: Agg when there is no display

    non_interactive = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}
    return matplotlib.get_backend().lower() not in non_interactive


def _run_plot(args: argparse.Namespace) -> int:
    from actref import plotting
    from actref.progress import Progress

    if args.all and args.names:
        raise UsageError("give NAME... or --all, not both")
    if not args.all and not args.names:
        raise UsageError("name at least one function (see `actref list`) or use --all")
    x_range = _plot_range(args.range)
    points = _plot_points(args.points)
    derivative = not args.no_derivative
    vectors = [n for n in args.names if registry.vector(n) is not None]
    if vectors:
        return _plot_vector(args, vectors, x_range, points)
    acts = _plot_activations(registry.names() if args.all else args.names, args.param)
    if args.all:
        default = "gallery.png"
    elif len(acts) <= 4:
        default = "-".join(act.name for act in acts) + ".png"
    else:
        default = "grid.png"
    show = args.show and _has_display()
    target = _plot_target(args.out, default) if args.out is not None or not show else None

    # a grid or the gallery takes seconds, mostly to render the file: say which stage
    bar = Progress(
        "actref plot",
        1 + (target is not None),
        enabled=not args.quiet and (args.all or len(acts) > 1),
    )
    with bar:
        bar.step(f"drawing {len(acts)} panels")
        if args.all:
            fig = plotting.gallery_figure(
                acts, x_range=x_range, points=points, derivative=derivative
            )
        elif len(acts) == 1:
            fig = plotting.activation_figure(
                acts[0], x_range=x_range, points=points, derivative=derivative
            )
        else:
            fig = plotting.grid_figure(acts, x_range=x_range, points=points, derivative=derivative)
        if target is not None:
            bar.step(f"writing {target}")
            try:
                plotting.save_figure(fig, target)
            except OSError as exc:
                raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    if target is not None:
        print(target)
    if args.show and not show:
        print("actref plot: no display available; wrote the file instead", file=sys.stderr)
    if show:
        import matplotlib.pyplot as plt

        plt.figure(fig)  # hand the figure to pyplot only to open a window
        plt.show()
    return 0


def _plot_vector(
    args: argparse.Namespace,
    vectors: list[str],
    x_range: tuple[float, float] | None,
    points: int,
) -> int:
    """``actref plot softmax``: a function of a whole vector gets its own figure."""
    from actref import plotting

    if len(args.names) != 1:
        raise UsageError(
            f"{vectors[0]} is a function of a whole vector: plot it alone, not in a grid"
        )
    if args.param:
        raise UsageError(f"{vectors[0]} takes no parameters")
    vf = registry.vector(vectors[0])
    assert vf is not None
    fig = plotting.vector_figure(vf.name, x_range, points=points)
    target = _plot_target(args.out, f"{vf.name}.png")
    try:
        plotting.save_figure(fig, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(target)
    return 0


# ---------------------------------------------------------------------------- verify
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


def _add_verify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    import json

    from actref.progress import Progress
    from actref.verify import explain, format_table, summary, verify

    acts: list[Activation | registry.VectorFunction] = []
    if not args.names:
        acts = [*registry.all_activations(), *registry.VECTOR_TABLE]
    for name in args.names:
        vf = registry.vector(name)
        acts.append(vf if vf is not None else resolve(name))
    with Progress("actref verify", len(acts), enabled=not args.quiet) as bar:
        reports = verify(acts, on_start=lambda act: bar.step(act.name))
    if args.format == "json":
        print(json.dumps([r.as_json() for r in reports], indent=2), flush=True)
        if not args.quiet:  # the sentences and the closing line, never inside the JSON
            for line in [*explain(reports), summary(reports)]:
                print(f"actref verify: {line}", file=sys.stderr)
    else:
        print(format_table(reports))
    return 0 if all(r.ok for r in reports) else 1


# --------------------------------------------------------------------------- compare
def _add_compare(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    import json

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
    bound = testing._bound_text(max_ulp, atol or 0.0, rtol or 0.0, report.default_max_ulp)
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


# ------------------------------------------------------------------------------ main
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
        _add_list,
        _add_show,
        _add_verify,
        _add_plot,
        _add_grade,
        _add_compare,
        _add_rubric,
        _add_gradescope,
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
