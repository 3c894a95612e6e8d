"""Softmax and its family along any axis, finite for every finite input.

All of them shift by the maximum along the axis first, so ``exp`` never overflows;
``log_softmax`` is computed as ``x - logsumexp(x)`` and never through ``log(softmax)``,
so it is never 0 or -inf where the true value is a normal float.
"""

from __future__ import annotations

import fractions
import math
from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref.kernels.compensated import two_prod
from actref.kernels.validate import as_float_array

F64 = NDArray[np.float64]


Axis = int | tuple[int, ...] | None


def _prepare(x: ArrayLike, axis: int) -> tuple[F64, np.dtype[np.floating], int]:
    arr, dtype = as_float_array(x)
    arr = arr.astype(np.float64, copy=False)  # computed in float64, rounded once at the end
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension to take a softmax over")
    return arr, dtype, _one_axis(axis, arr.ndim, "an integer")


def _one_axis(axis: object, ndim: int, accepted: str) -> int:
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"axis must be {accepted}, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {ndim} dimension(s)")
    return int(axis) % ndim


def _gather(x: ArrayLike, axis: Axis) -> tuple[F64, np.dtype[np.floating], tuple[int, ...]]:
    """``x`` as float64 with the axes of ``axis`` (an int, a tuple, or None for all, as
    :func:`scipy.special.softmax`) moved last and merged into one; their positions."""
    arr, dtype = as_float_array(x)
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension to take a softmax over")
    if axis is None:
        axes = tuple(range(arr.ndim))
    elif isinstance(axis, tuple):
        axes = tuple(_one_axis(a, arr.ndim, "a tuple of integers") for a in axis)
        if len(set(axes)) != len(axes) or not axes:
            raise ValueError(f"axis {axis} must name distinct axes, at least one")
    else:
        axes = (_one_axis(axis, arr.ndim, "an integer, a tuple of integers or None"),)
    k = len(axes)
    moved = np.moveaxis(arr, axes, tuple(range(arr.ndim - k, arr.ndim)))
    merged = int(np.prod(moved.shape[arr.ndim - k :]))
    # contiguous rows: NumPy sums a contiguous last axis pairwise, a strided one
    # sequentially (106 ULP along axis 0 of a (100000, 2) array, and other bits than
    # the same data along the last axis; issue 14)
    flat = np.ascontiguousarray(moved.reshape(*moved.shape[: arr.ndim - k], merged))
    return flat, dtype, axes


