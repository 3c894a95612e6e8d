"""Every path of the ``actref`` command for vector functions (the softmax family, the
gated and sparse ones: functions of a whole vector, along an axis): listed, shown,
plotted and verified."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from actref import registry, vectors
from actref.commands.common import UsageError, figure_target, resolve
from actref.registry import Activation


def print_vector_list() -> None:
    """The closing section of ``actref list``: the vector functions, by group."""
    print("\nvector functions (of a whole vector, along an axis):")
    width = max(len(v.name) for v in vectors.TABLE)
    for group in vectors.GROUPS:
        print(f"\n[{group}: {vectors.GROUP_DESCRIPTIONS[group]}]")
        for vf in (v for v in vectors.TABLE if v.group == group):
            print(f"{vf.name.ljust(width)}  {vf.summary}")


def show_vector(args: argparse.Namespace) -> int | None:
    """``actref show softmax``; None when NAME is not a vector function."""
    vf = vectors.vector(args.name)
    if vf is None:
        return None
    if args.param:
        raise UsageError(f"{vf.name} takes no parameters")
    print(f"{vf.name}: {vf.summary}")
    budget = f"float64 budget: value {vf.ulp_budget[0]:g} ULP, Jacobian {vf.ulp_budget[1]:g} ULP"
    print(f"group: {vf.group}; {budget}" + (f" ({vf.budget_reason})" if vf.budget_reason else ""))
    print("\nf(x) =")
    print(vf.latex if args.latex else vf.formula)
    print("\nJacobian =")
    print(vf.dlatex if args.latex else vf.derivative)
    return 0


def plot_vector(
    args: argparse.Namespace,
    x_range: tuple[float, float] | None,
    points: int,
) -> int | None:
    """``actref plot softmax``: a function of a whole vector gets its own figure; None
    when no NAME is a vector function."""
    wanted = [n for n in args.names if vectors.vector(n) is not None]
    if not wanted:
        return None
    from actref import plotting, vector_figures

    if len(args.names) != 1:
        raise UsageError(
            f"{wanted[0]} is a function of a whole vector: plot it alone, not in a grid"
        )
    if args.param:
        raise UsageError(f"{wanted[0]} takes no parameters")
    vf = vectors.vector(wanted[0])
    assert vf is not None
    fig = vector_figures.vector_figure(vf.name, x_range, points=points)
    target = figure_target(args.out, f"{vf.name}.png")
    try:
        plotting.save_figure(fig, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(target)
    return 0


def verify_targets(names: Sequence[str]) -> list[Activation | vectors.VectorFunction]:
    """What ``actref verify NAME...`` checks; every function (vector ones last) when no
    name is given."""
    acts: list[Activation | vectors.VectorFunction] = []
    if not names:
        acts = [*registry.all_activations(), *vectors.TABLE]
    for name in names:
        vf = vectors.vector(name)
        acts.append(vf if vf is not None else resolve(name))
    return acts
