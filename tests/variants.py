"""The activations the kernel tests run over: every registered one, and each
parametrised one again with its parameters scaled (the kernels' regions move with
them), shared by the region-switch, region-claim and landing tests."""

from __future__ import annotations

from collections.abc import Iterator

import actref

SCALES = (0.3, 3.0)  # each parametrised function again, its parameters times these


def activation_variants() -> Iterator[actref.Activation]:
    """Every registered activation, and each parametrised one with its parameters
    scaled by each of :data:`SCALES` (where the registry accepts that)."""
    for act in actref.all_activations():
        yield act
        for scale in SCALES if act.params else ():
            try:
                yield act.with_params(**{k: v * scale for k, v in act.params.items()})
            except ValueError:
                continue  # outside the accepted domain: nothing to hold there
