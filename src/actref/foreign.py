"""Other libraries' arrays read at the edge, and an implementation called on inputs.

:func:`to_numpy` turns a PyTorch tensor, a JAX array, anything with ``__dlpack__`` or
``__array__`` (or a Python number) into NumPy; :func:`call_fn` calls an implementation
under test once on every input (point by point when it only takes Python numbers),
collecting the warnings it emits.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["call_fn", "to_numpy"]


def to_numpy(value: Any) -> NDArray[Any]:
    """Any library's array (or a Python number) as a NumPy array, at the edge.

    PyTorch tensors are detached and moved to the CPU; DLPack is tried first, then
    ``__array__``; a dtype NumPy lacks (bfloat16) goes through float32.
    """
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, int | float | np.generic | list | tuple):
        return np.asarray(value)
    for method in ("detach", "cpu"):
        fn = getattr(value, method, None)
        if callable(fn):
            value = fn()
    if hasattr(value, "__dlpack__"):
        try:
            return np.from_dlpack(value)
        except (BufferError, TypeError, ValueError, RuntimeError):
            widen = getattr(value, "float", None)  # torch's bfloat16 -> float32
            if callable(widen):
                return to_numpy(widen())
            astype = getattr(value, "astype", None)  # JAX / CuPy
            if callable(astype):
                try:
                    return np.asarray(astype("float32"))
                except (TypeError, ValueError):
                    pass
    try:
        return np.asarray(value)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(
            f"cannot read a result of type {type(value).__name__} as numbers ({exc}); "
            "return a NumPy array, a float, or an array with __dlpack__ or __array__."
        ) from None


def call_fn(
    fn: Callable[..., Any],
    xs: NDArray[np.floating],
    convert_input: Callable[[NDArray[Any]], Any] | None,
) -> tuple[NDArray[np.float64], bool, list[str]]:
    """``fn`` on every input as float64 (nan where it raised), whether it only takes
    Python numbers, and the warnings it emitted."""
    caught: list[str] = []
    scalar_only = False
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        arg = convert_input(xs.copy()) if convert_input is not None else xs.copy()
        try:
            out = to_numpy(fn(arg))
        except (TypeError, ValueError) as exc:
            if xs.ndim != 1 or convert_input is not None:
                raise
            try:
                float(to_numpy(fn(float(xs[0]))))
            except ArithmeticError:  # math.exp(1000): a scalar function all the same
                pass
            except Exception:  # noqa: BLE001 -- not a scalar function either: its own error
                raise exc from None
            scalar_only = True
            vals = np.empty(xs.size, dtype=np.float64)
            for i, v in enumerate(xs.tolist()):
                try:
                    vals[i] = float(to_numpy(fn(v)))
                except (ArithmeticError, ValueError) as err:  # math.exp(1000)
                    vals[i] = math.nan
                    caught.append(f"{type(err).__name__} at x={v!r}: {err}")
            out = vals
    for w in record:
        caught.append(f"{w.category.__name__}: {w.message}")
    arr = np.asarray(out)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"`fn` returned {arr.dtype} values; expected real numbers.")
    with np.errstate(over="ignore"):
        return arr.astype(np.float64), scalar_only, list(dict.fromkeys(caught))
