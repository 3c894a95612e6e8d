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


def dd_add(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[F64, F64]:
    """The sum of two double-doubles ``(hi, lo)``, renormalised (about 2^-104 relative)."""
    s, e = two_sum(a[0], b[0])
    return two_sum(s, e + a[1] + b[1])


def dd_mul(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[F64, F64]:
    """The product of two double-doubles ``(hi, lo)``, renormalised."""
    p, e = two_prod(a[0], b[0])
    return two_sum(p, e + a[0] * b[1] + a[1] * b[0])
