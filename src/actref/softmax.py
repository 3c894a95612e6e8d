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
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension to take a softmax over")
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {arr.ndim} dimension(s)")
    return arr, dtype, int(axis)


def _shift(arr: F64, axis: int) -> tuple[F64, F64]:
    """``arr - max`` along ``axis`` and the max, with infinite maxima handled.

    A row whose max is +inf shifts by +inf (inf - inf = nan for the +inf entries is
    replaced by 0: they share the mass); a row of all -inf keeps nan (undefined).
    """
    m = np.max(arr, axis=axis, keepdims=True)
    finite_m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(invalid="ignore"):
        shifted = arr - finite_m
        pos_inf_row = np.isposinf(m)
        if pos_inf_row.any():
            shifted = np.where(pos_inf_row, np.where(np.isposinf(arr), 0.0, -np.inf), shifted)
    return shifted, m


def logsumexp(x: ArrayLike, axis: int = -1, keepdims: bool = False) -> NDArray[np.floating]:
    r""":math:`\log\sum_i e^{x_i}` along ``axis``, without overflow."""
    arr, dtype, axis = _prepare(x, axis)
    shifted, m = _shift(arr, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        out = np.where(np.isposinf(m), np.inf, out + np.where(np.isfinite(m), m, 0.0))
        out = np.where(np.isneginf(m), -np.inf, out)
        out = np.where(np.isnan(m), np.nan, out)
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out.astype(dtype, copy=False)


def softmax(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r""":math:`s_i = e^{x_i} / \sum_j e^{x_j}` along ``axis``.

    Finite for every finite input; a +inf entry takes the whole mass (shared among
    several +inf entries); entries of -inf get exactly 0.
    """
    arr, dtype, axis = _prepare(x, axis)
    shifted, _ = _shift(arr, axis)
    e = np.exp(shifted)
    with np.errstate(invalid="ignore"):
        out: F64 = e / np.sum(e, axis=axis, keepdims=True)
    return out.astype(dtype, copy=False)


def log_softmax(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    r""":math:`x_i - \log\sum_j e^{x_j}` along ``axis``."""
    arr, dtype, axis = _prepare(x, axis)
    shifted, _ = _shift(arr, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        out: F64 = shifted - lse
    return out.astype(dtype, copy=False)


def softmax_jacobian(x: ArrayLike) -> NDArray[np.floating]:
    r"""The Jacobian over the last axis, shape ``(..., n, n)``:
    :math:`J = \operatorname{diag}(s) - s s^\top`.
    """
    arr, dtype, _ = _prepare(x, -1)
    s = softmax(arr, axis=-1)
    jac = -s[..., :, None] * s[..., None, :]
    n = s.shape[-1]
    idx = np.arange(n)
    # the diagonal as s(1 - s) rather than s - s^2: no cancellation when s is near 1
    jac[..., idx, idx] = s * (1.0 - s)
    return jac.astype(dtype, copy=False)


def softmax_jacobian_diag(x: ArrayLike) -> NDArray[np.floating]:
    r"""The Jacobian's diagonal over the last axis, :math:`s(1 - s)`, shape ``(..., n)``."""
    arr, dtype, _ = _prepare(x, -1)
    s = softmax(arr, axis=-1)
    return (s * (1.0 - s)).astype(dtype, copy=False)