def _scatter(out: NDArray[np.floating], shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """Undo :func:`_gather` on a result of the merged shape."""
    k = len(axes)
    moved_shape = tuple(np.delete(np.array(shape), axes)) + tuple(shape[a] for a in axes)
    restored = out.reshape(moved_shape)
    return np.moveaxis(restored, tuple(range(len(shape) - k, len(shape))), axes)


def _shift(arr: F64, axis: int) -> tuple[F64, F64, F64]:
    """``arr - max`` along ``axis`` as ``hi + lo`` (exactly), and the max.

    The difference is kept exact because ``exp`` turns an absolute error in its argument
    into a relative one: a rounded ``x - max`` of -700 would cost up to 700 ULP.
    A row whose max is +inf shifts its +inf entries to 0 and the rest to -inf (they
    share the mass); a row of all -inf keeps nan (undefined).
    """
    m = np.max(arr, axis=axis, keepdims=True)
    finite_m = np.where(np.isfinite(m), m, 0.0)
    # a spread beyond the largest float overflows x - max to -inf: the right answer
    # (its exp is 0, its log_softmax beyond -1.8e308), so the warning is noise
    with np.errstate(invalid="ignore", over="ignore"):
        # Knuth's two-sum error of arr + (-m), in place: lo = (arr - (hi - bb)) - (m + bb)
        hi = arr - finite_m
        bb = hi - arr
        lo = np.subtract(hi, bb)
        np.subtract(arr, lo, out=lo)
        bb += finite_m
        lo -= bb
        # the rare rows with inf, nan or an overflowing spread: checked, not computed.
        # lo is nan or inf only at an infinite x or x - max: 0 there (exp(hi) is 0 or
        # the row is nan; in a +inf row the finite entries have lo = 0 already)
        bad = ~np.isfinite(lo)
        if bad.any():
            lo[bad] = 0.0
        if not np.isfinite(m).all():
            pos_inf_row = np.isposinf(m)
            if pos_inf_row.any():
                hi = np.where(pos_inf_row, np.where(np.isposinf(arr), 0.0, -np.inf), hi)
            hi = np.where(np.isnan(m), np.nan, hi)  # a nan anywhere makes the row nan
    return hi, lo, m


# Sums, quotients and products in x87 extended precision where the platform has it
# (Linux x86-64): then exp's own error (< 1 ULP) is the only one left and the result
# is rounded once. Elsewhere this is float64 and the bound is a few ULP looser.
_WIDE: type[np.floating] = np.longdouble if np.finfo(np.longdouble).nmant > 52 else np.float64


def _exp_shifted(hi: F64, lo: F64) -> F64:
    """:math:`e^{hi + lo} = e^{hi}(1 + lo)` to first order (``|lo|`` is below an ULP of hi)."""
    e: F64 = np.exp(hi)
    return e + e * lo


def _lead_and_rest(e: F64, hi: F64, axis: int) -> tuple[F64, F64, F64]:
    """One maximal entry of ``e`` (exactly 1: its shift is 0), the sum of the others
    and the shift of that entry (0, or -inf for a row of -inf), keepdims.

    The sum of the others is pairwise over small numbers, and 1 is added once: summed
    with the rest, the 1 would take every rounding of its partial sum (6 ULP in
    softmax over rows of 1000 with one dominant entry, issue 14).
    """
    top = np.argmax(hi, axis=axis, keepdims=True)
    lead = np.take_along_axis(e, top, axis=axis)
    np.put_along_axis(e, top, 0.0, axis=axis)
    rest = np.sum(e, axis=axis, keepdims=True)
    np.put_along_axis(e, top, lead, axis=axis)
    return lead, rest, np.take_along_axis(hi, top, axis=axis)


def _log_total(hi: F64, lo: F64, axis: int) -> F64:
    r""":math:`\log\sum_j e^{hi_j + lo_j}` (keepdims) as ``log1p`` of all but one maximum.

    One maximal entry contributes exactly 1, so ``log1p`` of the rest keeps
    ``log_softmax`` of the maximum nonzero (``[0, -40]`` gives ``-4.2e-18``, not 0).
    """
    _, rest, shift = _lead_and_rest(_exp_shifted(hi, lo), hi, axis)
    with np.errstate(divide="ignore"):
        out: F64 = np.where(shift == 0.0, np.log1p(rest), np.log(rest))
    return out


# ------------------------------------------------ logsumexp where it cancels to near 0
# double-double arithmetic (hi + lo, ~106 bits): m + log(sum e^(x - m)) loses the bits
# that cancel when the result is far smaller than m (logsumexp([-ln 2, -ln 2]) was 0.0,
# true 2.3e-17; 23 ULP on short rows, issue 14)
DD = tuple[F64, F64]


def _two_sum(a: F64, b: F64) -> DD:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _dd_add(a: DD, b: DD) -> DD:
    s, e = _two_sum(a[0], b[0])
    return _two_sum(s, e + a[1] + b[1])


def _dd_mul(a: DD, b: DD) -> DD:
    p, e = two_prod(a[0], b[0])
    return _two_sum(p, e + a[0] * b[1] + a[1] * b[0])


def _dd_constant(num: int, den: int) -> tuple[float, float]:
    hi = num / den
    lo = float(fractions.Fraction(num, den) - fractions.Fraction(hi))
    return hi, lo


_LN2 = (0.6931471805599453, 2.3190468138462996e-17)  # ln 2 = hi + lo to 106 bits
_INV_FACT = [_dd_constant(1, math.factorial(k)) for k in range(11)]


def _dd_exp(x: F64) -> DD:
    r""":math:`e^x` (``x <= 0``) in double-double: :math:`x = k\ln 2 + r`,
    :math:`e^{r/256} - 1` by its Taylor series to :math:`s^{10}` (:math:`|s| < 0.0014`,
    the rest below :math:`10^{-39}`), squared back 8 times as
    :math:`u \mapsto u(u + 2)`, times :math:`2^k`."""
    x = np.maximum(x, -800.0)  # e^-800 is 0 in float64 anyway
    k = np.rint(x / _LN2[0])
    p, e = two_prod(k, _LN2[0])
    r = _dd_add((x, np.zeros_like(x)), (-p, -e))
    r = _dd_add(r, (-k * _LN2[1], np.zeros_like(x)))
    s = (r[0] / 256, r[1] / 256)
    u: DD = (np.full_like(x, _INV_FACT[10][0]), np.full_like(x, _INV_FACT[10][1]))
    for c in _INV_FACT[9:0:-1]:
        u = _dd_add(_dd_mul(u, s), (np.full_like(x, c[0]), np.full_like(x, c[1])))
    u = _dd_mul(u, s)  # e^s - 1
    for _ in range(8):
        u = _dd_mul(u, _dd_add(u, (np.full_like(x, 2.0), np.zeros_like(x))))
    one = _dd_add((np.ones_like(x), np.zeros_like(x)), u)
    return np.ldexp(one[0], k.astype(np.int64)), np.ldexp(one[1], k.astype(np.int64))


def _logsumexp_near_zero(rows: F64) -> F64:
    """``log(sum(e^x))`` of rows whose maximum is below 0 and whose result is near 0:
    ``log1p(sum(e^x) - 1)`` with the sum and the ``- 1`` in double-double, so nothing
    cancels in float64 (1 ULP). Where even that is too close to 0 for double-double
    (below ``n 2^-48``: rows normalised to 1, like log_softmax's), exactly in mpmath,
    at about 10 us an entry."""
    total: DD = (np.full(rows.shape[0], -1.0), np.zeros(rows.shape[0]))
    for j in range(rows.shape[1]):
        total = _dd_add(total, _dd_exp(rows[:, j]))
    hi, lo = total
    out: F64 = np.log1p(hi) + lo / (1.0 + hi)
    for i in np.flatnonzero(np.abs(out) < rows.shape[1] * 2.0**-48):
        out[i] = _logsumexp_exact(rows[i])
    return out


def _logsumexp_exact(row: F64) -> float:
    """``log(sum(e^x))`` in mpmath, the precision doubled until two agree (as the oracle)."""
    dps, prev = 50, None
    while dps <= 3200:
        with mpmath.workdps(dps):
            cur = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in row))
        if prev is not None and cur != 0 and abs(cur - prev) <= abs(cur) * mpmath.mpf(10) ** -30:
            break
        prev, dps = cur, dps * 2
    return float(cur)


