"""The inputs every submission is called on: ordinary ones judge ``value`` and
``derivative``, extreme finite ones ``stability``. Sorted by magnitude, so the first
failing input found is the smallest one that shows the failure."""

from __future__ import annotations

# |x| <= 50: ordinary inputs, where a textbook formula is still exact enough
_MAGNITUDES = (1e-3, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.5, 7.0, 10.0, 20.0, 50.0)
ORDINARY: tuple[float, ...] = (0.0, *(s * m for m in _MAGNITUDES for s in (-1.0, 1.0)))
EXTREME: tuple[float, ...] = (-750.0, 750.0, -1000.0, 1000.0)

# softmax: sorted by (length, largest magnitude)
ORDINARY_VECTORS: tuple[tuple[float, ...], ...] = (
    (0.0,),
    (1.0, 2.0),
    (-1.0, 0.0, 1.0),
    (1.0, 2.0, 3.0),
    (0.5, -2.0, 3.0, 1.0),
    (10.0, -10.0, 0.0, 5.0, -5.0),
)
EXTREME_VECTORS: tuple[tuple[float, ...], ...] = (
    (1000.0, 1000.0),
    (-1000.0, 0.0),
    (-1000.0, -1000.0),
    (750.0, 0.0, -750.0),
)
