"""Input validation: what the kernels accept, and the one-line error for what they do not."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FArray = NDArray[Any]  # float16/32/64: the input dtype is kept
F64_DTYPE = np.dtype(np.float64)

ACCEPTED = "real numbers (float16/32/64, int or bool arrays, Python scalars or sequences)"


def as_float_array(x: ArrayLike, *, name: str = "x") -> tuple[FArray, np.dtype[np.floating]]:
    """Validate ``x`` and return it as a float array with the dtype to return in.

    float16/32/64 are kept as they are (the engine computes in float64 block by block
    and rounds once on the way out, so no full-size float64 copy is made); integers and
    bools become float64; complex, object and string input is refused.
    """
    arr = np.asarray(x)
    dt = arr.dtype
    if dt.kind == "f":
        if dt.itemsize > 8:
            raise TypeError(f"{name} has dtype {dt}; accepted: {ACCEPTED}")
        if not dt.isnative:
            arr = arr.astype(dt.newbyteorder("="))
        return arr, arr.dtype
    if dt.kind in "iub":
        return arr.astype(np.float64), F64_DTYPE
    raise TypeError(f"{name} has dtype {dt}; accepted: {ACCEPTED}")


def as_rows(x: ArrayLike, what: str) -> tuple[FArray, np.dtype[np.floating]]:
    """``x`` as float64 for a function of a whole vector (``what``: "take a softmax
    over", "split in halves"), with the float dtype to return in; at least 1-D."""
    arr, dtype = as_float_array(x)
    if arr.ndim == 0:
        raise ValueError(f"x must have at least one dimension to {what}")
    return arr.astype(np.float64, copy=False), dtype


def axis_index(axis: object, ndim: int, accepted: str = "an integer") -> int:
    """``axis`` as an index in ``range(ndim)`` (negative counts from the end), or a
    one-line error naming what is ``accepted``."""
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"axis must be {accepted}, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {ndim} dimension(s)")
    return int(axis) % ndim
