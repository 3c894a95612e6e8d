"""The shared hypothesis strategies (one module, imported as ``st_``).

Floats come with subnormals and both zeros; arrays are small, so each example checks
a handful of points; softmax inputs are dyadic where a law needs exact arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import actref
from actref.registry import Activation

ALL = [pytest.param(act, id=act.name) for act in actref.all_activations()]
INCREASING = [pytest.param(a, id=a.name) for a in actref.all_activations() if a.is_increasing]
WITH_KINKS = [pytest.param(a, id=a.name) for a in actref.all_activations() if a.kinks]
LAWS = [
    pytest.param(act, law, id=f"{act.name}: {law.name}")
    for act in actref.all_activations()
    for law in act.laws
]


def reals(lo: float = -1e4, hi: float = 1e4, width: int = 64) -> st.SearchStrategy[float]:
    """Finite floats in ``[lo, hi]``, subnormals and signed zeros included."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=width)  # type: ignore[arg-type]


def any_float() -> st.SearchStrategy[float]:
    """Every float64 except nan: ±inf, ±max, subnormals."""
    return st.floats(allow_nan=False)


def arrays(
    elements: st.SearchStrategy[float] | None = None,
    *,
    dtype: type = np.float64,
    max_size: int = 16,
) -> st.SearchStrategy[np.ndarray]:
    """1-D arrays of 1..max_size points."""
    return hnp.arrays(
        dtype, st.integers(1, max_size), elements=elements if elements is not None else reals()
    )


def points_near_kinks(act: Activation, spread: float = 50.0) -> st.SearchStrategy[np.ndarray]:
    """Arrays mixing ordinary points, the breakpoints (kinks and smooth joins)
    themselves, and points just beside them."""
    kinks = list(act.breakpoints)
    near = (
        st.sampled_from(kinks).flatmap(
            lambda k: (
                st.sampled_from([k, np.nextafter(k, -np.inf), np.nextafter(k, np.inf)])
                | st.floats(k - 1e-3, k + 1e-3)
            )
        )
        if kinks
        else st.nothing()
    )
    return arrays(reals(-spread, spread) | near)


def dyadic_vectors(max_size: int = 8, bound: int = 2**20) -> st.SearchStrategy[np.ndarray]:
    """Vectors of multiples of 1/1024 up to 1024 in magnitude: sums with integers are exact."""
    return hnp.arrays(
        np.float64,
        st.integers(1, max_size),
        elements=st.integers(-bound, bound).map(lambda k: k / 1024),
    )


def softmax_vectors(
    max_size: int = 8, lo: float = -50.0, hi: float = 50.0
) -> st.SearchStrategy[np.ndarray]:
    """Finite vectors for the softmax family."""
    return hnp.arrays(np.float64, st.integers(1, max_size), elements=reals(lo, hi))