def logsumexp(x: ArrayLike, axis: Axis = -1, keepdims: bool = False) -> NDArray[np.floating]:
    r""":math:`\log\sum_i e^{x_i}` along ``axis`` (an int, a tuple of ints, or None for
    every axis, as :func:`scipy.special.logsumexp`), without overflow. Over an empty
    axis it is -inf (the log of an empty sum)."""
    flat, dtype, axes = _gather(x, axis)
    shape = np.shape(x)
    if flat.shape[-1] == 0:
        out: F64 = np.full(flat.shape[:-1], -np.inf)
    else:
        hi, lo, m = _shift(flat, -1)
        # a row of -inf has a total of 0 (log: -inf) and a nan row a nan total: only +inf
        # rows, whose entries were shifted to 0, need their m back as the answer
        total = _log_total(hi, lo, -1)
        out = np.where(np.isposinf(m), np.inf, total + np.where(np.isfinite(m), m, 0.0))
        out = np.squeeze(out, axis=-1)
        m = np.squeeze(m, axis=-1)
        with np.errstate(invalid="ignore"):
            # m < 0 and a result below |m|/2: the sum m + log(...) cancelled
            cancel = np.flatnonzero((m < 0) & (np.abs(out) < -m / 2) & np.isfinite(m))
        if cancel.size:
            flat_rows = flat.reshape(-1, flat.shape[-1])
            out.flat[cancel] = _logsumexp_near_zero(flat_rows[cancel])
    if keepdims:
        out = np.expand_dims(out.reshape(tuple(np.delete(np.array(shape), axes))), axes)
    else:
        out = out.reshape(tuple(int(v) for v in np.delete(np.array(shape, dtype=np.intp), axes)))
    return out.astype(dtype, copy=False)


def softmax(x: ArrayLike, axis: Axis = -1) -> NDArray[np.floating]:
    r""":math:`s_i = e^{x_i} / \sum_j e^{x_j}` along ``axis`` (an int, a tuple of ints,
    or None for every axis, as :func:`scipy.special.softmax`).

    Finite for every finite input; a +inf entry takes the whole mass (shared among
    several +inf entries); entries of -inf get exactly 0. Empty input gives an empty
    result.
    """
    flat, dtype, axes = _gather(x, axis)
    if flat.size == 0:
        return np.zeros(np.shape(x), dtype=dtype)
    hi, lo, _ = _shift(flat, -1)
    e = _exp_shifted(hi, lo)
    lead, rest, _ = _lead_and_rest(e, hi, -1)
    with np.errstate(invalid="ignore"):
        # float64 is enough here (<= 3 ULP measured): one quotient of 1 + a pairwise sum
        out: F64 = e / (lead + rest)
    return _scatter(out, np.shape(x), axes).astype(dtype, copy=False)  # type: ignore[no-any-return]


