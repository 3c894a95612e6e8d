"""The families the elementwise catalogue is shown in, read off the kernels.

A function's family is the module of :mod:`actref.kernels` its NumPy kernel lives in —
the kernels are grouped by the math they share (see each module's docstring) — so
nothing here lists function names and a new function joins its family by having its
kernel there. ``actref list`` and the gallery show the catalogue in this order; the
vector functions' groups (normalising, gated) come from their own table.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actref.registry import Activation

#: The elementwise families, in the order they are shown, with a one-line description.
FAMILIES: tuple[tuple[str, str], ...] = (
    ("piecewise", "piecewise linear and polynomial: rectifiers, clips, shrinks, sparse"),
    ("logistic", "built on the logistic sigmoid"),
    ("hyperbolic", "built on tanh"),
    ("gaussian", "built on the Gaussian CDF (erf)"),
    ("exponential", "exponential linear units and e^x"),
    ("algebraic", "algebraic: square roots and quotients"),
)
OTHER = "other"


def _module(family: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"actref.kernels.{family}")
    except ImportError:  # a family not (yet) written as regions
        return None


def family(act: Activation) -> str:
    """The family of ``act``: the kernels module holding its forward kernel."""
    fn = act.forward_fn
    for name, _ in FAMILIES:
        mod = _module(name)
        if mod is not None and any(v is fn for v in vars(mod).values()):
            return name
    declared = getattr(_module("additions"), "FAMILY", {})
    for kernel, name in declared.items():
        if kernel is fn:
            return str(name)
    return OTHER


def grouped(acts: Sequence[Activation]) -> list[tuple[str, list[Activation]]]:
    """``acts`` by family, families in :data:`FAMILIES` order (then ``other``), each
    sorted by name; empty families left out."""
    order = [name for name, _ in FAMILIES] + [OTHER]
    groups: dict[str, list[Activation]] = {name: [] for name in order}
    for act in acts:
        groups[family(act)].append(act)
    return [(name, sorted(g, key=lambda a: a.name)) for name, g in groups.items() if g]


def description(name: str) -> str:
    """The one-line description of the family ``name``."""
    return dict(FAMILIES).get(name, "not yet in a family module")
