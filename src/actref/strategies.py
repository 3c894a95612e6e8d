"""Hypothesis strategies for testing activation kernels: the hard inputs, shipped.

``hypothesis`` is not a dependency of actref; install it to use this module.

>>> from hypothesis import given
>>> from actref import strategies as ast
>>> @given(ast.hard_floats("float32"))
... def test_my_sigmoid_is_a_probability(x): ...

Every strategy is built from the same places :func:`actref.hard_inputs.hard_inputs`
covers: signed zeros, subnormals, the ``exp`` overflow and underflow thresholds, the
kinks of a function with their float neighbours, the largest float, ±inf and nan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import DTypeLike, NDArray

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as exc:  # pragma: no cover - exercised only without hypothesis
    raise ImportError("actref.strategies needs hypothesis: pip install hypothesis") from exc

from actref import registry
from actref.hard_inputs import EXP_THRESHOLDS, hard_inputs

__all__ = ["hard_arrays", "hard_floats", "kinks", "softmax_rows", "special_points"]

_WIDTH: dict[np.dtype[Any], Literal[16, 32, 64]] = {
    np.dtype(np.float16): 16,
    np.dtype(np.float32): 32,
    np.dtype(np.float64): 64,
}


def _dtype(dtype: DTypeLike) -> np.dtype[np.floating]:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _WIDTH:
        raise TypeError(f"`dtype` must be float16, float32 or float64; got {dtype!r}.")
    return dt  # type: ignore[return-value]


def _neighbours(values: list[float], dt: np.dtype[np.floating], steps: int) -> list[float]:
    out: list[float] = []
    for v in values:
        up = down = dt.type(v)
        if not np.isfinite(up):
            continue
        out.append(float(up))
        with np.errstate(over="ignore"):  # beside the largest float: inf, dropped below
            for _ in range(steps):
                up = np.nextafter(up, dt.type(np.inf))
                down = np.nextafter(down, dt.type(-np.inf))
                out += [float(up), float(down)]
    return sorted(v for v in set(out) if np.isfinite(v))


def hard_floats(
    dtype: DTypeLike = np.float64,
    *,
    allow_nan: bool = True,
    allow_infinity: bool = True,
) -> st.SearchStrategy[float]:
    """Floats of ``dtype`` (as Python floats), subnormals and both zeros included:
    a third each from :func:`special_points` (thresholds, the smallest and largest
    floats), from the hard input set of that dtype, and from the whole range."""
    dt = _dtype(dtype)
    hard = [float(v) for v in hard_inputs(dt, include_nonfinite=False)]
    specials = _special_values(dt)
    if not allow_infinity:
        specials = [v for v in specials if np.isfinite(v)]
    anywhere = st.floats(
        allow_nan=allow_nan, allow_infinity=allow_infinity, allow_subnormal=True, width=_WIDTH[dt]
    )
    return st.one_of(st.sampled_from(specials), st.sampled_from(hard), anywhere)


def _activation(name: str | registry.Activation, params: Mapping[str, Any] | None) -> Any:
    if isinstance(name, registry.Activation):
        return name.with_params(**dict(params)) if params else name
    return registry.get(name, **dict(params or {}))


def kinks(
    name: str | registry.Activation,
    dtype: DTypeLike = np.float64,
    *,
    params: Mapping[str, Any] | None = None,
    neighbours: int = 3,
) -> st.SearchStrategy[float]:
    """The kinks and smooth joins of an activation (relu's 0, hardtanh's ±1, celu's 0)
    and their ``neighbours`` nearest floats of ``dtype`` on either side.

    Raises ``ValueError`` for a function without any (tanh).
    """
    act = _activation(name, params)
    points = sorted({k.at for k in act.kinks} | set(act.breakpoints))
    if not points:
        raise ValueError(f"{act.name} has no kinks; use hard_floats() or special_points().")
    return st.sampled_from(_neighbours(points, _dtype(dtype), neighbours))


def _special_values(dt: np.dtype[np.floating], ks: list[float] | None = None) -> list[float]:
    fi = np.finfo(dt)
    base = [0.0, float(fi.smallest_subnormal), float(fi.smallest_normal), float(fi.max)]
    base += [t for t in EXP_THRESHOLDS if t < float(fi.max)]
    pts = _neighbours(base, dt, 2)
    if ks:
        pts += _neighbours(ks, dt, 3)
    return [*sorted({*pts, *(-v for v in pts)}), float("inf"), float("-inf")]


def special_points(
    name: str | registry.Activation | None = None,
    dtype: DTypeLike = np.float64,
    *,
    params: Mapping[str, Any] | None = None,
) -> st.SearchStrategy[float]:
    """The thresholds where kernels break: ±0, the smallest subnormal and normal
    numbers, the ``exp`` overflow/underflow thresholds of float32 and float64 (both
    signs, 2 neighbours each), the largest float, ±inf, and the kinks of ``name`` with
    their 3 neighbours on either side."""
    dt = _dtype(dtype)
    ks: list[float] = []
    if name is not None:
        act = _activation(name, params)
        ks = sorted({k.at for k in act.kinks} | set(act.breakpoints))
    return st.sampled_from(_special_values(dt, ks))


def hard_arrays(
    dtype: DTypeLike = np.float64,
    name: str | registry.Activation | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    max_size: int = 32,
    allow_nan: bool = True,
) -> st.SearchStrategy[NDArray[np.floating]]:
    """1-D arrays of ``dtype`` (1 to ``max_size`` entries) mixing :func:`hard_floats`
    and the :func:`special_points` of ``name``."""
    dt = _dtype(dtype)
    elements = st.one_of(
        hard_floats(dt, allow_nan=allow_nan), special_points(name, dt, params=params)
    )
    return hnp.arrays(dt, st.integers(1, max_size), elements=elements)


def softmax_rows(
    dtype: DTypeLike = np.float64,
    *,
    min_size: int = 1,
    max_size: int = 8,
    allow_infinity: bool = False,
) -> st.SearchStrategy[NDArray[np.floating]]:
    """Rows for the softmax family: a hard float, repeated maxima (ties), spreads from
    1e-8 to beyond the ``exp`` underflow threshold, subnormals and, with
    ``allow_infinity``, -inf and +inf entries. No nan (a nan row is nan)."""
    dt = _dtype(dtype)
    fi = np.finfo(dt)
    big = min(float(fi.max), 1e4)
    entry = st.one_of(
        st.floats(-big, big, allow_subnormal=True, width=_WIDTH[dt]),
        st.sampled_from(
            [0.0, 1.0, -1.0, 745.0, -745.0, 88.0, -104.0, float(fi.smallest_subnormal)]
        ),
    )
    if allow_infinity:
        entry = st.one_of(entry, st.sampled_from([float("inf"), float("-inf")]))

    def with_ties(row: NDArray[np.floating]) -> st.SearchStrategy[NDArray[np.floating]]:
        # sometimes copy the maximum into another slot: ties at the top are the hard case
        if row.size < 2:
            return st.just(row)
        return st.integers(0, row.size - 1).map(
            lambda i: np.where(np.arange(row.size) == i, row.max(), row).astype(dt)
        )

    rows = hnp.arrays(dt, st.integers(min_size, max_size), elements=entry)
    return st.one_of(rows, rows.flatmap(with_ties))
