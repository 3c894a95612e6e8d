r"""sparsemax along an axis: the Euclidean projection of a row onto the simplex.

Martins & Astudillo (2016): :math:`\mathrm{sparsemax}(x) = \arg\min_{p \in \Delta}
\lVert p - x \rVert^2 = [x - \tau]_+`, where, with the entries sorted decreasingly, the
support size is :math:`K = \max\{k : 1 + k x_{(k)} > \sum_{j \le k} x_{(j)}\}` and
:math:`\tau = (\sum_{j \le K} x_{(j)} - 1) / K`. Ties enter or leave the support
together; an entry equal to :math:`\tau` is outside it (its value is 0 either way).

Accuracy: :math:`s_i = (K x_i - \sum_S x_j + 1) / K` cancels when :math:`s_i` is small
next to the entries. The sum runs on the differences :math:`x_j - \max x` (each kept
exactly as a pair of floats, all in :math:`(-1, 0]` on the support), rounded once by
:func:`math.fsum`, its remainder kept too; the numerator is then a double-double, so
:math:`s_i` is within about 1 ULP unless it is below :math:`2^{-40}` of the entries,
where the row is recomputed exactly in rationals (:class:`fractions.Fraction`). The
support is read from the signs of these accurate values.

Limits follow softmax: a nan anywhere makes the row nan; +inf entries share the mass
equally (the rest get 0); -inf entries get 0; a row of only -inf is nan.
Jacobian on the support :math:`S`: :math:`\operatorname{diag}(1_S) - 1_S 1_S^\top / K`,
0 off it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref.vector_oracle import sparsemax_exact

F64 = NDArray[np.float64]

__all__ = [
    "sparsemax",
    "sparsemax_jacobian",
    "sparsemax_jvp",
    "sparsemax_support",
]

_SPLIT = 134217729.0  # 2^27 + 1: Dekker's split
_CANCEL = 2.0**-40  # below this (relative to the row's spread of 1), recompute exactly


def _float(x: ArrayLike) -> tuple[F64, np.dtype[Any]]:
    arr = np.asarray(x)
    if arr.dtype.kind in "iub":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f" or arr.dtype.itemsize > 8:
        raise TypeError(f"x has dtype {arr.dtype}; accepted: float16, float32, float64, integers")
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension to take a sparsemax over")
    return arr.astype(np.float64), arr.dtype


def _axis(axis: object, ndim: int) -> int:
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {ndim} dimension(s)")
    return int(axis) % ndim


def _two_sum(a: F64, b: F64) -> tuple[F64, F64]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_prod(a: F64, b: F64) -> tuple[F64, F64]:
    p = a * b
    ca, cb = _SPLIT * a, _SPLIT * b
    ah, bh = ca - (ca - a), cb - (cb - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


# ------------------------------------------------------------------------ kernel
def _rows(z: F64) -> tuple[F64, NDArray[np.bool_]]:
    """sparsemax of rows ``(m, n)`` (float64, last axis) and its support, read from the
    exact sign of ``x_i - tau`` (a subnormal value that rounds to 0 stays in it)."""
    m, n = z.shape
    out = np.zeros((m, n))
    support = np.zeros((m, n), dtype=bool)
    nan_row = np.isnan(z).any(axis=1)
    top = np.max(np.where(np.isnan(z), -np.inf, z), axis=1)
    inf_row = ~nan_row & (top == np.inf)
    void = nan_row | (~nan_row & (top == -np.inf))
    out[void] = np.nan
    if inf_row.any():
        hits = z[inf_row] == np.inf
        support[inf_row] = hits
        out[inf_row] = hits / hits.sum(axis=1, keepdims=True)
    ok = ~(void | inf_row)
    if not ok.any():
        return out, support
    out[ok], support[ok] = _finite_rows(z[ok], top[ok][:, None])
    return out, support


def _support_sum(inside: NDArray[np.bool_], hi: F64, lo: F64) -> tuple[F64, F64]:
    """The sum of ``hi + lo`` over ``inside``, minus 1, per row as a double-double.

    Short rows: a compensated sum over the columns, all rows at once (the terms lie
    in (-1, 0], so the error is about n 2^-106); long rows: :func:`math.fsum` per row,
    rounded once, and its remainder."""
    m, n = hi.shape
    if m >= 8 or n <= 64:  # many rows: one pass per column beats a Python call per row
        total, comp = np.full(m, -1.0), np.zeros(m)
        for j in range(n):
            total, err = _two_sum(total, np.where(inside[:, j], hi[:, j], 0.0))
            comp += err + np.where(inside[:, j], lo[:, j], 0.0)
        return _two_sum(total, comp)
    t_hi, t_lo = np.empty(m), np.empty(m)
    for r in range(m):
        parts = np.concatenate([hi[r, inside[r]], lo[r, inside[r]], [-1.0]])
        t_hi[r] = math.fsum(parts)
        t_lo[r] = math.fsum(np.concatenate([parts, [-t_hi[r]]]))
    return t_hi, t_lo


def _finite_rows(x: F64, mx: F64) -> tuple[F64, NDArray[np.bool_]]:
    """Rows with a finite maximum ``mx`` (keepdims): values and supports."""
    n = x.shape[1]
    srt = -np.sort(-x, axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        d_sorted = srt - mx  # <= 0; beyond -1.8e308 it is -inf: never in the support
        ks = np.arange(1, n + 1, dtype=np.float64)
        k = np.sum(1.0 + ks * d_sorted > np.cumsum(d_sorted, axis=1), axis=1).astype(np.int64)
        hi, lo = _two_sum(x, np.broadcast_to(-mx, x.shape))  # x - max, exactly
        lo = np.where(np.isfinite(lo), lo, 0.0)
        hi = np.where(np.isfinite(hi), hi, -np.inf)
    # the float guess of K is off only where an entry is within rounding of the
    # threshold: the signs of the accurate K s_i decide (a few steps at most)
    for _ in range(4):
        k = np.maximum(k, 1)
        thr = np.take_along_axis(srt, (k - 1)[:, None], axis=1)
        inside = x >= thr
        t_hi, t_lo = _support_sum(inside, np.where(inside, hi, 0.0), np.where(inside, lo, 0.0))
        kf = k.astype(np.float64)[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            p, e = _two_prod(np.broadcast_to(kf, x.shape), hi)
            h, low = _two_sum(p, np.broadcast_to(-t_hi[:, None], x.shape))
            num = h + (low + (e + kf * lo - t_lo[:, None]))  # K s_i where positive
        num = np.where(np.isfinite(num), num, -1.0)
        new_k = np.count_nonzero(num > 0, axis=1)
        if np.array_equal(new_k, k) or not new_k.all():
            break
        k = new_k
    support = num > 0
    s = np.where(support, num / kf, 0.0)
    for r in np.flatnonzero(np.any(support & (num < kf * _CANCEL), axis=1)):
        exact, _ = sparsemax_exact([float(v) for v in x[r]])  # cancellation: in rationals
        assert exact is not None
        s[r] = [float(v) for v in exact]
        support[r] = [v > 0 for v in exact]
    return s, support


def _prepare(x: ArrayLike, axis: int) -> tuple[F64, np.dtype[Any], int, tuple[int, ...]]:
    arr, dtype = _float(x)
    ax = _axis(axis, arr.ndim)
    rows = np.ascontiguousarray(np.moveaxis(arr, ax, -1))
    return rows, dtype, ax, rows.shape


def sparsemax(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r""":math:`[x - \tau]_+` along ``axis``: sums to 1, exactly 0 outside the support."""
    rows, dtype, ax, shape = _prepare(x, axis)
    if rows.size == 0:
        return np.zeros(np.shape(x), dtype=dtype)
    s, _ = _rows(rows.reshape(-1, shape[-1]))
    out = np.moveaxis(s.reshape(shape), -1, ax)
    return out.astype(dtype, copy=False)


def sparsemax_support(x: ArrayLike) -> NDArray[np.bool_]:
    """Where ``sparsemax(x) > 0`` along the last axis (all False in a nan row)."""
    rows, _, _, shape = _prepare(x, -1)
    _, support = _rows(rows.reshape(-1, shape[-1]))
    return support.reshape(shape)


def sparsemax_jacobian(x: ArrayLike) -> NDArray[np.floating]:
    r""":math:`\operatorname{diag}(1_S) - 1_S 1_S^\top / K` along the last axis,
    ``(..., n, n)``; nan for a nan row."""
    rows, dtype, _, shape = _prepare(x, -1)
    flat = rows.reshape(-1, shape[-1])
    s, inside = _rows(flat)
    n = shape[-1]
    support = inside.astype(np.float64)
    kk = np.maximum(inside.sum(axis=1), 1).astype(np.float64)[:, None, None]
    jac = -(support[:, :, None] * support[:, None, :]) / kk
    idx = np.arange(n)
    jac[:, idx, idx] = np.where(inside, (kk[:, :, 0] - 1) / kk[:, :, 0], 0.0)
    jac[np.isnan(s).any(axis=1)] = np.nan
    out: NDArray[np.floating] = jac.reshape(*shape, n).astype(dtype, copy=False)
    return out


def sparsemax_jvp(x: ArrayLike, v: ArrayLike) -> NDArray[np.floating]:
    r""":math:`J v = 1_S \otimes (v - \bar v_S)` (the mean of ``v`` over the support),
    along the last axis; ``J`` is symmetric, so this is also :math:`u^\top J`."""
    rows, dtype, _, shape = _prepare(x, -1)
    vec, _ = _float(v)
    flat = rows.reshape(-1, shape[-1])
    s, support = _rows(flat)
    vv = np.broadcast_to(vec, shape).reshape(flat.shape)
    k = np.maximum(support.sum(axis=1), 1)[:, None]
    mean = np.sum(np.where(support, vv, 0.0), axis=1, keepdims=True) / k
    out = np.where(support, vv - mean, 0.0)
    out[np.isnan(s).any(axis=1)] = np.nan
    return out.reshape(shape).astype(dtype, copy=False)
