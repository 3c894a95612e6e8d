"""``actref plot``: functions with their derivatives (one name: a figure; several:
a grid; --all: the gallery). matplotlib is imported only when it runs."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence

from actref import registry
from actref.commands.common import UsageError, figure_target, resolve
from actref.commands.vectors import plot_vector
from actref.registry import Activation


def add_plot(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    from actref.figure_style import DEFAULT_POINTS, MAX_POINTS

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
    drawn = plot_vector(args, x_range, points)
    if drawn is not None:
        return drawn
    acts = _plot_activations(registry.names() if args.all else args.names, args.param)
    if args.all:
        default = "gallery.png"
    elif len(acts) <= 4:
        default = "-".join(act.name for act in acts) + ".png"
    else:
        default = "grid.png"
    show = args.show and _has_display()
    target = figure_target(args.out, default) if args.out is not None or not show else None

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
                acts,
                x_range=x_range,
                points=points,
                derivative=derivative,
                vector_functions=True,
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
