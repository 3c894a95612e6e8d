r"""Gated linear units along an axis: :math:`a \otimes g(b)` with ``x = [a, b]``.

The axis is split in halves as :func:`torch.nn.functional.glu` splits it: ``a`` is the
first half (the value), ``b`` the second (the gate). The gate ``g`` is an elementwise
activation of the registry (``sigmoid`` for glu, ``silu`` for swiglu, ``gelu`` with
erf for geglu, ``relu`` for reglu), called through :func:`actref.get`, in float64; the
product rounds once more, and a float32/float16 input is rounded once on the way out.

The Jacobian along the last axis is ``(..., m, 2m)``: :math:`\partial y_i/\partial a_i
= g(b_i)`, :math:`\partial y_i/\partial b_i = a_i\,g'(b_i)`, 0 elsewhere. Infinite
entries follow IEEE (``inf * 0`` is nan, as in torch): the product of a limit.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref import kernels, vector_oracle
from actref.oracle import round_to

F64 = NDArray[np.float64]

__all__ = ["gated", "gated_jacobian", "gated_jvp", "gated_vjp", "split_halves"]


def _float(x: ArrayLike) -> tuple[F64, np.dtype[Any]]:
    arr = np.asarray(x)
    if arr.dtype.kind in "iub":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f" or arr.dtype.itemsize > 8:
        raise TypeError(f"x has dtype {arr.dtype}; accepted: float16, float32, float64, integers")
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension to split in halves")
    return arr.astype(np.float64), arr.dtype


def _axis(axis: object, ndim: int) -> int:
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {ndim} dimension(s)")
    return int(axis) % ndim


def split_halves(arr: F64, name: str) -> tuple[F64, F64]:
    """``a, b`` = the first and second half of the last axis; odd length is an error."""
    n = arr.shape[-1]
    if n % 2:
        raise ValueError(f"{name}: the axis has odd length {n}; it must split in two halves")
    return arr[..., : n // 2], arr[..., n // 2 :]


def _gate(gate: str) -> tuple[Any, Any]:
    """The gate's value and slope kernels (float64 in, float64 out)."""
    return getattr(kernels, gate), getattr(kernels, gate + "_grad")


_NORMAL = float(np.finfo(np.float64).smallest_normal)


def _exact_where_gate_is_tiny(out: F64, a: F64, b: F64, g: F64, gate: str, slope: bool) -> None:
    """``a g(b)`` (or ``a g'(b)``) rounded once from mpmath where ``g`` came back below
    the smallest normal (the registry's kernels may flush a subnormal gate to 0, as the
    contract allows) while ``|a| > 1`` can lift the product back into the normal range:
    ``glu([709.78, 354.89, 177.45, -709.78])[1]`` was 0.0, true 1.97e-306. Rare inputs
    (a gate beyond about -708, or a gate input itself subnormal), so a loop."""
    if gate == "relu":
        return  # relu and its slope are 0, 1 or b: exact
    with np.errstate(invalid="ignore"):
        tiny = (np.abs(g) < _NORMAL) & np.isfinite(b) & (np.abs(a) > 1) & np.isfinite(a)
    if not tiny.any():
        return
    exact = vector_oracle.gate_slope if slope else vector_oracle.gate_value
    with mpmath.workdps(40):
        for i in zip(*np.nonzero(tiny), strict=True):
            out[i] = round_to(mpmath.mpf(float(a[i])) * exact(gate, mpmath.mpf(float(b[i]))))


def gated(x: ArrayLike, axis: int = -1, *, gate: str, name: str) -> NDArray[np.floating]:
    r""":math:`a \otimes g(b)` along ``axis``; the result has half its length."""
    arr, dtype = _float(x)
    ax = _axis(axis, arr.ndim)
    rows = np.ascontiguousarray(np.moveaxis(arr, ax, -1))
    a, b = split_halves(rows, name)
    g, _ = _gate(gate)
    gb = g(b)
    # inf * 0 is nan, as IEEE and torch say; a product beyond the largest float is inf,
    # the correctly rounded answer (and so is a float32 cast of it): no warning
    with np.errstate(invalid="ignore", over="ignore"):
        out = a * gb
        _exact_where_gate_is_tiny(out, a, b, gb, gate, slope=False)
        return np.moveaxis(out, -1, ax).astype(dtype, copy=False)  # type: ignore[no-any-return]


def gated_jacobian(x: ArrayLike, *, gate: str, name: str) -> NDArray[np.floating]:
    """The Jacobian along the last axis, ``(..., m, 2m)``."""
    arr, dtype = _float(x)
    a, b = split_halves(arr, name)
    g, dg = _gate(gate)
    m = a.shape[-1]
    jac = np.zeros((*a.shape, 2 * m), dtype=np.float64)
    idx = np.arange(m)
    jac[..., idx, idx] = g(b)
    slope = dg(b)
    with np.errstate(invalid="ignore", over="ignore"):
        off = a * slope
        _exact_where_gate_is_tiny(off, a, b, slope, gate, slope=True)
        jac[..., idx, m + idx] = off
        return jac.astype(dtype, copy=False)


def gated_jvp(x: ArrayLike, v: ArrayLike, *, gate: str, name: str) -> NDArray[np.floating]:
    r""":math:`J v = v_a \otimes g(b) + a \otimes g'(b) \otimes v_b` (last axis)."""
    arr, dtype = _float(x)
    vec, _ = _float(v)
    a, b = split_halves(arr, name)
    va, vb = split_halves(np.broadcast_to(vec, arr.shape), name)
    g, dg = _gate(gate)
    with np.errstate(invalid="ignore", over="ignore"):
        out = va * g(b) + a * dg(b) * vb
        return out.astype(dtype, copy=False)  # type: ignore[no-any-return]


def gated_vjp(x: ArrayLike, u: ArrayLike, *, gate: str, name: str) -> NDArray[np.floating]:
    r""":math:`u^\top J = [u \otimes g(b),\ u \otimes a \otimes g'(b)]` (last axis)."""
    arr, dtype = _float(x)
    vec, _ = _float(u)
    a, b = split_halves(arr, name)
    g, dg = _gate(gate)
    vec = np.broadcast_to(vec, a.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.concatenate([vec * g(b), vec * a * dg(b)], axis=-1)
        return out.astype(dtype, copy=False)
