"""Softmax and its family along any axis, finite for every finite input.

All of them shift by the maximum along the axis first, so ``exp`` never overflows;
``log_softmax`` is computed as ``x - logsumexp(x)`` and never through ``log(softmax)``,
so it is never 0 or -inf where the true value is a normal float.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from actref.numeric import as_float_array

F64 = NDArray[np.float64]


def _prepare(x: ArrayLike, axis: int) -> tuple[F64, np.dtype[np.floating], int]:
    arr, dtype = as_float_array(x)
    arr = arr.astype(np.float64, copy=False)  # computed in float64, rounded once at the end
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension to take a softmax over")
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {arr.ndim} dimension(s)")
    return arr, dtype, int(axis)


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


def _log_total(hi: F64, lo: F64, axis: int) -> F64:
    r""":math:`\log\sum_j e^{hi_j + lo_j}` (keepdims) as ``log1p`` of all but one maximum.

    One maximal entry contributes exactly 1, so ``log1p`` of the rest keeps
    ``log_softmax`` of the maximum nonzero (``[0, -40]`` gives ``-4.2e-18``, not 0).
    """
    e = _exp_shifted(hi, lo)
    top = np.argmax(hi, axis=axis, keepdims=True)
    np.put_along_axis(e, top, 0.0, axis=axis)
    rest = np.sum(e, axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        lead = np.take_along_axis(hi, top, axis=axis)  # 0, or -inf for a row of -inf
        out: F64 = np.where(lead == 0.0, np.log1p(rest), np.log(rest))
    return out


def logsumexp(x: ArrayLike, axis: int = -1, keepdims: bool = False) -> NDArray[np.floating]:
    r""":math:`\log\sum_i e^{x_i}` along ``axis``, without overflow."""
    arr, dtype, axis = _prepare(x, axis)
    hi, lo, m = _shift(arr, axis)
    # a row of -inf has a total of 0 (log: -inf) and a nan row a nan total: only +inf
    # rows, whose entries were shifted to 0, need their m back as the answer
    out = _log_total(hi, lo, axis)
    out = np.where(np.isposinf(m), np.inf, out + np.where(np.isfinite(m), m, 0.0))
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out.astype(dtype, copy=False)


def softmax(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r""":math:`s_i = e^{x_i} / \sum_j e^{x_j}` along ``axis``.

    Finite for every finite input; a +inf entry takes the whole mass (shared among
    several +inf entries); entries of -inf get exactly 0.
    """
    arr, dtype, axis = _prepare(x, axis)
    hi, lo, _ = _shift(arr, axis)
    e = _exp_shifted(hi, lo)
    with np.errstate(invalid="ignore"):
        # float64 is enough here (<= 3 ULP measured): one quotient of a pairwise sum
        out: F64 = e / np.sum(e, axis=axis, keepdims=True)
    return out.astype(dtype, copy=False)


def log_softmax(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r""":math:`x_i - \log\sum_j e^{x_j}` along ``axis``."""
    arr, dtype, axis = _prepare(x, axis)
    hi, lo, _ = _shift(arr, axis)
    lse = _log_total(hi, lo, axis)
    with np.errstate(invalid="ignore"):  # -inf - (-inf) in a row of -inf: nan, undefined
        out: F64 = (hi - lse) + lo
    return out.astype(dtype, copy=False)


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


def softmax_jacobian(x: ArrayLike) -> NDArray[np.floating]:
    r"""The Jacobian over the last axis, shape ``(..., n, n)``:
    :math:`J = \operatorname{diag}(s) - s s^\top`.

    The diagonal is :math:`s_i (1 - s_i)` with :math:`1 - s_i` summed from the other
    entries: no cancellation when :math:`s_i` is near 1.
    """
    arr, dtype, _ = _prepare(x, -1)
    s, comp = _softmax_and_complement(arr)
    jac = -s[..., :, None] * s[..., None, :]
    n = s.shape[-1]
    idx = np.arange(n)
    jac[..., idx, idx] = s * comp
    return jac.astype(dtype)


def softmax_jacobian_diag(x: ArrayLike) -> NDArray[np.floating]:
    r"""The Jacobian's diagonal over the last axis, :math:`s(1 - s)`, shape ``(..., n)``,
    with :math:`1 - s` summed from the other entries (see :func:`softmax_jacobian`).
    """
    arr, dtype, _ = _prepare(x, -1)
    s, comp = _softmax_and_complement(arr)
    return (s * comp).astype(dtype)
