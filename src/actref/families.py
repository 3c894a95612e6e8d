"""The families the elementwise catalogue is shown in, read off the catalogue.

A function's family is the module of :mod:`actref.catalogue` its entry is declared in —
as its kernel's in :mod:`actref.kernels`, grouped by the math they share (see each
module's docstring) — so nothing here lists function names and a new function joins
its family by being declared there. ``actref list`` and the gallery show the catalogue in this order; the
vector functions' groups (normalising, gated) come from their own table.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
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
    ("algebraic", "square roots and quotients"),
)
OTHER = "other"


@functools.cache
def _families() -> dict[str, str]:
    from actref import catalogue

    return {entry.name: name for name, _ in FAMILIES for entry in getattr(catalogue, name).ENTRIES}


def family(act: Activation) -> str:
    """The family of ``act``: the catalogue module declaring it (``other`` for a
    function made elsewhere, a custom rubric formula)."""
    return _families().get(act.name, OTHER)


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
    return dict(FAMILIES).get(name, "declared outside the catalogue")
