"""Error-free transformations of float64 arithmetic (Knuth, Dekker): a sum or a product
as an exact ``hi + lo`` pair, for kernels and the softmax family that need more than 53
bits."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

SPLITTER = 134217729.0  # 2**27 + 1: Dekker's splitting constant for float64


def split(a: Any) -> tuple[F64, F64]:
    """``a = hi + lo`` exactly, each half with at most 26 significant bits (|a| < 1e300)."""
    c = SPLITTER * np.asarray(a, dtype=np.float64)
    hi = c - (c - a)
    return hi, a - hi


def two_sum(a: Any, b: Any) -> tuple[F64, F64]:
    """``a + b = s + e`` exactly (Knuth), whatever the magnitudes."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fast_two_sum(a: Any, b: Any) -> tuple[F64, F64]:
    """``a + b = s + e`` exactly (Dekker), for ``|a| >= |b|`` (or a zero)."""
    s = a + b
    return s, b - (s - a)


def two_prod(a: Any, b: Any) -> tuple[F64, F64]:
    """``a * b = p + e`` exactly (Dekker), for |a|, |b| well inside the float range."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e
