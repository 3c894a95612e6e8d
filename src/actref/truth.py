"""The truth :mod:`actref.testing` holds implementations to: the inputs to use and the
correctly rounded true values there, for an elementwise activation of the registry
or a vector function of :mod:`actref.vectors`, computed by the mpmath oracle once per
process (and kept on disk under ``$ACTREF_CACHE_DIR`` when that is set)."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from actref import oracle, registry, vector_oracle, vectors
from actref.foreign import to_numpy
from actref.hard_inputs import hard_inputs, hard_rows

__all__ = ["as_dtype", "reference_inputs", "reference_values", "resolve", "softmax_rows"]

DTYPES = (np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.float16))
Target = tuple[str, registry.Activation | None, vectors.VectorFunction | None]


def resolve(name: str, params: Mapping[str, Any] | None) -> Target:
    """The canonical name and either the bound activation or the vector function."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be an activation name, got {type(name).__name__}.")
    vf = vectors.vector(name)
    if vf is not None:
        if params:
            raise ValueError(f"{vf.name} has no parameters; got {', '.join(params)}.")
        return vf.name, None, vf
    act = registry.get(name, **dict(params or {}))
    return act.name, act, None


def as_dtype(dtype: DTypeLike) -> np.dtype[np.floating]:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in DTYPES:
        raise TypeError(f"`dtype` must be float64, float32 or float16; got {dtype!r}.")
    return dt  # type: ignore[return-value]


def softmax_rows(dtype: DTypeLike = np.float64) -> NDArray[np.floating]:
    """The hard rows of the vector functions (:func:`actref.hard_inputs.hard_rows`)."""
    return hard_rows(as_dtype(dtype))


def reference_inputs(
    name: str, dtype: DTypeLike = np.float64, params: Mapping[str, Any] | None = None
) -> NDArray[np.floating]:
    """The inputs :func:`actref.testing.compare` uses by default: the hard input set of
    ``dtype`` with the activation's kinks and their neighbours, or the vector function's
    hard rows."""
    _, act, vf = resolve(name, params)
    dt = as_dtype(dtype)
    if vf is not None:
        return vf.hard_rows(dt)
    assert act is not None
    return hard_inputs(dt, [k.at for k in act.kinks] + list(act.breakpoints))


_TRUTHS: dict[tuple[Any, ...], NDArray[np.floating]] = {}
_TRUTHS_MAX = 64


def clear_cache() -> None:
    """Forget every truth computed in this process (the disk cache is kept)."""
    _TRUTHS.clear()


def reference_values(
    name: str,
    inputs: ArrayLike | None = None,
    *,
    dtype: DTypeLike = np.float64,
    params: Mapping[str, Any] | None = None,
    derivative: bool = False,
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """The inputs (default :func:`reference_inputs`) and the correctly rounded true values
    of the function (or its derivative) there, in ``dtype``.

    The truth is the exact expression evaluated by the mpmath oracle and rounded once,
    cached per function, parameters, dtype, part and inputs, so it is computed once per
    process. For a vector function the inputs are rows ``(m, n)``, the value ``(m, k)``
    and the derivative the Jacobian, ``(m, k, n)`` (``k = n``, or ``n/2`` for a gated
    function).
    """
    canonical, act, vf = resolve(name, params)
    dt = as_dtype(dtype)
    if inputs is None:
        xs = reference_inputs(canonical, dt, params)
    else:
        xs = as_inputs(inputs, dt, vector=vf is not None)
    if vf is not None and not vf.accepts(xs.shape[-1]):
        raise ValueError(f"{vf.name} takes rows of even length; got {xs.shape[-1]}.")
    digest = hashlib.sha1(xs.tobytes()).hexdigest()
    params_key = tuple(sorted(act.params.items())) if act else ()
    hkey = (canonical, params_key, dt.name, bool(derivative), xs.shape, digest)
    truth = _TRUTHS.get(hkey)
    if truth is None:
        truth = _disk_cached(
            hkey, act, derivative, lambda: _compute_truth(act, vf, xs, dt, derivative)
        )
        truth.setflags(write=False)
        if len(_TRUTHS) >= _TRUTHS_MAX:
            _TRUTHS.pop(next(iter(_TRUTHS)))
        _TRUTHS[hkey] = truth
    return xs, truth


def _compute_truth(
    act: registry.Activation | None,
    vf: vectors.VectorFunction | None,
    xs: NDArray[np.floating],
    dt: np.dtype[np.floating],
    derivative: bool,
) -> NDArray[np.floating]:
    if act is not None:
        expr = act.dexpr if derivative else act.expr
        return oracle.true_values(expr, xs.astype(np.float64), dt)
    assert vf is not None
    rows = [
        [oracle.round_to(v, dt) for v in vf.oracle_row([float(t) for t in r], derivative)]
        for r in xs
    ]
    m, n = xs.shape
    k = vf.out_size(n)
    return np.array(rows, dtype=dt).reshape((m, k, n) if derivative else (m, k))


@functools.cache
def _code_salt() -> str:
    """Changes to the oracles or to this module invalidate every truth on disk."""
    h = hashlib.sha1()
    for mod in (oracle, vector_oracle, vectors):
        h.update(Path(str(mod.__file__)).read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


def _disk_cached(
    hkey: tuple[Any, ...],
    act: registry.Activation | None,
    derivative: bool,
    compute: Callable[[], NDArray[np.floating]],
) -> NDArray[np.floating]:
    """``compute()``, kept as ``.npy`` under ``$ACTREF_CACHE_DIR`` when that is set.

    The file name hashes the key, the exact expression and the oracles' source, so a
    changed definition never reads a stale truth.
    """
    folder = os.environ.get("ACTREF_CACHE_DIR")
    if not folder:
        return compute()
    expr = "" if act is None else str(act.dexpr if derivative else act.expr)
    digest = hashlib.sha1(f"{_code_salt()}|{hkey!r}|{expr}".encode()).hexdigest()[:24]
    part = "grad" if derivative else "value"
    path = Path(folder) / f"{hkey[0]}-{part}-{hkey[2]}-{digest}.npy"
    if path.is_file():
        try:
            cached = np.load(path)
            if cached.dtype == np.dtype(hkey[2]) and cached.shape[:1] == hkey[4][:1]:
                return cached  # type: ignore[no-any-return]
        except (OSError, ValueError):
            pass  # unreadable: computed again and rewritten
    values = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, values)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder only costs time
    return values


def as_inputs(inputs: ArrayLike, dt: np.dtype[Any], *, vector: bool) -> NDArray[np.floating]:
    """``inputs`` as a read-only copy in ``dt``: rows ``(m, n)`` for a vector function,
    flat otherwise."""
    arr = np.asarray(to_numpy(inputs))
    if arr.dtype.kind not in "fiu" or arr.dtype.itemsize > 8:
        raise TypeError(f"`inputs` must be real numbers, got dtype {arr.dtype}.")
    arr = np.array(arr, dtype=dt)  # a copy: the caller's array is never touched
    if vector:
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] == 0:
            raise ValueError("`inputs` of a vector function must be rows, shape (m, n).")
    else:
        arr = arr.ravel()
    if arr.size == 0:
        raise ValueError("`inputs` must contain at least one point.")
    arr.setflags(write=False)
    return arr
