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

from actref.vector_oracle import entmax15_exact, sparsemax_exact

F64 = NDArray[np.float64]

__all__ = [
    "entmax15",
    "entmax15_jacobian",
    "entmax15_jvp",
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


def _by_columns(m: int, n: int) -> bool:
    """Sum ``m`` rows of ``n`` with a NumPy pass per column (about 20 operations of 5 us
    + 5 ns an entry each), not :func:`math.fsum` per row (about 30 us + 20 ns an
    entry): whichever costs less (measured on this machine's kind; either is exact
    enough, so only the time depends on the choice)."""
    return n * 20 * (5e-6 + m * 5e-9) < m * (30e-6 + n * 2e-8)


def _support_sum(inside: NDArray[np.bool_], hi: F64, lo: F64) -> tuple[F64, F64]:
    """The sum of ``hi + lo`` over ``inside``, minus 1, per row as a double-double.

    Short rows: a compensated sum over the columns, all rows at once (the terms lie
    in (-1, 0], so the error is about n 2^-106); long rows: :func:`math.fsum` per row,
    rounded once, and its remainder."""
    m, n = hi.shape
    if _by_columns(m, n):
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


# ======================================================================== entmax15
# double-double helpers: a value is (hi, lo) with |lo| <= ulp(hi)/2
DD = tuple[F64, F64]


def _dd_add(a: DD, b: DD) -> DD:
    s, e = _two_sum(a[0], b[0])
    return _two_sum(s, e + a[1] + b[1])


def _dd_mul(a: DD, b: DD) -> DD:
    p, e = _two_prod(a[0], b[0])
    return _two_sum(p, e + a[0] * b[1] + a[1] * b[0])


def _dd_div(a: DD, b: DD) -> DD:
    q = a[0] / b[0]
    p, e = _two_prod(q, b[0])
    r = ((a[0] - p) - e + a[1] - q * b[1]) / b[0]
    return _two_sum(q, r)


def _dd_sqrt(a: DD) -> DD:
    s = np.sqrt(a[0])
    p, e = _two_prod(s, s)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(s > 0, ((a[0] - p) - e + a[1]) / (2 * s), 0.0)
    return _two_sum(s, corr)


def _neg(a: DD) -> DD:
    return -a[0], -a[1]


def _entmax_rows(z: F64) -> tuple[F64, F64, NDArray[np.bool_]]:
    """``g = [x/2 - tau]_+`` of rows ``(m, n)`` (entmax15 is ``g**2``, rounded once from
    a double-double: returned too) and the support; special rows as sparsemax's."""
    m, n = z.shape
    g = np.zeros((m, n))
    p = np.zeros((m, n))
    support = np.zeros((m, n), dtype=bool)
    nan_row = np.isnan(z).any(axis=1)
    top = np.max(np.where(np.isnan(z), -np.inf, z), axis=1)
    inf_row = ~nan_row & (top == np.inf)
    void = nan_row | (~nan_row & (top == -np.inf))
    g[void] = p[void] = np.nan
    if inf_row.any():
        hits = z[inf_row] == np.inf
        support[inf_row] = hits
        p[inf_row] = hits / hits.sum(axis=1, keepdims=True)
        g[inf_row] = np.sqrt(p[inf_row])
    ok = ~(void | inf_row)
    if ok.any():
        g[ok], p[ok], support[ok] = _entmax_finite(z[ok], top[ok][:, None])
    return g, p, support


def _entmax_finite(x: F64, mx: F64) -> tuple[F64, F64, NDArray[np.bool_]]:
    n = x.shape[1]
    srt = -np.sort(-x, axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        zs = (srt - mx) / 2  # the float guess, as the entmax package computes it
        ks = np.arange(1, n + 1, dtype=np.float64)
        means = np.cumsum(zs, axis=1) / ks
        variances = np.cumsum(zs * zs, axis=1) / ks - means * means
        tau = means - np.sqrt(np.clip(1.0 / ks - variances, 0.0, None))
        k = np.sum(tau <= zs, axis=1).astype(np.int64)
        hi, lo = _two_sum(x, np.broadcast_to(-mx, x.shape))  # x - max, exactly
        lo = np.where(np.isfinite(lo), lo, 0.0)
        hi = np.where(np.isfinite(hi), hi, -np.inf)
    dd: DD = (hi / 2, lo / 2)  # z - max z: halving is exact above the subnormals
    for _ in range(4):
        k = np.maximum(k, 1)
        thr = np.take_along_axis(srt, (k - 1)[:, None], axis=1)
        inside = x >= thr
        d = (np.where(inside, dd[0], 0.0), np.where(inside, dd[1], 0.0))
        kf = k.astype(np.float64)[:, None]
        kdd: DD = (kf, np.zeros_like(kf))
        total = _column_sum(d)
        squares = _column_sum(_dd_mul(d, d))
        mean = _dd_div(total, kdd)
        # delta = 1/k - (squares/k - mean^2), the squared distance from mean to tau
        inv_k = _dd_div((np.ones_like(kf), np.zeros_like(kf)), kdd)
        delta = _dd_add(_dd_add(inv_k, _neg(_dd_div(squares, kdd))), _dd_mul(mean, mean))
        root = _dd_sqrt((np.maximum(delta[0], 0.0), np.where(delta[0] > 0, delta[1], 0.0)))
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            a = _dd_add(
                dd, _neg((np.broadcast_to(mean[0], x.shape), np.broadcast_to(mean[1], x.shape)))
            )
            above = _dd_add(a, root)  # g where a >= 0
            gap = _dd_add(delta, _neg(_dd_mul(a, a)))  # delta - a^2 = g (sqrt(delta) - a)
            below = _dd_div(gap, _dd_add(root, _neg(a)))
            g_hi = np.where(a[0] >= 0, above[0], below[0])
            g_lo = np.where(a[0] >= 0, above[1], below[1])
        g_hi = np.where(np.isfinite(g_hi), g_hi, -1.0)
        g_lo = np.where(np.isfinite(g_lo), g_lo, 0.0)
        new_k = np.count_nonzero(g_hi > 0, axis=1)
        if np.array_equal(new_k, k) or not new_k.all():
            break
        k = new_k
    inside = g_hi > 0
    g = (np.where(inside, g_hi, 0.0), np.where(inside, g_lo, 0.0))
    # below 2^-40 of sqrt(delta) the difference delta - a^2 may have cancelled beyond
    # the double-double's reach: those rows exactly (rationals and mpmath)
    near = inside & (a[0] < 0) & (np.abs(gap[0]) < 2.0**-40 * np.abs(delta[0]))
    p_hi, p_lo = _dd_mul(g, g)
    out_g = g[0] + g[1]
    for r in np.flatnonzero(near.any(axis=1) | (delta[0][:, 0] < 2.0**-40)):
        exact, exact_in = entmax15_exact([float(v) for v in x[r]])
        assert exact is not None
        out_g[r] = [float(v) for v in exact]
        inside[r] = exact_in
        sq = [float(v * v) for v in exact]
        p_hi[r], p_lo[r] = sq, 0.0
    return out_g, p_hi + p_lo, inside


def _column_sum(d: DD) -> DD:
    """Row sums of a double-double ``(m, n)``: compensated over the columns for many
    rows, :func:`math.fsum` and its remainder per row for a few long ones."""
    m, n = d[0].shape
    if not _by_columns(m, n):
        t_hi, t_lo = np.empty((m, 1)), np.empty((m, 1))
        for r in range(m):
            parts = np.concatenate([d[0][r], d[1][r]])
            t_hi[r] = math.fsum(parts)
            t_lo[r] = math.fsum(np.concatenate([parts, [-t_hi[r, 0]]]))
        return t_hi, t_lo
    total: DD = (np.zeros(d[0].shape[0]), np.zeros(d[0].shape[0]))
    for j in range(d[0].shape[1]):
        total = _dd_add(total, (d[0][:, j], d[1][:, j]))
    return total[0][:, None], total[1][:, None]


def entmax15(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r""":math:`[x/2 - \tau]_+^2` along ``axis`` (1.5-entmax): sums to 1, exact zeros."""
    rows, dtype, ax, shape = _prepare(x, axis)
    if rows.size == 0:
        return np.zeros(np.shape(x), dtype=dtype)
    _, p, _ = _entmax_rows(rows.reshape(-1, shape[-1]))
    out = np.moveaxis(p.reshape(shape), -1, ax)
    return out.astype(dtype, copy=False)


def _entmax_parts(x: ArrayLike) -> tuple[F64, F64, F64, np.dtype[Any], tuple[int, ...]]:
    """``g``, the exclusive sums ``sum_{j != i} g_j`` and ``sum g`` along the last axis."""
    rows, dtype, _, shape = _prepare(x, -1)
    g, _, _ = _entmax_rows(rows.reshape(-1, shape[-1]))
    wide = g.astype(_WIDE)
    prefix = np.cumsum(wide, axis=1) - wide
    suffix = np.flip(np.cumsum(np.flip(wide, axis=1), axis=1), axis=1) - wide
    others = (prefix + suffix).astype(np.float64)  # sums of positives: no cancellation
    total = np.sum(wide, axis=1, keepdims=True).astype(np.float64)
    return g, others, total, dtype, shape


_WIDE: type[np.floating[Any]] = np.longdouble if np.finfo(np.longdouble).nmant > 52 else np.float64


def entmax15_jacobian(x: ArrayLike) -> NDArray[np.floating]:
    r""":math:`J = \operatorname{diag}(g) - g g^\top / \sum g` with
    :math:`g = \sqrt{p} = [x/2 - \tau]_+` (Peters et al. 2019), ``(..., n, n)``; the
    diagonal :math:`g_i \sum_{j \ne i} g_j / \sum g` without cancellation."""
    g, others, total, dtype, shape = _entmax_parts(x)
    n = shape[-1]
    with np.errstate(invalid="ignore"):
        jac = -(g[:, :, None] * g[:, None, :]) / total[:, :, None]
        idx = np.arange(n)
        jac[:, idx, idx] = g * others / total
    out: NDArray[np.floating] = jac.reshape(*shape, n).astype(dtype, copy=False)
    return out


def entmax15_jvp(x: ArrayLike, v: ArrayLike) -> NDArray[np.floating]:
    r""":math:`J v = g \otimes (v - (g \cdot v) / \sum g)` along the last axis (``J`` is
    symmetric: also :math:`u^\top J`)."""
    g, _, total, dtype, shape = _entmax_parts(x)
    vec, _ = _float(v)
    vv = np.broadcast_to(vec, shape).reshape(g.shape)
    with np.errstate(invalid="ignore"):
        out = g * (vv - np.sum(g * vv, axis=1, keepdims=True) / total)
    result: NDArray[np.floating] = out.reshape(shape).astype(dtype, copy=False)
    return result
