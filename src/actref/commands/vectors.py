"""Every path of the ``actref`` command for vector functions (softmax, log_softmax:
functions of a whole vector, along an axis): listed, shown, plotted and verified."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from actref import registry
from actref.commands.common import UsageError, figure_target, resolve
from actref.registry import Activation


def print_vector_list() -> None:
    """The closing section of ``actref list``: the vector functions."""
    print("\nvector functions (of a whole vector, along an axis):")
    width = max(len(v.name) for v in registry.VECTOR_TABLE)
    for vf in registry.VECTOR_TABLE:
        print(f"{vf.name.ljust(width)}  {vf.summary}")


def show_vector(args: argparse.Namespace) -> int | None:
    """``actref show softmax``; None when NAME is not a vector function."""
    vf = registry.vector(args.name)
    if vf is None:
        return None
    if args.param:
        raise UsageError(f"{vf.name} takes no parameters")
    print(f"{vf.name}: {vf.summary}")
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
    vectors = [n for n in args.names if registry.vector(n) is not None]
    if not vectors:
        return None
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
    target = figure_target(args.out, f"{vf.name}.png")
    try:
        plotting.save_figure(fig, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(target)
    return 0


def verify_targets(names: Sequence[str]) -> list[Activation | registry.VectorFunction]:
    """What ``actref verify NAME...`` checks; every function (vector ones last) when no
    name is given."""
    acts: list[Activation | registry.VectorFunction] = []
    if not names:
        acts = [*registry.all_activations(), *registry.VECTOR_TABLE]
    for name in names:
        vf = registry.vector(name)
        acts.append(vf if vf is not None else resolve(name))
    return acts