def log_softmax(x: ArrayLike, axis: Axis = -1) -> NDArray[np.floating]:
    r""":math:`x_i - \log\sum_j e^{x_j}` along ``axis`` (an int, a tuple of ints, or
    None for every axis)."""
    flat, dtype, axes = _gather(x, axis)
    if flat.size == 0:
        return np.zeros(np.shape(x), dtype=dtype)
    hi, lo, _ = _shift(flat, -1)
    lse = _log_total(hi, lo, -1)
    with np.errstate(invalid="ignore"):  # -inf - (-inf) in a row of -inf: nan, undefined
        out: F64 = (hi - lse) + lo
    return _scatter(out, np.shape(x), axes).astype(dtype, copy=False)  # type: ignore[no-any-return]


def _softmax_and_complement(arr: F64) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """``s`` and ``1 - s`` over the last axis, the complement without cancellation.

    :math:`1 - s_i = \\sum_{j \ne i} e_j / \\sum_j e_j`, summed as an exclusive prefix
    plus an exclusive suffix sum, so it is accurate also when :math:`s_i` is near 1.
    """
    hi, lo, _ = _shift(arr, -1)
    e = _exp_shifted(hi, lo).astype(_WIDE)
    prefix = np.concatenate([np.zeros_like(e[..., :1]), np.cumsum(e, axis=-1)[..., :-1]], -1)
    rev = np.cumsum(np.flip(e, axis=-1), axis=-1)
    suffix = np.concatenate([np.flip(rev, axis=-1)[..., 1:], np.zeros_like(e[..., :1])], -1)
    total = np.sum(e, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        return e / total, (prefix + suffix) / total


def softmax_jacobian(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r"""The Jacobian along ``axis``, shape ``(..., n, n)`` (the other axes first, in
    order): :math:`J = \operatorname{diag}(s) - s s^\top`, computed in float64.

    The diagonal is :math:`s_i (1 - s_i)` with :math:`1 - s_i` summed from the other
    entries: no cancellation when :math:`s_i` is near 1. ``n * n`` entries per row: a
    size that cannot be allocated raises ``MemoryError`` saying so (use
    :func:`softmax_jacobian_diag`, or the product :math:`J v = s (v - s \cdot v)`).
    """
    arr, dtype, ax = _prepare(x, axis)
    arr = np.ascontiguousarray(np.moveaxis(arr, ax, -1))  # pairwise sums (see _gather)
    n = arr.shape[-1]
    batch = arr.shape[:-1]
    try:
        jac = np.empty((*batch, n, n), dtype=np.float64)
    except (MemoryError, ValueError):
        need = float(np.prod(batch, dtype=np.float64)) * n * n * 8
        raise MemoryError(
            f"softmax_jacobian of {n} entries per row needs {n}x{n} float64 values per row "
            f"({need / 2**30:.3g} GiB in all); use softmax_jacobian_diag(x) or the product "
            "J v = s * (v - sum(s * v))"
        ) from None
    if n == 0:
        return jac.astype(dtype)
    s_wide, comp = _softmax_and_complement(arr)
    s = s_wide.astype(np.float64)
    np.multiply(-s[..., :, None], s[..., None, :], out=jac)
    idx = np.arange(n)
    jac[..., idx, idx] = (s_wide * comp).astype(np.float64)
    return jac.astype(dtype, copy=False)


def softmax_jacobian_diag(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r"""The Jacobian's diagonal along ``axis``, :math:`s(1 - s)`, the shape of ``x``,
    with :math:`1 - s` summed from the other entries (see :func:`softmax_jacobian`).
    """
    arr, dtype, ax = _prepare(x, axis)
    if arr.shape[ax] == 0:
        return np.zeros(arr.shape, dtype=dtype)
    s, comp = _softmax_and_complement(np.ascontiguousarray(np.moveaxis(arr, ax, -1)))
    return np.moveaxis((s * comp).astype(np.float64), -1, ax).astype(dtype)


def log_softmax_jacobian(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r"""The Jacobian of ``log_softmax`` along ``axis``, shape ``(..., n, n)``:
    :math:`J_{ij} = \partial \log s_i / \partial x_j = \delta_{ij} - s_j`, in float64.

    The diagonal :math:`1 - s_i` is summed from the other entries (see
    :func:`softmax_jacobian`), so it is accurate also where :math:`s_i` is near 1; the
    rest of row ``i`` is :math:`-s_j`.
    """
    arr, dtype, ax = _prepare(x, axis)
    arr = np.moveaxis(arr, ax, -1)
    n = arr.shape[-1]
    if n == 0:
        return np.empty((*arr.shape[:-1], 0, 0), dtype=dtype)
    s_wide, comp = _softmax_and_complement(arr)
    s = s_wide.astype(np.float64)
    jac = np.broadcast_to(-s[..., None, :], (*arr.shape[:-1], n, n)).copy()
    idx = np.arange(n)
    jac[..., idx, idx] = comp.astype(np.float64)
    return jac.astype(dtype, copy=False)


# ------------------------------------------- Jacobian-vector products (last axis)
def _rows_and_vector(x: ArrayLike, v: ArrayLike) -> tuple[F64, F64, np.dtype[np.floating]]:
    arr, dtype = as_float_array(x)
    vec, _ = as_float_array(v, name="v")
    arr = arr.astype(np.float64)
    return arr, np.broadcast_to(vec.astype(np.float64), arr.shape), dtype


def _centred(s: NDArray[np.floating], vec: F64) -> F64:
    r""":math:`v - s \cdot v` as :math:`w - s \cdot w` with :math:`w = v - v_k`, ``k``
    the largest ``s``: equal when the ``s`` sum to 1, and the dominant entry's
    :math:`s_k v_k` no longer cancels (at ``[30, 0, -30, 2]`` the plain form lost 3
    digits of the small components)."""
    top = np.argmax(np.where(np.isnan(s), -np.inf, s), axis=-1)[..., None]
    w = vec - np.take_along_axis(vec, top, axis=-1)
    out: F64 = w - np.sum(s * w, axis=-1, keepdims=True)
    return out


def softmax_jvp(x: ArrayLike, v: ArrayLike) -> NDArray[np.floating]:
    r""":math:`J v = s \otimes (v - s \cdot v)` over the last axis, without forming ``J``
    (``J`` is symmetric: this is also :math:`u^\top J`)."""
    arr, vec, dtype = _rows_and_vector(x, v)
    s = softmax(arr)
    with np.errstate(invalid="ignore"):
        out = s * _centred(s, vec)
    return out.astype(dtype, copy=False)


softmax_vjp = softmax_jvp


def log_softmax_jvp(x: ArrayLike, v: ArrayLike) -> NDArray[np.floating]:
    r""":math:`J v = v - s \cdot v` over the last axis (``J = I - 1 s^T``)."""
    arr, vec, dtype = _rows_and_vector(x, v)
    s = softmax(arr)
    with np.errstate(invalid="ignore"):
        out = _centred(s, vec)
    return out.astype(dtype, copy=False)


def log_softmax_vjp(x: ArrayLike, u: ArrayLike) -> NDArray[np.floating]:
    r""":math:`u^\top J = u - s \sum_i u_i` over the last axis."""
    arr, vec, dtype = _rows_and_vector(x, u)
    s = softmax(arr)
    with np.errstate(invalid="ignore"):
        out = vec - s * np.sum(vec, axis=-1, keepdims=True)
    return out.astype(dtype, copy=False)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------ softmin
def softmin(x: ArrayLike, axis: Axis = -1) -> NDArray[np.floating]:
    r""":math:`\mathrm{softmin}(x) = \mathrm{softmax}(-x)` along ``axis`` (negation is
    exact: the same bits as softmax of the negated input)."""
    arr, _ = as_float_array(x)
    return softmax(np.negative(arr), axis=axis)


def softmin_jacobian(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r""":math:`-J_{\mathrm{softmax}}(-x) = s s^\top - \operatorname{diag}(s)`, ``s`` the
    softmin, shape ``(..., n, n)``."""
    arr, _ = as_float_array(x)
    out: NDArray[np.floating] = np.negative(softmax_jacobian(np.negative(arr), axis=axis))
    return out


def softmin_jvp(x: ArrayLike, v: ArrayLike) -> NDArray[np.floating]:
    r""":math:`J v = -s \otimes (v - s \cdot v)`, ``s`` the softmin (also :math:`u^\top J`)."""
    arr, _ = as_float_array(x)
    out: NDArray[np.floating] = np.negative(softmax_jvp(np.negative(arr), v))
    return out


softmin_vjp = softmin_jvp
